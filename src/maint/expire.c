/*
 * Snapshot expiry, the I/O side (see maint.h for the contract).
 *
 *   LOAD    load the table                                   -> PLAN
 *   PLAN    icp_ice_expire_plan, minus main's ancestry down to the
 *           nearest kafscale.offsets; nothing to expire -> done -> COMMIT
 *   COMMIT  remove-snapshots asserting uuid and main: OK -> SWEEP;
 *           CONFLICT -> reload, PLAN again; UNKNOWN -> reload: the
 *           planned snapshots all gone -> SWEEP, else PLAN again
 *   SWEEP   files reachable from the kept snapshots (of the metadata the
 *           commit produced) vs from the expired ones (of the metadata the
 *           plan was made on); delete expired-only ones that lie in the
 *           warehouse: data files, then manifests, then manifest lists.
 *
 * Files are compared by storage key (icp_storage_key_of_url), so two URL
 * spellings of one object ("file:/x" and "file:///x") are one file. Every
 * manifest of a kept snapshot is read, whatever its entries' status: a
 * data file named anywhere in them stays. That costs one read of the
 * table's live manifests per expiry, which is what makes "never delete a
 * referenced file" hold without trusting entry statuses others wrote.
 */
#include "maint/maint_int.h"

/* ------------------------------------------------------------ sweep */

/* Deletes (or counts, dry run) the files of `gone` not in `kept`. */
static void delete_set(icp_maint_reader *sw, const icp_maint_fset *gone,
                       const icp_maint_fset *kept, int stat_size,
                       int dry_run, int64_t *count, icp_maint_expire_result *out)
{
	for (size_t i = 0; i < gone->n; i++) {
		const icp_maint_fent *f = &gone->v[i];
		int64_t size = f->size;
		icp_error e;
		int rc;
		if (icp_maint_fset_has(kept, f->key))
			continue;
		icp_error_init(&e);
		if (stat_size) {
			uint64_t sz;
			size = icp_storage_stat(sw->st, f->key, &sz, &e) == ICP_OK ? (int64_t)sz : -1;
			icp_error_init(&e);
		}
		rc = dry_run ? ICP_OK : icp_storage_remove(sw->st, f->key, &e);
		if (rc == ICP_ERR_NOT_FOUND)
			continue; /* gone already (an earlier run's sweep) */
		if (rc != ICP_OK) {
			out->delete_failures++;
			continue;
		}
		(*count)++;
		if (size > 0)
			out->bytes_freed += size;
	}
}

/* SWEEP: kept = every snapshot of `after`; expired = ids of `before`. */
static int sweep_files(icp_storage *st, const icp_ice_metadata *before,
                       const icp_ice_metadata *after, const int64_t *ids, size_t n,
                       int dry_run, icp_maint_expire_result *out, icp_error *err)
{
	icp_maint_reader sw;
	icp_maint_reach kept, gone;
	int rc;

	memset(&kept, 0, sizeof(kept));
	memset(&gone, 0, sizeof(gone));
	if ((rc = icp_maint_reader_init(&sw, st, "snapshot expiry", err)) != ICP_OK)
		goto out;
	/* a dry run keeps what the plan keeps: `after` is `before` then */
	if ((rc = icp_maint_collect_lists(&sw, after, ids, dry_run ? n : 0, 0, NULL, &kept,
	                                  err)) != ICP_OK ||
	    (rc = icp_maint_collect_data(&sw, &kept, err)) != ICP_OK ||
	    (rc = icp_maint_collect_lists(&sw, before, ids, n, 1, &kept.manifests, &gone, err)) !=
	            ICP_OK ||
	    (rc = icp_maint_collect_data(&sw, &gone, err)) != ICP_OK)
		goto out;
	out->files_outside = gone.outside;
	/* data first: a crash midway leaves manifests that still name what
	 * is left, which a later tool can find */
	delete_set(&sw, &gone.data, &kept.data, 0, dry_run, &out->data_files_deleted, out);
	delete_set(&sw, &gone.manifests, &kept.manifests, 0, dry_run, &out->manifests_deleted,
	           out);
	delete_set(&sw, &gone.lists, &kept.lists, 1, dry_run, &out->manifest_lists_deleted, out);
out:
	icp_maint_reach_dispose(&kept);
	icp_maint_reach_dispose(&gone);
	icp_maint_reader_dispose(&sw);
	return rc;
}

/* ------------------------------------------------------------ commit */

static int check_lists(const icp_ice_metadata *m, icp_error *err)
{
	const icp_json *snaps = icp_json_get(icp_ice_metadata_json(m), "snapshots");
	for (size_t i = 0; i < icp_json_len(snaps); i++) {
		const icp_json *sj = icp_json_at(snaps, i);
		int64_t id = -1;
		if (icp_json_get(sj, "manifest-list"))
			continue;
		icp_json_as_int64(icp_json_get(sj, "snapshot-id"), &id);
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "snapshot expiry: snapshot %lld has no manifest list (format v1 "
		                     "inline manifests): not expiring",
		                     (long long)id);
	}
	return ICP_OK;
}

/* The processor finds where to continue by walking main's ancestry back
 * to the nearest snapshot whose summary has kafscale.offsets (another
 * engine's snapshots, a compaction say, lack it; offsets.c). That walk
 * must still work after expiry: the chain from main down to that snapshot
 * is taken out of the plan, whatever its age. A table without the
 * property anywhere has nothing to protect. */
static void protect_offsets(const icp_ice_metadata *m, icp_ice_expiry_plan *plan)
{
	int64_t id = icp_ice_metadata_main_snapshot(m), chain_end = -1;
	size_t hops = 0, n = icp_json_len(icp_json_get(icp_ice_metadata_json(m), "snapshots"));
	icp_ice_snapshot s;

	for (; id >= 0 && hops++ <= n; id = s.parent_id) {
		if (icp_ice_metadata_summary(m, id, "kafscale.offsets")) {
			chain_end = id;
			break;
		}
		if (icp_ice_metadata_snapshot(m, id, &s) != ICP_OK)
			return;
	}
	if (chain_end < 0)
		return;
	hops = 0;
	for (id = icp_ice_metadata_main_snapshot(m); id >= 0 && hops++ <= n; id = s.parent_id) {
		size_t o = 0;
		for (size_t i = 0; i < plan->n_expire; i++)
			if (plan->expire[i] != id)
				plan->expire[o++] = plan->expire[i];
		plan->n_keep += plan->n_expire - o;
		plan->n_expire = o;
		if (id == chain_end || icp_ice_metadata_snapshot(m, id, &s) != ICP_OK)
			return;
	}
}

static int any_left(const icp_ice_metadata *m, const int64_t *ids, size_t n)
{
	icp_ice_snapshot s;
	for (size_t i = 0; i < n; i++)
		if (icp_ice_metadata_snapshot(m, ids[i], &s) == ICP_OK)
			return 1;
	return 0;
}

int icp_maint_expire(icp_catalog *cat, icp_storage *warehouse, const char *ns,
                     const char *name, int64_t now_ms, int64_t max_age_ms, int min_keep,
                     int dry_run, icp_maint_expire_result *out, icp_error *err)
{
	icp_ice_metadata *base = NULL, *next = NULL;
	icp_ice_expiry_plan plan;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&plan, 0, sizeof(plan));
	if (!cat || !warehouse || !ns || !name)
		return icp_error_set(err, ICP_ERR_INVALID, "snapshot expiry: missing argument");
	if ((rc = icp_catalog_load_table(cat, ns, name, &base, err)) != ICP_OK)
		goto out;
	for (;;) {
		icp_ice_commit ic;
		icp_error ce;
		icp_ice_expiry_plan_dispose(&plan);
		if ((rc = icp_ice_expire_plan(base, now_ms, max_age_ms, min_keep, &plan, err)) !=
		    ICP_OK)
			goto out;
		protect_offsets(base, &plan);
		out->max_age_ms = plan.max_age_ms;
		out->min_keep = plan.min_keep;
		out->snapshots_kept = (int64_t)plan.n_keep;
		if (plan.n_expire == 0)
			goto out; /* rc ICP_OK */
		out->snapshots_expired = (int64_t)plan.n_expire;
		/* what the sweep cannot read, it cannot keep: refuse before
		 * committing rather than strand the removal without a sweep */
		if ((rc = check_lists(base, err)) != ICP_OK) {
			out->snapshots_expired = 0;
			goto out;
		}
		if (dry_run) {
			rc = sweep_files(warehouse, base, base, plan.expire, plan.n_expire, 1, out, err);
			goto out;
		}
		if (out->attempts >= ICP_MAINT_EXPIRE_ATTEMPTS) {
			out->snapshots_expired = 0;
			rc = icp_error_set(err, ICP_ERR_CONFLICT,
			                   "snapshot expiry: table %s.%s: still conflicting after %d "
			                   "attempts",
			                   ns, name, out->attempts);
			goto out;
		}
		memset(&ic, 0, sizeof(ic));
		ic.assert_uuid = icp_ice_metadata_uuid(base);
		ic.assert_main = 1;
		ic.main_snapshot_id = icp_ice_metadata_main_snapshot(base);
		ic.snapshot_schema_id = -1;
		ic.remove_snapshot_ids = plan.expire;
		ic.n_remove_snapshots = plan.n_expire;
		out->attempts++;
		icp_error_init(&ce);
		rc = icp_catalog_commit_table(cat, ns, name, base, &ic, &next, &ce);
		if (rc == ICP_OK)
			break;
		if (rc != ICP_ERR_CONFLICT && rc != ICP_ERR_UNKNOWN) {
			out->snapshots_expired = 0;
			icp_error_set(err, rc, "%s", ce.msg);
			goto out;
		}
		/* reload: the commit lost a race, or its outcome is unknown */
		if ((rc = icp_catalog_load_table(cat, ns, name, &next, err)) != ICP_OK) {
			out->snapshots_expired = 0;
			goto out;
		}
		if (ce.status == ICP_ERR_UNKNOWN && !any_left(next, plan.expire, plan.n_expire))
			break; /* it was applied */
		icp_ice_metadata_free(base);
		base = next;
		next = NULL;
	}
	/* committed: from here on an error leaves orphans, never a hole */
	out->snapshots_kept = (int64_t)icp_json_len(
	        icp_json_get(icp_ice_metadata_json(next), "snapshots"));
	rc = sweep_files(warehouse, base, next, plan.expire, plan.n_expire, 0, out, err);
out:
	icp_ice_expiry_plan_dispose(&plan);
	icp_ice_metadata_free(base);
	icp_ice_metadata_free(next);
	return rc;
}
