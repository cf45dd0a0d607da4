/*
 * S3 response bodies: ListObjectsV2 pages (the shape of AWS's documented
 * example, prefixes, truncation, escapes, CDATA, comments, attributes) and
 * Error bodies; then malformed, truncated and oversized input, which must
 * come back as CORRUPT / TOO_LARGE naming the offset.
 */
#include "s3/s3.h"
#include "test.h"

static int list(const char *xml, icp_s3_list_page *pg, icp_error *err)
{
	icp_s3_list_page_dispose(pg);
	icp_error_init(err);
	return icp_s3_xml_parse_list(xml, strlen(xml), pg, err);
}

static void test_list(void)
{
	icp_s3_list_page pg;
	icp_error err;
	icp_s3_list_page_init(&pg);
	CHECK_EQ_INT(list("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
	                  "  <Name>bucket</Name>\n  <Prefix/>\n  <KeyCount>205</KeyCount>\n"
	                  "  <MaxKeys>1000</MaxKeys>\n  <IsTruncated>false</IsTruncated>\n"
	                  "  <Contents>\n    <Key>my-image.jpg</Key>\n"
	                  "    <LastModified>2009-10-12T17:50:30.000Z</LastModified>\n"
	                  "    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>\n"
	                  "    <Size>434234</Size>\n    <StorageClass>STANDARD</StorageClass>\n"
	                  "  </Contents>\n"
	                  "  <Contents><Key>a &amp; b &lt;c&gt; &#233;&#x20AC;&#x1F600;</Key>"
	                  "<Size>18446744073709551615</Size></Contents>\n"
	                  "  <Contents><Key><![CDATA[raw <key> & more]]></Key><!-- note -->"
	                  "<Size>0</Size></Contents>\n"
	                  "</ListBucketResult>\n", &pg, &err), ICP_OK);
	CHECK_EQ_INT(pg.n, 3);
	CHECK_EQ_INT(pg.is_truncated, 0);
	CHECK(pg.next_token == NULL);
	if (pg.n == 3) {
		CHECK_EQ_STR(pg.items[0].key, "my-image.jpg");
		CHECK(pg.items[0].size == 434234);
		CHECK_EQ_INT(pg.items[0].is_prefix, 0);
		/* 2009-10-12T17:50:30Z = 1255369830 s */
		CHECK(pg.items[0].mtime_ms == INT64_C(1255369830000));
		CHECK(pg.items[1].mtime_ms == 0); /* no LastModified: unknown */
		CHECK_EQ_STR(pg.items[1].key, "a & b <c> \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
		CHECK(pg.items[1].size == UINT64_MAX);
		CHECK_EQ_STR(pg.items[2].key, "raw <key> & more");
	}

	/* Delimited and truncated. */
	CHECK_EQ_INT(list("<ListBucketResult><IsTruncated>true</IsTruncated>"
	                  "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
	                  "</NextContinuationToken>"
	                  "<Contents><Key>t/00000000000000000000.kfs</Key><Size>12</Size></Contents>"
	                  "<CommonPrefixes><Prefix>t/p0/</Prefix></CommonPrefixes>"
	                  "<CommonPrefixes><Prefix>t/p1/</Prefix></CommonPrefixes>"
	                  "<Delimiter>/</Delimiter><EncodingType>url</EncodingType>"
	                  "</ListBucketResult>", &pg, &err), ICP_OK);
	CHECK_EQ_INT(pg.is_truncated, 1);
	CHECK_EQ_STR(pg.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	CHECK_EQ_INT(pg.n, 3);
	if (pg.n == 3) {
		CHECK_EQ_STR(pg.items[0].key, "t/00000000000000000000.kfs");
		CHECK_EQ_INT(pg.items[1].is_prefix, 1);
		CHECK_EQ_STR(pg.items[1].key, "t/p0/");
		CHECK_EQ_STR(pg.items[2].key, "t/p1/");
		CHECK(pg.items[0].mtime_ms == 0);
		CHECK(pg.items[2].size == 0);
	}
	/* Empty bucket; and many items (growth). */
	CHECK_EQ_INT(list("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
	                  &pg, &err), ICP_OK);
	CHECK_EQ_INT(pg.n, 0);
	/* LastModified: read per item, never carried to the next one; an
	 * unreadable one is unknown (0), not an error */
	CHECK_EQ_INT(list("<ListBucketResult><IsTruncated>false</IsTruncated>"
	                  "<Contents><Key>a</Key><LastModified>1970-01-01T00:00:01.5Z"
	                  "</LastModified><Size>1</Size></Contents>"
	                  "<Contents><Key>b</Key><Size>1</Size></Contents>"
	                  "<Contents><Key>c</Key><LastModified>yesterday</LastModified>"
	                  "<Size>1</Size></Contents>"
	                  "<Contents><Key>d</Key><Size>1</Size><LastModified>"
	                  "2026-12-07T03:00:00Z</LastModified></Contents>"
	                  "</ListBucketResult>", &pg, &err), ICP_OK);
	CHECK_EQ_INT(pg.n, 4);
	if (pg.n == 4) {
		CHECK(pg.items[0].mtime_ms == 1500);
		CHECK(pg.items[1].mtime_ms == 0);
		CHECK(pg.items[2].mtime_ms == 0);
		CHECK(pg.items[3].mtime_ms == INT64_C(1796612400000));
	}
	icp_s3_list_page_dispose(&pg);
	{
		icp_buf b;
		int i;
		icp_buf_init(&b, ICP_BUF_UNLIMITED);
		icp_buf_append_str(&b, "<ListBucketResult>");
		for (i = 0; i < 1000; i++)
			icp_buf_printf(&b, "<Contents><Key>k%04d</Key><Size>%d</Size></Contents>", i, i);
		icp_buf_append_str(&b, "</ListBucketResult>");
		icp_buf_append_byte(&b, 0);
		CHECK_EQ_INT(list((char *)b.data, &pg, &err), ICP_OK);
		CHECK_EQ_INT(pg.n, 1000);
		if (pg.n == 1000) {
			CHECK_EQ_STR(pg.items[999].key, "k0999");
			CHECK(pg.items[999].size == 999);
		}
		icp_buf_dispose(&b);
	}
	icp_s3_list_page_dispose(&pg);
}

static void bad_list(const char *xml, int want, const char *msg)
{
	icp_s3_list_page pg;
	icp_error err;
	icp_s3_list_page_init(&pg);
	CHECK_EQ_INT(list(xml, &pg, &err), want);
	CHECK_CONTAINS(err.msg, msg);
	icp_s3_list_page_dispose(&pg);
}

static void test_malformed(void)
{
	icp_buf b;
	int i;

	bad_list("", ICP_ERR_CORRUPT, "truncated");
	bad_list("   ", ICP_ERR_CORRUPT, "truncated");
	bad_list("<ListBucketResult><Contents><Key>a</Key>", ICP_ERR_CORRUPT, "truncated");
	bad_list("<ListBucketResult></ListBucket>", ICP_ERR_CORRUPT, "mismatched end tag at 18");
	bad_list("<ListBucketResult></ListBucketResult><x/>", ICP_ERR_CORRUPT, "second root");
	bad_list("junk<ListBucketResult/>", ICP_ERR_CORRUPT, "outside the root");
	bad_list("<Other><a>1</a></Other>", ICP_ERR_CORRUPT, "expected <ListBucketResult>");
	bad_list("<!DOCTYPE x [<!ENTITY e \"boom\">]><ListBucketResult/>", ICP_ERR_CORRUPT,
	         "DOCTYPE");
	bad_list("<ListBucketResult><Contents><Key>&e;</Key></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "character reference");
	bad_list("<ListBucketResult><Contents><Key>&#0;</Key></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "character reference");
	bad_list("<ListBucketResult><Contents><Key>&#xD800;</Key></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "character reference");
	bad_list("<ListBucketResult><Contents><Key>&#x110000;</Key></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "character reference");
	bad_list("<ListBucketResult><Contents><Key>a &amp</Key></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "character reference");
	bad_list("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "without <Key>");
	bad_list("<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>",
	         ICP_ERR_CORRUPT, "without <Size>");
	bad_list("<ListBucketResult><Contents><Key>a</Key><Key>b</Key><Size>1</Size></Contents>"
	         "</ListBucketResult>", ICP_ERR_CORRUPT, "repeated <Key>");
	bad_list("<ListBucketResult><CommonPrefixes></CommonPrefixes></ListBucketResult>",
	         ICP_ERR_CORRUPT, "without <Prefix>");
	bad_list("<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents>"
	         "</ListBucketResult>", ICP_ERR_CORRUPT, "decimal uint64");
	bad_list("<ListBucketResult><Contents><Key>a</Key><Size>18446744073709551616</Size>"
	         "</Contents></ListBucketResult>", ICP_ERR_CORRUPT, "decimal uint64");
	bad_list("<ListBucketResult><Contents><Key>a</Key><Size></Size></Contents>"
	         "</ListBucketResult>", ICP_ERR_CORRUPT, "decimal uint64");
	bad_list("<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>",
	         ICP_ERR_CORRUPT, "IsTruncated");
	bad_list("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
	         ICP_ERR_CORRUPT, "without NextContinuationToken");
	bad_list("<ListBucketResult><!-- open", ICP_ERR_CORRUPT, "unterminated comment");
	bad_list("<ListBucketResult><![CDATA[x", ICP_ERR_CORRUPT, "unterminated CDATA");
	bad_list("<?xml", ICP_ERR_CORRUPT, "unterminated <?");
	bad_list("<ListBucketResult a=\"x>", ICP_ERR_CORRUPT, "unterminated tag");
	bad_list("<ListBucketResult><", ICP_ERR_CORRUPT, "bad tag");
	bad_list("<ListBucketResult></ListBucketResult", ICP_ERR_CORRUPT, "bad end tag");
	{
		static const char nul[] = "<ListBucketResult>\0</ListBucketResult>";
		icp_s3_list_page pg;
		icp_error err;
		icp_s3_list_page_init(&pg);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_s3_xml_parse_list(nul, sizeof(nul) - 1, &pg, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "NUL byte at 18");
	}

	/* Limits. */
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	for (i = 0; i < ICP_S3_XML_MAX_DEPTH + 1; i++)
		icp_buf_append_str(&b, i ? "<a>" : "<ListBucketResult>");
	icp_buf_append_byte(&b, 0);
	bad_list((char *)b.data, ICP_ERR_TOO_LARGE, "deeper than 32");
	icp_buf_reset(&b);
	icp_buf_append_str(&b, "<ListBucketResult><Contents><Key>");
	for (i = 0; i < ICP_S3_XML_MAX_TEXT; i++)
		icp_buf_append_byte(&b, 'k');
	icp_buf_append_str(&b, "k</Key></Contents></ListBucketResult>");
	icp_buf_append_byte(&b, 0);
	bad_list((char *)b.data, ICP_ERR_TOO_LARGE, "longer than 65536");
	icp_buf_dispose(&b);
}

static void test_error_body(void)
{
	icp_s3_error_body e;
	icp_error err;
	static const char body[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<Error>\n  <Code>NoSuchKey</Code>\n"
		"  <Message>The resource you requested does not exist</Message>\n"
		"  <Resource>/mybucket/myfoto.jpg</Resource>\n"
		"  <RequestId>4442587FB7D0A2F9</RequestId>\n</Error>";

	icp_s3_error_body_init(&e);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_xml_parse_error(body, sizeof(body) - 1, &e, &err), ICP_OK);
	CHECK_EQ_STR(e.code, "NoSuchKey");
	CHECK_EQ_STR(e.message, "The resource you requested does not exist");
	CHECK_EQ_STR(e.request_id, "4442587FB7D0A2F9");
	icp_s3_error_body_dispose(&e);

	CHECK_EQ_INT(icp_s3_xml_parse_error("<Error><Code>SlowDown</Code></Error>", 36, &e, &err),
	             ICP_OK);
	CHECK_EQ_STR(e.code, "SlowDown");
	CHECK(e.message == NULL);
	icp_s3_error_body_dispose(&e);

	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_xml_parse_error("<html>502</html>", 16, &e, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "expected <Error>");
	icp_s3_error_body_dispose(&e);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_xml_parse_error("<Error><Code>X", 14, &e, &err), ICP_ERR_CORRUPT);
	icp_s3_error_body_dispose(&e);
}

static void test_sts(void)
{
	static const char ok[] =
		"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <AssumeRoleWithWebIdentityResult>\n"
		"    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A"
		"</SubjectFromWebIdentityToken>\n"
		"    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Role/app1</Arn>"
		"<AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId></AssumedRoleUser>\n"
		"    <Credentials>\n"
		"      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>\n"
		"      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
		"      <Expiration>2014-10-24T23:00:23Z</Expiration>\n"
		"      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
		"    </Credentials>\n"
		"    <Provider>www.amazon.com</Provider>\n"
		"  </AssumeRoleWithWebIdentityResult>\n"
		"  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>"
		"</ResponseMetadata>\n"
		"</AssumeRoleWithWebIdentityResponse>\n";
	static const char err_body[] =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		"<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
		"<Message>Couldn't retrieve verification key</Message></Error>"
		"<RequestId>c2f7c7d8-1234</RequestId></ErrorResponse>";
	icp_s3_credentials c;
	icp_s3_error_body e;
	icp_error err;

	icp_s3_credentials_init(&c);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_xml_parse_sts_credentials(ok, sizeof(ok) - 1, &c, &err), ICP_OK);
	CHECK_EQ_STR(c.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
	CHECK_EQ_STR(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	CHECK_EQ_STR(c.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
	CHECK(c.expires_ms == 1414191623000LL);
	icp_s3_credentials_dispose(&c);

	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_xml_parse_sts_credentials(err_body, sizeof(err_body) - 1, &c, &err),
	             ICP_ERR_CORRUPT);
	icp_s3_error_body_init(&e);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_xml_parse_error(err_body, sizeof(err_body) - 1, &e, &err), ICP_OK);
	CHECK_EQ_STR(e.code, "InvalidIdentityToken");
	CHECK_EQ_STR(e.message, "Couldn't retrieve verification key");
	CHECK_EQ_STR(e.request_id, "c2f7c7d8-1234");
	icp_s3_error_body_dispose(&e);

	icp_error_init(&err);
	{
		static const char no_token[] =
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>";
		CHECK_EQ_INT(icp_s3_xml_parse_sts_credentials(no_token, sizeof(no_token) - 1, &c,
		                                              &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "SessionToken");
	}
	icp_error_init(&err);
	{
		static const char bad_exp[] =
			"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			"<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
			"<SessionToken>T</SessionToken><Expiration>soon</Expiration>"
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>";
		CHECK_EQ_INT(icp_s3_xml_parse_sts_credentials(bad_exp, sizeof(bad_exp) - 1, &c,
		                                              &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "Expiration \"soon\"");
	}
	CHECK(c.access_key_id == NULL);
	icp_s3_credentials_dispose(&c);
}

static void test_alloc_failures(void)
{
	static const char xml[] =
		"<ListBucketResult><IsTruncated>true</IsTruncated>"
		"<NextContinuationToken>tok</NextContinuationToken>"
		"<Contents><Key>a</Key><Size>1</Size></Contents>"
		"<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>";
	long n;
	int ok = 0;
	for (n = 1; n < 100 && !ok; n++) {
		icp_s3_list_page pg;
		icp_error err;
		int rc;
		icp_s3_list_page_init(&pg);
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_s3_xml_parse_list(xml, sizeof(xml) - 1, &pg, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		if (rc == ICP_OK) {
			ok = 1;
			CHECK_EQ_INT(pg.n, 2);
		}
		icp_s3_list_page_dispose(&pg);
	}
	CHECK(ok);
}

int main(void)
{
	TEST_RUN(test_list);
	TEST_RUN(test_malformed);
	TEST_RUN(test_error_body);
	TEST_RUN(test_sts);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
