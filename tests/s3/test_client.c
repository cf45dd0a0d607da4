/* Unit tests of the network-free parts of src/s3/s3_client.c: backoff
 * schedule, retry classification, addressing, URL decoding, error
 * messages. The client against a server is tests/s3/it_*.sh. */
#include "s3/s3_int.h"
#include "test.h"

static void test_backoff(void)
{
	/* Ceiling doubles from the base and stops at the cap. */
	CHECK_EQ_INT(icp_s3_backoff_ms(1, 100, 10000, UINT64_MAX - 1), (UINT64_MAX - 1) % 101);
	CHECK_EQ_INT(icp_s3_backoff_ms(1, 100, 10000, 100), 100);
	CHECK_EQ_INT(icp_s3_backoff_ms(2, 100, 10000, 200), 200);
	CHECK_EQ_INT(icp_s3_backoff_ms(3, 100, 10000, 400), 400);
	CHECK_EQ_INT(icp_s3_backoff_ms(3, 100, 10000, 401), 0);
	CHECK_EQ_INT(icp_s3_backoff_ms(8, 100, 10000, 10000), 10000);
	CHECK_EQ_INT(icp_s3_backoff_ms(40, 100, 10000, 10000), 10000);
	CHECK_EQ_INT(icp_s3_backoff_ms(40, 100, 10000, 10001), 0);
	CHECK_EQ_INT(icp_s3_backoff_ms(0, 100, 10000, 5), 0);
	/* Full jitter: values spread over [0, ceiling]. */
	{
		uint64_t r;
		long lo = 1 << 30, hi = 0, v;
		for (r = 0; r < 1000; r++) {
			v = icp_s3_backoff_ms(4, 100, 10000, r * 2654435761u);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			CHECK(v >= 0 && v <= 800);
		}
		CHECK(lo < 100 && hi > 700);
	}
}

static void test_retryable(void)
{
	CHECK(icp_s3_retryable(500, "InternalError"));
	CHECK(icp_s3_retryable(503, "SlowDown"));
	CHECK(icp_s3_retryable(503, NULL));
	CHECK(icp_s3_retryable(429, NULL));
	CHECK(icp_s3_retryable(400, "RequestTimeout"));
	CHECK(icp_s3_retryable(200, "InternalError")); /* complete-multipart 200 error */
	CHECK(icp_s3_retryable(0, NULL));              /* no response */
	CHECK(!icp_s3_retryable(403, "AccessDenied"));
	CHECK(!icp_s3_retryable(403, "SignatureDoesNotMatch"));
	CHECK(!icp_s3_retryable(404, "NoSuchKey"));
	CHECK(!icp_s3_retryable(404, "NoSuchBucket"));
	CHECK(!icp_s3_retryable(412, "PreconditionFailed"));
	CHECK(!icp_s3_retryable(400, "InvalidArgument"));
	CHECK_EQ_INT(icp_s3_class_of(0), ICP_S3_CLASS_NONE);
	CHECK_EQ_INT(icp_s3_class_of(204), ICP_S3_CLASS_2XX);
	CHECK_EQ_INT(icp_s3_class_of(304), ICP_S3_CLASS_3XX);
	CHECK_EQ_INT(icp_s3_class_of(404), ICP_S3_CLASS_4XX);
	CHECK_EQ_INT(icp_s3_class_of(503), ICP_S3_CLASS_5XX);
	CHECK_EQ_STR(icp_s3_op_name(ICP_S3_OP_MULTIPART), "multipart");
	CHECK_EQ_STR(icp_s3_class_name(ICP_S3_CLASS_5XX), "5xx");
}

static void addr(const char *ep, const char *region, int path_style, const char *bucket,
                 const char *key, const char *want_host, const char *want_path,
                 const char *want_url)
{
	icp_buf h, p, u;
	icp_error err;
	icp_buf_init(&h, 4096);
	icp_buf_init(&p, 4096);
	icp_buf_init(&u, 4096);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_address(ep, region, path_style, bucket, key, &h, &p, &u, &err), ICP_OK);
	CHECK_EQ_STR((const char *)h.data, want_host);
	CHECK_EQ_STR((const char *)p.data, want_path);
	CHECK_EQ_STR((const char *)u.data, want_url);
	icp_buf_dispose(&h);
	icp_buf_dispose(&p);
	icp_buf_dispose(&u);
}

static void test_address(void)
{
	icp_buf h, p, u;
	icp_error err;

	addr("", "eu-west-1", 0, "my-bucket", "a/b c+d.kfs", "my-bucket.s3.eu-west-1.amazonaws.com",
	     "/a/b c+d.kfs", "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c%2Bd.kfs");
	addr("", NULL, 1, "my-bucket", "k", "s3.us-east-1.amazonaws.com", "/my-bucket/k",
	     "https://s3.us-east-1.amazonaws.com/my-bucket/k");
	addr("http://127.0.0.1:9000", "us-east-1", 1, "b", "t/\xc3\xbc.kfs", "127.0.0.1:9000",
	     "/b/t/\xc3\xbc.kfs", "http://127.0.0.1:9000/b/t/%C3%BC.kfs");
	addr("https://minio.local:9000/", "x", 0, "b", NULL, "b.minio.local:9000", "/",
	     "https://b.minio.local:9000/");
	addr("http://h", "x", 1, "b", NULL, "h", "/b", "http://h/b");
	addr("http://h", "x", 1, "b", "a//b/../c", "h", "/b/a//b/../c", "http://h/b/a//b/../c");

	icp_buf_init(&h, 4096);
	icp_buf_init(&p, 4096);
	icp_buf_init(&u, 4096);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_address("ftp://h", "r", 1, "b", "k", &h, &p, &u, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "ftp://h");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_address("http://h/path", "r", 1, "b", "k", &h, &p, &u, &err),
	             ICP_ERR_INVALID);
	icp_error_init(&err);
	/* A dotted bucket breaks the TLS wildcard of a virtual host. */
	CHECK_EQ_INT(icp_s3_address("", "r", 0, "my.bucket", "k", &h, &p, &u, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "path_style");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_address("", "r", 0, "UPPER", "k", &h, &p, &u, &err), ICP_ERR_INVALID);
	icp_buf_dispose(&h);
	icp_buf_dispose(&p);
	icp_buf_dispose(&u);
}

static void test_url_decode(void)
{
	icp_buf b;
	icp_error err;
	icp_buf_init(&b, 1024);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_url_decode("a+b%2Bc%20d%C3%BC/x", &b, &err), ICP_OK);
	CHECK_EQ_STR((const char *)b.data, "a b+c d\xc3\xbc/x");
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_s3_url_decode("bad%2", &b, &err), ICP_ERR_CORRUPT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_url_decode("bad%zz", &b, &err), ICP_ERR_CORRUPT);
	icp_buf_dispose(&b);
}

static void test_fail_message(void)
{
	static const char body[] = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>"
	                           "<Message>The specified bucket does not exist</Message>"
	                           "<RequestId>R1</RequestId></Error>";
	icp_error err;
	int retry = 1;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_fail("GET", "bkt", "t/p/1.kfs", 404, body, sizeof(body) - 1,
	                                &retry, &err), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(retry, 0);
	CHECK_CONTAINS(err.msg, "bkt");
	CHECK_CONTAINS(err.msg, "t/p/1.kfs");
	CHECK_CONTAINS(err.msg, "NoSuchBucket");
	CHECK_CONTAINS(err.msg, "does not exist");
	CHECK_CONTAINS(err.msg, "R1");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_fail("HEAD", "b", "k", 404, "", 0, &retry, &err),
	             ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "NotFound");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_fail("PUT", "b", "k", 412, "", 0, &retry, &err),
	             ICP_ERR_CONFLICT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_fail("PUT", "b", "k", 503,
	                                "<Error><Code>SlowDown</Code></Error>", 36, &retry, &err),
	             ICP_ERR_RETRYABLE);
	CHECK_EQ_INT(retry, 1);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_fail("PUT", "b", "k", 403, "not xml", 7, &retry, &err),
	             ICP_ERR_IO);
	CHECK_EQ_INT(retry, 0);
}

static void test_client_opts(void)
{
	icp_s3_client_opts o;
	icp_s3_client *c = NULL;
	icp_error err;

	icp_s3_client_opts_init(&o);
	o.access_key_id = "AK";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_new(&o, &c, &err), ICP_ERR_INVALID);
	CHECK(c == NULL);
	o.secret_access_key = "SK";
	o.endpoint = "gopher://x";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_new(&o, &c, &err), ICP_ERR_INVALID);
	o.endpoint = "http://127.0.0.1:1";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_new(&o, &c, &err), ICP_OK);
	icp_s3_client_free(c);
	icp_s3_client_free(NULL);
}

int main(void)
{
	TEST_RUN(test_backoff);
	TEST_RUN(test_retryable);
	TEST_RUN(test_address);
	TEST_RUN(test_url_decode);
	TEST_RUN(test_fail_message);
	TEST_RUN(test_client_opts);
	return TEST_DONE();
}
