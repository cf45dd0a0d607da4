/*
 * The JSON credentials document (IMDS, container endpoint,
 * credential_process), ISO 8601 expirations and the refresh check.
 */
#include "s3/s3.h"
#include "test.h"

static int parse(const char *json, icp_s3_credentials *c, icp_error *err)
{
	icp_s3_credentials_dispose(c);
	icp_error_init(err);
	return icp_s3_cred_parse_json(json, strlen(json), "imds", c, err);
}

static void test_documents(void)
{
	icp_s3_credentials c;
	icp_error err;
	icp_s3_credentials_init(&c);
	/* The shape of the IMDS security-credentials document. */
	CHECK_EQ_INT(parse("{\n  \"Code\" : \"Success\",\n"
	                   "  \"LastUpdated\" : \"2012-04-26T16:39:16Z\",\n"
	                   "  \"Type\" : \"AWS-HMAC\",\n"
	                   "  \"AccessKeyId\" : \"ASIAIOSFODNN7EXAMPLE\",\n"
	                   "  \"SecretAccessKey\" : \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\n"
	                   "  \"Token\" : \"tok\\/en\",\n"
	                   "  \"Expiration\" : \"2017-05-17T15:09:54Z\"\n}", &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
	CHECK_EQ_STR(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	CHECK_EQ_STR(c.session_token, "tok/en");
	CHECK(c.expires_ms == 1495033794000LL);
	CHECK_EQ_INT(icp_s3_credentials_expiring(&c, 1495033794000LL - 300001, 300000), 0);
	CHECK_EQ_INT(icp_s3_credentials_expiring(&c, 1495033794000LL - 300000, 300000), 1);
	/* credential_process: Version 1, SessionToken, fractional time. */
	CHECK_EQ_INT(parse("{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\","
	                   "\"SessionToken\": \"T\", \"Expiration\": \"2024-02-29T23:59:59.123+00:00\"}",
	                   &c, &err), ICP_OK);
	CHECK_EQ_STR(c.session_token, "T");
	CHECK(c.expires_ms == 1709251199123LL);
	/* Long-lived: no token, no expiry. */
	CHECK_EQ_INT(parse("{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}", &c, &err), ICP_OK);
	CHECK(c.session_token == NULL);
	CHECK(c.expires_ms == 0);
	CHECK_EQ_INT(icp_s3_credentials_expiring(&c, INT64_MAX / 2, 0), 0);
	icp_s3_credentials_dispose(&c);
}

static void test_bad(void)
{
	icp_s3_credentials c;
	icp_error err;
	icp_s3_credentials_init(&c);
	CHECK_EQ_INT(parse("{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"Message\": \"x\"}",
	                   &c, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "AssumeRoleUnauthorizedAccess");
	CHECK_EQ_INT(parse("{\"AccessKeyId\": \"A\"}", &c, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "imds: credentials document lacks");
	CHECK_EQ_INT(parse("{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"\"}", &c, &err),
	             ICP_ERR_CORRUPT);
	CHECK_EQ_INT(parse("{\"AccessKeyId\": \"A\\u0000B\", \"SecretAccessKey\": \"S\"}", &c, &err),
	             ICP_ERR_CORRUPT);
	CHECK_EQ_INT(parse("{\"AccessKeyId\": 5, \"SecretAccessKey\": \"S\"}", &c, &err),
	             ICP_ERR_CORRUPT);
	CHECK_EQ_INT(parse("[1]", &c, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(parse("{\"AccessKeyId\": \"A\", ", &c, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "imds");
	CHECK_EQ_INT(parse("{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\", "
	                   "\"Expiration\": \"tomorrow\"}", &c, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "Expiration \"tomorrow\"");
	CHECK(c.access_key_id == NULL);
	icp_s3_credentials_dispose(&c);
}

static void test_iso8601(void)
{
	int64_t t = -1;
	CHECK_EQ_INT(icp_s3_parse_iso8601("1970-01-01T00:00:00Z", &t), ICP_OK);
	CHECK(t == 0);
	CHECK_EQ_INT(icp_s3_parse_iso8601("2013-05-24T00:00:00.5Z", &t), ICP_OK);
	CHECK(t == 1369353600500LL);
	CHECK_EQ_INT(icp_s3_parse_iso8601("2013-05-24T00:00:00", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_s3_parse_iso8601("2013-05-24T00:00:00+02:00", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_s3_parse_iso8601("2013-13-24T00:00:00Z", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_s3_parse_iso8601("2013-05-24 00:00:00Z", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_s3_parse_iso8601("2013-05-24T00:00:00ZZ", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_s3_parse_iso8601("", &t), ICP_ERR_INVALID);
}

static void test_alloc_failures(void)
{
	static const char doc[] = "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\", "
	                          "\"Token\": \"T\", \"Expiration\": \"2017-05-17T15:09:54Z\"}";
	long n;
	int ok = 0;
	for (n = 1; n < 100 && !ok; n++) {
		icp_s3_credentials c;
		icp_error err;
		int rc;
		icp_s3_credentials_init(&c);
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_s3_cred_parse_json(doc, sizeof(doc) - 1, "t", &c, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		if (rc == ICP_OK) {
			ok = 1;
			CHECK_EQ_STR(c.session_token, "T");
		}
		icp_s3_credentials_dispose(&c);
	}
	CHECK(ok);
}

int main(void)
{
	TEST_RUN(test_documents);
	TEST_RUN(test_bad);
	TEST_RUN(test_iso8601);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
