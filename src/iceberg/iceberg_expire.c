/*
 * Snapshot expiry, the metadata side: which snapshots to expire (a pure
 * function of the metadata and the clock) and what a commit's
 * remove-snapshots does to the next metadata version (SQL catalog path;
 * the REST body is in iceberg_commit.c). Deleting the files that only
 * expired snapshots reach is src/maint's job, after the commit.
 *
 * Retention (Iceberg Java's ExpireSnapshots/RemoveSnapshots rule, kept a
 * little more conservative): a snapshot is kept when
 *   - a ref (branch or tag) points at it, or
 *   - it is one of the min-keep most recent ancestors of a branch head
 *     (a branch's walk also keeps ancestors newer than the cutoff, and
 *     stops at the first older one past min-keep), or
 *   - it is newer than now - max-age (Java applies this to snapshots
 *     outside every branch's history only; keeping it for all is a
 *     superset of what Java keeps, so we never delete more than it would).
 * A branch ref's own "min-snapshots-to-keep" / "max-snapshot-age-ms" win
 * for its walk, as in Java.
 */
#include "iceberg/iceberg_int.h"

#include <errno.h>
#include <stdlib.h>

/* ------------------------------------------------------------ helpers */

static int id_in(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* A table property as a non-negative integer: ICP_OK and *out, or *out
 * untouched when absent; ICP_ERR_INVALID when it is not a number (expiring
 * with a guessed value could delete what the table owner meant to keep). */
static int prop_i64(const icp_ice_metadata *m, const char *key, int64_t *out, icp_error *err)
{
	const char *v = icp_ice_metadata_property(m, key);
	char *end;
	long long x;

	if (!v)
		return ICP_OK;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (end == v || *end || errno || x < 0)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "snapshot expiry: table property %s=\"%s\" is not a non-negative "
		                     "integer",
		                     key, v);
	*out = x;
	return ICP_OK;
}

static int64_t json_i64(const icp_json *obj, const char *key, int64_t dflt)
{
	int64_t v;
	return icp_json_as_int64(icp_json_get(obj, key), &v) == ICP_OK ? v : dflt;
}

/* One snapshot of "snapshots", sorted by id for the ancestor walks (a
 * table commits every minute for days: thousands of snapshots). */
typedef struct snap_ix {
	int64_t id, parent, ts;
	size_t at;                  /* index in "snapshots" */
} snap_ix;

static int ix_cmp(const void *a, const void *b)
{
	int64_t x = ((const snap_ix *)a)->id, y = ((const snap_ix *)b)->id;
	return x < y ? -1 : x > y;
}

static const snap_ix *ix_find(const snap_ix *ix, size_t n, int64_t id)
{
	snap_ix k;
	k.id = id;
	return n ? bsearch(&k, ix, n, sizeof(*ix), ix_cmp) : NULL;
}

/* The range of entries with this id (more than one only in a corrupt
 * file; every copy then shares one fate, since removal goes by id). */
static size_t ix_group(const snap_ix *ix, size_t n, int64_t id, const snap_ix **first)
{
	const snap_ix *s = ix_find(ix, n, id), *e;
	if (!s)
		return 0;
	while (s > ix && s[-1].id == id)
		s--;
	for (e = s; e < ix + n && e->id == id; e++)
		;
	*first = s;
	return (size_t)(e - s);
}

/* Keeps the ancestors of a branch head: every one while fewer than
 * min_keep are kept or newer than cutoff, stopping at the first that is
 * neither (Java's computeBranchSnapshotsToRetain). keep[] parallels the
 * "snapshots" array. */
static void keep_branch(const snap_ix *ix, size_t n, int64_t head, int64_t min_keep,
                        int64_t cutoff, unsigned char *keep)
{
	const snap_ix *s;
	size_t kept = 0;

	/* kept <= n bounds a parent cycle in a corrupt file */
	for (s = ix_find(ix, n, head); s && kept <= n; s = ix_find(ix, n, s->parent)) {
		if ((int64_t)kept >= min_keep && s->ts < cutoff)
			return;
		const snap_ix *g;
		for (size_t k = 0, gn = ix_group(ix, n, s->id, &g); k < gn; k++)
			keep[g[k].at] = 1;
		kept++;
	}
}

/* -------------------------------------------------------------- plan */

int icp_ice_expire_plan(const icp_ice_metadata *m, int64_t now_ms, int64_t max_age_ms,
                        int min_keep, icp_ice_expiry_plan *out, icp_error *err)
{
	const icp_json *snaps, *refs;
	unsigned char *keep = NULL;
	snap_ix *ix = NULL;
	int64_t age = max_age_ms, mk = min_keep;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!m || max_age_ms < 0)
		return icp_error_set(err, ICP_ERR_INVALID, "snapshot expiry: negative max age");
	if ((rc = prop_i64(m, "history.expire.max-snapshot-age-ms", &age, err)) != ICP_OK ||
	    (rc = prop_i64(m, "history.expire.min-snapshots-to-keep", &mk, err)) != ICP_OK)
		return rc;
	if (mk < 1)
		mk = 1; /* the current snapshot is always kept (Java's minimum too) */
	out->max_age_ms = age;
	out->min_keep = mk > INT32_MAX ? INT32_MAX : (int)mk;
	snaps = icp_json_get(m->root, "snapshots");
	n = icp_json_len(snaps);
	if (!snaps || snaps->type != ICP_JSON_ARRAY || n == 0)
		return ICP_OK;
	keep = icp_calloc(n, 1);
	ix = icp_malloc(n * sizeof(*ix));
	out->expire = icp_malloc(n * sizeof(int64_t));
	if (!keep || !ix || !out->expire) {
		icp_free(keep);
		icp_free(ix);
		icp_ice_expiry_plan_dispose(out);
		return icp_error_set(err, ICP_ERR_NOMEM, "snapshot expiry: out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const icp_json *sj = icp_json_at(snaps, i);
		const icp_json *p = icp_json_get(sj, "parent-snapshot-id");
		ix[i].id = json_i64(sj, "snapshot-id", -1);
		ix[i].parent = p && p->type == ICP_JSON_INT ? p->u.num.i : -1;
		ix[i].ts = json_i64(sj, "timestamp-ms", 0);
		ix[i].at = i;
	}
	qsort(ix, n, sizeof(*ix), ix_cmp);
	refs = icp_json_get(m->root, "refs");
	/* main from current-snapshot-id when "refs" is absent (older files) */
	keep_branch(ix, n, m->main_snapshot, mk, now_ms - age, keep);
	for (size_t r = 0; refs && refs->type == ICP_JSON_OBJECT && r < refs->u.obj.n; r++) {
		const icp_json *ref = &refs->u.obj.members[r].value;
		int64_t head = json_i64(ref, "snapshot-id", -1);
		const icp_json *type = icp_json_get(ref, "type");
		int tag = type && type->type == ICP_JSON_STRING && strcmp(type->u.str.ptr, "tag") == 0;
		const snap_ix *g;
		for (size_t k = 0, gn = head < 0 ? 0 : ix_group(ix, n, head, &g); k < gn; k++)
			keep[g[k].at] = 1;
		if (!tag)
			keep_branch(ix, n, head, json_i64(ref, "min-snapshots-to-keep", mk),
			            now_ms - json_i64(ref, "max-snapshot-age-ms", age), keep);
	}
	/* young snapshots stay whatever their place */
	for (size_t i = 0; i < n; i++)
		if (ix[i].ts >= now_ms - age)
			keep[ix[i].at] = 1;
	for (size_t i = 0; i < n; i++) {
		int64_t id = json_i64(icp_json_at(snaps, i), "snapshot-id", -1);
		const snap_ix *g;
		size_t gn = id < 0 ? 0 : ix_group(ix, n, id, &g), k;
		for (k = 0; k < gn && !keep[g[k].at]; k++)
			;
		if (gn && k == gn)
			out->expire[out->n_expire++] = id;
		for (k = 0; k < gn; k++)
			keep[g[k].at] = 2; /* decided: a duplicate is not listed twice */
	}
	out->n_keep = n - out->n_expire; /* (duplicates aside) */
	icp_free(keep);
	icp_free(ix);
	return ICP_OK;
}

void icp_ice_expiry_plan_dispose(icp_ice_expiry_plan *p)
{
	if (!p)
		return;
	icp_free(p->expire);
	p->expire = NULL;
	p->n_expire = 0;
}

/* -------------------------------------------------- remove-snapshots */

int icp_ice_remove_check(const icp_ice_metadata *b, const icp_ice_commit *c, icp_error *err)
{
	const icp_json *refs = icp_json_get(b->root, "refs");

	for (size_t i = 0; i < c->n_remove_snapshots; i++) {
		int64_t id = c->remove_snapshot_ids[i];
		if (id == b->main_snapshot || (c->has_snapshot && id == c->snapshot_id))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "iceberg commit: remove-snapshots: snapshot %lld is the "
			                     "current snapshot of main",
			                     (long long)id);
		for (size_t r = 0; refs && refs->type == ICP_JSON_OBJECT && r < refs->u.obj.n; r++)
			if (json_i64(&refs->u.obj.members[r].value, "snapshot-id", -1) == id)
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "iceberg commit: remove-snapshots: ref %s points at "
				                     "snapshot %lld",
				                     refs->u.obj.members[r].key, (long long)id);
	}
	return ICP_OK;
}

int icp_ice_removed(const icp_ice_commit *c, const icp_json *item)
{
	int64_t id;
	if (!c->n_remove_snapshots ||
	    icp_json_as_int64(icp_json_get(item, "snapshot-id"), &id) != ICP_OK)
		return 0;
	return id_in(c->remove_snapshot_ids, c->n_remove_snapshots, id);
}

void icp_ice_write_kept(icp_json_writer *w, const icp_ice_commit *c, const icp_json *arr)
{
	for (size_t i = 0; arr && arr->type == ICP_JSON_ARRAY && i < arr->u.arr.n; i++)
		if (!icp_ice_removed(c, &arr->u.arr.items[i]))
			icp_json_write_value(w, &arr->u.arr.items[i]);
}

void icp_ice_write_snapshot_log_kept(icp_json_writer *w, const icp_ice_commit *c,
                                     const icp_json *log)
{
	size_t from = 0;

	/* Java's updateSnapshotLog: an entry whose snapshot is gone drops the
	 * history before it too, so the log never skips over a hole */
	for (size_t i = 0; log && log->type == ICP_JSON_ARRAY && i < log->u.arr.n; i++)
		if (icp_ice_removed(c, &log->u.arr.items[i]))
			from = i + 1;
	for (size_t i = from; log && log->type == ICP_JSON_ARRAY && i < log->u.arr.n; i++)
		icp_json_write_value(w, &log->u.arr.items[i]);
}
