/*
 * What the processor shows: Prometheus metrics (the contract's families
 * plus lag, bytes/segments read, commits by outcome, data files and their
 * sizes, owned partitions), readiness and the /status document.
 *
 * Threads: the processor loop is the only writer. Metric updates go
 * through cached handles (atomic, lock-free, see metrics.h). Readiness and
 * the status document are read by the HTTP thread, so they live in
 * icp_processor_health behind a mutex: the loop builds the status JSON
 * into a private buffer once per poll round and swaps it in, so a scrape
 * never walks processor structures that the loop is changing.
 */
#include "processor/txn_int.h"

#include "budget/budget.h"
#include "log/log.h"
#include "metrics/metrics.h"

#include <pthread.h>
#include <stdio.h>

#define P "kafscale_processor_"

struct icp_processor_health {
	pthread_mutex_t mu;
	int ready;
	char reason[256];
	icp_buf status; /* last published /status document */
};

int icp_processor_health_new(icp_processor_health **out, icp_error *err)
{
	icp_processor_health *h = icp_calloc(1, sizeof(*h));
	*out = NULL;
	if (!h)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&h->mu, NULL);
	snprintf(h->reason, sizeof(h->reason), "starting");
	icp_buf_init(&h->status, 0);
	icp_buf_append_str(&h->status, "{\"state\":\"starting\"}");
	*out = h;
	return ICP_OK;
}

void icp_processor_health_free(icp_processor_health *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mu);
	icp_buf_dispose(&h->status);
	icp_free(h);
}

void icp_processor_health_set(icp_processor_health *h, int ready, const char *reason)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	if (!ready && !h->ready && reason && strcmp(reason, h->reason) == 0) {
		pthread_mutex_unlock(&h->mu);
		return;
	}
	if (ready != h->ready)
		ICP_LOG(ready ? ICP_LOG_LEVEL_INFO : ICP_LOG_LEVEL_WARN,
		        ready ? "ready" : "not ready", "reason", ready ? "" : (reason ? reason : ""));
	h->ready = ready;
	snprintf(h->reason, sizeof(h->reason), "%s", ready ? "" : (reason ? reason : "not ready"));
	pthread_mutex_unlock(&h->mu);
}

int icp_processor_health_ready(void *arg, icp_buf *reason)
{
	icp_processor_health *h = arg;
	int ready;
	pthread_mutex_lock(&h->mu);
	ready = h->ready;
	if (!ready)
		icp_buf_append_str(reason, h->reason);
	pthread_mutex_unlock(&h->mu);
	return ready;
}

int icp_processor_health_status(void *arg, icp_buf *out)
{
	icp_processor_health *h = arg;
	pthread_mutex_lock(&h->mu);
	icp_buf_append(out, h->status.data, h->status.len);
	pthread_mutex_unlock(&h->mu);
	return out->status;
}

void icp_processor_set_health(icp_processor *p, icp_processor_health *h)
{
	p->health = h;
}

/* ------------------------------------------------------------ metrics */

static const double file_size_buckets[] = {
	1048576.0, 4194304.0, 16777216.0, 67108864.0, 134217728.0, 268435456.0,
	536870912.0, 1073741824.0};

static const icp_metrics_desc extra_descs[ICP_OBS_COUNT] = {
	[ICP_OBS_LAG_OFFSETS] = {ICP_METRICS_GAUGE, P "lag_offsets",
		"Offsets available in complete segments but not yet committed, per partition.",
		{"topic", "partition"}, NULL, 0},
	[ICP_OBS_LAG_SECONDS] = {ICP_METRICS_GAUGE, P "lag_seconds",
		"Record-time distance between the newest record read and the newest record "
		"committed, per partition (0 when caught up).", {"topic", "partition"}, NULL, 0},
	[ICP_OBS_BYTES_READ] = {ICP_METRICS_COUNTER, P "segment_bytes_read_total",
		"Segment bytes read from the object store.", {"topic"}, NULL, 0},
	[ICP_OBS_SEGMENTS_READ] = {ICP_METRICS_COUNTER, P "segments_read_total",
		"Segments read from the object store.", {"topic"}, NULL, 0},
	[ICP_OBS_COMMITS] = {ICP_METRICS_COUNTER, P "catalog_commits_total",
		"Iceberg commit attempts by outcome (ok, conflict, retried, unknown_resolved, "
		"failed).", {"table", "outcome"}, NULL, 0},
	[ICP_OBS_FILES] = {ICP_METRICS_COUNTER, P "data_files_total",
		"Parquet data files committed.", {"table"}, NULL, 0},
	[ICP_OBS_FILE_SIZE] = {ICP_METRICS_HISTOGRAM, P "data_file_size_bytes",
		"Size of committed Parquet data files, in bytes.", {"table"},
		file_size_buckets, ICP_ARRAY_LEN(file_size_buckets)},
	[ICP_OBS_OWNED] = {ICP_METRICS_GAUGE, P "owned_partitions",
		"Topic-partitions this worker currently processes.", {NULL}, NULL, 0},
	[ICP_OBS_STORE_REQUESTS] = {ICP_METRICS_COUNTER, P "s3_requests_total",
		"Object-store requests by operation and HTTP status (class).",
		{"operation", "status"}, NULL, 0},
	[ICP_OBS_MISMATCH] = {ICP_METRICS_COUNTER, P "segment_mismatch_total",
		"Segments whose unchecked metadata (footer last offset, header base offset or "
		"message count, index) disagreed with their CRC-checked batches; the batches "
		"decided.", {"topic", "kind"}, NULL, 0},
	[ICP_OBS_STALLED] = {ICP_METRICS_GAUGE, P "partition_stalled",
		"1 while a partition waits on an incomplete segment although later complete "
		"segments exist (after processor.stall_warning_seconds).",
		{"topic", "partition"}, NULL, 0},
	[ICP_OBS_MEM_LIMIT] = {ICP_METRICS_GAUGE, P "memory_budget_bytes",
		"processor.memory_limit_bytes: the budget of the buffers that grow with the data "
		"(row groups, read-ahead, upload parts, transaction queues, kept reads).",
		{NULL}, NULL, 0},
	[ICP_OBS_MEM_USED] = {ICP_METRICS_GAUGE, P "memory_used_bytes",
		"Bytes of the memory budget taken now (the fixed shares of the open data files "
		"included).", {NULL}, NULL, 0},
	[ICP_OBS_MEM_PEAK] = {ICP_METRICS_GAUGE, P "memory_used_peak_bytes",
		"The most bytes of the memory budget ever taken at once by this process.",
		{NULL}, NULL, 0},
	[ICP_OBS_TS_RANGE] = {ICP_METRICS_COUNTER, P "timestamp_out_of_range_total",
		"Records whose Kafka timestamp (milliseconds) has no int64 microseconds, written "
		"with a null mappings[].timestamp_column.", {"topic"}, NULL, 0},
	[ICP_OBS_INVALID] = {ICP_METRICS_COUNTER, P "invalid_records_total",
		"Invalid records by stage (prefix, schema, decode, validate, column, lfs), reason "
		"and what was done with them (dropped, dead_letter, stopped).",
		{"topic", "stage", "reason", "action"}, NULL, 0},
	[ICP_OBS_COERCE_NULLS] = {ICP_METRICS_COUNTER, P "column_coercion_nulls_total",
		"JSON values present but of a kind or range the typed column cannot take, "
		"written as null, per top-level column.", {"table", "column"}, NULL, 0},
};

int icp_obs_init(icp_processor *p, icp_error *err)
{
	icp_metrics_registry *r = icp_metrics_global();
	size_t i;
	if (!r)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory creating the metrics registry");
	for (i = 0; i < ICP_OBS_COUNT; i++) {
		int rc = icp_metrics_declare(r, &extra_descs[i], &p->fam[i], err);
		if (rc != ICP_OK)
			return rc;
	}
	p->m_owned = icp_metrics_gauge_get(p->fam[ICP_OBS_OWNED], NULL, 0, NULL);
	p->m_mem_limit = icp_metrics_gauge_get(p->fam[ICP_OBS_MEM_LIMIT], NULL, 0, NULL);
	p->m_mem_used = icp_metrics_gauge_get(p->fam[ICP_OBS_MEM_USED], NULL, 0, NULL);
	p->m_mem_peak = icp_metrics_gauge_get(p->fam[ICP_OBS_MEM_PEAK], NULL, 0, NULL);
	{
		/* all series up front: a request callback never allocates */
		int op, cls;
		for (op = 0; op < ICP_S3_OP_COUNT; op++)
			for (cls = 0; cls < ICP_S3_CLASS_COUNT; cls++)
				p->m_s3[op][cls] = icp_metrics_counter_get(
					p->fam[ICP_OBS_STORE_REQUESTS],
					ICP_METRICS_VALUES(icp_s3_op_name((icp_s3_op)op),
					                   icp_s3_class_name((icp_s3_class)cls)),
					NULL);
	}
	p->m_err_discover = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                            ICP_METRICS_VALUES("discover"), NULL);
	p->m_err_decode = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                          ICP_METRICS_VALUES("decode"), NULL);
	p->m_err_sink = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                        ICP_METRICS_VALUES("sink"), NULL);
	p->m_err_checkpoint = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                              ICP_METRICS_VALUES("checkpoint"), NULL);
	/* every stage of compatibility.md scrapes as 0 from the start (the
	 * filter stage counts into these) */
	(void)icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                              ICP_METRICS_VALUES("schema"), NULL);
	(void)icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                              ICP_METRICS_VALUES("lfs"), NULL);
	return ICP_OK;
}

void icp_obs_table_init(icp_processor *p, icp_table *t)
{
	const char *topic = t->map->topic, *table = t->map->table;
	icp_metrics_family *rec = icp_metrics_std(ICP_METRIC_RECORDS_TOTAL);
	static const char *const outcomes[ICP_COMMIT_OUTCOMES] = {
		"ok", "conflict", "retried", "unknown_resolved", "failed"};
	size_t i;

	t->m_written = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(topic, "written"), NULL);
	t->m_dropped = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(topic, "dropped"), NULL);
	t->m_invalid = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(topic, "invalid"), NULL);
	(void)icp_metrics_counter_get(rec, ICP_METRICS_VALUES(topic, "skipped_lfs"), NULL);
	t->m_aborted = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(topic, "aborted"), NULL);
	for (i = 0; i < ICP_MISMATCH_KINDS; i++)
		t->m_mismatch[i] = icp_metrics_counter_get(
			p->fam[ICP_OBS_MISMATCH],
			ICP_METRICS_VALUES(topic, icp_segment_mismatch_name((icp_segment_mismatch_kind)i)),
			NULL);
	t->m_batches = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_BATCHES_TOTAL),
	                                       ICP_METRICS_VALUES(topic), NULL);
	t->m_latency = icp_metrics_histogram_get(icp_metrics_std(ICP_METRIC_WRITE_LATENCY_MS),
	                                         ICP_METRICS_VALUES(topic), NULL);
	t->m_bytes = icp_metrics_counter_get(p->fam[ICP_OBS_BYTES_READ],
	                                     ICP_METRICS_VALUES(topic), NULL);
	t->m_segments = icp_metrics_counter_get(p->fam[ICP_OBS_SEGMENTS_READ],
	                                        ICP_METRICS_VALUES(topic), NULL);
	t->m_files = icp_metrics_counter_get(p->fam[ICP_OBS_FILES], ICP_METRICS_VALUES(table),
	                                     NULL);
	t->m_file_size = icp_metrics_histogram_get(p->fam[ICP_OBS_FILE_SIZE],
	                                           ICP_METRICS_VALUES(table), NULL);
	for (i = 0; i < ICP_COMMIT_OUTCOMES; i++)
		t->m_commits[i] = icp_metrics_counter_get(p->fam[ICP_OBS_COMMITS],
		                                          ICP_METRICS_VALUES(table, outcomes[i]),
		                                          NULL);
	t->fam_coerce = p->fam[ICP_OBS_COERCE_NULLS]; /* series made by rows.c per column */
	t->fam_invalid = p->fam[ICP_OBS_INVALID];      /* series made by rows.c per reason */
	t->m_dead = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(topic, "dead_letter"), NULL);
	/* only where the column exists (NULL elsewhere: never counted) */
	if (t->map->timestamp_column && *t->map->timestamp_column)
		t->m_ts_range = icp_metrics_counter_get(p->fam[ICP_OBS_TS_RANGE],
		                                        ICP_METRICS_VALUES(topic), NULL);
}

void icp_obs_part_init(icp_processor *p, icp_part *pt)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", pt->partition);
	pt->m_last_offset = icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_LAST_OFFSET),
	                                          ICP_METRICS_VALUES(pt->topic, num), NULL);
	pt->m_wm_offset = icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_WATERMARK_OFFSET),
	                                        ICP_METRICS_VALUES(pt->topic, num), NULL);
	pt->m_wm_ts = icp_metrics_gauge_get(icp_metrics_std(ICP_METRIC_WATERMARK_TIMESTAMP_MS),
	                                    ICP_METRICS_VALUES(pt->topic, num), NULL);
	pt->m_lag_offsets = icp_metrics_gauge_get(p->fam[ICP_OBS_LAG_OFFSETS],
	                                          ICP_METRICS_VALUES(pt->topic, num), NULL);
	pt->m_lag_seconds = icp_metrics_gauge_get(p->fam[ICP_OBS_LAG_SECONDS],
	                                          ICP_METRICS_VALUES(pt->topic, num), NULL);
	pt->m_stalled = icp_metrics_gauge_get(p->fam[ICP_OBS_STALLED],
	                                      ICP_METRICS_VALUES(pt->topic, num), NULL);
}

/* Offsets waiting: the newest complete segment's last offset (from its
 * footer) against the committed position. */
static int64_t lag_offsets(const icp_part *pt)
{
	int64_t lag = pt->avail_last + 1 - pt->committed_next;
	return pt->avail_last < 0 || lag < 0 ? 0 : lag;
}

static double lag_seconds(const icp_part *pt)
{
	if (lag_offsets(pt) == 0 || pt->last_ts < 0)
		return 0;
	if (pt->committed_ts < 0 || pt->last_ts <= pt->committed_ts)
		return 0;
	return (double)(pt->last_ts - pt->committed_ts) / 1000.0;
}

static void status_part(icp_buf *b, const icp_part *pt)
{
	icp_buf_append_str(b, "{\"topic\":");
	icp_buf_append_json_str(b, (const uint8_t *)pt->topic, strlen(pt->topic));
	icp_buf_printf(b, ",\"partition\":%d,\"table\":", pt->partition);
	icp_buf_append_json_str(b, (const uint8_t *)pt->table->map->table,
	                        strlen(pt->table->map->table));
	icp_buf_printf(b,
	               ",\"committed_offset\":%lld,\"read_offset\":%lld,\"available_offset\":%lld,"
	               "\"lag_offsets\":%lld,\"lag_seconds\":%.3f,\"last_timestamp_ms\":%lld,"
	               "\"stopped\":%s,\"last_error\":",
	               (long long)pt->committed_next - 1, (long long)pt->next - 1,
	               (long long)pt->avail_last, (long long)lag_offsets(pt), lag_seconds(pt),
	               (long long)pt->committed_ts, pt->stopped ? "true" : "false");
	if (pt->error)
		icp_buf_append_json_str(b, (const uint8_t *)pt->error, strlen(pt->error));
	else
		icp_buf_append_str(b, "null");
	icp_buf_printf(b, ",\"stalled\":%s,\"stall_reason\":", pt->stalled ? "true" : "false");
	if (pt->stalled && pt->stall_key) {
		icp_buf tmp;
		icp_buf_init(&tmp, 0);
		icp_buf_printf(&tmp, "waiting on incomplete object %s while later complete "
		               "segments exist", pt->stall_key);
		icp_buf_append_json_str(b, tmp.data, tmp.len);
		icp_buf_dispose(&tmp);
	} else {
		icp_buf_append_str(b, "null");
	}
	icp_buf_printf(b, ",\"isolation_level\":\"%s\"",
	               pt->txn ? "read_committed" : "read_uncommitted");
	if (pt->txn) {
		icp_txn_open_info open[16];
		size_t i, n = icp_txn_open_list(pt->txn, 16, open);
		int64_t lso = icp_txn_stable_offset(pt->txn);
		if (lso >= 0)
			icp_buf_printf(b, ",\"stable_offset\":%lld", (long long)lso);
		else
			icp_buf_append_str(b, ",\"stable_offset\":null");
		icp_buf_printf(b, ",\"open_transaction_count\":%zu,\"open_transactions\":[", n);
		for (i = 0; i < n && i < 16; i++)
			icp_buf_printf(b, "%s{\"producer_id\":%lld,\"producer_epoch\":%d,"
			               "\"first_offset\":%lld}", i ? "," : "",
			               (long long)open[i].producer_id, open[i].producer_epoch,
			               (long long)open[i].first_offset);
		icp_buf_printf(b, "],\"transaction_scan_offset\":%lld,\"buffered_batches\":%zu,"
		               "\"buffered_bytes\":%zu",
		               (long long)icp_txn_scan_pos(pt->txn) - 1, icp_txn_queue_len(pt->txn),
		               icp_txn_queue_bytes(pt->txn));
	}
	icp_buf_append_byte(b, '}');
}

/* "no_objects" of a table: set at start-up when nothing was under
 * {namespace}/{topic}/ (processor.c), cleared here once discovery found
 * a partition of the topic (a partition prefix exists only with objects
 * under it). While set, "note" says where nothing was found. */
static void status_no_objects(const icp_processor *p, icp_table *t, icp_buf *b)
{
	const icp_config *cfg = p->cfg;
	size_t i;
	for (i = 0; i < p->n_parts && t->no_objects; i++)
		if (p->parts[i]->table == t) {
			t->no_objects = 0;
			ICP_INFO("objects found under the mapped topic's prefix", "topic",
			         t->map->topic, "bucket", cfg->s3.bucket);
		}
	icp_buf_printf(b, ",\"no_objects\":%s", t->no_objects ? "true" : "false");
	if (t->no_objects) {
		icp_buf note;
		icp_buf_init(&note, 0);
		icp_buf_printf(&note, "no objects under %s%s%s/ in bucket %s", cfg->s3.namespace,
		               cfg->s3.namespace[0] ? "/" : "", t->map->topic, cfg->s3.bucket);
		icp_buf_append_str(b, ",\"note\":");
		if (note.status == ICP_OK)
			icp_buf_append_json_str(b, note.data, note.len);
		else
			icp_buf_append_str(b, "null");
		icp_buf_dispose(&note);
	}
}

void icp_obs_publish(icp_processor *p)
{
	icp_buf b;
	size_t i, owned = 0;

	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (!icp_part_active(p, pt)) {
			/* handed to another worker: its owner reports the lag, so
			 * sum/max over workers is the partition's lag */
			icp_metrics_gauge_set(pt->m_lag_offsets, 0);
			icp_metrics_gauge_set(pt->m_lag_seconds, 0);
			continue;
		}
		owned++;
		icp_metrics_gauge_set(pt->m_lag_offsets, (double)lag_offsets(pt));
		icp_metrics_gauge_set(pt->m_lag_seconds, lag_seconds(pt));
	}
	icp_metrics_gauge_set(p->m_owned, (double)owned);
	icp_metrics_gauge_set(p->m_mem_limit, (double)icp_budget_limit(p->budget));
	icp_metrics_gauge_set(p->m_mem_used, (double)icp_budget_used(p->budget));
	icp_metrics_gauge_set(p->m_mem_peak, (double)icp_budget_peak(p->budget));
	p->last_publish_ns = icp_mono_ns();
	if (!p->health)
		return;
	icp_buf_init(&b, 0);
	icp_buf_append_str(&b, "{\"worker_id\":");
	icp_buf_append_json_str(&b, (const uint8_t *)p->cfg->processor.worker_id,
	                        strlen(p->cfg->processor.worker_id));
	icp_buf_printf(&b, ",\"time_ms\":%lld,\"owned_partitions\":%zu,\"partitions\":[",
	               (long long)icp_now_ms(), owned);
	for (i = 0, owned = 0; i < p->n_parts; i++) {
		if (!icp_part_active(p, p->parts[i]))
			continue;
		if (owned++)
			icp_buf_append_byte(&b, ',');
		status_part(&b, p->parts[i]);
	}
	icp_buf_append_byte(&b, ']');
	if (p->coord) {
		icp_coord_status cs;
		icp_error e;
		icp_error_init(&e);
		if (icp_coord_status_get(p->coord, &cs, &e) == ICP_OK)
			icp_buf_printf(&b,
			               ",\"coordination\":{\"members\":%zu,\"fair_share\":%zu,"
			               "\"leases_owned\":%zu,\"to_release\":%zu,\"lease_id\":%lld,"
			               "\"lease_deadline_in_ms\":%lld,\"etcd_last_ok_ms\":%lld}",
			               cs.n_members, cs.share, cs.n_owned, cs.n_to_release,
			               (long long)cs.lease_id, (long long)cs.deadline_in_ms,
			               (long long)cs.last_ok_wall_ms);
	}
	icp_buf_append_str(&b, ",\"tables\":[");
	for (i = 0; i < p->n_tables; i++) {
		icp_table *t = &p->tables[i];
		if (i)
			icp_buf_append_byte(&b, ',');
		icp_buf_append_str(&b, "{\"table\":");
		icp_buf_append_json_str(&b, (const uint8_t *)t->map->table, strlen(t->map->table));
		icp_buf_printf(&b,
		               ",\"snapshot_id\":%lld,\"pending_files\":%zu,\"pending_rows\":%llu,"
		               "\"last_commit_ms\":%lld",
		               (long long)(t->meta ? icp_ice_metadata_main_snapshot(t->meta) : -1),
		               icp_sink_count(&t->sink), (unsigned long long)icp_sink_rows(&t->sink),
		               (long long)t->last_commit_ms);
		status_no_objects(p, t, &b);
		icp_maintd_status(p->maintd, i, &b); /* the last maintenance pass */
		icp_buf_append_byte(&b, '}');
	}
	icp_buf_append_str(&b, "]}");
	if (b.status == ICP_OK) {
		pthread_mutex_lock(&p->health->mu);
		icp_buf tmp = p->health->status;
		p->health->status = b;
		b = tmp;
		pthread_mutex_unlock(&p->health->mu);
	}
	icp_buf_dispose(&b);
}

void icp_obs_tick(icp_processor *p)
{
	uint64_t now = icp_mono_ns();
	if (now - p->last_publish_ns < 1000000000ull)
		return;
	icp_obs_publish(p);
}

/* After a commit: the contract's per-partition gauges move. */
void icp_obs_committed(icp_part *pt)
{
	icp_metrics_gauge_set(pt->m_last_offset, (double)(pt->committed_next - 1));
	icp_metrics_gauge_set(pt->m_wm_offset, (double)(pt->committed_next - 1));
	if (pt->committed_ts >= 0)
		icp_metrics_gauge_set(pt->m_wm_ts, (double)pt->committed_ts);
}
