/* Tests for src/lfs: envelope recognition and parsing, checksum
 * verification (sha256, md5, crc32, none, size), and the fetch pool. */
#include "lfs/lfs.h"

#include "../test.h"

#include <pthread.h>

static icp_slice S(const char *s)
{
	return icp_slice_make((const uint8_t *)s, strlen(s));
}

/* "abc": sha256 ba7816bf..., md5 900150983cd24fb0d6963f7d28e17f72,
 * crc32 352441c2 */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_detect(void)
{
	CHECK(icp_lfs_is_envelope(S("{\"kfs_lfs\":1,\"bucket\":\"b\"}")));
	CHECK(icp_lfs_is_envelope(S("{ \"x\": 1, \"kfs_lfs\": 1}")));
	CHECK(!icp_lfs_is_envelope(S(" {\"kfs_lfs\":1}")));  /* must start with { */
	CHECK(!icp_lfs_is_envelope(S("{\"a\":\"0123456789012345678901234567890123456789\",\"kfs_lfs\":1}")));
	CHECK(!icp_lfs_is_envelope(S("{}")));
	CHECK(!icp_lfs_is_envelope(S("")));
	CHECK(!icp_lfs_is_envelope(S("plain text kfs_lfs")));
}

static void test_parse(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_lfs_envelope e;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\",\"key\":\"k/x\",\"size\":3,"
	                             "\"sha256\":\"" SHA_ABC "\",\"content_type\":\"text/plain\"}"),
	                           a, &e, &err), ICP_OK);
	CHECK_EQ_STR(e.bucket, "b");
	CHECK_EQ_STR(e.key, "k/x");
	CHECK_EQ_INT(e.size, 3);
	CHECK_EQ_INT(e.alg, ICP_LFS_ALG_SHA256);
	CHECK_EQ_STR(e.checksum, SHA_ABC);
	CHECK_EQ_STR(e.content_type, "text/plain");

	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\",\"key\":\"k\",\"sha256\":\"x\","
	                             "\"checksum\":\"352441C2\",\"checksum_alg\":\"crc32\"}"),
	                           a, &e, &err), ICP_OK);
	CHECK_EQ_INT(e.alg, ICP_LFS_ALG_CRC32);
	CHECK_EQ_INT(e.size, -1);
	CHECK(e.content_type == NULL);

	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\",\"sha256\":\"x\"}"), a, &e, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "\"key\" is missing");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":7,\"key\":\"k\",\"sha256\":\"x\"}"), a, &e,
	                           &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "\"bucket\" is not a string");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\",\"key\":\"k\",\"sha256\":\"x\","
	                             "\"checksum\":\"1\",\"checksum_alg\":\"sha1\"}"), a, &e, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "sha1");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\",\"key\":\"k\",\"sha256\":\"x\","
	                             "\"size\":-1}"), a, &e, &err), ICP_ERR_CORRUPT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\""), a, &e, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "LFS envelope");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_parse(S("[\"kfs_lfs\"]"), a, &e, &err), ICP_ERR_CORRUPT);
	icp_error_init(&err);
	/* a NUL inside a string member is not a usable bucket or key */
	CHECK_EQ_INT(icp_lfs_parse(S("{\"kfs_lfs\":1,\"bucket\":\"b\\u0000c\",\"key\":\"k\",\"sha256\":\"x\"}"),
	                           a, &e, &err), ICP_ERR_CORRUPT);
	icp_arena_free(a);
}

static void verify_one(const char *alg, const char *sum, int want)
{
	icp_lfs_envelope e;
	icp_error err;
	memset(&e, 0, sizeof(e));
	e.bucket = "b";
	e.key = "k";
	e.size = -1;
	e.checksum = sum;
	e.checksum_alg = alg;
	e.alg = strcmp(alg, "sha256") == 0 ? ICP_LFS_ALG_SHA256
	        : strcmp(alg, "md5") == 0  ? ICP_LFS_ALG_MD5
	        : strcmp(alg, "crc32") == 0 ? ICP_LFS_ALG_CRC32
	                                    : ICP_LFS_ALG_NONE;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_verify(&e, S("abc"), &err), want);
	if (want != ICP_OK)
		CHECK_CONTAINS(err.msg, "checksum mismatch");
}

static void test_verify(void)
{
	icp_lfs_envelope e;
	icp_error err;
	verify_one("sha256", SHA_ABC, ICP_OK);
	verify_one("sha256", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", ICP_OK);
	verify_one("sha256", "00", ICP_ERR_CORRUPT);
	verify_one("md5", "900150983cd24fb0d6963f7d28e17f72", ICP_OK);
	verify_one("md5", "900150983cd24fb0d6963f7d28e17f73", ICP_ERR_CORRUPT);
	verify_one("crc32", "352441c2", ICP_OK);
	verify_one("crc32", "352441c3", ICP_ERR_CORRUPT);
	verify_one("none", "anything", ICP_OK);
	memset(&e, 0, sizeof(e));
	e.bucket = "b";
	e.key = "k";
	e.size = 4;
	e.alg = ICP_LFS_ALG_NONE;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_verify(&e, S("abc"), &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "3 bytes, envelope says 4");
	CHECK_EQ_STR(icp_lfs_reason(ICP_ERR_NOT_FOUND), "not_found");
	CHECK_EQ_STR(icp_lfs_reason(ICP_ERR_CORRUPT), "checksum");
}

typedef struct fetch_ctx {
	pthread_mutex_t mu;
	int seen_workers[8];
} fetch_ctx;

static int fake_fetch(void *ctx, int worker, const icp_lfs_envelope *e, icp_buf *out,
                      icp_error *err)
{
	fetch_ctx *c = ctx;
	pthread_mutex_lock(&c->mu);
	c->seen_workers[worker]++;
	pthread_mutex_unlock(&c->mu);
	if (strcmp(e->key, "missing") == 0)
		return icp_error_set(err, ICP_ERR_NOT_FOUND, "no such key %s", e->key);
	icp_buf_append_str(out, e->key);
	return out->status;
}

static void run_pool(int threads)
{
	fetch_ctx c;
	icp_lfs_pool *p = NULL;
	icp_lfs_envelope env[50];
	icp_lfs_job jobs[50];
	icp_buf bufs[50];
	char keys[50][16];
	icp_error err;
	int i, round, used = 0;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.mu, NULL);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_pool_new(threads, fake_fetch, &c, &p, &err), ICP_OK);
	for (round = 0; round < 3; round++) { /* the pool is reused */
		for (i = 0; i < 50; i++) {
			memset(&env[i], 0, sizeof(env[i]));
			snprintf(keys[i], sizeof(keys[i]), i == 7 ? "missing" : "k%d", i);
			env[i].key = keys[i];
			icp_buf_init(&bufs[i], 0);
			jobs[i].env = &env[i];
			jobs[i].out = &bufs[i];
		}
		icp_lfs_pool_run(p, jobs, 50);
		for (i = 0; i < 50; i++) {
			if (i == 7) {
				CHECK_EQ_INT(jobs[i].status, ICP_ERR_NOT_FOUND);
				CHECK_CONTAINS(jobs[i].err.msg, "missing");
			} else {
				CHECK_EQ_INT(jobs[i].status, ICP_OK);
				CHECK(bufs[i].len == strlen(keys[i]) &&
				      memcmp(bufs[i].data, keys[i], bufs[i].len) == 0);
			}
			icp_buf_dispose(&bufs[i]);
		}
	}
	icp_lfs_pool_free(p);
	for (i = 0; i < 8; i++)
		used += c.seen_workers[i] > 0;
	if (threads == 0)
		CHECK_EQ_INT(c.seen_workers[0], 150);
	else
		CHECK(used >= 1 && used <= threads);
	pthread_mutex_destroy(&c.mu);
}

static void test_pool(void)
{
	icp_lfs_pool *p = NULL;
	icp_error err;
	run_pool(0);
	run_pool(1);
	run_pool(4);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_lfs_pool_new(65, fake_fetch, NULL, &p, &err), ICP_ERR_INVALID);
	CHECK(p == NULL);
}

int main(void)
{
	TEST_RUN(test_detect);
	TEST_RUN(test_parse);
	TEST_RUN(test_verify);
	TEST_RUN(test_pool);
	return TEST_DONE();
}
