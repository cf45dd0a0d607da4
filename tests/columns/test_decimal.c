/* columns_decimal.c: exact decimal(P,S) values from number text (HALF_UP
 * rounding, overflow), and uuid text. */
#include "columns/columns_int.h"
#include "test.h"

static cj_doc doc;

static const cj_node *J(const char *json)
{
	int rc = cj_parse(&doc, (const uint8_t *)json, strlen(json));
	CHECK_EQ_INT(rc, ICP_OK);
	return rc == ICP_OK ? &doc.nodes[0] : NULL;
}

/* 16 big-endian two's-complement bytes as decimal text (independent of
 * the code under test: long division of the magnitude by 10). */
static void be_text(const uint8_t be[16], char *out)
{
	uint8_t m[16];
	char tmp[64];
	int neg = be[0] & 0x80, i, n = 0, nz;

	memcpy(m, be, 16);
	if (neg) {
		unsigned c = 1;
		for (i = 15; i >= 0; i--) {
			c += (uint8_t)~m[i];
			m[i] = (uint8_t)c;
			c >>= 8;
		}
	}
	do {
		unsigned r = 0;
		nz = 0;
		for (i = 0; i < 16; i++) {
			unsigned cur = r * 256 + m[i];
			m[i] = (uint8_t)(cur / 10);
			r = cur % 10;
			nz |= m[i];
		}
		tmp[n++] = (char)('0' + r);
	} while (nz);
	i = 0;
	if (neg)
		out[i++] = '-';
	while (n)
		out[i++] = tmp[--n];
	out[i] = '\0';
}

/* decimal(p,s) of json: the unscaled value as text, or "null". */
static const char *D(const char *json, int p, int s)
{
	static char buf[64];
	uint8_t be[16];

	if (!icp_cc_decimal(J(json), p, s, be))
		return "null";
	be_text(be, buf);
	return buf;
}

static void test_exact(void)
{
	CHECK_EQ_STR(D("0.1", 10, 2), "10");
	CHECK_EQ_STR(D("0.1", 38, 37), "1000000000000000000000000000000000000");
	CHECK_EQ_STR(D("1e-2", 38, 2), "1");
	CHECK_EQ_STR(D("1E+2", 10, 2), "10000");
	CHECK_EQ_STR(D("1.5e2", 10, 2), "15000");
	CHECK_EQ_STR(D("-1.5e-1", 10, 2), "-15");
	CHECK_EQ_STR(D("12345678901234567890.12", 38, 2), "1234567890123456789012");
	CHECK_EQ_STR(D("12345678901234567890.12", 38, 4), "123456789012345678901200");
	CHECK_EQ_STR(D("1.2345678901234567890123456789012345e37", 38, 0),
	             "12345678901234567890123456789012345000");
	CHECK_EQ_STR(D("99999999999999999999999999999999999999", 38, 0),
	             "99999999999999999999999999999999999999");
	CHECK_EQ_STR(D("-99999999999999999999999999999999999999", 38, 0),
	             "-99999999999999999999999999999999999999");
	CHECK_EQ_STR(D("0", 5, 5), "0");
	CHECK_EQ_STR(D("-0.0", 10, 2), "0");
	CHECK_EQ_STR(D("0.00000000000000000000000000000000000000000001", 10, 2), "0");
	CHECK_EQ_STR(D("1e-400", 10, 2), "0");
	CHECK_EQ_STR(D("\"000123.4500\"", 10, 2), "12345"); /* strings may */
	/* numeric strings are read the same way, exactly */
	CHECK_EQ_STR(D("\"12.34\"", 10, 2), "1234");
	CHECK_EQ_STR(D("\"+12.34\"", 10, 2), "1234");
	CHECK_EQ_STR(D("\".5\"", 10, 2), "50");
	CHECK_EQ_STR(D("\"5.\"", 10, 2), "500");
	CHECK_EQ_STR(D("\"-7e3\"", 10, 0), "-7000");
	/* the limits of each storage width */
	CHECK_EQ_STR(D("9999999.99", 9, 2), "999999999");
	CHECK_EQ_STR(D("-99999999.9999999999", 18, 10), "-999999999999999999");
	CHECK_EQ_STR(D("-0.0000000000000000001", 19, 19), "-1");
}

static void test_rounding(void)
{
	/* HALF_UP: the first dropped digit >= 5 rounds away from zero */
	CHECK_EQ_STR(D("0.125", 10, 2), "13");
	CHECK_EQ_STR(D("0.1249999", 10, 2), "12");
	CHECK_EQ_STR(D("-0.125", 10, 2), "-13");
	CHECK_EQ_STR(D("-0.005", 10, 2), "-1");
	CHECK_EQ_STR(D("-0.0049", 10, 2), "0");
	CHECK_EQ_STR(D("0.005", 10, 2), "1");
	CHECK_EQ_STR(D("2.5", 10, 0), "3");
	CHECK_EQ_STR(D("5e-3", 10, 2), "1");
	CHECK_EQ_STR(D("0.995", 3, 2), "100");
	CHECK_EQ_STR(D("1.5e-1", 10, 0), "0");
}

static void test_out_of_range(void)
{
	uint8_t be[16];

	/* decimal(10,2) holds 8 integer digits */
	CHECK_EQ_STR(D("12345678.99", 10, 2), "1234567899");
	CHECK_EQ_STR(D("123456789", 10, 2), "null");
	CHECK_EQ_STR(D("-123456789.1", 10, 2), "null");
	CHECK_EQ_STR(D("1e8", 10, 2), "null");
	CHECK_EQ_STR(D("99999999.995", 10, 2), "null"); /* rounds to 10^8 */
	CHECK_EQ_STR(D("99999999.994", 10, 2), "9999999999");
	CHECK_EQ_STR(D("0.995", 2, 2), "null");
	CHECK_EQ_STR(D("100000000000000000000000000000000000000", 38, 0), "null");
	CHECK_EQ_STR(D("1e38", 38, 0), "null");
	CHECK_EQ_STR(D("1e999999999999", 38, 0), "null");
	CHECK_EQ_STR(D("1234567890123456789012345678901234567", 38, 2), "null");
	CHECK_EQ_INT(icp_columns_parse_decimal("1e8", 3, 10, 2, be), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(icp_columns_parse_decimal("1", 1, 39, 0, be), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_columns_parse_decimal("1", 1, 5, 6, be), ICP_ERR_INVALID);
	/* not numbers */
	CHECK_EQ_STR(D("\"abc\"", 10, 2), "null");
	CHECK_EQ_STR(D("\"\"", 10, 2), "null");
	CHECK_EQ_STR(D("\" 1\"", 10, 2), "null");
	CHECK_EQ_STR(D("\"1 \"", 10, 2), "null");
	CHECK_EQ_STR(D("\"NaN\"", 10, 2), "null");
	CHECK_EQ_STR(D("\"1e\"", 10, 2), "null");
	CHECK_EQ_STR(D("\".\"", 10, 2), "null");
	CHECK_EQ_STR(D("\"--1\"", 10, 2), "null");
	CHECK_EQ_STR(D("\"0x10\"", 10, 2), "null");
	CHECK_EQ_STR(D("true", 10, 2), "null");
	CHECK_EQ_STR(D("[1]", 10, 2), "null");
}

static void test_uuid(void)
{
	static const uint8_t want[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
	                                 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
	uint8_t u[16];

	CHECK(icp_cc_uuid(J("\"123e4567-e89b-12d3-a456-426614174000\""), u));
	CHECK(memcmp(u, want, 16) == 0);
	CHECK(icp_cc_uuid(J("\"123E4567-E89B-12D3-A456-426614174000\""), u));
	CHECK(memcmp(u, want, 16) == 0);
	CHECK(icp_cc_uuid(J("\"ffffffff-ffff-ffff-ffff-ffffffffffff\""), u) && u[0] == 0xff &&
	      u[15] == 0xff);
	CHECK(!icp_cc_uuid(J("\"123e4567e89b12d3a456426614174000\""), u));     /* no dashes */
	CHECK(!icp_cc_uuid(J("\"{123e4567-e89b-12d3-a456-426614174000}\""), u));
	CHECK(!icp_cc_uuid(J("\"123e4567-e89b-12d3-a456-42661417400g\""), u));
	CHECK(!icp_cc_uuid(J("\"123e4567-e89b-12d3-a456_426614174000\""), u));
	CHECK(!icp_cc_uuid(J("\"123e4567-e89b-12d3-a456-4266141740000\""), u)); /* 37 */
	CHECK(!icp_cc_uuid(J("\"\""), u));
	CHECK(!icp_cc_uuid(J("1"), u));
}

int main(void)
{
	icp_buf_init(&doc.scratch, 0);
	TEST_RUN(test_exact);
	TEST_RUN(test_rounding);
	TEST_RUN(test_out_of_range);
	TEST_RUN(test_uuid);
	icp_vt_doc_dispose(&doc);
	return TEST_DONE();
}
