/*
 * One maintenance pass over the mapped tables (icp_processor_maintain):
 * compaction (src/maint/compact*.c), then snapshot expiry and the removal
 * of what only expired snapshots reached (src/maint does both, committing
 * before deleting). Compacting first lets the same pass expire what the
 * compaction replaced once it is old enough. Tables are maintained one
 * after the other; a table that fails is reported and the pass goes on
 * (a failed compaction still lets expiry run). Orphan removal comes
 * last, once expiry has deleted what it could: it only finds what
 * crashed or abandoned writers left (maintenance.remove_orphans.*). It
 * runs only when expiry succeeded, since a failed expiry may have left
 * the table mid-change.
 */
#include "maint/maint.h"
#include "processor/proc_int.h"

/* Compaction of one table with the writer options of the processor's
 * own files (parquet.*); its counts go into rep. */
static int compact_table(icp_processor *p, icp_table *t, int dry_run,
                         icp_processor_maint_report *rep, icp_error *err)
{
	static const icp_codec_id codecs[] = {ICP_CODEC_ZSTD, ICP_CODEC_SNAPPY, ICP_CODEC_GZIP,
	                                      ICP_CODEC_LZ4_RAW, ICP_CODEC_NONE};
	const icp_config *cfg = p->cfg;
	icp_maint_compact_opts o;
	icp_maint_compact_result r;
	icp_parquet_options po;
	int rc;

	icp_parquet_options_init(&po);
	po.codec = codecs[cfg->parquet.compression];
	po.codec_level = (int)cfg->parquet.compression_level;
	po.row_group_size = (size_t)cfg->parquet.row_group_bytes;
	po.page_size = (size_t)cfg->parquet.page_bytes;
	memset(&o, 0, sizeof(o));
	o.target_file_size_bytes = cfg->maintenance.compaction.target_file_size_bytes;
	o.min_input_files = (int)cfg->maintenance.compaction.min_input_files;
	o.parquet = &po;
	rc = icp_maint_compact(p->catalog, p->warehouse, t->ns, t->name, &o, dry_run, &r, err);
	rep->files_compacted_in = r.files_in;
	rep->files_compacted_out = dry_run ? r.groups : r.files_out;
	rep->bytes_compacted_in = r.bytes_in;
	rep->bytes_compacted_out = r.bytes_out;
	return rc;
}

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
		int r_rc, c_rc;

		if (only && strcmp(only, t->map->table) != 0)
			continue;
		found++;
		icp_error_init(&e);
		memset(&r, 0, sizeof(r));
		memset(&rep, 0, sizeof(rep));
		c_rc = compact_table(p, t, dry_run, &rep, &e);
		if (c_rc != ICP_OK) {
			icp_error_prefix(&e, "table %s: compaction", t->map->table);
			if (rc == ICP_OK) {
				rc = c_rc;
				*err = e;
			}
			if (report) {
				rep.table = t->map->table;
				rep.dry_run = dry_run;
				report(ctx, &rep, &e);
			}
			icp_error_init(&e);
			memset(&rep, 0, sizeof(rep));
		}
		r_rc = icp_maint_expire(p->catalog, p->warehouse, t->ns, t->name, icp_now_ms(),
		                        cfg->maintenance.expire_snapshots.max_age_seconds * 1000,
		                        (int)cfg->maintenance.expire_snapshots.min_keep, dry_run, &r,
		                        &e);
		rep.table = t->map->table;
		rep.dry_run = dry_run;
		rep.snapshots_expired = r.snapshots_expired;
		rep.snapshots_kept = r.snapshots_kept;
		rep.manifest_lists_deleted = r.manifest_lists_deleted;
		rep.manifests_deleted = r.manifests_deleted;
		rep.data_files_deleted = r.data_files_deleted;
		rep.bytes_freed = r.bytes_freed;
		if (r_rc != ICP_OK) {
			icp_error_prefix(&e, "table %s: snapshot expiry", t->map->table);
		} else {
			icp_maint_orphans_result o;

			memset(&o, 0, sizeof(o));
			r_rc = icp_maint_remove_orphans(
			    p->catalog, p->warehouse, t->ns, t->name, icp_now_ms(),
			    cfg->maintenance.remove_orphans.min_age_seconds * 1000, dry_run, &o, &e);
			rep.orphans_removed = o.orphans_deleted;
			rep.orphans_kept_young = o.too_young;
			rep.bytes_freed += o.bytes_freed;
			if (r_rc != ICP_OK)
				icp_error_prefix(&e, "table %s: orphan removal", t->map->table);
		}
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
