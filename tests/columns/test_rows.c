/* Rows for several writers (icp_columns_write_rows) and the last row's
 * partition source values (icp_columns_last_value): a subset of a batch
 * written to its own file gives the same bytes as the same records
 * extracted alone and written whole, for every leaf shape (nested
 * structs, lists of structs, maps of lists, required and optional leaves,
 * byte and fixed-width values); and one value per kind reads back. */
#include "columns/columns.h"
#include "test.h"

/* A schema of only the typed columns (ids from 9) for defs. */
static icp_ice_schema *typed(const icp_columns_def *d, size_t n, icp_ice_schema **full)
{
	icp_ice_schema *s = NULL, *t;
	icp_error err;
	size_t i;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(d, n, &s, &err), ICP_OK);
	if (!s)
		return NULL;
	t = icp_ice_schema_new(0);
	for (i = 8; i < s->root.n_fields; i++) {
		const icp_ice_field *f = &s->root.fields[i];
		icp_ice_schema_add_type(t, f->id, f->name, f->required, icp_ice_type_copy(f->type));
	}
	*full = s;
	return t;
}

static icp_ice_type *type_of(icp_ice_schema *s, const char *name)
{
	size_t i;
	for (i = 0; i < s->root.n_fields; i++)
		if (strcmp(s->root.fields[i].name, name) == 0)
			return s->root.fields[i].type;
	return NULL;
}

static int add(icp_columns *x, const char *json)
{
	return icp_columns_add(x, (const uint8_t *)json, strlen(json), 0);
}

/* Record i of the mixed batch; some are invalid (id missing, or the
 * required s.a missing). */
static const char *record(int i, char *buf, size_t cap)
{
	char name[32] = "", d9[32] = "", ts[48] = "", s[160] = "", ls[200] = "", m[96] = "";
	char id[24] = "", d38[64] = "", flat[200] = "";
	int k;

	if (i % 7 != 3)
		snprintf(id, sizeof(id), "\"id\":%d,", i);
	if (i % 4 == 1)
		snprintf(name, sizeof(name), "\"name\":null,");
	else if (i % 4 > 1)
		snprintf(name, sizeof(name), "\"name\":\"n\\u00e9%d\",", i);
	if (i % 5)
		snprintf(d9, sizeof(d9), "\"d9\":%d.25,", i * 1000 - 20000);
	if (i % 6)
		snprintf(ts, sizeof(ts), "\"ts\":\"2024-01-%02dT10:00:00Z\",", 1 + i % 28);
	snprintf(d38, sizeof(d38), "\"d38\":\"%s%d12345678901234567890.123456\",",
	         i % 2 ? "-" : "", i + 1);
	if (i % 11 == 5)
		snprintf(s, sizeof(s), "\"s\":{\"b\":\"x\"},");
	else if (i % 5 == 1)
		snprintf(s, sizeof(s), "\"s\":null,");
	else if (i % 3 == 2)
		snprintf(s, sizeof(s), "\"s\":{\"a\":%d,\"b\":\"b%d\",\"inner\":null},", i, i);
	else {
		size_t o = (size_t)snprintf(s, sizeof(s),
		                            "\"s\":{\"a\":%d,\"inner\":{\"x\":%d.5,\"y\":[", i, i);
		for (k = 0; k < i % 4; k++)
			o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%d", k ? "," : "", i * 10 + k);
		snprintf(s + o, sizeof(s) - o, "]}},");
	}
	if (i % 9 == 0) {
		snprintf(ls, sizeof(ls), "\"ls\":null,");
	} else if (i % 9 == 1) {
		snprintf(ls, sizeof(ls), "\"ls\":[],");
	} else {
		size_t o = (size_t)snprintf(ls, sizeof(ls), "\"ls\":[");
		for (k = 0; k < i % 4 + 1; k++)
			o += (size_t)snprintf(ls + o, sizeof(ls) - o, "%s%s", k ? "," : "",
			                      k == 1   ? "{\"k\":null,\"v\":null}"
			                      : k != 2 ? "{\"k\":\"kk\",\"v\":\"1.5\"}"
			                      : i % 10 == 2 ? "null" /* required element: invalid */
			                                    : "{\"v\":\"-2.5\"}");
		snprintf(ls + o, sizeof(ls) - o, "],");
	}
	if (i % 8 != 7) {
		/* a null map value (required) makes the record invalid */
		static const char *const ents[] = {"\"a\":[1,2]", "\"b\":[null,3]", "\"c\":[]"};
		size_t o = (size_t)snprintf(m, sizeof(m), "\"m\":{");
		for (k = 0; k < i % 4; k++)
			o += (size_t)snprintf(m + o, sizeof(m) - o, "%s%s", k ? "," : "",
			                      i % 13 == 6 ? "\"z\":null" : ents[k % 3]);
		snprintf(m + o, sizeof(m) - o, "},");
	}
	if (i % 3)
		snprintf(flat, sizeof(flat),
		         "\"b\":%s,\"u\":\"123e4567-e89b-12d3-a456-4266141740%02d\",\"dt\":\"2001-02-%02d\","
		         "\"t\":\"12:00:%02d\",\"f\":%d.5,\"dbl\":%d.25,\"iv\":%d,\"bin\":\"AP8=\",",
		         i % 2 ? "true" : "false", i, 1 + i % 28, i % 60, i, -i, i * 3);
	snprintf(buf, cap, "{%s%s%s%s%s%s%s%s%s\"tz\":%d,\"d18\":%d.0001}", id, name, d9, ts, d38,
	         s, ls, m, flat, 1700000000 + i, i * 1000);
	return buf;
}

enum { NREC = 50 };

/* Writes rows (NULL: icp_columns_write) of x to a fresh in-memory file. */
static int write_file(icp_columns *x, const icp_parquet_field *pf, size_t npf,
                      const uint32_t *rows, size_t n, int whole, icp_buf *out)
{
	icp_parquet_writer *pw = NULL;
	icp_parquet_sink sink;
	icp_error err;
	int rc;

	icp_error_init(&err);
	icp_buf_init(out, 0);
	icp_parquet_buf_sink(out, &sink);
	rc = icp_parquet_writer_new(pf, npf, NULL, sink, &pw, &err);
	if (rc == ICP_OK)
		rc = whole ? icp_columns_write(x, pw, &err)
		           : icp_columns_write_rows(x, pw, rows, n, &err);
	if (rc == ICP_OK)
		rc = icp_parquet_writer_end_rows(pw, &err);
	if (rc == ICP_OK)
		rc = icp_parquet_writer_close(pw, NULL, &err);
	if (rc != ICP_OK)
		fprintf(stderr, "  write: %s\n", err.msg);
	icp_parquet_writer_free(pw);
	return rc;
}

static void test_write_rows(void)
{
	icp_columns_def d[] = {
		{"id", "long", 1, NULL},
		{"name", "string", 0, NULL},
		{"d9", "decimal(9,2)", 0, NULL},
		{"d18", "decimal(18,4)", 1, NULL},
		{"d38", "decimal(38,6)", 0, NULL},
		{"ts", "timestamp", 0, NULL},
		{"tz", "timestamptz", 1, NULL},
		{"s", "struct<a:int,b:string,inner:struct<x:double,y:list<long>>>", 0, NULL},
		{"ls", "list<struct<k:string,v:decimal(38,2)>>", 0, NULL},
		{"m", "map<string,list<int>>", 0, NULL},
		{"b", "boolean", 0, NULL},
		{"u", "uuid", 0, NULL},
		{"dt", "date", 0, NULL},
		{"t", "time", 0, NULL},
		{"f", "float", 0, NULL},
		{"dbl", "double", 0, NULL},
		{"iv", "int", 0, NULL},
		{"bin", "binary", 0, NULL},
	};
	icp_ice_schema *full = NULL, *s = typed(d, sizeof(d) / sizeof(d[0]), &full);
	icp_columns *x = NULL, *y = NULL;
	icp_parquet_field *pf = NULL;
	size_t npf = 0, nrows, k, n;
	int rec_of_row[NREC], pass, i, r;
	uint32_t sel[NREC];
	char buf[1024];
	icp_error err;

	icp_error_init(&err);
	if (!s)
		return;
	/* required below optional parents: s.a, the list's struct, a map value */
	type_of(s, "s")->fields[0].required = 1;
	type_of(s, "ls")->element_required = 1;
	type_of(s, "m")->value_required = 1;
	CHECK_EQ_INT(icp_columns_new(s, full, &x, &err), ICP_OK);
	CHECK_EQ_INT(icp_columns_new(s, full, &y, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_schema_to_parquet(s, &pf, &npf), ICP_OK);
	if (!x || !y || !pf)
		goto out;
	/* two batches in the same extractor: the second reuses the row starts
	 * and scratch arrays (records in another order) */
	for (pass = 0; pass < 2; pass++) {
		icp_columns_begin(x);
		nrows = 0;
		for (i = 0; i < NREC; i++) {
			int ri = pass ? NREC - 1 - i : i;
			r = add(x, record(ri, buf, sizeof(buf)));
			CHECK(r == 0 || r == 1);
			if (r == 1)
				rec_of_row[nrows++] = ri;
		}
		CHECK(nrows > 30 && nrows < NREC); /* some invalid in between */
		/* sets: rows i%3 == 0, 1, 2; then all rows; then none */
		for (k = 0; k < 5; k++) {
			icp_buf got, want;
			n = 0;
			for (i = 0; i < (int)nrows; i++)
				if (k == 3 || (k < 3 && (size_t)i % 3 == k))
					sel[n++] = (uint32_t)i;
			icp_columns_begin(y);
			for (i = 0; i < (int)n; i++)
				CHECK_EQ_INT(add(y, record(rec_of_row[sel[i]], buf, sizeof(buf))), 1);
			CHECK_EQ_INT(write_file(x, pf, npf, sel, n, 0, &got), ICP_OK);
			CHECK_EQ_INT(write_file(y, pf, npf, NULL, 0, 1, &want), ICP_OK);
			CHECK(got.len > 4 && got.len == want.len);
			CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
			icp_buf_dispose(&got);
			icp_buf_dispose(&want);
		}
	}
	/* the whole batch through _write is unchanged by the selections */
	{
		icp_buf got, want;
		icp_columns_begin(y);
		for (i = 0; i < (int)nrows; i++)
			add(y, record(rec_of_row[i], buf, sizeof(buf)));
		CHECK_EQ_INT(write_file(x, pf, npf, NULL, 0, 1, &got), ICP_OK);
		CHECK_EQ_INT(write_file(y, pf, npf, NULL, 0, 1, &want), ICP_OK);
		CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
		icp_buf_dispose(&got);
		icp_buf_dispose(&want);
	}
	/* an empty selection before a real one adds nothing to the file */
	{
		icp_parquet_writer *pw = NULL;
		icp_parquet_sink sink;
		icp_buf got, want;
		sel[0] = 1;
		sel[1] = 4;
		icp_buf_init(&got, 0);
		icp_parquet_buf_sink(&got, &sink);
		CHECK_EQ_INT(icp_parquet_writer_new(pf, npf, NULL, sink, &pw, &err), ICP_OK);
		if (pw) {
			CHECK_EQ_INT(icp_columns_write_rows(x, pw, sel, 0, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_end_rows(pw, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_rows(pw), 0);
			CHECK_EQ_INT(icp_columns_write_rows(x, pw, sel, 2, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_end_rows(pw, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_close(pw, NULL, &err), ICP_OK);
			CHECK_EQ_INT(icp_parquet_writer_rows(pw), 2);
			icp_parquet_writer_free(pw);
		}
		CHECK_EQ_INT(write_file(x, pf, npf, sel, 2, 0, &want), ICP_OK);
		CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
		icp_buf_dispose(&got);
		icp_buf_dispose(&want);
	}
	/* n == 0 alone is the file of an empty batch */
	{
		icp_buf got, want;
		icp_columns_begin(y);
		CHECK_EQ_INT(write_file(x, pf, npf, sel, 0, 0, &got), ICP_OK);
		CHECK_EQ_INT(write_file(y, pf, npf, NULL, 0, 1, &want), ICP_OK);
		CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
		icp_buf_dispose(&got);
		icp_buf_dispose(&want);
	}
	/* any order (sorting a file): rows in reverse equal those records
	 * added in reverse */
	{
		icp_buf got, want;
		size_t nsel = 0;
		for (i = (int)nrows - 1; i >= 0; i -= 2)
			sel[nsel++] = (uint32_t)i;
		icp_columns_begin(y);
		for (i = 0; i < (int)nsel; i++)
			CHECK_EQ_INT(add(y, record(rec_of_row[sel[i]], buf, sizeof(buf))), 1);
		CHECK_EQ_INT(write_file(x, pf, npf, sel, nsel, 0, &got), ICP_OK);
		CHECK_EQ_INT(write_file(y, pf, npf, NULL, 0, 1, &want), ICP_OK);
		CHECK(got.len > 4 && got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
		icp_buf_dispose(&got);
		icp_buf_dispose(&want);
	}
	/* a selection past the rows is refused */
	{
		icp_parquet_writer *pw = NULL;
		icp_parquet_sink sink;
		icp_buf b;
		icp_buf_init(&b, 0);
		icp_parquet_buf_sink(&b, &sink);
		CHECK_EQ_INT(icp_parquet_writer_new(pf, npf, NULL, sink, &pw, &err), ICP_OK);
		if (pw) {
			sel[0] = (uint32_t)nrows;
			CHECK_EQ_INT(icp_columns_write_rows(x, pw, sel, 1, &err), ICP_ERR_INVALID);
			icp_parquet_writer_free(pw);
		}
		icp_buf_dispose(&b);
	}
out:
	icp_free(pf);
	icp_columns_free(x);
	icp_columns_free(y);
	icp_ice_schema_free(s);
	icp_ice_schema_free(full);
}

/* The value's bytes as hex ("-" when there are none). */
static const char *hex(const icp_pspec_value *v)
{
	static char buf[80];
	icp_slice b = icp_pspec_value_bytes(v);
	size_t i;
	if (!b.ptr || !b.len)
		return "-";
	for (i = 0; i < b.len && i < 39; i++)
		snprintf(buf + 2 * i, 3, "%02x", b.ptr[i]);
	buf[2 * i] = '\0';
	return buf;
}

static void test_last_value(void)
{
	icp_columns_def d[] = {
		{"b", "boolean", 0, NULL},       {"iv", "int", 0, NULL},           {"lv", "long", 0, NULL},
		{"f", "float", 0, NULL},         {"dbl", "double", 0, NULL},       {"dt", "date", 0, NULL},
		{"t", "time", 0, NULL},          {"ts", "timestamp", 0, NULL},     {"tz", "timestamptz", 0, NULL},
		{"s", "string", 0, NULL},        {"bin", "binary", 0, NULL},       {"u", "uuid", 0, NULL},
		{"d9", "decimal(9,2)", 0, NULL}, {"d18", "decimal(18,4)", 0, NULL}, {"d38", "decimal(38,4)", 0, NULL},
		{"o", "struct<a:long>", 0, NULL}, {"req", "long", 1, NULL},
	};
	icp_ice_schema *full = NULL, *s = typed(d, sizeof(d) / sizeof(d[0]), &full);
	icp_columns *x = NULL;
	icp_pspec_value v;
	icp_error err;
	int32_t id;

	icp_error_init(&err);
	if (!s)
		return;
	CHECK_EQ_INT(icp_columns_new(s, full, &x, &err), ICP_OK);
	if (!x)
		goto out;
	/* ids: b 9, iv 10, lv 11, f 12, dbl 13, dt 14, t 15, ts 16, tz 17, s 18,
	 * bin 19, u 20, d9 21, d18 22, d38 23, o 24 (a 25), req 26 */
	icp_columns_begin(x);
	CHECK_EQ_INT(icp_columns_last_value(x, 9, &v), ICP_OK); /* no row yet */
	CHECK(v.is_null && v.kind == ICP_ICE_BOOLEAN);
	CHECK_EQ_INT(add(x, "{\"b\":true,\"iv\":-7,\"lv\":9007199254740993,\"f\":1.5,"
	                    "\"dbl\":-2.25,\"dt\":\"1970-01-03\",\"t\":\"00:00:01.5\","
	                    "\"ts\":\"1970-01-01T00:00:02Z\",\"tz\":3000,\"s\":\"h\\u00e9\","
	                    "\"bin\":\"AP8=\",\"u\":\"123e4567-e89b-12d3-a456-426614174000\","
	                    "\"d9\":-1234567.89,\"d18\":0.0001,\"d38\":\"-0.0001\","
	                    "\"o\":{\"a\":1},\"req\":1}"), 1);
	CHECK_EQ_INT(icp_columns_last_value(x, 9, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_BOOLEAN && v.i == 1);
	CHECK_EQ_INT(icp_columns_last_value(x, 10, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_INT && v.i == -7);
	CHECK_EQ_INT(icp_columns_last_value(x, 11, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_LONG && v.i == INT64_C(9007199254740993));
	CHECK_EQ_INT(icp_columns_last_value(x, 12, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_FLOAT && v.d == 1.5);
	CHECK_EQ_INT(icp_columns_last_value(x, 13, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_DOUBLE && v.d == -2.25);
	CHECK_EQ_INT(icp_columns_last_value(x, 14, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_DATE && v.i == 2);
	CHECK_EQ_INT(icp_columns_last_value(x, 15, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_TIME && v.i == 1500000);
	CHECK_EQ_INT(icp_columns_last_value(x, 16, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_TIMESTAMP && v.i == 2000000);
	CHECK_EQ_INT(icp_columns_last_value(x, 17, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_TIMESTAMPTZ && v.i == 3000000);
	CHECK_EQ_INT(icp_columns_last_value(x, 18, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_STRING);
	CHECK_EQ_STR(hex(&v), "68c3a9");
	CHECK_EQ_INT(icp_columns_last_value(x, 19, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_BINARY);
	CHECK_EQ_STR(hex(&v), "00ff");
	CHECK_EQ_INT(icp_columns_last_value(x, 20, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_UUID);
	CHECK_EQ_STR(hex(&v), "123e4567e89b12d3a456426614174000");
	/* decimals: the precision's byte width, big-endian two's complement */
	CHECK_EQ_INT(icp_columns_last_value(x, 21, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_DECIMAL && v.scale == 2);
	CHECK_EQ_STR(hex(&v), "f8a432eb");
	CHECK_EQ_INT(icp_columns_last_value(x, 22, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_DECIMAL && v.scale == 4);
	CHECK_EQ_STR(hex(&v), "0000000000000001");
	CHECK_EQ_INT(icp_columns_last_value(x, 23, &v), ICP_OK);
	CHECK(!v.is_null && v.kind == ICP_ICE_DECIMAL && v.scale == 4);
	CHECK_EQ_STR(hex(&v), "ffffffffffffffffffffffffffffffff");
	CHECK_EQ_INT(icp_columns_last_value(x, 26, &v), ICP_OK);
	CHECK(!v.is_null && v.i == 1);
	/* a struct, a nested field, a base column, an unknown id */
	CHECK_EQ_INT(icp_columns_last_value(x, 24, &v), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(icp_columns_last_value(x, 25, &v), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(icp_columns_last_value(x, 1, &v), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(icp_columns_last_value(x, 99, &v), ICP_ERR_NOT_FOUND);

	/* an invalid record leaves the last added row's values */
	CHECK_EQ_INT(add(x, "{\"b\":false,\"d9\":1}"), 0);
	CHECK_EQ_INT(icp_columns_last_value(x, 9, &v), ICP_OK);
	CHECK(!v.is_null && v.i == 1);
	/* a row of nulls (absent, JSON null, wrong kind), then values again */
	CHECK_EQ_INT(add(x, "{\"b\":null,\"iv\":\"x\",\"s\":5,\"req\":2}"), 1);
	for (id = 9; id <= 23; id++) {
		CHECK_EQ_INT(icp_columns_last_value(x, id, &v), ICP_OK);
		CHECK(v.is_null);
	}
	CHECK_EQ_INT(icp_columns_last_value(x, 21, &v), ICP_OK);
	CHECK(v.kind == ICP_ICE_DECIMAL && v.scale == 2);
	CHECK_EQ_INT(add(x, "{\"d9\":0.01,\"d18\":-1,\"s\":\"\",\"req\":3}"), 1);
	CHECK_EQ_INT(icp_columns_last_value(x, 21, &v), ICP_OK);
	CHECK_EQ_STR(hex(&v), "00000001");
	CHECK_EQ_INT(icp_columns_last_value(x, 22, &v), ICP_OK);
	CHECK_EQ_STR(hex(&v), "ffffffffffffd8f0");
	CHECK_EQ_INT(icp_columns_last_value(x, 18, &v), ICP_OK);
	CHECK(!v.is_null && v.bytes.len == 0); /* empty, not null */
	/* a new batch has no last row */
	icp_columns_begin(x);
	CHECK_EQ_INT(icp_columns_last_value(x, 26, &v), ICP_OK);
	CHECK(v.is_null);
out:
	icp_columns_free(x);
	icp_ice_schema_free(s);
	icp_ice_schema_free(full);
}

int main(void)
{
	TEST_RUN(test_write_rows);
	TEST_RUN(test_last_value);
	return TEST_DONE();
}
