/* Tests for src/json: RFC 8259 acceptance and rejection (cases written in
 * the spirit of JSONTestSuite's y_/n_ categories), number exactness, UTF-8
 * and escapes, limits, error positions, and writer round trips. */
#include "json/json.h"
#include "test.h"

#include <locale.h>
#include <math.h>

static icp_arena *A;

static int parse_n(const char *s, size_t n, const icp_json **out, icp_error *err)
{
	icp_json *root = NULL;
	int rc;
	icp_error_init(err);
	rc = icp_json_parse(A, s, n, NULL, &root, err);
	if (out)
		*out = root;
	return rc;
}

static int parse(const char *s, const icp_json **out, icp_error *err)
{
	return parse_n(s, strlen(s), out, err);
}

static void test_valid(void)
{
	static const char *ok[] = {
		"null", "true", "false", "0", "-1", "1.5", "1e10", "1E+2", "1e-2",
		"-0.0e0", "\"\"", "\"a\"", "[]", "{}", "[[]]", " \t\r\n[1] \n",
		"[1,2,3]", "{\"a\":1,\"b\":[true,false,null]}", "\"\\u00e9\"",
		"\"\\ud83d\\ude00\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "[-0]",
		"{\"\":0}", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]",
		"123456789012345678901234567890", "[1e-5,2E-0]",
	};
	size_t i;
	icp_error err;

	for (i = 0; i < ICP_ARRAY_LEN(ok); i++) {
		int rc = parse(ok[i], NULL, &err);
		if (rc != ICP_OK)
			fprintf(stderr, "valid case %zu '%s': %s\n", i, ok[i], err.msg);
		CHECK_EQ_INT(rc, ICP_OK);
	}
}

static void test_invalid(void)
{
	static const char *bad[] = {
		"", " ", "nul", "True", "[1,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\"}",
		"{\"a\" 1}", "{a:1}", "{'a':1}", "[1 2]", "01", "-01", "1.", ".5", "+1",
		"-", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "[1]]",
		"[1] x", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"a\tb\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
		"[", "{", "{\"a\":", "\xef\xbb\xbf[]", "/* c */ 1", "[1,,2]", "1 2",
		"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xff\"",
		"\"\xc3\"", "\"\xe2\x82\"", "\"\x80\"", "\xc3\xa9", "[\x00]", "1e400",
		"-1e400", "[.1]", "tru", "nulll", "[1.e1]", "{\"a\":1 \"b\":2}",
	};
	size_t i;
	icp_error err;

	for (i = 0; i < ICP_ARRAY_LEN(bad); i++) {
		size_t n = strlen(bad[i]);
		int rc;
		rc = parse_n(bad[i], n, NULL, &err);
		if (rc == ICP_OK)
			fprintf(stderr, "invalid case %zu '%s' accepted\n", i, bad[i]);
		CHECK(rc == ICP_ERR_CORRUPT || rc == ICP_ERR_TOO_LARGE);
		CHECK_CONTAINS(err.msg, "json: ");
		CHECK_CONTAINS(err.msg, " at byte ");
	}
	/* a NUL byte inside an otherwise fine document */
	CHECK_EQ_INT(parse_n("[1]\0", 4, NULL, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(parse_n("\"a\0b\"", 5, NULL, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "control character");
}

static void test_int_edges(void)
{
	const icp_json *j;
	icp_error err;
	int64_t v;

	CHECK_EQ_INT(parse("9223372036854775807", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_INT);
	CHECK(j->u.num.i == INT64_MAX);
	CHECK_EQ_INT(parse("-9223372036854775808", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_INT);
	CHECK(j->u.num.i == INT64_MIN);
	CHECK_EQ_INT(parse("9223372036854775808", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_DOUBLE);
	CHECK_EQ_STR(j->u.num.raw, "9223372036854775808");
	CHECK_EQ_INT(icp_json_as_int64(j, &v), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(parse("-9223372036854775809", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_DOUBLE);
	CHECK_EQ_INT(parse("18446744073709551616", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_DOUBLE);
	/* 2^53 + 1 is not a double: it must stay exact */
	CHECK_EQ_INT(parse("9007199254740993", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_INT);
	CHECK(j->u.num.i == 9007199254740993LL);
	CHECK_EQ_INT(icp_json_as_int64(j, &v), ICP_OK);
	CHECK(v == 9007199254740993LL);
	CHECK_EQ_INT(parse("0", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_INT);
	CHECK_EQ_INT(j->u.num.i, 0);
	/* integral doubles are accepted by as_int64 up to 2^53 */
	CHECK_EQ_INT(parse("1e3", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_DOUBLE);
	CHECK_EQ_INT(icp_json_as_int64(j, &v), ICP_OK);
	CHECK_EQ_INT(v, 1000);
	CHECK_EQ_INT(parse("5.5", &j, &err), ICP_OK);
	CHECK_EQ_INT(icp_json_as_int64(j, &v), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(parse("12345678901234567.0", &j, &err), ICP_OK);
	CHECK_EQ_INT(icp_json_as_int64(j, &v), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(parse("\"5\"", &j, &err), ICP_OK);
	CHECK_EQ_INT(icp_json_as_int64(j, &v), ICP_ERR_INVALID);
}

static void test_doubles(void)
{
	const icp_json *j;
	icp_error err;
	double d;

	CHECK_EQ_INT(parse("1e308", &j, &err), ICP_OK);
	CHECK(j->u.num.d == 1e308);
	CHECK_EQ_INT(parse("1.7976931348623157e308", &j, &err), ICP_OK);
	CHECK(j->u.num.d == 1.7976931348623157e308);
	CHECK_EQ_INT(parse("1e400", &j, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "out of double range");
	CHECK_EQ_INT(parse("4.9e-324", &j, &err), ICP_OK);
	CHECK(j->u.num.d == 4.9e-324);
	CHECK_EQ_INT(parse("1e-400", &j, &err), ICP_OK);
	CHECK(j->u.num.d == 0.0);
	CHECK_EQ_INT(parse("-0", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->type, ICP_JSON_DOUBLE);
	CHECK(j->u.num.d == 0.0 && signbit(j->u.num.d));
	CHECK_EQ_STR(j->u.num.raw, "-0");
	CHECK_EQ_INT(parse("0.1", &j, &err), ICP_OK);
	CHECK(j->u.num.d == 0.1);
	CHECK_EQ_INT(icp_json_as_double(j, &d), ICP_OK);
	CHECK(d == 0.1);
	CHECK_EQ_INT(parse("123456789.123456789e-5", &j, &err), ICP_OK);
	CHECK_EQ_STR(j->u.num.raw, "123456789.123456789e-5");
	CHECK(j->u.num.d == 123456789.123456789e-5);
	/* a locale with a decimal comma must not matter */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
		CHECK_EQ_INT(parse("2.5", &j, &err), ICP_OK);
		CHECK(j->u.num.d == 2.5);
		setlocale(LC_NUMERIC, "C");
	}
}

static void test_strings(void)
{
	const icp_json *j;
	icp_error err;

	CHECK_EQ_INT(parse("\"\\ud83d\\ude00\\u00e9\\u0041\"", &j, &err), ICP_OK);
	CHECK_EQ_STR(j->u.str.ptr, "\xf0\x9f\x98\x80\xc3\xa9" "A");
	CHECK_EQ_INT(j->u.str.len, 7);
	CHECK_EQ_INT(parse("\"a\\u0000b\"", &j, &err), ICP_OK);
	CHECK_EQ_INT(j->u.str.len, 3);
	CHECK(memcmp(j->u.str.ptr, "a\0b", 4) == 0);
	CHECK_EQ_INT(parse("\"\\uFFFF\\u0800\\u07ff\"", &j, &err), ICP_OK);
	CHECK_EQ_STR(j->u.str.ptr, "\xef\xbf\xbf\xe0\xa0\x80\xdf\xbf");
	CHECK_EQ_INT(parse("\"\\udbff\\udfff\"", &j, &err), ICP_OK);
	CHECK_EQ_STR(j->u.str.ptr, "\xf4\x8f\xbf\xbf");
	CHECK_EQ_INT(parse("\"tab\\there\\n\\/\"", &j, &err), ICP_OK);
	CHECK_EQ_STR(j->u.str.ptr, "tab\there\n/");
	/* lone surrogates are errors, with the position of the escape */
	CHECK_EQ_INT(parse("[\"ab\\ud800\"]", &j, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "surrogate");
	CHECK_CONTAINS(err.msg, "at byte 4 ");
	/* invalid UTF-8 names its byte */
	CHECK_EQ_INT(parse("[\"abc\xe2\x28\xa1\"]", &j, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "invalid UTF-8");
	CHECK_CONTAINS(err.msg, "at byte 5 ");
}

static void test_dom(void)
{
	const icp_json *j, *v;
	icp_error err;
	const char *s;
	size_t len;
	int64_t i;
	int b;

	CHECK_EQ_INT(parse("{\"z\":1,\"a\":{\"b\":[10,{\"c\":\"x\"}]},\"z\":2,\"t\":true}",
	                   &j, &err), ICP_OK);
	CHECK_EQ_INT(icp_json_len(j), 4);
	CHECK_EQ_STR(j->u.obj.members[0].key, "z");
	CHECK_EQ_STR(j->u.obj.members[1].key, "a");
	CHECK_EQ_INT(icp_json_as_int64(icp_json_get(j, "z"), &i), ICP_OK);
	CHECK_EQ_INT(i, 2); /* last duplicate wins */
	v = icp_json_get_path(j, "a.b.1.c");
	CHECK_EQ_INT(icp_json_as_str(v, &s, &len), ICP_OK);
	CHECK_EQ_STR(s, "x");
	CHECK_EQ_INT(len, 1);
	CHECK(icp_json_get_path(j, "a.b.2") == NULL);
	CHECK(icp_json_get_path(j, "a.x") == NULL);
	CHECK(icp_json_get_path(j, "a.b.x") == NULL);
	CHECK(icp_json_get(j, "missing") == NULL);
	CHECK(icp_json_get(NULL, "z") == NULL);
	CHECK_EQ_INT(icp_json_at(icp_json_get_path(j, "a.b"), 0)->u.num.i, 10);
	CHECK(icp_json_at(j, 0) == NULL);
	CHECK_EQ_INT(icp_json_as_bool(icp_json_get(j, "t"), &b), ICP_OK);
	CHECK_EQ_INT(b, 1);
	CHECK_EQ_INT(icp_json_as_bool(icp_json_get(j, "z"), &b), ICP_ERR_INVALID);
	CHECK_EQ_STR(icp_json_type_name(icp_json_get(j, "a")->type), "object");
}

static void test_limits(void)
{
	char deep[300];
	icp_json *root;
	icp_json_opts o = {0};
	icp_error err;
	int i;

	for (i = 0; i < 64; i++) {
		deep[i] = '[';
		deep[64 + i] = ']';
	}
	CHECK_EQ_INT(parse_n(deep, 128, NULL, &err), ICP_OK);
	for (i = 0; i < 65; i++) {
		deep[i] = '[';
		deep[65 + i] = ']';
	}
	CHECK_EQ_INT(parse_n(deep, 130, NULL, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "depth");
	CHECK_CONTAINS(err.msg, "at byte 64 ");
	o.max_depth = 100;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(A, deep, 130, &o, &root, &err), ICP_OK);
	o.max_depth = 2;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(A, "[[1]]", 5, &o, &root, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(A, "[[[1]]]", 7, &o, &root, &err), ICP_ERR_TOO_LARGE);
	CHECK(root == NULL);
	o.max_depth = 0;
	o.max_input = 4;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(A, "[1,2]", 5, &o, &root, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "exceeds the limit");
}

static void test_error_position(void)
{
	icp_error err;

	CHECK_EQ_INT(parse("{\n  \"a\": 1,\n  \"b\" 2\n}", NULL, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "expected ':' after object key");
	CHECK_CONTAINS(err.msg, "line 3, column 7");
	CHECK_EQ_INT(parse("[1,2", NULL, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "expected ',' or ']' in array at byte 4 (line 1, column 5)");
}

static const char *write_compact(const char *in, icp_buf *b)
{
	const icp_json *j;
	icp_json_writer w;
	icp_error err;

	icp_buf_reset(b);
	if (parse(in, &j, &err) != ICP_OK)
		return "PARSE ERROR";
	icp_json_writer_init(&w, b, 0);
	icp_json_write_value(&w, j);
	if (icp_json_writer_finish(&w) != ICP_OK)
		return "WRITE ERROR";
	return (const char *)b->data;
}

static void test_writer_roundtrip(void)
{
	icp_buf b;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_STR(write_compact(" { \"a\" : [ 1 , -2.50 , true , null ] , \"b\" : { } , \"c\" : [ ] } ", &b),
	             "{\"a\":[1,-2.50,true,null],\"b\":{},\"c\":[]}");
	CHECK_EQ_STR(write_compact("\"\\u0000\\n\\\"\xc3\xa9\\u001f\"", &b),
	             "\"\\u0000\\n\\\"\xc3\xa9\\u001f\"");
	CHECK_EQ_STR(write_compact("[9223372036854775807,-9223372036854775808,123456789012345678901234567890,-0]", &b),
	             "[9223372036854775807,-9223372036854775808,123456789012345678901234567890,-0]");
	icp_buf_dispose(&b);
}

static void test_writer_api(void)
{
	icp_buf b;
	icp_json_writer w;
	const icp_json *j;
	icp_error err;
	char tmp[40];

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "ints");
	icp_json_write_begin_array(&w);
	icp_json_write_int64(&w, INT64_MIN);
	icp_json_write_int64(&w, 0);
	icp_json_write_int64(&w, INT64_MAX);
	icp_json_write_end_array(&w);
	icp_json_write_key(&w, "dbl");
	icp_json_write_begin_array(&w);
	icp_json_write_double(&w, 0.1);
	icp_json_write_double(&w, 1.0);
	icp_json_write_double(&w, -0.0);
	icp_json_write_double(&w, 1e308);
	icp_json_write_double(&w, 5e-324);
	icp_json_write_double(&w, 1.0 / 3.0);
	icp_json_write_end_array(&w);
	icp_json_write_key(&w, "s");
	icp_json_write_string_n(&w, "a\0\"", 3);
	icp_json_write_key(&w, "b");
	icp_json_write_bool(&w, 0);
	icp_json_write_key(&w, "n");
	icp_json_write_null(&w);
	icp_json_write_key(&w, "raw");
	icp_json_write_raw(&w, "{\"x\":1}", 7);
	icp_json_write_end_object(&w);
	CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_OK);
	CHECK_EQ_STR((const char *)b.data,
	             "{\"ints\":[-9223372036854775808,0,9223372036854775807],"
	             "\"dbl\":[0.1,1.0,-0.0,1e+308,5e-324,0.3333333333333333],"
	             "\"s\":\"a\\u0000\\\"\",\"b\":false,\"n\":null,\"raw\":{\"x\":1}}");
	/* every double written reads back to the same bits and type */
	CHECK_EQ_INT(parse((const char *)b.data, &j, &err), ICP_OK);
	CHECK(icp_json_get_path(j, "dbl.1")->type == ICP_JSON_DOUBLE);
	CHECK(icp_json_get_path(j, "dbl.5")->u.num.d == 1.0 / 3.0);
	CHECK(icp_json_get_path(j, "dbl.4")->u.num.d == 5e-324);
	CHECK(signbit(icp_json_get_path(j, "dbl.2")->u.num.d));
	CHECK(icp_json_get_path(j, "ints.0")->u.num.i == INT64_MIN);

	CHECK_EQ_INT(icp_json_format_double(123.456, tmp, sizeof(tmp)), 7);
	CHECK_EQ_STR(tmp, "123.456");
	CHECK_EQ_INT(icp_json_format_double(NAN, tmp, sizeof(tmp)), 0);

	/* pretty */
	icp_buf_reset(&b);
	icp_json_writer_init(&w, &b, 2);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "a");
	icp_json_write_begin_array(&w);
	icp_json_write_int64(&w, 1);
	icp_json_write_int64(&w, 2);
	icp_json_write_end_array(&w);
	icp_json_write_key(&w, "e");
	icp_json_write_begin_object(&w);
	icp_json_write_end_object(&w);
	icp_json_write_end_object(&w);
	CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_OK);
	CHECK_EQ_STR((const char *)b.data, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"e\": {}\n}");

	/* misuse is sticky */
	icp_buf_reset(&b);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_begin_object(&w);
	CHECK_EQ_INT(icp_json_write_int64(&w, 1), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_ERR_INVALID);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_begin_array(&w);
	CHECK_EQ_INT(icp_json_write_key(&w, "k"), ICP_ERR_INVALID);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_begin_array(&w);
	CHECK_EQ_INT(icp_json_write_end_object(&w), ICP_ERR_INVALID);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_begin_array(&w);
	CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_ERR_INVALID);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_int64(&w, 1);
	CHECK_EQ_INT(icp_json_write_int64(&w, 2), ICP_ERR_INVALID);
	icp_json_writer_init(&w, &b, 0);
	CHECK_EQ_INT(icp_json_write_double(&w, INFINITY), ICP_ERR_INVALID);
	/* buffer limit surfaces through finish */
	{
		icp_buf small;
		icp_buf_init(&small, 4);
		icp_json_writer_init(&w, &small, 0);
		icp_json_write_string(&w, "too long for four bytes");
		CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_ERR_TOO_LARGE);
		icp_buf_dispose(&small);
	}
	icp_buf_dispose(&b);
}

/* Significant digits of a formatted number ("1200.0" -> 2, "1.5e-7" -> 2). */
static int sig_digits(const char *s)
{
	char d[40];
	int n = 0, lo = 0;

	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			d[n++] = *s;
	while (lo < n && d[lo] == '0')
		lo++;
	while (n > lo && d[n - 1] == '0')
		n--;
	return n - lo;
}

/* The writer's shortcut (try 15, 16, 17 digits) against the plain search
 * over every precision, on pseudo-random bit patterns of every exponent:
 * it must read back exactly and use no more significant digits (the two
 * may differ in notation: 234176102555840.0 vs 2.3417610255584e+14). */
static void test_shortest_double(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int i, mismatches = 0;

	for (i = 0; i < 200000; i++) {
		char got[40], want[40];
		double v;
		int p, n = 0;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, 8);
		if (isnan(v) || isinf(v))
			continue;
		for (p = 1; p <= 17; p++) {
			n = snprintf(want, sizeof(want), "%.*g", p, v);
			if (strtod(want, NULL) == v)
				break;
		}
		if (!strpbrk(want, ".e")) {
			want[n++] = '.';
			want[n++] = '0';
			want[n] = 0;
		}
		CHECK(icp_json_format_double(v, got, sizeof(got)) > 0);
		if ((strtod(got, NULL) != v || sig_digits(got) > sig_digits(want)) &&
		    mismatches++ < 5)
			fprintf(stderr, "shortest %a: got %s want %s\n", v, got, want);
	}
	CHECK_EQ_INT(mismatches, 0);
}

static void test_alloc_failure(void)
{
	const char *doc = "{\"a\":[1,2,{\"b\":\"\\u00e9\"}],\"c\":1.5}";
	long n;
	int ok_seen = 0;

	/* Failing each allocation in turn yields NOMEM, never a crash. */
	for (n = 1; n < 40 && !ok_seen; n++) {
		icp_arena *a = icp_arena_new(64);
		icp_json *root;
		icp_error err;
		int rc;
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = a ? icp_json_parse(a, doc, strlen(doc), NULL, &root, &err) : ICP_ERR_NOMEM;
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		ok_seen = rc == ICP_OK;
		icp_arena_free(a);
	}
	CHECK(ok_seen);
}

int main(void)
{
	A = icp_arena_new(0);
	TEST_RUN(test_valid);
	TEST_RUN(test_invalid);
	TEST_RUN(test_int_edges);
	TEST_RUN(test_doubles);
	TEST_RUN(test_strings);
	TEST_RUN(test_dom);
	TEST_RUN(test_limits);
	TEST_RUN(test_error_position);
	TEST_RUN(test_writer_roundtrip);
	TEST_RUN(test_writer_api);
	TEST_RUN(test_shortest_double);
	TEST_RUN(test_alloc_failure);
	icp_arena_free(A);
	return TEST_DONE();
}
