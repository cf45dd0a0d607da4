/*
 * metrics internals shared by metrics.c (registry, lookups, updates),
 * metrics_expose.c (text format) and metrics_std.c (the contract's set).
 *
 * One struct serves every series kind; the public handle types are
 * distinct incomplete types that point at it, so the compiler keeps a
 * counter from being observed like a histogram.
 * Locking: reg->mu guards family and series lists and hash tables (cold
 * paths: declare, lookup, expose). Series values are atomics, touched
 * without the lock.
 */
#ifndef ICP_METRICS_INT_H
#define ICP_METRICS_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "metrics/metrics.h"

typedef struct mx_series {
	struct mx_series *next;  /* creation order, for exposition */
	struct mx_series *hnext; /* hash chain */
	const struct icp_metrics_family *fam; /* bounds for observe */
	uint64_t hash;
	char **values;           /* n_labels strings, same allocation */
	_Atomic uint64_t value;  /* counter, or gauge double bits */
	_Atomic uint64_t sum;    /* histogram sum, double bits */
	_Atomic uint64_t counts[]; /* histogram: n_buckets + 1 (+Inf) */
} mx_series;

struct icp_metrics_family {
	struct icp_metrics_family *next;
	icp_metrics_registry *reg;
	icp_metrics_type type;
	char *name;
	char *help;
	size_t n_labels;
	char *labels[ICP_METRICS_MAX_LABELS];
	size_t n_buckets;
	double buckets[ICP_METRICS_MAX_BUCKETS];
	double (*fn)(void *arg); /* set: a function gauge, no series */
	void *fn_arg;
	mx_series *first, *last;
	size_t n_series;
	mx_series **table; /* hash buckets, table_size a power of two */
	size_t table_size;
};

struct icp_metrics_registry {
	pthread_mutex_t mu;
	icp_metrics_family *first, *last;
	icp_metrics_family *std[ICP_METRIC_COUNT];
};

static inline double mx_bits_to_double(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}
static inline uint64_t mx_double_to_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

#endif
