/*
 * s3drive: drives the S3 storage backend against a live endpoint for
 * tests/s3/it_*.sh (s3rver, possibly behind tests/s3/faultproxy.py).
 *
 *   s3drive suite   ENDPOINT BUCKET      functional scenarios (exit 1 on failure)
 *   s3drive badsig  ENDPOINT BUCKET      a wrong secret must be refused
 *   s3drive traffic ENDPOINT BUCKET N SEED  N objects up and back, byte-exact
 *   s3drive abort   ENDPOINT BUCKET      a multipart writer aborted: nothing left
 *   s3drive stream  ENDPOINT BUCKET MIB  write MIB MiB, stream it back; prints
 *                                        "gets N" (the GETs the reader sent)
 *   s3drive creds   ENDPOINT BUCKET [SLEEP_S]  default chain (no static keys):
 *                                        put+get, sleep, put+get again
 *
 * Credentials: S3DRIVE_KEY/S3DRIVE_SECRET as static keys unless "creds";
 * S3DRIVE_STS names the STS endpoint for web identity. Prints the request
 * counts as "counts op class n" lines at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "s3/s3.h"
#include "storage/storage.h"
#include "test.h"

static const char *g_ep, *g_bucket;
/* Atomic: writers upload parts from their own threads. */
static _Atomic uint64_t g_counts[ICP_S3_OP_COUNT][ICP_S3_CLASS_COUNT];

static void on_request(void *ctx, icp_s3_op op, long status)
{
	ICP_UNUSED(ctx);
	g_counts[op][icp_s3_class_of(status)]++;
}

static uint64_t op_total(icp_s3_op op)
{
	uint64_t n = 0;
	int i;
	for (i = 0; i < ICP_S3_CLASS_COUNT; i++)
		n += g_counts[op][i];
	return n;
}

static void print_counts(void)
{
	int o, k;
	for (o = 0; o < ICP_S3_OP_COUNT; o++)
		for (k = 0; k < ICP_S3_CLASS_COUNT; k++)
			if (g_counts[o][k])
				printf("counts %s %s %llu\n", icp_s3_op_name((icp_s3_op)o),
				       icp_s3_class_name((icp_s3_class)k), (unsigned long long)g_counts[o][k]);
}

static void opts_for(icp_storage_opts *o, int static_keys)
{
	icp_storage_opts_init(o);
	o->s3.endpoint = g_ep;
	o->s3.region = "us-east-1";
	o->s3.path_style = 1;
	o->s3.timeout_ms = 10000;
	o->s3.connect_timeout_ms = 2000;
	o->s3.low_speed_secs = 3;
	o->s3.max_retries = 8;
	o->s3.backoff_base_ms = 20;
	o->s3.backoff_cap_ms = 500;
	o->s3.sts_endpoint = getenv("S3DRIVE_STS");
	if (static_keys) {
		o->s3.access_key_id = getenv("S3DRIVE_KEY") ? getenv("S3DRIVE_KEY") : "S3RVER";
		o->s3.secret_access_key = getenv("S3DRIVE_SECRET") ? getenv("S3DRIVE_SECRET") : "S3RVER";
	}
	o->s3.on_request = on_request;
	o->s3_part_size = 5u * 1024 * 1024;
}

static icp_storage *open_store(const char *prefix, int static_keys)
{
	icp_storage_opts o;
	icp_storage *s = NULL;
	icp_error err;
	char url[512];

	opts_for(&o, static_keys);
	snprintf(url, sizeof(url), "s3://%s%s%s", g_bucket, prefix ? "/" : "", prefix ? prefix : "");
	icp_error_init(&err);
	if (icp_storage_open_ex(url, &o, &s, &err) != ICP_OK) {
		fprintf(stderr, "open %s: %s\n", url, err.msg);
		exit(1);
	}
	return s;
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
	size_t i;
	for (i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

static int put(icp_storage *s, const char *key, const void *p, size_t n)
{
	icp_error err;
	int rc;
	icp_error_init(&err);
	rc = icp_storage_put(s, key, icp_slice_make(p, n), 0, &err);
	if (rc)
		fprintf(stderr, "put %s: %s\n", key, err.msg);
	return rc;
}

/* Writes n bytes (seeded) through a writer in odd-sized chunks. */
static int write_big(icp_storage *s, const char *key, size_t n, uint64_t seed)
{
	uint8_t *p = icp_malloc(n ? n : 1);
	icp_storage_writer *w;
	icp_error err;
	size_t off = 0;
	int rc;

	fill(p, n, seed);
	icp_error_init(&err);
	rc = icp_storage_writer_open(s, key, 0, &w, &err);
	while (rc == ICP_OK && off < n) {
		size_t k = n - off < 777777 ? n - off : 777777;
		rc = icp_storage_writer_write(w, p + off, k, &err);
		off += k;
	}
	if (rc == ICP_OK)
		rc = icp_storage_writer_commit(w, &err);
	else
		icp_storage_writer_abort(w);
	if (rc)
		fprintf(stderr, "write %s: %s\n", key, err.msg);
	icp_free(p);
	return rc;
}

/* Reads key with the streaming reader and compares with the seeded
 * content; checks it took one GET and bounded memory. */
static int verify_stream(icp_storage *s, const char *key, size_t n, uint64_t seed,
                         int check_requests)
{
	uint8_t *want = icp_malloc(n ? n : 1), chunk[65536];
	icp_storage_reader *r;
	icp_error err;
	uint64_t gets = op_total(ICP_S3_OP_GET);
	size_t live0, off = 0, maxlive = 0;
	int rc, ok = 1;

	fill(want, n, seed);
	live0 = icp_alloc_live_bytes();
	icp_error_init(&err);
	rc = icp_storage_reader_open(s, key, 0, &r, &err);
	if (rc) {
		fprintf(stderr, "reader %s: %s\n", key, err.msg);
		icp_free(want);
		return rc;
	}
	if (r->size != n)
		ok = 0, fprintf(stderr, "reader %s: size %llu, want %zu\n", key,
		                (unsigned long long)r->size, n);
	for (;;) {
		size_t got, live;
		rc = r->read(r, chunk, sizeof(chunk), &got, &err);
		if (rc || got == 0)
			break;
		if (off + got > n || memcmp(chunk, want + off, got) != 0) {
			ok = 0;
			fprintf(stderr, "reader %s: mismatch at %zu\n", key, off);
			break;
		}
		off += got;
		live = icp_alloc_live_bytes();
		if (live > live0 && live - live0 > maxlive)
			maxlive = live - live0;
	}
	icp_storage_reader_close(r);
	icp_free(want);
	if (rc) {
		fprintf(stderr, "reader %s at %zu: %s\n", key, off, err.msg);
		return rc;
	}
	if (off != n)
		ok = 0, fprintf(stderr, "reader %s: got %zu bytes, want %zu\n", key, off, n);
	/* The reader holds a 1 MiB buffer plus curl's; never the object. */
	if (maxlive > 4u * 1024 * 1024)
		ok = 0, fprintf(stderr, "reader %s: %zu bytes live while streaming\n", key, maxlive);
	if (check_requests && op_total(ICP_S3_OP_GET) - gets != 1)
		ok = 0, fprintf(stderr, "reader %s: %llu GETs, want 1\n", key,
		                (unsigned long long)(op_total(ICP_S3_OP_GET) - gets));
	return ok ? ICP_OK : ICP_ERR_CORRUPT;
}

static int verify_range(icp_storage *s, const char *key, size_t n, uint64_t seed, uint64_t off,
                        size_t len)
{
	uint8_t *want = icp_malloc(n ? n : 1);
	icp_buf b;
	icp_error err;
	int rc;

	fill(want, n, seed);
	icp_buf_init(&b, len ? len : 1);
	icp_error_init(&err);
	rc = icp_storage_read_range(s, key, off, len, &b, &err);
	if (rc)
		fprintf(stderr, "range %s: %s\n", key, err.msg);
	else if (b.len != len || memcmp(b.data, want + off, len) != 0)
		rc = ICP_ERR_CORRUPT, fprintf(stderr, "range %s %llu+%zu: mismatch\n", key,
		                              (unsigned long long)off, len);
	icp_buf_dispose(&b);
	icp_free(want);
	return rc;
}

static void t_basic(void)
{
	icp_storage *s = open_store("basic", 1);
	icp_buf b, u;
	icp_error err;
	uint64_t size = 0;
	icp_s3_client *c;
	icp_s3_client_opts co;

	CHECK_EQ_INT(put(s, "hello.txt", "hello, world", 12), ICP_OK);
	icp_buf_init(&b, 1024);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_get(s, "hello.txt", &b, &err), ICP_OK);
	CHECK(b.len == 12 && memcmp(b.data, "hello, world", 12) == 0);
	CHECK_EQ_INT(icp_storage_stat(s, "hello.txt", &size, &err), ICP_OK);
	CHECK_EQ_INT(size, 12);
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_storage_read_range(s, "hello.txt", 7, 5, &b, &err), ICP_OK);
	CHECK(b.len == 5 && memcmp(b.data, "world", 5) == 0);
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_storage_read_range(s, "hello.txt", 12, 5, &b, &err), ICP_OK);
	CHECK_EQ_INT(b.len, 0);
	/* Suffix range through the client. */
	icp_s3_client_opts_init(&co);
	co.endpoint = g_ep;
	co.path_style = 1;
	co.access_key_id = co.secret_access_key = "S3RVER";
	CHECK_EQ_INT(icp_s3_client_new(&co, &c, &err), ICP_OK);
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_s3_get(c, g_bucket, "basic/hello.txt", "bytes=-5", &b, &err), ICP_OK);
	CHECK(b.len == 5 && memcmp(b.data, "world", 5) == 0);
	/* Errors name bucket, key and S3's code. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_get(c, g_bucket, "basic/absent", NULL, &b, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, g_bucket);
	CHECK_CONTAINS(err.msg, "basic/absent");
	CHECK_CONTAINS(err.msg, "NoSuchKey");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_get(c, "no-such-bucket-x", "k", NULL, &b, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "no-such-bucket-x");
	CHECK_CONTAINS(err.msg, "NoSuchBucket");
	icp_s3_client_free(c);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_stat(s, "absent", &size, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "basic/absent");
	/* Remove. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_remove(s, "hello.txt", &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_stat(s, "hello.txt", &size, &err), ICP_ERR_NOT_FOUND);
	/* URL. */
	icp_buf_init(&u, 1024);
	CHECK_EQ_INT(icp_storage_url(s, "a/b.parquet", &u), ICP_OK);
	{
		char want[256];
		snprintf(want, sizeof(want), "s3://%s/basic/a/b.parquet", g_bucket);
		CHECK_EQ_STR((char *)u.data, want);
	}
	icp_buf_dispose(&u);
	icp_buf_dispose(&b);
	icp_storage_free(s);
}

static void t_keys(void)
{
	static const char *const keys[] = {"with space.txt", "plus+sign.txt", "ünïcødé/日本.txt",
	                                   "odd&chars=%41;'(x).txt"};
	icp_storage *s = open_store("keys", 1);
	icp_storage_listing l = {0};
	icp_error err;
	size_t i, j;

	for (i = 0; i < ICP_ARRAY_LEN(keys); i++)
		CHECK_EQ_INT(put(s, keys[i], keys[i], strlen(keys[i])), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_list(s, "", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, ICP_ARRAY_LEN(keys));
	for (i = 0; i < ICP_ARRAY_LEN(keys); i++) {
		icp_buf b;
		int found = 0;
		for (j = 0; j < l.n; j++)
			found |= strcmp(l.items[j].key, keys[i]) == 0;
		if (!found)
			fprintf(stderr, "key \"%s\" not listed\n", keys[i]);
		CHECK(found);
		icp_buf_init(&b, 1024);
		CHECK_EQ_INT(icp_storage_get(s, keys[i], &b, &err), ICP_OK);
		CHECK(b.len == strlen(keys[i]) && memcmp(b.data, keys[i], b.len) == 0);
		icp_buf_dispose(&b);
	}
	icp_storage_list_dispose(&l);
	icp_storage_free(s);
}

static void t_list(void)
{
	icp_storage *s = open_store("list", 1);
	icp_storage_listing l = {0};
	icp_error err;
	icp_s3_client *c;
	icp_s3_client_opts co;
	icp_s3_list_page pg;
	char key[64], *tok = NULL;
	int i, pages = 0, aged = 0;
	size_t total = 0;
	/* s3rver stamps LastModified with its (this machine's) clock, to the
	 * second or ms: a minute of slack either way */
	int64_t t0 = icp_now_ms() - 60000;

	/* 1005 keys: more than one default (1000-key) page. */
	for (i = 0; i < 1005; i++) {
		snprintf(key, sizeof(key), "t%d/p%d/%020d.kfs", i % 3, i % 5, i);
		if (put(s, key, key, 3) != ICP_OK) {
			CHECK(0);
			break;
		}
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_list(s, "", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 1005);
	for (i = 1; i < (int)l.n; i++)
		CHECK(strcmp(l.items[i - 1].key, l.items[i].key) < 0);
	/* every page carries each object's LastModified */
	for (i = 0; i < (int)l.n; i++)
		aged += l.items[i].mtime_ms >= t0 && l.items[i].mtime_ms <= icp_now_ms() + 60000;
	CHECK_EQ_INT(aged, 1005);
	icp_storage_list_dispose(&l);
	/* Delimiter: topics, then partitions (a small tree of its own:
	 * s3rver groups only the first 1000 keys under a prefix). */
	{
		icp_storage *d = open_store("dl", 1);
		for (i = 0; i < 24; i++) {
			snprintf(key, sizeof(key), "t%d/p%d/%020d.kfs", i % 3, i % 4, i);
			CHECK_EQ_INT(put(d, key, key, 3), ICP_OK);
		}
		CHECK_EQ_INT(put(d, "t1/loose.txt", "x", 1), ICP_OK);
		/* s3rver only reports a common prefix whose directory holds an
		 * object itself (real S3 reports every one): give each topic one. */
		CHECK_EQ_INT(put(d, "t0/_t", "x", 1), ICP_OK);
		CHECK_EQ_INT(put(d, "t2/_t", "x", 1), ICP_OK);
		CHECK_EQ_INT(icp_storage_list(d, "", NULL, 1, &l, &err), ICP_OK);
		CHECK_EQ_INT(l.n, 3);
		CHECK(l.n == 3 && l.items[0].is_prefix && strcmp(l.items[0].key, "t0/") == 0);
		icp_storage_list_dispose(&l);
		CHECK_EQ_INT(icp_storage_list(d, "t1/", NULL, 1, &l, &err), ICP_OK);
		CHECK_EQ_INT(l.n, 5); /* 4 partitions + loose.txt, in order */
		CHECK(l.n == 5 && !l.items[0].is_prefix && strcmp(l.items[0].key, "t1/loose.txt") == 0);
		CHECK(l.n == 5 && l.items[1].is_prefix && strcmp(l.items[1].key, "t1/p0/") == 0);
		icp_storage_list_dispose(&l);
		CHECK_EQ_INT(icp_storage_list(d, "t1/", "t1/p1/", 1, &l, &err), ICP_OK);
		CHECK_EQ_INT(l.n, 2); /* t1/p2/, t1/p3/ */
		icp_storage_list_dispose(&l);
		icp_storage_free(d);
	}
	/* start-after inside a partition. */
	CHECK_EQ_INT(icp_storage_list(s, "t0/p0/", "t0/p0/00000000000000000900.kfs", 0, &l, &err),
	             ICP_OK);
	CHECK_EQ_INT(l.n, 6); /* i = 915, 930, ..., 990 */
	CHECK(l.n > 0 && strcmp(l.items[0].key, "t0/p0/00000000000000000915.kfs") == 0);
	icp_storage_list_dispose(&l);
	/* Small pages with continuation tokens, straight on the client. */
	icp_s3_client_opts_init(&co);
	co.endpoint = g_ep;
	co.path_style = 1;
	co.access_key_id = co.secret_access_key = "S3RVER";
	CHECK_EQ_INT(icp_s3_client_new(&co, &c, &err), ICP_OK);
	do {
		icp_s3_list_page_init(&pg);
		CHECK_EQ_INT(icp_s3_list(c, g_bucket, "list/t2/", NULL, NULL, tok, 50, &pg, &err),
		             ICP_OK);
		icp_free(tok);
		tok = pg.is_truncated ? pg.next_token : NULL;
		pg.next_token = NULL;
		total += pg.n;
		pages++;
		icp_s3_list_page_dispose(&pg);
	} while (tok && pages < 100);
	CHECK_EQ_INT(total, 335);
	CHECK_EQ_INT(pages, 7);
	icp_s3_client_free(c);
	icp_storage_free(s);
}

static void t_big(void)
{
	icp_storage *s = open_store("big", 1);
	uint64_t mp = op_total(ICP_S3_OP_MULTIPART), puts = op_total(ICP_S3_OP_PUT);
	size_t n = 40u * 1024 * 1024 + 12345;

	CHECK_EQ_INT(write_big(s, "forty.bin", n, 40), ICP_OK);
	/* 9 parts of 5 MiB: create + 9 parts + complete, no plain PUT. */
	CHECK_EQ_INT(op_total(ICP_S3_OP_MULTIPART) - mp, 11);
	CHECK_EQ_INT(op_total(ICP_S3_OP_PUT) - puts, 0);
	CHECK_EQ_INT(verify_stream(s, "forty.bin", n, 40, 1), ICP_OK);
	CHECK_EQ_INT(verify_range(s, "forty.bin", n, 40, 5u * 1024 * 1024 - 10, 100), ICP_OK);
	CHECK_EQ_INT(verify_range(s, "forty.bin", n, 40, n - 1000, 1000), ICP_OK);
	/* Exactly one part: a single PUT at commit. */
	mp = op_total(ICP_S3_OP_MULTIPART);
	CHECK_EQ_INT(write_big(s, "five.bin", 5u * 1024 * 1024, 5), ICP_OK);
	CHECK_EQ_INT(op_total(ICP_S3_OP_MULTIPART) - mp, 0);
	CHECK_EQ_INT(verify_stream(s, "five.bin", 5u * 1024 * 1024, 5, 1), ICP_OK);
	CHECK_EQ_INT(write_big(s, "empty.bin", 0, 1), ICP_OK);
	CHECK_EQ_INT(verify_stream(s, "empty.bin", 0, 1, 0), ICP_OK);
	icp_storage_free(s);
}

static int cmd_abort(void)
{
	icp_storage *s = open_store("aborted", 1);
	icp_storage_writer *w;
	icp_storage_listing l = {0};
	icp_error err;
	uint8_t *p = icp_malloc(12u * 1024 * 1024);

	fill(p, 12u * 1024 * 1024, 3);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_writer_open(s, "x.bin", 0, &w, &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_writer_write(w, p, 12u * 1024 * 1024, &err), ICP_OK);
	icp_storage_writer_abort(w);
	CHECK_EQ_INT(icp_storage_list(s, "", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 0);
	icp_storage_list_dispose(&l);
	icp_free(p);
	icp_storage_free(s);
	print_counts();
	return test_checks_failed ? 1 : 0;
}

static int cmd_badsig(void)
{
	icp_s3_client_opts co;
	icp_s3_client *c;
	icp_error err;
	icp_buf b;

	icp_s3_client_opts_init(&co);
	co.endpoint = g_ep;
	co.path_style = 1;
	co.access_key_id = "S3RVER";
	co.secret_access_key = "not-the-secret";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_new(&co, &c, &err), ICP_OK);
	icp_buf_init(&b, 1024);
	CHECK_EQ_INT(icp_s3_put(c, g_bucket, "sig/x", "x", 1, 0, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "SignatureDoesNotMatch");
	CHECK_CONTAINS(err.msg, "HTTP 403");
	printf("badsig: %s\n", err.msg);
	icp_s3_client_free(c);
	co.access_key_id = "NOT-A-KEY";
	co.secret_access_key = "S3RVER";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_client_new(&co, &c, &err), ICP_OK);
	CHECK_EQ_INT(icp_s3_get(c, g_bucket, "sig/x", NULL, &b, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "InvalidAccessKeyId");
	icp_s3_client_free(c);
	icp_buf_dispose(&b);
	return test_checks_failed ? 1 : 0;
}

static int cmd_traffic(int n, uint64_t seed)
{
	icp_storage *s = open_store("traffic", 1);
	size_t *sizes = icp_calloc((size_t)n, sizeof(*sizes));
	icp_storage_listing l = {0};
	icp_error err;
	char key[64];
	int i;

	for (i = 0; i < n; i++) {
		uint64_t r = seed * 1000003u + (uint64_t)i * 7919u;
		sizes[i] = (i % 7 == 3) ? 11u * 1024 * 1024 + (size_t)(r % 100000)
		                        : (size_t)(r % 300000);
		snprintf(key, sizeof(key), "obj-%04d.bin", i);
		CHECK_EQ_INT(write_big(s, key, sizes[i], seed + (uint64_t)i), ICP_OK);
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_list(s, "", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, (size_t)n);
	for (i = 0; i < (int)l.n && i < n; i++)
		CHECK_EQ_INT(l.items[i].size, sizes[i]);
	icp_storage_list_dispose(&l);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "obj-%04d.bin", i);
		CHECK_EQ_INT(verify_stream(s, key, sizes[i], seed + (uint64_t)i, 0), ICP_OK);
		if (sizes[i] > 10)
			CHECK_EQ_INT(verify_range(s, key, sizes[i], seed + (uint64_t)i, sizes[i] / 3,
			                          sizes[i] / 2), ICP_OK);
	}
	icp_free(sizes);
	icp_storage_free(s);
	print_counts();
	return test_checks_failed ? 1 : 0;
}

static int cmd_stream(size_t mib)
{
	icp_storage *s = open_store("stream", 1);
	uint64_t gets;

	CHECK_EQ_INT(write_big(s, "big.bin", mib * 1024 * 1024 + 333, 77), ICP_OK);
	gets = op_total(ICP_S3_OP_GET);
	CHECK_EQ_INT(verify_stream(s, "big.bin", mib * 1024 * 1024 + 333, 77, 0), ICP_OK);
	printf("gets %llu\n", (unsigned long long)(op_total(ICP_S3_OP_GET) - gets));
	icp_storage_free(s);
	return test_checks_failed ? 1 : 0;
}

static int cmd_creds(int sleep_s)
{
	icp_storage *s = open_store("creds", 0);
	icp_buf b;
	icp_error err;
	int round;

	icp_buf_init(&b, 1024);
	for (round = 0; round < (sleep_s > 0 ? 2 : 1); round++) {
		if (round)
			sleep((unsigned)sleep_s);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_storage_put(s, "c.txt", icp_slice_cstr("creds ok"), 0, &err), ICP_OK);
		if (err.status)
			fprintf(stderr, "creds: %s\n", err.msg);
		icp_buf_reset(&b);
		CHECK_EQ_INT(icp_storage_get(s, "c.txt", &b, &err), ICP_OK);
		CHECK(b.len == 8 && memcmp(b.data, "creds ok", 8) == 0);
	}
	icp_buf_dispose(&b);
	icp_storage_free(s);
	print_counts();
	return test_checks_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: s3drive suite|badsig|traffic|abort|creds ENDPOINT BUCKET ...\n");
		return 2;
	}
	g_ep = argv[2];
	g_bucket = argv[3];
	if (strcmp(argv[1], "badsig") == 0)
		return cmd_badsig();
	if (strcmp(argv[1], "abort") == 0)
		return cmd_abort();
	if (strcmp(argv[1], "traffic") == 0 && argc >= 6)
		return cmd_traffic((int)strtol(argv[4], NULL, 10), strtoull(argv[5], NULL, 10));
	if (strcmp(argv[1], "stream") == 0 && argc >= 5)
		return cmd_stream((size_t)strtoul(argv[4], NULL, 10));
	if (strcmp(argv[1], "creds") == 0)
		return cmd_creds(argc >= 5 ? (int)strtol(argv[4], NULL, 10) : 0);
	if (strcmp(argv[1], "suite") != 0)
		return 2;
	TEST_RUN(t_basic);
	TEST_RUN(t_keys);
	TEST_RUN(t_list);
	TEST_RUN(t_big);
	print_counts();
	return TEST_DONE();
}
