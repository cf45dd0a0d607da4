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
#include "maint/maint.h"

#include <stdlib.h>

/* ------------------------------------------------------------ file sets */

typedef struct fent {
	char *key;
	int64_t size; /* -1: unknown */
} fent;

typedef struct fset {
	fent *v;
	size_t n, cap;
} fset;

static int fset_add(fset *s, const char *key, int64_t size)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		fent *v = icp_realloc(s->v, cap * sizeof(*v));
		if (!v)
			return ICP_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].key = icp_strdup(key);
	if (!s->v[s->n].key)
		return ICP_ERR_NOMEM;
	s->v[s->n++].size = size;
	return ICP_OK;
}

static int fent_cmp(const void *a, const void *b)
{
	return strcmp(((const fent *)a)->key, ((const fent *)b)->key);
}

/* Sorts and drops duplicates so that lookups can bsearch. */
static void fset_seal(fset *s)
{
	size_t o = 0;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), fent_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (o && strcmp(s->v[o - 1].key, s->v[i].key) == 0) {
			icp_free(s->v[i].key);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
}

static int fset_has(const fset *s, const char *key)
{
	fent k = {(char *)key, 0};
	return s->n && bsearch(&k, s->v, s->n, sizeof(*s->v), fent_cmp) != NULL;
}

static void fset_dispose(fset *s)
{
	for (size_t i = 0; i < s->n; i++)
		icp_free(s->v[i].key);
	icp_free(s->v);
	memset(s, 0, sizeof(*s));
}

/* What a set of snapshots reaches. */
typedef struct reach {
	fset lists, manifests, data;
	int64_t outside; /* URLs outside the warehouse (never deleted) */
} reach;

static void reach_dispose(reach *r)
{
	fset_dispose(&r->lists);
	fset_dispose(&r->manifests);
	fset_dispose(&r->data);
}

/* ------------------------------------------------------------ reading */

typedef struct sweep {
	icp_storage *st;
	icp_arena *arena;
	icp_buf buf;
} sweep;

static int add_url(sweep *sw, reach *r, fset *s, const char *url, int64_t size)
{
	const char *key;
	if (!url || icp_storage_key_of_url(sw->st, url, &key) != ICP_OK) {
		r->outside++;
		return ICP_OK;
	}
	return fset_add(s, key, size);
}

static int read_obj(sweep *sw, const char *key, icp_error *err)
{
	icp_buf_reset(&sw->buf);
	icp_arena_reset(sw->arena);
	return icp_storage_get(sw->st, key, &sw->buf, err);
}

/* The manifest lists of the snapshots of m that `pick` selects (ids in
 * ids[0..n) when want_in, else those not in it), and the manifests those
 * lists name, except the ones in `skip` (already known to be kept). */
static int collect_lists(sweep *sw, const icp_ice_metadata *m, const int64_t *ids, size_t n,
                         int want_in, const fset *skip, reach *r, icp_error *err)
{
	const icp_json *snaps = icp_json_get(icp_ice_metadata_json(m), "snapshots");
	int rc;

	for (size_t i = 0; i < icp_json_len(snaps); i++) {
		int64_t id;
		int in = 0;
		icp_ice_snapshot s;
		if (icp_json_as_int64(icp_json_get(icp_json_at(snaps, i), "snapshot-id"), &id) !=
		            ICP_OK ||
		    icp_ice_metadata_snapshot(m, id, &s) != ICP_OK)
			continue;
		for (size_t k = 0; k < n; k++)
			in |= ids[k] == id;
		if (in != want_in)
			continue;
		if (!s.manifest_list) /* a v1 snapshot with inline "manifests" */
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "snapshot expiry: snapshot %lld has no manifest list "
			                     "(inline manifests of format v1 are not read here)",
			                     (long long)id);
		if ((rc = add_url(sw, r, &r->lists, s.manifest_list, -1)) != ICP_OK)
			return icp_error_set(err, rc, "snapshot expiry: out of memory");
	}
	fset_seal(&r->lists);
	for (size_t i = 0; i < r->lists.n; i++) {
		icp_ice_manifest_ref *refs;
		size_t nr;
		if ((rc = read_obj(sw, r->lists.v[i].key, err)) != ICP_OK ||
		    (rc = icp_ice_manifest_list_read(icp_slice_make(sw->buf.data, sw->buf.len),
		                                     sw->arena, &refs, &nr, err)) != ICP_OK) {
			icp_error_prefix(err, "snapshot expiry: manifest list %s", r->lists.v[i].key);
			return rc;
		}
		for (size_t k = 0; k < nr; k++) {
			const char *key;
			if (refs[k].path && skip &&
			    icp_storage_key_of_url(sw->st, refs[k].path, &key) == ICP_OK &&
			    fset_has(skip, key))
				continue;
			if ((rc = add_url(sw, r, &r->manifests, refs[k].path, refs[k].length)) != ICP_OK)
				return icp_error_set(err, rc, "snapshot expiry: out of memory");
		}
	}
	fset_seal(&r->manifests);
	return ICP_OK;
}

/* The data (and delete) files every manifest of r names. */
static int collect_data(sweep *sw, reach *r, icp_error *err)
{
	int rc;
	for (size_t i = 0; i < r->manifests.n; i++) {
		icp_ice_manifest_entry *e;
		size_t ne;
		if ((rc = read_obj(sw, r->manifests.v[i].key, err)) != ICP_OK ||
		    (rc = icp_ice_manifest_read(icp_slice_make(sw->buf.data, sw->buf.len), sw->arena,
		                                &e, &ne, err)) != ICP_OK) {
			icp_error_prefix(err, "snapshot expiry: manifest %s", r->manifests.v[i].key);
			return rc;
		}
		for (size_t k = 0; k < ne; k++)
			if ((rc = add_url(sw, r, &r->data, e[k].path, e[k].file_size)) != ICP_OK)
				return icp_error_set(err, rc, "snapshot expiry: out of memory");
	}
	fset_seal(&r->data);
	return ICP_OK;
}

/* Deletes (or counts, dry run) the files of `gone` not in `kept`. */
static void delete_set(sweep *sw, const fset *gone, const fset *kept, int stat_size,
                       int dry_run, int64_t *count, icp_maint_expire_result *out)
{
	for (size_t i = 0; i < gone->n; i++) {
		const fent *f = &gone->v[i];
		int64_t size = f->size;
		icp_error e;
		int rc;
		if (fset_has(kept, f->key))
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
	sweep sw;
	reach kept, gone;
	int rc;

	memset(&kept, 0, sizeof(kept));
	memset(&gone, 0, sizeof(gone));
	sw.st = st;
	icp_buf_init(&sw.buf, ICP_BUF_UNLIMITED);
	sw.arena = icp_arena_new(0);
	if (!sw.arena) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "snapshot expiry: out of memory");
		goto out;
	}
	/* a dry run keeps what the plan keeps: `after` is `before` then */
	if ((rc = collect_lists(&sw, after, ids, dry_run ? n : 0, 0, NULL, &kept, err)) != ICP_OK ||
	    (rc = collect_data(&sw, &kept, err)) != ICP_OK ||
	    (rc = collect_lists(&sw, before, ids, n, 1, &kept.manifests, &gone, err)) != ICP_OK ||
	    (rc = collect_data(&sw, &gone, err)) != ICP_OK)
		goto out;
	out->files_outside = gone.outside;
	/* data first: a crash midway leaves manifests that still name what
	 * is left, which a later tool can find */
	delete_set(&sw, &gone.data, &kept.data, 0, dry_run, &out->data_files_deleted, out);
	delete_set(&sw, &gone.manifests, &kept.manifests, 0, dry_run, &out->manifests_deleted,
	           out);
	delete_set(&sw, &gone.lists, &kept.lists, 1, dry_run, &out->manifest_lists_deleted, out);
out:
	reach_dispose(&kept);
	reach_dispose(&gone);
	icp_arena_free(sw.arena);
	icp_buf_dispose(&sw.buf);
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
