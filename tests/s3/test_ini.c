/*
 * The AWS shared-file INI parser: sections, comments, key case, trimming,
 * CRLF, nested blocks, and bounded handling of malformed input.
 */
#include "s3/s3.h"
#include "test.h"

/* Records "section|key=value\n" for each callback. */
static int record(void *ctx, const char *section, const char *key, const char *value)
{
	icp_buf *b = ctx;
	icp_buf_printf(b, "%s|%s=%s\n", section, key, value);
	return 0;
}

static int parse(const char *text, icp_buf *out, icp_error *err)
{
	icp_buf_reset(out);
	icp_error_init(err);
	int rc = icp_s3_ini_parse(text, strlen(text), "test.ini", record, out, err);
	icp_buf_append_byte(out, 0);
	return rc;
}

static void test_basic(void)
{
	icp_buf b;
	icp_error err;
	icp_buf_init(&b, 1 << 16);
	CHECK_EQ_INT(parse("# comment\n"
	                   "; other comment\n"
	                   "top = level\n"
	                   "[default]\n"
	                   "aws_access_key_id = AKID\n"
	                   "AWS_Secret_Access_Key=  se cret  \n"
	                   "\n"
	                   "  [ profile  dev ]  \r\n"
	                   "region: eu-west-1\r\n"
	                   "s3 =\n"
	                   "  addressing_style = path\n"
	                   "  max_concurrent_requests = 4\n"
	                   "output = json\n"
	                   "  indented = after value\n"
	                   "token = a=b:c\n"
	                   "empty =\n"
	                   "last = no newline",
	                   &b, &err), ICP_OK);
	CHECK_EQ_STR((char *)b.data,
	             "|top=level\n"
	             "default|aws_access_key_id=AKID\n"
	             "default|aws_secret_access_key=se cret\n"
	             "profile  dev|region=eu-west-1\n"
	             "profile  dev|s3=\n"
	             "profile  dev|s3.addressing_style=path\n"
	             "profile  dev|s3.max_concurrent_requests=4\n"
	             "profile  dev|output=json\n"
	             "profile  dev|indented=after value\n"
	             "profile  dev|token=a=b:c\n"
	             "profile  dev|empty=\n"
	             "profile  dev|last=no newline\n");
	CHECK_EQ_INT(parse("", &b, &err), ICP_OK);
	CHECK_EQ_STR((char *)b.data, "");
	icp_buf_dispose(&b);
}

static void test_errors(void)
{
	icp_buf b;
	icp_error err;
	char *big;
	icp_buf_init(&b, 1 << 16);

	CHECK_EQ_INT(parse("[default\nk=v\n", &b, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "test.ini:1:");
	CHECK_EQ_INT(parse("[a]\nk=v\njust words\n", &b, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "test.ini:3: expected");
	CHECK_EQ_INT(parse("[a]\n = v\n", &b, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "empty key");
	CHECK_EQ_INT(parse("[", &b, &err), ICP_ERR_CORRUPT);
	{
		const char nul[] = "[a]\nk=v\0x\n";
		icp_error_init(&err);
		CHECK_EQ_INT(icp_s3_ini_parse(nul, sizeof(nul) - 1, "t", record, &b, &err),
		             ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "NUL");
	}
	big = icp_malloc(ICP_S3_INI_MAX_LINE + 10);
	CHECK(big != NULL);
	if (big) {
		memset(big, 'k', ICP_S3_INI_MAX_LINE + 9);
		big[ICP_S3_INI_MAX_LINE + 9] = 0;
		CHECK_EQ_INT(parse(big, &b, &err), ICP_ERR_TOO_LARGE);
		/* Exactly at the limit is fine. */
		big[ICP_S3_INI_MAX_LINE] = 0;
		big[1] = '=';
		CHECK_EQ_INT(parse(big, &b, &err), ICP_OK);
		icp_free(big);
	}
	icp_buf_dispose(&b);
}

static int stop_at_second(void *ctx, const char *section, const char *key, const char *value)
{
	int *n = ctx;
	(void)section;
	(void)key;
	(void)value;
	return ++*n == 2 ? 42 : 0;
}

static void test_stop(void)
{
	int n = 0;
	icp_error err;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_ini_parse("a=1\nb=2\nc=3\n", 12, "t", stop_at_second, &n, &err), 42);
	CHECK_EQ_INT(n, 2);
}

int main(void)
{
	TEST_RUN(test_basic);
	TEST_RUN(test_errors);
	TEST_RUN(test_stop);
	return TEST_DONE();
}
