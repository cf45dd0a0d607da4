/*
 * Streamed upload of one object (the writer of s3:// stores): one PUT for
 * an object that fits a part, else a multipart upload whose parts are
 * uploaded by up to `concurrency` worker threads owned by the upload.
 *
 * A part buffer has one owner at a time and moves, it is never shared:
 *   writer (filling u->cur) -> queue (under mu) -> one worker (for the
 *   request) -> free list (under mu) -> writer again.
 * At most concurrency + 1 buffers exist; a writer that needs one when all
 * exist and none is free waits on `done` (back-pressure). The upload id is
 * set by the writer before the first part is queued and does not change
 * while workers run; a worker stores its part's ETag at etags[num - 1]
 * under mu, so parts may finish in any order. Workers start lazily (none
 * for a one-part object, one more only when queued parts outnumber idle
 * workers) and exit once told to stop with the queue empty. Every way out
 * (commit, failure, abort) stops and joins them first, so no request is in
 * flight when the upload is completed or aborted. Workers block every
 * signal: the program's handlers keep running on its own threads.
 *
 * concurrency 1 runs no thread: each part is uploaded in the writer's
 * thread when it fills, exactly as the single-threaded writer did.
 */
#include "s3/s3_int.h"

#include <pthread.h>
#include <signal.h>

#define MAX_PARTS 10000 /* S3's limit */

typedef struct part {
	struct part *next;
	int num; /* 1-based, given when the part is handed over */
	icp_buf buf;
} part;

struct icp_s3_upload {
	icp_s3_client *c;
	const icp_s3_upload_vtable *vt;
	char *bucket, *key;
	size_t part_size;
	int concurrency, if_absent;

	/* The writer's thread only. */
	uint64_t written;
	part *cur;       /* being filled; NULL only after a failure */
	char *upload_id; /* read by workers, set before any part is queued */
	int n_parts;     /* part numbers handed out */
	int dead;        /* failed or aborted: no more writes */
	pthread_t *threads;
	int n_threads;

	pthread_mutex_t mu;   /* guards everything below */
	pthread_cond_t work;  /* a part was queued, or stop */
	pthread_cond_t done;  /* a worker finished a part (a buffer is free) */
	part *head, *tail;    /* queued parts, in number order */
	int n_queued;
	part *free_list;
	int n_bufs;           /* buffers that exist, the one filling included */
	int idle;             /* workers waiting for a part */
	int stop;             /* workers exit once the queue is empty */
	int drop;             /* queued parts are discarded, not uploaded */
	char **etags;         /* etags[i] of part i + 1; NULL until done */
	size_t cap_etags;
	icp_error fail;       /* the first part that failed (status set) */
};

const icp_s3_upload_vtable icp_s3_upload_requests = {
	.put = icp_s3_put,
	.create = icp_s3_mpu_create,
	.part = icp_s3_mpu_part,
	.complete = icp_s3_mpu_complete,
	.abort = icp_s3_mpu_abort,
};

static part *part_new(const icp_s3_upload *u)
{
	part *p = icp_calloc(1, sizeof(*p));
	if (p)
		icp_buf_init(&p->buf, u->part_size);
	return p;
}

static void part_free(part *p)
{
	if (!p)
		return;
	icp_buf_dispose(&p->buf);
	icp_free(p);
}

/* Uploads one part; the error names its number. */
static int send_part(icp_s3_upload *u, const part *p, char **etag, icp_error *err)
{
	int rc = u->vt->part(u->c, u->bucket, u->key, u->upload_id, p->num, p->buf.data,
	                     p->buf.len, etag, err);
	if (rc)
		icp_error_prefix(err, "part %d", p->num);
	return rc;
}

static void *worker(void *arg)
{
	icp_s3_upload *u = arg;

	pthread_mutex_lock(&u->mu);
	for (;;) {
		part *p;
		while (!u->head && !u->stop) {
			u->idle++;
			pthread_cond_wait(&u->work, &u->mu);
			u->idle--;
		}
		if (!u->head)
			break;
		p = u->head;
		u->head = p->next;
		if (!u->head)
			u->tail = NULL;
		u->n_queued--;
		/* Once a part failed the upload is lost: the rest is dropped. */
		if (!u->drop && u->fail.status == ICP_OK) {
			char *etag = NULL;
			icp_error e;
			int rc;
			pthread_mutex_unlock(&u->mu);
			icp_error_init(&e);
			rc = send_part(u, p, &etag, &e);
			pthread_mutex_lock(&u->mu);
			if (rc == ICP_OK)
				u->etags[p->num - 1] = etag;
			else
				icp_error_set(&u->fail, rc, "%s", e.msg);
		}
		icp_buf_reset(&p->buf);
		p->next = u->free_list;
		u->free_list = p;
		pthread_cond_broadcast(&u->done);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

static int start_worker(icp_s3_upload *u)
{
	sigset_t all, old;
	int rc;

	if (!u->threads && !(u->threads = icp_calloc((size_t)u->concurrency, sizeof(pthread_t))))
		return ICP_ERR_NOMEM;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&u->threads[u->n_threads], NULL, worker, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return ICP_ERR_NOMEM;
	u->n_threads++;
	return ICP_OK;
}

/* Lets the workers finish the queue (drop: discard it instead), then
 * joins them. Afterwards no part is queued or in flight. */
static void stop_workers(icp_s3_upload *u, int drop)
{
	int i;

	pthread_mutex_lock(&u->mu);
	u->stop = 1;
	u->drop |= drop;
	pthread_cond_broadcast(&u->work);
	pthread_mutex_unlock(&u->mu);
	for (i = 0; i < u->n_threads; i++)
		pthread_join(u->threads[i], NULL);
	u->n_threads = 0;
	u->stop = 0;
}

/* The first part failure, as err (ICP_OK when none). */
static int failure(icp_s3_upload *u, icp_error *err)
{
	int rc;
	pthread_mutex_lock(&u->mu);
	rc = u->fail.status;
	if (rc)
		icp_error_set(err, rc, "%s", u->fail.msg);
	pthread_mutex_unlock(&u->mu);
	return rc;
}

/* Every part has its ETag (a programmer error otherwise: a part that
 * did not fail always has one). */
static int check_etags(const icp_s3_upload *u, icp_error *err)
{
	int i;
	for (i = 0; i < u->n_parts; i++)
		if (!u->etags[i])
			return icp_error_set(err, ICP_ERR_IO, "s3 %s/%s: part %d has no ETag",
			                     u->bucket, u->key, i + 1);
	return ICP_OK;
}

/* Hands the full (or, at commit, last) part over: starts the multipart
 * upload first if needed, then uploads the part here (concurrency 1) or
 * queues it for the workers (u->cur is then NULL). */
static int hand_over(icp_s3_upload *u, icp_error *err)
{
	part *p = u->cur;
	int rc, need_thread;

	if (!u->upload_id &&
	    (rc = u->vt->create(u->c, u->bucket, u->key, &u->upload_id, err)) != ICP_OK)
		return rc;
	if (u->n_parts >= MAX_PARTS)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "s3 %s/%s: more than %d parts (raise the part size)", u->bucket,
		                     u->key, MAX_PARTS);
	if ((size_t)u->n_parts == u->cap_etags) {
		size_t nc = u->cap_etags ? u->cap_etags * 2 : 16;
		char **ne;
		pthread_mutex_lock(&u->mu); /* workers store into etags */
		ne = icp_realloc(u->etags, nc * sizeof(*ne));
		if (ne) {
			memset(ne + u->cap_etags, 0, (nc - u->cap_etags) * sizeof(*ne));
			u->etags = ne;
			u->cap_etags = nc;
		}
		pthread_mutex_unlock(&u->mu);
		if (!ne)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	p->num = ++u->n_parts;
	if (u->concurrency <= 1) {
		char *etag = NULL;
		if ((rc = send_part(u, p, &etag, err)) != ICP_OK)
			return rc;
		u->etags[p->num - 1] = etag;
		icp_buf_reset(&p->buf);
		return ICP_OK;
	}
	if ((rc = failure(u, err)) != ICP_OK)
		return rc;
	pthread_mutex_lock(&u->mu);
	p->next = NULL;
	if (u->tail)
		u->tail->next = p;
	else
		u->head = p;
	u->tail = p;
	u->n_queued++;
	u->cur = NULL;
	need_thread = u->n_queued > u->idle && u->n_threads < u->concurrency;
	pthread_cond_signal(&u->work);
	pthread_mutex_unlock(&u->mu);
	/* A thread that cannot start is only fatal when there is none. */
	if (need_thread && start_worker(u) != ICP_OK && u->n_threads == 0)
		return icp_error_set(err, ICP_ERR_NOMEM, "s3 %s/%s: cannot start an upload thread",
		                     u->bucket, u->key);
	return ICP_OK;
}

/* A buffer to fill after a hand-over: a free one, a new one while fewer
 * than concurrency + 1 exist, else waits for a worker to free one. */
static int next_buffer(icp_s3_upload *u, icp_error *err)
{
	int rc = ICP_OK, grow = 0;

	if (u->cur)
		return ICP_OK; /* uploaded in place */
	pthread_mutex_lock(&u->mu);
	while (!u->free_list && u->n_bufs > u->concurrency && u->fail.status == ICP_OK)
		pthread_cond_wait(&u->done, &u->mu);
	if (u->fail.status) {
		rc = icp_error_set(err, u->fail.status, "%s", u->fail.msg);
	} else if (u->free_list) {
		u->cur = u->free_list;
		u->free_list = u->cur->next;
		u->cur->next = NULL;
	} else {
		u->n_bufs++;
		grow = 1;
	}
	pthread_mutex_unlock(&u->mu);
	if (grow && !(u->cur = part_new(u)))
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	return rc;
}

/* Stops the workers (dropping what is queued) and aborts the multipart
 * upload, best effort: the caller already has the error that got here. */
static void discard(icp_s3_upload *u)
{
	stop_workers(u, 1);
	if (u->upload_id) {
		u->vt->abort(u->c, u->bucket, u->key, u->upload_id, NULL);
		icp_free(u->upload_id);
		u->upload_id = NULL;
	}
}

static void destroy(icp_s3_upload *u)
{
	size_t i;

	discard(u);
	part_free(u->cur);
	while (u->free_list) {
		part *p = u->free_list;
		u->free_list = p->next;
		part_free(p);
	}
	while (u->head) { /* queued with no worker to take it (none started) */
		part *p = u->head;
		u->head = p->next;
		part_free(p);
	}
	for (i = 0; i < u->cap_etags; i++)
		icp_free(u->etags[i]);
	icp_free(u->etags);
	icp_free(u->threads);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->work);
	pthread_cond_destroy(&u->done);
	icp_free(u->bucket);
	icp_free(u->key);
	icp_free(u);
}

int icp_s3_upload_new(icp_s3_client *c, const char *bucket, const char *key,
                      const icp_s3_upload_opts *o, icp_s3_upload **out, icp_error *err)
{
	icp_s3_upload *u;

	*out = NULL;
	if (!o || o->part_size == 0)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 upload: part size 0");
	u = icp_calloc(1, sizeof(*u));
	if (!u)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->work, NULL);
	pthread_cond_init(&u->done, NULL);
	icp_error_init(&u->fail);
	u->c = c;
	u->vt = o->vt ? o->vt : &icp_s3_upload_requests;
	u->part_size = o->part_size;
	u->concurrency = o->concurrency <= 0 ? ICP_S3_UPLOAD_CONCURRENCY_DEFAULT
	                 : o->concurrency > ICP_S3_UPLOAD_CONCURRENCY_MAX
	                         ? ICP_S3_UPLOAD_CONCURRENCY_MAX
	                         : o->concurrency;
	u->if_absent = o->if_absent;
	u->bucket = icp_strdup(bucket);
	u->key = icp_strdup(key);
	u->cur = part_new(u);
	u->n_bufs = 1;
	if (!u->bucket || !u->key || !u->cur) {
		destroy(u);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	*out = u;
	return ICP_OK;
}

uint64_t icp_s3_upload_written(const icp_s3_upload *u)
{
	return u->written;
}

int icp_s3_upload_write(icp_s3_upload *u, const void *p, size_t n, icp_error *err)
{
	const uint8_t *b = p;
	int rc;

	if (u->dead)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 %s/%s: write after a failed write",
		                     u->bucket, u->key);
	while (n > 0) {
		size_t room = u->part_size - u->cur->buf.len, k = n < room ? n : room;
		if (icp_buf_append(&u->cur->buf, b, k) != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			goto fail;
		}
		b += k;
		n -= k;
		u->written += k;
		/* Full and more coming: hand it over (the last part waits for
		 * commit, so a one-part object stays a single PUT). */
		if (u->cur->buf.len == u->part_size && n > 0 &&
		    ((rc = hand_over(u, err)) != ICP_OK || (rc = next_buffer(u, err)) != ICP_OK))
			goto fail;
	}
	return ICP_OK;
fail:
	u->dead = 1;
	discard(u);
	return rc;
}

int icp_s3_upload_commit(icp_s3_upload *u, icp_error *err)
{
	int rc;

	if (u->dead) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "s3 %s/%s: commit after a failed write",
		                   u->bucket, u->key);
	} else if (!u->upload_id) {
		rc = u->vt->put(u->c, u->bucket, u->key, u->cur->buf.data, u->cur->buf.len,
		                u->if_absent, err);
	} else {
		rc = u->cur->buf.len > 0 ? hand_over(u, err) : ICP_OK;
		/* Every part done (the workers drain the queue), then complete. */
		stop_workers(u, rc != ICP_OK);
		if (rc == ICP_OK)
			rc = failure(u, err);
		if (rc == ICP_OK)
			rc = check_etags(u, err);
		if (rc == ICP_OK)
			rc = u->vt->complete(u->c, u->bucket, u->key, u->upload_id, u->etags,
			                     (size_t)u->n_parts, u->if_absent, err);
		if (rc == ICP_OK) {
			icp_free(u->upload_id);
			u->upload_id = NULL;
		}
	}
	destroy(u); /* aborts the upload unless completed */
	return rc;
}

void icp_s3_upload_abort(icp_s3_upload *u)
{
	if (u)
		destroy(u);
}
