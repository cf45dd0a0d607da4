/*
 * Unit tests for the etcd module's pieces that need no server: base64
 * decoding, request bodies, reply decoding, error mapping, prefix ends,
 * option checks and the "no endpoint answered" path (a closed port).
 */
#include "etcd/etcd_int.h"
#include "test.h"

static icp_slice S(const char *s)
{
	return icp_slice_cstr(s);
}

static const char *enc_text(icp_buf *b)
{
	icp_buf_append_byte(b, 0);
	return (const char *)b->data;
}

static void test_b64_decode(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_slice out;
	static const char *bad[] = {"A", "AB=", "A===", "AB=C", "Zm9v!A==", "Zm9=", "Zg==Zg==", "Zh=="};
	size_t i;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_b64_decode(a, "", 0, &out, &err), ICP_OK);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(icp_etcd_b64_decode(a, "Zm9vYmFy", 8, &out, &err), ICP_OK);
	CHECK(icp_slice_eq(out, S("foobar")));
	CHECK_EQ_INT(icp_etcd_b64_decode(a, "Zm9vYg==", 8, &out, &err), ICP_OK);
	CHECK(icp_slice_eq(out, S("foob")));
	CHECK_EQ_INT(icp_etcd_b64_decode(a, "Zm9vYmE=", 8, &out, &err), ICP_OK);
	CHECK(icp_slice_eq(out, S("fooba")));
	CHECK_EQ_INT(icp_etcd_b64_decode(a, "AP8=", 4, &out, &err), ICP_OK);
	CHECK_EQ_INT(out.len, 2);
	CHECK(out.ptr[0] == 0 && out.ptr[1] == 0xff);
	for (i = 0; i < ICP_ARRAY_LEN(bad); i++) {
		icp_error_init(&err);
		CHECK_EQ_INT(icp_etcd_b64_decode(a, bad[i], strlen(bad[i]), &out, &err),
		             ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "base64");
	}
	/* Round trip of every byte value through core's encoder. */
	{
		uint8_t all[256];
		icp_buf b;
		for (i = 0; i < 256; i++)
			all[i] = (uint8_t)i;
		for (i = 0; i <= 256; i += 37) {
			icp_buf_init(&b, ICP_BUF_UNLIMITED);
			icp_buf_append_base64(&b, all, 256 - i);
			icp_error_init(&err);
			CHECK_EQ_INT(icp_etcd_b64_decode(a, (const char *)b.data, b.len, &out, &err), ICP_OK);
			CHECK(icp_slice_eq(out, icp_slice_make(all, 256 - i)));
			icp_buf_dispose(&b);
		}
	}
	icp_arena_free(a);
}

static void test_prefix_end(void)
{
	uint8_t out[8];
	size_t n;

	n = icp_etcd_prefix_end(S("abc"), out);
	CHECK_EQ_INT(n, 3);
	CHECK(memcmp(out, "abd", 3) == 0);
	n = icp_etcd_prefix_end(icp_slice_make("a\xff\xff", 3), out);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(out[0], 'b');
	n = icp_etcd_prefix_end(icp_slice_make("\xff", 1), out);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(out[0], 0);
	n = icp_etcd_prefix_end(icp_slice_make(NULL, 0), out);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(out[0], 0);
}

static void test_encode(void)
{
	icp_buf b;
	icp_error err;
	icp_etcd_range_req rr;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	memset(&rr, 0, sizeof(rr));
	rr.key = S("foo");
	rr.range_end = S("fop");
	rr.limit = 10;
	rr.count_only = 1;
	CHECK_EQ_INT(icp_etcd_enc_range(&b, &rr), ICP_OK);
	CHECK_EQ_STR(enc_text(&b),
	             "{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"limit\":\"10\",\"count_only\":true}");

	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_etcd_enc_put(&b, S("k"), S(""), INT64_MAX), ICP_OK);
	CHECK_EQ_STR(enc_text(&b),
	             "{\"key\":\"aw==\",\"value\":\"\",\"lease\":\"9223372036854775807\"}");

	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_etcd_enc_delete(&b, S("k"), icp_slice_make(NULL, 0)), ICP_OK);
	CHECK_EQ_STR(enc_text(&b), "{\"key\":\"aw==\"}");

	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_etcd_enc_i64_field(&b, "TTL", 30), ICP_OK);
	CHECK_EQ_STR(enc_text(&b), "{\"TTL\":\"30\"}");

	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_etcd_enc_auth(&b, "root", "p\"w"), ICP_OK);
	CHECK_EQ_STR(enc_text(&b), "{\"name\":\"root\",\"password\":\"p\\\"w\"}");

	{
		icp_etcd_cmp cmps[2];
		icp_etcd_op ok[1], ko[1];
		icp_etcd_txn t;

		memset(cmps, 0, sizeof(cmps));
		memset(ok, 0, sizeof(ok));
		memset(ko, 0, sizeof(ko));
		cmps[0].target = ICP_ETCD_CMP_VERSION;
		cmps[0].op = ICP_ETCD_EQUAL;
		cmps[0].key = S("k");
		cmps[1].target = ICP_ETCD_CMP_VALUE;
		cmps[1].op = ICP_ETCD_NOT_EQUAL;
		cmps[1].key = S("k");
		cmps[1].value = S("v");
		ok[0].type = ICP_ETCD_OP_PUT;
		ok[0].key = S("k");
		ok[0].value = S("v");
		ok[0].lease = 7;
		ko[0].type = ICP_ETCD_OP_GET;
		ko[0].key = S("k");
		t.cmps = cmps;
		t.n_cmps = 2;
		t.success = ok;
		t.n_success = 1;
		t.failure = ko;
		t.n_failure = 1;
		icp_buf_reset(&b);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_etcd_enc_txn(&b, &t, &err), ICP_OK);
		CHECK_EQ_STR(enc_text(&b),
		             "{\"compare\":["
		             "{\"target\":\"VERSION\",\"result\":\"EQUAL\",\"key\":\"aw==\",\"version\":\"0\"},"
		             "{\"target\":\"VALUE\",\"result\":\"NOT_EQUAL\",\"key\":\"aw==\",\"value\":\"dg==\"}],"
		             "\"success\":[{\"request_put\":{\"key\":\"aw==\",\"value\":\"dg==\",\"lease\":\"7\"}}],"
		             "\"failure\":[{\"request_range\":{\"key\":\"aw==\"}}]}");

		cmps[0].target = (icp_etcd_cmp_target)9;
		icp_buf_reset(&b);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_etcd_enc_txn(&b, &t, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "compare[0]");
	}
	icp_buf_dispose(&b);
}

static int parse(icp_arena *a, const char *s, icp_json **root)
{
	icp_error err;

	icp_error_init(&err);
	return icp_json_parse(a, s, strlen(s), NULL, root, &err);
}

static void test_decode(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root;
	icp_error err;
	icp_etcd_range_resp r;
	icp_etcd_txn_resp t;
	int64_t v, code;

	/* As etcd 3.4 answers: int64s as strings, defaults omitted. */
	CHECK_EQ_INT(parse(a, "{\"header\":{\"cluster_id\":\"1\",\"revision\":\"42\"},"
	                      "\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"3\","
	                      "\"version\":\"2\",\"value\":\"YmFy\",\"lease\":\"9223372036854775807\"},"
	                      "{\"key\":\"Zm9w\",\"create_revision\":\"4\",\"mod_revision\":\"4\",\"version\":\"1\"}],"
	                      "\"count\":\"5\",\"more\":true}", &root), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_range(a, root, &r, &err), ICP_OK);
	CHECK_EQ_INT(r.revision, 42);
	CHECK_EQ_INT(r.count, 5);
	CHECK_EQ_INT(r.more, 1);
	CHECK_EQ_INT(r.n, 2);
	if (r.n == 2) {
		CHECK(icp_slice_eq(r.kvs[0].key, S("foo")));
		CHECK(icp_slice_eq(r.kvs[0].value, S("bar")));
		CHECK_EQ_INT(r.kvs[0].mod_revision, 3);
		CHECK_EQ_INT(r.kvs[0].version, 2);
		CHECK(r.kvs[0].lease == INT64_MAX);
		CHECK(icp_slice_eq(r.kvs[1].key, S("fop")));
		CHECK_EQ_INT(r.kvs[1].value.len, 0);
		CHECK_EQ_INT(r.kvs[1].lease, 0);
	}
	/* An empty range: no kvs, no count. */
	CHECK_EQ_INT(parse(a, "{\"header\":{\"revision\":\"2\"}}", &root), ICP_OK);
	CHECK_EQ_INT(icp_etcd_dec_range(a, root, &r, &err), ICP_OK);
	CHECK_EQ_INT(r.n, 0);
	CHECK_EQ_INT(r.count, 0);

	/* Untrusted replies: wrong types, bad base64, bad int64. */
	{
		static const char *bad[] = {
			"{\"kvs\":{}}",
			"{\"kvs\":[{\"key\":\"Zm9\"}]}",
			"{\"kvs\":[{\"key\":5}]}",
			"{\"kvs\":[{\"key\":\"Zm9v\",\"version\":\"1x\"}]}",
			"{\"count\":\"9223372036854775808\"}",
			"{\"count\":\"-\"}",
			"{\"count\":1.5}",
			"{\"header\":[]}",
			"{\"more\":\"yes\"}",
			"[]",
		};
		size_t i;
		for (i = 0; i < ICP_ARRAY_LEN(bad); i++) {
			CHECK_EQ_INT(parse(a, bad[i], &root), ICP_OK);
			icp_error_init(&err);
			CHECK_EQ_INT(icp_etcd_dec_range(a, root, &r, &err), ICP_ERR_CORRUPT);
			CHECK(err.msg[0] != 0);
		}
	}
	CHECK_EQ_INT(parse(a, "{\"a\":\"-9223372036854775808\",\"b\":12}", &root), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_i64(root, "a", &v, &err), ICP_OK);
	CHECK(v == INT64_MIN);
	CHECK_EQ_INT(icp_etcd_dec_i64(root, "b", &v, &err), ICP_OK);
	CHECK_EQ_INT(v, 12);

	/* Txn: a failed compare omits "succeeded". */
	CHECK_EQ_INT(parse(a, "{\"header\":{\"revision\":\"7\"},\"responses\":[{\"response_range\":"
	                      "{\"header\":{\"revision\":\"7\"},\"kvs\":[{\"key\":\"aw==\",\"value\":\"dg==\","
	                      "\"version\":\"1\"}],\"count\":\"1\"}}]}", &root), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_txn(a, root, &t, &err), ICP_OK);
	CHECK_EQ_INT(t.succeeded, 0);
	CHECK_EQ_INT(t.revision, 7);
	CHECK_EQ_INT(t.n_responses, 1);
	if (t.n_responses == 1) {
		CHECK_EQ_INT(t.responses[0].type, ICP_ETCD_OP_GET);
		CHECK_EQ_INT(t.responses[0].range.n, 1);
		CHECK(icp_slice_eq(t.responses[0].range.kvs[0].value, S("v")));
	}
	CHECK_EQ_INT(parse(a, "{\"succeeded\":true,\"responses\":[{\"response_put\":{}},"
	                      "{\"response_delete_range\":{\"deleted\":\"3\"}}]}", &root), ICP_OK);
	CHECK_EQ_INT(icp_etcd_dec_txn(a, root, &t, &err), ICP_OK);
	CHECK_EQ_INT(t.succeeded, 1);
	CHECK_EQ_INT(t.n_responses, 2);
	if (t.n_responses == 2) {
		CHECK_EQ_INT(t.responses[0].type, ICP_ETCD_OP_PUT);
		CHECK_EQ_INT(t.responses[1].type, ICP_ETCD_OP_DELETE);
		CHECK_EQ_INT(t.responses[1].deleted, 3);
	}
	CHECK_EQ_INT(parse(a, "{\"responses\":[{\"response_what\":{}}]}", &root), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_txn(a, root, &t, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "responses[0]");

	/* Error replies, both shapes. */
	CHECK_EQ_INT(parse(a, "{\"error\":\"etcdserver: requested lease not found\","
	                      "\"message\":\"etcdserver: requested lease not found\",\"code\":5}", &root),
	             ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_error(root, 0, "http://h:1/v3/lease/revoke", &code, &err),
	             ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(code, 5);
	CHECK_CONTAINS(err.msg, "requested lease not found");
	CHECK_CONTAINS(err.msg, "http://h:1/v3/lease/revoke");
	CHECK_EQ_INT(parse(a, "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
	                      "\"message\":\"etcdserver: no leader\"}}", &root), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_error(root, 0, "u", &code, &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "no leader");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_error(root, 1, "u", &code, &err), ICP_ERR_UNKNOWN);
	CHECK_EQ_INT(parse(a, "{\"header\":{}}", &root), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_dec_error(root, 1, "u", &code, &err), ICP_OK);
	CHECK_EQ_INT(err.status, ICP_OK);

	CHECK_EQ_INT(icp_etcd_grpc_status(3, 0), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_etcd_grpc_status(16, 1), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_etcd_grpc_status(4, 0), ICP_ERR_RETRYABLE);
	CHECK_EQ_INT(icp_etcd_grpc_status(4, 1), ICP_ERR_UNKNOWN);
	CHECK_EQ_INT(icp_etcd_grpc_status(12, 0), ICP_ERR_UNSUPPORTED);
	icp_arena_free(a);
}

/* Every allocation of a decode may fail: NOMEM comes back, nothing leaks
 * (ASan checks the latter), and once enough allocations succeed it works. */
static void test_decode_nomem(void)
{
	static const char *text =
		"{\"header\":{\"revision\":\"9\"},\"kvs\":[{\"key\":\"Zm9v\",\"value\":\"YmFy\"},"
		"{\"key\":\"Zm9w\",\"value\":\"YmF6\"}],\"count\":\"2\"}";
	long n;
	int ok = 0;

	for (n = 1; n < 200 && !ok; n++) {
		icp_arena *a = icp_arena_new(64);
		icp_json *root = NULL;
		icp_etcd_range_resp r;
		icp_error err;
		int rc = ICP_ERR_NOMEM;

		icp_error_init(&err);
		if (a) {
			icp_alloc_fail_after(n);
			rc = icp_json_parse(a, text, strlen(text), NULL, &root, &err);
			if (rc == ICP_OK)
				rc = icp_etcd_dec_range(a, root, &r, &err);
			icp_alloc_fail_after(0);
		}
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		if (rc == ICP_OK) {
			ok = 1;
			CHECK_EQ_INT(r.n, 2);
			CHECK(r.n == 2 && icp_slice_eq(r.kvs[1].value, S("baz")));
		}
		icp_arena_free(a);
	}
	CHECK(ok);
}

static void test_client_opts(void)
{
	icp_etcd_opts o;
	icp_etcd *c = NULL;
	icp_error err;
	const char *eps[] = {"127.0.0.1:1/", ""};

	memset(&o, 0, sizeof(o));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_new(&o, &c, &err), ICP_ERR_INVALID);
	CHECK(c == NULL);
	o.endpoints = eps;
	o.n_endpoints = 2;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_new(&o, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "endpoints[1]");
	o.n_endpoints = 1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_new(&o, &c, &err), ICP_OK);
	if (c)
		CHECK_EQ_STR(icp_etcd_current_endpoint(c), "http://127.0.0.1:1");
	icp_etcd_free(c);
	icp_etcd_free(NULL);
}

/* Port 1 on loopback refuses connections: every call fails fast with
 * RETRYABLE naming the URL; a put is not "unknown" since nothing was sent. */
static void test_unreachable(void)
{
	icp_etcd_opts o;
	icp_etcd *c = NULL;
	icp_error err;
	icp_arena *a = icp_arena_new(0);
	icp_etcd_kv *kv;
	const char *eps[] = {"http://127.0.0.1:1", "http://127.0.0.1:1/"};

	memset(&o, 0, sizeof(o));
	o.endpoints = eps;
	o.n_endpoints = 2;
	o.timeout_ms = 2000;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_new(&o, &c, &err), ICP_OK);
	if (c) {
		icp_error_init(&err);
		CHECK_EQ_INT(icp_etcd_get(c, a, S("k"), &kv, &err), ICP_ERR_RETRYABLE);
		CHECK_CONTAINS(err.msg, "http://127.0.0.1:1/v3/kv/range");
		CHECK_CONTAINS(err.msg, "; http://127.0.0.1:1/v3/kv/range");
		icp_error_init(&err);
		CHECK_EQ_INT(icp_etcd_put(c, S("k"), S("v"), 0, NULL, &err), ICP_ERR_RETRYABLE);
		CHECK_CONTAINS(err.msg, "/v3/kv/put");
	}
	icp_etcd_free(c);
	icp_arena_free(a);
}

int main(void)
{
	TEST_RUN(test_b64_decode);
	TEST_RUN(test_prefix_end);
	TEST_RUN(test_encode);
	TEST_RUN(test_decode);
	TEST_RUN(test_decode_nomem);
	TEST_RUN(test_client_opts);
	TEST_RUN(test_unreachable);
	return TEST_DONE();
}
