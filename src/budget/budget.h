/*
 * budget: one memory budget shared by every queue and buffer of a process
 * (the shape of a Kafka producer's `buffer.memory`).
 *
 * Role: `processor.memory_limit_bytes` is one number; the buffers it covers
 * (Parquet row groups, S3 read-ahead chunks, multipart upload parts,
 * read_committed transaction queues, segment reads kept open between
 * turns) belong to different modules and threads. Each of them asks this
 * object for bytes before it holds them and gives them back when it lets
 * them go, so their sum stays under the limit (docs/internals/memory.md).
 *
 * Model:
 * - A budget is a counter `used` in [0, limit] under a mutex. Acquiring n
 *   bytes succeeds only if used + n <= limit (or a lower ceiling the
 *   caller passes: a class of buffers that must leave room for others).
 * - try_acquire never blocks: the caller degrades (fewer chunks in flight,
 *   a queue dropped for a re-read) when it is refused. acquire blocks until
 *   the bytes are released by someone else, the stop flag is set, or the
 *   timeout passes; it is meant for threads that hold nothing the
 *   releasing side waits for (no deadlock by construction: a waiter holds
 *   no budget it would need to give back first).
 * - Gauges: used now, and the highest `used` ever seen (peak).
 * - A NULL budget is unlimited: every acquire succeeds, release is a
 *   no-op. Code that may run without a budget (tests, tools) needs no
 *   special case.
 *
 * Ownership: the creator frees it with icp_budget_free() after every holder
 * released (a non-zero `used` at free is a leak of accounting, not of
 * memory). Every function is thread-safe. No global state.
 */
#ifndef ICP_BUDGET_H
#define ICP_BUDGET_H

#include "core/core.h"

#include <signal.h>

typedef struct icp_budget icp_budget;

/* A budget of `limit` bytes (> 0: ICP_ERR_INVALID otherwise; ICP_ERR_NOMEM). */
int icp_budget_new(uint64_t limit, icp_budget **out, icp_error *err);
/* NULL: no-op. */
void icp_budget_free(icp_budget *b);

/* 1 and n bytes counted as used when used + n <= min(limit, ceiling);
 * else 0 and nothing changes. ceiling 0 means the limit. n == 0: 1. */
int icp_budget_try_acquire_below(icp_budget *b, uint64_t n, uint64_t ceiling);
/* The same with the limit as ceiling. */
int icp_budget_try_acquire(icp_budget *b, uint64_t n);
/* Waits until n bytes fit, then counts them. ICP_OK; ICP_ERR_TOO_LARGE when
 * n is over the limit (it never fits); ICP_END when *stop became non-zero
 * (stop may be NULL) or timeout_ms passed (0 = no timeout) first. */
int icp_budget_acquire(icp_budget *b, uint64_t n, const volatile sig_atomic_t *stop,
                       uint64_t timeout_ms);
/* Gives back n bytes acquired before (more than used: clamped to 0, a
 * programmer error caught by the unit tests, never undercounting others). */
void icp_budget_release(icp_budget *b, uint64_t n);

/* Gauges (0 for NULL). */
uint64_t icp_budget_limit(const icp_budget *b);
uint64_t icp_budget_used(icp_budget *b);
uint64_t icp_budget_peak(icp_budget *b);

#endif
