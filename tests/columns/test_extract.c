/* The extractor: levels and values per leaf (reached through the .c, as
 * h2o's tests do), required columns, non-object values, and a Parquet
 * file written from the leaves. */
#include "../../src/columns/columns_extract.c"
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

static int add(icp_columns *x, const char *json)
{
	return icp_columns_add(x, (const uint8_t *)json, strlen(json), 0);
}

static leaf *leaf_of(icp_columns *x, int id)
{
	size_t i;
	for (i = 0; i < x->n_leaves; i++)
		if (x->leaves[i].field_id == id)
			return &x->leaves[i];
	return NULL;
}

static void check_levels(leaf *l, const int16_t *def, const int16_t *rep, size_t n)
{
	size_t i;
	CHECK(l != NULL);
	if (!l)
		return;
	CHECK_EQ_INT(l->n, n);
	for (i = 0; i < n && i < l->n; i++) {
		if (l->def[i] != def[i] || (rep && l->rep[i] != rep[i]))
			fprintf(stderr, "  entry %zu: def %d rep %d, want %d %d\n", i, l->def[i],
			        l->rep[i], def[i], rep ? rep[i] : 0);
		CHECK_EQ_INT(l->def[i], def[i]);
		if (rep)
			CHECK_EQ_INT(l->rep[i], rep[i]);
	}
}

static void test_flat(void)
{
	icp_columns_def d[] = {{"id", "long", 1, NULL},      {"qty", "int", 0, NULL},   {"price", "double", 0, NULL},
	                       {"ok", "boolean", 0, NULL},   {"name", "string", 0, NULL},
	                       {"blob", "binary", 0, NULL},  {"ts", "timestamp", 0, NULL}, {"day", "date", 0, NULL}};
	icp_ice_schema *full = NULL, *s = typed(d, 8, &full);
	icp_columns *x = NULL;
	icp_error err;
	int64_t v;
	leaf *l;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_new(s, full, &x, &err), ICP_OK);
	if (!x)
		return;
	CHECK_EQ_INT(icp_columns_count(x), 8);
	icp_columns_begin(x);
	CHECK_EQ_INT(add(x, "{\"id\":9223372036854775807,\"qty\":5,\"price\":1e308,\"ok\":true,"
	                    "\"name\":\"\\u00e9\",\"blob\":\"AP8=\",\"ts\":\"2023-11-14T22:13:20."
	                    "123456789+00:00\",\"day\":\"2000-03-01\",\"extra\":[1,2]}"), 1);
	/* wrong kinds: nulls, counted per column */
	CHECK_EQ_INT(add(x, "{\"id\":-9223372036854775808,\"qty\":3000000000,\"price\":\"NaN\","
	                    "\"ok\":1,\"name\":5,\"ts\":true,\"day\":\"x\"}"), 1);
	/* required missing / out of range: invalid, nothing appended */
	CHECK_EQ_INT(add(x, "{\"qty\":1}"), 0);
	CHECK_EQ_STR(icp_columns_invalid_column(x), "id");
	CHECK_EQ_INT(add(x, "{\"id\":9223372036854775808,\"qty\":1}"), 0);
	CHECK_EQ_INT(add(x, "[1]"), 0);
	CHECK_EQ_INT(icp_columns_add(x, NULL, 0, 1), 0);
	CHECK_EQ_INT(add(x, "{\"id\":9007199254740993}"), 1);
	l = leaf_of(x, 9);
	CHECK(l && l->n == 3 && l->nv == 3);
	if (l && l->nv == 3) {
		memcpy(&v, l->vals, 8);
		CHECK(v == INT64_MAX);
		memcpy(&v, l->vals + 8, 8);
		CHECK(v == INT64_MIN);
		memcpy(&v, l->vals + 16, 8);
		CHECK(v == INT64_C(9007199254740993));
	}
	check_levels(leaf_of(x, 10), (const int16_t[]){1, 0, 0}, NULL, 3);
	l = leaf_of(x, 15);
	CHECK(l && l->nv == 1);
	if (l && l->nv == 1) {
		memcpy(&v, l->vals, 8);
		CHECK(v == INT64_C(1700000000123456));
	}
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 1), 1); /* qty */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 2), 1); /* price "NaN" */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 4), 1); /* name 5 */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 5), 0); /* blob absent: plain null */
	{
		icp_columns_stats st;
		icp_columns_get_stats(x, &st);
		CHECK_EQ_INT(st.rows, 3);
		CHECK_EQ_INT(st.invalid, 4);
		CHECK_EQ_INT(st.not_object, 2);
	}
	/* a new batch forgets the old rows */
	icp_columns_begin(x);
	CHECK_EQ_INT(leaf_of(x, 9)->n, 0);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	icp_ice_schema_free(full);
}

static void test_nested(void)
{
	icp_columns_def d[] = {{"o", "struct<a:long,b:list<string>>", 0, NULL},
	                       {"l", "list<long>", 0, NULL},
	                       {"m", "map<string,double>", 0, NULL}};
	icp_ice_schema *full = NULL, *s = typed(d, 3, &full);
	icp_columns *x = NULL;
	icp_parquet_field *pf = NULL;
	size_t npf = 0;
	icp_parquet_writer *pw = NULL;
	icp_parquet_sink sink;
	icp_buf out;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_new(s, full, &x, &err), ICP_OK);
	if (!x)
		return;
	/* ids: o=9 a=10 b=11 b.element=12 l=13 l.element=14 m=15 key=16 value=17 */
	icp_columns_begin(x);
	CHECK_EQ_INT(add(x, "{\"o\":{\"a\":1,\"b\":[\"x\",null,\"y\"]},\"l\":[1,2],"
	                    "\"m\":{\"k\":1.5,\"n\":null}}"), 1);
	CHECK_EQ_INT(add(x, "{\"o\":null,\"l\":[],\"m\":{}}"), 1);
	CHECK_EQ_INT(add(x, "{\"o\":{\"b\":[]},\"l\":[null,\"s\"]}"), 1);
	CHECK_EQ_INT(add(x, "{\"o\":5,\"l\":{},\"m\":[]}"), 1);
	/* o.a: optional struct(1) + optional a(2) */
	check_levels(leaf_of(x, 10), (const int16_t[]){2, 0, 1, 0}, (const int16_t[]){0, 0, 0, 0},
	             4);
	/* o.b.element: o(1) b(2) repeated(3) element(4) */
	check_levels(leaf_of(x, 12), (const int16_t[]){4, 3, 4, 0, 2, 0},
	             (const int16_t[]){0, 1, 1, 0, 0, 0}, 6);
	/* l.element: l(1) repeated(2) element(3) */
	check_levels(leaf_of(x, 14), (const int16_t[]){3, 3, 1, 2, 2, 0},
	             (const int16_t[]){0, 1, 0, 0, 1, 0}, 6);
	/* m key: m(1) repeated(2); value +1 */
	check_levels(leaf_of(x, 16), (const int16_t[]){2, 2, 1, 0, 0},
	             (const int16_t[]){0, 1, 0, 0, 0}, 5);
	check_levels(leaf_of(x, 17), (const int16_t[]){3, 2, 1, 0, 0},
	             (const int16_t[]){0, 1, 0, 0, 0}, 5);
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 0), 1); /* o: 5 */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 1), 2); /* l: "s", {} */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 2), 1); /* m: [] */

	/* the writer agrees with the levels and takes the rows */
	CHECK_EQ_INT(icp_ice_schema_to_parquet(s, &pf, &npf), ICP_OK);
	icp_buf_init(&out, 0);
	icp_parquet_buf_sink(&out, &sink);
	CHECK_EQ_INT(icp_parquet_writer_new(pf, npf, NULL, sink, &pw, &err), ICP_OK);
	if (pw) {
		CHECK_EQ_INT(icp_columns_write(x, pw, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_end_rows(pw, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_close(pw, NULL, &err), ICP_OK);
		if (err.status)
			fprintf(stderr, "  %s\n", err.msg);
		CHECK_EQ_INT(icp_parquet_writer_rows(pw), 4);
		icp_parquet_writer_free(pw);
	}
	CHECK(out.len > 100 && memcmp(out.data, "PAR1", 4) == 0);
	icp_buf_dispose(&out);
	icp_free(pf);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	icp_ice_schema_free(full);
}

static void test_required_by_mapping(void)
{
	/* the table has b optional (added by evolution), the mapping requires it */
	icp_columns_def td[] = {{"b", "long", 0, NULL}}, wd[] = {{"b", "long", 1, NULL}};
	icp_ice_schema *tfull = NULL, *ts = typed(td, 1, &tfull), *wfull = NULL;
	icp_ice_schema *ws = typed(wd, 1, &wfull);
	icp_columns *x = NULL;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_new(ts, wfull, &x, &err), ICP_OK);
	if (!x)
		return;
	icp_columns_begin(x);
	CHECK_EQ_INT(add(x, "{}"), 0);
	CHECK_EQ_INT(add(x, "{\"b\":\"1\"}"), 0);
	CHECK_EQ_INT(add(x, "{\"b\":1}"), 1);
	check_levels(leaf_of(x, 9), (const int16_t[]){1}, NULL, 1);
	icp_columns_free(x);
	icp_ice_schema_free(ts);
	icp_ice_schema_free(tfull);
	icp_ice_schema_free(ws);
	icp_ice_schema_free(wfull);
}

static const icp_parquet_field_metrics *metrics_of(const icp_parquet_file_metrics *m, int id)
{
	size_t i;
	for (i = 0; i < m->n_fields; i++)
		if (m->fields[i].field_id == id)
			return &m->fields[i];
	return NULL;
}

/* The bound's bytes as hex ("-" when absent). */
static const char *hex(const uint8_t *p, size_t n)
{
	static char buf[80];
	size_t i;
	if (!p)
		return "-";
	for (i = 0; i < n && i < 39; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * i] = '\0';
	return buf;
}

/* decimal (each Parquet width), uuid, time, timestamptz and formats:
 * required columns of these types are accepted, values land in the leaf
 * in the writer's layout, a bad value is counted (and refuses the record
 * when required), and the file's Iceberg bounds are the single-value
 * serialisation (decimal: minimal big-endian two's complement). */
static void test_analyst_types(void)
{
	icp_columns_def d[] = {{"amt", "decimal(9,2)", 1, NULL}, {"big", "decimal(38,4)", 1, NULL},
	                       {"mid", "decimal(18,4)", 0, NULL}, {"u", "uuid", 1, NULL},
	                       {"t", "time", 1, NULL},           {"tz", "timestamptz", 1, NULL},
	                       {"ts", "timestamp", 0, NULL},     {"l", "list<timestamptz>", 0, NULL}};
	static const uint8_t uuid[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
	                                 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
	icp_ice_schema *full = NULL, *s = typed(d, 8, &full);
	icp_columns *x = NULL;
	icp_parquet_field *pf = NULL;
	icp_parquet_file_metrics fm;
	const icp_parquet_field_metrics *fmx;
	icp_parquet_writer *pw = NULL;
	icp_parquet_sink sink;
	icp_buf out;
	icp_error err;
	size_t npf = 0;
	int64_t v;
	int32_t i32;
	leaf *l;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_new(s, full, &x, &err), ICP_OK);
	if (!x)
		return;
	/* ids: amt 9, big 10, mid 11, u 12, t 13, tz 14, ts 15, l 16 (element 17) */
	CHECK_EQ_INT(icp_columns_set_format(x, "ts", ICP_COLUMNS_FMT_EPOCH_S), ICP_OK);
	CHECK_EQ_INT(icp_columns_set_format(x, "l", ICP_COLUMNS_FMT_EPOCH_US), ICP_OK);
	CHECK_EQ_INT(icp_columns_set_format(x, "nope", ICP_COLUMNS_FMT_EPOCH_US),
	             ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(leaf_of(x, 14)->fmt, ICP_COLUMNS_FMT_DEFAULT);
	icp_columns_begin(x);
	CHECK_EQ_INT(add(x, "{\"amt\":-1234567.89,\"big\":\"12345678901234567890.12\","
	                    "\"mid\":0.00005,\"u\":\"123e4567-e89b-12d3-a456-426614174000\","
	                    "\"t\":\"12:34:56.5\",\"tz\":\"2024-02-29T12:00:00+14:00\","
	                    "\"ts\":1700000000.25,\"l\":[1,2]}"), 1);
	/* amt beyond 7 integer digits: counted, and the record refused */
	CHECK_EQ_INT(add(x, "{\"amt\":10000000,\"big\":0,\"u\":\"123e4567-e89b-12d3-a456-"
	                    "426614174000\",\"t\":\"00:00:00\",\"tz\":0}"), 0);
	CHECK_EQ_STR(icp_columns_invalid_column(x), "amt");
	CHECK_EQ_INT(add(x, "{\"amt\":1,\"big\":0,\"u\":\"not-a-uuid\",\"t\":\"00:00:00\","
	                    "\"tz\":0}"), 0);
	CHECK_EQ_STR(icp_columns_invalid_column(x), "u");
	CHECK_EQ_INT(add(x, "{\"amt\":0.005,\"big\":-0.00005,\"mid\":\"x\","
	                    "\"u\":\"123E4567-E89B-12D3-A456-426614174000\",\"t\":\"00:00:00\","
	                    "\"tz\":0,\"ts\":-1.5,\"l\":[\"1970-01-01T00:00:00-01:00\",true]}"), 1);
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 0), 1); /* amt 10000000 */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 2), 1); /* mid "x" */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 3), 1); /* u */
	CHECK_EQ_INT(icp_columns_coerce_nulls(x, 7), 1); /* l: true */
	l = leaf_of(x, 9); /* decimal(9,2): int32 */
	CHECK(l && l->width == 4 && l->nv == 2 && !l->bytes);
	if (l && l->nv == 2) {
		memcpy(&i32, l->vals, 4);
		CHECK_EQ_INT(i32, -123456789);
		memcpy(&i32, l->vals + 4, 4);
		CHECK_EQ_INT(i32, 1);
	}
	l = leaf_of(x, 11); /* decimal(18,4): int64 */
	CHECK(l && l->width == 8 && l->nv == 1);
	if (l && l->nv == 1) {
		memcpy(&v, l->vals, 8);
		CHECK(v == 1); /* 0.00005 -> 0.0001 (HALF_UP) */
	}
	l = leaf_of(x, 10); /* decimal(38,4): 16 bytes */
	CHECK(l && l->bytes && l->nv == 2);
	if (l && l->nv == 2) {
		boff bo;
		memcpy(&bo, l->vals, sizeof(bo));
		CHECK_EQ_STR(hex(x->text.data + bo.off, bo.len), "0000000000001a249b1f10a06c96afd0");
		memcpy(&bo, l->vals + sizeof(bo), sizeof(bo));
		CHECK_EQ_STR(hex(x->text.data + bo.off, bo.len), "ffffffffffffffffffffffffffffffff");
	}
	l = leaf_of(x, 12);
	CHECK(l && l->bytes && l->nv == 2);
	if (l && l->nv == 2) {
		boff bo;
		memcpy(&bo, l->vals + sizeof(bo), sizeof(bo));
		CHECK(bo.len == 16 && memcmp(x->text.data + bo.off, uuid, 16) == 0);
	}
	l = leaf_of(x, 13);
	CHECK(l && l->nv == 2);
	if (l && l->nv == 2) {
		memcpy(&v, l->vals, 8);
		CHECK(v == INT64_C(45296500000));
	}
	l = leaf_of(x, 15); /* epoch_s, fractions exact */
	CHECK(l && l->nv == 2);
	if (l && l->nv == 2) {
		memcpy(&v, l->vals, 8);
		CHECK(v == INT64_C(1700000000250000));
		memcpy(&v, l->vals + 8, 8);
		CHECK(v == -1500000);
	}
	l = leaf_of(x, 17); /* the format reaches nested leaves */
	CHECK(l && l->nv == 3);
	if (l && l->nv == 3) {
		memcpy(&v, l->vals + 8, 8);
		CHECK(v == 2);
		memcpy(&v, l->vals + 16, 8);
		CHECK(v == INT64_C(3600000000));
	}

	CHECK_EQ_INT(icp_ice_schema_to_parquet(s, &pf, &npf), ICP_OK);
	icp_buf_init(&out, 0);
	icp_parquet_buf_sink(&out, &sink);
	memset(&fm, 0, sizeof(fm));
	CHECK_EQ_INT(icp_parquet_writer_new(pf, npf, NULL, sink, &pw, &err), ICP_OK);
	if (pw) {
		CHECK_EQ_INT(icp_columns_write(x, pw, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_end_rows(pw, &err), ICP_OK);
		CHECK_EQ_INT(icp_parquet_writer_close(pw, &fm, &err), ICP_OK);
		if (err.status)
			fprintf(stderr, "  %s\n", err.msg);
		icp_parquet_writer_free(pw);
	}
	if ((fmx = metrics_of(&fm, 9))) {
		CHECK_EQ_STR(hex(fmx->lower, fmx->lower_len), "f8a432eb");
		CHECK_EQ_STR(hex(fmx->upper, fmx->upper_len), "01");
	}
	if ((fmx = metrics_of(&fm, 10))) {
		CHECK_EQ_STR(hex(fmx->lower, fmx->lower_len), "ff");
		CHECK_EQ_STR(hex(fmx->upper, fmx->upper_len), "1a249b1f10a06c96afd0");
	}
	if ((fmx = metrics_of(&fm, 11))) {
		CHECK_EQ_STR(hex(fmx->lower, fmx->lower_len), "01");
		CHECK_EQ_INT(fmx->null_count, 1);
	}
	if ((fmx = metrics_of(&fm, 12)))
		CHECK_EQ_STR(hex(fmx->upper, fmx->upper_len), "123e4567e89b12d3a456426614174000");
	if ((fmx = metrics_of(&fm, 13))) {
		CHECK_EQ_STR(hex(fmx->lower, fmx->lower_len), "0000000000000000");
		CHECK_EQ_STR(hex(fmx->upper, fmx->upper_len), "20bde18b0a000000");
	}
	if ((fmx = metrics_of(&fm, 14)))
		CHECK_EQ_STR(hex(fmx->upper, fmx->upper_len), "00f89c4378120600");
	CHECK(metrics_of(&fm, 9) && metrics_of(&fm, 10) && metrics_of(&fm, 14));
	icp_parquet_file_metrics_dispose(&fm);
	icp_buf_dispose(&out);
	icp_free(pf);
	icp_columns_free(x);
	icp_ice_schema_free(s);
	icp_ice_schema_free(full);
}

int main(void)
{
	TEST_RUN(test_flat);
	TEST_RUN(test_nested);
	TEST_RUN(test_required_by_mapping);
	TEST_RUN(test_analyst_types);
	return TEST_DONE();
}
