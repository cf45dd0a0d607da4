/*
 * maint: table maintenance that keeps tables healthy for months (issue
 * 17): snapshot expiry and orphan removal.
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

#endif
