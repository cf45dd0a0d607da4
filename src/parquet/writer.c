/*
 * File layout and lifecycle:
 *
 *   "PAR1"
 *   row group 0: per leaf, [dictionary page] data pages ...
 *   row group 1 ...
 *   column indexes (every chunk), offset indexes (every chunk)
 *   FileMetaData (Thrift compact), its length (u32 LE), "PAR1"
 *
 * The writer never seeks: it counts the bytes it hands to the sink, which
 * gives every offset the footer needs. A row group's pages stay in the
 * columns' chunk buffers until icp_parquet_writer_end_rows() sees the
 * row group reach its target size (or close() ends the file); then each
 * chunk is written and forgotten, keeping only its footer metadata.
 */
#include "parquet/parquet_int.h"

#include <errno.h>

/* ------------------------------------------------------------------- sinks */

static int buf_sink_write(void *ctx, const uint8_t *p, size_t n, icp_error *err)
{
	icp_buf *b = ctx;
	if (icp_buf_append(b, p, n) != ICP_OK)
		return icp_error_set(err, b->status, "parquet: memory sink: cannot append %zu bytes",
		                     n);
	return ICP_OK;
}

static const icp_parquet_sink_vtable buf_sink_vt = {buf_sink_write};

void icp_parquet_buf_sink(icp_buf *b, icp_parquet_sink *out)
{
	out->vt = &buf_sink_vt;
	out->ctx = b;
}

static int file_sink_write(void *ctx, const uint8_t *p, size_t n, icp_error *err)
{
	icp_parquet_file_sink *fs = ctx;
	if (n && fwrite(p, 1, n, fs->f) != n)
		return icp_error_set(err, ICP_ERR_IO, "parquet: write %s: %s", fs->path,
		                     strerror(errno));
	return ICP_OK;
}

static const icp_parquet_sink_vtable file_sink_vt = {file_sink_write};

int icp_parquet_file_sink_init(icp_parquet_file_sink *fs, const char *path,
                               icp_parquet_sink *out, icp_error *err)
{
	memset(fs, 0, sizeof(*fs));
	snprintf(fs->path, sizeof(fs->path), "%s", path);
	fs->f = fopen(path, "wb");
	if (!fs->f)
		return icp_error_set(err, ICP_ERR_IO, "parquet: open %s: %s", path, strerror(errno));
	/* Row group chunks arrive as large writes: a big stdio buffer spares
	 * syscalls for the small headers between them. */
	setvbuf(fs->f, NULL, _IOFBF, 1 << 20);
	out->vt = &file_sink_vt;
	out->ctx = fs;
	return ICP_OK;
}

int icp_parquet_file_sink_dispose(icp_parquet_file_sink *fs, icp_error *err)
{
	int rc = ICP_OK;
	if (!fs->f)
		return ICP_OK;
	if (fclose(fs->f) != 0)
		rc = icp_error_set(err, ICP_ERR_IO, "parquet: close %s: %s", fs->path,
		                   strerror(errno));
	fs->f = NULL;
	return rc;
}

int pq_sink_write(struct icp_parquet_writer *w, const void *p, size_t n, icp_error *err)
{
	int rc = w->sink.vt->write(w->sink.ctx, p, n, err);
	if (rc != ICP_OK)
		return rc;
	w->offset += n;
	return ICP_OK;
}

/* ----------------------------------------------------------------- options */

void icp_parquet_options_init(icp_parquet_options *o)
{
	memset(o, 0, sizeof(*o));
	o->codec = ICP_CODEC_ZSTD;
	o->page_size = 1 << 20;
	o->page_row_limit = 20000;
	o->row_group_size = (size_t)128 << 20;
	o->dict_page_limit = 1 << 20;
	o->dictionary = 1;
	o->page_version = 1;
	o->page_index = 1;
	o->page_stats = 1;
	o->stats_max_len = 4096;
	o->iceberg_truncate = 16;
}

/* ------------------------------------------------------------------ writer */

void icp_parquet_writer_free(icp_parquet_writer *w)
{
	size_t i;
	if (!w)
		return;
	/* Jobs still in flight (after an error) own parts of their column. */
	for (i = 0; w->cols && i < w->n_cols; i++)
		pq_col_quiesce(&w->cols[i]);
	for (i = 0; w->cols && i < w->n_cols; i++)
		pq_col_dispose(&w->cols[i]);
	for (i = 0; w->scr && i < w->n_scr; i++) {
		icp_codec_ctx_free(w->scr[i].codec);
		icp_buf_dispose(&w->scr[i].page);
		icp_buf_dispose(&w->scr[i].comp);
		icp_buf_dispose(&w->scr[i].hdr);
	}
	icp_free(w->scr);
	icp_free(w->cols);
	for (i = 0; i < w->n_rgs; i++)
		icp_free(w->rgs[i].chunks);
	icp_free(w->rgs);
	for (i = 0; i < 2 * w->n_kv; i++)
		icp_free(w->kv[i]);
	icp_free(w->kv);
	icp_arena_free(w->arena);
	icp_buf_dispose(&w->hdr);
	icp_buf_dispose(&w->colidx);
	icp_buf_dispose(&w->offidx);
	icp_free(w->created_by);
	pq_schema_dispose(&w->schema);
	icp_free(w);
}

int icp_parquet_writer_new(const icp_parquet_field *fields, size_t n_fields,
                           const icp_parquet_options *opts, icp_parquet_sink sink,
                           icp_parquet_writer **out, icp_error *err)
{
	icp_parquet_writer *w;
	size_t i, k;
	int rc;

	*out = NULL;
	if (!sink.vt || !sink.vt->write)
		return icp_error_set(err, ICP_ERR_INVALID, "parquet: sink has no write function");
	w = icp_calloc(1, sizeof(*w));
	if (!w)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	if (opts)
		w->opt = *opts;
	else
		icp_parquet_options_init(&w->opt);
	w->sink = sink;
	icp_buf_init(&w->hdr, ICP_BUF_UNLIMITED);
	icp_buf_init(&w->colidx, ICP_BUF_UNLIMITED);
	icp_buf_init(&w->offidx, ICP_BUF_UNLIMITED);
	if ((rc = pq_schema_build(&w->schema, fields, n_fields, err)) != ICP_OK)
		goto fail;
	if ((unsigned)w->opt.codec >= ICP_CODEC__COUNT || w->opt.page_size == 0 ||
	    w->opt.page_row_limit == 0 || w->opt.row_group_size == 0 ||
	    (w->opt.page_version != 1 && w->opt.page_version != 2) ||
	    w->opt.page_size > (1u << 30)) {
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "parquet: bad options (codec %d, page %zu, rows/page %zu, "
		                   "row group %zu, page version %d)", (int)w->opt.codec,
		                   w->opt.page_size, w->opt.page_row_limit, w->opt.row_group_size,
		                   w->opt.page_version);
		goto fail;
	}
	{
		char tmp[256];
		if (w->opt.created_by)
			snprintf(tmp, sizeof(tmp), "%s", w->opt.created_by);
		else
			snprintf(tmp, sizeof(tmp), "iceberg-processor version %s (build %s)",
			         ICP_VERSION, ICP_GIT);
		w->created_by = icp_strdup(tmp);
		w->opt.created_by = NULL;
	}
	w->pool = w->opt.pool;
	w->arena = icp_arena_new(0);
	w->n_scr = icp_pool_workers(w->pool);
	w->scr = icp_calloc(w->n_scr, sizeof(pq_scratch));
	if (!w->created_by || !w->arena || !w->scr) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		goto fail;
	}
	for (i = 0; i < w->n_scr; i++) {
		icp_buf_init(&w->scr[i].page, ICP_BUF_UNLIMITED);
		icp_buf_init(&w->scr[i].comp, ICP_BUF_UNLIMITED);
		icp_buf_init(&w->scr[i].hdr, ICP_BUF_UNLIMITED);
		if (!(w->scr[i].codec = icp_codec_ctx_new())) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
			goto fail;
		}
	}
	w->n_cols = w->schema.n_leaves;
	w->cols = icp_calloc(w->n_cols ? w->n_cols : 1, sizeof(pq_col));
	if (!w->cols) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		goto fail;
	}
	for (i = 0; i < w->n_cols; i++) {
		const pq_node *nd = &w->schema.nodes[w->schema.leaf_node[i]];
		if (!pq_codec_supported(nd->codec >= 0 ? nd->codec : (int)w->opt.codec)) {
			rc = icp_error_set(err, ICP_ERR_INVALID,
			                   "parquet: field %d: codec %s has no Parquet equivalent",
			                   nd->field_id,
			                   icp_codec_name(nd->codec >= 0 ? (icp_codec_id)nd->codec
			                                                 : w->opt.codec));
			goto fail;
		}
		if (pq_col_init(&w->cols[i], &w->schema, w->schema.leaf_node[i], &w->opt) != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "parquet: field %d nests too deeply",
			                   w->schema.nodes[w->schema.leaf_node[i]].field_id);
			w->n_cols = i + 1;
			goto fail;
		}
		w->cols[i].w = w;
		for (k = 0; k < PQ_IN_FLIGHT; k++)
			icp_pool_group_init(&w->cols[i].sp[k].grp, w->pool);
		icp_pool_group_init(&w->cols[i].dgrp, w->pool);
	}
	*out = w;
	return ICP_OK;
fail:
	icp_parquet_writer_free(w);
	return rc;
}

size_t icp_parquet_writer_leaf_count(const icp_parquet_writer *w)
{
	return w->n_cols;
}

int icp_parquet_writer_leaf(const icp_parquet_writer *w, int field_id)
{
	size_t i;
	for (i = 0; i < w->n_cols; i++)
		if (w->cols[i].field_id == field_id)
			return (int)i;
	return -1;
}

void icp_parquet_writer_leaf_levels(const icp_parquet_writer *w, size_t leaf, int *max_def,
                                    int *max_rep)
{
	*max_def = w->cols[leaf].max_def;
	*max_rep = w->cols[leaf].max_rep;
}

uint64_t icp_parquet_writer_rows(const icp_parquet_writer *w)
{
	return w->rows;
}

uint64_t icp_parquet_writer_offset(const icp_parquet_writer *w)
{
	return w->offset;
}

size_t icp_parquet_writer_buffered(const icp_parquet_writer *w)
{
	size_t i, n = 0;
	for (i = 0; i < w->n_cols; i++)
		n += pq_col_buffered(&w->cols[i]);
	return n;
}

int icp_parquet_writer_write(icp_parquet_writer *w, size_t leaf, const icp_parquet_batch *b,
                             icp_error *err)
{
	int rc;
	if (w->failed || w->closed)
		return icp_error_set(err, ICP_ERR_INVALID, "parquet: writer is %s",
		                     w->closed ? "closed" : "in a failed state");
	if (leaf >= w->n_cols)
		return icp_error_set(err, ICP_ERR_INVALID, "parquet: no leaf %zu (%zu leaves)", leaf,
		                     w->n_cols);
	rc = pq_col_write(w, &w->cols[leaf], b, err);
	if (rc != ICP_OK)
		w->failed = 1;
	return rc;
}

int icp_parquet_writer_add_kv(icp_parquet_writer *w, const char *key, const char *value,
                              icp_error *err)
{
	if (w->n_kv == w->kv_cap) {
		size_t cap = w->kv_cap ? w->kv_cap * 2 : 8;
		char **p = icp_realloc(w->kv, 2 * cap * sizeof(char *));
		if (!p)
			return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		w->kv = p;
		w->kv_cap = cap;
	}
	w->kv[2 * w->n_kv] = icp_strdup(key);
	w->kv[2 * w->n_kv + 1] = value ? icp_strdup(value) : NULL;
	if (!w->kv[2 * w->n_kv] || (value && !w->kv[2 * w->n_kv + 1])) {
		icp_free(w->kv[2 * w->n_kv]);
		icp_free(w->kv[2 * w->n_kv + 1]);
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	}
	w->n_kv++;
	return ICP_OK;
}

/* --------------------------------------------------------- row group flush */

/* ColumnIndex: 1 null_pages, 2 min_values, 3 max_values, 4 boundary_order,
 * 5 null_counts. OffsetIndex: 1 page_locations {1 offset, 2 size,
 * 3 first_row_index}. */
static void write_page_indexes(icp_parquet_writer *w, pq_col *c, int64_t data_off,
                               pq_chunk_meta *m)
{
	pq_thrift t;
	size_t i, at;
	int asc = 1, desc = 1, prev = -1;
	const uint8_t *cv = c->ci_vals.data;

	for (i = 0; i < c->n_pages; i++) {
		const pq_page_loc *p = &c->pages[i];
		if (p->null_page)
			continue;
		if (prev >= 0) {
			const pq_page_loc *q = &c->pages[prev];
			const uint8_t *v = c->ci_vals.data;
			int cmin = pq_compare(c->order, v + p->min_off, p->min_len, v + q->min_off,
			                      q->min_len);
			int cmax = pq_compare(c->order, v + p->max_off, p->max_len, v + q->max_off,
			                      q->max_len);
			if (cmin < 0 || cmax < 0)
				asc = 0;
			if (cmin > 0 || cmax > 0)
				desc = 0;
		}
		prev = (int)i;
	}
	at = w->colidx.len;
	if (!cv)
		cv = (const uint8_t *)""; /* every page is a null page */
	pq_tw_init(&t, &w->colidx);
	pq_tw_list_begin(&t, 1, TC_TRUE, c->n_pages);
	for (i = 0; i < c->n_pages; i++)
		pq_tw_elem_bool(&t, c->pages[i].null_page);
	pq_tw_list_begin(&t, 2, TC_BINARY, c->n_pages);
	for (i = 0; i < c->n_pages; i++)
		pq_tw_elem_binary(&t, cv + c->pages[i].min_off, c->pages[i].min_len);
	pq_tw_list_begin(&t, 3, TC_BINARY, c->n_pages);
	for (i = 0; i < c->n_pages; i++)
		pq_tw_elem_binary(&t, cv + c->pages[i].max_off, c->pages[i].max_len);
	pq_tw_i32(&t, 4, asc ? 1 : desc ? 2 : 0);
	pq_tw_list_begin(&t, 5, TC_I64, c->n_pages);
	for (i = 0; i < c->n_pages; i++)
		pq_tw_elem_i64(&t, (int64_t)c->pages[i].nulls);
	pq_tw_end(&t);
	m->ci_off = (int64_t)at;
	m->ci_len = (int32_t)(w->colidx.len - at);

	at = w->offidx.len;
	pq_tw_init(&t, &w->offidx);
	pq_tw_list_begin(&t, 1, TC_STRUCT, c->n_pages);
	for (i = 0; i < c->n_pages; i++) {
		pq_tw_elem_struct_begin(&t);
		pq_tw_i64(&t, 1, data_off + (int64_t)c->pages[i].offset);
		pq_tw_i32(&t, 2, c->pages[i].size);
		pq_tw_i64(&t, 3, c->pages[i].first_row);
		pq_tw_struct_end(&t);
	}
	pq_tw_end(&t);
	m->oi_off = (int64_t)at;
	m->oi_len = (int32_t)(w->offidx.len - at);
}

static int write_magic_once(icp_parquet_writer *w, icp_error *err)
{
	if (w->offset > 0)
		return ICP_OK;
	return pq_sink_write(w, "PAR1", 4, err);
}

/* Writes one column chunk whose jobs are done: [dictionary page] data
 * pages, then records its footer metadata and page indexes. */
static int write_chunk(icp_parquet_writer *w, pq_col *c, pq_chunk_meta *m, icp_error *err)
{
	int64_t start = (int64_t)w->offset;
	int rc;

	memset(m, 0, sizeof(*m));
	m->dict_off = -1;
	if (c->dict_pages > 0) {
		m->dict_off = start;
		m->uncompressed += (int64_t)(c->dict_hdr_len + c->dict.len);
		if ((rc = pq_sink_write(w, c->dict_page.data, c->dict_page.len, err)) != ICP_OK)
			return rc;
	}
	m->data_off = (int64_t)w->offset;
	if ((rc = pq_sink_write(w, c->chunk.data, c->chunk.len, err)) != ICP_OK)
		return rc;
	m->compressed = (int64_t)w->offset - start;
	m->uncompressed += (int64_t)c->chunk_uncompressed;
	m->num_values = (int64_t)c->chunk_values;
	m->n_plain_pages = c->n_plain_pages;
	m->n_dict_pages = c->n_dict_pages;
	m->nulls = c->chunk_st.nulls;
	if (pq_stats_publishable(&c->chunk_st, w->opt.stats_max_len)) {
		uint8_t tmp[8];
		const uint8_t *p;
		size_t n;
		pq_stats_out(&c->chunk_st, c->order, 0, tmp, &p, &n);
		m->min = icp_arena_memdup(w->arena, p, n ? n : 1);
		m->min_len = n;
		pq_stats_out(&c->chunk_st, c->order, 1, tmp, &p, &n);
		m->max = icp_arena_memdup(w->arena, p, n ? n : 1);
		m->max_len = n;
		if (!m->min || !m->max)
			return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		m->has_stats = 1;
	}
	if (w->opt.page_index)
		write_page_indexes(w, c, m->data_off, m);
	pq_stats_merge(&c->file_st, &c->chunk_st, c->order);
	c->file_size += (uint64_t)m->compressed;
	c->file_values += c->chunk_values;
	pq_col_reset_chunk(c);
	if (w->colidx.status != ICP_OK || w->offidx.status != ICP_OK ||
	    c->file_st.min.status != ICP_OK || c->file_st.max.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	return ICP_OK;
}

/* Three passes: close every column's last page and queue its dictionary
 * page (the columns' jobs run concurrently), wait for all of them, then
 * write the chunks in leaf order. The error reported is the first failing
 * column's in leaf order, whatever the thread count. */
int pq_flush_row_group(icp_parquet_writer *w, icp_error *err)
{
	pq_rg_meta *rg;
	size_t i;
	int rc = ICP_OK;

	if (w->rg_rows == 0)
		return ICP_OK;
	for (i = 0; i < w->n_cols; i++) {
		pq_col *c = &w->cols[i];
		if ((rc = pq_col_flush_page(w, c, err)) != ICP_OK) {
			icp_error_prefix(err, "column %d", c->field_id);
			break;
		}
		if (c->dict_pages > 0)
			pq_col_submit_dict(c);
	}
	for (i = 0; i < w->n_cols; i++) {
		int crc = pq_col_settle(&w->cols[i], rc == ICP_OK ? err : NULL);
		if (crc != ICP_OK && rc == ICP_OK) {
			rc = crc;
			icp_error_prefix(err, "column %d", w->cols[i].field_id);
		}
	}
	if (rc != ICP_OK)
		return rc;
	if ((rc = write_magic_once(w, err)) != ICP_OK)
		return rc;
	if (w->n_rgs == w->rgs_cap) {
		size_t cap = w->rgs_cap ? w->rgs_cap * 2 : 8;
		pq_rg_meta *p = icp_realloc(w->rgs, cap * sizeof(*p));
		if (!p)
			return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		w->rgs = p;
		w->rgs_cap = cap;
	}
	rg = &w->rgs[w->n_rgs];
	memset(rg, 0, sizeof(*rg));
	rg->chunks = icp_calloc(w->n_cols, sizeof(pq_chunk_meta));
	if (!rg->chunks)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	w->n_rgs++;
	rg->num_rows = (int64_t)w->rg_rows;
	rg->file_offset = (int64_t)w->offset;
	for (i = 0; i < w->n_cols; i++) {
		if ((rc = write_chunk(w, &w->cols[i], &rg->chunks[i], err)) != ICP_OK) {
			icp_error_prefix(err, "column %d", w->cols[i].field_id);
			return rc;
		}
		rg->total_byte_size += rg->chunks[i].uncompressed;
		rg->total_compressed += rg->chunks[i].compressed;
	}
	w->rg_rows = 0;
	return ICP_OK;
}

int icp_parquet_writer_end_rows(icp_parquet_writer *w, icp_error *err)
{
	size_t i;
	uint64_t rows;
	int rc;

	if (w->failed || w->closed)
		return icp_error_set(err, ICP_ERR_INVALID, "parquet: writer is %s",
		                     w->closed ? "closed" : "in a failed state");
	if (w->n_cols == 0)
		return ICP_OK;
	rows = w->cols[0].rows;
	for (i = 1; i < w->n_cols; i++) {
		if (w->cols[i].rows != rows) {
			w->failed = 1;
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "parquet: columns disagree on row count: field %d has %llu "
			                     "rows, field %d has %llu", w->cols[0].field_id,
			                     (unsigned long long)rows, w->cols[i].field_id,
			                     (unsigned long long)w->cols[i].rows);
		}
	}
	w->rows += rows - w->rg_rows;
	w->rg_rows = rows;
	if (icp_parquet_writer_buffered(w) >= w->opt.row_group_size) {
		if ((rc = pq_flush_row_group(w, err)) != ICP_OK) {
			w->failed = 1;
			return rc;
		}
	}
	return ICP_OK;
}
