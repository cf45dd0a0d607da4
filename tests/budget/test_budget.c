/* Memory budget: limit and ceilings, gauges, NULL = unlimited, blocking
 * acquire woken by a release / a stop flag / a timeout, and many threads
 * acquiring and releasing without ever passing the limit. */
#include "budget/budget.h"
#include "test.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

/* set by a signal handler, as the processor's stop flag is */
static volatile sig_atomic_t stop_flag;
static void on_usr1(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_limits(void)
{
	icp_budget *b = NULL;
	icp_error err;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_budget_new(0, &b, &err), ICP_ERR_INVALID);
	CHECK(b == NULL);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_budget_new(100, &b, &err), ICP_OK);
	CHECK_EQ_INT((int)icp_budget_limit(b), 100);
	CHECK(icp_budget_try_acquire(b, 60));
	CHECK(!icp_budget_try_acquire(b, 41)); /* 101 > 100 */
	CHECK(icp_budget_try_acquire(b, 40));  /* exactly the limit */
	CHECK_EQ_INT((int)icp_budget_used(b), 100);
	CHECK(icp_budget_try_acquire(b, 0));   /* nothing asked: granted */
	icp_budget_release(b, 70);
	CHECK_EQ_INT((int)icp_budget_used(b), 30);
	CHECK_EQ_INT((int)icp_budget_peak(b), 100);
	/* a ceiling under the limit keeps room for other holders */
	CHECK(!icp_budget_try_acquire_below(b, 30, 50));
	CHECK(icp_budget_try_acquire_below(b, 20, 50));
	CHECK(!icp_budget_try_acquire_below(b, 1, 50));
	CHECK(icp_budget_try_acquire_below(b, 50, 1000)); /* ceiling over limit: limit */
	CHECK(!icp_budget_try_acquire(b, UINT64_MAX));     /* no overflow */
	CHECK_EQ_INT(icp_budget_acquire(b, 101, NULL, 0), ICP_ERR_TOO_LARGE);
	icp_budget_release(b, 1000); /* over-release clamps */
	CHECK_EQ_INT((int)icp_budget_used(b), 0);
	icp_budget_free(b);
	icp_budget_free(NULL);
}

static void test_null_unlimited(void)
{
	CHECK(icp_budget_try_acquire(NULL, UINT64_MAX));
	CHECK_EQ_INT(icp_budget_acquire(NULL, UINT64_MAX, NULL, 0), ICP_OK);
	icp_budget_release(NULL, 5);
	CHECK_EQ_INT((int)icp_budget_used(NULL), 0);
	CHECK_EQ_INT((int)icp_budget_limit(NULL), 0);
}

typedef struct releaser {
	icp_budget *b;
	uint64_t n;
	int delay_ms;
	pthread_t signal_to; /* n == 0: signal this thread instead */
} releaser;

static void *release_later(void *arg)
{
	releaser *r = arg;
	sleep_ms(r->delay_ms);
	if (r->n == 0)
		pthread_kill(r->signal_to, SIGUSR1);
	else
		icp_budget_release(r->b, r->n);
	return NULL;
}

static void test_blocking(void)
{
	icp_budget *b = NULL;
	icp_error err;
	pthread_t t;
	releaser r;
	uint64_t t0;
	struct sigaction sa;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_budget_new(10, &b, &err), ICP_OK);
	CHECK(icp_budget_try_acquire(b, 10));
	/* woken by a release on another thread */
	r = (releaser){b, 4, 50, pthread_self()};
	CHECK_EQ_INT(pthread_create(&t, NULL, release_later, &r), 0);
	CHECK_EQ_INT(icp_budget_acquire(b, 3, NULL, 0), ICP_OK);
	pthread_join(t, NULL);
	CHECK_EQ_INT((int)icp_budget_used(b), 9);
	/* a timeout */
	t0 = icp_mono_ns();
	CHECK_EQ_INT(icp_budget_acquire(b, 5, NULL, 120), ICP_END);
	CHECK(icp_mono_ns() - t0 >= 120 * 1000000ull);
	CHECK_EQ_INT((int)icp_budget_used(b), 9);
	/* a stop flag set by a signal handler, with no release at all */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	r = (releaser){b, 0, 50, pthread_self()};
	CHECK_EQ_INT(pthread_create(&t, NULL, release_later, &r), 0);
	CHECK_EQ_INT(icp_budget_acquire(b, 5, &stop_flag, 0), ICP_END);
	CHECK(stop_flag);
	pthread_join(t, NULL);
	CHECK_EQ_INT((int)icp_budget_used(b), 9);
	icp_budget_release(b, 9);
	icp_budget_free(b);
}

/* Threads acquire random-ish amounts (blocking or not), check the gauge
 * never passes the limit while they hold, and release. */
#define N_THREADS 6
#define ROUNDS 3000
#define LIMIT 1000

typedef struct worker {
	icp_budget *b;
	unsigned seed;
	atomic_int *bad;
	pthread_barrier_t *all_hold;
} worker;

static void *hammer(void *arg)
{
	worker *w = arg;
	int i;
	/* first, every thread holds 100 bytes at once: the peak shows it */
	if (icp_budget_acquire(w->b, 100, NULL, 0) != ICP_OK)
		atomic_fetch_add(w->bad, 1);
	pthread_barrier_wait(w->all_hold);
	icp_budget_release(w->b, 100);
	for (i = 0; i < ROUNDS; i++) {
		uint64_t n;
		w->seed = w->seed * 1103515245u + 12345u;
		n = 1 + (w->seed >> 16) % 300;
		if (i % 2) {
			if (icp_budget_acquire(w->b, n, NULL, 0) != ICP_OK) {
				atomic_fetch_add(w->bad, 1);
				continue;
			}
		} else if (!icp_budget_try_acquire(w->b, n)) {
			continue;
		}
		if (icp_budget_used(w->b) > LIMIT)
			atomic_fetch_add(w->bad, 1);
		icp_budget_release(w->b, n);
	}
	return NULL;
}

static void test_threaded(void)
{
	icp_budget *b = NULL;
	icp_error err;
	pthread_t t[N_THREADS];
	worker w[N_THREADS];
	atomic_int bad = 0;
	pthread_barrier_t all_hold;
	int i;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_budget_new(LIMIT, &b, &err), ICP_OK);
	pthread_barrier_init(&all_hold, NULL, N_THREADS);
	for (i = 0; i < N_THREADS; i++) {
		w[i] = (worker){b, (unsigned)i * 7919u + 1u, &bad, &all_hold};
		CHECK_EQ_INT(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (i = 0; i < N_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ_INT(atomic_load(&bad), 0);
	CHECK_EQ_INT((int)icp_budget_used(b), 0);
	CHECK(icp_budget_peak(b) <= LIMIT);
	CHECK(icp_budget_peak(b) >= N_THREADS * 100); /* all held at once */
	pthread_barrier_destroy(&all_hold);
	icp_budget_free(b);
}

int main(void)
{
	TEST_RUN(test_limits);
	TEST_RUN(test_null_unlimited);
	TEST_RUN(test_blocking);
	TEST_RUN(test_threaded);
	return TEST_DONE();
}
