/*
 * Compaction: one commit attempt of the replace snapshot on the job's
 * base (the table's current metadata).
 *
 *   1. read main's manifest list and every manifest it names; a delete
 *      manifest stops the attempt (ICP_ERR_UNSUPPORTED);
 *   2. a bin with an input no longer live in main is abandoned (another
 *      writer replaced or deleted it: committing would resurrect or
 *      duplicate rows); its output is deleted unless an outcome was
 *      unknown;
 *   3. the manifests holding inputs of the live bins are rewritten, per
 *      spec, into one manifest with those entries DELETED and the others
 *      EXISTING (icp_ice_manifest_rewrite); one manifest per spec lists
 *      the outputs ADDED;
 *   4. the list: those manifests, then main's others unchanged; the
 *      summary: operation replace, counts, totals, and kafscale.offsets
 *      of the nearest ancestor of main having it;
 *   5. commit asserting the table uuid and main.
 *
 * Nothing here depends on the data files' bytes: a rebased attempt after
 * a conflict only redoes this (the outputs stay).
 */
#include "maint/maint_int.h"
#include "pspec/pspec.h"

#include <stdio.h>
#include <stdlib.h>

int icp_compact_keep_key(icp_compact_job *j, const char *key)
{
	if (j->n_attempt_keys == j->cap_attempt_keys) {
		size_t nc = j->cap_attempt_keys ? j->cap_attempt_keys * 2 : 16;
		char **v = icp_realloc(j->attempt_keys, nc * sizeof(*v));
		if (!v)
			return ICP_ERR_NOMEM;
		j->attempt_keys = v;
		j->cap_attempt_keys = nc;
	}
	if (!(j->attempt_keys[j->n_attempt_keys] = icp_strdup(key)))
		return ICP_ERR_NOMEM;
	j->n_attempt_keys++;
	return ICP_OK;
}

/* An input of a live bin, looked up by path. */
typedef struct inp {
	const char *path;
	size_t bin;
	int found;
} inp;

static int inp_cmp(const void *a, const void *b)
{
	return strcmp(((const inp *)a)->path, ((const inp *)b)->path);
}

/* A data manifest of main as read. */
typedef struct man {
	const icp_ice_manifest_ref *ref;
	icp_buf bytes;
	icp_ice_manifest_entry *e;
	size_t n;
	int affected;
} man;

typedef struct att {
	icp_compact_job *j;
	int attempt;
	int64_t parent, seq;
	icp_arena *a;
	icp_buf list_bytes;         /* main's manifest list */
	icp_ice_manifest_ref *refs;
	size_t n_refs;
	man *m;
	inp *in;
	size_t n_in;
	icp_ice_merged_info *infos; /* one per written manifest */
	icp_ice_list_manifest *written;
	size_t n_written;
	const char **drop;
	size_t n_drop;
} att;

static void att_dispose(att *t)
{
	for (size_t i = 0; i < t->n_refs && t->m; i++)
		icp_buf_dispose(&t->m[i].bytes);
	for (size_t i = 0; i < t->n_written; i++)
		icp_ice_manifest_info_dispose(&t->infos[i].info);
	icp_free(t->m);
	icp_free(t->in);
	icp_free(t->infos);
	icp_free(t->written);
	icp_free(t->drop);
	icp_buf_dispose(&t->list_bytes);
	icp_arena_free(t->a);
}

static int get_url(att *t, const char *url, icp_buf *out, icp_error *err)
{
	const char *key;
	if (!url || icp_storage_key_of_url(t->j->st, url, &key) != ICP_OK)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "compaction: %s is not in the warehouse", url ? url : "(null)");
	return icp_storage_get(t->j->st, key, out, err);
}

/* Step 1: main's manifests, and which inputs are live in them. */
static int read_main(att *t, icp_error *err)
{
	icp_compact_job *j = t->j;
	icp_ice_snapshot s;
	int rc;

	if (icp_ice_metadata_snapshot(j->base, t->parent, &s) != ICP_OK || !s.manifest_list)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "compaction: main snapshot %lld has no manifest list",
		                     (long long)t->parent);
	if ((rc = get_url(t, s.manifest_list, &t->list_bytes, err)) != ICP_OK ||
	    (rc = icp_ice_manifest_list_read(icp_slice_make(t->list_bytes.data,
	                                                    t->list_bytes.len),
	                                     t->a, &t->refs, &t->n_refs, err)) != ICP_OK)
		return rc;
	t->m = icp_calloc(t->n_refs + 1, sizeof(*t->m));
	if (!t->m)
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	for (size_t i = 0; i < t->n_refs; i++)
		icp_buf_init(&t->m[i].bytes, ICP_BUF_UNLIMITED);
	for (size_t i = 0; i < t->n_refs; i++) {
		man *m = &t->m[i];
		m->ref = &t->refs[i];
		if (m->ref->content != 0)
			return icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                     "compaction: the table has delete files now (%s)",
			                     m->ref->path);
		if ((rc = get_url(t, m->ref->path, &m->bytes, err)) != ICP_OK ||
		    (rc = icp_ice_manifest_read(icp_slice_make(m->bytes.data, m->bytes.len), t->a,
		                                &m->e, &m->n, err)) != ICP_OK) {
			icp_error_prefix(err, "compaction: manifest %s", m->ref->path);
			return rc;
		}
		for (size_t k = 0; k < m->n; k++) {
			inp key = {m->e[k].path, 0, 0}, *hit;
			if (m->e[k].status == 2 || !m->e[k].path)
				continue;
			hit = bsearch(&key, t->in, t->n_in, sizeof(*t->in), inp_cmp);
			if (hit)
				hit->found = 1;
		}
	}
	return ICP_OK;
}

/* Step 2: abandons bins with an input gone; the inputs left, sorted. */
static void abandon_vanished(att *t)
{
	icp_compact_job *j = t->j;
	size_t w = 0;

	for (size_t i = 0; i < t->n_in; i++)
		if (!t->in[i].found && j->bins[t->in[i].bin].alive) {
			icp_compact_out *b = &j->bins[t->in[i].bin];
			icp_error e;
			b->alive = 0;
			j->out->bins_abandoned++;
			icp_error_init(&e);
			if (!j->any_unknown && b->key)
				icp_storage_remove(j->st, b->key, &e);
		}
	for (size_t i = 0; i < t->n_in; i++)
		if (j->bins[t->in[i].bin].alive)
			t->in[w++] = t->in[i];
	t->n_in = w;
}

static int put_manifest(att *t, const char *name, icp_buf *bytes, char **url, icp_error *err)
{
	icp_compact_job *j = t->j;
	icp_buf k, u;
	int rc;

	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "%s/%s", j->meta_prefix, name);
	if (k.status || icp_compact_keep_key(j, (const char *)k.data) != ICP_OK) {
		icp_buf_dispose(&k);
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	}
	rc = icp_storage_put(j->st, (const char *)k.data, icp_slice_make(bytes->data, bytes->len),
	                     1, err);
	if (rc == ICP_OK && (icp_storage_url(j->st, (const char *)k.data, &u) != ICP_OK || u.status))
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	*url = rc == ICP_OK ? icp_arena_strdup(t->a, (const char *)u.data) : NULL;
	if (rc == ICP_OK && !*url)
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	icp_buf_dispose(&k);
	icp_buf_dispose(&u);
	return rc;
}

static int spec_of(att *t, int32_t id, const icp_pspec **spec, icp_error *err)
{
	int rc = icp_ice_metadata_spec(t->j->base, id, spec, err);
	if (rc != ICP_OK)
		icp_error_prefix(err, "compaction: partition spec %d", (int)id);
	return rc;
}

/* Step 3a: one manifest of the outputs of spec `id`. */
static int write_added(att *t, int32_t id, icp_error *err)
{
	icp_compact_job *j = t->j;
	icp_ice_data_file *files = icp_calloc(j->n_bins + 1, sizeof(*files));
	const icp_pspec *spec = NULL;
	icp_ice_merged_info *mi = &t->infos[t->n_written];
	size_t n = 0;
	icp_buf bytes;
	char name[160];
	char *url = NULL;
	int rc;

	icp_buf_init(&bytes, ICP_BUF_UNLIMITED);
	memset(mi, 0, sizeof(*mi));
	if (!files)
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	for (size_t b = 0; b < j->n_bins; b++) {
		const icp_compact_out *o = &j->bins[b];
		if (!o->alive || o->spec_id != id)
			continue;
		files[n].path = o->url;
		files[n].file_size = o->m.file_size;
		files[n].record_count = o->m.record_count;
		files[n].metrics = &o->m;
		files[n].partition = o->tuple;
		files[n].has_sort_order = j->sort_order_id > 0;
		files[n].sort_order_id = j->sort_order_id;
		n++;
	}
	rc = spec_of(t, id, &spec, err);
	if (rc == ICP_OK)
		rc = icp_ice_manifest_write_spec(icp_ice_metadata_schema(j->base), spec, j->snap_id,
		                                 files, n, &bytes, &mi->info, err);
	mi->min_sequence_number = -1;
	t->n_written++; /* disposed with the others from here on */
	if (rc == ICP_OK) {
		snprintf(name, sizeof(name), "%s-c%d-a%d.avro", j->uuid, t->attempt, (int)id);
		rc = put_manifest(t, name, &bytes, &url, err);
	}
	t->written[t->n_written - 1].path = url;
	t->written[t->n_written - 1].m = mi;
	icp_buf_dispose(&bytes);
	icp_free(files);
	return rc;
}

/* Step 3b: the manifests of spec `id` holding live inputs, rewritten as
 * one with those entries DELETED. */
static int write_rewritten(att *t, int32_t id, icp_error *err)
{
	icp_compact_job *j = t->j;
	icp_ice_merge_input *mi = icp_calloc(t->n_refs + 1, sizeof(*mi));
	const char **del = icp_calloc(t->n_in + 1, sizeof(*del));
	icp_ice_merged_info *res = &t->infos[t->n_written];
	const icp_pspec *spec = NULL;
	size_t n = 0;
	icp_buf bytes;
	char name[160];
	char *url = NULL;
	int rc;

	icp_buf_init(&bytes, ICP_BUF_UNLIMITED);
	memset(res, 0, sizeof(*res));
	if (!mi || !del) {
		icp_free(mi);
		icp_free(del);
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	}
	for (size_t i = 0; i < t->n_refs; i++) {
		man *m = &t->m[i];
		if (!m->affected || m->ref->partition_spec_id != id)
			continue;
		mi[n].bytes = icp_slice_make(m->bytes.data, m->bytes.len);
		mi[n].added_snapshot_id = m->ref->added_snapshot_id;
		mi[n].sequence_number = m->ref->sequence_number;
		n++;
		t->drop[t->n_drop++] = m->ref->path;
	}
	for (size_t i = 0; i < t->n_in; i++) /* t->in is sorted by path */
		del[i] = t->in[i].path;
	rc = spec_of(t, id, &spec, err);
	if (rc == ICP_OK)
		rc = icp_ice_manifest_rewrite(icp_ice_metadata_schema(j->base), spec, j->snap_id,
		                              t->seq, mi, n, del, t->n_in, &bytes, res, err);
	t->n_written++;
	if (rc == ICP_OK) {
		snprintf(name, sizeof(name), "%s-c%d-r%d.avro", j->uuid, t->attempt, (int)id);
		rc = put_manifest(t, name, &bytes, &url, err);
	}
	t->written[t->n_written - 1].path = url;
	t->written[t->n_written - 1].m = res;
	icp_buf_dispose(&bytes);
	icp_free(mi);
	icp_free(del);
	return rc;
}

/* Step 3: which manifests are affected, then the manifests per spec. */
static int write_manifests(att *t, icp_error *err)
{
	icp_compact_job *j = t->j;
	int32_t *ids = icp_calloc(j->n_bins + t->n_refs + 1, sizeof(*ids));
	size_t n_ids = 0;
	int rc = ICP_OK;

	t->infos = icp_calloc(2 * (j->n_bins + t->n_refs) + 1, sizeof(*t->infos));
	t->written = icp_calloc(2 * (j->n_bins + t->n_refs) + 1, sizeof(*t->written));
	t->drop = icp_calloc(t->n_refs + 1, sizeof(*t->drop));
	if (!ids || !t->infos || !t->written || !t->drop) {
		icp_free(ids);
		return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
	}
	for (size_t i = 0; i < t->n_refs; i++) {
		size_t live = 0;
		for (size_t k = 0; k < t->m[i].n; k++) {
			inp key = {t->m[i].e[k].path, 0, 0};
			if (t->m[i].e[k].status == 2)
				continue;
			live++;
			if (key.path && bsearch(&key, t->in, t->n_in, sizeof(*t->in), inp_cmp))
				t->m[i].affected = 1;
		}
		/* a manifest left with DELETED entries only (an earlier replace)
		 * adds nothing to this snapshot: not carried forward */
		if (!live)
			t->drop[t->n_drop++] = t->m[i].ref->path;
	}
	/* the specs of the live outputs */
	for (size_t b = 0; b < j->n_bins; b++) {
		size_t k = 0;
		if (!j->bins[b].alive)
			continue;
		while (k < n_ids && ids[k] != j->bins[b].spec_id)
			k++;
		if (k == n_ids)
			ids[n_ids++] = j->bins[b].spec_id;
	}
	for (size_t k = 0; k < n_ids && rc == ICP_OK; k++)
		rc = write_added(t, ids[k], err);
	/* the specs of the affected manifests */
	n_ids = 0;
	for (size_t i = 0; i < t->n_refs; i++) {
		size_t k = 0;
		if (!t->m[i].affected)
			continue;
		while (k < n_ids && ids[k] != t->m[i].ref->partition_spec_id)
			k++;
		if (k == n_ids)
			ids[n_ids++] = t->m[i].ref->partition_spec_id;
	}
	for (size_t k = 0; k < n_ids && rc == ICP_OK; k++)
		rc = write_rewritten(t, ids[k], err);
	icp_free(ids);
	return rc;
}

static int64_t summary_i64(const icp_ice_metadata *m, int64_t snap, const char *key, int *ok)
{
	const char *v = snap >= 0 ? icp_ice_metadata_summary(m, snap, key) : NULL;
	char *end;
	long long x;
	if (!v) {
		*ok = 0;
		return 0;
	}
	x = strtoll(v, &end, 10);
	if (*end || end == v)
		*ok = 0;
	return x;
}

/* kafscale.offsets of main or its nearest ancestor having them (the
 * processor resumes from there: offsets.c). */
static const char *carried_offsets(const icp_ice_metadata *m, int64_t id)
{
	size_t n = icp_json_len(icp_json_get(icp_ice_metadata_json(m), "snapshots"));
	icp_ice_snapshot s;
	for (size_t hops = 0; id >= 0 && hops <= n; hops++, id = s.parent_id) {
		const char *v = icp_ice_metadata_summary(m, id, "kafscale.offsets");
		if (v)
			return v;
		if (icp_ice_metadata_snapshot(m, id, &s) != ICP_OK)
			return NULL;
	}
	return NULL;
}

#define N_SUM 16
typedef struct summary {
	char v[N_SUM][24];
	icp_ice_kv kv[N_SUM];
	size_t n;
} summary;

static void sum_put(summary *s, const char *k, int64_t v)
{
	snprintf(s->v[s->n], sizeof(s->v[0]), "%lld", (long long)v);
	s->kv[s->n].key = k;
	s->kv[s->n].value = s->v[s->n];
	s->n++;
}

/* Step 4: the summary; ICP_ERR_CORRUPT when the rows out are not the rows
 * in (never commit that). */
static int summary_build(att *t, summary *s, icp_error *err)
{
	icp_compact_job *j = t->j;
	int64_t fin = 0, fout = 0, rin = 0, rout = 0, bin = 0, bout = 0, v;
	const char *offs = carried_offsets(j->base, t->parent);
	int ok = 1;

	for (size_t b = 0; b < j->n_bins; b++) {
		const icp_compact_out *o = &j->bins[b];
		if (!o->alive)
			continue;
		fin += (int64_t)o->n;
		fout++;
		rin += o->rows_in;
		bin += o->bytes_in;
		rout += (int64_t)o->m.record_count;
		bout += (int64_t)o->m.file_size;
	}
	if (rin != rout)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "compaction: the outputs hold %lld rows, the inputs %lld: "
		                     "not committed", (long long)rout, (long long)rin);
	memset(s, 0, sizeof(*s));
	s->kv[s->n++] = (icp_ice_kv){"operation", "replace"};
	sum_put(s, "added-data-files", fout);
	sum_put(s, "deleted-data-files", fin);
	sum_put(s, "added-records", rout);
	sum_put(s, "deleted-records", rin);
	sum_put(s, "added-files-size", bout);
	sum_put(s, "removed-files-size", bin);
	/* totals only when the parent has them (else they would be wrong) */
	v = summary_i64(j->base, t->parent, "total-records", &ok);
	if (ok)
		sum_put(s, "total-records", v);
	ok = 1;
	v = summary_i64(j->base, t->parent, "total-data-files", &ok);
	if (ok)
		sum_put(s, "total-data-files", v - fin + fout);
	ok = 1;
	v = summary_i64(j->base, t->parent, "total-files-size", &ok);
	if (ok)
		sum_put(s, "total-files-size", v - bin + bout);
	s->kv[s->n++] = (icp_ice_kv){"total-delete-files", "0"};
	s->kv[s->n++] = (icp_ice_kv){"total-position-deletes", "0"};
	s->kv[s->n++] = (icp_ice_kv){"total-equality-deletes", "0"};
	if (offs)
		s->kv[s->n++] = (icp_ice_kv){"kafscale.offsets", offs};
	j->out->files_in = fin;
	j->out->files_out = fout;
	j->out->bytes_in = bin;
	j->out->bytes_out = bout;
	j->out->rows = rout;
	/* the manifests this snapshot takes out of the list (rewritten with
	 * the inputs DELETED, or left with DELETED entries only) and the ones
	 * it writes (those rewrites and the outputs' manifests) */
	j->out->manifests_in = (int64_t)t->n_drop;
	j->out->manifests_out = (int64_t)t->n_written;
	return ICP_OK;
}

int icp_compact_attempt(icp_compact_job *j, int attempt, icp_ice_metadata **next,
                        icp_error *err)
{
	att t;
	summary sm;
	icp_buf list;
	icp_ice_commit ic;
	char name[160];
	char *list_url = NULL;
	size_t n = 0, keys_before = j->n_attempt_keys;
	int rc;

	memset(&t, 0, sizeof(t));
	icp_buf_init(&list, ICP_BUF_UNLIMITED);
	icp_buf_init(&t.list_bytes, ICP_BUF_UNLIMITED);
	t.j = j;
	t.attempt = attempt;
	t.parent = icp_ice_metadata_main_snapshot(j->base);
	t.seq = icp_ice_metadata_last_sequence(j->base) + 1;
	t.a = icp_arena_new(0);
	for (size_t b = 0; b < j->n_bins; b++)
		n += j->bins[b].alive ? j->bins[b].n : 0;
	t.in = icp_calloc(n + 1, sizeof(*t.in));
	if (!t.a || !t.in) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
		goto out;
	}
	for (size_t b = 0; b < j->n_bins; b++)
		for (size_t k = 0; j->bins[b].alive && k < j->bins[b].n; k++)
			t.in[t.n_in++] = (inp){j->f[j->bins[b].files[k]].path, b, 0};
	qsort(t.in, t.n_in, sizeof(*t.in), inp_cmp);
	if (t.parent < 0) {
		for (size_t i = 0; i < t.n_in; i++)
			t.in[i].found = 0;
	} else if ((rc = read_main(&t, err)) != ICP_OK) {
		goto out;
	}
	abandon_vanished(&t);
	if (t.n_in == 0) {
		rc = ICP_END;
		goto out;
	}
	if ((rc = write_manifests(&t, err)) != ICP_OK ||
	    (rc = summary_build(&t, &sm, err)) != ICP_OK ||
	    (rc = icp_ice_manifest_list_write_merged(j->snap_id, t.parent, t.seq, t.written,
	                                             t.n_written,
	                                             icp_slice_make(t.list_bytes.data,
	                                                            t.list_bytes.len),
	                                             t.drop, t.n_drop, &list, err)) != ICP_OK)
		goto out;
	snprintf(name, sizeof(name), "snap-%lld-%d-%s.avro", (long long)j->snap_id, attempt,
	         j->uuid);
	if ((rc = put_manifest(&t, name, &list, &list_url, err)) != ICP_OK)
		goto out;
	memset(&ic, 0, sizeof(ic));
	ic.assert_uuid = icp_ice_metadata_uuid(j->base);
	ic.assert_main = 1;
	ic.main_snapshot_id = t.parent;
	ic.has_snapshot = 1;
	ic.snapshot_id = j->snap_id;
	ic.parent_snapshot_id = t.parent;
	ic.sequence_number = t.seq;
	ic.timestamp_ms = icp_now_ms();
	ic.manifest_list = list_url;
	ic.snapshot_schema_id = icp_ice_metadata_current_schema_id(j->base);
	ic.summary = sm.kv;
	ic.n_summary = sm.n;
	if (j->o && j->o->before_commit)
		j->o->before_commit(j->o->hook_ctx, attempt);
	j->out->attempts++;
	rc = icp_catalog_commit_table(j->cat, j->ns, j->name, j->base, &ic, next, err);
out:
	j->landed_from = keys_before;
	j->landed_to = j->n_attempt_keys;
	att_dispose(&t);
	icp_buf_dispose(&list);
	return rc;
}
