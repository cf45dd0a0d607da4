/*
 * metrics: counters, gauges and histograms with labels, exposed in the
 * Prometheus text format 0.0.4 (what /metrics serves).
 *
 * Role
 * - A registry holds metric families (name, help, type, label names, and
 *   for histograms fixed bucket bounds). A family holds series, one per
 *   distinct tuple of label values. icp_metrics_global() is the one
 *   process-wide registry (metrics and the allocator are the only global
 *   mutable state the project allows); it comes with the families of the
 *   KafScale contract (shared/spec/compatibility.md) already declared, see
 *   icp_metrics_std(). Private registries (_registry_new) exist for tests.
 *
 * Hot path
 * - Looking a series up by label values takes the registry mutex and
 *   allocates the first time: do it once and cache the handle (per topic,
 *   per partition...). Updating through a handle is one relaxed atomic
 *   operation (a CAS loop for doubles), never a lock, never an allocation.
 * - Every update function accepts a NULL handle and does nothing, so a
 *   lookup that failed (out of memory, too many series) costs a metric,
 *   never the process.
 *
 * Invariants
 * - Names follow Prometheus: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label
 *   [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"; a histogram has no "le"
 *   label. Declaring a name again with the same type, labels and buckets
 *   returns the existing family; anything else is ICP_ERR_CONFLICT.
 * - Label values are any bytes; invalid UTF-8 sequences are replaced by
 *   U+FFFD (the format is UTF-8), so the raw and the replaced spelling are
 *   the same series. A family holds at most ICP_METRICS_MAX_SERIES series
 *   (label values can come from untrusted input such as topic names);
 *   lookups past that fail with ICP_ERR_TOO_LARGE.
 * - Counters are uint64 and only go up; gauges are doubles; histograms
 *   count observations per bucket (v <= bound, the first matching bucket)
 *   and a sum. NaN observations are ignored. Exposition reads the buckets
 *   once and derives _count from them, so +Inf always equals _count.
 * - Exposition order: families in declaration order, series in creation
 *   order. A family with labels and no series yet is omitted (as the Go
 *   client does); a family without labels has its one series from the
 *   start, at 0.
 *
 * Ownership: the registry owns families and series; handles are borrowed
 * and valid until the registry is freed (the global one never is).
 */
#ifndef ICP_METRICS_H
#define ICP_METRICS_H

#include "core/core.h"

#define ICP_METRICS_MAX_LABELS 8
#define ICP_METRICS_MAX_BUCKETS 40
#define ICP_METRICS_MAX_SERIES 10000

typedef struct icp_metrics_registry icp_metrics_registry;
typedef struct icp_metrics_family icp_metrics_family;
typedef struct icp_metrics_counter icp_metrics_counter;
typedef struct icp_metrics_gauge icp_metrics_gauge;
typedef struct icp_metrics_histogram icp_metrics_histogram;

typedef enum icp_metrics_type {
	ICP_METRICS_COUNTER,
	ICP_METRICS_GAUGE,
	ICP_METRICS_HISTOGRAM
} icp_metrics_type;

/* What to declare. labels: names, unused entries NULL (so static tables
 * read well); buckets: strictly increasing finite upper bounds for a
 * histogram (+Inf is implicit), ignored otherwise. Strings are copied. */
typedef struct icp_metrics_desc {
	icp_metrics_type type;
	const char *name;
	const char *help;
	const char *labels[ICP_METRICS_MAX_LABELS];
	const double *buckets;
	size_t n_buckets;
} icp_metrics_desc;

/* ---------------------------------------------------------------- registry */

/* An empty registry. ICP_ERR_NOMEM only. Free with _registry_free. */
int icp_metrics_registry_new(icp_metrics_registry **out, icp_error *err);
void icp_metrics_registry_free(icp_metrics_registry *r);

/* Declares a family (or returns the identical one declared before).
 * ICP_ERR_INVALID for a bad name, label or bucket list, ICP_ERR_CONFLICT
 * for the same name declared differently, ICP_ERR_NOMEM. */
int icp_metrics_declare(icp_metrics_registry *r, const icp_metrics_desc *d,
                        icp_metrics_family **out, icp_error *err);

/* An unlabelled gauge whose value is fn(arg), called at each exposition
 * (under the registry lock, from the scraping thread: keep it cheap and
 * thread-safe). Same errors as _declare. */
int icp_metrics_declare_func(icp_metrics_registry *r, const char *name,
                             const char *help, double (*fn)(void *arg),
                             void *arg, icp_error *err);

/* The family of that name, or NULL. */
icp_metrics_family *icp_metrics_find(icp_metrics_registry *r, const char *name);

/* Appends every family in the text format 0.0.4. Returns ICP_OK or out's
 * sticky status (ICP_ERR_TOO_LARGE, ICP_ERR_NOMEM). */
int icp_metrics_expose(icp_metrics_registry *r, icp_buf *out);

/* ------------------------------------------------------------------ series */

/* The series of family f with these label values (n must equal the
 * family's label count), created at 0 on first use. NULL when f is NULL
 * or of another type (ICP_ERR_INVALID), n is wrong (ICP_ERR_INVALID), the
 * family is full (ICP_ERR_TOO_LARGE) or memory ran out (ICP_ERR_NOMEM);
 * err may be NULL. */
icp_metrics_counter *icp_metrics_counter_get(icp_metrics_family *f,
                                             const char *const *values,
                                             size_t n, icp_error *err);
icp_metrics_gauge *icp_metrics_gauge_get(icp_metrics_family *f,
                                         const char *const *values, size_t n,
                                         icp_error *err);
icp_metrics_histogram *icp_metrics_histogram_get(icp_metrics_family *f,
                                                 const char *const *values,
                                                 size_t n, icp_error *err);

/* Spells "values, n" from literal arguments:
 *   icp_metrics_counter_get(f, ICP_METRICS_VALUES(topic, "written"), NULL) */
#define ICP_METRICS_VALUES(...)                                   \
	(const char *const[]){__VA_ARGS__},                       \
	(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Updates (NULL handle: no-op). */
void icp_metrics_counter_add(icp_metrics_counter *c, uint64_t n);
static inline void icp_metrics_counter_inc(icp_metrics_counter *c)
{
	icp_metrics_counter_add(c, 1);
}
void icp_metrics_gauge_set(icp_metrics_gauge *g, double v);
void icp_metrics_gauge_add(icp_metrics_gauge *g, double delta);
void icp_metrics_histogram_observe(icp_metrics_histogram *h, double v);

/* Current values (tests, /status). 0 for a NULL handle. */
uint64_t icp_metrics_counter_value(const icp_metrics_counter *c);
double icp_metrics_gauge_value(const icp_metrics_gauge *g);
uint64_t icp_metrics_histogram_count(const icp_metrics_histogram *h);
double icp_metrics_histogram_sum(const icp_metrics_histogram *h);

/* ------------------------------------------------- the KafScale contract */

/* Families of compatibility.md (same names, labels, types), plus
 * build_info{version,git} = 1 and the allocator's live bytes. Label values
 * the contract fixes: result = written | dropped | invalid | skipped_lfs;
 * stage = discover | decode | checkpoint | schema | lfs | sink. */
typedef enum icp_metrics_std_id {
	ICP_METRIC_RECORDS_TOTAL,                 /* counter {topic,result} */
	ICP_METRIC_BATCHES_TOTAL,                 /* counter {topic} */
	ICP_METRIC_WRITE_LATENCY_MS,              /* histogram {topic} */
	ICP_METRIC_ERRORS_TOTAL,                  /* counter {stage} */
	ICP_METRIC_LAST_OFFSET,                   /* gauge {topic,partition} */
	ICP_METRIC_WATERMARK_OFFSET,              /* gauge {topic,partition} */
	ICP_METRIC_WATERMARK_TIMESTAMP_MS,        /* gauge {topic,partition} */
	ICP_METRIC_LFS_RESOLVED_TOTAL,            /* counter {topic} */
	ICP_METRIC_LFS_RESOLVED_BYTES_TOTAL,      /* counter {topic} */
	ICP_METRIC_LFS_RESOLUTION_ERRORS_TOTAL,   /* counter {topic,reason} */
	ICP_METRIC_LFS_RESOLUTION_DURATION_SECONDS, /* histogram {topic} */
	ICP_METRIC_BUILD_INFO,                    /* gauge {version,git} */
	ICP_METRIC_COUNT
} icp_metrics_std_id;

/* Declares the contract's families (and the memory gauge) into r, in the
 * order above; idempotent. Errors as _declare. Run it before r is shared
 * between threads (icp_metrics_global does so before publishing). */
int icp_metrics_declare_std(icp_metrics_registry *r, icp_error *err);

/* r's family for id, NULL if _declare_std was not run on r. */
icp_metrics_family *icp_metrics_std_family(icp_metrics_registry *r,
                                           icp_metrics_std_id id);

/* The process-wide registry, created with the contract's families on first
 * call (thread-safe). NULL only if that creation ran out of memory (the
 * next call tries again). */
icp_metrics_registry *icp_metrics_global(void);

/* icp_metrics_std_family(icp_metrics_global(), id). */
icp_metrics_family *icp_metrics_std(icp_metrics_std_id id);

#endif
