/*
 * The allocator wrapper: the only file that calls malloc/free. It keeps a
 * live-bytes gauge (a size header precedes every block) and a fail-after
 * counter for allocation-failure tests. Both are atomics: the allocator is
 * the one piece of global mutable state besides metrics.
 */
#include "core.h"

#include <stdatomic.h>
#include <stdlib.h>

/* 16 bytes keep the user pointer aligned for any type. */
#define HDR 16

static atomic_size_t live_bytes;
static atomic_long fail_after;

size_t icp_alloc_live_bytes(void)
{
	return atomic_load_explicit(&live_bytes, memory_order_relaxed);
}

void icp_alloc_fail_after(long n)
{
	atomic_store(&fail_after, n);
}

static int should_fail(void)
{
	long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
	if (n <= 0)
		return 0;
	n = atomic_fetch_sub(&fail_after, 1);
	return n == 1;
}

void *icp_malloc(size_t n)
{
	size_t total;
	uint8_t *p;

	if (should_fail() || icp_add_size(n, HDR, &total))
		return NULL;
	p = malloc(total);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	atomic_fetch_add_explicit(&live_bytes, n, memory_order_relaxed);
	return p + HDR;
}

void *icp_calloc(size_t count, size_t size)
{
	size_t n;
	void *p;

	if (icp_mul_size(count, size, &n))
		return NULL;
	p = icp_malloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

void *icp_realloc(void *ptr, size_t n)
{
	uint8_t *base, *np;
	size_t old, total;

	if (!ptr)
		return icp_malloc(n);
	if (should_fail() || icp_add_size(n, HDR, &total))
		return NULL;
	base = (uint8_t *)ptr - HDR;
	memcpy(&old, base, sizeof(old));
	np = realloc(base, total);
	if (!np)
		return NULL;
	memcpy(np, &n, sizeof(n));
	atomic_fetch_add_explicit(&live_bytes, n, memory_order_relaxed);
	atomic_fetch_sub_explicit(&live_bytes, old, memory_order_relaxed);
	return np + HDR;
}

void icp_free(void *ptr)
{
	uint8_t *base;
	size_t n;

	if (!ptr)
		return;
	base = (uint8_t *)ptr - HDR;
	memcpy(&n, base, sizeof(n));
	atomic_fetch_sub_explicit(&live_bytes, n, memory_order_relaxed);
	free(base);
}

char *icp_strndup(const char *s, size_t n)
{
	char *d = icp_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *icp_strdup(const char *s)
{
	return s ? icp_strndup(s, strlen(s)) : NULL;
}
