/*
 * One maintenance pass over the mapped tables (icp_processor_maintain):
 * for now snapshot expiry and the removal of what only expired snapshots
 * reached (src/maint does both, committing before deleting). Tables are
 * maintained one after the other; a table that fails is reported and the
 * pass goes on. Compaction and orphan removal (issue 17) come later, in
 * this order: compact, expire, remove orphans.
 */
#include "maint/maint.h"
#include "processor/proc_int.h"

int icp_processor_maintain(icp_processor *p, const char *only, int dry_run,
                           void (*report)(void *ctx, const icp_processor_maint_report *r,
                                          const icp_error *e),
                           void *ctx, icp_error *err)
{
	const icp_config *cfg = p->cfg;
	size_t i, found = 0;
	int rc = ICP_OK;

	for (i = 0; i < p->n_tables; i++) {
		icp_table *t = &p->tables[i];
		icp_maint_expire_result r;
		icp_processor_maint_report rep;
		icp_error e;
		int r_rc;

		if (only && strcmp(only, t->map->table) != 0)
			continue;
		found++;
		icp_error_init(&e);
		memset(&r, 0, sizeof(r));
		r_rc = icp_maint_expire(p->catalog, p->warehouse, t->ns, t->name, icp_now_ms(),
		                        cfg->maintenance.expire_snapshots.max_age_seconds * 1000,
		                        (int)cfg->maintenance.expire_snapshots.min_keep, dry_run, &r,
		                        &e);
		memset(&rep, 0, sizeof(rep));
		rep.table = t->map->table;
		rep.dry_run = dry_run;
		rep.snapshots_expired = r.snapshots_expired;
		rep.snapshots_kept = r.snapshots_kept;
		rep.manifest_lists_deleted = r.manifest_lists_deleted;
		rep.manifests_deleted = r.manifests_deleted;
		rep.data_files_deleted = r.data_files_deleted;
		rep.bytes_freed = r.bytes_freed;
		if (r_rc != ICP_OK)
			icp_error_prefix(&e, "table %s: snapshot expiry", t->map->table);
		if (report)
			report(ctx, &rep, r_rc == ICP_OK ? NULL : &e);
		if (r_rc != ICP_OK && rc == ICP_OK) {
			rc = r_rc;
			*err = e;
		}
	}
	if (only && !found)
		return icp_error_set(err, ICP_ERR_INVALID, "--table %s is not a mapped table", only);
	return rc;
}
