/*
 * The worker pool: a ring of jobs under one mutex, two condition variables
 * (`not_full` for submitters, `not_empty` for workers) and a third one,
 * `done`, broadcast when a job that a group waiter watches finishes.
 *
 * A worker pops a job, unlocks, runs it with an error of its own, then locks
 * again to account for it in its group (keeping the first error). Shutdown
 * sets `stop`; workers leave only once the ring is empty, so whatever was
 * queued before icp_pool_free() still runs (drain, then join).
 *
 * Inline mode (no threads) bypasses the ring and the mutex entirely: the
 * only thread is the caller's, and the group fields are plain data then.
 */
#include "pool/pool.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>

typedef struct pool_job {
	icp_pool_fn fn;
	void *arg;
	icp_pool_group *g;
} pool_job;

typedef struct pool_worker {
	icp_pool *p;
	unsigned index;
	pthread_t tid;
} pool_worker;

struct icp_pool {
	unsigned n_threads;     /* started and to be joined */
	pool_worker *workers;
	pool_job *ring;
	size_t cap, head, count;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t not_full, not_empty, done;
	int sync_ok;            /* mutex and conds initialised */
};

static void finish_job(icp_pool_group *g, int rc, const icp_error *jerr)
{
	if (rc != ICP_OK && g->err.status == ICP_OK) {
		g->err = *jerr;
		if (g->err.status == ICP_OK) /* a job that forgot to set its error */
			g->err.status = rc;
	}
	g->pending--;
}

static void *worker_main(void *arg)
{
	pool_worker *self = arg;
	icp_pool *p = self->p;
	icp_error jerr;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		pool_job job;
		int rc;
		while (p->count == 0 && !p->stop)
			pthread_cond_wait(&p->not_empty, &p->mu);
		if (p->count == 0) /* stop, and nothing left to drain */
			break;
		job = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_cond_signal(&p->not_full);
		pthread_mutex_unlock(&p->mu);

		icp_error_init(&jerr);
		rc = job.fn(job.arg, self->index, &jerr);

		pthread_mutex_lock(&p->mu);
		if (!job.g)
			continue; /* detached: nobody waits for it */
		finish_job(job.g, rc, &jerr);
		if (job.g->pending == 0 && job.g->waiters > 0)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pool_stop(icp_pool *p)
{
	unsigned i;
	if (!p->sync_ok)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->workers[i].tid, NULL);
	p->n_threads = 0;
}

void icp_pool_free(icp_pool *p)
{
	if (!p)
		return;
	pool_stop(p);
	if (p->sync_ok) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->not_full);
		pthread_cond_destroy(&p->not_empty);
		pthread_cond_destroy(&p->done);
	}
	icp_free(p->workers);
	icp_free(p->ring);
	icp_free(p);
}

int icp_pool_new(unsigned threads, size_t queue_cap, icp_pool **out, icp_error *err)
{
	icp_pool *p;
	sigset_t all, old;
	unsigned i;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	p = icp_calloc(1, sizeof(*p));
	if (!p)
		return icp_error_set(err, ICP_ERR_NOMEM, "pool: out of memory");
	if (threads <= 1) {
		*out = p; /* inline: no ring, no thread */
		return ICP_OK;
	}
	p->cap = queue_cap ? queue_cap : 2 * (size_t)threads;
	p->ring = icp_calloc(p->cap, sizeof(pool_job));
	p->workers = icp_calloc(threads, sizeof(pool_worker));
	if (!p->ring || !p->workers) {
		icp_error_set(err, ICP_ERR_NOMEM, "pool: out of memory");
		goto fail;
	}
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		icp_error_set(err, ICP_ERR_IO, "pool: cannot create a mutex");
		rc = ICP_ERR_IO;
		goto fail;
	}
	if (pthread_cond_init(&p->not_full, NULL) != 0 ||
	    pthread_cond_init(&p->not_empty, NULL) != 0 || pthread_cond_init(&p->done, NULL) != 0) {
		/* Linux conds hold no resource; destroying all three is safe. */
		pthread_mutex_destroy(&p->mu);
		icp_error_set(err, ICP_ERR_IO, "pool: cannot create a condition variable");
		rc = ICP_ERR_IO;
		goto fail;
	}
	p->sync_ok = 1;
	/* Workers start with every signal blocked, so SIGTERM, SIGINT and
	 * SIGALRM keep reaching the thread that installed their handlers (and
	 * interrupting its waits) as before there were workers. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < threads; i++) {
		int e;
		p->workers[i].p = p;
		p->workers[i].index = i;
		e = pthread_create(&p->workers[i].tid, NULL, worker_main, &p->workers[i]);
		if (e != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			icp_error_set(err, ICP_ERR_IO, "pool: cannot start thread %u of %u: %s", i + 1,
			              threads, strerror(e));
			rc = ICP_ERR_IO;
			goto fail;
		}
		p->n_threads = i + 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = p;
	return ICP_OK;
fail:
	icp_pool_free(p);
	return rc;
}

unsigned icp_pool_workers(const icp_pool *p)
{
	return p && p->n_threads > 1 ? p->n_threads : 1;
}

void icp_pool_group_init(icp_pool_group *g, icp_pool *p)
{
	memset(g, 0, sizeof(*g));
	g->pool = p && p->n_threads > 0 ? p : NULL;
	icp_error_init(&g->err);
}

void icp_pool_submit(icp_pool_group *g, icp_pool_fn fn, void *arg)
{
	icp_pool *p = g->pool;

	if (!p) {
		icp_error jerr;
		int rc;
		icp_error_init(&jerr);
		g->pending++;
		rc = fn(arg, 0, &jerr);
		finish_job(g, rc, &jerr);
		return;
	}
	pthread_mutex_lock(&p->mu);
	while (p->count == p->cap)
		pthread_cond_wait(&p->not_full, &p->mu);
	p->ring[(p->head + p->count) % p->cap] = (pool_job){fn, arg, g};
	p->count++;
	g->pending++;
	pthread_cond_signal(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
}

int icp_pool_group_wait(icp_pool_group *g, icp_error *err)
{
	icp_pool *p = g->pool;
	int rc;

	if (p) {
		pthread_mutex_lock(&p->mu);
		g->waiters++;
		while (g->pending > 0)
			pthread_cond_wait(&p->done, &p->mu);
		g->waiters--;
		rc = g->err.status;
		if (rc != ICP_OK && err && err->status == ICP_OK)
			*err = g->err;
		pthread_mutex_unlock(&p->mu);
		return rc;
	}
	rc = g->err.status;
	if (rc != ICP_OK && err && err->status == ICP_OK)
		*err = g->err;
	return rc;
}

int icp_pool_group_idle(icp_pool_group *g)
{
	int idle;
	if (!g->pool)
		return g->pending == 0;
	pthread_mutex_lock(&g->pool->mu);
	idle = g->pending == 0;
	pthread_mutex_unlock(&g->pool->mu);
	return idle;
}

/* ------------------------------------------------------------------- cpus */

unsigned icp_pool_cpus_from(long affinity, const char *cpu_max)
{
	unsigned long long quota, period;
	char word[32];
	unsigned n = affinity > 0 ? (unsigned)affinity : 1;

	/* cpu.max is "max 100000" (no quota) or "<quota> <period>". */
	if (cpu_max && sscanf(cpu_max, "%31s %llu", word, &period) == 2 && period > 0 &&
	    strcmp(word, "max") != 0 && sscanf(word, "%llu", &quota) == 1 && quota > 0) {
		unsigned long long q = (quota + period - 1) / period;
		if (q < n)
			n = (unsigned)q;
	}
	return n;
}

unsigned icp_pool_cpus(void)
{
	cpu_set_t set;
	long aff = 1;
	char text[128];
	FILE *f;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		aff = CPU_COUNT(&set);
	f = fopen("/sys/fs/cgroup/cpu.max", "r");
	if (!f)
		return icp_pool_cpus_from(aff, NULL);
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return icp_pool_cpus_from(aff, text);
}

int icp_pool_try_submit_detached(icp_pool *p, icp_pool_fn fn, void *arg)
{
	int queued = 0;
	if (!p || p->n_threads == 0)
		return 0;
	pthread_mutex_lock(&p->mu);
	if (p->count < p->cap) {
		p->ring[(p->head + p->count) % p->cap] = (pool_job){fn, arg, NULL};
		p->count++;
		queued = 1;
		pthread_cond_signal(&p->not_empty);
	}
	pthread_mutex_unlock(&p->mu);
	return queued;
}
