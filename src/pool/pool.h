/*
 * pool: a fixed set of worker threads fed by one bounded job queue.
 *
 * Role: run independent CPU-bound jobs (today: compressing Parquet pages of
 * different columns) on every core the process may use, while the thread
 * that submits them goes on with its own work.
 *
 * Model (the shape of zstd's lib/common/pool.c):
 * - icp_pool_new() starts `threads` workers. A job is a function and an
 *   argument; icp_pool_submit() puts it on a ring of `queue_cap` entries and
 *   returns. A full ring blocks the submitter until a worker takes a job:
 *   back-pressure, never growth.
 * - Every job belongs to a group (icp_pool_group, caller-owned). The caller
 *   submits N jobs into a group and icp_pool_group_wait() returns when all
 *   N have run. The first job of a group that fails has its icp_error kept
 *   in the group; later failures never overwrite it.
 * - threads <= 1 (or a NULL pool) starts no thread: icp_pool_submit() runs
 *   the job at once on the caller's thread, as worker 0, through the same
 *   group bookkeeping. That is the deterministic mode (`processor.threads:
 *   1`): one thread, no scheduling noise, the same code.
 * - A job gets its worker index (0 .. icp_pool_workers() - 1). A worker runs
 *   one job at a time, so per-worker scratch (codec contexts, buffers)
 *   indexed by it is never used by two jobs at once.
 *
 * Ownership and invariants:
 * - A job owns what its argument points to from submit until it returns;
 *   the submitter must not touch that state until the group wait returns
 *   (that wait is the hand-back, and the memory barrier that publishes the
 *   job's writes). The pool never frees job arguments.
 * - Jobs must not submit to the pool nor wait on a group (a worker waiting
 *   for a job queued behind it would deadlock).
 * - One mutex guards the ring and every group's counters; it is taken once
 *   per submit and once per finished job, never inside a job.
 * - icp_pool_free() drains: jobs already queued run to the end, then the
 *   workers are joined. Groups must be waited for before their memory goes.
 * - A pool and its groups may be used by several submitting threads.
 * - Workers block every signal: process signals go to the other threads.
 */
#ifndef ICP_POOL_H
#define ICP_POOL_H

#include "core/core.h"

typedef struct icp_pool icp_pool;

/* A job. worker: the index of the thread running it (0 inline). Returns
 * ICP_OK or a negative status after setting err (a fresh, per-job error). */
typedef int (*icp_pool_fn)(void *arg, unsigned worker, icp_error *err);

/* Starts a pool. threads <= 1: no thread, jobs run inline. queue_cap: ring
 * entries (0 = 2 per thread). Returns ICP_OK, or ICP_ERR_NOMEM / ICP_ERR_IO
 * (a thread could not be started; the ones that were are joined). Free
 * with icp_pool_free(). */
int icp_pool_new(unsigned threads, size_t queue_cap, icp_pool **out, icp_error *err);
/* Runs every queued job, joins the workers, frees the pool. NULL: no-op. */
void icp_pool_free(icp_pool *p);
/* Worker indexes a job may see: the thread count, 1 when inline (p NULL). */
unsigned icp_pool_workers(const icp_pool *p);

/* A set of jobs to wait for. Caller-owned; the fields are private. */
typedef struct icp_pool_group {
	icp_pool *pool;      /* NULL: inline */
	size_t pending;      /* submitted, not finished (under the pool mutex) */
	int waiters;         /* threads in icp_pool_group_wait() */
	icp_error err;       /* the first failure */
} icp_pool_group;

/* Binds a group to a pool (NULL = inline). Nothing to dispose: a group
 * whose jobs all finished holds no resource. */
void icp_pool_group_init(icp_pool_group *g, icp_pool *p);
/* Queues fn(arg) in g (runs it now when inline). Blocks while the queue is
 * full. Never fails: a job's failure is reported by the group wait. */
void icp_pool_submit(icp_pool_group *g, icp_pool_fn fn, void *arg);
/* Queues fn(arg) outside any group unless the ring is full; never
 * blocks. Returns 1 when queued, 0 when not (full, or an inline pool: the
 * caller does the work itself). Nothing waits for a detached job and its
 * status is dropped: it must publish its own outcome and release what it
 * holds (for work a submitter may also do itself, e.g. decoding ahead,
 * where a job can find nothing left to do). icp_pool_free() still runs
 * it (drain). */
int icp_pool_try_submit_detached(icp_pool *p, icp_pool_fn fn, void *arg);
/* Waits until every job submitted in g so far has finished. Returns ICP_OK,
 * or the status of the group's first failed job, whose error is copied into
 * err unless err is already set. The group's error stays set (sticky). */
int icp_pool_group_wait(icp_pool_group *g, icp_error *err);
/* Whether every job submitted in g has finished (does not block). */
int icp_pool_group_idle(icp_pool_group *g);

/* The CPUs this process may use: the sched_getaffinity count, capped by the
 * cgroup v2 CPU quota (/sys/fs/cgroup/cpu.max, quota/period rounded up)
 * when one is set. At least 1. */
unsigned icp_pool_cpus(void);
/* The rule itself: affinity count, cpu.max text (NULL = none). For tests. */
unsigned icp_pool_cpus_from(long affinity, const char *cpu_max);

#endif
