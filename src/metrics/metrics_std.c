/*
 * The families of the KafScale contract (compatibility.md: names, label
 * names and types that dashboards already query) and the process-wide
 * registry that carries them.
 *
 * Bucket bounds are ours (the contract names the histograms, not their
 * buckets): write latency in milliseconds from 5 ms to a minute, LFS blob
 * fetches in seconds with Prometheus' default bounds.
 */
#include "metrics/metrics_int.h"

#ifndef ICP_VERSION
#define ICP_VERSION "unknown"
#endif
#ifndef ICP_GIT
#define ICP_GIT "unknown"
#endif

#define P "kafscale_processor_"

static const double write_latency_ms_buckets[] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};
static const double lfs_seconds_buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static const icp_metrics_desc std_descs[ICP_METRIC_COUNT] = {
	[ICP_METRIC_RECORDS_TOTAL] = {ICP_METRICS_COUNTER, P "records_total",
		"Records processed, by outcome (written, dropped, invalid, skipped_lfs).",
		{"topic", "result"}, NULL, 0},
	[ICP_METRIC_BATCHES_TOTAL] = {ICP_METRICS_COUNTER, P "batches_total",
		"Batches written to Iceberg.", {"topic"}, NULL, 0},
	[ICP_METRIC_WRITE_LATENCY_MS] = {ICP_METRICS_HISTOGRAM, P "write_latency_ms",
		"Time to write a batch to Iceberg, in milliseconds.", {"topic"},
		write_latency_ms_buckets, ICP_ARRAY_LEN(write_latency_ms_buckets)},
	[ICP_METRIC_ERRORS_TOTAL] = {ICP_METRICS_COUNTER, P "errors_total",
		"Errors, by stage (discover, decode, checkpoint, schema, lfs, sink).",
		{"stage"}, NULL, 0},
	[ICP_METRIC_LAST_OFFSET] = {ICP_METRICS_GAUGE, P "last_offset",
		"Last offset written, per partition.", {"topic", "partition"}, NULL, 0},
	[ICP_METRIC_WATERMARK_OFFSET] = {ICP_METRICS_GAUGE, P "watermark_offset",
		"Watermark offset, per partition.", {"topic", "partition"}, NULL, 0},
	[ICP_METRIC_WATERMARK_TIMESTAMP_MS] = {ICP_METRICS_GAUGE, P "watermark_timestamp_ms",
		"Record timestamp at the watermark, epoch milliseconds.",
		{"topic", "partition"}, NULL, 0},
	[ICP_METRIC_LFS_RESOLVED_TOTAL] = {ICP_METRICS_COUNTER, P "lfs_resolved_total",
		"LFS envelopes resolved to their blob.", {"topic"}, NULL, 0},
	[ICP_METRIC_LFS_RESOLVED_BYTES_TOTAL] = {ICP_METRICS_COUNTER, P "lfs_resolved_bytes_total",
		"Bytes of LFS blobs resolved.", {"topic"}, NULL, 0},
	[ICP_METRIC_LFS_RESOLUTION_ERRORS_TOTAL] = {ICP_METRICS_COUNTER,
		P "lfs_resolution_errors_total", "LFS resolutions that failed, by reason.",
		{"topic", "reason"}, NULL, 0},
	[ICP_METRIC_LFS_RESOLUTION_DURATION_SECONDS] = {ICP_METRICS_HISTOGRAM,
		P "lfs_resolution_duration_seconds", "Time to resolve one LFS blob, in seconds.",
		{"topic"}, lfs_seconds_buckets, ICP_ARRAY_LEN(lfs_seconds_buckets)},
	[ICP_METRIC_BUILD_INFO] = {ICP_METRICS_GAUGE, P "build_info",
		"Build of the running iceberg-processor (value is always 1).",
		{"version", "git"}, NULL, 0},
};

static double live_bytes(void *arg)
{
	ICP_UNUSED(arg);
	return (double)icp_alloc_live_bytes();
}

int icp_metrics_declare_std(icp_metrics_registry *r, icp_error *err)
{
	icp_metrics_family *f = NULL;
	icp_metrics_gauge *g;
	int rc;

	if (!r)
		return icp_error_set(err, ICP_ERR_INVALID, "metrics: no registry");
	for (size_t i = 0; i < ICP_METRIC_COUNT; i++) {
		if ((rc = icp_metrics_declare(r, &std_descs[i], &f, err)) != ICP_OK)
			return rc;
		r->std[i] = f;
	}
	g = icp_metrics_gauge_get(r->std[ICP_METRIC_BUILD_INFO],
	                          ICP_METRICS_VALUES(ICP_VERSION, ICP_GIT), err);
	if (!g)
		return err && err->status ? err->status : ICP_ERR_NOMEM;
	icp_metrics_gauge_set(g, 1);
	return icp_metrics_declare_func(r, P "allocated_bytes",
	                                "Bytes currently allocated by the process "
	                                "through its allocator.",
	                                live_bytes, NULL, err);
}

icp_metrics_family *icp_metrics_std_family(icp_metrics_registry *r,
                                           icp_metrics_std_id id)
{
	if (!r || (unsigned)id >= ICP_METRIC_COUNT)
		return NULL;
	return r->std[id];
}

/* The process-wide registry: published once with release order so that a
 * thread that sees the pointer sees the families too. */
static _Atomic(icp_metrics_registry *) global_reg;
static pthread_mutex_t global_mu = PTHREAD_MUTEX_INITIALIZER;

icp_metrics_registry *icp_metrics_global(void)
{
	icp_metrics_registry *r = atomic_load_explicit(&global_reg, memory_order_acquire);
	if (r)
		return r;
	pthread_mutex_lock(&global_mu);
	r = atomic_load_explicit(&global_reg, memory_order_relaxed);
	if (!r && icp_metrics_registry_new(&r, NULL) == ICP_OK) {
		if (icp_metrics_declare_std(r, NULL) != ICP_OK) {
			icp_metrics_registry_free(r);
			r = NULL;
		} else {
			atomic_store_explicit(&global_reg, r, memory_order_release);
		}
	}
	pthread_mutex_unlock(&global_mu);
	return r;
}

icp_metrics_family *icp_metrics_std(icp_metrics_std_id id)
{
	return icp_metrics_std_family(icp_metrics_global(), id);
}
