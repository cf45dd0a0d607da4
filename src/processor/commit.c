/*
 * The commit of a table's pending data files as one snapshot, as a state
 * machine (icp_commit). It owns everything of the commit in flight: the
 * snapshot id (the same for every attempt), the manifest, the manifest
 * list of the current attempt, the attempt count and whether any attempt's
 * outcome was unknown. It borrows its inputs (pending files, the
 * partitions' new offsets, the base metadata) and changes nothing itself
 * except files under the table's metadata prefix; every other effect goes
 * through the catalog or the icp_commit_ops callbacks (the table adopts
 * metadata, takes a landed commit, discards its data).
 *
 *   BUILD    write a manifest listing the pending files        -> ATTEMPT
 *   ATTEMPT  write a manifest list = the new manifest + the base's
 *            manifests, some merged into one (merge.c: Iceberg's
 *            merge-append rule); commit asserting main is still the base
 *            (kafscale.offsets in the summary)  -> DONE | RESOLVE | FAILED
 *   RESOLVE  conflict or unknown outcome: reload the table. Our snapshot
 *            on it -> DONE; another writer moved our partitions
 *            -> DISCARDED; else adopt it as the base  -> RETRY
 *   RETRY    shutdown deadline, attempt limit, backoff  -> ATTEMPT | FAILED
 *
 * Files of an attempt that was never applied are deleted best-effort,
 * except once an attempt's outcome was unknown (or the table was in doubt
 * when the commit began): then nothing of this commit is deleted, since a
 * slow catalog may still apply it. See docs/internals/commit-protocol.md.
 */
#include "processor/commit_int.h"

#include "log/log.h"
#include "pspec/pspec.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct icp_commit {
	icp_commit_input in;       /* borrowed pointers, see proc_int.h */
	char *meta_prefix;         /* copied: adopting metadata replaces the table's */
	icp_commit_state state;
	int rc;                    /* result of the last step */
	int attempt;               /* 0-based, < ICP_COMMIT_MAX_ATTEMPTS */
	/* an attempt's outcome was unknown: it may be applied late, so no
	 * file this commit wrote is deleted from then on */
	int any_unknown;
	int was_unknown;           /* the attempt being resolved */
	const icp_ice_metadata *base; /* the table's current metadata */
	const icp_offsets *base_offs; /* its offsets (in.base_offsets or own_offs) */
	icp_offsets own_offs;
	int64_t snap_id, added_size;
	char uuid[37];
	icp_ice_manifest_info info;
	int32_t spec_id;           /* the table's default spec the manifest is for */
	char *man_key, *man_url;   /* the manifest (one per commit) */
	char *list_key, *list_url; /* the manifest list of the current attempt */
	char **merged_keys;        /* ... and the merged manifests it lists */
	size_t n_merged;
	int new_merged;            /* the current attempt's list has the new
	                            * manifest only inside a merged one */
};

static int64_t summary_i64(const icp_ice_metadata *m, int64_t snap, const char *key)
{
	const char *v = snap >= 0 ? icp_ice_metadata_summary(m, snap, key) : NULL;
	char *end;
	long long x;
	if (!v)
		return 0;
	x = strtoll(v, &end, 10);
	return *end ? 0 : x;
}

/* Capped exponential backoff with jitter between commit attempts: the
 * ceiling is 50 ms doubling up to 2 s, the pause uniform in [ceiling/2,
 * ceiling], so racing writers spread out. */
static void backoff(int attempt)
{
	uint64_t cap = 50000000ull << (attempt < 6 ? attempt : 6), ns;
	struct timespec ts;
	uint8_t r[8];
	if (cap > 2000000000ull)
		cap = 2000000000ull;
	icp_random_bytes(r, sizeof(r));
	ns = cap / 2 + icp_load_be64(r) % (cap / 2 + 1);
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	nanosleep(&ts, NULL);
}

static void count(icp_commit *c, int outcome)
{
	if (c->in.ops->count)
		c->in.ops->count(c->in.ctx, outcome);
}

static int put_meta_file(icp_commit *c, const char *name, icp_buf *bytes, char **key,
                         char **url, icp_error *err)
{
	icp_buf k, u;
	int rc;
	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "%s/%s", c->meta_prefix, name);
	if (k.status) {
		icp_buf_dispose(&k);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = icp_storage_put(c->in.store, (char *)k.data, icp_slice_make(bytes->data, bytes->len), 1,
	                     err);
	icp_storage_url(c->in.store, (char *)k.data, &u);
	*key = (char *)icp_buf_detach(&k, NULL);
	*url = (char *)icp_buf_detach(&u, NULL);
	return rc;
}

static void remove_quiet(icp_commit *c, const char *key)
{
	icp_error e;
	icp_error_init(&e);
	if (key)
		icp_storage_remove(c->in.store, key, &e);
}

/* Forgets the current attempt's merged manifests, deleting them when
 * remove is set. */
static void drop_merged(icp_commit *c, int remove)
{
	for (size_t i = 0; i < c->n_merged; i++) {
		if (remove)
			remove_quiet(c, c->merged_keys[i]);
		icp_free(c->merged_keys[i]);
	}
	icp_free(c->merged_keys);
	c->merged_keys = NULL;
	c->n_merged = 0;
}

/* Forgets the current attempt's manifest list (and merged manifests);
 * deletes them unless they may be referenced (never applied as far as we
 * can know). */
static void drop_list(icp_commit *c)
{
	drop_merged(c, !c->any_unknown);
	if (!c->any_unknown)
		remove_quiet(c, c->list_key);
	icp_free(c->list_key);
	icp_free(c->list_url);
	c->list_key = c->list_url = NULL;
}

/* Terminal: gave up with the data pending. */
static void fail(icp_commit *c, int rc)
{
	c->rc = rc;
	c->state = ICP_COMMIT_S_FAILED;
	count(c, ICP_COMMIT_FAILED);
	drop_merged(c, !c->any_unknown);
	if (!c->any_unknown) {
		remove_quiet(c, c->list_key);
		remove_quiet(c, c->man_key);
	}
}

/* Terminal: our snapshot is on the table, which now holds m (takes m). */
static void landed(icp_commit *c, icp_ice_metadata *m, icp_error *err)
{
	int rc = c->in.ops->adopt(c->in.ctx, m, err);
	if (rc != ICP_OK) {
		/* applied, but not adopted (out of memory): the table
		 * references our files, so none may be deleted */
		icp_ice_metadata_free(m);
		c->any_unknown = 1;
		fail(c, rc);
		return;
	}
	c->in.ops->landed(c->in.ctx);
	c->rc = ICP_OK;
	c->state = ICP_COMMIT_S_DONE;
}

/* The spec the files were written with must be the table's default one
 * (every data file appended is written with the default spec, whoever
 * set it): files whose tuples are of another spec cannot be described
 * by a manifest of the new one. The table then discards and rereads
 * them (icp_table_commit). */
static int files_spec(icp_commit *c, const icp_pspec **out, icp_error *err)
{
	int32_t id = icp_ice_metadata_default_spec_id(c->base);
	icp_error e;
	if (id != c->in.spec_id)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "table %s: its default partition spec is %d, the data files were "
		                     "written with spec %d; nothing is committed, they are written "
		                     "again with the new spec", c->in.label, id, c->in.spec_id);
	c->spec_id = id;
	*out = c->in.spec;
	/* an unpartitioned spec still has its id (one evolved back to
	 * unpartitioned has it above 0): the manifest must say it */
	icp_error_init(&e);
	if (!*out && icp_ice_metadata_spec(c->base, id, out, &e) != ICP_OK)
		*out = NULL; /* no spec at all: spec 0 */
	if (*out && (*out)->n_fields && !c->in.spec)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "table %s: data files without partition values for the "
		                     "partitioned spec %d", c->in.label, id);
	return ICP_OK;
}

static int step_build(icp_commit *c, icp_error *err)
{
	icp_ice_data_file *files;
	const icp_pspec *spec = NULL;
	icp_buf bytes;
	char name[128];
	size_t i;
	int rc;

	rc = files_spec(c, &spec, err);
	if (rc != ICP_OK) {
		fail(c, rc);
		return rc;
	}
	files = icp_calloc(c->in.n_files, sizeof(*files));
	if (!files) {
		fail(c, icp_error_set(err, ICP_ERR_NOMEM, "out of memory"));
		return c->rc;
	}
	for (i = 0; i < c->in.n_files; i++) {
		files[i].path = c->in.files[i].url;
		files[i].file_size = c->in.files[i].metrics.file_size;
		files[i].record_count = c->in.files[i].metrics.record_count;
		files[i].metrics = &c->in.files[i].metrics;
		files[i].partition = c->in.spec ? c->in.files[i].partition.v : NULL;
		files[i].has_sort_order = c->in.files[i].sort_order_id > 0;
		files[i].sort_order_id = c->in.files[i].sort_order_id;
		c->added_size += (int64_t)files[i].file_size;
	}
	c->snap_id = icp_ice_snapshot_id();
	icp_ice_uuid(c->uuid);
	icp_buf_init(&bytes, 0);
	rc = icp_ice_manifest_write_spec(c->in.schema, spec, c->snap_id, files, c->in.n_files,
	                                 &bytes, &c->info, err);
	if (rc == ICP_OK) {
		snprintf(name, sizeof(name), "%s-m0.avro", c->uuid);
		rc = put_meta_file(c, name, &bytes, &c->man_key, &c->man_url, err);
	}
	icp_buf_dispose(&bytes);
	icp_free(files);
	if (rc != ICP_OK)
		fail(c, rc);
	else
		c->state = ICP_COMMIT_S_ATTEMPT;
	return rc;
}

/* Merges manifests by the merge-append rule (merge.c) and writes this
 * attempt's list: the new or merged manifests, then the base's others.
 * The merged manifests written become the attempt's (c->merged_keys),
 * even on error, so that an abandoned attempt deletes them. */
static int merge_and_list(icp_commit *c, int64_t parent, icp_slice parent_list, icp_buf *bytes,
                          icp_error *err)
{
	int64_t seq = icp_ice_metadata_last_sequence(c->base) + 1;
	char base_name[64];
	icp_merge_out mo;
	icp_merge_in mi;
	int rc;

	snprintf(base_name, sizeof(base_name), "%s-a%d", c->uuid, c->attempt + 1);
	memset(&mi, 0, sizeof(mi));
	mi.store = c->in.store;
	mi.warehouse = c->in.warehouse;
	mi.meta_prefix = c->meta_prefix;
	mi.name_base = base_name;
	mi.label = c->in.label;
	mi.schema = c->in.schema;
	mi.base = c->base;
	mi.snap_id = c->snap_id;
	mi.seq = seq;
	mi.new_key = c->man_key;
	mi.new_url = c->man_url;
	mi.new_info = &c->info;
	mi.new_spec = c->in.spec; /* NULL: merge.c looks the spec up */
	rc = icp_merge_plan(&mi, parent_list, &mo, err);
	c->new_merged = mo.new_merged;
	/* the keys are the commit's now */
	c->merged_keys = mo.keys;
	c->n_merged = mo.n_keys;
	mo.keys = NULL;
	mo.n_keys = 0;
	if (rc == ICP_OK)
		rc = icp_ice_manifest_list_write_merged(c->snap_id, parent, seq, mo.written,
		                                        mo.n_written, parent_list, mo.drop, mo.n_drop,
		                                        bytes, err);
	icp_merge_out_dispose(&mo);
	return rc;
}

/* The manifest list of this attempt: the new manifest, then every
 * manifest of the base's main snapshot (some merged); written under the
 * metadata prefix (c->list_key/list_url). */
static int write_list(icp_commit *c, int64_t parent, icp_error *err)
{
	icp_buf parent_list, bytes;
	char name[128];
	int rc = ICP_OK;

	icp_buf_init(&parent_list, 256u << 20);
	if (parent >= 0) {
		icp_ice_snapshot ps;
		const char *pkey;
		if (icp_ice_metadata_snapshot(c->base, parent, &ps) != ICP_OK ||
		    icp_storage_key_of_url(c->in.warehouse, ps.manifest_list, &pkey) != ICP_OK) {
			icp_buf_dispose(&parent_list);
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "table %s: manifest list of snapshot %lld is not readable "
			                     "in the warehouse", c->in.label, (long long)parent);
		}
		rc = icp_storage_get(c->in.store, pkey, &parent_list, err);
	}
	icp_buf_init(&bytes, 0);
	if (rc == ICP_OK)
		rc = merge_and_list(c, parent, icp_slice_make(parent_list.data, parent_list.len),
		                    &bytes, err);
	icp_buf_dispose(&parent_list);
	if (rc == ICP_OK) {
		snprintf(name, sizeof(name), "snap-%lld-%d-%s.avro", (long long)c->snap_id,
		         c->attempt + 1, c->uuid);
		rc = put_meta_file(c, name, &bytes, &c->list_key, &c->list_url, err);
	}
	icp_buf_dispose(&bytes);
	return rc;
}

/* Offsets after this commit: the base's, advanced by our partitions. */
static int merged_offsets(const icp_commit *c, icp_buf *json)
{
	icp_offsets m = {0};
	size_t i;
	int rc = ICP_OK;
	for (i = 0; rc == ICP_OK && i < c->base_offs->n; i++)
		rc = icp_offsets_set(&m, c->base_offs->e[i].tp, c->base_offs->e[i].next);
	for (i = 0; rc == ICP_OK && i < c->in.advance->n; i++)
		rc = icp_offsets_set(&m, c->in.advance->e[i].tp, c->in.advance->e[i].next);
	icp_offsets_to_json(&m, json);
	icp_offsets_dispose(&m);
	return rc != ICP_OK ? ICP_ERR_NOMEM : json->status;
}

/* The snapshot summary of an attempt on the base: its values (numbers as
 * text, the offsets JSON) live in the struct next to the pairs. */
#define SUMMARY_KEYS 12
typedef struct summary {
	char files[24], rec[24], size[24], trec[24], tfiles[24], tsize[24];
	icp_buf offs;
	icp_ice_kv kv[SUMMARY_KEYS];
	size_t n;
} summary;

static int summary_build(const icp_commit *c, int64_t parent, summary *sm)
{
	const icp_ice_metadata *base = c->base;
	int rc = merged_offsets(c, &sm->offs);
	snprintf(sm->files, sizeof(sm->files), "%d", c->info.added_files);
	snprintf(sm->rec, sizeof(sm->rec), "%lld", (long long)c->info.added_rows);
	snprintf(sm->size, sizeof(sm->size), "%lld", (long long)c->added_size);
	snprintf(sm->trec, sizeof(sm->trec), "%lld",
	         (long long)(summary_i64(base, parent, "total-records") + c->info.added_rows));
	snprintf(sm->tfiles, sizeof(sm->tfiles), "%lld",
	         (long long)(summary_i64(base, parent, "total-data-files") + c->info.added_files));
	snprintf(sm->tsize, sizeof(sm->tsize), "%lld",
	         (long long)(summary_i64(base, parent, "total-files-size") + c->added_size));
	sm->n = 0;
	sm->kv[sm->n++] = (icp_ice_kv){"operation", "append"};
	sm->kv[sm->n++] = (icp_ice_kv){"added-data-files", sm->files};
	sm->kv[sm->n++] = (icp_ice_kv){"added-records", sm->rec};
	sm->kv[sm->n++] = (icp_ice_kv){"added-files-size", sm->size};
	sm->kv[sm->n++] = (icp_ice_kv){"total-records", sm->trec};
	sm->kv[sm->n++] = (icp_ice_kv){"total-data-files", sm->tfiles};
	sm->kv[sm->n++] = (icp_ice_kv){"total-files-size", sm->tsize};
	sm->kv[sm->n++] = (icp_ice_kv){"total-delete-files", "0"};
	sm->kv[sm->n++] = (icp_ice_kv){"total-position-deletes", "0"};
	sm->kv[sm->n++] = (icp_ice_kv){"total-equality-deletes", "0"};
	sm->kv[sm->n++] = (icp_ice_kv){"kafscale.offsets", (char *)sm->offs.data};
	sm->kv[sm->n++] = (icp_ice_kv){"kafscale.writer", c->in.writer};
	return rc;
}

/* The request of an attempt: asserts the table and that main is still
 * the parent we built on; adds the snapshot and moves main to it. */
static void request_build(const icp_commit *c, int64_t parent, const summary *sm,
                          icp_ice_commit *ic)
{
	const icp_ice_metadata *base = c->base;
	memset(ic, 0, sizeof(*ic));
	ic->assert_uuid = icp_ice_metadata_uuid(base);
	ic->assert_main = 1;
	ic->main_snapshot_id = parent;
	ic->has_snapshot = 1;
	ic->snapshot_id = c->snap_id;
	ic->parent_snapshot_id = parent;
	ic->sequence_number = icp_ice_metadata_last_sequence(base) + 1;
	ic->timestamp_ms = icp_now_ms();
	ic->manifest_list = c->list_url;
	ic->snapshot_schema_id = icp_ice_metadata_current_schema_id(base);
	ic->summary = sm->kv;
	ic->n_summary = sm->n;
	/* the manifest says which spec its files are in: it must still be
	 * the default one when the commit applies */
	ic->assert_default_spec = 1;
	ic->assert_default_spec_id = c->spec_id;
}

static int step_attempt(icp_commit *c, icp_error *err)
{
	int64_t parent = icp_ice_metadata_main_snapshot(c->base);
	icp_ice_metadata *next = NULL;
	icp_ice_commit ic;
	summary sm;
	int rc;

	if (icp_ice_metadata_default_spec_id(c->base) != c->spec_id) {
		/* rebased on a table whose default spec changed since the
		 * manifest was written: the next commit builds it again */
		rc = icp_error_set(err, ICP_ERR_CONFLICT,
		                   "table %s: its default partition spec changed from %d to %d while "
		                   "committing; nothing is committed, the data files are written "
		                   "again with the new spec", c->in.label, c->spec_id,
		                   icp_ice_metadata_default_spec_id(c->base));
		fail(c, rc);
		return rc;
	}
	rc = write_list(c, parent, err);
	if (rc == ICP_ERR_NOT_FOUND && parent >= 0) {
		/* A manifest list or manifest of the base is gone: snapshot
		 * expiry (maintenance, ours or another worker's) removed the
		 * snapshot we built on, so the table moved on since we loaded
		 * it. Nothing was sent: resolve it as a conflict (reload, then
		 * retry on the current table). */
		c->was_unknown = 0;
		c->state = ICP_COMMIT_S_RESOLVE;
		return ICP_ERR_CONFLICT;
	}
	if (rc != ICP_OK) {
		fail(c, rc);
		return rc;
	}
	icp_buf_init(&sm.offs, 0);
	if (summary_build(c, parent, &sm) != ICP_OK)
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory building the summary");
	request_build(c, parent, &sm, &ic);
	if (rc == ICP_OK)
		rc = icp_catalog_commit_table(c->in.catalog, c->in.ns, c->in.name, c->base, &ic, &next,
		                              err);
	if (rc == ICP_OK) {
		count(c, ICP_COMMIT_OK);
		landed(c, next, err);
		/* the applied list is this attempt's: a new manifest merged
		 * into another is referenced by nothing (no earlier attempt
		 * can apply late unless one was in doubt) */
		if (c->state == ICP_COMMIT_S_DONE && c->new_merged && !c->any_unknown)
			remove_quiet(c, c->man_key);
		if (c->state == ICP_COMMIT_S_DONE) {
			char sid[24];
			snprintf(sid, sizeof(sid), "%lld", (long long)c->snap_id);
			ICP_INFO("committed", "table", c->in.label, "snapshot", sid, "files", sm.files,
			         "records", sm.rec);
		}
		rc = c->rc;
	} else if (rc != ICP_ERR_CONFLICT && rc != ICP_ERR_UNKNOWN) {
		fail(c, rc); /* nothing changed; pending data stays for the next flush */
	} else {
		c->was_unknown = rc == ICP_ERR_UNKNOWN;
		c->any_unknown |= c->was_unknown;
		c->state = ICP_COMMIT_S_RESOLVE;
	}
	icp_buf_dispose(&sm.offs);
	return rc;
}

/* Did another writer move any partition we hold uncommitted data for? */
static int offsets_moved(const icp_commit *c, const icp_offsets *now)
{
	size_t i;
	for (i = 0; i < c->in.advance->n; i++) {
		const char *tp = c->in.advance->e[i].tp;
		if (icp_offsets_get(c->base_offs, tp) != icp_offsets_get(now, tp))
			return 1;
	}
	return 0;
}

static int step_resolve(icp_commit *c, icp_error *err)
{
	icp_ice_metadata *reloaded = NULL;
	icp_offsets now = {0};
	icp_ice_snapshot s;
	int rc;

	ICP_WARN(c->was_unknown ? "commit outcome unknown; reloading the table"
	                        : "commit conflict; reloading the table",
	         "table", c->in.label, "err", err ? err->msg : "");
	icp_error_clear(err);
	rc = icp_catalog_load_table(c->in.catalog, c->in.ns, c->in.name, &reloaded, err);
	if (rc != ICP_OK) {
		fail(c, rc); /* unresolved: the table stays in doubt */
		return rc;
	}
	count(c, c->was_unknown ? ICP_COMMIT_UNKNOWN_RESOLVED : ICP_COMMIT_CONFLICT);
	/* Look for our snapshot after a conflict too: a 409 can answer a
	 * request that was re-sent after an attempt the catalog applied
	 * without our seeing the reply. */
	if (icp_ice_metadata_snapshot(reloaded, c->snap_id, &s) == ICP_OK) {
		landed(c, reloaded, err);
		return c->rc;
	}
	rc = icp_offsets_from_table(reloaded, &now, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(reloaded);
		fail(c, rc);
		return rc;
	}
	if (offsets_moved(c, &now)) {
		icp_offsets_dispose(&now);
		rc = c->in.ops->adopt(c->in.ctx, reloaded, err);
		if (rc != ICP_OK)
			icp_ice_metadata_free(reloaded);
		drop_merged(c, !c->any_unknown);
		if (!c->any_unknown) {
			remove_quiet(c, c->list_key);
			remove_quiet(c, c->man_key);
		}
		c->in.ops->discard(c->in.ctx, "another writer committed the same partitions");
		c->rc = rc;
		c->state = ICP_COMMIT_S_DISCARDED;
		return rc;
	}
	rc = c->in.ops->adopt(c->in.ctx, reloaded, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(reloaded);
		icp_offsets_dispose(&now);
		fail(c, rc);
		return rc;
	}
	/* the table holds `reloaded` now: the next attempt builds on it */
	c->base = reloaded;
	icp_offsets_dispose(&c->own_offs);
	c->own_offs = now;
	c->base_offs = &c->own_offs;
	drop_list(c); /* never referenced: retry on the new base */
	c->state = ICP_COMMIT_S_RETRY;
	return ICP_OK;
}

static int step_retry(icp_commit *c, icp_error *err)
{
	if (c->in.ops->past_deadline && c->in.ops->past_deadline(c->in.ctx)) {
		fail(c, icp_error_set(err, ICP_ERR_RETRYABLE,
		                      "table %s: shutdown deadline reached while retrying the "
		                      "commit; the data will be read again", c->in.label));
		return c->rc;
	}
	if (c->attempt + 1 >= ICP_COMMIT_MAX_ATTEMPTS) { /* no pause before giving up */
		fail(c, icp_error_set(err, ICP_ERR_CONFLICT,
		                      "table %s: commit still conflicting after %d attempts",
		                      c->in.label, ICP_COMMIT_MAX_ATTEMPTS));
		return c->rc;
	}
	count(c, ICP_COMMIT_RETRIED);
	if (c->in.ops->pause)
		c->in.ops->pause(c->in.ctx, c->attempt);
	else
		backoff(c->attempt);
	c->attempt++;
	c->state = ICP_COMMIT_S_ATTEMPT;
	return ICP_OK;
}

int icp_commit_new(const icp_commit_input *in, icp_commit **out, icp_error *err)
{
	icp_commit *c = icp_calloc(1, sizeof(*c));
	*out = NULL;
	if (!c || !(c->meta_prefix = icp_strdup(in->meta_prefix))) {
		icp_free(c);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	c->in = *in;
	c->state = ICP_COMMIT_S_BUILD;
	c->any_unknown = in->in_doubt;
	c->base = in->base;
	c->base_offs = in->base_offsets;
	*out = c;
	return ICP_OK;
}

void icp_commit_free(icp_commit *c)
{
	if (!c)
		return;
	icp_offsets_dispose(&c->own_offs);
	icp_ice_manifest_info_dispose(&c->info);
	icp_free(c->meta_prefix);
	icp_free(c->man_key);
	icp_free(c->man_url);
	icp_free(c->list_key);
	icp_free(c->list_url);
	drop_merged(c, 0);
	icp_free(c);
}

int icp_commit_step(icp_commit *c, icp_error *err)
{
	switch (c->state) {
	case ICP_COMMIT_S_BUILD:
		return step_build(c, err);
	case ICP_COMMIT_S_ATTEMPT:
		return step_attempt(c, err);
	case ICP_COMMIT_S_RESOLVE:
		return step_resolve(c, err);
	case ICP_COMMIT_S_RETRY:
		return step_retry(c, err);
	case ICP_COMMIT_S_DONE:
	case ICP_COMMIT_S_DISCARDED:
	case ICP_COMMIT_S_FAILED:
		break;
	}
	return c->rc;
}

int icp_commit_run(icp_commit *c, icp_error *err)
{
	while (!icp_commit_finished(c))
		icp_commit_step(c, err);
	return c->rc;
}

int icp_commit_finished(const icp_commit *c)
{
	return c->state == ICP_COMMIT_S_DONE || c->state == ICP_COMMIT_S_DISCARDED ||
	       c->state == ICP_COMMIT_S_FAILED;
}

icp_commit_state icp_commit_state_of(const icp_commit *c)
{
	return c->state;
}

int icp_commit_in_doubt(const icp_commit *c)
{
	return c->state == ICP_COMMIT_S_FAILED && c->any_unknown;
}

int64_t icp_commit_snapshot_id(const icp_commit *c)
{
	return c->snap_id;
}

int icp_commit_attempts(const icp_commit *c)
{
	return c->state == ICP_COMMIT_S_BUILD ? 0 : c->attempt + 1;
}
