/*
 * The memory budget: a counter under one mutex, and a condition variable
 * broadcast on every release so blocked acquirers look again. Waits are
 * sliced (100 ms) so a stop flag set by a signal handler, which cannot
 * signal the condition variable, is seen promptly.
 */
#include "budget/budget.h"

#include <pthread.h>
#include <time.h>

#define WAIT_SLICE_MS 100

struct icp_budget {
	uint64_t limit;
	pthread_mutex_t mu;
	pthread_cond_t freed; /* released bytes: waiters look again */
	uint64_t used, peak;  /* under mu */
};

int icp_budget_new(uint64_t limit, icp_budget **out, icp_error *err)
{
	icp_budget *b;
	*out = NULL;
	if (limit == 0)
		return icp_error_set(err, ICP_ERR_INVALID, "memory budget of 0 bytes");
	b = icp_calloc(1, sizeof(*b));
	if (!b)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	b->limit = limit;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->freed, NULL);
	*out = b;
	return ICP_OK;
}

void icp_budget_free(icp_budget *b)
{
	if (!b)
		return;
	pthread_cond_destroy(&b->freed);
	pthread_mutex_destroy(&b->mu);
	icp_free(b);
}

/* Under mu: counts n if it fits under cap. */
static int take(icp_budget *b, uint64_t n, uint64_t cap)
{
	if (n > cap || b->used > cap - n)
		return 0;
	b->used += n;
	if (b->used > b->peak)
		b->peak = b->used;
	return 1;
}

int icp_budget_try_acquire_below(icp_budget *b, uint64_t n, uint64_t ceiling)
{
	uint64_t cap;
	int ok;
	if (!b || n == 0)
		return 1;
	cap = ceiling && ceiling < b->limit ? ceiling : b->limit;
	pthread_mutex_lock(&b->mu);
	ok = take(b, n, cap);
	pthread_mutex_unlock(&b->mu);
	return ok;
}

int icp_budget_try_acquire(icp_budget *b, uint64_t n)
{
	return icp_budget_try_acquire_below(b, n, 0);
}

int icp_budget_acquire(icp_budget *b, uint64_t n, const volatile sig_atomic_t *stop,
                       uint64_t timeout_ms)
{
	uint64_t start = icp_mono_ns();
	int rc = ICP_OK;
	if (!b || n == 0)
		return ICP_OK;
	if (n > b->limit)
		return ICP_ERR_TOO_LARGE;
	pthread_mutex_lock(&b->mu);
	while (!take(b, n, b->limit)) {
		struct timespec ts;
		if ((stop && *stop) ||
		    (timeout_ms && icp_mono_ns() - start >= timeout_ms * 1000000ull)) {
			rc = ICP_END;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WAIT_SLICE_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->freed, &b->mu, &ts);
	}
	pthread_mutex_unlock(&b->mu);
	return rc;
}

void icp_budget_release(icp_budget *b, uint64_t n)
{
	if (!b || n == 0)
		return;
	pthread_mutex_lock(&b->mu);
	b->used = n > b->used ? 0 : b->used - n;
	pthread_cond_broadcast(&b->freed);
	pthread_mutex_unlock(&b->mu);
}

uint64_t icp_budget_limit(const icp_budget *b)
{
	return b ? b->limit : 0;
}

uint64_t icp_budget_used(icp_budget *b)
{
	uint64_t v;
	if (!b)
		return 0;
	pthread_mutex_lock(&b->mu);
	v = b->used;
	pthread_mutex_unlock(&b->mu);
	return v;
}

uint64_t icp_budget_peak(icp_budget *b)
{
	uint64_t v;
	if (!b)
		return 0;
	pthread_mutex_lock(&b->mu);
	v = b->peak;
	pthread_mutex_unlock(&b->mu);
	return v;
}
