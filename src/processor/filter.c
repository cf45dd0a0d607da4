/*
 * The per-record stage between decoding and columns: LFS envelopes
 * (mapping lfs.mode), JSON Schema validation of record values against the
 * topic's registry schema (schema.mode lenient/strict), and the
 * invalid-record policy.
 *
 * Validation: the topic's document comes from the registry (cached,
 * refreshed on expiry, the last good one kept through outages) and is
 * compiled once per version. Null values (tombstones), values left as
 * LFS envelopes and resolved LFS blobs (opaque payloads, not the record's
 * JSON) are not validated. With no schema ever fetched the batch
 * cannot be decided: it waits (error, read again next poll) rather than
 * passing unvalidated records.
 *
 * LFS modes (compatibility.md): off passes values through; resolve
 * replaces an envelope by its blob (larger than max_inline_size when that
 * is > 0: invalid); reference keeps the envelope; skip drops envelope
 * records (records_total{result="skipped_lfs"}); hybrid resolves when the
 * envelope's size <= max_inline_size and keeps the envelope otherwise.
 * Blobs are fetched in parallel (resolve_concurrency threads, one store
 * connection per thread) and verified against the envelope's checksum when
 * validate_checksum.
 *
 * Invalid records (malformed envelope, missing blob, checksum or size
 * mismatch, over max_inline_size, a validation failure) are never written
 * to the table: the mapping's on_invalid decides (icp_rows_invalid in
 * rows.c): stop (schema.mode strict by default) stops the partition at
 * the record (nothing at or past it is committed); drop (the default
 * otherwise, also with schema.mode off, because an unverifiable blob must
 * not be written silently) drops, counts and logs it with topic,
 * partition and offset; dead_letter notes it for the dead-letter table.
 * A fetch that fails for another reason (store unreachable) fails the
 * batch: the partition is read again from the same offset next poll,
 * nothing is skipped.
 *
 * Memory: the record array, the blob buffers and the envelope arena are
 * the table's scratch, reused batch after batch (no per-record malloc);
 * a blob is bounded by processor.max_decompressed_bytes.
 */
#include "processor/proc_int.h"

#include "jsonschema/jsonschema.h"
#include "lfs/lfs.h"
#include "log/log.h"
#include "registry/registry.h"

#include <stdio.h>

#define MAX_STORES 8 /* buckets remembered per fetch thread */

typedef struct bucket_store {
	char *bucket;
	icp_storage *store;
} bucket_store;

typedef struct filter {
	icp_processor *p;
	int lfs_mode;
	icp_lfs_pool *pool;
	int threads;
	bucket_store (*stores)[MAX_STORES]; /* [max(threads,1)][MAX_STORES] */
	icp_record *recs;
	size_t cap;
	icp_lfs_envelope *envs;
	icp_lfs_job *jobs;
	size_t *job_rec;
	icp_buf *bufs;
	size_t cap_jobs;
	uint8_t *verdict; /* per record: 0 keep, 1 skip_lfs, 2 invalid */
	const char **why;
	const char **code;   /* per invalid record: the reason code (metric label) */
	icp_arena *arena;
	icp_metrics_counter *m_resolved, *m_bytes, *m_invalid, *m_skipped;
	icp_metrics_histogram *m_duration;
	icp_metrics_counter *m_err_schema, *m_err_lfs;
	const char *topic;
	/* validation (schema.mode lenient/strict) */
	int validate;
	icp_jsonschema *schema;
	uint64_t schema_gen;
	icp_arena *scratch;
	char (*why_buf)[160]; /* per record: validation failure text */
	/* lfs.store_metadata: per record the envelope's metadata as a JSON
	 * object for the lfs_* columns (offset/length into meta_buf, length 0:
	 * none), and the compacted slices handed to rows.c */
	int store_meta;
	icp_buf meta_buf;
	size_t *meta_off;
	uint32_t *meta_len;
	icp_slice *meta;
} filter;

enum { KEEP, SKIP_LFS, INVALID, RESOLVED /* kept: value is the LFS blob */ };

static int fetch(void *ctx, int worker, const icp_lfs_envelope *e, icp_buf *out, icp_error *err)
{
	filter *f = ctx;
	bucket_store *bs = f->stores[worker];
	int i, rc;

	for (i = 0; i < MAX_STORES && bs[i].bucket; i++)
		if (strcmp(bs[i].bucket, e->bucket) == 0)
			break;
	if (i == MAX_STORES) { /* forget the oldest */
		icp_storage_free(bs[0].store);
		icp_free(bs[0].bucket);
		memmove(bs, bs + 1, (MAX_STORES - 1) * sizeof(*bs));
		i = MAX_STORES - 1;
		bs[i].bucket = NULL;
		bs[i].store = NULL;
	}
	if (!bs[i].bucket) {
		rc = icp_processor_open_bucket(f->p, e->bucket, &bs[i].store, err);
		if (rc != ICP_OK)
			return rc;
		bs[i].bucket = icp_strdup(e->bucket);
		if (!bs[i].bucket) {
			icp_storage_free(bs[i].store);
			bs[i].store = NULL;
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		}
	}
	return icp_storage_get(bs[i].store, e->key, out, err);
}

void icp_filter_dispose(icp_table *t)
{
	filter *f = t->filter;
	size_t i;
	int w;
	if (!f)
		return;
	icp_lfs_pool_free(f->pool);
	for (w = 0; f->stores && w < (f->threads ? f->threads : 1); w++)
		for (i = 0; i < MAX_STORES; i++) {
			icp_storage_free(f->stores[w][i].store);
			icp_free(f->stores[w][i].bucket);
		}
	for (i = 0; i < f->cap_jobs; i++)
		icp_buf_dispose(&f->bufs[i]);
	icp_free(f->stores);
	icp_free(f->recs);
	icp_free(f->envs);
	icp_free(f->jobs);
	icp_free(f->job_rec);
	icp_free(f->bufs);
	icp_free(f->verdict);
	icp_free(f->why);
	icp_free(f->code);
	icp_free(f->why_buf);
	icp_free(f->meta_off);
	icp_free(f->meta_len);
	icp_free(f->meta);
	icp_buf_dispose(&f->meta_buf);
	icp_jsonschema_free(f->schema);
	icp_arena_free(f->scratch);
	icp_arena_free(f->arena);
	icp_free(f);
	t->filter = NULL;
}

int icp_filter_open(icp_processor *p, icp_table *t, icp_error *err)
{
	const icp_config_mapping *m = t->map;
	icp_metrics_family *rec = icp_metrics_std(ICP_METRIC_RECORDS_TOTAL);
	filter *f;
	int rc;

	if (m->lfs.mode == ICP_LFS_OFF && !m->lfs.store_metadata &&
	    p->cfg->schema.mode == ICP_SCHEMA_OFF)
		return ICP_OK; /* nothing to do per record: batches pass through */
	f = icp_calloc(1, sizeof(*f));
	if (!f)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	t->filter = f;
	f->p = p;
	f->topic = m->topic;
	f->lfs_mode = m->lfs.mode;
	f->threads = (int)m->lfs.resolve_concurrency;
	f->validate = p->cfg->schema.mode != ICP_SCHEMA_OFF;
	f->store_meta = m->lfs.store_metadata;
	icp_buf_init(&f->meta_buf, 0);
	f->arena = icp_arena_new(64 * 1024);
	f->scratch = icp_arena_new(64 * 1024);
	f->stores = icp_calloc((size_t)(f->threads ? f->threads : 1), sizeof(*f->stores));
	if (!f->arena || !f->scratch || !f->stores) {
		icp_filter_dispose(t);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = icp_lfs_pool_new(f->threads, fetch, f, &f->pool, err);
	if (rc != ICP_OK) {
		icp_filter_dispose(t);
		return rc;
	}
	f->m_resolved = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLVED_TOTAL),
	                                        ICP_METRICS_VALUES(f->topic), NULL);
	f->m_bytes = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_LFS_RESOLVED_BYTES_TOTAL),
	                                     ICP_METRICS_VALUES(f->topic), NULL);
	f->m_duration = icp_metrics_histogram_get(
		icp_metrics_std(ICP_METRIC_LFS_RESOLUTION_DURATION_SECONDS),
		ICP_METRICS_VALUES(f->topic), NULL);
	f->m_invalid = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(f->topic, "invalid"), NULL);
	f->m_skipped = icp_metrics_counter_get(rec, ICP_METRICS_VALUES(f->topic, "skipped_lfs"),
	                                       NULL);
	f->m_err_schema = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                          ICP_METRICS_VALUES("schema"), NULL);
	f->m_err_lfs = icp_metrics_counter_get(icp_metrics_std(ICP_METRIC_ERRORS_TOTAL),
	                                       ICP_METRICS_VALUES("lfs"), NULL);
	return ICP_OK;
}

static int grow(filter *f, size_t n)
{
	size_t i;
	if (n > f->cap) {
		icp_record *r = icp_realloc(f->recs, n * sizeof(*r));
		uint8_t *v;
		const char **w;
		if (!r)
			return ICP_ERR_NOMEM;
		f->recs = r;
		v = icp_realloc(f->verdict, n);
		if (!v)
			return ICP_ERR_NOMEM;
		f->verdict = v;
		w = icp_realloc(f->why, n * sizeof(*w));
		if (!w)
			return ICP_ERR_NOMEM;
		f->why = w;
		w = icp_realloc(f->code, n * sizeof(*w));
		if (!w)
			return ICP_ERR_NOMEM;
		f->code = w;
		if (f->store_meta) {
			size_t *mo = icp_realloc(f->meta_off, n * sizeof(*mo));
			uint32_t *ml;
			icp_slice *ms;
			if (!mo)
				return ICP_ERR_NOMEM;
			f->meta_off = mo;
			ml = icp_realloc(f->meta_len, n * sizeof(*ml));
			if (!ml)
				return ICP_ERR_NOMEM;
			f->meta_len = ml;
			ms = icp_realloc(f->meta, n * sizeof(*ms));
			if (!ms)
				return ICP_ERR_NOMEM;
			f->meta = ms;
		}
		if (f->validate) {
			char(*wb)[160] = icp_realloc(f->why_buf, n * sizeof(*wb));
			if (!wb)
				return ICP_ERR_NOMEM;
			f->why_buf = wb;
		}
		f->cap = n;
	}
	if (n > f->cap_jobs) {
		icp_lfs_envelope *e = icp_realloc(f->envs, n * sizeof(*e));
		icp_lfs_job *j;
		size_t *jr;
		icp_buf *b;
		if (!e)
			return ICP_ERR_NOMEM;
		f->envs = e;
		j = icp_realloc(f->jobs, n * sizeof(*j));
		if (!j)
			return ICP_ERR_NOMEM;
		f->jobs = j;
		jr = icp_realloc(f->job_rec, n * sizeof(*jr));
		if (!jr)
			return ICP_ERR_NOMEM;
		f->job_rec = jr;
		b = icp_realloc(f->bufs, n * sizeof(*b));
		if (!b)
			return ICP_ERR_NOMEM;
		f->bufs = b;
		for (i = f->cap_jobs; i < n; i++)
			icp_buf_init(&f->bufs[i], 0);
		f->cap_jobs = n;
	}
	return ICP_OK;
}

static void lfs_error_metric(filter *f, const char *reason)
{
	icp_metrics_counter_inc(icp_metrics_counter_get(
		icp_metrics_std(ICP_METRIC_LFS_RESOLUTION_ERRORS_TOTAL),
		ICP_METRICS_VALUES(f->topic, reason), NULL));
	icp_metrics_counter_inc(f->m_err_lfs);
}

static void json_member(icp_buf *b, const char *name, const char *v, int first)
{
	if (!first)
		icp_buf_append_byte(b, ',');
	icp_buf_append_json_str(b, (const uint8_t *)name, strlen(name));
	icp_buf_append_byte(b, ':');
	if (v)
		icp_buf_append_json_str(b, (const uint8_t *)v, strlen(v));
	else
		icp_buf_append_str(b, "null");
}

/* The lfs_* columns of record i as a JSON object (compatibility.md). */
static void note_meta(filter *f, size_t i, const icp_lfs_envelope *e)
{
	icp_buf *b = &f->meta_buf;
	size_t start = b->len;
	icp_buf_append_byte(b, '{');
	json_member(b, "lfs_content_type", e->content_type, 1);
	if (e->size >= 0) {
		icp_buf_printf(b, ",\"lfs_blob_size\":%lld", (long long)e->size);
	}
	json_member(b, "lfs_checksum", e->checksum, 0);
	json_member(b, "lfs_checksum_alg", e->checksum_alg, 0);
	json_member(b, "lfs_bucket", e->bucket, 0);
	json_member(b, "lfs_key", e->key, 0);
	icp_buf_append_byte(b, '}');
	if (b->status != ICP_OK)
		return; /* no metadata for this record rather than a failure */
	f->meta_off[i] = start;
	f->meta_len[i] = (uint32_t)(b->len - start);
}

/* Decides every record: keep (value maybe replaced), skip, or invalid. */
static int classify(filter *f, const icp_config_mapping *m, size_t n, size_t *n_jobs,
                    icp_error *err)
{
	size_t i, nj = 0;
	int64_t max_inline = m->lfs.max_inline_size;

	for (i = 0; i < n; i++) {
		icp_record *r = &f->recs[i];
		icp_lfs_envelope *e = &f->envs[nj];
		icp_error pe;
		/* off and reference keep the envelope as the value; both still
		 * fill the lfs_* columns when store_metadata asks for them */
		int as_is = f->lfs_mode == ICP_LFS_OFF || f->lfs_mode == ICP_LFS_REFERENCE;
		f->verdict[i] = KEEP;
		if (r->value_null || (as_is && !f->store_meta) || !icp_lfs_is_envelope(r->value))
			continue;
		if (f->lfs_mode == ICP_LFS_SKIP) {
			f->verdict[i] = SKIP_LFS;
			continue;
		}
		icp_error_init(&pe);
		if (icp_lfs_parse(r->value, f->arena, e, &pe) != ICP_OK) {
			if (pe.status == ICP_ERR_NOMEM)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			if (as_is)
				continue; /* kept as it is, without metadata */
			f->verdict[i] = INVALID;
			f->why[i] = "malformed LFS envelope";
			f->code[i] = "bad_envelope";
			lfs_error_metric(f, "bad_envelope");
			continue;
		}
		if (f->store_meta)
			note_meta(f, i, e);
		if (as_is)
			continue;
		if (f->lfs_mode == ICP_LFS_HYBRID && (e->size < 0 || e->size > max_inline))
			continue; /* large (or unknown size): keep the envelope */
		if (f->lfs_mode == ICP_LFS_RESOLVE && max_inline > 0 && e->size > max_inline) {
			f->verdict[i] = INVALID;
			f->why[i] = "LFS blob larger than max_inline_size";
			f->code[i] = "too_large";
			lfs_error_metric(f, "too_large");
			continue;
		}
		icp_buf_reset(&f->bufs[nj]);
		f->bufs[nj].max = (size_t)f->p->cfg->processor.max_decompressed_bytes;
		if (max_inline > 0 && (uint64_t)max_inline < f->bufs[nj].max)
			f->bufs[nj].max = (size_t)max_inline;
		f->jobs[nj].env = e;
		f->jobs[nj].out = &f->bufs[nj];
		f->job_rec[nj] = i;
		nj++;
	}
	*n_jobs = nj;
	return ICP_OK;
}

/* The table's validator for the current registry document. */
static int schema_ready(filter *f, icp_error *err)
{
	icp_slice doc;
	uint64_t gen;
	int stale, rc;
	icp_jsonschema *v = NULL;

	rc = icp_registry_get(f->p->registry, f->topic, &doc, &gen, &stale, err);
	if (rc != ICP_OK) {
		icp_metrics_counter_inc(f->m_err_schema);
		icp_error_prefix(err, "validation of topic %s (schema.mode %s) is not possible yet",
		                 f->topic, f->p->cfg->schema.mode == ICP_SCHEMA_STRICT ? "strict"
		                                                                       : "lenient");
		return rc == ICP_ERR_NOMEM ? rc : ICP_ERR_RETRYABLE;
	}
	if (f->schema && gen == f->schema_gen)
		return ICP_OK;
	rc = icp_jsonschema_compile((const char *)doc.ptr, doc.len, NULL, &v, err);
	if (rc != ICP_OK) {
		icp_metrics_counter_inc(f->m_err_schema);
		if (f->schema) { /* keep validating with the previous version */
			ICP_WARN("registry schema does not compile; keeping the previous one", "topic",
			         f->topic, "err", err->msg);
			icp_error_clear(err);
			f->schema_gen = gen;
			return ICP_OK;
		}
		icp_error_prefix(err, "registry schema of topic %s", f->topic);
		return rc == ICP_ERR_NOMEM ? rc : ICP_ERR_RETRYABLE;
	}
	icp_jsonschema_free(f->schema);
	f->schema = v;
	f->schema_gen = gen;
	ICP_INFO("registry schema loaded", "topic", f->topic);
	return ICP_OK;
}

static int validate_batch(filter *f, const icp_part *pt, size_t n, icp_error *err)
{
	icp_jsonschema_result res;
	size_t i;
	int rc = schema_ready(f, err);
	if (rc != ICP_OK)
		return rc;
	for (i = 0; i < n; i++) {
		const icp_record *r = &f->recs[i];
		if (f->verdict[i] != KEEP || r->value_null || r->offset < pt->next)
			continue;
		if (f->lfs_mode != ICP_LFS_OFF && icp_lfs_is_envelope(r->value))
			continue; /* an envelope kept as the value is not the record */
		icp_arena_reset(f->scratch);
		rc = icp_jsonschema_validate_text(f->schema, (const char *)r->value.ptr, r->value.len,
		                                  f->scratch, &res);
		if (rc == ICP_OK)
			continue;
		if (rc == ICP_ERR_NOMEM)
			return icp_error_set(err, rc, "out of memory validating offset %lld",
			                     (long long)r->offset);
		f->verdict[i] = INVALID;
		f->code[i] = "schema_violation";
		snprintf(f->why_buf[i], sizeof(f->why_buf[i]), "schema keyword %.24s: %.110s", res.keyword,
		         res.message);
		f->why[i] = f->why_buf[i];
	}
	return ICP_OK;
}

int icp_filter_batch(icp_processor *p, icp_part *pt, const icp_batch *b, icp_batch *out,
                     int64_t *stop_at, icp_error *err)
{
	icp_table *t = pt->table;
	filter *f = t->filter;
	size_t i, k, nj = 0;
	int rc;

	*out = *b;
	*stop_at = -1;
	t->lfs_meta = NULL;
	if (!f || b->n_records == 0)
		return ICP_OK;
	if (grow(f, b->n_records) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	memcpy(f->recs, b->records, b->n_records * sizeof(*f->recs));
	icp_arena_reset(f->arena);
	if (f->store_meta) {
		icp_buf_reset(&f->meta_buf);
		memset(f->meta_len, 0, b->n_records * sizeof(*f->meta_len));
	}
	rc = classify(f, t->map, b->n_records, &nj, err);
	if (rc != ICP_OK)
		return rc;
	icp_lfs_pool_run(f->pool, f->jobs, nj);
	for (k = 0; k < nj; k++) {
		icp_lfs_job *j = &f->jobs[k];
		icp_record *r = &f->recs[f->job_rec[k]];
		if (j->status == ICP_OK && t->map->lfs.validate_checksum)
			j->status = icp_lfs_verify(j->env, icp_slice_make(j->out->data, j->out->len),
			                           &j->err);
		icp_metrics_histogram_observe(f->m_duration, j->seconds);
		if (j->status == ICP_OK) {
			r->value = icp_slice_make(j->out->data, j->out->len);
			f->verdict[f->job_rec[k]] = RESOLVED;
			icp_metrics_counter_inc(f->m_resolved);
			icp_metrics_counter_add(f->m_bytes, j->out->len);
			continue;
		}
		lfs_error_metric(f, icp_lfs_reason(j->status));
		if (j->status == ICP_ERR_CORRUPT || j->status == ICP_ERR_NOT_FOUND ||
		    j->status == ICP_ERR_TOO_LARGE) {
			f->verdict[f->job_rec[k]] = INVALID;
			f->code[f->job_rec[k]] = icp_lfs_reason(j->status);
			f->why[f->job_rec[k]] = j->status == ICP_ERR_CORRUPT ? "LFS blob checksum or size mismatch"
			                        : j->status == ICP_ERR_NOT_FOUND ? "LFS blob not found"
			                        : "LFS blob too large";
			continue;
		}
		/* the store did not answer: retry the batch later */
		return icp_error_set(err, j->status, "offset %lld: %s", (long long)r->offset,
		                     j->err.msg);
	}
	if (f->validate) {
		rc = validate_batch(f, pt, b->n_records, err);
		if (rc != ICP_OK)
			return rc;
	}
	/* compact in place: keep order, drop skipped/invalid */
	for (i = 0, k = 0; i < b->n_records; i++) {
		icp_record *r = &f->recs[i];
		if (f->verdict[i] == KEEP || f->verdict[i] == RESOLVED) {
			if (f->store_meta)
				f->meta[k] = f->meta_len[i]
				                     ? icp_slice_make(f->meta_buf.data + f->meta_off[i],
				                                      f->meta_len[i])
				                     : icp_slice_make(NULL, 0);
			f->recs[k++] = *r;
			continue;
		}
		if (r->offset < pt->next)
			continue; /* already handled when first read */
		if (f->verdict[i] == SKIP_LFS) {
			icp_metrics_counter_inc(f->m_skipped);
			continue;
		}
		{
			icp_invalid iv;
			icp_rows_out ro;
			memset(&ro, 0, sizeof(ro));
			ro.stop_at = -1;
			iv.stage = f->code[i] && strcmp(f->code[i], "schema_violation") == 0 ? "validate"
			                                                                      : "lfs";
			iv.reason = f->code[i] ? f->code[i] : "invalid";
			iv.message = f->why[i];
			iv.path = NULL;
			iv.schema_id = -1;
			rc = icp_rows_invalid(t, pt, &b->records[i], t->map->on_invalid, &iv, &ro);
			if (rc < 0)
				return icp_error_set(err, rc, "out of memory");
			if (rc == 0) {
				*stop_at = r->offset;
				break;
			}
			if (ro.invalid)
				icp_metrics_counter_inc(f->m_invalid);
			/* (dead-lettered: counted when written, segread.c) */
		}
	}
	out->records = f->recs;
	out->n_records = k;
	t->lfs_meta = f->store_meta ? f->meta : NULL;
	return ICP_OK;
}
