/*
 * A read-ahead reader: bytes [start, size) of one object as consecutive
 * chunks, each fetched with one ranged read on a fetch thread, up to
 * `depth` chunks in flight, handed to the caller in order.
 *
 * Why: one streaming GET is bounded by one connection (latency per
 * request, bandwidth per connection); decoding waits for the network and
 * the network for decoding. With chunks fetched ahead on several
 * connections, both overlap and the per-connection cap multiplies.
 *
 * Ownership: the reader owns `depth` slots and `depth` threads. A slot is
 * owned by the one fetch thread that claimed its chunk until it is READY,
 * then by the consumer (the caller's thread) until consumed; the mutex
 * guards only the slot states and the counters, never a copy or a fetch.
 * Memory: at most depth * chunk bytes. Close stops the threads (a fetch
 * in progress finishes first) and frees everything.
 *
 * Errors: a failed chunk (after the store's own retries) fails the read
 * that reaches it, with the store's error; later reads return the same.
 */
#include "storage/storage_int.h"

#include <pthread.h>

enum { SLOT_EMPTY, SLOT_FETCHING, SLOT_READY, SLOT_FAILED };

typedef struct slot {
	int state;
	uint64_t chunk;   /* chunk number it holds */
	icp_buf data;
	size_t pos;       /* consumed bytes */
	icp_error err;
} slot;

typedef struct prefetch_reader {
	icp_storage_reader base;
	icp_storage *store;
	char *key;
	uint64_t start, end;
	size_t chunk;
	size_t depth;
	uint64_t n_chunks;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t next_fetch;   /* next chunk a thread claims */
	uint64_t next_read;    /* chunk the consumer reads */
	int stop;
	slot *slots;
	pthread_t *threads;
	size_t n_threads;
	icp_error failed;      /* sticky, consumer side */
} prefetch_reader;

static void *fetch_main(void *arg)
{
	prefetch_reader *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		uint64_t c;
		slot *s;
		uint64_t off;
		size_t len;
		int rc;
		/* a chunk may be fetched once its slot is free: at most depth
		 * chunks ahead of the consumer */
		while (!r->stop && r->next_fetch < r->n_chunks &&
		       r->slots[r->next_fetch % r->depth].state != SLOT_EMPTY)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop || r->next_fetch >= r->n_chunks)
			break;
		c = r->next_fetch++;
		s = &r->slots[c % r->depth];
		s->state = SLOT_FETCHING;
		s->chunk = c;
		s->pos = 0;
		pthread_mutex_unlock(&r->mu);

		off = r->start + c * r->chunk;
		len = (size_t)(r->end - off < r->chunk ? r->end - off : r->chunk);
		icp_buf_reset(&s->data);
		icp_error_init(&s->err);
		rc = icp_storage_read_range(r->store, r->key, off, len, &s->data, &s->err);
		if (rc == ICP_OK && s->data.len != len)
			rc = icp_error_set(&s->err, ICP_ERR_IO,
			                   "%s: ranged read at %llu returned %zu of %zu bytes", r->key,
			                   (unsigned long long)off, s->data.len, len);

		pthread_mutex_lock(&r->mu);
		s->state = rc == ICP_OK ? SLOT_READY : SLOT_FAILED;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static int pf_read(icp_storage_reader *base, uint8_t *buf, size_t n, size_t *got,
                   icp_error *err)
{
	prefetch_reader *r = (prefetch_reader *)base;
	slot *s;
	size_t k;

	*got = 0;
	if (r->failed.status != ICP_OK) {
		*err = r->failed;
		return r->failed.status;
	}
	if (r->next_read >= r->n_chunks || n == 0)
		return ICP_OK; /* the end */
	s = &r->slots[r->next_read % r->depth];
	pthread_mutex_lock(&r->mu);
	while (!(s->chunk == r->next_read &&
	         (s->state == SLOT_READY || s->state == SLOT_FAILED)))
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	if (s->state == SLOT_FAILED) {
		r->failed = s->err;
		*err = s->err;
		return s->err.status;
	}
	/* READY: the slot is the consumer's until it is handed back */
	k = s->data.len - s->pos < n ? s->data.len - s->pos : n;
	memcpy(buf, s->data.data + s->pos, k);
	s->pos += k;
	*got = k;
	if (s->pos == s->data.len) {
		pthread_mutex_lock(&r->mu);
		s->state = SLOT_EMPTY;
		r->next_read++;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	return ICP_OK;
}

static int pf_read_at(icp_storage_reader *base, uint64_t pos, uint8_t *buf, size_t n,
                      icp_error *err)
{
	prefetch_reader *r = (prefetch_reader *)base;
	icp_buf b;
	int rc;
	icp_buf_init(&b, n);
	rc = icp_storage_read_range(r->store, r->key, pos, n, &b, err);
	if (rc == ICP_OK && b.len != n)
		rc = icp_error_set(err, ICP_ERR_IO, "%s: short read of %zu bytes at %llu", r->key, n,
		                   (unsigned long long)pos);
	if (rc == ICP_OK)
		memcpy(buf, b.data, n);
	icp_buf_dispose(&b);
	return rc;
}

static void pf_close(icp_storage_reader *base)
{
	prefetch_reader *r = (prefetch_reader *)base;
	size_t i;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	for (i = 0; i < r->n_threads; i++)
		pthread_join(r->threads[i], NULL);
	for (i = 0; r->slots && i < r->depth; i++)
		icp_buf_dispose(&r->slots[i].data);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	icp_free(r->slots);
	icp_free(r->threads);
	icp_free(r->key);
	icp_free(r);
}

int icp_storage_prefetch_open(icp_storage *s, const char *key, uint64_t start, uint64_t size,
                              size_t depth, size_t chunk, icp_storage_reader **out,
                              icp_error *err)
{
	prefetch_reader *r;
	size_t i;

	*out = NULL;
	if (depth == 0 || chunk == 0 || start > size)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "%s: read-ahead of %zu chunks of %zu bytes from %llu of %llu",
		                     key, depth, chunk, (unsigned long long)start,
		                     (unsigned long long)size);
	r = icp_calloc(1, sizeof(*r));
	if (!r)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	r->base.read = pf_read;
	r->base.read_at = pf_read_at;
	r->base.close = pf_close;
	r->base.size = size;
	r->store = s;
	r->start = start;
	r->end = size;
	r->chunk = chunk;
	r->n_chunks = (size - start + chunk - 1) / chunk;
	r->depth = depth;
	icp_error_init(&r->failed);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->key = icp_strdup(key);
	r->slots = icp_calloc(depth, sizeof(*r->slots));
	r->threads = icp_calloc(depth, sizeof(*r->threads));
	if (!r->key || !r->slots || !r->threads) {
		pf_close(&r->base);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < depth; i++) {
		icp_buf_init(&r->slots[i].data, chunk);
		r->slots[i].chunk = UINT64_MAX;
	}
	/* no more threads than chunks: a small object costs one */
	for (i = 0; i < depth && i < r->n_chunks; i++) {
		if (pthread_create(&r->threads[i], NULL, fetch_main, r) != 0)
			break;
		r->n_threads++;
	}
	if (r->n_chunks && r->n_threads == 0) {
		pf_close(&r->base);
		return icp_error_set(err, ICP_ERR_IO, "%s: cannot start a fetch thread", key);
	}
	*out = &r->base;
	return ICP_OK;
}
