/*
 * A fixed pool of fetch threads. A run hands out jobs through a shared
 * index under one mutex (jobs are blob fetches: the lock is never the
 * bottleneck) and waits for the last one; between runs the threads sleep
 * on a condition variable. resolve_concurrency 0 runs fetches inline.
 */
#include "lfs/lfs.h"

#include <pthread.h>

#define MAX_THREADS 64

struct icp_lfs_pool {
	icp_lfs_fetch_fn fn;
	void *ctx;
	int threads;
	pthread_t tid[MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	icp_lfs_job *jobs;
	size_t n, next, finished;
	uint64_t generation;
	int quit;
};

typedef struct worker_arg {
	icp_lfs_pool *p;
	int id;
} worker_arg;

static void run_job(icp_lfs_pool *p, int worker, icp_lfs_job *j)
{
	uint64_t t0 = icp_mono_ns();
	icp_error_init(&j->err);
	j->status = p->fn(p->ctx, worker, j->env, j->out, &j->err);
	j->seconds = (double)(icp_mono_ns() - t0) / 1e9;
}

static void *worker_main(void *arg)
{
	worker_arg wa = *(worker_arg *)arg;
	icp_lfs_pool *p = wa.p;
	icp_free(arg);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->next >= p->n)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		{
			icp_lfs_job *j = &p->jobs[p->next++];
			pthread_mutex_unlock(&p->mu);
			run_job(p, wa.id, j);
			pthread_mutex_lock(&p->mu);
			if (++p->finished == p->n)
				pthread_cond_signal(&p->done);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int icp_lfs_pool_new(int threads, icp_lfs_fetch_fn fn, void *ctx, icp_lfs_pool **out,
                     icp_error *err)
{
	icp_lfs_pool *p;
	int i;

	*out = NULL;
	if (threads < 0 || threads > MAX_THREADS)
		return icp_error_set(err, ICP_ERR_INVALID, "LFS resolve concurrency %d is not 0..%d",
		                     threads, MAX_THREADS);
	p = icp_calloc(1, sizeof(*p));
	if (!p)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	p->fn = fn;
	p->ctx = ctx;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (i = 0; i < threads; i++) {
		worker_arg *wa = icp_malloc(sizeof(*wa));
		if (!wa || (wa->p = p, wa->id = i, pthread_create(&p->tid[i], NULL, worker_main, wa))) {
			icp_free(wa);
			icp_lfs_pool_free(p);
			return icp_error_set(err, ICP_ERR_NOMEM, "cannot start LFS fetch thread %d", i);
		}
		p->threads = i + 1;
	}
	*out = p;
	return ICP_OK;
}

void icp_lfs_pool_free(icp_lfs_pool *p)
{
	int i;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->threads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	icp_free(p);
}

void icp_lfs_pool_run(icp_lfs_pool *p, icp_lfs_job *jobs, size_t n)
{
	size_t i;
	if (n == 0)
		return;
	if (p->threads == 0 || n == 1) {
		for (i = 0; i < n; i++)
			run_job(p, 0, &jobs[i]);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->jobs = jobs;
	p->n = n;
	p->next = 0;
	p->finished = 0;
	pthread_cond_broadcast(&p->work);
	while (p->finished < n)
		pthread_cond_wait(&p->done, &p->mu);
	p->jobs = NULL;
	p->n = p->next = p->finished = 0;
	pthread_mutex_unlock(&p->mu);
}
