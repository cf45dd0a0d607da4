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
	icp_columns_def d[] = {{"id", "long", 1},      {"qty", "int", 0},   {"price", "double", 0},
	                       {"ok", "boolean", 0},   {"name", "string", 0},
	                       {"blob", "binary", 0},  {"ts", "timestamp", 0}, {"day", "date", 0}};
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
	icp_columns_def d[] = {{"o", "struct<a:long,b:list<string>>", 0},
	                       {"l", "list<long>", 0},
	                       {"m", "map<string,double>", 0}};
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
	icp_columns_def td[] = {{"b", "long", 0}}, wd[] = {{"b", "long", 1}};
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

int main(void)
{
	TEST_RUN(test_flat);
	TEST_RUN(test_nested);
	TEST_RUN(test_required_by_mapping);
	return TEST_DONE();
}
