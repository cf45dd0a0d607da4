/*
 * processor: turns KafScale segments into Iceberg table commits, exactly
 * once. One processor serves every mapping of the config: it discovers
 * complete segments per topic-partition, decodes them, converts records to
 * the table's columns, writes Parquet data files of the target size into
 * the warehouse, and commits one snapshot per table per flush.
 *
 * Exactly once (docs/internals/commit-protocol.md): the next offset to read
 * for every topic-partition a table has received lives in the table itself,
 * in the snapshot summary property `kafscale.offsets` (JSON object
 * {"topic/partition": next_offset}), merged forward from the parent
 * snapshot. Progress is read back from the table on start and after every
 * conflicting or unknown commit; records below it are dropped. Anything
 * written but not committed is discarded and read again. Offsets kept
 * elsewhere (the local cache file, etcd later) are written after the
 * commit and only ever read as a cache.
 *
 * Failure isolation: a corrupt complete segment stops its partition (error
 * logged with topic, partition, object key) and discards the table's
 * uncommitted data so nothing from or past it is committed; the other
 * partitions go on.
 */
#ifndef ICP_PROCESSOR_H
#define ICP_PROCESSOR_H

#include <signal.h>

#include "config/config.h"
#include "core/core.h"

typedef struct icp_processor icp_processor;

/* Opens stores and catalog and loads (or creates) every mapped table.
 * The config is borrowed and must outlive the processor. */
int icp_processor_new(const icp_config *cfg, icp_processor **out, icp_error *err);
void icp_processor_free(icp_processor *p);

/* Processes everything available now, commits, returns, logging progress
 * lines while it reads and a closing summary (per table and partition).
 * stop (may be NULL) works as for icp_processor_run: non-zero stops the
 * reads at the next batch and commits what was read within
 * processor.shutdown_timeout_seconds; 2 (a second signal) gives up the
 * commits and abandons what is uncommitted. Uncommitted data files are
 * deleted before returning (unless their commit's outcome is unknown).
 * Returns ICP_OK (also when stopped: the caller knows), ICP_ERR_CORRUPT
 * when a partition stopped on corrupt data (the others were processed and
 * committed), or a runtime error. */
int icp_processor_run_once(icp_processor *p, volatile sig_atomic_t *stop, icp_error *err);

/* Polls every processor.poll_interval_seconds and commits every
 * processor.commit_interval_seconds until *stop becomes non-zero, then
 * commits what is buffered and returns. */
int icp_processor_run(icp_processor *p, volatile sig_atomic_t *stop, icp_error *err);

/* ------------------------------------------------------- maintenance */

/* One maintenance pass (`iceberg-processor maintain`) over the mapped
 * tables, or only the one named `only` ("ns.name"; NULL: all):
 * compaction by maintenance.compaction.* (icp_maint_compact), snapshot
 * expiry by maintenance.expire_snapshots.* (table properties win) with the
 * removal of the files only expired snapshots reached, then orphan
 * removal by maintenance.remove_orphans.* (src/maint). Each
 * table's outcome goes to report (err NULL: success); a failure does not
 * stop the others. Returns ICP_OK when every table succeeded, else the
 * first failure's status (err says which table); ICP_ERR_INVALID when
 * `only` is not a mapped table. */
typedef struct icp_processor_maint_report {
	const char *table;
	int64_t snapshots_expired, snapshots_kept;
	int64_t manifest_lists_deleted, manifests_deleted, data_files_deleted;
	int64_t bytes_freed;                             /* by every step */
	int dry_run;
	/* compaction (runs first): data files in -> out, their bytes */
	int64_t files_compacted_in, files_compacted_out;
	int64_t bytes_compacted_in, bytes_compacted_out;
	/* manifests the replace snapshot merged: taken out of the list ->
	 * written (the rewritten ones and the outputs') */
	int64_t manifests_merged_in, manifests_merged_out;
	/* orphan removal (runs last): deleted (dry run: would be), and
	 * unreferenced files kept because younger than min_age_seconds */
	int64_t orphans_removed, orphans_kept_young;
} icp_processor_maint_report;
int icp_processor_maintain(icp_processor *p, const char *only, int dry_run,
                           void (*report)(void *ctx, const icp_processor_maint_report *r,
                                          const icp_error *e),
                           void *ctx, icp_error *err);

/* Run mode (icp_processor_run) with maintenance.enabled: a maintenance
 * thread runs the same per-table pass every maintenance.interval_seconds,
 * on its own catalog and warehouse store (and etcd client: one worker per
 * table at a time, key <offsets.key_prefix>/maintenance/<table>), counts
 * kafscale_processor_maintenance_* and shows each table's last pass in
 * /status ("maintenance"). It is stopped and joined before run returns. */

/* ------------------------------------------------------------- health */

/* Readiness and the /status document, shared with the HTTP thread (every
 * function here is thread-safe). Created by the caller before the
 * processor so /readyz can say "starting" while tables load; attach it
 * with icp_processor_set_health. Free after the processor and the HTTP
 * server that use it. */
typedef struct icp_processor_health icp_processor_health;

int icp_processor_health_new(icp_processor_health **out, icp_error *err);
void icp_processor_health_free(icp_processor_health *h);
/* Sets readiness; reason (copied, truncated to 255 bytes) says why not. */
void icp_processor_health_set(icp_processor_health *h, int ready, const char *reason);
/* icp_httpd_ready_fn / icp_httpd_status_fn over an icp_processor_health. */
int icp_processor_health_ready(void *h, icp_buf *reason);
int icp_processor_health_status(void *h, icp_buf *out);
void icp_processor_set_health(icp_processor *p, icp_processor_health *h);

#endif
