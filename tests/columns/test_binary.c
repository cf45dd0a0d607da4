/* Coercion of the binary vtree kinds (LONG, DOUBLE, BYTES, DECIMAL,
 * TIMESTAMP, DATE, TIME, MAP) through icp_columns_add_tree, fixed[N]
 * columns (from BYTES and from base64 JSON), map<long,...> from MAP nodes
 * and a Parquet file with a fixed column. Values are read back with
 * icp_columns_last_value, levels from the leaves (through the .c). */
#include "../../src/columns/columns_extract.c"
#include "test.h"

#include <math.h>

static icp_vt_doc d;

/* A record {key: <node of kind k>}; returns the member to fill in. */
static icp_vt_node *one(const char *key, icp_vt_kind k)
{
	uint32_t r, c;

	icp_vt_reset(&d);
	icp_vt_push(&d, ICP_VT_OBJ, &r);
	icp_vt_push(&d, k, &c);
	d.nodes[c].key = key;
	d.nodes[c].key_len = strlen(key);
	icp_vt_close(&d, r, 1);
	return &d.nodes[c];
}

static icp_columns *x;
static icp_ice_schema *schema;

static int id_of(const char *name)
{
	const icp_ice_field *f = icp_ice_schema_find(schema, name);
	return f ? f->id : -1;
}

/* Adds the current tree; 1 with the column's value in *v. */
static int got(const char *col, icp_pspec_value *v)
{
	int rc = icp_columns_add_tree(x, &d);
	if (rc != 1)
		return rc;
	CHECK_EQ_INT(icp_columns_last_value(x, id_of(col), v), ICP_OK);
	return !v->is_null;
}

static size_t col_index(const char *name)
{
	size_t i;
	for (i = 0; i < icp_columns_count(x); i++)
		if (strcmp(icp_columns_name(x, i), name) == 0)
			return i;
	return (size_t)-1;
}

static icp_pspec_value v;

static void l_(const char *col, int64_t i)
{
	one(col, ICP_VT_LONG)->i = i;
}
static void d_(const char *col, double dd)
{
	one(col, ICP_VT_DOUBLE)->d = dd;
}
/* A DECIMAL node: unscaled big-endian bytes (static storage) and scale. */
static void dec_(const char *col, const uint8_t *be, size_t n, int scale)
{
	icp_vt_node *nd = one(col, ICP_VT_DECIMAL);
	nd->s = (const char *)be;
	nd->len = n;
	nd->scale = (int16_t)scale;
}
static void bytes_(const char *col, const char *s, size_t n)
{
	icp_vt_node *nd = one(col, ICP_VT_BYTES);
	nd->s = s;
	nd->len = n;
}

static int64_t dec_value(const icp_pspec_value *p)
{
	icp_slice b = icp_pspec_value_bytes(p);
	int64_t r = (b.len && (b.ptr[0] & 0x80)) ? -1 : 0;
	size_t i;
	for (i = 0; i < b.len; i++)
		r = (int64_t)((uint64_t)r << 8 | b.ptr[i]);
	return r;
}

static void test_numbers(void)
{
	/* LONG -> int (range), long, float, double */
	l_("i", 2147483647);
	CHECK(got("i", &v) == 1 && v.i == 2147483647);
	l_("i", 2147483648LL);
	CHECK(got("i", &v) == 0);
	l_("i", INT32_MIN);
	CHECK(got("i", &v) == 1 && v.i == INT32_MIN);
	l_("l", INT64_MIN);
	CHECK(got("l", &v) == 1 && v.i == INT64_MIN);
	l_("f", 16777217);
	CHECK(got("f", &v) == 1 && v.d == 16777216.0); /* rounded to a float */
	l_("dbl", -5);
	CHECK(got("dbl", &v) == 1 && v.d == -5.0);
	/* DOUBLE -> float (in range), double; not into integers, decimals */
	d_("f", 1.5);
	CHECK(got("f", &v) == 1 && v.d == 1.5);
	d_("f", 1e39);
	CHECK(got("f", &v) == 0);
	d_("f", NAN);
	CHECK(got("f", &v) == 1 && isnan(v.d));
	d_("dbl", 1e308);
	CHECK(got("dbl", &v) == 1 && v.d == 1e308);
	d_("l", 5.0);
	CHECK(got("l", &v) == 0);
	d_("i", 5.0);
	CHECK(got("i", &v) == 0);
	d_("d92", 1.25);
	CHECK(got("d92", &v) == 0);
	/* LONG is not a time, a string, a boolean */
	l_("ts", 0);
	CHECK(got("ts", &v) == 0);
	l_("s", 1);
	CHECK(got("s", &v) == 0);
	l_("b", 1);
	CHECK(got("b", &v) == 0);
	l_("dt", 1);
	CHECK(got("dt", &v) == 0);
}

static void test_decimals(void)
{
	static const uint8_t v12345[] = {0x30, 0x39};             /* 12345 */
	static const uint8_t m1[] = {0xff};                        /* -1 */
	static const uint8_t v1000[] = {0x03, 0xe8};              /* 1000 */
	static const uint8_t wide[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                                 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x39};
	static const uint8_t wide_neg[18] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t not_ext[17] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t bad_sign[17] = {0x00, 0x80, 0, 0, 0, 0, 0, 0, 0,
	                                     0,    0,    0, 0, 0, 0, 0, 0};
	/* 10^38 - 1 and 10^38 as 16 bytes */
	static const uint8_t max38[16] = {0x4b, 0x3b, 0x4c, 0xa8, 0x5a, 0x86, 0xc4, 0x7a,
	                                  0x09, 0x8a, 0x22, 0x3f, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t p38[16] = {0x4b, 0x3b, 0x4c, 0xa8, 0x5a, 0x86, 0xc4, 0x7a,
	                                0x09, 0x8a, 0x22, 0x40, 0x00, 0x00, 0x00, 0x00};

	uint64_t nulls0 = icp_columns_coerce_nulls(x, col_index("d92"));

	/* equal scale: fits P digits? (9,2): 123.45 */
	dec_("d92", v12345, 2, 2);
	CHECK(got("d92", &v) == 1 && dec_value(&v) == 12345 && v.scale == 2);
	/* S > node scale: multiplied exactly: 123.45 (scale 2) in (18,4) */
	dec_("d184", v12345, 2, 2);
	CHECK(got("d184", &v) == 1 && dec_value(&v) == 1234500);
	/* S < node scale: only exact. 1.000 (scale 3) -> 1.00; 12.345 -> null */
	dec_("d92", v1000, 2, 3);
	CHECK(got("d92", &v) == 1 && dec_value(&v) == 100);
	dec_("d92", v12345, 2, 3);
	CHECK(got("d92", &v) == 0);
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, col_index("d92")), nulls0 + 1);
	/* too many digits: 12345 (scale 0) is 7 digits at scale 2 in (6,2) */
	dec_("d62", v12345, 2, 0);
	CHECK(got("d62", &v) == 0);
	dec_("d62", v12345, 2, 1);
	CHECK(got("d62", &v) == 1 && dec_value(&v) == 123450);
	/* negative */
	dec_("d92", m1, 1, 2);
	CHECK(got("d92", &v) == 1 && dec_value(&v) == -1);
	/* wider than 16 bytes with pure sign extension */
	dec_("d92", wide, sizeof(wide), 2);
	CHECK(got("d92", &v) == 1 && dec_value(&v) == 12345);
	dec_("d92", wide_neg, sizeof(wide_neg), 0);
	CHECK(got("d92", &v) == 1 && dec_value(&v) == -100);
	dec_("d38", not_ext, sizeof(not_ext), 0);
	CHECK(got("d38", &v) == 0);
	dec_("d38", bad_sign, sizeof(bad_sign), 0);
	CHECK(got("d38", &v) == 0);
	dec_("d38", m1, 0, 0); /* empty: no value */
	CHECK(got("d38", &v) == 0);
	/* 38 digits: 10^38 - 1 fits decimal(38,0), 10^38 does not */
	dec_("d380", max38, 16, 0);
	CHECK(got("d380", &v) == 1 && v.bytes.len == 16 && memcmp(v.bytes.ptr, max38, 16) == 0);
	dec_("d380", p38, 16, 0);
	CHECK(got("d380", &v) == 0);
	/* rescaling up into 38 digits: 10^38-1 at scale 0 cannot gain a digit */
	dec_("d38", max38, 16, 0);
	CHECK(got("d38", &v) == 0);
	/* wide decimal(38,4) from a small one: -0.01 (scale 2) -> -100 */
	dec_("d38", m1, 1, 2);
	CHECK(got("d38", &v) == 1 && v.bytes.len == 16 && dec_value(&v) == -100);
	/* LONG -> decimal: value * 10^S must hold P digits */
	l_("d92", 9999999);
	CHECK(got("d92", &v) == 1 && dec_value(&v) == 999999900);
	l_("d92", 10000000);
	CHECK(got("d92", &v) == 0);
	l_("d38", INT64_MIN);
	CHECK(got("d38", &v) == 1 && v.bytes.len == 16);
	if (v.bytes.len == 16) { /* -2^63 * 10^4 */
		static const uint8_t want[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xec, 0x78,
		                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
		CHECK(memcmp(v.bytes.ptr, want, 16) == 0);
	}
	/* a DECIMAL node never goes into a double or a long */
	dec_("dbl", v12345, 2, 2);
	CHECK(got("dbl", &v) == 0);
	dec_("l", v12345, 2, 0);
	CHECK(got("l", &v) == 0);
}

static void test_bytes_times(void)
{
	static const char u16[16] = "0123456789abcdef";

	bytes_("bin", "\0\1\2", 3);
	CHECK(got("bin", &v) == 1 && v.bytes.len == 3 && v.bytes.ptr[2] == 2);
	bytes_("bin", "", 0);
	CHECK(got("bin", &v) == 1 && v.bytes.len == 0);
	bytes_("u", u16, 16);
	CHECK(got("u", &v) == 1 && v.bytes.len == 16 && memcmp(v.bytes.ptr, u16, 16) == 0);
	bytes_("u", u16, 15);
	CHECK(got("u", &v) == 0);
	bytes_("fx", "abcd", 4);
	CHECK(got("fx", &v) == 1 && v.bytes.len == 4 && memcmp(v.bytes.ptr, "abcd", 4) == 0);
	bytes_("fx", "abc", 3);
	CHECK(got("fx", &v) == 0);
	bytes_("s", "abc", 3); /* bytes are not a string */
	CHECK(got("s", &v) == 0);
	/* typed kinds only into their columns */
	one("ts", ICP_VT_TIMESTAMP)->i = 1700000000123456;
	CHECK(got("ts", &v) == 1 && v.i == 1700000000123456);
	one("tz", ICP_VT_TIMESTAMP)->i = -1;
	CHECK(got("tz", &v) == 1 && v.i == -1);
	one("dt", ICP_VT_DATE)->i = -719162;
	CHECK(got("dt", &v) == 1 && v.i == -719162);
	one("t", ICP_VT_TIME)->i = 86399999999;
	CHECK(got("t", &v) == 1 && v.i == 86399999999);
	one("t", ICP_VT_TIME)->i = 86400000000;
	CHECK(got("t", &v) == 0);
	one("t", ICP_VT_TIME)->i = -1;
	CHECK(got("t", &v) == 0);
	one("ts", ICP_VT_DATE)->i = 1;
	CHECK(got("ts", &v) == 0);
	one("dt", ICP_VT_TIMESTAMP)->i = 1;
	CHECK(got("dt", &v) == 0);
	one("t", ICP_VT_TIMESTAMP)->i = 1;
	CHECK(got("t", &v) == 0);
	one("l", ICP_VT_TIMESTAMP)->i = 1;
	CHECK(got("l", &v) == 0);
	/* a map node is no primitive */
	one("l", ICP_VT_MAP);
	CHECK(got("l", &v) == 0);
	/* fixed from JSON: base64 of exactly N bytes, else null */
	CHECK_EQ_INT(icp_columns_add(x, (const uint8_t *)"{\"fx\":\"YWJjZA==\"}", 17, 0), 1);
	CHECK_EQ_INT(icp_columns_last_value(x, id_of("fx"), &v), ICP_OK);
	CHECK(!v.is_null && v.bytes.len == 4 && memcmp(v.bytes.ptr, "abcd", 4) == 0);
	CHECK_EQ_INT(icp_columns_add(x, (const uint8_t *)"{\"fx\":\"YWJj\"}", 13, 0), 1);
	CHECK_EQ_INT(icp_columns_last_value(x, id_of("fx"), &v), ICP_OK);
	CHECK(v.is_null);
	CHECK_EQ_INT(icp_columns_add(x, (const uint8_t *)"{\"fx\":\"abcd\"}", 13, 0), 1);
	CHECK_EQ_INT(icp_columns_last_value(x, id_of("fx"), &v), ICP_OK);
	CHECK(v.is_null); /* raw text is not taken for fixed */
}

/* map<long,string> (an itype def) from MAP nodes; a JSON object for
 * map<string,long>; a required fixed column; required and invalid. */
static void test_maps_required(void)
{
	icp_ice_type *mt = icp_ice_type_new(ICP_ICE_MAP), *ft;
	icp_columns_def defs[3];
	icp_ice_schema *s = NULL;
	icp_columns *m = NULL;
	icp_error err;
	uint32_t r, c, i;
	leaf *lk, *lv;

	mt->key = icp_ice_type_new(ICP_ICE_LONG);
	mt->value = icp_ice_type_new(ICP_ICE_STRING);
	mt->value_required = 1;
	ft = icp_ice_type_new(ICP_ICE_FIXED);
	ft->length = 2;
	memset(defs, 0, sizeof(defs));
	defs[0].name = "m";
	defs[0].itype = mt;
	defs[1].name = "sm";
	defs[1].type = "map<string,long>";
	defs[2].name = "fx";
	defs[2].itype = ft;
	defs[2].required = 1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(defs, 3, &s, &err), ICP_OK);
	if (!s)
		goto out;
	/* ids depth first, the itype's nested requiredness kept */
	CHECK(s->root.fields[8].id == 9 && s->root.fields[8].type->key_id == 10 &&
	      s->root.fields[8].type->value_id == 11 && s->root.fields[8].type->value_required);
	CHECK_EQ_INT(s->root.fields[10].id, 15);
	CHECK_EQ_INT(icp_columns_new(s, s, &m, &err), ICP_OK); /* a required fixed: fine */
	if (!m)
		goto out;
	icp_columns_begin(m);
	/* {m: {7: "a", -1: "b"}, sm: {"k": 3}, fx: bytes(2)} */
	icp_vt_reset(&d);
	icp_vt_push(&d, ICP_VT_OBJ, &r);
	icp_vt_push(&d, ICP_VT_MAP, &c);
	d.nodes[c].key = "m";
	d.nodes[c].key_len = 1;
	icp_vt_push(&d, ICP_VT_LONG, &i);
	d.nodes[i].i = 7;
	icp_vt_push(&d, ICP_VT_STR, &i);
	d.nodes[i].s = "a";
	d.nodes[i].len = 1;
	icp_vt_push(&d, ICP_VT_LONG, &i);
	d.nodes[i].i = -1;
	icp_vt_push(&d, ICP_VT_STR, &i);
	d.nodes[i].s = "b";
	d.nodes[i].len = 1;
	icp_vt_close(&d, c, 2);
	icp_vt_push(&d, ICP_VT_OBJ, &c);
	d.nodes[c].key = "sm";
	d.nodes[c].key_len = 2;
	icp_vt_push(&d, ICP_VT_LONG, &i);
	d.nodes[i].key = "k";
	d.nodes[i].key_len = 1;
	d.nodes[i].i = 3;
	icp_vt_close(&d, c, 1);
	icp_vt_push(&d, ICP_VT_BYTES, &c);
	d.nodes[c].key = "fx";
	d.nodes[c].key_len = 2;
	d.nodes[c].s = "zz";
	d.nodes[c].len = 2;
	icp_vt_close(&d, r, 3);
	CHECK_EQ_INT(icp_columns_add_tree(m, &d), 1);
	lk = &m->leaves[0];
	lv = &m->leaves[1];
	CHECK(lk->field_id == 10 && lk->nv == 2 && lv->nv == 2);
	if (lk->nv == 2) {
		int64_t k0, k1;
		memcpy(&k0, lk->vals, 8);
		memcpy(&k1, lk->vals + 8, 8);
		CHECK(k0 == 7 && k1 == -1);
		CHECK_EQ_INT(lk->rep[0], 0);
		CHECK_EQ_INT(lk->rep[1], 1);
	}
	CHECK(m->leaves[3].field_id == 14 && m->leaves[3].nv == 1); /* sm's value: 3 */
	/* a JSON object for map<long,...>: its keys are strings: the map is
	 * null (counted) */
	CHECK_EQ_INT(icp_columns_add(m, (const uint8_t *)"{\"m\":{\"7\":\"a\"},\"fx\":\"eno=\"}",
	                             27, 0), 1);
	CHECK_EQ_INT(icp_columns_coerce_nulls(m, 0), 1);
	CHECK_EQ_INT(m->leaves[0].def[m->leaves[0].n - 1], 0);
	/* a MAP node whose key does not coerce: the key is required, so the
	 * record is invalid */
	icp_vt_reset(&d);
	icp_vt_push(&d, ICP_VT_OBJ, &r);
	icp_vt_push(&d, ICP_VT_MAP, &c);
	d.nodes[c].key = "m";
	d.nodes[c].key_len = 1;
	icp_vt_push(&d, ICP_VT_STR, &i);
	d.nodes[i].s = "k";
	d.nodes[i].len = 1;
	icp_vt_push(&d, ICP_VT_STR, &i);
	d.nodes[i].s = "v";
	d.nodes[i].len = 1;
	icp_vt_close(&d, c, 1);
	icp_vt_push(&d, ICP_VT_BYTES, &c);
	d.nodes[c].key = "fx";
	d.nodes[c].key_len = 2;
	d.nodes[c].s = "zz";
	d.nodes[c].len = 2;
	icp_vt_close(&d, r, 2);
	CHECK_EQ_INT(icp_columns_add_tree(m, &d), 0);
	CHECK_EQ_STR(icp_columns_invalid_column(m), "m");
	/* the required fixed of the wrong length: invalid, counted */
	CHECK_EQ_INT(icp_columns_add(m, (const uint8_t *)"{\"fx\":\"YWJj\"}", 13, 0), 0);
	CHECK_EQ_STR(icp_columns_invalid_column(m), "fx");
	CHECK_EQ_INT(icp_columns_add(m, (const uint8_t *)"{\"fx\":\"eno=\"}", 13, 0), 1);
	{
		/* the rows into a Parquet file: FIXED_LEN_BYTE_ARRAY(2) */
		icp_parquet_field *pf = NULL;
		icp_parquet_writer *pw = NULL;
		icp_parquet_sink sink;
		icp_parquet_file_metrics fm;
		icp_buf out;
		size_t npf;
		CHECK_EQ_INT(icp_ice_schema_to_parquet(s, &pf, &npf), ICP_OK);
		icp_buf_init(&out, 0);
		icp_parquet_buf_sink(&out, &sink);
		memset(&fm, 0, sizeof(fm));
		{
			/* only the typed columns are handed over: drop the base ones */
			icp_parquet_field *typed = pf + 8;
			size_t k;
			for (k = 0; k < npf - 8; k++)
				if (typed[k].parent >= 0)
					typed[k].parent -= 8;
			CHECK_EQ_INT(icp_parquet_writer_new(typed, npf - 8, NULL, sink, &pw, &err), ICP_OK);
		}
		if (pw) {
			CHECK_EQ_INT(icp_columns_write(m, pw, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_end_rows(pw, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_close(pw, &fm, &err), ICP_OK);
			if (err.status)
				fprintf(stderr, "  %s\n", err.msg);
			icp_parquet_writer_free(pw);
		}
		CHECK_EQ_INT(fm.record_count, 3);
		icp_parquet_file_metrics_dispose(&fm);
		icp_buf_dispose(&out);
		icp_free(pf);
	}
out:
	icp_columns_free(m);
	icp_ice_schema_free(s);
	icp_ice_type_free(mt);
	icp_ice_type_free(ft);
}

int main(void)
{
	icp_columns_def defs[] = {
		{"i", "int", 0, NULL},          {"l", "long", 0, NULL},
		{"f", "float", 0, NULL},        {"dbl", "double", 0, NULL},
		{"d92", "decimal(9,2)", 0, NULL}, {"d184", "decimal(18,4)", 0, NULL},
		{"d62", "decimal(6,2)", 0, NULL}, {"d38", "decimal(38,4)", 0, NULL},
		{"d380", "decimal(38,0)", 0, NULL}, {"ts", "timestamp", 0, NULL},
		{"tz", "timestamptz", 0, NULL}, {"dt", "date", 0, NULL},
		{"t", "time", 0, NULL},         {"s", "string", 0, NULL},
		{"b", "boolean", 0, NULL},      {"bin", "binary", 0, NULL},
		{"u", "uuid", 0, NULL},         {"fx", NULL, 0, NULL},
	};
	icp_ice_type *fx = icp_ice_type_new(ICP_ICE_FIXED);
	icp_error err;

	fx->length = 4;
	defs[17].itype = fx;
	icp_error_init(&err);
	icp_buf_init(&d.scratch, 0);
	CHECK_EQ_INT(icp_columns_schema(defs, ICP_ARRAY_LEN(defs), &schema, &err), ICP_OK);
	CHECK_EQ_INT(icp_columns_new(schema, NULL, &x, &err), ICP_OK);
	if (x) {
		icp_columns_begin(x);
		TEST_RUN(test_numbers);
		TEST_RUN(test_decimals);
		TEST_RUN(test_bytes_times);
		icp_columns_free(x);
	}
	TEST_RUN(test_maps_required);
	icp_ice_schema_free(schema);
	icp_ice_type_free(fx);
	icp_vt_doc_dispose(&d);
	return TEST_DONE();
}
