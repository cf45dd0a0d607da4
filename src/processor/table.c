/*
 * A mapped table: loading or creating it (with the S3 settings a REST
 * catalog vends), its schema, its data files (through its sink, sink.c),
 * discarding them, and its side of a commit (the protocol itself is the
 * icp_commit of commit.c): what it adopts, what a landed or discarded
 * commit does to its sink and its partitions.
 */
#include "processor/commit_int.h"
#include "processor/decode_int.h"

#include "log/log.h"

#include <stdio.h>
#include <stdlib.h>

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
icp_storage *icp_table_store(icp_processor *p, const icp_table *t)
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

/* t->spec from m's default spec (see icp_table.spec). Only allocation
 * fails here: a spec that cannot be written with is kept as spec_error,
 * so the table still loads and says why when it has data to write. */
static int adopt_spec(icp_table *t, const icp_ice_metadata *m, icp_error *err)
{
	int32_t id = icp_ice_metadata_default_spec_id(m);
	const icp_pspec *spec = NULL;
	icp_pspec *copy = NULL;
	icp_buf why;
	icp_error e;
	int rc;

	icp_pspec_free(t->spec);
	icp_free(t->spec_error);
	t->spec = NULL;
	t->spec_error = NULL;
	t->spec_id = id;
	icp_error_init(&e);
	rc = icp_ice_metadata_spec(m, id, &spec, &e);
	if (rc == ICP_ERR_NOT_FOUND && id == 0)
		return ICP_OK; /* no spec at all: unpartitioned spec 0 */
	if (rc == ICP_ERR_NOMEM)
		return icp_error_set(err, rc, "out of memory");
	if (rc == ICP_OK && spec->n_fields == 0)
		return ICP_OK;
	if (rc == ICP_OK) {
		copy = icp_pspec_copy(spec);
		if (!copy)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		/* our schema, not the metadata's: the files are written with it */
		rc = icp_pspec_bind(copy, t->schema, &e);
		if (rc == ICP_OK) {
			t->spec = copy;
			return ICP_OK;
		}
		icp_pspec_free(copy);
	}
	icp_buf_init(&why, 0);
	icp_buf_printf(&why, "table %s: its default partition spec %d cannot be written with (%s); "
	               "nothing is appended, the records stay in the segments", t->map->table, id,
	               e.msg);
	t->spec_error = why.status ? NULL : (char *)icp_buf_detach(&why, NULL);
	icp_buf_dispose(&why);
	if (!t->spec_error)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	return ICP_OK;
}

int icp_table_adopt(icp_processor *p, icp_table *t, icp_ice_metadata *m, icp_error *err)
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
	rc = adopt_spec(t, m, err);
	if (rc != ICP_OK) {
		icp_offsets_dispose(&fresh);
		return rc;
	}
	t->sort_order_id = icp_sort_order_of(t, m);
	icp_ice_metadata_free(t->meta);
	t->meta = m;
	icp_offsets_dispose(&t->committed);
	t->committed = fresh;
	return ICP_OK;
}

/* The Parquet fields of t->schema (replacing any earlier ones). */
int icp_table_build_pfields(icp_table *t, icp_error *err)
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
 * through a store opened with them over iceberg.s3.* (*out; NULL when
 * nothing is vended). *renew_ms: when to ask again (vended credentials
 * expire: half-way to s3.session-token-expires-at-ms, at most 5 minutes
 * before it; 10 minutes when no expiry is given). */
static int vended_store(icp_processor *p, icp_table *t, icp_storage **out, int64_t *renew_ms,
                        icp_error *err)
{
	static const char *const keys[] = {"s3.endpoint", "s3.access-key-id",
	                                   "s3.secret-access-key", "s3.session-token",
	                                   "s3.path-style-access", "client.region",
	                                   "s3.session-token-expires-at-ms"};
	const char *v[ICP_ARRAY_LEN(keys)];
	icp_storage_opts o;
	size_t i, any = 0;
	int64_t now = icp_now_ms();
	int rc;
	const char *wurl = p->cfg->iceberg.warehouse;

	*out = NULL;
	*renew_ms = 0;
	if (strncmp(wurl, "s3://", 5) != 0 && strncmp(wurl, "s3a://", 6) != 0)
		return ICP_OK;
	/* copied: a catalog string lives only until its next call */
	for (i = 0; i < ICP_ARRAY_LEN(keys); i++) {
		const char *s = icp_catalog_config(p->catalog, keys[i]);
		v[i] = s && *s ? icp_strdup(s) : NULL;
		any += i < 6 && v[i] != NULL; /* the expiry alone opens nothing */
	}
	rc = ICP_OK;
	if (any) {
		int64_t expires = v[6] ? strtoll(v[6], NULL, 10) : 0, margin;
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
		rc = icp_storage_open_ex(wurl, &o, out, err);
		if (rc != ICP_OK)
			icp_error_prefix(err, "table %s: the S3 settings vended by the catalog", t->map->table);
		margin = expires > now ? (expires - now) / 2 : 0;
		if (margin > 300000)
			margin = 300000;
		*renew_ms = expires <= 0   ? now + 600000    /* no expiry given */
		            : expires > now ? expires - margin
		                            : now + 10000; /* already expired: soon */
		if (rc == ICP_OK)
			ICP_INFO("using S3 settings vended by the catalog", "table", t->map->table,
			         "endpoint", v[0] ? v[0] : "(configured)", "credentials",
			         v[1] && v[2] ? "vended" : "configured");
	}
	for (i = 0; i < ICP_ARRAY_LEN(keys); i++)
		icp_free((char *)v[i]);
	return rc;
}

int icp_table_vended_renew(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	icp_storage *fresh = NULL;
	int64_t renew = 0;
	int rc;

	if (!t->store || icp_now_ms() < t->store_renew_ms)
		return ICP_OK;
	if (icp_sink_file_open(&t->sink))
		return ICP_OK; /* a file is being written through the old store */
	/* a load is what makes the catalog vend again; the table state itself
	 * is left as it is (the metadata is only a carrier here). Pending
	 * files are named by key, the same in both stores. */
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &m, err);
	icp_ice_metadata_free(m);
	if (rc == ICP_OK)
		rc = vended_store(p, t, &fresh, &renew, err);
	if (rc != ICP_OK) {
		t->store_renew_ms = icp_now_ms() + 10000; /* old settings until then */
		return rc;
	}
	if (!fresh)
		return ICP_OK; /* no longer vended: keep what works */
	icp_storage_free(t->store);
	t->store = fresh;
	t->store_renew_ms = renew;
	ICP_INFO("renewed the S3 settings vended by the catalog", "table", t->map->table);
	return ICP_OK;
}

int icp_table_open(icp_processor *p, icp_table *t, const icp_config_mapping *m,
                   icp_error *err)
{
	icp_ice_metadata *meta = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	t->map = m;
	icp_sink_init(&t->sink);
	icp_buf_init(&t->scratch_ids, 0);
	icp_buf_init(&t->scratch_hdrs, 0);
	icp_buf_init(&t->dl.json, 0);
	if (split_table(m->table, &t->ns, &t->name) != ICP_OK)
		return icp_error_set(err, ICP_ERR_INVALID, "mapping for topic %s: table \"%s\" is "
		                     "not namespace.table", m->topic, m->table);
	if (m->schema.source == ICP_SOURCE_CONFLUENT &&
	    (rc = icp_decode_new(p->csr, m, &t->decode, err)) != ICP_OK)
		return rc;
	t->schema = icp_ice_schema_base();
	if (!t->schema)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &meta, err);
	if (rc == ICP_ERR_NOT_FOUND) {
		icp_buf loc;
		/* the contract's three, then old metadata files removed by the
		 * commit that drops them from the metadata-log, which keeps 100
		 * (a table committed to every minute would otherwise keep every
		 * metadata.json it ever had) */
		const char *props[] = {"write.format.default", "parquet", "write.data.path", NULL,
		                       "write.metadata.path", NULL,
		                       "write.metadata.delete-after-commit.enabled", "true",
		                       "write.metadata.previous-versions-max", "100", NULL};
		icp_buf data_path, meta_path;
		char *rel;
		char *q;

		if (!m->create_table_if_missing) {
			icp_error_clear(err);
			/* the config names a table that is not there and forbids
			 * creating it: a config error (exit 1), not a runtime one */
			return icp_error_set(err, ICP_ERR_INVALID,
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
		rc = vended_store(p, t, &t->store, &t->store_renew_ms, err);
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
	if (rc == ICP_OK)
		rc = icp_evolve_spec(p, t, &meta, err);
	if (rc == ICP_OK)
		rc = icp_evolve_sort_order(p, t, &meta, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(meta);
		return rc;
	}
	if ((rc = icp_table_build_pfields(t, err)) != ICP_OK) {
		icp_ice_metadata_free(meta);
		return rc;
	}
	return icp_table_adopt(p, t, meta, err);
}

void icp_table_dispose(icp_table *t)
{
	if (t->dlq) {
		icp_table_dispose(t->dlq);
		icp_free(t->dlq);
		t->dlq = NULL;
	}
	icp_free(t->dlq_map);
	t->dlq_map = NULL;
	icp_free(t->refused);
	t->refused = NULL;
	icp_decode_free(t->decode);
	t->decode = NULL;
	icp_filter_dispose(t);
	icp_sink_dispose(&t->sink);
	icp_rows_dispose(t);
	icp_offsets_dispose(&t->committed);
	icp_ice_metadata_free(t->meta);
	icp_ice_schema_free(t->schema);
	icp_storage_free(t->store);
	icp_free(t->pfields);
	icp_pspec_free(t->spec);
	icp_free(t->spec_error);
	icp_free(t->data_prefix);
	icp_free(t->meta_prefix);
	icp_free(t->ns);
	icp_free(t->name);
}

int icp_table_file_ready(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_sink_target tg;
	int32_t busy_spec = icp_sink_spec_id(&t->sink);
	if (busy_spec < 0)
		busy_spec = icp_rows_kept_spec(t);

	if (t->spec_error)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED, "%s", t->spec_error);
	if (busy_spec >= 0 && busy_spec != t->spec_id)
		/* another writer changed the default spec under our files: their
		 * tuples are of the old one. The caller discards and rereads. */
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "table %s: its default partition spec changed from %d to %d; "
		                     "the uncommitted data is written again with the new spec",
		                     t->map->table, busy_spec, t->spec_id);
	if (!t->spec && !t->map->sort_by.n && icp_sink_writer(&t->sink))
		return ICP_OK;
	memset(&tg, 0, sizeof(tg));
	icp_proc_parquet_options(p->cfg, &tg.options);
	/* parquet.row_group_bytes, or less: this file's share of the memory
	 * budget (memory.c); a partitioned table's share is split between
	 * its max_open_files writers */
	tg.options.row_group_size = t->spec ? p->mem_row_group_part : p->mem_row_group;
	if (!tg.options.row_group_size)
		tg.options.row_group_size = (size_t)p->cfg->parquet.row_group_bytes;
	tg.options.pool = p->pool;
	tg.store = icp_table_store(p, t);
	tg.data_prefix = t->data_prefix;
	tg.fields = t->pfields;
	tg.n_fields = t->n_pfields;
	tg.spec_id = t->spec_id;
	/* files of a sorted table are written sorted by the table's default
	 * order when it is the mapping's (sort_order_id: 0 otherwise) */
	tg.sort_order_id = t->map->sort_by.n ? t->sort_order_id : 0;
	tg.max_open = t->spec ? (size_t)p->cfg->processor.max_open_files : 1;
	icp_sink_set_target(&t->sink, &tg);
	/* sorted tables keep rows up to their row group share, then write
	 * them sorted (rows.c) */
	t->sort_limit = p->mem_row_group ? p->mem_row_group
	                                 : (size_t)p->cfg->parquet.row_group_bytes;
	if (t->spec || t->map->sort_by.n)
		return ICP_OK; /* rows.c opens the files (per tuple, or sorted) */
	{
		icp_parquet_writer *pw;
		return icp_sink_file_for(&t->sink, NULL, icp_slice_make(NULL, 0), NULL, 0, &pw, err);
	}
}

int icp_table_file_maybe_roll(icp_processor *p, icp_table *t, icp_error *err)
{
	return icp_sink_maybe_roll(&t->sink, (uint64_t)p->cfg->processor.target_file_size_bytes,
	                           err);
}

/* Where a partition of t stands in the table: its committed offset, or 0. */
static int64_t committed_next(const icp_table *t, const icp_part *pt)
{
	int64_t next = icp_offsets_get(&t->committed, pt->tp);
	return next < 0 ? 0 : next;
}

void icp_table_discard(icp_processor *p, icp_table *t, const char *why)
{
	size_t i;

	/* The two tables of a mapping read the same records: whatever drops
	 * one's uncommitted rows (they will be read again) drops the other's. */
	if (t->dlq_of) {
		icp_table_discard(p, t->dlq_of, why);
		return;
	}
	if (t->dlq) {
		icp_rows_drop(t->dlq);
		if (icp_sink_discard(&t->dlq->sink, icp_table_store(p, t->dlq)))
			ICP_WARN("data files of a commit with an unknown outcome kept", "table",
			         t->dlq->map->table);
	}
	icp_rows_drop(t);
	if (icp_sink_discard(&t->sink, icp_table_store(p, t)))
		ICP_WARN("data files of a commit with an unknown outcome kept", "table",
		         t->map->table);
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->table != t)
			continue;
		icp_part_drop_uncommitted(pt, committed_next(t, pt));
	}
	ICP_WARN("uncommitted data discarded; it will be read again", "table", t->map->table,
	         "reason", why);
}

/* ------------------------------------------------------------- flush
 * The table's side of a commit (commit.c): what it adopts, what a landed
 * or discarded commit does to the pending files and the partitions. */

typedef struct table_commit {
	icp_processor *p;
	icp_table *t;
} table_commit;

static int tc_adopt(void *ctx, icp_ice_metadata *m, icp_error *err)
{
	table_commit *x = ctx;
	return icp_table_adopt(x->p, x->t, m, err);
}

static void tc_landed(void *ctx)
{
	table_commit *x = ctx;
	icp_table *t = x->t;
	size_t i, n;
	const icp_pending_file *f = icp_sink_files(&t->sink, &n);
	for (i = 0; i < n; i++) {
		icp_metrics_counter_inc(t->m_files);
		icp_metrics_histogram_observe(t->m_file_size, (double)f[i].metrics.file_size);
	}
	icp_sink_landed(&t->sink);
	t->last_commit_ms = icp_now_ms();
	/* (a dead-letter table has no partitions: its offsets only say which
	 * invalid records it holds; the data table's commit moves them) */
	for (i = 0; i < x->p->n_parts; i++)
		if (x->p->parts[i]->table == t)
			icp_part_committed(x->p->parts[i]);
}

static void tc_discard(void *ctx, const char *why)
{
	table_commit *x = ctx;
	icp_table_discard(x->p, x->t, why);
}

static void tc_count(void *ctx, int outcome)
{
	table_commit *x = ctx;
	icp_metrics_counter_inc(x->t->m_commits[outcome]);
	if (outcome == ICP_COMMIT_OK)
		x->p->catalog_ok_ns = icp_mono_ns();
}

static int tc_past_deadline(void *ctx)
{
	table_commit *x = ctx;
	return icp_processor_past_deadline(x->p);
}

static const icp_commit_ops table_commit_ops = {tc_adopt, tc_landed, tc_discard, tc_count,
                                                tc_past_deadline, NULL};

static int commit_one(icp_processor *p, icp_table *t, icp_error *err);

int icp_table_commit(icp_processor *p, icp_table *t, icp_error *err)
{
	/* The dead-letter table commits first, with the same offsets: a crash
	 * between the two commits leaves the data table behind, and the
	 * records read again skip the dead-letter table (its offsets are
	 * ahead) while their valid ones land in the data table once. The
	 * other order would lose the invalid records of the gap. A failed
	 * dead-letter commit leaves the data table's commit for the next
	 * flush. (docs/internals/commit-protocol.md) */
	if (t->dlq && icp_sink_busy(&t->dlq->sink)) {
		int rc = commit_one(p, t->dlq, err);
		if (rc != ICP_OK) {
			icp_error_prefix(err, "dead-letter table %s (committed before %s)",
			                 t->dlq->map->table, t->map->table);
			return rc;
		}
	}
	return commit_one(p, t, err);
}

static int commit_one(icp_processor *p, icp_table *t, icp_error *err)
{
	table_commit x = {p, t};
	icp_commit_input in;
	icp_offsets advance = {0};
	icp_commit *c = NULL;
	size_t i, n_files;
	int rc;

	/* rows kept for sorting, into files: with a fresh target (the store
	 * may have been swapped, metadata adopted, since the last append) */
	rc = icp_rows_kept_spec(t) >= 0 ? icp_table_file_ready(p, t, err) : ICP_OK;
	if (rc == ICP_OK)
		rc = icp_rows_flush(t, err);
	if (rc == ICP_OK)
		rc = icp_sink_close(&t->sink, err);
	if (rc != ICP_OK) {
		/* The open file's records are gone with it: rewind so they are
		 * read again rather than skipped. */
		icp_table_discard(p, t, "closing the data file failed");
		return rc;
	}
	icp_sink_files(&t->sink, &n_files);
	if (n_files == 0)
		return rc;
	for (i = 0; i < p->n_parts; i++) {
		const icp_part *pt = p->parts[i];
		/* a dead-letter table records its data table's partitions'
		 * read positions, past whatever it holds already */
		int64_t have = t->dlq_of ? icp_offsets_get(&t->committed, pt->tp) : pt->committed_next;
		if (pt->table == (t->dlq_of ? t->dlq_of : t) && pt->next > have &&
		    icp_offsets_set(&advance, pt->tp, pt->next) != ICP_OK) {
			icp_offsets_dispose(&advance);
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		}
	}
	memset(&in, 0, sizeof(in));
	in.catalog = p->catalog;
	in.ns = t->ns;
	in.name = t->name;
	in.label = t->map->table;
	in.store = icp_table_store(p, t);
	in.warehouse = p->warehouse;
	in.meta_prefix = t->meta_prefix;
	in.schema = t->schema;
	in.base = t->meta;
	in.base_offsets = &t->committed;
	in.files = icp_sink_files(&t->sink, &in.n_files);
	in.spec = t->spec;
	in.spec_id = icp_sink_spec_id(&t->sink);
	in.advance = &advance;
	in.writer = p->cfg->processor.worker_id;
	in.in_doubt = icp_sink_in_doubt(&t->sink);
	in.ops = &table_commit_ops;
	in.ctx = &x;
	rc = icp_commit_new(&in, &c, err);
	if (rc == ICP_OK) {
		rc = icp_commit_run(c, err);
		/* An attempt may have landed unseen: until a commit of these
		 * files succeeds or a reload shows the table, nothing of them is
		 * deleted (icp_table_discard keeps them too). The next commit's
		 * stale parent makes a landed attempt show up as a conflict with
		 * moved offsets, which rewinds without loss or duplicates. */
		if (icp_commit_state_of(c) == ICP_COMMIT_S_FAILED)
			icp_sink_set_in_doubt(&t->sink, icp_commit_in_doubt(c));
	}
	/* Files whose tuples are of a spec that is no longer the default can
	 * never be committed: read their records again with the new one. */
	if (rc != ICP_OK && icp_sink_spec_id(&t->sink) >= 0 &&
	    icp_sink_spec_id(&t->sink) != t->spec_id)
		icp_table_discard(p, t, "the table's default partition spec changed");
	icp_commit_free(c);
	icp_offsets_dispose(&advance);
	return rc;
}

int icp_table_refresh(icp_processor *p, icp_table *t, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	size_t i;
	int rc;

	if (icp_table_busy(t)) {
		rc = icp_table_commit(p, t, err);
		if (rc != ICP_OK)
			return rc;
	}
	rc = icp_catalog_load_table(p->catalog, t->ns, t->name, &m, err);
	if (rc != ICP_OK)
		return rc;
	rc = icp_table_adopt(p, t, m, err);
	if (rc != ICP_OK) {
		icp_ice_metadata_free(m);
		return rc;
	}
	if (t->dlq) {
		/* its offsets decide which invalid records are there already */
		m = NULL;
		rc = icp_catalog_load_table(p->catalog, t->dlq->ns, t->dlq->name, &m, err);
		if (rc == ICP_OK && (rc = icp_table_adopt(p, t->dlq, m, err)) != ICP_OK)
			icp_ice_metadata_free(m);
		if (rc != ICP_OK)
			return rc;
	}
	for (i = 0; i < p->n_parts; i++) {
		icp_part *pt = p->parts[i];
		if (pt->table != t)
			continue;
		icp_part_reset(pt, committed_next(t, pt));
	}
	return ICP_OK;
}
