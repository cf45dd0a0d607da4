/* columns_time.c: timestamptz offsets, before 1970, leap days; time of
 * day; the formats (epoch units) of time columns. */
#include "columns/columns_int.h"
#include "test.h"

static cj_doc doc;

static const cj_node *J(const char *json)
{
	int rc = cj_parse(&doc, (const uint8_t *)json, strlen(json));
	CHECK_EQ_INT(rc, ICP_OK);
	return rc == ICP_OK ? &doc.nodes[0] : NULL;
}

/* Expected instants computed with Python's datetime, not this code. */
static void test_offsets(void)
{
	int64_t us;

	/* +14:00 and -12:00, the extreme zones in use, on a leap day */
	CHECK(icp_cc_timestamp_fmt(J("\"2024-02-29T12:00:00+14:00\""), ICP_COLUMNS_FMT_DEFAULT,
	                           &us));
	CHECK(us == INT64_C(1709157600000000)); /* 2024-02-28T22:00Z */
	CHECK(icp_cc_timestamp_fmt(J("\"2024-02-29T12:00:00-12:00\""), ICP_COLUMNS_FMT_RFC3339,
	                           &us));
	CHECK(us == INT64_C(1709251200000000)); /* 2024-03-01T00:00Z */
	CHECK(icp_cc_timestamp(J("\"2000-03-01T00:30:00+05:30\""), &us) &&
	      us == INT64_C(951850800000000));
	/* before 1970 */
	CHECK(icp_cc_timestamp(J("\"1900-01-01T00:00:00Z\""), &us) &&
	      us == INT64_C(-2208988800000000));
	CHECK(icp_cc_timestamp(J("\"1969-07-20T20:17:40.123456Z\""), &us) &&
	      us == INT64_C(-14182939876544));
	/* 9 fraction digits truncated to micros (towards the past) */
	CHECK(icp_cc_timestamp(J("\"1969-12-31T23:59:59.999999999Z\""), &us) && us == -1);
	CHECK(icp_cc_timestamp(J("\"1970-01-01T00:00:00.000000999Z\""), &us) && us == 0);
	/* a leap day only in leap years (2000 yes, 1900 and 2100 no) */
	CHECK(icp_cc_timestamp(J("\"2000-02-29T00:00:00Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"1900-02-29T00:00:00Z\""), &us));
	CHECK(!icp_cc_timestamp(J("\"2100-02-29T00:00:00Z\""), &us));
	/* no offset: not an instant */
	CHECK(!icp_cc_timestamp_fmt(J("\"2024-02-29T12:00:00\""), ICP_COLUMNS_FMT_EPOCH_MS, &us));
}

static void test_epoch_formats(void)
{
	int64_t us;
	int32_t d;

	/* no format: integer epoch millis (the rule typed columns always had) */
	CHECK(icp_cc_timestamp_fmt(J("1700000000123"), ICP_COLUMNS_FMT_DEFAULT, &us) &&
	      us == INT64_C(1700000000123000));
	CHECK(!icp_cc_timestamp_fmt(J("1.5"), ICP_COLUMNS_FMT_DEFAULT, &us));
	/* rfc3339: strings only */
	CHECK(!icp_cc_timestamp_fmt(J("1700000000123"), ICP_COLUMNS_FMT_RFC3339, &us));
	CHECK(icp_cc_timestamp_fmt(J("\"1970-01-01T00:00:01Z\""), ICP_COLUMNS_FMT_RFC3339, &us) &&
	      us == 1000000);
	/* units; strings stay RFC 3339 */
	CHECK(icp_cc_timestamp_fmt(J("1700000000"), ICP_COLUMNS_FMT_EPOCH_S, &us) &&
	      us == INT64_C(1700000000000000));
	CHECK(icp_cc_timestamp_fmt(J("1700000000.5"), ICP_COLUMNS_FMT_EPOCH_S, &us) &&
	      us == INT64_C(1700000000500000));
	CHECK(icp_cc_timestamp_fmt(J("1.7e9"), ICP_COLUMNS_FMT_EPOCH_S, &us) &&
	      us == INT64_C(1700000000000000));
	CHECK(icp_cc_timestamp_fmt(J("-1.5"), ICP_COLUMNS_FMT_EPOCH_S, &us) && us == -1500000);
	CHECK(icp_cc_timestamp_fmt(J("1700000000123"), ICP_COLUMNS_FMT_EPOCH_MS, &us) &&
	      us == INT64_C(1700000000123000));
	CHECK(icp_cc_timestamp_fmt(J("1.0005"), ICP_COLUMNS_FMT_EPOCH_MS, &us) && us == 1000);
	CHECK(icp_cc_timestamp_fmt(J("1700000000123456"), ICP_COLUMNS_FMT_EPOCH_US, &us) &&
	      us == INT64_C(1700000000123456));
	/* a sub-microsecond fraction is floored (as RFC 3339 digits are) */
	CHECK(icp_cc_timestamp_fmt(J("1.7"), ICP_COLUMNS_FMT_EPOCH_US, &us) && us == 1);
	CHECK(icp_cc_timestamp_fmt(J("-1.5"), ICP_COLUMNS_FMT_EPOCH_US, &us) && us == -2);
	CHECK(icp_cc_timestamp_fmt(J("9223372036854775807"), ICP_COLUMNS_FMT_EPOCH_US, &us) &&
	      us == INT64_MAX);
	CHECK(!icp_cc_timestamp_fmt(J("9223372036854775808"), ICP_COLUMNS_FMT_EPOCH_US, &us));
	CHECK(!icp_cc_timestamp_fmt(J("9223372036855"), ICP_COLUMNS_FMT_EPOCH_S, &us));
	CHECK(icp_cc_timestamp_fmt(J("\"2024-02-29T12:00:00+14:00\""), ICP_COLUMNS_FMT_EPOCH_S,
	                           &us) && us == INT64_C(1709157600000000));
	CHECK(!icp_cc_timestamp_fmt(J("\"1700000000\""), ICP_COLUMNS_FMT_EPOCH_S, &us));
	CHECK(!icp_cc_timestamp_fmt(J("true"), ICP_COLUMNS_FMT_EPOCH_S, &us));
	/* date: the instant's UTC day */
	CHECK(!icp_cc_date_fmt(J("86400"), ICP_COLUMNS_FMT_DEFAULT, &d));
	CHECK(icp_cc_date_fmt(J("86400"), ICP_COLUMNS_FMT_EPOCH_S, &d) && d == 1);
	CHECK(icp_cc_date_fmt(J("86399999"), ICP_COLUMNS_FMT_EPOCH_MS, &d) && d == 0);
	CHECK(icp_cc_date_fmt(J("-1"), ICP_COLUMNS_FMT_EPOCH_US, &d) && d == -1);
	CHECK(icp_cc_date_fmt(J("-86400"), ICP_COLUMNS_FMT_EPOCH_S, &d) && d == -1);
	CHECK(icp_cc_date_fmt(J("-86401"), ICP_COLUMNS_FMT_EPOCH_S, &d) && d == -2);
	CHECK(icp_cc_date_fmt(J("\"2024-02-29\""), ICP_COLUMNS_FMT_EPOCH_S, &d) && d == 19782);
}

static void test_time_of_day(void)
{
	int64_t us;

	CHECK(icp_cc_time(J("\"00:00:00\""), ICP_COLUMNS_FMT_DEFAULT, &us) && us == 0);
	CHECK(icp_cc_time(J("\"23:59:59.999999\""), ICP_COLUMNS_FMT_DEFAULT, &us) &&
	      us == INT64_C(86399999999));
	CHECK(icp_cc_time(J("\"12:34:56.1\""), ICP_COLUMNS_FMT_DEFAULT, &us) &&
	      us == INT64_C(45296100000));
	CHECK(icp_cc_time(J("\"12:34:56.123456789\""), ICP_COLUMNS_FMT_DEFAULT, &us) &&
	      us == INT64_C(45296123456));
	CHECK(!icp_cc_time(J("\"12:34:56.1234567890\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"24:00:00\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"12:60:00\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"12:00:60\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"12:34\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"12:34:56Z\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"12:34:56+01:00\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"12:34:56.\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("\"1:02:03\""), ICP_COLUMNS_FMT_DEFAULT, &us));
	CHECK(!icp_cc_time(J("45296"), ICP_COLUMNS_FMT_DEFAULT, &us)); /* numbers need a unit */
	CHECK(icp_cc_time(J("45296"), ICP_COLUMNS_FMT_EPOCH_S, &us) && us == INT64_C(45296000000));
	CHECK(icp_cc_time(J("1500"), ICP_COLUMNS_FMT_EPOCH_MS, &us) && us == 1500000);
	CHECK(icp_cc_time(J("86399999999"), ICP_COLUMNS_FMT_EPOCH_US, &us));
	CHECK(!icp_cc_time(J("86400000"), ICP_COLUMNS_FMT_EPOCH_MS, &us));
	CHECK(!icp_cc_time(J("-1"), ICP_COLUMNS_FMT_EPOCH_MS, &us));
}

int main(void)
{
	icp_buf_init(&doc.scratch, 0);
	TEST_RUN(test_offsets);
	TEST_RUN(test_epoch_formats);
	TEST_RUN(test_time_of_day);
	icp_vt_doc_dispose(&doc);
	return TEST_DONE();
}
