/*
 * Compaction, the driver (see maint.h for the contract):
 *
 *   LOAD     load the table; nothing in main -> done
 *   SCAN     main's manifests: a delete manifest -> skip the table; live
 *            Parquet data files below 75% of the target are candidates
 *   PROBE    candidates of (spec, tuple) groups big enough: their footers
 *            (schema fingerprint, decoded bytes); unreadable -> skipped
 *   PLAN     bins (compact_plan.c); dry run -> count, done
 *   REWRITE  each bin into one output file (compact_rewrite.c)
 *   COMMIT   icp_compact_attempt (compact_commit.c): OK -> done;
 *            CONFLICT -> reload, attempt again on the new main (bins whose
 *            inputs vanished are abandoned there); UNKNOWN -> reload: our
 *            snapshot there -> done, else as CONFLICT, and nothing of
 *            this job is deleted any more
 *   CLEANUP  files of attempts that did not land (manifests, lists) and,
 *            when nothing landed, the outputs
 */
#include "log/log.h"
#include "maint/maint_int.h"
#include "pspec/pspec.h"

#include <stdio.h>
#include <stdlib.h>

static int nomem(icp_error *err)
{
	return icp_error_set(err, ICP_ERR_NOMEM, "compaction: out of memory");
}

/* The storage key of url + suffix (a prefix of the table). */
static int prefix_key(icp_storage *st, const char *url, const char *suffix, char **out,
                      icp_error *err)
{
	icp_buf b;
	const char *key;
	size_t n;

	icp_buf_init(&b, 0);
	icp_buf_printf(&b, "%s%s", url ? url : "", suffix);
	if (b.status) {
		icp_buf_dispose(&b);
		return nomem(err);
	}
	/* no trailing slash: keys are joined with '/' */
	n = b.len;
	while (n && b.data[n - 1] == '/')
		b.data[--n] = 0;
	if (!url || icp_storage_key_of_url(st, (const char *)b.data, &key) != ICP_OK) {
		int rc = icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                       "compaction: %s is not in the warehouse", (char *)b.data);
		icp_buf_dispose(&b);
		return rc;
	}
	*out = icp_strdup(key);
	icp_buf_dispose(&b);
	return *out ? ICP_OK : nomem(err);
}

static int add_file(icp_compact_job *j, const icp_compact_file *f)
{
	if (j->n_f == j->cap_f) {
		size_t nc = j->cap_f ? j->cap_f * 2 : 64;
		icp_compact_file *v = icp_realloc(j->f, nc * sizeof(*v));
		if (!v)
			return ICP_ERR_NOMEM;
		j->f = v;
		j->cap_f = nc;
	}
	j->f[j->n_f++] = *f;
	return ICP_OK;
}

/* file_format is "PARQUET" (the spec's spelling; any case accepted). */
static int is_parquet(const char *f)
{
	static const char want[] = "parquet";
	size_t i = 0;
	if (!f)
		return 0;
	for (; want[i]; i++)
		if ((f[i] | 0x20) != want[i])
			return 0;
	return f[i] == 0;
}

/* One live entry of a data manifest of spec `spec_id`: a candidate when
 * it is a small Parquet data file of a spec we can write. */
static int scan_entry(icp_compact_job *j, const icp_ice_manifest_entry *e, int32_t spec_id,
                      int64_t target, icp_buf *kb, icp_error *err)
{
	const icp_pspec *spec = NULL;
	icp_pspec_value *tuple = NULL;
	icp_compact_file f;
	const char *key;
	icp_error e2;
	int rc;

	if (e->status == 2 || e->content != 0 || !e->path ||
	    !icp_compact_is_small(e->file_size, target))
		return ICP_OK;
	memset(&f, 0, sizeof(f));
	icp_error_init(&e2);
	if (!is_parquet(e->file_format) ||
	    icp_storage_key_of_url(j->st, e->path, &key) != ICP_OK ||
	    icp_ice_metadata_spec(j->base, spec_id, &spec, &e2) != ICP_OK ||
	    icp_ice_partition_tuple(spec, e->partition, e->n_partition, j->a, &tuple, &e2) !=
	            ICP_OK) {
		if (e2.status == ICP_ERR_NOMEM)
			return nomem(err);
		j->out->files_skipped++;
		return ICP_OK;
	}
	f.path = icp_arena_strdup(j->a, e->path);
	f.key = icp_arena_strdup(j->a, key);
	f.size = e->file_size;
	f.rows = e->record_count;
	f.spec_id = spec_id;
	f.tuple = tuple;
	/* group key so far: spec id, tuple key (the schema comes at PROBE) */
	icp_buf_reset(kb);
	icp_buf_printf(kb, "%08x", (unsigned)spec_id);
	rc = spec ? icp_pspec_tuple_key(spec, tuple, kb) : ICP_OK;
	if (rc != ICP_OK || kb->status) {
		j->out->files_skipped++;
		return kb->status ? nomem(err) : ICP_OK;
	}
	f.gkey = icp_arena_memdup(j->a, kb->data, kb->len ? kb->len : 1);
	f.gkey_len = kb->len;
	if (!f.path || !f.key || !f.gkey || add_file(j, &f) != ICP_OK)
		return nomem(err);
	return ICP_OK;
}

/* SCAN: the candidates of main (ICP_END: the table has delete files). */
static int scan(icp_compact_job *j, int64_t target, icp_error *err)
{
	icp_ice_snapshot s;
	icp_ice_manifest_ref *refs;
	icp_arena *tmp = icp_arena_new(0);
	icp_buf bytes, kb;
	const char *key;
	size_t nr;
	int rc;

	icp_buf_init(&bytes, ICP_BUF_UNLIMITED);
	icp_buf_init(&kb, ICP_BUF_UNLIMITED);
	if (!tmp) {
		rc = nomem(err);
		goto out;
	}
	if (icp_ice_metadata_snapshot(j->base, icp_ice_metadata_main_snapshot(j->base), &s) !=
	            ICP_OK ||
	    !s.manifest_list || icp_storage_key_of_url(j->st, s.manifest_list, &key) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                   "compaction: main's manifest list is not in the warehouse");
		goto out;
	}
	if ((rc = icp_storage_get(j->st, key, &bytes, err)) != ICP_OK ||
	    (rc = icp_ice_manifest_list_read(icp_slice_make(bytes.data, bytes.len), tmp, &refs,
	                                     &nr, err)) != ICP_OK)
		goto out;
	for (size_t i = 0; i < nr; i++)
		if (refs[i].content != 0) {
			j->out->skipped_deletes = 1;
			rc = ICP_END;
			goto out;
		}
	for (size_t i = 0; i < nr && rc == ICP_OK; i++) {
		icp_ice_manifest_entry *e;
		size_t ne;
		icp_arena *ea = icp_arena_new(0);
		if (!ea) {
			rc = nomem(err);
			break;
		}
		icp_buf_reset(&bytes);
		if (icp_storage_key_of_url(j->st, refs[i].path, &key) != ICP_OK)
			rc = icp_error_set(err, ICP_ERR_UNSUPPORTED,
			                   "compaction: manifest %s is not in the warehouse",
			                   refs[i].path);
		if (rc == ICP_OK && (rc = icp_storage_get(j->st, key, &bytes, err)) == ICP_OK)
			rc = icp_ice_manifest_read(icp_slice_make(bytes.data, bytes.len), ea, &e, &ne,
			                           err);
		for (size_t k = 0; rc == ICP_OK && k < ne; k++)
			rc = scan_entry(j, &e[k], refs[i].partition_spec_id, target, &kb, err);
		icp_arena_free(ea);
	}
out:
	icp_arena_free(tmp);
	icp_buf_dispose(&bytes);
	icp_buf_dispose(&kb);
	return rc;
}

/* The default sort order as sort keys, when every field is an identity
 * (else outputs claim no order: 0). */
static int sort_keys(icp_compact_job *j, icp_error *err)
{
	int32_t id = icp_ice_metadata_default_sort_order_id(j->base);
	const icp_ice_sort_order *o = icp_ice_metadata_sort_order(j->base, id);

	if (id <= 0 || !o || o->n_fields == 0)
		return ICP_OK;
	for (size_t i = 0; i < o->n_fields; i++)
		if (!o->fields[i].transform || strcmp(o->fields[i].transform, "identity") != 0) {
			ICP_WARN("compaction: the default sort order has a transform other than "
			         "identity; outputs are written unsorted", "table", j->name);
			return ICP_OK;
		}
	j->keys = icp_calloc(o->n_fields, sizeof(*j->keys));
	if (!j->keys)
		return nomem(err);
	for (size_t i = 0; i < o->n_fields; i++) {
		j->keys[i].field_id = o->fields[i].source_id;
		j->keys[i].descending = o->fields[i].descending;
		j->keys[i].nulls_last = o->fields[i].nulls_last;
	}
	j->n_keys = o->n_fields;
	j->sort_order_id = id;
	return ICP_OK;
}

/* 1 when every sort key is a top-level leaf outside lists and maps. */
static int sortable(const icp_compact_job *j, const icp_parquet_reader *r)
{
	size_t nf;
	const icp_parquet_field *f = icp_parquet_reader_fields(r, &nf);
	for (size_t k = 0; k < j->n_keys; k++) {
		int ok = 0;
		for (size_t i = 0; i < nf && !ok; i++)
			ok = f[i].field_id == j->keys[k].field_id && f[i].parent < 0 &&
			     f[i].kind < ICP_PARQUET_STRUCT;
		if (!ok)
			return 0;
	}
	return 1;
}

static int gkey_cmp(const void *pa, const void *pb)
{
	const icp_compact_file *a = *(const icp_compact_file *const *)pa;
	const icp_compact_file *b = *(const icp_compact_file *const *)pb;
	size_t n = a->gkey_len < b->gkey_len ? a->gkey_len : b->gkey_len;
	int c = n ? memcmp(a->gkey, b->gkey, n) : 0;
	if (c)
		return c;
	return a->gkey_len < b->gkey_len ? -1 : a->gkey_len > b->gkey_len;
}

/* PROBE: footers of the candidates in (spec, tuple) groups of at least
 * min files; the group key gains the schema fingerprint. Files not probed
 * or unreadable leave the candidates (size -1). */
static int probe(icp_compact_job *j, int min_files, icp_error *err)
{
	icp_buf kb;
	int rc = ICP_OK;

	icp_compact_file **by = icp_calloc(j->n_f + 1, sizeof(*by));
	size_t *same = icp_calloc(j->n_f + 1, sizeof(*same));

	icp_buf_init(&kb, ICP_BUF_UNLIMITED);
	if (!by || !same) {
		icp_free(by);
		icp_free(same);
		return nomem(err);
	}
	/* group sizes: sort by key, count runs */
	for (size_t i = 0; i < j->n_f; i++)
		by[i] = &j->f[i];
	qsort(by, j->n_f, sizeof(*by), gkey_cmp);
	for (size_t s = 0, e; s < j->n_f; s = e) {
		for (e = s + 1; e < j->n_f && gkey_cmp(&by[s], &by[e]) == 0; e++)
			;
		for (size_t k = s; k < e; k++)
			same[by[k] - j->f] = e - s;
	}
	for (size_t i = 0; i < j->n_f && rc == ICP_OK; i++) {
		icp_compact_file *f = &j->f[i];
		icp_parquet_reader *r = NULL;
		icp_compact_src src = {j->st, f->key};
		const icp_parquet_field *fields;
		size_t nf;
		icp_error e;
		if (same[i] < (size_t)min_files) {
			f->size = -1;
			continue;
		}
		icp_error_init(&e);
		if (icp_parquet_reader_open(icp_compact_read_at, &src, (uint64_t)f->size, &r, &e) !=
		            ICP_OK ||
		    (j->n_keys && !sortable(j, r))) {
			if (e.status == ICP_ERR_NOMEM)
				rc = nomem(err);
			ICP_WARN("compaction: data file left as it is", "file", f->path, "err",
			         e.status ? e.msg : "the sort columns are not top-level columns");
			j->out->files_skipped++;
			icp_parquet_reader_free(r);
			f->size = -1;
			continue;
		}
		f->mem = 0;
		for (size_t g = 0; g < icp_parquet_reader_row_groups(r); g++)
			f->mem += (int64_t)icp_parquet_reader_row_group_bytes(r, g);
		fields = icp_parquet_reader_fields(r, &nf);
		icp_buf_reset(&kb);
		icp_buf_append(&kb, f->gkey, f->gkey_len);
		icp_compact_schema_key(fields, nf, &kb);
		icp_parquet_reader_free(r);
		if (kb.status) {
			rc = nomem(err);
			break;
		}
		f->gkey = icp_arena_memdup(j->a, kb.data, kb.len);
		f->gkey_len = kb.len;
		if (!f->gkey)
			rc = nomem(err);
	}
	icp_buf_dispose(&kb);
	icp_free(by);
	icp_free(same);
	return rc;
}

/* PLAN: bins of the probed candidates, as the job's outputs. */
static int plan(icp_compact_job *j, int64_t target, int min_files, int64_t mem_cap,
                icp_error *err)
{
	icp_compact_cand *c = icp_calloc(j->n_f + 1, sizeof(*c));
	size_t *idx = icp_calloc(j->n_f + 1, sizeof(*idx)), n = 0;
	icp_compact_plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (!c || !idx) {
		rc = nomem(err);
		goto out;
	}
	for (size_t i = 0; i < j->n_f; i++) {
		if (j->f[i].size < 0)
			continue;
		c[n] = (icp_compact_cand){j->f[i].size, j->f[i].mem, j->f[i].gkey, j->f[i].gkey_len};
		idx[n++] = i;
	}
	if (icp_compact_plan_make(c, n, target, min_files, j->n_keys ? mem_cap : 0, &p) !=
	    ICP_OK) {
		rc = nomem(err);
		goto out;
	}
	rc = ICP_OK;
	j->bins = icp_calloc(p.n_bins + 1, sizeof(*j->bins));
	if (!j->bins) {
		rc = nomem(err);
		goto out;
	}
	for (size_t b = 0; b < p.n_bins; b++) {
		icp_compact_out *o = &j->bins[j->n_bins++];
		o->files = p.bins[b].files;
		p.bins[b].files = NULL;
		o->n = p.bins[b].n;
		o->alive = 1;
		for (size_t k = 0; k < o->n; k++) {
			o->files[k] = idx[o->files[k]];
			o->rows_in += j->f[o->files[k]].rows;
			o->bytes_in += j->f[o->files[k]].size;
		}
		o->spec_id = j->f[o->files[0]].spec_id;
		o->tuple = j->f[o->files[0]].tuple;
	}
out:
	icp_compact_plan_dispose(&p);
	icp_free(c);
	icp_free(idx);
	return rc;
}

static int sink_write(void *ctx, const uint8_t *p, size_t n, icp_error *err)
{
	return icp_storage_writer_write(ctx, p, n, err);
}

static const icp_parquet_sink_vtable storage_sink = {sink_write};

/* REWRITE one bin: <data>/<partition path>/<ms>-<uuid>.parquet. */
static int rewrite_bin(icp_compact_job *j, icp_compact_out *o, icp_error *err)
{
	const icp_pspec *spec = NULL;
	icp_compact_input *in = icp_calloc(o->n, sizeof(*in));
	icp_storage_writer *sw = NULL;
	icp_buf path, b;
	char uuid[37];
	int rc;

	icp_buf_init(&path, 0);
	icp_buf_init(&b, 0);
	if (!in) {
		rc = nomem(err);
		goto out;
	}
	for (size_t k = 0; k < o->n; k++) {
		in[k].key = j->f[o->files[k]].key;
		in[k].size = (uint64_t)j->f[o->files[k]].size;
	}
	if ((rc = icp_ice_metadata_spec(j->base, o->spec_id, &spec, err)) != ICP_OK)
		goto out;
	if (spec && spec->n_fields)
		icp_pspec_path(spec, o->tuple, &path);
	icp_ice_uuid(uuid);
	icp_buf_printf(&b, "%s/%s%s%013lld-%s.parquet", j->data_prefix,
	               path.len ? (const char *)path.data : "", path.len ? "/" : "",
	               (long long)icp_now_ms(), uuid);
	if (b.status || path.status) {
		rc = nomem(err);
		goto out;
	}
	o->key = icp_strdup((const char *)b.data);
	icp_buf_reset(&b);
	if (!o->key || icp_storage_url(j->st, o->key, &b) != ICP_OK || b.status ||
	    !(o->url = icp_strdup((const char *)b.data))) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = icp_storage_writer_open(j->st, o->key, 1, &sw, err)) != ICP_OK)
		goto out;
	rc = icp_compact_rewrite(j->st, in, o->n, j->keys, j->n_keys, j->o->parquet,
	                         (icp_parquet_sink){&storage_sink, sw}, &o->m, err);
	if (rc == ICP_OK) {
		rc = icp_storage_writer_commit(sw, err); /* publishes; frees sw */
		sw = NULL;
	}
out:
	icp_storage_writer_abort(sw);
	icp_buf_dispose(&path);
	icp_buf_dispose(&b);
	icp_free(in);
	return rc;
}

static void remove_quiet(icp_compact_job *j, const char *key)
{
	icp_error e;
	icp_error_init(&e);
	if (key)
		icp_storage_remove(j->st, key, &e);
}

/* CLEANUP: landed: the files of other attempts; else everything. */
static void cleanup(icp_compact_job *j, int landed)
{
	for (size_t i = 0; i < j->n_attempt_keys; i++) {
		if (!j->any_unknown && !(landed && i >= j->landed_from && i < j->landed_to))
			remove_quiet(j, j->attempt_keys[i]);
		icp_free(j->attempt_keys[i]);
	}
	icp_free(j->attempt_keys);
	j->attempt_keys = NULL;
	j->n_attempt_keys = 0;
	for (size_t b = 0; b < j->n_bins; b++) {
		icp_compact_out *o = &j->bins[b];
		if (!landed && o->alive && !j->any_unknown)
			remove_quiet(j, o->key);
		icp_free(o->files);
		icp_free(o->key);
		icp_free(o->url);
		icp_parquet_file_metrics_dispose(&o->m);
	}
	icp_free(j->bins);
	j->bins = NULL;
	j->n_bins = 0;
}

/* COMMIT: attempts until one lands, the bins run out or the budget does. */
static int commit_loop(icp_compact_job *j, icp_error *err)
{
	for (int attempt = 1;; attempt++) {
		icp_ice_metadata *next = NULL;
		icp_error ce;
		int rc;
		if (attempt > ICP_MAINT_COMPACT_ATTEMPTS)
			return icp_error_set(err, ICP_ERR_CONFLICT,
			                     "compaction: table %s.%s: still conflicting after %d "
			                     "attempts", j->ns, j->name, ICP_MAINT_COMPACT_ATTEMPTS);
		icp_error_init(&ce);
		rc = icp_compact_attempt(j, attempt, &next, &ce);
		if (rc == ICP_OK) {
			icp_ice_metadata_free(next);
			j->out->snapshot_id = j->snap_id;
			return ICP_OK;
		}
		if (rc == ICP_END)
			return ICP_END; /* every bin abandoned */
		if (rc != ICP_ERR_CONFLICT && rc != ICP_ERR_UNKNOWN) {
			icp_error_set(err, rc, "%s", ce.msg);
			return rc;
		}
		j->any_unknown |= rc == ICP_ERR_UNKNOWN;
		ICP_WARN(rc == ICP_ERR_UNKNOWN ? "compaction: commit outcome unknown; reloading"
		                               : "compaction: commit conflict; reloading",
		         "table", j->name, "err", ce.msg);
		if ((rc = icp_catalog_load_table(j->cat, j->ns, j->name, &next, err)) != ICP_OK)
			return j->any_unknown ? icp_error_set(err, ICP_ERR_UNKNOWN,
			                                      "compaction: outcome unknown: %s",
			                                      err->msg)
			                      : rc;
		icp_ice_metadata_free(j->base);
		j->base = next;
		{
			icp_ice_snapshot s;
			if (icp_ice_metadata_snapshot(j->base, j->snap_id, &s) == ICP_OK) {
				j->out->snapshot_id = j->snap_id;
				return ICP_OK; /* it was applied */
			}
		}
		/* not applied: this attempt's list and manifests are nobody's */
		if (!j->any_unknown)
			for (size_t i = j->landed_from; i < j->landed_to; i++)
				remove_quiet(j, j->attempt_keys[i]);
	}
}

int icp_maint_compact(icp_catalog *cat, icp_storage *warehouse, const char *ns,
                      const char *name, const icp_maint_compact_opts *o, int dry_run,
                      icp_maint_compact_result *out, icp_error *err)
{
	static const icp_maint_compact_opts defaults = {0, 0, 0, NULL, NULL, NULL};
	icp_compact_job j;
	int64_t target, mem_cap;
	int min_files, rc, landed = 0;
	const char *data;

	memset(out, 0, sizeof(*out));
	out->snapshot_id = -1;
	memset(&j, 0, sizeof(j));
	if (!cat || !warehouse || !ns || !name)
		return icp_error_set(err, ICP_ERR_INVALID, "compaction: missing argument");
	if (!o)
		o = &defaults;
	target = o->target_file_size_bytes > 0 ? o->target_file_size_bytes : (int64_t)512 << 20;
	min_files = o->min_input_files >= 2 ? o->min_input_files : 5;
	mem_cap = o->sort_memory_bytes > 0 ? o->sort_memory_bytes : ICP_MAINT_COMPACT_SORT_MEMORY;
	j.cat = cat;
	j.st = warehouse;
	j.ns = ns;
	j.name = name;
	j.o = o;
	j.out = out;
	if (!(j.a = icp_arena_new(0))) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = icp_catalog_load_table(cat, ns, name, &j.base, err)) != ICP_OK)
		goto out;
	if (icp_ice_metadata_main_snapshot(j.base) < 0)
		goto out; /* empty */
	data = icp_ice_metadata_property(j.base, "write.data.path");
	if ((rc = prefix_key(warehouse, data && *data ? data : icp_ice_metadata_table_location(j.base),
	                     data && *data ? "" : "/data", &j.data_prefix, err)) != ICP_OK ||
	    (rc = prefix_key(warehouse, icp_ice_metadata_table_location(j.base), "/metadata",
	                     &j.meta_prefix, err)) != ICP_OK ||
	    (rc = sort_keys(&j, err)) != ICP_OK)
		goto out;
	rc = scan(&j, target, err);
	if (rc == ICP_END) {
		ICP_WARN("compaction: the table has delete files; not compacted", "table", name);
		rc = ICP_OK;
		goto out;
	}
	if (rc != ICP_OK || (rc = probe(&j, min_files, err)) != ICP_OK ||
	    (rc = plan(&j, target, min_files, mem_cap, err)) != ICP_OK)
		goto out;
	out->sorted = j.n_keys > 0;
	for (size_t b = 0; b < j.n_bins; b++) {
		out->groups++;
		out->files_in += (int64_t)j.bins[b].n;
		out->bytes_in += j.bins[b].bytes_in;
	}
	if (dry_run || j.n_bins == 0)
		goto out;
	j.snap_id = icp_ice_snapshot_id();
	icp_ice_uuid(j.uuid);
	for (size_t b = 0; b < j.n_bins && rc == ICP_OK; b++)
		rc = rewrite_bin(&j, &j.bins[b], err);
	if (rc == ICP_OK)
		rc = commit_loop(&j, err);
	if (rc == ICP_END) {
		rc = ICP_OK; /* every bin lost its inputs: nothing to commit */
		out->files_in = out->bytes_in = out->groups = 0;
	} else if (rc == ICP_OK) {
		landed = 1;
		out->groups = 0;
		for (size_t b = 0; b < j.n_bins; b++)
			out->groups += j.bins[b].alive;
	} else {
		out->files_in = out->bytes_in = out->groups = 0;
	}
	if (!landed)
		out->files_out = out->bytes_out = out->rows = 0;
out:
	cleanup(&j, landed);
	icp_free(j.keys);
	icp_free(j.f);
	icp_free(j.data_prefix);
	icp_free(j.meta_prefix);
	icp_ice_metadata_free(j.base);
	icp_arena_free(j.a);
	return rc;
}
