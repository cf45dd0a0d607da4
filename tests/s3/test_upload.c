/* Unit tests of src/s3/s3_upload.c against a fake S3 (its request
 * vtable): one PUT for a one-part object, parts in order on the writer's
 * thread with concurrency 1, parts in flight at once and finishing out of
 * order with concurrency 4 (ETags still listed in part order), memory
 * bounded by concurrency + 1 parts, a failed part failing the upload and
 * aborting it exactly once, an abort while parts are in flight, every
 * allocation failing in turn. */
#include <pthread.h>
#include <time.h>

#include "s3/s3_int.h"
#include "test.h"

#define MAXP 256

typedef struct fake {
	pthread_mutex_t mu;
	pthread_t writer;
	int creates, puts, completes, aborts, parts_sent;
	int in_flight, max_in_flight;
	int other_thread;        /* parts sent off the writer's thread */
	int order[MAXP], n_order; /* part numbers in the order they finished */
	int fail_part;            /* this part number fails (0: none) */
	int fail_create;
	int slow_ms;              /* part n sleeps slow_ms * (1 + (n % 3)) */
	size_t max_live;          /* allocator's live bytes seen during parts */
	size_t part_bytes[MAXP];
	char completed_etags[4096];
	size_t put_len;
	int put_if_absent, complete_if_absent;
} fake;

static fake *F(icp_s3_client *c)
{
	return (fake *)(void *)c;
}

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int f_put(icp_s3_client *c, const char *bucket, const char *key, const void *p,
                 size_t n, int if_absent, icp_error *err)
{
	ICP_UNUSED(bucket), ICP_UNUSED(key), ICP_UNUSED(p), ICP_UNUSED(err);
	F(c)->puts++;
	F(c)->put_len = n;
	F(c)->put_if_absent = if_absent;
	return ICP_OK;
}

static int f_create(icp_s3_client *c, const char *bucket, const char *key, char **upload_id,
                    icp_error *err)
{
	ICP_UNUSED(bucket), ICP_UNUSED(key);
	if (F(c)->fail_create)
		return icp_error_set(err, ICP_ERR_IO, "create refused");
	if (!(*upload_id = icp_strdup("up-1")))
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	F(c)->creates++; /* an upload exists now */
	return ICP_OK;
}

static int f_part(icp_s3_client *c, const char *bucket, const char *key, const char *upload_id,
                  int part, const void *p, size_t n, char **etag, icp_error *err)
{
	fake *f = F(c);
	char tag[32];
	size_t live;
	int fail;

	ICP_UNUSED(bucket), ICP_UNUSED(key), ICP_UNUSED(p);
	pthread_mutex_lock(&f->mu);
	f->parts_sent++;
	f->in_flight++;
	if (f->in_flight > f->max_in_flight)
		f->max_in_flight = f->in_flight;
	if (!pthread_equal(pthread_self(), f->writer))
		f->other_thread = 1;
	live = icp_alloc_live_bytes();
	if (live > f->max_live)
		f->max_live = live;
	if (part >= 1 && part < MAXP)
		f->part_bytes[part] = n;
	fail = part == f->fail_part;
	pthread_mutex_unlock(&f->mu);
	CHECK_EQ_STR(upload_id, "up-1");
	if (f->slow_ms)
		nap(f->slow_ms * (1 + (3 - part % 3)));
	pthread_mutex_lock(&f->mu);
	f->in_flight--;
	if (f->n_order < MAXP)
		f->order[f->n_order++] = part;
	pthread_mutex_unlock(&f->mu);
	if (fail)
		return icp_error_set(err, ICP_ERR_RETRYABLE, "s3 PUT: HTTP 503 SlowDown after 6 attempts");
	snprintf(tag, sizeof(tag), "\"e%d\"", part);
	*etag = icp_strdup(tag);
	return ICP_OK;
}

static int f_complete(icp_s3_client *c, const char *bucket, const char *key,
                      const char *upload_id, char *const *etags, size_t n_parts, int if_absent,
                      icp_error *err)
{
	fake *f = F(c);
	size_t i, len = 0;
	ICP_UNUSED(bucket), ICP_UNUSED(key), ICP_UNUSED(err);
	CHECK_EQ_STR(upload_id, "up-1");
	CHECK_EQ_INT(f->in_flight, 0);
	f->completes++;
	f->complete_if_absent = if_absent;
	for (i = 0; i < n_parts; i++)
		len += (size_t)snprintf(f->completed_etags + len, sizeof(f->completed_etags) - len,
		                        "%s%s", i ? "," : "", etags[i]);
	return ICP_OK;
}

static int f_abort(icp_s3_client *c, const char *bucket, const char *key,
                   const char *upload_id, icp_error *err)
{
	ICP_UNUSED(bucket), ICP_UNUSED(key), ICP_UNUSED(err);
	CHECK_EQ_STR(upload_id, "up-1");
	CHECK_EQ_INT(F(c)->in_flight, 0); /* nothing in flight once aborted */
	F(c)->aborts++;
	return ICP_OK;
}

static const icp_s3_upload_vtable fake_vt = {f_put, f_create, f_part, f_complete, f_abort};

static void fake_init(fake *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	f->writer = pthread_self();
}

static icp_s3_upload *open_upload(fake *f, size_t part_size, int concurrency, int if_absent)
{
	icp_s3_upload_opts o;
	icp_s3_upload *u = NULL;
	icp_error err;

	memset(&o, 0, sizeof(o));
	o.part_size = part_size;
	o.concurrency = concurrency;
	o.if_absent = if_absent;
	o.vt = &fake_vt;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_upload_new((icp_s3_client *)(void *)f, "b", "k", &o, &u, &err), ICP_OK);
	return u;
}

/* Writes n bytes in chunks of `chunk`. */
static int write_n(icp_s3_upload *u, size_t n, size_t chunk, icp_error *err)
{
	static uint8_t zeros[100000];
	int rc = ICP_OK;
	while (n > 0 && rc == ICP_OK) {
		size_t k = n < chunk ? n : chunk;
		if (k > sizeof(zeros))
			k = sizeof(zeros);
		rc = icp_s3_upload_write(u, zeros, k, err);
		n -= k;
	}
	return rc;
}

static void expect_etags(const fake *f, int n)
{
	char want[4096];
	size_t len = 0;
	int i;
	for (i = 1; i <= n; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s\"e%d\"", i > 1 ? "," : "",
		                        i);
	CHECK_EQ_STR(f->completed_etags, want);
}

static void test_one_part_is_a_put(void)
{
	int conc[] = {1, 4};
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(conc); i++) {
		fake f;
		icp_error err;
		icp_s3_upload *u;
		fake_init(&f);
		icp_error_init(&err);
		u = open_upload(&f, 1000, conc[i], 1);
		CHECK_EQ_INT(write_n(u, 1000, 7, &err), ICP_OK); /* exactly one full part */
		CHECK_EQ_INT(icp_s3_upload_written(u), 1000);
		CHECK_EQ_INT(icp_s3_upload_commit(u, &err), ICP_OK);
		CHECK_EQ_INT(f.puts, 1);
		CHECK_EQ_INT(f.put_len, 1000);
		CHECK_EQ_INT(f.put_if_absent, 1);
		CHECK_EQ_INT(f.creates + f.parts_sent + f.completes + f.aborts, 0);
		/* and an empty object */
		fake_init(&f);
		u = open_upload(&f, 1000, conc[i], 0);
		CHECK_EQ_INT(icp_s3_upload_commit(u, &err), ICP_OK);
		CHECK_EQ_INT(f.puts, 1);
		CHECK_EQ_INT(f.put_len, 0);
	}
}

/* concurrency 1: every part on the writer's thread, in order, one at a
 * time; the last one (possibly short) at commit. */
static void test_sequential(void)
{
	fake f;
	icp_error err;
	icp_s3_upload *u;
	int i;

	fake_init(&f);
	icp_error_init(&err);
	u = open_upload(&f, 1000, 1, 1);
	CHECK_EQ_INT(write_n(u, 10500, 333, &err), ICP_OK);
	CHECK_EQ_INT(f.parts_sent, 10); /* the 11th waits for commit */
	CHECK_EQ_INT(icp_s3_upload_commit(u, &err), ICP_OK);
	CHECK_EQ_INT(f.creates, 1);
	CHECK_EQ_INT(f.parts_sent, 11);
	CHECK_EQ_INT(f.completes, 1);
	CHECK_EQ_INT(f.complete_if_absent, 1);
	CHECK_EQ_INT(f.aborts, 0);
	CHECK_EQ_INT(f.max_in_flight, 1);
	CHECK_EQ_INT(f.other_thread, 0);
	for (i = 0; i < 11; i++)
		CHECK_EQ_INT(f.order[i], i + 1);
	CHECK_EQ_INT(f.part_bytes[10], 1000);
	CHECK_EQ_INT(f.part_bytes[11], 500);
	expect_etags(&f, 11);
}

/* concurrency 4: parts overlap and finish out of order, the ETags are
 * listed in part order, at most 4 in flight, memory bounded. */
static void test_concurrent(void)
{
	const size_t part = 64 * 1024;
	fake f;
	icp_error err;
	icp_s3_upload *u;
	size_t live0;
	int i, out_of_order = 0;

	fake_init(&f);
	f.slow_ms = 3;
	icp_error_init(&err);
	live0 = icp_alloc_live_bytes();
	u = open_upload(&f, part, 4, 0);
	CHECK_EQ_INT(write_n(u, 40 * part + 10, 50000, &err), ICP_OK);
	CHECK_EQ_INT(icp_s3_upload_commit(u, &err), ICP_OK);
	CHECK_EQ_INT(f.creates, 1);
	CHECK_EQ_INT(f.parts_sent, 41);
	CHECK_EQ_INT(f.completes, 1);
	CHECK_EQ_INT(f.aborts, 0);
	CHECK(f.max_in_flight >= 2);
	CHECK(f.max_in_flight <= 4);
	CHECK_EQ_INT(f.other_thread, 1);
	for (i = 1; i < f.n_order; i++)
		out_of_order |= f.order[i] < f.order[i - 1];
	CHECK(out_of_order);
	expect_etags(&f, 41);
	CHECK_EQ_INT(f.part_bytes[41], 10);
	/* 5 part buffers (4 in flight + 1 filling) and small change. */
	CHECK(f.max_live - live0 <= 5 * part + 32 * 1024);
	CHECK(f.max_live - live0 >= 3 * part);
	CHECK_EQ_INT(icp_alloc_live_bytes(), live0);
}

/* A failed part fails the upload: the writer gets its error (naming the
 * part) at a later write or at commit, nothing is completed, the upload is
 * aborted once, with no part in flight. */
static void test_part_failure(void)
{
	int conc[] = {1, 4};
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(conc); i++) {
		fake f;
		icp_error err;
		icp_s3_upload *u;
		size_t live0 = icp_alloc_live_bytes();
		int rc;
		fake_init(&f);
		f.fail_part = 3;
		f.slow_ms = 1;
		icp_error_init(&err);
		u = open_upload(&f, 1000, conc[i], 0);
		rc = write_n(u, 30000, 1000, &err);
		if (rc == ICP_OK) {
			CHECK(conc[i] > 1); /* sequential fails at once */
			rc = icp_s3_upload_commit(u, &err);
		} else {
			icp_error e2;
			icp_error_init(&e2);
			CHECK_EQ_INT(icp_s3_upload_write(u, "x", 1, &e2), ICP_ERR_INVALID);
			CHECK_CONTAINS(e2.msg, "write after a failed write");
			icp_error_init(&e2);
			CHECK_EQ_INT(icp_s3_upload_commit(u, &e2), ICP_ERR_INVALID);
			CHECK_CONTAINS(e2.msg, "commit after a failed write");
		}
		CHECK_EQ_INT(rc, ICP_ERR_RETRYABLE);
		CHECK_CONTAINS(err.msg, "part 3");
		CHECK_EQ_INT(f.completes, 0);
		CHECK_EQ_INT(f.aborts, 1);
		if (conc[i] == 1)
			CHECK_EQ_INT(f.parts_sent, 3);
		CHECK(f.parts_sent < 30); /* the rest was dropped */
		CHECK_EQ_INT(icp_alloc_live_bytes(), live0);
	}
}

/* The error of a failed part comes back from the write that notices it,
 * naming the part. */
static void test_failure_message(void)
{
	fake f;
	icp_error err;
	icp_s3_upload *u;
	int rc;

	fake_init(&f);
	f.fail_part = 2;
	icp_error_init(&err);
	u = open_upload(&f, 1000, 4, 0);
	rc = write_n(u, 100000, 1000, &err);
	if (rc == ICP_OK)
		rc = icp_s3_upload_commit(u, &err);
	else
		icp_s3_upload_abort(u);
	CHECK_EQ_INT(rc, ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "part 2: s3 PUT: HTTP 503 SlowDown");
	CHECK_EQ_INT(f.completes, 0);
	CHECK_EQ_INT(f.aborts, 1);
}

/* Abort while parts are in flight: they finish, queued ones are dropped,
 * then one abort; nothing completed. */
static void test_abort_in_flight(void)
{
	fake f;
	icp_error err;
	icp_s3_upload *u;
	size_t live0 = icp_alloc_live_bytes();

	fake_init(&f);
	f.slow_ms = 10;
	icp_error_init(&err);
	u = open_upload(&f, 1000, 4, 0);
	CHECK_EQ_INT(write_n(u, 6500, 1000, &err), ICP_OK);
	icp_s3_upload_abort(u);
	CHECK_EQ_INT(f.completes, 0);
	CHECK_EQ_INT(f.aborts, 1);
	CHECK(f.parts_sent <= 6);
	CHECK_EQ_INT(icp_alloc_live_bytes(), live0);
	icp_s3_upload_abort(NULL);
}

/* A create that fails: no part, no abort (there is no upload id). */
static void test_create_failure(void)
{
	fake f;
	icp_error err;
	icp_s3_upload *u;

	fake_init(&f);
	f.fail_create = 1;
	icp_error_init(&err);
	u = open_upload(&f, 1000, 4, 0);
	CHECK_EQ_INT(write_n(u, 2500, 1000, &err), ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "create refused");
	icp_s3_upload_abort(u);
	CHECK_EQ_INT(f.creates + f.parts_sent + f.aborts + f.completes, 0);
}

/* Every allocation failing in turn (writer and workers): no crash, no
 * leak, and an upload that was created is completed or aborted, once. */
static void test_nomem(void)
{
	long n;
	int clean = 0;
	for (n = 1; n < 400 && !clean; n++) {
		fake f;
		icp_error err;
		icp_s3_upload *u;
		icp_s3_upload_opts o;
		size_t live0 = icp_alloc_live_bytes();
		int rc;

		fake_init(&f);
		memset(&o, 0, sizeof(o));
		o.part_size = 1000;
		o.concurrency = 4;
		o.vt = &fake_vt;
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_s3_upload_new((icp_s3_client *)(void *)&f, "b", "k", &o, &u, &err);
		if (rc == ICP_OK) {
			rc = write_n(u, 5500, 700, &err);
			if (rc == ICP_OK)
				rc = icp_s3_upload_commit(u, &err);
			else
				icp_s3_upload_abort(u);
		}
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || err.status != ICP_OK);
		CHECK_EQ_INT(f.completes + f.aborts, f.creates);
		CHECK_EQ_INT(icp_alloc_live_bytes(), live0);
		clean = rc == ICP_OK && f.completes == 1;
	}
	CHECK(clean); /* the loop reached a run with no failure */
}

static void test_bad_opts(void)
{
	icp_s3_upload_opts o;
	icp_s3_upload *u = (icp_s3_upload *)(void *)&o;
	icp_error err;
	memset(&o, 0, sizeof(o));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_s3_upload_new(NULL, "b", "k", &o, &u, &err), ICP_ERR_INVALID);
	CHECK(u == NULL);
}

int main(void)
{
	TEST_RUN(test_one_part_is_a_put);
	TEST_RUN(test_sequential);
	TEST_RUN(test_concurrent);
	TEST_RUN(test_part_failure);
	TEST_RUN(test_failure_message);
	TEST_RUN(test_abort_in_flight);
	TEST_RUN(test_create_failure);
	TEST_RUN(test_nomem);
	TEST_RUN(test_bad_opts);
	return TEST_DONE();
}
