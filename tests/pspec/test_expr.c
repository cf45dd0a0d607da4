/* Partition expressions: grammar, building specs against a schema (ids,
 * default names, result types), every refusal with its message, bind. */
#include "pspec/pspec.h"
#include "test.h"

static icp_ice_schema *schema(void)
{
	static const char *const cols[][2] = {
		{"id", "long"},     {"name", "string"},       {"ts", "timestamptz"},
		{"d", "date"},      {"amount", "decimal(10,2)"}, {"i", "int"},
		{"t", "time"},      {"lts", "timestamp"},     {"u", "uuid"},
		{"f", "fixed[4]"},  {"b", "binary"},          {"flag", "boolean"},
		{"x", "double"},    {"d_month", "long"},       {"col_2", "string"},
	};
	icp_ice_schema *s = icp_ice_schema_new(0);
	icp_ice_type t, *st;

	for (size_t i = 0; i < ICP_ARRAY_LEN(cols); i++) {
		CHECK_EQ_INT(icp_ice_parse_primitive(cols[i][1], &t), ICP_OK);
		CHECK_EQ_INT(icp_ice_schema_add(s, (int32_t)i + 1, cols[i][0], 0, &t), ICP_OK);
	}
	st = icp_ice_type_new(ICP_ICE_STRUCT);
	icp_ice_parse_primitive("long", &t);
	CHECK_EQ_INT(icp_ice_type_add_field(st, 17, "inner", 0, icp_ice_type_copy(&t)), ICP_OK);
	CHECK_EQ_INT(icp_ice_schema_add_type(s, 16, "nested", 0, st), ICP_OK);
	return s;
}

static char msg[1024];

static int parse(const char *text, icp_pspec_expr *e)
{
	icp_error err;
	int rc;

	icp_error_init(&err);
	rc = icp_pspec_parse_expr(text, e, &err);
	snprintf(msg, sizeof(msg), "%s", err.msg);
	return rc;
}

static void test_grammar(void)
{
	icp_pspec_expr e;

	CHECK_EQ_INT(parse("id", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_IDENTITY);
	CHECK(e.column_len == 2 && memcmp(e.column, "id", 2) == 0);
	CHECK_EQ_INT(parse("  col_2 \t", &e), ICP_OK);
	CHECK(e.column_len == 5 && memcmp(e.column, "col_2", 5) == 0);
	CHECK_EQ_INT(parse("identity(id)", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_IDENTITY);
	CHECK_EQ_INT(parse("YEAR(ts)", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_YEAR);
	CHECK_EQ_INT(parse("months( ts )", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_MONTH);
	CHECK_EQ_INT(parse("Days(ts)", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_DAY);
	CHECK_EQ_INT(parse("hours(ts)", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_HOUR);
	CHECK_EQ_INT(parse(" bucket ( 16 ,id ) ", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_BUCKET);
	CHECK_EQ_INT(e.param, 16);
	CHECK(e.column_len == 2 && memcmp(e.column, "id", 2) == 0);
	CHECK_EQ_INT(parse("truncate(2147483647, name)", &e), ICP_OK);
	CHECK_EQ_INT(e.param, 2147483647);
	CHECK_EQ_INT(parse("void(x)", &e), ICP_OK);
	CHECK_EQ_INT(e.transform, ICP_PSPEC_VOID);
	CHECK_EQ_INT(parse("\nday(ts)\r\n", &e), ICP_OK);
}

static void test_syntax_errors(void)
{
	icp_pspec_expr e;

	CHECK_EQ_INT(parse("", &e), ICP_ERR_INVALID);
	CHECK_EQ_STR(msg, "partition expression \"\": syntax error at byte 0: expected a "
	                  "column name or a transform");
	CHECK_EQ_INT(parse("a b", &e), ICP_ERR_INVALID);
	CHECK_EQ_STR(msg, "partition expression \"a b\": syntax error at byte 2: expected '(' "
	                  "after a transform name, or the end after a column name");
	CHECK_EQ_INT(parse("day(ts", &e), ICP_ERR_INVALID);
	CHECK_EQ_STR(msg, "partition expression \"day(ts\": syntax error at byte 6: "
	                  "expected ')'");
	CHECK_EQ_INT(parse("day()", &e), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "syntax error at byte 4: expected a column name");
	CHECK_EQ_INT(parse("day(ts) x", &e), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "syntax error at byte 8: expected the end after ')'");
	CHECK_EQ_INT(parse("bucket(id, 16)", &e), ICP_ERR_INVALID);
	CHECK_EQ_STR(msg, "partition expression \"bucket(id, 16)\": syntax error at byte 7: "
	                  "expected the bucket count (a number, as in bucket(16, col))");
	CHECK_EQ_INT(parse("truncate(4 name)", &e), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "syntax error at byte 11: expected ',' before the column name");
	CHECK_EQ_INT(parse("bucket(0, id)", &e), ICP_ERR_INVALID);
	CHECK_EQ_STR(msg, "partition expression \"bucket(0, id)\": bucket count must be "
	                  "1..2147483647, got 0");
	CHECK_EQ_INT(parse("truncate(2147483648, name)", &e), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "truncate width must be 1..2147483647, got 2147483648");
	CHECK_EQ_INT(parse("bucket(99999999999999999999999, id)", &e), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "bucket count must be 1..2147483647");
	CHECK_EQ_INT(parse("weeks(ts)", &e), ICP_ERR_INVALID);
	CHECK_EQ_STR(msg, "partition expression \"weeks(ts)\": unknown transform \"weeks\" at "
	                  "byte 0 (known: identity, year, month, day, hour, bucket, truncate, "
	                  "void)");
	CHECK_EQ_INT(parse("day(ts\x01)", &e), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "\"day(ts\\x01)\": syntax error at byte 6");
	CHECK_EQ_INT(parse(NULL, &e), ICP_ERR_INVALID);
}

static int build(const icp_ice_schema *s, const char *const *ex, size_t n, icp_pspec **out)
{
	icp_error err;
	int rc;

	icp_error_init(&err);
	rc = icp_pspec_build(s, ex, n, 0, 999, out, &err);
	snprintf(msg, sizeof(msg), "%s", err.msg);
	return rc;
}

static void test_build(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"day(ts)", "bucket(16, id)", "name", "truncate(4, name)",
	                    "void(x)", "year(d)", "hour(lts)"};
	icp_pspec *p = NULL;
	icp_ice_type rt;

	CHECK_EQ_INT(build(s, ex, 7, &p), ICP_OK);
	CHECK(p && p->n_fields == 7);
	if (p && p->n_fields == 7) {
		CHECK_EQ_STR(p->fields[0].name, "ts_day");
		CHECK_EQ_STR(p->fields[0].transform_text, "day");
		CHECK_EQ_INT(p->fields[0].source_id, 3);
		CHECK_EQ_INT(p->fields[0].field_id, 1000);
		CHECK_EQ_STR(p->fields[1].name, "id_bucket");
		CHECK_EQ_STR(p->fields[1].transform_text, "bucket[16]");
		CHECK_EQ_INT(p->fields[1].field_id, 1001);
		CHECK_EQ_STR(p->fields[2].name, "name");
		CHECK_EQ_STR(p->fields[2].transform_text, "identity");
		CHECK_EQ_STR(p->fields[3].name, "name_trunc");
		CHECK_EQ_STR(p->fields[3].transform_text, "truncate[4]");
		CHECK_EQ_STR(p->fields[4].name, "x_null");
		CHECK_EQ_STR(p->fields[4].transform_text, "void");
		CHECK_EQ_STR(p->fields[5].name, "d_year");
		CHECK_EQ_STR(p->fields[6].name, "lts_hour");
		CHECK_EQ_INT(p->fields[6].field_id, 1006);
		rt = icp_pspec_result_type(&p->fields[0]);
		CHECK_EQ_INT(rt.kind, ICP_ICE_INT);
		rt = icp_pspec_result_type(&p->fields[1]);
		CHECK_EQ_INT(rt.kind, ICP_ICE_INT);
		rt = icp_pspec_result_type(&p->fields[3]);
		CHECK_EQ_INT(rt.kind, ICP_ICE_STRING);
		rt = icp_pspec_result_type(&p->fields[4]);
		CHECK_EQ_INT(rt.kind, ICP_ICE_DOUBLE);
	}
	icp_pspec_free(p);
	p = NULL;
	CHECK_EQ_INT(build(s, ex, 0, &p), ICP_OK);
	CHECK(p && p->n_fields == 0);
	icp_pspec_free(p);
	icp_pspec_free(NULL);
	icp_ice_schema_free(s);
}

static void test_decimal_result_type(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"truncate(50, amount)", "f"};
	icp_pspec *p = NULL;
	icp_ice_type rt;

	CHECK_EQ_INT(build(s, ex, 2, &p), ICP_OK);
	if (p) {
		rt = icp_pspec_result_type(&p->fields[0]);
		CHECK_EQ_INT(rt.kind, ICP_ICE_DECIMAL);
		CHECK_EQ_INT(rt.precision, 10);
		CHECK_EQ_INT(rt.scale, 2);
		rt = icp_pspec_result_type(&p->fields[1]);
		CHECK_EQ_INT(rt.kind, ICP_ICE_FIXED);
		CHECK_EQ_INT(rt.length, 4);
	}
	icp_pspec_free(p);
	icp_ice_schema_free(s);
}

static void expect_refusal(const icp_ice_schema *s, const char *a, const char *b,
                           const char *text)
{
	const char *ex[2] = {a, b};
	icp_pspec *p = (icp_pspec *)1;

	CHECK_EQ_INT(build(s, ex, b ? 2 : 1, &p), ICP_ERR_INVALID);
	CHECK(p == NULL);
	CHECK_EQ_STR(msg, text);
}

static void test_refusals(void)
{
	icp_ice_schema *s = schema();

	expect_refusal(s, "day(tz)", NULL,
	               "partition_by[0]: partition expression \"day(tz)\": unknown column \"tz\"");
	expect_refusal(s, "ID", NULL,
	               "partition_by[0]: partition expression \"ID\": unknown column \"ID\"");
	expect_refusal(s, "id", "bucket(16, nested)",
	               "partition_by[1]: partition expression \"bucket(16, nested)\": column "
	               "\"nested\" is a struct, not a primitive type: only top-level primitive "
	               "columns can be partition sources");
	expect_refusal(s, "year(name)", NULL,
	               "partition_by[0]: partition expression \"year(name)\": transform year "
	               "does not accept column \"name\" of type string (it accepts date, "
	               "timestamp, timestamptz)");
	expect_refusal(s, "hour(d)", NULL,
	               "partition_by[0]: partition expression \"hour(d)\": transform hour does "
	               "not accept column \"d\" of type date (it accepts timestamp, "
	               "timestamptz)");
	expect_refusal(s, "bucket(4, flag)", NULL,
	               "partition_by[0]: partition expression \"bucket(4, flag)\": transform "
	               "bucket[4] does not accept column \"flag\" of type boolean (it accepts "
	               "int, long, decimal, date, time, timestamp, timestamptz, string, uuid, "
	               "fixed, binary)");
	expect_refusal(s, "truncate(4, ts)", NULL,
	               "partition_by[0]: partition expression \"truncate(4, ts)\": transform "
	               "truncate[4] does not accept column \"ts\" of type timestamptz (it "
	               "accepts int, long, decimal, string, binary)");
	expect_refusal(s, "truncate(4, f)", NULL,
	               "partition_by[0]: partition expression \"truncate(4, f)\": transform "
	               "truncate[4] does not accept column \"f\" of type fixed[4] (it accepts "
	               "int, long, decimal, string, binary)");
	expect_refusal(s, "day(ts)", "days(ts)",
	               "partition_by[1]: partition expression \"days(ts)\": redundant partition: "
	               "the column is already partitioned by partition_by[0] \"day(ts)\"");
	expect_refusal(s, "year(ts)", "hour(ts)",
	               "partition_by[1]: partition expression \"hour(ts)\": redundant partition: "
	               "the column is already partitioned by partition_by[0] \"year(ts)\"");
	expect_refusal(s, "bucket(16, id)", "bucket(8,id)",
	               "partition_by[1]: partition expression \"bucket(8,id)\": partition field "
	               "name \"id_bucket\" is already used by partition_by[0]");
	/* "month(d)" is named d_month, which is another column's name. */
	expect_refusal(s, "month(d)", NULL,
	               "partition_by[0]: partition expression \"month(d)\": partition field name "
	               "\"d_month\" is also a column of the table");
	expect_refusal(s, "id", "bucket(x, id)",
	               "partition_by[1]: partition expression \"bucket(x, id)\": syntax error at "
	               "byte 7: expected the bucket count (a number, as in bucket(16, col))");
	icp_ice_schema_free(s);
}

static void test_allows_table(void)
{
	CHECK(icp_pspec_transform_allows(ICP_PSPEC_IDENTITY, ICP_ICE_BOOLEAN));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_IDENTITY, ICP_ICE_LIST));
	CHECK(icp_pspec_transform_allows(ICP_PSPEC_VOID, ICP_ICE_MAP));
	CHECK(icp_pspec_transform_allows(ICP_PSPEC_BUCKET, ICP_ICE_UUID));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_BUCKET, ICP_ICE_FLOAT));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_BUCKET, ICP_ICE_DOUBLE));
	CHECK(icp_pspec_transform_allows(ICP_PSPEC_TRUNCATE, ICP_ICE_BINARY));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_TRUNCATE, ICP_ICE_UUID));
	CHECK(icp_pspec_transform_allows(ICP_PSPEC_DAY, ICP_ICE_DATE));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_DAY, ICP_ICE_TIME));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_HOUR, ICP_ICE_DATE));
	CHECK(!icp_pspec_transform_allows(ICP_PSPEC_UNKNOWN, ICP_ICE_LONG));
}

static void test_ids_overflow(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"id", "name"};
	icp_pspec *p = NULL;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_build(s, ex, 2, 0, INT32_MAX - 1, &p, &err), ICP_ERR_TOO_LARGE);
	CHECK(p == NULL);
	CHECK_CONTAINS(err.msg, "partition field ids would pass 2147483647");
	icp_ice_schema_free(s);
}

static void test_bind(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"bucket(16, id)", "void(x)"};
	icp_pspec *p = NULL;
	icp_error err;

	CHECK_EQ_INT(build(s, ex, 2, &p), ICP_OK);
	if (!p)
		goto out;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_bind(p, s, &err), ICP_OK);
	CHECK_EQ_INT(p->fields[0].source_type.kind, ICP_ICE_LONG);
	p->fields[1].source_id = 99; /* a dropped column under void is fine */
	CHECK_EQ_INT(icp_pspec_bind(p, s, &err), ICP_OK);
	CHECK_EQ_INT(p->fields[1].source_type.kind, 0);
	p->fields[0].source_id = 2; /* bucket on string: allowed */
	CHECK_EQ_INT(icp_pspec_bind(p, s, &err), ICP_OK);
	p->fields[0].source_id = 12; /* boolean */
	CHECK_EQ_INT(icp_pspec_bind(p, s, &err), ICP_ERR_INVALID);
	CHECK_EQ_STR(err.msg, "partition spec 0 field \"id_bucket\": transform bucket[16] does "
	                      "not accept column \"flag\" of type boolean");
	icp_error_init(&err);
	p->fields[0].source_id = 17; /* nested, not top-level */
	CHECK_EQ_INT(icp_pspec_bind(p, s, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "source-id 17 is not a top-level column");
	icp_error_init(&err);
	p->fields[0].transform = ICP_PSPEC_UNKNOWN;
	CHECK_EQ_INT(icp_pspec_bind(p, s, &err), ICP_ERR_UNSUPPORTED);
	CHECK_CONTAINS(err.msg, "is unknown to this processor");
out:
	icp_pspec_free(p);
	icp_ice_schema_free(s);
}

static void test_transform_text(void)
{
	char b[32];

	CHECK_EQ_INT(icp_pspec_transform_text(ICP_PSPEC_BUCKET, 16, b, sizeof(b)), 10);
	CHECK_EQ_STR(b, "bucket[16]");
	icp_pspec_transform_text(ICP_PSPEC_TRUNCATE, 2147483647, b, sizeof(b));
	CHECK_EQ_STR(b, "truncate[2147483647]");
	icp_pspec_transform_text(ICP_PSPEC_HOUR, 0, b, sizeof(b));
	CHECK_EQ_STR(b, "hour");
	CHECK_EQ_INT(icp_pspec_transform_text(ICP_PSPEC_UNKNOWN, 0, b, sizeof(b)), 0);
	CHECK_EQ_STR(b, "");
}

static void test_alloc_failures(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"day(ts)", "bucket(16, id)", "name"};
	int ok = 0;

	/* Every allocation of a build may fail: no leak, no crash, NOMEM. */
	for (long n = 1; n < 40 && !ok; n++) {
		icp_pspec *p = NULL;
		icp_error err;
		int rc;
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_pspec_build(s, ex, 3, 0, 999, &p, &err);
		icp_alloc_fail_after(0);
		if (rc == ICP_OK)
			ok = 1;
		else
			CHECK(rc == ICP_ERR_NOMEM && p == NULL);
		icp_pspec_free(p);
	}
	CHECK(ok);
	icp_ice_schema_free(s);
}

int main(void)
{
	TEST_RUN(test_grammar);
	TEST_RUN(test_syntax_errors);
	TEST_RUN(test_build);
	TEST_RUN(test_decimal_result_type);
	TEST_RUN(test_refusals);
	TEST_RUN(test_allows_table);
	TEST_RUN(test_ids_overflow);
	TEST_RUN(test_bind);
	TEST_RUN(test_transform_text);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
