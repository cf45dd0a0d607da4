/* The coercion table of docs/internals/columns.md, case by case. */
#include "columns/columns_int.h"
#include "test.h"

static cj_doc doc;

/* Parses one JSON value and returns its root node (valid until next). */
static const cj_node *J(const char *json)
{
	int rc = cj_parse(&doc, (const uint8_t *)json, strlen(json));
	CHECK_EQ_INT(rc, ICP_OK);
	return rc == ICP_OK ? &doc.nodes[0] : NULL;
}

static void test_long(void)
{
	int64_t v = 0;
	CHECK(icp_cc_long(J("9223372036854775807"), &v) && v == INT64_MAX);
	CHECK(icp_cc_long(J("-9223372036854775808"), &v) && v == INT64_MIN);
	CHECK(!icp_cc_long(J("9223372036854775808"), &v));   /* 2^63: null */
	CHECK(!icp_cc_long(J("-9223372036854775809"), &v));
	CHECK(icp_cc_long(J("9007199254740993"), &v) && v == INT64_C(9007199254740993));
	CHECK(icp_cc_long(J("-0"), &v) && v == 0);
	CHECK(icp_cc_long(J("5.0"), &v) && v == 5);
	CHECK(icp_cc_long(J("1e3"), &v) && v == 1000);
	CHECK(!icp_cc_long(J("1.5"), &v));
	CHECK(!icp_cc_long(J("1e300"), &v));
	CHECK(!icp_cc_long(J("\"12\""), &v));                /* strings: null */
	CHECK(!icp_cc_long(J("true"), &v));
	CHECK(!icp_cc_long(J("null"), &v));
}

static void test_int(void)
{
	int32_t v = 0;
	CHECK(icp_cc_int(J("2147483647"), &v) && v == INT32_MAX);
	CHECK(icp_cc_int(J("-2147483648"), &v) && v == INT32_MIN);
	CHECK(!icp_cc_int(J("2147483648"), &v));
	CHECK(!icp_cc_int(J("-2147483649"), &v));
}

static void test_double(void)
{
	double d = 0;
	float f = 0;
	CHECK(icp_cc_double(J("1e308"), &d) && d == 1e308);
	CHECK(icp_cc_double(J("0.1"), &d) && d == 0.1);
	CHECK(icp_cc_double(J("-0.0"), &d) && d == 0 && 1 / d < 0);
	CHECK(icp_cc_double(J("9007199254740993"), &d) && d == 9007199254740992.0);
	CHECK(icp_cc_double(J("4.9e-324"), &d) && d > 0);
	CHECK(!icp_cc_double(J("1e309"), &d));               /* overflow: null */
	CHECK(!icp_cc_double(J("\"NaN\""), &d));             /* strings: null */
	CHECK(!icp_cc_double(J("\"Infinity\""), &d));
	CHECK(!icp_cc_double(J("\"1.5\""), &d));
	CHECK(icp_cc_float(J("1.5"), &f) && f == 1.5f);
	CHECK(!icp_cc_float(J("1e39"), &f));
	/* NaN is not JSON at all */
	CHECK(cj_parse(&doc, (const uint8_t *)"NaN", 3) == ICP_ERR_CORRUPT);
}

static void test_bool_string(void)
{
	uint8_t b = 9;
	const cj_node *n;
	CHECK(icp_cc_bool(J("true"), &b) && b == 1);
	CHECK(icp_cc_bool(J("false"), &b) && b == 0);
	CHECK(!icp_cc_bool(J("1"), &b));
	CHECK(!icp_cc_bool(J("\"true\""), &b));
	n = J("\"h\\u00e9llo \\ud83d\\ude00 \\u4e16\"");
	CHECK(n && n->type == CJ_STR && n->len == 15 &&
	      memcmp(n->s, "h\xc3\xa9llo \xf0\x9f\x98\x80 \xe4\xb8\x96", 15) == 0);
	n = J("\"z\xc3\xbcrich\"");
	CHECK(n && n->len == 7);
	CHECK(cj_parse(&doc, (const uint8_t *)"\"\xff\"", 3) == ICP_ERR_CORRUPT);
	CHECK(cj_parse(&doc, (const uint8_t *)"\"\\ud800\"", 8) == ICP_ERR_CORRUPT);
	CHECK(cj_parse(&doc, (const uint8_t *)"[1,]", 4) == ICP_ERR_CORRUPT);
	CHECK(cj_parse(&doc, (const uint8_t *)"01", 2) == ICP_ERR_CORRUPT);
}

static void test_binary(void)
{
	icp_buf b;
	icp_buf_init(&b, 0);
	CHECK(icp_cc_binary(J("\"aGVsbG8=\""), &b) && b.len == 5 && memcmp(b.data, "hello", 5) == 0);
	icp_buf_reset(&b);
	CHECK(icp_cc_binary(J("\"AP8=\""), &b) && b.len == 2 && b.data[0] == 0 && b.data[1] == 0xff);
	icp_buf_reset(&b);
	/* not base64 (length, alphabet, non-zero pad bits): the UTF-8 bytes */
	CHECK(icp_cc_binary(J("\"hello\""), &b) && b.len == 5 && memcmp(b.data, "hello", 5) == 0);
	icp_buf_reset(&b);
	CHECK(icp_cc_binary(J("\"aGVsbG9=\""), &b) && b.len == 8);
	icp_buf_reset(&b);
	CHECK(icp_cc_binary(J("\"\""), &b) && b.len == 0);
	CHECK(!icp_cc_binary(J("12"), &b));
	icp_buf_dispose(&b);
}

static void test_timestamp(void)
{
	int64_t us = 0;
	CHECK(icp_cc_timestamp(J("1700000000123"), &us) && us == INT64_C(1700000000123000));
	CHECK(icp_cc_timestamp(J("-1"), &us) && us == -1000);
	CHECK(!icp_cc_timestamp(J("1.5"), &us));
	CHECK(!icp_cc_timestamp(J("9223372036854775807"), &us)); /* overflows micros */
	CHECK(icp_cc_timestamp(J("\"1970-01-01T00:00:00Z\""), &us) && us == 0);
	CHECK(icp_cc_timestamp(J("\"2023-11-14T22:13:20.123456789Z\""), &us) &&
	      us == INT64_C(1700000000123456));
	CHECK(icp_cc_timestamp(J("\"2023-11-15T00:13:20.5+02:00\""), &us) &&
	      us == INT64_C(1700000000500000));
	CHECK(icp_cc_timestamp(J("\"2023-11-14t17:13:20-05:00\""), &us) &&
	      us == INT64_C(1700000000000000));
	CHECK(icp_cc_timestamp(J("\"2023-11-14 22:13:20z\""), &us) &&
	      us == INT64_C(1700000000000000));
	CHECK(icp_cc_timestamp(J("\"1969-12-31T23:59:59.999999Z\""), &us) && us == -1);
	CHECK(icp_cc_timestamp(J("\"2024-02-29T00:00:00Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2023-02-29T00:00:00Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2023-11-14T22:13:20\""), &us));       /* no offset */
	CHECK(!icp_cc_timestamp(J("\"2023-11-14T22:13:20.1234567890Z\""), &us)); /* 10 */
	CHECK(!icp_cc_timestamp(J("\"2023-11-14T24:00:00Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2023-11-14T22:13:60Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2023-11-14T22:13:20.Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2023-11-14T22:13:20+0200\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2023-11-14\""), &us));
	CHECK(!icp_cc_timestamp(J("true"), &us));
}

static void test_date(void)
{
	int32_t d = 0;
	CHECK(icp_cc_date(J("\"1970-01-01\""), &d) && d == 0);
	CHECK(icp_cc_date(J("\"2000-03-01\""), &d) && d == 11017);
	CHECK(icp_cc_date(J("\"1969-12-31\""), &d) && d == -1);
	CHECK(icp_cc_date(J("\"0001-01-01\""), &d) && d == -719162);
	/* the date part as written, in the string's own offset */
	CHECK(icp_cc_date(J("\"2000-03-01T23:30:00-05:00\""), &d) && d == 11017);
	CHECK(icp_cc_date(J("\"2000-03-01T00:30:00+05:00\""), &d) && d == 11017);
	CHECK(!icp_cc_date(J("\"2000-13-01\""), &d));
	CHECK(!icp_cc_date(J("\"2000-3-1\""), &d));
	CHECK(!icp_cc_date(J("11017"), &d));
}

int main(void)
{
	icp_buf_init(&doc.scratch, 0);
	TEST_RUN(test_long);
	TEST_RUN(test_int);
	TEST_RUN(test_double);
	TEST_RUN(test_bool_string);
	TEST_RUN(test_binary);
	TEST_RUN(test_timestamp);
	TEST_RUN(test_date);
	icp_vt_doc_dispose(&doc);
	return TEST_DONE();
}
