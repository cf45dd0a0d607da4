/*
 * Closing a file: last row group, page indexes, FileMetaData, and the
 * Iceberg metrics the caller records in its manifest.
 *
 * FileMetaData fields written: 1 version (2), 2 schema, 3 num_rows,
 * 4 row_groups, 5 key_value_metadata, 6 created_by, 7 column_orders
 * (TYPE_ORDER for every leaf, which is what tells readers that
 * min_value/max_value follow the logical type's sort order).
 */
#include "parquet/parquet_int.h"

static int parquet_codec(int codec)
{
	switch (codec) {
	case ICP_CODEC_NONE: return 0;
	case ICP_CODEC_SNAPPY: return 1;
	case ICP_CODEC_GZIP: return 2;
	case ICP_CODEC_ZSTD: return 6;
	case ICP_CODEC_LZ4_RAW: return 7;
	default: return -1;
	}
}

int pq_codec_supported(int codec)
{
	return parquet_codec(codec) >= 0;
}

/* ColumnMetaData: 1 type, 2 encodings, 3 path_in_schema, 4 codec,
 * 5 num_values, 6 total_uncompressed_size, 7 total_compressed_size,
 * 9 data_page_offset, 11 dictionary_page_offset, 12 statistics,
 * 13 encoding_stats {1 page_type, 2 encoding, 3 count}. */
static void write_column_meta(pq_thrift *t, const pq_col *c, const pq_chunk_meta *m, int v2)
{
	int encs[4], n_enc = 0, i, n_stats = 0;
	/* v2 pages hold booleans RLE-encoded. */
	int plain_enc = c->phys == PQ_T_BOOLEAN && v2 ? PQ_ENC_RLE : PQ_ENC_PLAIN;
	size_t k;

	pq_tw_struct_begin(t, 3);
	pq_tw_i32(t, 1, c->phys);
	if (m->dict_off >= 0 || (m->n_plain_pages > 0 && plain_enc == PQ_ENC_PLAIN))
		encs[n_enc++] = PQ_ENC_PLAIN;
	encs[n_enc++] = PQ_ENC_RLE;
	if (m->n_dict_pages > 0)
		encs[n_enc++] = PQ_ENC_RLE_DICTIONARY;
	pq_tw_list_begin(t, 2, TC_I32, (size_t)n_enc);
	for (i = 0; i < n_enc; i++)
		pq_tw_elem_i32(t, encs[i]);
	pq_tw_list_begin(t, 3, TC_BINARY, c->path_len);
	for (k = 0; k < c->path_len; k++)
		pq_tw_elem_binary(t, c->path[k], strlen(c->path[k]));
	pq_tw_i32(t, 4, parquet_codec(c->codec));
	pq_tw_i64(t, 5, m->num_values);
	pq_tw_i64(t, 6, m->uncompressed);
	pq_tw_i64(t, 7, m->compressed);
	pq_tw_i64(t, 9, m->data_off);
	if (m->dict_off >= 0)
		pq_tw_i64(t, 11, m->dict_off);
	pq_tw_struct_begin(t, 12);
	pq_tw_i64(t, 3, (int64_t)m->nulls);
	if (m->has_stats) {
		pq_tw_binary(t, 5, m->max, m->max_len);
		pq_tw_binary(t, 6, m->min, m->min_len);
	}
	pq_tw_struct_end(t);
	n_stats = (m->dict_off >= 0) + (m->n_dict_pages > 0) + (m->n_plain_pages > 0);
	pq_tw_list_begin(t, 13, TC_STRUCT, (size_t)n_stats);
	if (m->dict_off >= 0) {
		pq_tw_elem_struct_begin(t);
		pq_tw_i32(t, 1, PQ_PAGE_DICTIONARY);
		pq_tw_i32(t, 2, PQ_ENC_PLAIN);
		pq_tw_i32(t, 3, 1);
		pq_tw_struct_end(t);
	}
	if (m->n_dict_pages > 0) {
		pq_tw_elem_struct_begin(t);
		pq_tw_i32(t, 1, PQ_PAGE_DATA);
		pq_tw_i32(t, 2, PQ_ENC_RLE_DICTIONARY);
		pq_tw_i32(t, 3, m->n_dict_pages);
		pq_tw_struct_end(t);
	}
	if (m->n_plain_pages > 0) {
		pq_tw_elem_struct_begin(t);
		pq_tw_i32(t, 1, PQ_PAGE_DATA);
		pq_tw_i32(t, 2, plain_enc);
		pq_tw_i32(t, 3, m->n_plain_pages);
		pq_tw_struct_end(t);
	}
	pq_tw_struct_end(t);
}

static void write_footer(icp_parquet_writer *w, pq_thrift *t, int64_t ci_base, int64_t oi_base)
{
	size_t r, i;

	pq_tw_i32(t, 1, 2);
	pq_schema_write(&w->schema, t);
	pq_tw_i64(t, 3, (int64_t)w->rows);
	pq_tw_list_begin(t, 4, TC_STRUCT, w->n_rgs);
	for (r = 0; r < w->n_rgs; r++) {
		const pq_rg_meta *rg = &w->rgs[r];
		pq_tw_elem_struct_begin(t);
		pq_tw_list_begin(t, 1, TC_STRUCT, w->n_cols);
		for (i = 0; i < w->n_cols; i++) {
			const pq_chunk_meta *m = &rg->chunks[i];
			pq_tw_elem_struct_begin(t);
			pq_tw_i64(t, 2, m->dict_off >= 0 ? m->dict_off : m->data_off);
			write_column_meta(t, &w->cols[i], m, w->opt.page_version == 2);
			if (w->opt.page_index) {
				pq_tw_i64(t, 4, oi_base + m->oi_off);
				pq_tw_i32(t, 5, m->oi_len);
				pq_tw_i64(t, 6, ci_base + m->ci_off);
				pq_tw_i32(t, 7, m->ci_len);
			}
			pq_tw_struct_end(t);
		}
		pq_tw_i64(t, 2, rg->total_byte_size);
		pq_tw_i64(t, 3, rg->num_rows);
		pq_tw_i64(t, 5, rg->file_offset);
		pq_tw_i64(t, 6, rg->total_compressed);
		pq_tw_struct_end(t);
	}
	if (w->n_kv > 0) {
		pq_tw_list_begin(t, 5, TC_STRUCT, w->n_kv);
		for (i = 0; i < w->n_kv; i++) {
			pq_tw_elem_struct_begin(t);
			pq_tw_string(t, 1, w->kv[2 * i]);
			if (w->kv[2 * i + 1])
				pq_tw_string(t, 2, w->kv[2 * i + 1]);
			pq_tw_struct_end(t);
		}
	}
	pq_tw_string(t, 6, w->created_by);
	pq_tw_list_begin(t, 7, TC_STRUCT, w->n_cols);
	for (i = 0; i < w->n_cols; i++) {
		pq_tw_elem_struct_begin(t);   /* ColumnOrder union */
		pq_tw_struct_begin(t, 1);     /* TYPE_ORDER: empty struct */
		pq_tw_struct_end(t);
		pq_tw_struct_end(t);
	}
	pq_tw_end(t);
}

static int fill_metrics(icp_parquet_writer *w, icp_parquet_file_metrics *m, icp_error *err)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->record_count = w->rows;
	m->file_size = w->offset;
	m->n_fields = w->n_cols;
	m->fields = icp_calloc(w->n_cols ? w->n_cols : 1, sizeof(*m->fields));
	m->split_offsets = icp_calloc(w->n_rgs ? w->n_rgs : 1, sizeof(uint64_t));
	if (!m->fields || !m->split_offsets)
		goto nomem;
	m->n_splits = w->n_rgs;
	for (i = 0; i < w->n_rgs; i++)
		m->split_offsets[i] = (uint64_t)w->rgs[i].file_offset;
	for (i = 0; i < w->n_cols; i++) {
		const pq_col *c = &w->cols[i];
		icp_parquet_field_metrics *f = &m->fields[i];
		f->field_id = c->field_id;
		f->column_size = c->file_size;
		f->value_count = c->file_values;
		f->null_count = c->file_st.nulls;
		if (c->phys == PQ_T_FLOAT || c->phys == PQ_T_DOUBLE) {
			f->has_nan_count = 1;
			f->nan_count = c->file_st.nans;
		}
		if (!c->in_repeated &&
		    pq_iceberg_bounds(c, w->opt.iceberg_truncate, f, &w->schema.nodes[c->node]) != ICP_OK)
			goto nomem;
	}
	return ICP_OK;
nomem:
	icp_parquet_file_metrics_dispose(m);
	return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory (metrics)");
}

void icp_parquet_file_metrics_dispose(icp_parquet_file_metrics *m)
{
	size_t i;
	if (!m)
		return;
	for (i = 0; m->fields && i < m->n_fields; i++) {
		icp_free(m->fields[i].lower);
		icp_free(m->fields[i].upper);
	}
	icp_free(m->fields);
	icp_free(m->split_offsets);
	memset(m, 0, sizeof(*m));
}

int icp_parquet_writer_close(icp_parquet_writer *w, icp_parquet_file_metrics *m,
                             icp_error *err)
{
	pq_thrift t;
	int64_t ci_base = 0, oi_base = 0;
	size_t i;
	uint8_t tail[8];
	int rc;

	if (m)
		memset(m, 0, sizeof(*m));
	if (w->failed || w->closed)
		return icp_error_set(err, ICP_ERR_INVALID, "parquet: writer is %s",
		                     w->closed ? "closed" : "in a failed state");
	w->failed = 1; /* until proven otherwise */
	for (i = 0; i < w->n_cols; i++)
		if (w->cols[i].rows != w->rg_rows)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "parquet: field %d has rows not ended with "
			                     "icp_parquet_writer_end_rows()", w->cols[i].field_id);
	if (w->offset == 0 && (rc = pq_sink_write(w, "PAR1", 4, err)) != ICP_OK)
		return rc;
	if ((rc = pq_flush_row_group(w, err)) != ICP_OK)
		return rc;
	if (w->opt.page_index) {
		ci_base = (int64_t)w->offset;
		if ((rc = pq_sink_write(w, w->colidx.data, w->colidx.len, err)) != ICP_OK)
			return rc;
		oi_base = (int64_t)w->offset;
		if ((rc = pq_sink_write(w, w->offidx.data, w->offidx.len, err)) != ICP_OK)
			return rc;
	}
	icp_buf_reset(&w->hdr);
	pq_tw_init(&t, &w->hdr);
	write_footer(w, &t, ci_base, oi_base);
	if (w->hdr.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory (footer)");
	if (w->hdr.len > 0x7fffffff)
		return icp_error_set(err, ICP_ERR_TOO_LARGE, "parquet: footer of %zu bytes",
		                     w->hdr.len);
	tail[0] = (uint8_t)w->hdr.len;
	tail[1] = (uint8_t)(w->hdr.len >> 8);
	tail[2] = (uint8_t)(w->hdr.len >> 16);
	tail[3] = (uint8_t)(w->hdr.len >> 24);
	memcpy(tail + 4, "PAR1", 4);
	if ((rc = pq_sink_write(w, w->hdr.data, w->hdr.len, err)) != ICP_OK ||
	    (rc = pq_sink_write(w, tail, 8, err)) != ICP_OK)
		return rc;
	if (m && (rc = fill_metrics(w, m, err)) != ICP_OK)
		return rc;
	w->failed = 0;
	w->closed = 1;
	return ICP_OK;
}
