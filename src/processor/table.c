/*
 * A mapped table: loading or creating it, its open Parquet data file, the
 * closed but uncommitted files, and the commit protocol.
 *
 * Commit (one snapshot per table per flush):
 *   1. close the open file; write a manifest listing the pending files and a
 *      manifest list = the new manifest + the parent's manifests;
 *   2. commit through the catalog, asserting main is still the snapshot we
 *      built on (and the table uuid), with kafscale.offsets in the summary;
 *   3. CONFLICT: reload. If nobody advanced the offsets of our partitions,
 *      rebuild the manifest list on the new parent and retry; otherwise
 *      discard our files and rewind (the data is read again, never twice);
 *      UNKNOWN: reload and look for our snapshot id on main: there means
 *      committed, absent means treat as a conflict.
 * Files of a failed or discarded attempt are deleted best-effort; a crash
 * leaves at most unreferenced files, never a referenced partial one.
 */
#include "processor/proc_int.h"

#include "log/log.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_COMMIT_ATTEMPTS 8

static int split_table(const char *dotted, char **ns, char **name)
{
	const char *dot = strrchr(dotted, '.');
	if (!dot || dot == dotted || !dot[1])
		return ICP_ERR_INVALID;
	*ns = icp_strndup(dotted, (size_t)(dot - dotted));
	*name = icp_strdup(dot + 1);
	return (*ns && *name) ? ICP_OK : ICP_ERR_NOMEM;
}

/* The store t's files go through (see icp_table.store). */
static icp_storage *wh(icp_processor *p, const icp_table *t)
{
	return t->store ? t->store : p->warehouse;
}

/* Storage key of a URL inside the warehouse, or an error naming both. */
static int wh_key(icp_processor *p, const char *url, const char *suffix, char **out,
                  icp_error *err)
{
	const char *key;
	icp_buf b;
	if (icp_storage_key_of_url(p->warehouse, url, &key) != ICP_OK)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "location %s is outside the warehouse %s", url,
		                     icp_storage_root(p->warehouse));
	icp_buf_init(&b, 0);
	icp_buf_append_str(&b, key);
	icp_buf_append_str(&b, suffix);
	if (b.status) {
		icp_buf_dispose(&b);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	*out = (char *)icp_buf_detach(&b, NULL);
	return ICP_OK;
}

static int adopt_metadata(icp_processor *p, icp_table *t, icp_ice_metadata *m,
                          icp_error *err)
{
	const char *loc = icp_ice_metadata_table_location(m);
	const char *data = icp_ice_metadata_property(m, "write.data.path");
	icp_offsets fresh = {0};
	int rc;

	rc = icp_offsets_from_table(m, &fresh, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "table %s.%s", t->ns, t->name);
		return rc;
	}
	icp_free(t->data_prefix);
	icp_free(t->meta_prefix);
	t->data_prefix = t->meta_prefix = NULL;
	if (data && *data)
		rc = wh_key(p, data, "", &t->data_prefix, err);
	else
		rc = wh_key(p, loc, "/data", &t->data_prefix, err);
	if (rc == ICP_OK)
		rc = wh_key(p, loc, "/metadata", &t->meta_prefix, err);
	if (rc != ICP_OK) {
		icp_offsets_dispose(&fresh);
		return rc;
	}
	icp_ice_metadata_free(t->meta);
	t->meta = m;
	icp_offsets_dispose(&t->committed);
	t->committed = fresh;
	return ICP_OK;
}

/* The Parquet fields of t->schema (replacing any earlier ones). */
static int build_pfields(icp_table *t, icp_error *err)
{
	size_t i;

	icp_free(t->pfields);
	t->pfields = NULL;
	t->n_pfields = 0;
	if (icp_ice_schema_to_parquet(t->schema, &t->pfields, &t->n_pfields) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	/* record_id is unique by construction and values are payloads: a
	 * dictionary never pays there, and probing it costs ~10% of the write
	 * path. Everything else keeps the adaptive dictionary. */
	for (i = 0; i < t->n_pfields; i++)
		if (t->pfields[i].field_id == 1 || t->pfields[i].field_id == 7)
			t->pfields[i].dictionary = 0;
	return ICP_OK;
}

/* A REST catalog may vend S3 settings with a table (the `config` of its
 * load/create result, or its /v1/config): Iceberg's S3 FileIO property
 * names. When it does and the warehouse is on S3, the table's files go
 * through a store opened with them over iceberg.s3.*. */
static int vended_store(icp_processor *p, icp_table *t, icp_error *err)
{
	static const char *const keys[] = {"s3.endpoint", "s3.access-key-id",
	                                   "s3.secret-access-key", "s3.session-token",
	                                   "s3.path-style-access", "client.region"};
	const char *v[ICP_ARRAY_LEN(keys)];
	icp_storage_opts o;
	size_t i, any = 0;
	int rc;

	const char *wurl = p->cfg->iceberg.warehouse;
	if (strncmp(wurl, "s3://", 5) != 0 && strncmp(wurl, "s3a://", 6) != 0)
		return ICP_OK;
	/* copied: a catalog string lives only until its next call */
	for (i = 0; i < ICP_ARRAY_LEN(keys); i++) {
		const char *s = icp_catalog_config(p->catalog, keys[i]);
		v[i] = s && *s ? icp_strdup(s) : NULL;
		any += v[i] != NULL;
	}
	rc = ICP_OK;
	if (any) {
		icp_proc_store_opts(p, 1, &o);
		if (v[0])
			o.s3.endpoint = v[0];
		if (v[1] && v[2]) { /* a vended key pair replaces ours whole */
			o.s3.access_key_id = v[1];
			o.s3.secret_access_key = v[2];
			o.s3.session_token = v[3];
		}
		if (v[4])
			o.s3.path_style = strcmp(v[4], "true") == 0;
		if (v[5])
			o.s3.region = v[5];
		rc = icp_storage_open_ex(p->cfg->iceberg.warehouse, &o, &t->store, err);
		if (rc != ICP_OK)
			icp_error_prefix(err, "table %s: the S3 settings vended by the catalog", t->map->table);
		else
			ICP_INFO("using S3 settings vended by the catalog", "table", t->map->table,
			         "endpoint", v[0] ? v[0] : "(configured)", "credentials",
			         v[1] && v[2] ? "vended" : "configured");
	}
	for (i = 0; i < ICP_ARRAY_LEN(keys); i++)
		icp_free((char *)v[i]);
	return rc;
}

int icp_table_open(icp_processor *p, icp_table *t, const icp_config_mapping *m,
                   icp_error *err)
{
	icp_ice_metadata *meta = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	t->map = m;
	icp_buf_init(&t->scratch_ids, 0);
	icp_buf_init(&t->scratch_hdrs, 0);
	if (split_table(m->table, &t->ns, &t->name) != ICP_OK)
		return icp_error_set(err, ICP_ERR_INVALID, "mapping for topic %s: table \"%s\" is "
		                     "not namespace.table", m->topic, m->table);
	t->schema = icp_ice_schema_base();
	if (!t->schema)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &meta, err);
	if (rc == ICP_ERR_NOT_FOUND) {
		icp_buf loc;
		const char *props[] = {"write.format.default", "parquet", "write.data.path", NULL,
		                       "write.metadata.path", NULL, NULL};
		icp_buf data_path, meta_path;
		char *rel;
		char *q;

		if (!m->create_table_if_missing) {
			icp_error_clear(err);
			return icp_error_set(err, ICP_ERR_NOT_FOUND,
			                     "table %s does not exist and mappings[topic=%s]."
			                     "create_table_if_missing is false", m->table, m->topic);
		}
		icp_error_clear(err);
		rc = icp_catalog_create_namespace(p->catalog, t->ns, err);
		if (rc != ICP_OK)
			return rc;
		/* location = warehouse + "/" + namespace parts + "/" + table */
		icp_buf_init(&loc, 0);
		rel = icp_strdup(t->ns);
		if (!rel)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		for (q = rel; *q; q++)
			if (*q == '.')
				*q = '/';
		icp_buf_init(&data_path, 0);
		icp_buf_init(&meta_path, 0);
		{
			icp_buf key;
			icp_buf_init(&key, 0);
			icp_buf_printf(&key, "%s/%s", rel, t->name);
			icp_storage_url(p->warehouse, (char *)key.data, &loc);
			icp_buf_dispose(&key);
		}
		icp_buf_printf(&data_path, "%s/data", (char *)loc.data);
		icp_buf_printf(&meta_path, "%s/metadata", (char *)loc.data);
		props[3] = (char *)data_path.data;
		props[5] = (char *)meta_path.data;
		{
			/* created with the mapping's (or registry's) columns */
			icp_ice_schema *want = NULL;
			rc = icp_evolve_new_schema(p, m, &want, err);
			if (rc != ICP_OK) {
				icp_free(rel);
				icp_buf_dispose(&loc);
				icp_buf_dispose(&data_path);
				icp_buf_dispose(&meta_path);
				return rc;
			}
			icp_ice_schema_free(t->schema);
			t->schema = want;
		}
		rc = icp_catalog_create_table(p->catalog, t->ns, t->name, t->schema,
		                              (char *)loc.data, props, &meta, err);
		if (rc == ICP_ERR_CONFLICT) { /* created by another worker meanwhile */
			icp_error_clear(err);
			rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &meta, err);
		}
		if (rc == ICP_OK)
			ICP_INFO("table created", "table", m->table, "location", (char *)loc.data);
		icp_free(rel);
		icp_buf_dispose(&loc);
		icp_buf_dispose(&data_path);
		icp_buf_dispose(&meta_path);
	}
	if (rc == ICP_OK)
		rc = vended_store(p, t, err);
	if (rc != ICP_OK)
		return rc;
	/* The table must hold the base columns with their ids. */
	{
		const icp_ice_schema *cur = icp_ice_metadata_schema(meta);
		size_t i;
		for (i = 0; cur && i < t->schema->root.n_fields; i++) {
			const icp_ice_field *want = &t->schema->root.fields[i];
			const icp_ice_field *have = icp_ice_schema_find(cur, want->name);
			if (want->id > 8)
				continue; /* typed columns: icp_evolve_table decides */
			if (!have || have->id != want->id || have->type->kind != want->type->kind) {
				icp_ice_metadata_free(meta);
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "table %s: column %s (id %d, %s) is missing or differs",
				                     m->table, want->name, want->id,
				                     icp_ice_kind_name(want->type->kind));
			}
		}
	}
	/* Add the mapping's new columns / widen (a commit of its own), and
	 * write with the table's current schema from now on. */
	rc = icp_evolve_table(p, t, &meta, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(meta);
		return rc;
	}
	if ((rc = build_pfields(t, err)) != ICP_OK) {
		icp_ice_metadata_free(meta);
		return rc;
	}
	return adopt_metadata(p, t, meta, err);
}

int icp_table_registry_recheck(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	icp_slice doc;
	uint64_t gen = 0, before;
	int stale = 0, rc;
	icp_error e;

	if (t->map->schema.source != ICP_SOURCE_REGISTRY || !p->registry || !t->meta)
		return ICP_OK;
	if (t->dirty || t->n_pending || t->pw)
		return ICP_OK; /* only between files: one schema per file */
	icp_error_init(&e);
	if (icp_registry_get(p->registry, t->map->topic, &doc, &gen, &stale, &e) != ICP_OK ||
	    gen == t->registry_gen)
		return ICP_OK; /* unreachable (the registry logs it) or unchanged */
	before = t->registry_gen;
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &m, err);
	if (rc == ICP_OK)
		rc = icp_evolve_table(p, t, &m, err);
	if (rc == ICP_OK)
		rc = build_pfields(t, err);
	if (rc == ICP_OK) {
		rc = adopt_metadata(p, t, m, err);
		m = rc == ICP_OK ? NULL : m;
	}
	icp_ice_metadata_free(m);
	if (rc == ICP_ERR_INVALID && t->registry_gen == before)
		t->registry_gen = gen; /* refused: not again for this document */
	if (rc != ICP_OK)
		icp_error_prefix(err, "table %s: registry schema changed", t->map->table);
	return rc;
}

static void pending_free(icp_pending_file *f)
{
	icp_free(f->url);
	icp_free(f->key);
	icp_parquet_file_metrics_dispose(&f->metrics);
}

static void drop_open_file(icp_table *t)
{
	icp_parquet_writer_free(t->pw);
	t->pw = NULL;
	icp_storage_writer_abort(t->sw);
	t->sw = NULL;
	icp_free(t->open_url);
	icp_free(t->open_key);
	t->open_url = t->open_key = NULL;
}

void icp_table_dispose(icp_table *t)
{
	icp_filter_dispose(t);
	size_t i;
	drop_open_file(t);
	for (i = 0; i < t->n_pending; i++)
		pending_free(&t->pending[i]);
	icp_free(t->pending);
	icp_rows_dispose(t);
	icp_offsets_dispose(&t->committed);
	icp_ice_metadata_free(t->meta);
	icp_ice_schema_free(t->schema);
	icp_storage_free(t->store);
	icp_free(t->pfields);
	icp_free(t->data_prefix);
	icp_free(t->meta_prefix);
	icp_free(t->ns);
	icp_free(t->name);
}

static int sink_write(void *ctx, const uint8_t *p, size_t n, icp_error *err)
{
	return icp_storage_writer_write(ctx, p, n, err);
}

static const icp_parquet_sink_vtable storage_sink = {sink_write};

int icp_table_file_ready(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_parquet_options o;
	icp_buf key;
	char uuid[37];
	int rc;
	static const icp_codec_id codecs[] = {ICP_CODEC_ZSTD, ICP_CODEC_SNAPPY, ICP_CODEC_GZIP,
	                                      ICP_CODEC_LZ4_RAW, ICP_CODEC_NONE};

	if (t->pw)
		return ICP_OK;
	icp_ice_uuid(uuid);
	icp_buf_init(&key, 0);
	icp_buf_printf(&key, "%s/%013lld-%s.parquet", t->data_prefix, (long long)icp_now_ms(), uuid);
	if (key.status)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	t->open_key = (char *)icp_buf_detach(&key, NULL);
	icp_buf_init(&key, 0);
	icp_storage_url(wh(p, t), t->open_key, &key);
	t->open_url = (char *)icp_buf_detach(&key, NULL);
	rc = icp_storage_writer_open(wh(p, t), t->open_key, 1, &t->sw, err);
	if (rc != ICP_OK) {
		drop_open_file(t);
		return rc;
	}
	icp_parquet_options_init(&o);
	o.codec = codecs[p->cfg->parquet.compression];
	o.codec_level = (int)p->cfg->parquet.compression_level;
	o.row_group_size = (size_t)p->cfg->parquet.row_group_bytes;
	o.page_size = (size_t)p->cfg->parquet.page_bytes;
	rc = icp_parquet_writer_new(t->pfields, t->n_pfields, &o,
	                            (icp_parquet_sink){&storage_sink, t->sw}, &t->pw, err);
	if (rc != ICP_OK)
		drop_open_file(t);
	return rc;
}

/* Closes the open file and moves it to the pending list. */
static int close_open_file(icp_table *t, icp_error *err)
{
	icp_pending_file f;
	int rc;

	if (!t->pw)
		return ICP_OK;
	if (icp_parquet_writer_rows(t->pw) == 0) {
		drop_open_file(t);
		return ICP_OK;
	}
	memset(&f, 0, sizeof(f));
	rc = icp_parquet_writer_close(t->pw, &f.metrics, err);
	icp_parquet_writer_free(t->pw);
	t->pw = NULL;
	if (rc == ICP_OK) {
		rc = icp_storage_writer_commit(t->sw, err); /* publishes; frees sw */
		t->sw = NULL;
	}
	if (rc != ICP_OK) {
		icp_parquet_file_metrics_dispose(&f.metrics);
		drop_open_file(t);
		return rc;
	}
	if (t->n_pending == t->cap_pending) {
		size_t ncap = t->cap_pending ? t->cap_pending * 2 : 8;
		icp_pending_file *np = icp_realloc(t->pending, ncap * sizeof(*np));
		if (!np) {
			icp_parquet_file_metrics_dispose(&f.metrics);
			drop_open_file(t);
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		}
		t->pending = np;
		t->cap_pending = ncap;
	}
	f.url = t->open_url;
	f.key = t->open_key;
	t->open_url = t->open_key = NULL;
	t->pending[t->n_pending++] = f;
	return ICP_OK;
}

int icp_table_file_maybe_roll(icp_processor *p, icp_table *t, icp_error *err)
{
	uint64_t size;
	if (!t->pw)
		return ICP_OK;
	size = icp_parquet_writer_offset(t->pw) + icp_parquet_writer_buffered(t->pw);
	if (size < (uint64_t)p->cfg->processor.target_file_size_bytes)
		return ICP_OK;
	return close_open_file(t, err);
}

void icp_table_discard(icp_processor *p, icp_table *t, const char *why)
{
	size_t i;
	icp_error ignore;

	drop_open_file(t);
	for (i = 0; i < t->n_pending; i++) {
		/* In doubt, a snapshot we could not see may reference them:
		 * leave them (an orphan costs bytes, a hole costs the table). */
		if (!t->in_doubt) {
			icp_error_init(&ignore);
			icp_storage_remove(wh(p, t), t->pending[i].key, &ignore);
		}
		pending_free(&t->pending[i]);
	}
	if (t->in_doubt && t->n_pending)
		ICP_WARN("data files of a commit with an unknown outcome kept", "table",
		         t->map->table);
	t->in_doubt = 0; /* nothing of that commit is tracked any more */
	t->n_pending = 0;
	t->pending_rows = 0;
	t->dirty = 0;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		int64_t next;
		if (pt->table != t)
			continue;
		next = icp_offsets_get(&t->committed, pt->tp);
		pt->committed_next = next < 0 ? 0 : next;
		pt->next = pt->committed_next;
		pt->last_ts = pt->committed_ts;
		icp_free(pt->last_key);
		pt->last_key = NULL;
	}
	ICP_WARN("uncommitted data discarded; it will be read again", "table", t->map->table,
	         "reason", why);
}

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

/* Offsets after this commit: the table's, advanced by our partitions. */
static int merged_offsets(icp_processor *p, icp_table *t, icp_offsets *out)
{
	size_t i;
	for (i = 0; i < t->committed.n; i++)
		if (icp_offsets_set(out, t->committed.e[i].tp, t->committed.e[i].next))
			return ICP_ERR_NOMEM;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->table == t && pt->next > pt->committed_next &&
		    icp_offsets_set(out, pt->tp, pt->next))
			return ICP_ERR_NOMEM;
	}
	return ICP_OK;
}

/* Did another writer move any partition we hold uncommitted data for? */
static int offsets_moved(icp_processor *p, icp_table *t, const icp_offsets *now)
{
	size_t i;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		int64_t was, is;
		if (pt->table != t || pt->next <= pt->committed_next)
			continue;
		was = icp_offsets_get(&t->committed, pt->tp);
		is = icp_offsets_get(now, pt->tp);
		if (was != is)
			return 1;
	}
	return 0;
}

static void committed(icp_processor *p, icp_table *t)
{
	size_t i;
	for (i = 0; i < t->n_pending; i++) {
		icp_metrics_counter_inc(t->m_files);
		icp_metrics_histogram_observe(t->m_file_size,
		                              (double)t->pending[i].metrics.file_size);
		pending_free(&t->pending[i]);
	}
	t->last_commit_ms = icp_now_ms();
	t->in_doubt = 0;
	t->n_pending = 0;
	t->pending_rows = 0;
	t->dirty = 0;
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->table == t) {
			pt->committed_next = pt->next;
			pt->committed_ts = pt->last_ts;
			icp_obs_committed(pt);
		}
	}
}

static int put_meta_file(icp_processor *p, icp_table *t, const char *name, icp_buf *bytes,
                         char **key, char **url, icp_error *err)
{
	icp_buf k, u;
	int rc;
	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "%s/%s", t->meta_prefix, name);
	if (k.status) {
		icp_buf_dispose(&k);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = icp_storage_put(wh(p, t), (char *)k.data, icp_slice_make(bytes->data, bytes->len),
	                     1, err);
	icp_storage_url(wh(p, t), (char *)k.data, &u);
	*key = (char *)icp_buf_detach(&k, NULL);
	*url = (char *)icp_buf_detach(&u, NULL);
	return rc;
}

static void remove_quiet(icp_processor *p, icp_table *t, const char *key)
{
	icp_error e;
	icp_error_init(&e);
	if (key)
		icp_storage_remove(wh(p, t), key, &e);
}

int icp_table_refresh(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	size_t i;
	int rc;

	if (t->dirty || t->n_pending || t->pw) {
		rc = icp_table_commit(p, t, err);
		if (rc != ICP_OK)
			return rc;
	}
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &m, err);
	if (rc != ICP_OK)
		return rc;
	rc = adopt_metadata(p, t, m, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(m);
		return rc;
	}
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		int64_t next;
		if (pt->table != t)
			continue;
		next = icp_offsets_get(&t->committed, pt->tp);
		if (next < 0)
			next = 0;
		if (next == pt->committed_next && next == pt->next)
			continue;
		pt->committed_next = pt->next = next;
		icp_free(pt->last_key);
		pt->last_key = NULL;
	}
	return ICP_OK;
}

/* Capped exponential backoff with jitter between commit attempts: the
 * ceiling is 50 ms doubling up to 2 s, the pause uniform in [ceiling/2,
 * ceiling], so racing writers spread out. */
static void backoff(int attempt)
{
	uint64_t cap = 50000000ull << (attempt < 6 ? attempt : 6), ns;
	struct timespec ts;
	if (cap > 2000000000ull)
		cap = 2000000000ull;
	uint8_t r[8];
	icp_random_bytes(r, sizeof(r));
	ns = cap / 2 + icp_load_be64(r) % (cap / 2 + 1);
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	nanosleep(&ts, NULL);
}

int icp_table_commit(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_data_file *files = NULL;
	icp_ice_manifest_info info;
	icp_buf bytes;
	char *man_key = NULL, *man_url = NULL, *list_key = NULL, *list_url = NULL;
	char uuid[37], name[128];
	int64_t snap_id, added_size = 0;
	size_t i;
	/* any_unknown: an attempt's outcome was unknown. Its manifest list
	 * may still be applied late (a slow catalog), so from then on no file
	 * this commit wrote is deleted: an orphan costs bytes, a deleted file
	 * referenced by the table costs the table. */
	int rc, attempt, any_unknown = t->in_doubt;

	rc = close_open_file(t, err);
	if (rc != ICP_OK) {
		/* The open file's records are gone with it: rewind so they are
		 * read again rather than skipped. */
		icp_table_discard(p, t, "closing the data file failed");
		return rc;
	}
	if (t->n_pending == 0)
		return rc;
	icp_buf_init(&bytes, 0);
	files = icp_calloc(t->n_pending, sizeof(*files));
	if (!files)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < t->n_pending; i++) {
		files[i].path = t->pending[i].url;
		files[i].file_size = t->pending[i].metrics.file_size;
		files[i].record_count = t->pending[i].metrics.record_count;
		files[i].metrics = &t->pending[i].metrics;
		added_size += (int64_t)files[i].file_size;
	}
	snap_id = icp_ice_snapshot_id();
	icp_ice_uuid(uuid);
	rc = icp_ice_manifest_write(t->schema, snap_id, files, t->n_pending, &bytes, &info, err);
	if (rc == ICP_OK) {
		snprintf(name, sizeof(name), "%s-m0.avro", uuid);
		rc = put_meta_file(p, t, name, &bytes, &man_key, &man_url, err);
	}
	for (attempt = 0; rc == ICP_OK && attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
		const icp_ice_metadata *base = t->meta;
		int64_t parent = icp_ice_metadata_main_snapshot(base);
		icp_ice_manifest_file mf = {man_url, (int64_t)info.length, info.added_files,
		                            info.added_rows};
		icp_buf parent_list, offs;
		char s_rec[24], s_files[24], s_size[24], s_trec[24], s_tfiles[24], s_tsize[24];
		icp_offsets merged = {0};
		icp_ice_metadata *next = NULL, *reloaded = NULL;
		icp_ice_commit c;
		icp_ice_kv kv[12];
		size_t nkv = 0;

		icp_buf_init(&parent_list, 256u << 20);
		if (parent >= 0) {
			icp_ice_snapshot ps;
			const char *pkey;
			if (icp_ice_metadata_snapshot(base, parent, &ps) != ICP_OK ||
			    icp_storage_key_of_url(p->warehouse, ps.manifest_list, &pkey) != ICP_OK) {
				rc = icp_error_set(err, ICP_ERR_CORRUPT,
				                   "table %s: manifest list of snapshot %lld is not readable "
				                   "in the warehouse", t->map->table, (long long)parent);
				icp_buf_dispose(&parent_list);
				break;
			}
			rc = icp_storage_get(wh(p, t), pkey, &parent_list, err);
		}
		icp_buf_reset(&bytes);
		if (rc == ICP_OK)
			rc = icp_ice_manifest_list_write(snap_id, parent, icp_ice_metadata_last_sequence(base) + 1,
			                                 &mf, 1, icp_slice_make(parent_list.data, parent_list.len),
			                                 &bytes, err);
		icp_buf_dispose(&parent_list);
		if (rc == ICP_OK) {
			snprintf(name, sizeof(name), "snap-%lld-%d-%s.avro", (long long)snap_id, attempt + 1,
			         uuid);
			rc = put_meta_file(p, t, name, &bytes, &list_key, &list_url, err);
		}
		if (rc != ICP_OK)
			break;
		icp_buf_init(&offs, 0);
		if (merged_offsets(p, t, &merged) != ICP_OK)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		icp_offsets_to_json(&merged, &offs);
		snprintf(s_files, sizeof(s_files), "%d", info.added_files);
		snprintf(s_rec, sizeof(s_rec), "%lld", (long long)info.added_rows);
		snprintf(s_size, sizeof(s_size), "%lld", (long long)added_size);
		snprintf(s_trec, sizeof(s_trec), "%lld",
		         (long long)(summary_i64(base, parent, "total-records") + info.added_rows));
		snprintf(s_tfiles, sizeof(s_tfiles), "%lld",
		         (long long)(summary_i64(base, parent, "total-data-files") + info.added_files));
		snprintf(s_tsize, sizeof(s_tsize), "%lld",
		         (long long)(summary_i64(base, parent, "total-files-size") + added_size));
		kv[nkv++] = (icp_ice_kv){"operation", "append"};
		kv[nkv++] = (icp_ice_kv){"added-data-files", s_files};
		kv[nkv++] = (icp_ice_kv){"added-records", s_rec};
		kv[nkv++] = (icp_ice_kv){"added-files-size", s_size};
		kv[nkv++] = (icp_ice_kv){"total-records", s_trec};
		kv[nkv++] = (icp_ice_kv){"total-data-files", s_tfiles};
		kv[nkv++] = (icp_ice_kv){"total-files-size", s_tsize};
		kv[nkv++] = (icp_ice_kv){"total-delete-files", "0"};
		kv[nkv++] = (icp_ice_kv){"total-position-deletes", "0"};
		kv[nkv++] = (icp_ice_kv){"total-equality-deletes", "0"};
		kv[nkv++] = (icp_ice_kv){"kafscale.offsets", (char *)offs.data};
		kv[nkv++] = (icp_ice_kv){"kafscale.writer", p->cfg->processor.worker_id};
		memset(&c, 0, sizeof(c));
		c.assert_uuid = icp_ice_metadata_uuid(base);
		c.assert_main = 1;
		c.main_snapshot_id = parent;
		c.has_snapshot = 1;
		c.snapshot_id = snap_id;
		c.parent_snapshot_id = parent;
		c.sequence_number = icp_ice_metadata_last_sequence(base) + 1;
		c.timestamp_ms = icp_now_ms();
		c.manifest_list = list_url;
		c.snapshot_schema_id = icp_ice_metadata_current_schema_id(base);
		c.summary = kv;
		c.n_summary = nkv;
		if (rc == ICP_OK && offs.status)
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory building the summary");
		if (rc == ICP_OK)
			rc = icp_catalog_commit_table(p->catalog, t->ns, t->name, base, &c, &next, err);
		icp_buf_dispose(&offs);
		icp_offsets_dispose(&merged);
		if (rc == ICP_OK) {
			icp_metrics_counter_inc(t->m_commits[ICP_COMMIT_OK]);
			p->catalog_ok_ns = icp_mono_ns();
			rc = adopt_metadata(p, t, next, err);
			if (rc == ICP_OK) {
				char sid[24];
				snprintf(sid, sizeof(sid), "%lld", (long long)snap_id);
				ICP_INFO("committed", "table", t->map->table, "snapshot", sid,
				         "files", s_files, "records", s_rec);
				committed(p, t);
			}
			break;
		}
		if (rc != ICP_ERR_CONFLICT && rc != ICP_ERR_UNKNOWN)
			break; /* nothing changed; pending data stays for the next flush */
		{
			int was_unknown = rc == ICP_ERR_UNKNOWN;
			icp_offsets now = {0};
			any_unknown |= was_unknown;
			ICP_WARN(was_unknown ? "commit outcome unknown; reloading the table"
			                     : "commit conflict; reloading the table",
			         "table", t->map->table, "err", err ? err->msg : "");
			icp_error_clear(err);
			rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &reloaded, err);
			if (rc != ICP_OK)
				break; /* unresolved: the table stays in doubt (below) */
			icp_metrics_counter_inc(t->m_commits[was_unknown ? ICP_COMMIT_UNKNOWN_RESOLVED
			                                                 : ICP_COMMIT_CONFLICT]);
			{
				/* Look for our snapshot after a conflict too: a 409 can
				 * answer a request that was re-sent after an attempt
				 * the catalog applied without our seeing the reply. */
				icp_ice_snapshot s;
				if (icp_ice_metadata_snapshot(reloaded, snap_id, &s) == ICP_OK) {
					rc = adopt_metadata(p, t, reloaded, err);
					if (rc == ICP_OK)
						committed(p, t);
					else
						icp_ice_metadata_free(reloaded);
					break; /* it did land */
				}
			}
			rc = icp_offsets_from_table(reloaded, &now, err);
			if (rc == ICP_OK && offsets_moved(p, t, &now)) {
				icp_offsets_dispose(&now);
				rc = adopt_metadata(p, t, reloaded, err);
				if (!any_unknown) {
					remove_quiet(p, t, list_key);
					remove_quiet(p, t, man_key);
				}
				icp_free(list_key);
				icp_free(list_url);
				list_key = list_url = NULL;
				icp_table_discard(p, t, "another writer committed the same partitions");
				goto out;
			}
			icp_offsets_dispose(&now);
			if (rc == ICP_OK)
				rc = adopt_metadata(p, t, reloaded, err);
			else
				icp_ice_metadata_free(reloaded);
		}
		if (!any_unknown)
			remove_quiet(p, t, list_key); /* never referenced: retry on the new base */
		icp_free(list_key);
		icp_free(list_url);
		list_key = list_url = NULL;
		if (rc == ICP_OK) {
			if (icp_processor_past_deadline(p)) {
				rc = icp_error_set(err, ICP_ERR_RETRYABLE,
				                   "table %s: shutdown deadline reached while retrying "
				                   "the commit; the data will be read again",
				                   t->map->table);
				break;
			}
			if (attempt + 1 < MAX_COMMIT_ATTEMPTS) { /* no pause before giving up */
				icp_metrics_counter_inc(t->m_commits[ICP_COMMIT_RETRIED]);
				backoff(attempt);
			}
		}
	}
	if (rc == ICP_OK && t->n_pending)
		rc = icp_error_set(err, ICP_ERR_CONFLICT,
		                   "table %s: commit still conflicting after %d attempts",
		                   t->map->table, MAX_COMMIT_ATTEMPTS);
	if (rc != ICP_OK && t->n_pending) {
		icp_metrics_counter_inc(t->m_commits[ICP_COMMIT_FAILED]);
		if (!any_unknown) {
			remove_quiet(p, t, list_key);
			remove_quiet(p, t, man_key);
		}
		/* An attempt may have landed unseen: until a commit of these
		 * files succeeds or a reload shows the table, nothing of them is
		 * deleted (icp_table_discard keeps them too). The next commit's
		 * stale parent makes a landed attempt show up as a conflict with
		 * moved offsets, which rewinds without loss or duplicates. */
		t->in_doubt = any_unknown;
	}
out:
	icp_free(files);
	icp_free(man_key);
	icp_free(man_url);
	icp_free(list_key);
	icp_free(list_url);
	icp_buf_dispose(&bytes);
	return rc;
}
