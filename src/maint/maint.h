/*
 * maint: table maintenance that keeps tables healthy for months (issue
 * 17): compaction (compact*.c, see icp_maint_compact below), snapshot
 * expiry (expire.c) and orphan removal (orphans.c). A pass runs them in
 * that order, so one pass leaves only what the kept snapshots need.
 *
 * icp_maint_expire() loads a table, plans which snapshots to expire
 * (icp_ice_expire_plan: refs and the min_keep most recent ancestors of
 * main always stay; so does main's ancestry down to the nearest snapshot
 * whose summary has kafscale.offsets, even when another engine committed
 * on top: the next run continues where the table stands),
 * commits their removal through the catalog (SQLite or REST, the same
 * requirements as appends: assert-table-uuid and assert-ref-snapshot-id
 * for main), and only THEN deletes the manifest lists, manifests and data
 * files that no kept snapshot reaches. A crash between the commit and the
 * deletes leaves orphans, never a hole. A file is deleted only when it
 * lies in the warehouse and no manifest list or manifest of a snapshot
 * the committed metadata keeps names it (any entry status), so a file
 * still referenced is never deleted.
 *
 * Commit outcomes: ICP_ERR_CONFLICT (someone committed meanwhile) reloads
 * and plans again, at most ICP_MAINT_EXPIRE_ATTEMPTS times; ICP_ERR_UNKNOWN
 * reloads and counts the removal as applied when none of the planned
 * snapshots is left (else plans again, as for a conflict).
 *
 * icp_maint_remove_orphans() deletes the files under a table's location
 * that its current metadata does not reach and that are older than a
 * minimum age (see below for what "reach" means and why the age).
 *
 * The caller owns the catalog, the warehouse store and *out.
 */
#ifndef ICP_MAINT_H
#define ICP_MAINT_H

#include "catalog/catalog.h"
#include "core/core.h"
#include "parquet/parquet.h"
#include "storage/storage.h"

#define ICP_MAINT_EXPIRE_ATTEMPTS 5

typedef struct icp_maint_expire_result {
	int64_t snapshots_expired;      /* removed by the commit (dry run: would be) */
	int64_t snapshots_kept;
	int64_t manifest_lists_deleted; /* dry run: would be */
	int64_t manifests_deleted;
	int64_t data_files_deleted;
	/* data files: their manifest file_size; manifests: their list entry's
	 * length; manifest lists: a stat just before deleting (one HEAD on S3) */
	int64_t bytes_freed;
	int64_t files_outside;          /* unreachable but outside the warehouse: left */
	int64_t delete_failures;        /* remove failed: left as orphans */
	int attempts;                   /* commits sent */
	int64_t max_age_ms;             /* what was applied (table properties win) */
	int min_keep;
} icp_maint_expire_result;

/* Expires the snapshots of table ns.name older than now_ms - max_age_ms
 * beyond the min_keep most recent (see icp_ice_expire_plan) and deletes
 * the files only they reached. dry_run: plans and counts, commits and
 * deletes nothing. Returns ICP_OK (also when nothing was to expire, and
 * when some deletes failed: out->delete_failures), or the error of
 * loading, planning (ICP_ERR_INVALID: an unreadable table property),
 * committing (ICP_ERR_CONFLICT after the last attempt), or reading the
 * manifests after the commit (then the commit stands and nothing is
 * deleted: orphans only). */
int icp_maint_expire(icp_catalog *cat, icp_storage *warehouse, const char *ns,
                     const char *name, int64_t now_ms, int64_t max_age_ms, int min_keep,
                     int dry_run, icp_maint_expire_result *out, icp_error *err);

/* ------------------------------------------------------- orphan removal */

typedef struct icp_maint_orphans_result {
	int64_t files_listed;    /* objects under the table location */
	int64_t orphans_found;   /* unreachable, of any age */
	int64_t orphans_deleted; /* dry run: would be */
	int64_t bytes_freed;     /* listed sizes of those deleted (dry run: would be) */
	int64_t delete_failures; /* remove failed: left for the next pass */
	int64_t too_young;       /* unreachable but younger than min age, or of
	                          * unknown age: kept */
	/* unreachable but kept all the same: a reference the store cannot map
	 * to a key (another spelling, e.g. s3a://) names a file of that name,
	 * or the file looks like a SQLite catalog database (*.db, *.sqlite,
	 * with -wal/-shm/-journal) */
	int64_t kept_unsure;
	int64_t refs_outside;    /* references that are no key of the store */
} icp_maint_orphans_result;

/* Deletes the orphans of table ns.name: the objects under its location
 * (listed recursively, every page) that nothing reaches, when they are
 * older than min_age_ms at now_ms (their last-modified time; unknown:
 * never deleted). Reachable are: the current metadata file, every
 * metadata-log entry's file, metadata/version-hint.text, and for EVERY
 * snapshot of the current metadata (not only main's): its manifest list
 * (v1 inline manifests too), every manifest the list names, every data and
 * delete file those manifests name (any entry status), and the
 * statistics and partition-statistics files. The listing is taken BEFORE
 * the table is loaded, so a file a commit references by the time of the
 * load is kept.
 *
 * min_age_ms is what makes this safe beside writers: a commit in flight
 * (ours, or another engine's) has written data files, manifests and its
 * metadata file before any metadata the catalog points at names them. It
 * must exceed the longest such write plus its commit retries; the
 * default, maintenance.remove_orphans.min_age_seconds, is 3 days.
 *
 * Nothing outside the table location is ever deleted, and nothing at all
 * when the reachable set cannot be built completely: a manifest list or
 * manifest that cannot be read fails the call (its key named) before any
 * delete. dry_run: counts, deletes nothing. Returns ICP_OK (also when some
 * deletes failed: out->delete_failures), the error of listing or loading,
 * ICP_ERR_INVALID when the table location is not inside the warehouse
 * store (or is its root), or the error of reading metadata files. */
int icp_maint_remove_orphans(icp_catalog *cat, icp_storage *warehouse, const char *ns,
                             const char *name, int64_t now_ms, int64_t min_age_ms,
                             int dry_run, icp_maint_orphans_result *out, icp_error *err);

/* ------------------------------------------------------------ compaction
 *
 * icp_maint_compact() rewrites the small data files of a table (live in
 * main's snapshot, smaller than 75% of the target size: Iceberg's
 * min-file-size default ratio) into files of about the target size, and
 * commits them as one `replace` snapshot:
 *
 * - Grouping: files are compacted only with files of the same partition
 *   spec, partition tuple and Parquet schema (the footer's fields: files
 *   written before a schema change are binned apart from newer ones, as
 *   rows of two schemas cannot share one Parquet file without a
 *   projection). A group with fewer than min_input_files files is left.
 * - Bins: first-fit decreasing by file size into bins of at most
 *   target_file_size_bytes input bytes; a bin of one file is left. Each
 *   bin becomes one output file under the table's data location
 *   (write.data.path, else <location>/data), in its partition's path.
 * - Sort order: when the table's default sort order is not the unsorted
 *   one and every field is an identity of a top-level primitive column,
 *   every bin is rewritten sorted by it (its rows gathered, then sorted,
 *   stable) and the output carries that sort_order_id. Such a bin is
 *   capped at sort_memory_bytes of decoded row-group bytes (its inputs'
 *   uncompressed column chunks) as well. Otherwise row groups are
 *   streamed through (memory: one input row group + the writer's) and
 *   the output claims no order.
 * - A table with delete files (a delete manifest in main) is not
 *   compacted (out->skipped_deletes): the processor never writes deletes,
 *   and rewriting data under them is out of scope. A file the Parquet
 *   reader does not support is left alone (out->files_skipped).
 * - Commit: manifests holding inputs are rewritten with those entries
 *   DELETED (the rest EXISTING), one manifest per spec lists the outputs
 *   ADDED; the summary says operation replace and carries
 *   kafscale.offsets (copied from the nearest ancestor of the base that
 *   has them) so the processor continues where the table stands.
 *   Requirements as for appends: assert-table-uuid and
 *   assert-ref-snapshot-id main = base. ICP_ERR_CONFLICT: reload; bins
 *   whose inputs are all still live are rebased onto the new main
 *   (manifests rebuilt, data not rewritten, the new base's offsets
 *   carried); bins with an input gone are abandoned (outputs deleted;
 *   out->bins_abandoned); at most ICP_MAINT_COMPACT_ATTEMPTS commits.
 *   ICP_ERR_UNKNOWN: reload; our snapshot id on the table means applied,
 *   else retry as for a conflict, and from then on nothing this call
 *   wrote is deleted (a slow catalog may still apply it).
 * - Input files are not deleted: older snapshots still reference them;
 *   snapshot expiry deletes them once no kept snapshot does.
 * - Files written by attempts that did not land are deleted (unless an
 *   outcome was unknown): data files, manifests, manifest lists.
 */
#define ICP_MAINT_COMPACT_ATTEMPTS 5
#define ICP_MAINT_COMPACT_SORT_MEMORY ((int64_t)256 << 20)

typedef struct icp_maint_compact_opts {
	int64_t target_file_size_bytes; /* <= 0: 512 MiB */
	int min_input_files;             /* < 2: 5 */
	int64_t sort_memory_bytes;       /* <= 0: ICP_MAINT_COMPACT_SORT_MEMORY */
	const icp_parquet_options *parquet; /* writer options (NULL: defaults) */
	/* test hook: called before every commit attempt (1, 2, ...) */
	void (*before_commit)(void *ctx, int attempt);
	void *hook_ctx;
} icp_maint_compact_opts;

typedef struct icp_maint_compact_result {
	int64_t files_in, bytes_in;      /* input files replaced (dry run: would be) */
	int64_t files_out, bytes_out;    /* output files committed */
	int64_t rows;                    /* rows rewritten */
	int64_t manifests_in;            /* manifests replaced in the list */
	int64_t manifests_out;           /* manifests this snapshot wrote */
	int64_t groups;                  /* bins compacted (dry run: would be) */
	int64_t files_skipped;           /* unsupported by the reader or spec */
	int64_t bins_abandoned;          /* an input vanished concurrently */
	int skipped_deletes;             /* 1: the table has delete files */
	int sorted;                      /* 1: output sorted by the default order */
	int attempts;                    /* commits sent */
	int64_t snapshot_id;             /* the replace snapshot, -1: none */
} icp_maint_compact_result;

/* Compacts table ns.name (see above). Returns ICP_OK (also when nothing
 * was to compact, and when some bins were abandoned), or the error of
 * loading, reading manifests, rewriting (nothing committed, outputs
 * deleted), or committing (ICP_ERR_CONFLICT after the last attempt;
 * ICP_ERR_UNKNOWN when the outcome could not be resolved). dry_run: plans
 * and counts (files_in, bytes_in, groups), writes nothing. The caller
 * owns the catalog, the warehouse, o and *out. */
int icp_maint_compact(icp_catalog *cat, icp_storage *warehouse, const char *ns,
                      const char *name, const icp_maint_compact_opts *o, int dry_run,
                      icp_maint_compact_result *out, icp_error *err);

#endif
