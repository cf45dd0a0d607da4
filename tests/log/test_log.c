/*
 * Logger: JSON values that are numbers or booleans stay unquoted, every
 * other value is a string, logfmt is unchanged, FATAL passes any level
 * filter, and a prepared line gets the time of its write. Lines are
 * captured by pointing fd 2 at a temporary file.
 */
#include "log/log.h"
#include "test.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static char captured[8192];

/* Runs fn with stderr going to a file; the line(s) into captured. */
static void capture(void (*fn)(void))
{
	char path[] = "/tmp/icp-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;
	captured[0] = 0;
	if (fd < 0 || saved < 0)
		return;
	dup2(fd, 2);
	fn();
	dup2(saved, 2);
	close(saved);
	n = pread(fd, captured, sizeof(captured) - 1, 0);
	captured[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

static void emit_fields(void)
{
	ICP_ERROR("segment corrupt", "partition", "3", "offset", "-12", "lag", "0.250",
	          "big", "1e9", "ok", "true", "topic", "007", "key", "1.", "name", "12a",
	          "empty", "", "neg", "-", "quote", "a \"b\"", "f", "false");
}

static void test_json_types(void)
{
	icp_log_setup(ICP_LOG_LEVEL_INFO, 1);
	capture(emit_fields);
	CHECK(strncmp(captured, "{\"ts\":\"", 7) == 0);
	CHECK_CONTAINS(captured, "\",\"level\":\"error\",\"msg\":\"segment corrupt\"");
	CHECK_CONTAINS(captured, ",\"partition\":3,\"offset\":-12,\"lag\":0.250,\"big\":1e9,"
	                         "\"ok\":true,\"topic\":\"007\",\"key\":\"1.\",\"name\":\"12a\","
	                         "\"empty\":\"\",\"neg\":\"-\",\"quote\":\"a \\\"b\\\"\","
	                         "\"f\":false}\n");
}

static void test_logfmt_unchanged(void)
{
	icp_log_setup(ICP_LOG_LEVEL_INFO, 0);
	capture(emit_fields);
	CHECK(strncmp(captured, "ts=", 3) == 0);
	CHECK_CONTAINS(captured, " level=error msg=\"segment corrupt\" partition=3 offset=-12 "
	                         "lag=0.250 big=1e9 ok=true topic=007 key=1. name=12a empty=\"\" "
	                         "neg=- quote=\"a \\\"b\\\"\" f=false\n");
}

static void test_literals(void)
{
	static const char *const yes[] = {"0", "-0", "10", "3.25", "1E+5", "2e-3", "-1.5e10",
	                                  "true", "false"};
	static const char *const no[] = {"", "01", "+1", ".5", "1.", "1e", "1e+", "--1", "0x10",
	                                 "NaN", "Infinity", "True", " 1", "1 ", "1.2.3"};
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(yes); i++)
		CHECK(icp_log_is_json_literal(yes[i]));
	for (i = 0; i < ICP_ARRAY_LEN(no); i++)
		if (icp_log_is_json_literal(no[i]))
			CHECK(!"a non-literal was taken for a JSON number");
}

static void emit_filtered(void)
{
	ICP_ERROR("not shown");
	ICP_FATAL("exiting", "exit_code", "3");
}

static void test_fatal_always(void)
{
	icp_log_setup(ICP_LOG_LEVEL_FATAL, 1);
	capture(emit_filtered);
	CHECK(strstr(captured, "not shown") == NULL);
	CHECK_CONTAINS(captured, "\"level\":\"fatal\",\"msg\":\"exiting\",\"exit_code\":3}\n");
	icp_log_setup(ICP_LOG_LEVEL_INFO, 0);
}

static icp_log_prepared prepared;

static void emit_prepared(void)
{
	icp_log_write_prepared(&prepared);
}

static void test_prepared(void)
{
	time_t before = time(NULL);
	struct tm tm;
	char year[16];
	icp_log_setup(ICP_LOG_LEVEL_INFO, 1);
	CHECK_EQ_INT(icp_log_prepare(&prepared, ICP_LOG_LEVEL_ERROR, "deadline", "exit_code", "0",
	                             (const char *)NULL),
	             ICP_OK);
	capture(emit_prepared);
	CHECK(strncmp(captured, "{\"ts\":\"", 7) == 0);
	CHECK(strstr(captured, "0000-00-00") == NULL);
	gmtime_r(&before, &tm);
	snprintf(year, sizeof(year), "%04d-", tm.tm_year + 1900);
	CHECK_CONTAINS(captured, year);
	CHECK_CONTAINS(captured, "Z\",\"level\":\"error\",\"msg\":\"deadline\",\"exit_code\":0}\n");
	icp_log_setup(ICP_LOG_LEVEL_INFO, 0);
	CHECK_EQ_INT(icp_log_prepare(&prepared, ICP_LOG_LEVEL_ERROR, "deadline", (const char *)NULL), ICP_OK);
	capture(emit_prepared);
	CHECK(strncmp(captured, "ts=", 3) == 0);
	CHECK_CONTAINS(captured, "Z level=error msg=deadline\n");
	{
		static char big[2000];
		memset(big, 'x', sizeof(big) - 1);
		CHECK_EQ_INT(icp_log_prepare(&prepared, ICP_LOG_LEVEL_ERROR, big, (const char *)NULL),
		             ICP_ERR_TOO_LARGE);
		captured[0] = 0;
		capture(emit_prepared);
		CHECK_EQ_STR(captured, "");
	}
}

/* The hand-made UTC date agrees with gmtime_r (today; a run in the last
 * seconds of a day may see tomorrow). */
static void emit_now(void)
{
	ICP_INFO("now");
}

static void test_timestamp(void)
{
	time_t t0 = time(NULL);
	struct tm tm;
	char want[32];
	icp_log_setup(ICP_LOG_LEVEL_INFO, 0);
	capture(emit_now);
	gmtime_r(&t0, &tm);
	snprintf(want, sizeof(want), "ts=%04d-%02d-%02dT", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	CHECK(strncmp(captured, want, strlen(want)) == 0 || t0 % 86400 > 86390);
}

int main(void)
{
	TEST_RUN(test_json_types);
	TEST_RUN(test_logfmt_unchanged);
	TEST_RUN(test_literals);
	TEST_RUN(test_fatal_always);
	TEST_RUN(test_prepared);
	TEST_RUN(test_timestamp);
	return TEST_DONE();
}
