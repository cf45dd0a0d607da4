/* Human-readable partition values (Iceberg Java's toHumanString) and the
 * escaped "name=value/..." path of a partition. */
#include "pspec/pspec.h"
#include "test.h"

#include <math.h>

#define TS_2017 INT64_C(1510871468000000) /* 2017-11-16T22:31:08 UTC, micros */

static char out[512];

static const char *human_t(icp_pspec_transform t, icp_pspec_value v)
{
	icp_pspec_field f;
	icp_buf b;

	memset(&f, 0, sizeof(f));
	f.transform = t;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_pspec_human(&f, &v, &b), ICP_OK);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.data ? (char *)b.data : "");
	icp_buf_dispose(&b);
	return out;
}

static const char *human(icp_pspec_value v)
{
	return human_t(ICP_PSPEC_IDENTITY, v);
}

static icp_pspec_value iv(icp_ice_kind k, int64_t i)
{
	return icp_pspec_value_int(k, i);
}

static icp_pspec_value dv(icp_ice_kind k, double d)
{
	icp_pspec_value v = icp_pspec_value_int(k, 0);
	v.d = d;
	return v;
}

static icp_pspec_value dec(const char *bytes, size_t n, int32_t scale)
{
	return icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, bytes, n, scale);
}

static void test_time_results(void)
{
	CHECK_EQ_STR(human_t(ICP_PSPEC_YEAR, iv(ICP_ICE_INT, 47)), "2017");
	CHECK_EQ_STR(human_t(ICP_PSPEC_YEAR, iv(ICP_ICE_INT, -1)), "1969");
	CHECK_EQ_STR(human_t(ICP_PSPEC_MONTH, iv(ICP_ICE_INT, 574)), "2017-11");
	CHECK_EQ_STR(human_t(ICP_PSPEC_MONTH, iv(ICP_ICE_INT, -1)), "1969-12");
	CHECK_EQ_STR(human_t(ICP_PSPEC_MONTH, iv(ICP_ICE_INT, -12)), "1969-01");
	CHECK_EQ_STR(human_t(ICP_PSPEC_DAY, iv(ICP_ICE_INT, 17486)), "2017-11-16");
	CHECK_EQ_STR(human_t(ICP_PSPEC_DAY, iv(ICP_ICE_INT, -1)), "1969-12-31");
	CHECK_EQ_STR(human_t(ICP_PSPEC_DAY, iv(ICP_ICE_INT, 11016)), "2000-02-29");
	CHECK_EQ_STR(human_t(ICP_PSPEC_HOUR, iv(ICP_ICE_INT, 17486 * 24 + 22)), "2017-11-16-22");
	CHECK_EQ_STR(human_t(ICP_PSPEC_HOUR, iv(ICP_ICE_INT, -1)), "1969-12-31-23");
	CHECK_EQ_STR(human_t(ICP_PSPEC_BUCKET, iv(ICP_ICE_INT, 3)), "3");
	CHECK_EQ_STR(human_t(ICP_PSPEC_DAY, icp_pspec_value_null(ICP_ICE_INT)), "null");
	CHECK_EQ_STR(human_t(ICP_PSPEC_VOID, iv(ICP_ICE_LONG, 3)), "null");
}

static void test_by_kind(void)
{
	static const uint8_t uuid[] = {0xf7, 0x9c, 0x3e, 0x09, 0x67, 0x7c, 0x4b, 0xbd,
	                               0xa4, 0x79, 0x3f, 0x34, 0x9c, 0xb7, 0x85, 0xe7};

	CHECK_EQ_STR(human(iv(ICP_ICE_BOOLEAN, 1)), "true");
	CHECK_EQ_STR(human(iv(ICP_ICE_BOOLEAN, 0)), "false");
	CHECK_EQ_STR(human(iv(ICP_ICE_INT, -5)), "-5");
	CHECK_EQ_STR(human(iv(ICP_ICE_LONG, INT64_MIN)), "-9223372036854775808");
	CHECK_EQ_STR(human(iv(ICP_ICE_DATE, 17486)), "2017-11-16");
	CHECK_EQ_STR(human(iv(ICP_ICE_DATE, -719528)), "0000-01-01");
	/* years beyond 0..9999: String.format("%04d") for dates, ISO for
	 * timestamps, as Iceberg Java */
	CHECK_EQ_STR(human(iv(ICP_ICE_DATE, -719529)), "-001-12-31");
	CHECK_EQ_STR(human(iv(ICP_ICE_DATE, 2932897)), "10000-01-01");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMP, INT64_C(2932897) * 86400000000)),
	             "+10000-01-01T00:00:00");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMP, INT64_C(-719529) * 86400000000)),
	             "-0001-12-31T00:00:00");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIME, INT64_C(81068000000))), "22:31:08");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIME, INT64_C(81060000000))), "22:31");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIME, INT64_C(81068500000))), "22:31:08.500");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIME, INT64_C(81068000001))), "22:31:08.000001");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIME, 0)), "00:00");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMP, TS_2017)), "2017-11-16T22:31:08");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMP, TS_2017 - 8000000)), "2017-11-16T22:31:00");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMP, TS_2017 + 500000)), "2017-11-16T22:31:08.5");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMP, TS_2017 + 1)), "2017-11-16T22:31:08.000001");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMPTZ, TS_2017)), "2017-11-16T22:31:08+00:00");
	CHECK_EQ_STR(human(iv(ICP_ICE_TIMESTAMPTZ, -1)), "1969-12-31T23:59:59.999999+00:00");
	CHECK_EQ_STR(human(icp_pspec_value_of_bytes(ICP_ICE_STRING, "a b/c", 5, 0)), "a b/c");
	CHECK_EQ_STR(human(icp_pspec_value_of_bytes(ICP_ICE_UUID, uuid, 16, 0)),
	             "f79c3e09-677c-4bbd-a479-3f349cb785e7");
	CHECK_EQ_STR(human(icp_pspec_value_of_bytes(ICP_ICE_BINARY, "\0\1\2\3", 4, 0)),
	             "AAECAw==");
	CHECK_EQ_STR(human(icp_pspec_value_of_bytes(ICP_ICE_FIXED, "\xff", 1, 0)), "/w==");
	CHECK_EQ_STR(human(icp_pspec_value_null(ICP_ICE_STRING)), "null");
}

static void test_decimal(void)
{
	CHECK_EQ_STR(human(dec("\x05\x8c", 2, 2)), "14.20");
	CHECK_EQ_STR(human(dec("\xfb\xb4", 2, 2)), "-11.00");
	CHECK_EQ_STR(human(dec("\xfb", 1, 2)), "-0.05");
	CHECK_EQ_STR(human(dec("\x00", 1, 2)), "0.00");
	CHECK_EQ_STR(human(dec("\x05", 1, 0)), "5");
	CHECK_EQ_STR(human(dec("\x01", 1, 6)), "0.000001");
	CHECK_EQ_STR(human(dec("\x01", 1, 8)), "1E-8");
	CHECK_EQ_STR(human(dec("\x7b", 1, 9)), "1.23E-7");
	CHECK_EQ_STR(human(dec("\x80", 1, 0)), "-128");
	CHECK_EQ_STR(human(dec("\x4b\x3b\x4c\xa8\x5a\x86\xc4\x7a\x09\x8a\x22\x3f\xff\xff\xff\xff",
	                       16, 2)),
	             "999999999999999999999999999999999999.99");
	CHECK_EQ_STR(human(dec("\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, 0)),
	             "-170141183460469231731687303715884105728");
}

static void test_java_doubles(void)
{
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 1.0)), "1.0");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 123.456)), "123.456");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 0.001)), "0.001");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 1e-4)), "1.0E-4");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 1234567.0)), "1234567.0");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 1e7)), "1.0E7");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 12345678.9)), "1.23456789E7");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, -0.0)), "-0.0");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, 0.1 + 0.2)), "0.30000000000000004");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, NAN)), "NaN");
	CHECK_EQ_STR(human(dv(ICP_ICE_DOUBLE, -INFINITY)), "-Infinity");
	CHECK_EQ_STR(human(dv(ICP_ICE_FLOAT, (float)0.1)), "0.1");
	CHECK_EQ_STR(human(dv(ICP_ICE_FLOAT, 1e10f)), "1.0E10");
}

static void test_path(void)
{
	static const char *const cols[][2] = {
		{"id", "long"}, {"name", "string"}, {"ts", "timestamptz"}, {"x", "double"},
		{"é", "string"},
	};
	const char *ex[] = {"day(ts)", "bucket(16, id)", "name", "void(x)", "ts", "é"};
	icp_ice_schema *s = icp_ice_schema_new(0);
	icp_pspec_value vals[6];
	icp_pspec *p = NULL;
	icp_ice_type t;
	icp_error err;
	icp_buf b;

	for (size_t i = 0; i < ICP_ARRAY_LEN(cols); i++) {
		icp_ice_parse_primitive(cols[i][1], &t);
		icp_ice_schema_add(s, (int32_t)i + 1, cols[i][0], 0, &t);
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_build(s, ex, 6, 0, 999, &p, &err), ICP_OK);
	if (!p)
		goto out;
	vals[0] = iv(ICP_ICE_INT, 17486);
	vals[1] = iv(ICP_ICE_INT, 3);
	vals[2] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "a b/c=d%*.-_~", 13, 0);
	vals[3] = icp_pspec_value_null(ICP_ICE_DOUBLE);
	vals[4] = iv(ICP_ICE_TIMESTAMPTZ, TS_2017);
	vals[5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "\xc3\xa9", 2, 0);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_pspec_path(p, vals, &b), ICP_OK);
	icp_buf_append_byte(&b, 0);
	CHECK_EQ_STR((char *)b.data, "ts_day=2017-11-16/id_bucket=3/name=a+b%2Fc%3Dd%25*.-_%7E/"
	                             "x_null=null/ts=2017-11-16T22%3A31%3A08%2B00%3A00/"
	                             "%C3%A9=%C3%A9");
	/* appends after what is there; unpartitioned adds nothing */
	icp_buf_reset(&b);
	icp_buf_append_str(&b, "data/");
	p->n_fields = 1;
	CHECK_EQ_INT(icp_pspec_path(p, vals, &b), ICP_OK);
	icp_buf_append_byte(&b, 0);
	CHECK_EQ_STR((char *)b.data, "data/ts_day=2017-11-16");
	p->n_fields = 0;
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_pspec_path(p, vals, &b), ICP_OK);
	CHECK_EQ_INT(b.len, 0);
	p->n_fields = 6;
	/* a bounded buffer reports TOO_LARGE */
	icp_buf_dispose(&b);
	icp_buf_init(&b, 10);
	CHECK_EQ_INT(icp_pspec_path(p, vals, &b), ICP_ERR_TOO_LARGE);
	icp_buf_dispose(&b);
out:
	icp_pspec_free(p);
	icp_ice_schema_free(s);
}

int main(void)
{
	TEST_RUN(test_time_results);
	TEST_RUN(test_by_kind);
	TEST_RUN(test_decimal);
	TEST_RUN(test_java_doubles);
	TEST_RUN(test_path);
	return TEST_DONE();
}
