/*
 * maint: table maintenance that keeps tables healthy for months (issue
 * 17). For now: snapshot expiry.
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

#endif
