/*
 * Maintenance passes: one table's pass (icp_proc_maintain_table), and
 * one pass over the mapped tables for `iceberg-processor maintain`
 * (icp_processor_maintain).
 *
 * A table's pass runs three steps of src/maint in this order, so that one
 * pass leaves only what the kept snapshots need:
 * 1. compaction (maintenance.compaction.*): small files into large ones,
 *    one replace snapshot;
 * 2. snapshot expiry (maintenance.expire_snapshots.*) and the deletion of
 *    what only expired snapshots reached, the replaced files included
 *    once no kept snapshot names them;
 * 3. orphan removal (maintenance.remove_orphans.*): what crashed or
 *    abandoned writers left. Only after a successful expiry: a failed
 *    one may have stopped between its commit and its deletes, which the
 *    next pass finishes.
 * Each step commits before it deletes (src/maint). A failed compaction
 * still lets expiry and orphan removal run; the first failure is the
 * pass's error. A stop between steps leaves the table as the last
 * committed step left it.
 *
 * A table's pass touches nothing of the ingest side: it is given a
 * catalog and a warehouse store (the CLI's are the processor's; run mode's
 * maintenance thread opens its own, maintd.c) and loads the table fresh
 * from the catalog. Its commits meet ingest's like any other writer's:
 * ingest reloads and retries on a conflict (commit.c).
 */
#include "maint/maint.h"
#include "processor/proc_int.h"

/* Compaction with the writer options of the processor's own files
 * (parquet.*); its counts go into rep. */
static int compact_table(const icp_config *cfg, icp_catalog *cat, icp_storage *wh,
                         const char *ns, const char *name, int dry_run,
                         icp_processor_maint_report *rep, icp_error *err)
{
	icp_maint_compact_opts o;
	icp_maint_compact_result r;
	icp_parquet_options po;
	int rc;

	icp_proc_parquet_options(cfg, &po);
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.target_file_size_bytes = cfg->maintenance.compaction.target_file_size_bytes;
	o.min_input_files = (int)cfg->maintenance.compaction.min_input_files;
	o.parquet = &po;
	rc = icp_maint_compact(cat, wh, ns, name, &o, dry_run, &r, err);
	rep->files_compacted_in = r.files_in;
	rep->files_compacted_out = dry_run ? r.groups : r.files_out;
	rep->bytes_compacted_in = r.bytes_in;
	rep->bytes_compacted_out = r.bytes_out;
	rep->manifests_merged_in = r.manifests_in;
	rep->manifests_merged_out = r.manifests_out;
	return rc;
}

static int expire_table(const icp_config *cfg, icp_catalog *cat, icp_storage *wh,
                        const char *ns, const char *name, int dry_run,
                        icp_processor_maint_report *rep, icp_error *err)
{
	icp_maint_expire_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = icp_maint_expire(cat, wh, ns, name, icp_now_ms(),
	                      cfg->maintenance.expire_snapshots.max_age_seconds * 1000,
	                      (int)cfg->maintenance.expire_snapshots.min_keep, dry_run, &r, err);
	rep->snapshots_expired = r.snapshots_expired;
	rep->snapshots_kept = r.snapshots_kept;
	rep->manifest_lists_deleted = r.manifest_lists_deleted;
	rep->manifests_deleted = r.manifests_deleted;
	rep->data_files_deleted = r.data_files_deleted;
	rep->bytes_freed += r.bytes_freed;
	return rc;
}

static int orphans_table(const icp_config *cfg, icp_catalog *cat, icp_storage *wh,
                         const char *ns, const char *name, int dry_run,
                         icp_processor_maint_report *rep, icp_error *err)
{
	icp_maint_orphans_result o;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = icp_maint_remove_orphans(cat, wh, ns, name, icp_now_ms(),
	                              cfg->maintenance.remove_orphans.min_age_seconds * 1000,
	                              dry_run, &o, err);
	rep->orphans_removed = o.orphans_deleted;
	rep->orphans_kept_young = o.too_young;
	rep->bytes_freed += o.bytes_freed;
	return rc;
}

int icp_proc_maintain_table(const icp_config *cfg, icp_catalog *cat, icp_storage *warehouse,
                            const char *ns, const char *name, const char *label, int dry_run,
                            int (*stop)(void *ctx), void *stop_ctx,
                            icp_processor_maint_report *rep, icp_error *err)
{
	static const struct {
		const char *what;
		int (*run)(const icp_config *, icp_catalog *, icp_storage *, const char *,
		           const char *, int, icp_processor_maint_report *, icp_error *);
	} steps[] = {{"compaction", compact_table},
	             {"snapshot expiry", expire_table},
	             {"orphan removal", orphans_table}};
	size_t i;
	int rc = ICP_OK;

	memset(rep, 0, sizeof(*rep));
	rep->table = label;
	rep->dry_run = dry_run;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		icp_error e;
		int s;

		if (stop && stop(stop_ctx)) {
			if (rc == ICP_OK)
				rc = icp_error_set(err, ICP_ERR_RETRYABLE,
				                   "table %s: maintenance stopped before %s", label,
				                   steps[i].what);
			return rc;
		}
		icp_error_init(&e);
		s = steps[i].run(cfg, cat, warehouse, ns, name, dry_run, rep, &e);
		if (s != ICP_OK) {
			icp_error_prefix(&e, "table %s: %s", label, steps[i].what);
			if (rc == ICP_OK) {
				rc = s;
				*err = e;
			}
			/* orphans only after an expiry that went through (see above) */
			if (steps[i].run == expire_table)
				break;
		}
	}
	return rc;
}

int icp_processor_maintain(icp_processor *p, const char *only, int dry_run,
                           void (*report)(void *ctx, const icp_processor_maint_report *r,
                                          const icp_error *e),
                           void *ctx, icp_error *err)
{
	size_t i, found = 0;
	int rc = ICP_OK;

	/* the mappings' tables, then their dead-letter tables */
	for (i = 0; i < 2 * p->n_tables; i++) {
		icp_table *t = i < p->n_tables ? &p->tables[i] : p->tables[i - p->n_tables].dlq;
		icp_processor_maint_report rep;
		icp_error e;
		int r_rc;

		if (!t)
			continue;
		if (only && strcmp(only, t->map->table) != 0)
			continue;
		found++;
		icp_error_init(&e);
		r_rc = icp_proc_maintain_table(p->cfg, p->catalog, p->warehouse, t->ns, t->name,
		                               t->map->table, dry_run, NULL, NULL, &rep, &e);
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
