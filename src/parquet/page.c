/*
 * The job side of a column: what runs on a pool worker (or inline) once
 * pq_col_flush_page() has handed a closed page over, and how the caller
 * takes it back. A page job encodes the page body from the buffers it was
 * given, compresses it with its worker's codec context and leaves header +
 * body in the sealed page. The caller retires sealed pages oldest first:
 * waits for the job, appends the bytes to the chunk and records the page's
 * offset-index entry, column-index min/max and statistics. So pages of one
 * column compress concurrently (up to PQ_IN_FLIGHT) yet join the chunk in
 * order. The dictionary job compresses a chunk's dictionary page at a row
 * group flush.
 *
 * A job touches only its sealed page (or dict_page), its worker's scratch
 * and read-only column and writer settings.
 */
#include "parquet/parquet_int.h"

#define CI_TRUNCATE 64     /* column index binary min/max length */

/* Column index min/max: binary values are cut to CI_TRUNCATE bytes (the
 * max rounded up so it stays an upper bound; kept whole if it cannot be). */
static void ci_record(pq_col *c, const pq_stats *st, pq_page_loc *loc)
{
	uint8_t tmp[8];
	const uint8_t *p;
	size_t n;

	loc->null_page = !st->has;
	loc->nulls = st->nulls;
	loc->min_off = loc->max_off = c->ci_vals.len;
	loc->min_len = loc->max_len = 0;
	if (!st->has)
		return;
	pq_stats_out(st, c->order, 0, tmp, &p, &n);
	if (c->order == PQ_ORD_UBYTES && n > CI_TRUNCATE)
		n = CI_TRUNCATE;
	loc->min_off = c->ci_vals.len;
	loc->min_len = n;
	icp_buf_append(&c->ci_vals, p, n);
	pq_stats_out(st, c->order, 1, tmp, &p, &n);
	loc->max_off = c->ci_vals.len;
	if (c->order == PQ_ORD_UBYTES && n > CI_TRUNCATE) {
		size_t k = CI_TRUNCATE;
		while (k > 0 && p[k - 1] == 0xFF)
			k--;
		if (k > 0) {
			icp_buf_append(&c->ci_vals, p, k);
			c->ci_vals.data[c->ci_vals.len - 1]++;
			loc->max_len = k;
			return;
		}
	}
	icp_buf_append(&c->ci_vals, p, n);
	loc->max_len = n;
}

/* The job: encodes the sealed page's body from the buffers handed over
 * (levels, then dictionary indices or values), compresses it and writes
 * header + body into sp->out. */
static int compress_page_job(void *arg, unsigned worker, icp_error *err)
{
	pq_sealed *sp = arg;
	const pq_col *c = sp->col;
	const icp_parquet_options *o = &c->w->opt;
	pq_scratch *s = &c->w->scr[worker];
	icp_buf *pg = &s->page;
	icp_slice body;
	icp_slice raw;              /* the uncompressed page */
	size_t lev_bytes, rep_len = 0, def_len = 0;
	int v2 = o->page_version == 2, encoding, rc;
	pq_thrift t;

	icp_buf_reset(pg);
	if (c->max_rep > 0) {
		size_t at = pg->len;
		if (v2)
			pq_put_levels(pg, sp->rep, sp->lev_n, pq_bit_width((uint32_t)c->max_rep));
		else
			pq_put_levels_v1(pg, sp->rep, sp->lev_n, pq_bit_width((uint32_t)c->max_rep));
		rep_len = pg->len - at;
	}
	if (c->max_def > 0) {
		size_t at = pg->len;
		if (v2)
			pq_put_levels(pg, sp->def, sp->lev_n, pq_bit_width((uint32_t)c->max_def));
		else
			pq_put_levels_v1(pg, sp->def, sp->lev_n, pq_bit_width((uint32_t)c->max_def));
		def_len = pg->len - at;
	}
	lev_bytes = pg->len;
	encoding = PQ_ENC_PLAIN;
	if (sp->dict) {
		int width = pq_bit_width((uint32_t)(sp->dict_n ? sp->dict_n - 1 : 0));
		pq_put_indices(pg, sp->idx, sp->values, width ? width : 1);
		encoding = PQ_ENC_RLE_DICTIONARY;
	} else if (v2 && c->phys == PQ_T_BOOLEAN) {
		pq_put_bool_rle(pg, sp->plain.data, sp->bool_bits);
		encoding = PQ_ENC_RLE;
	} else if ((v2 || pg->len > c->plain_room) && sp->plain.len > c->plain_room) {
		/* (an all-null page has no values, and maybe no buffer) */
		icp_buf_append(pg, sp->plain.data + c->plain_room, sp->plain.len - c->plain_room);
	}
	raw = icp_slice_make(pg->data, pg->len);
	if (encoding == PQ_ENC_PLAIN && !v2 && lev_bytes <= c->plain_room && sp->plain.data) {
		/* v1 PLAIN: the levels go into the room in front of the values,
		 * which are compressed where they are (PQ_LEV_ROOM) */
		uint8_t *at = sp->plain.data + c->plain_room - lev_bytes;
		if (lev_bytes)
			memcpy(at, pg->data, lev_bytes);
		raw = icp_slice_make(at, sp->plain.len - c->plain_room + lev_bytes);
	}
	body = raw;
	if (pg->status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory (page)");
	if (raw.len > 0x7fffffff)
		return icp_error_set(err, ICP_ERR_TOO_LARGE,
		                     "parquet: column %d: page of %zu bytes", c->field_id, raw.len);

	if (c->codec != ICP_CODEC_NONE) {
		size_t from = v2 ? lev_bytes : 0;
		icp_buf_reset(&s->comp);
		icp_buf_append(&s->comp, raw.ptr, from);
		rc = icp_codec_compress(s->codec, (icp_codec_id)c->codec, c->codec_level,
		                        icp_slice_make(raw.ptr + from, raw.len - from), &s->comp,
		                        err);
		if (rc != ICP_OK)
			return rc;
		body = icp_slice_make(s->comp.data, s->comp.len);
	}

	/* PageHeader: 1 type, 2 uncompressed_page_size, 3 compressed_page_size,
	 * 5 DataPageHeader {1 num_values, 2 encoding, 3 def enc, 4 rep enc,
	 * 5 statistics} or 8 DataPageHeaderV2 {1 num_values, 2 num_nulls,
	 * 3 num_rows, 4 encoding, 5 def bytes, 6 rep bytes, 7 is_compressed,
	 * 8 statistics}. */
	icp_buf_reset(&sp->out);
	pq_tw_init(&t, &sp->out);
	pq_tw_i32(&t, 1, v2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA);
	pq_tw_i32(&t, 2, (int32_t)raw.len);
	pq_tw_i32(&t, 3, (int32_t)body.len);
	if (!v2) {
		pq_tw_struct_begin(&t, 5);
		pq_tw_i32(&t, 1, (int32_t)sp->lev_n);
		pq_tw_i32(&t, 2, encoding);
		pq_tw_i32(&t, 3, PQ_ENC_RLE);
		pq_tw_i32(&t, 4, PQ_ENC_RLE);
	} else {
		pq_tw_struct_begin(&t, 8);
		pq_tw_i32(&t, 1, (int32_t)sp->lev_n);
		pq_tw_i32(&t, 2, (int32_t)(sp->lev_n - sp->values));
		pq_tw_i32(&t, 3, (int32_t)sp->rows);
		pq_tw_i32(&t, 4, encoding);
		pq_tw_i32(&t, 5, (int32_t)def_len);
		pq_tw_i32(&t, 6, (int32_t)rep_len);
		pq_tw_bool(&t, 7, c->codec != ICP_CODEC_NONE);
	}
	if (o->page_stats)
		pq_stats_write(&t, v2 ? 8 : 5, &sp->st, c->order, o->stats_max_len);
	pq_tw_struct_end(&t);
	pq_tw_end(&t);
	sp->hdr_len = sp->out.len;
	sp->page_len = raw.len;
	icp_buf_append(&sp->out, body.ptr, body.len);
	if (sp->out.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory (page)");
	return ICP_OK;
}

void pq_page_submit(pq_sealed *sp)
{
	icp_pool_submit(&sp->grp, compress_page_job, sp);
}

int pq_col_retire(pq_col *c, icp_error *err)
{
	pq_sealed *sp = &c->sp[c->sp_head];
	pq_page_loc *loc;
	int rc;

	if (c->broken)
		return icp_error_set(err, c->broken, "parquet: column %d: failed before",
		                     c->field_id);
	if ((rc = icp_pool_group_wait(&sp->grp, err)) != ICP_OK)
		return rc;
	/* From here a failure leaves the chunk half updated: no retry. */
	c->broken = ICP_ERR_NOMEM;
	if (c->n_pages == c->pages_cap) {
		size_t cap = c->pages_cap ? c->pages_cap * 2 : 64;
		pq_page_loc *pl = icp_realloc(c->pages, cap * sizeof(*pl));
		if (!pl)
			return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		c->pages = pl;
		c->pages_cap = cap;
	}
	loc = &c->pages[c->n_pages++];
	loc->offset = c->chunk.len;
	loc->size = (int32_t)sp->out.len;
	loc->first_row = (int64_t)c->chunk_rows;
	ci_record(c, &sp->st, loc);
	icp_buf_append(&c->chunk, sp->out.data, sp->out.len);
	if (c->chunk.status != ICP_OK || c->ci_vals.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory (chunk)");
	c->chunk_uncompressed += sp->hdr_len + sp->page_len;
	c->chunk_values += sp->lev_n;
	c->chunk_rows += sp->rows;
	pq_stats_merge(&c->chunk_st, &sp->st, c->order);
	if (c->chunk_st.min.status != ICP_OK || c->chunk_st.max.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory (stats)");
	c->sealed_est -= sp->est;
	c->sp_head = (c->sp_head + 1) % PQ_IN_FLIGHT;
	c->sp_n--;
	c->broken = 0;
	return ICP_OK;
}

int pq_col_settle(pq_col *c, icp_error *err)
{
	int rc;
	while (c->sp_n > 0)
		if ((rc = pq_col_retire(c, err)) != ICP_OK)
			return rc;
	return icp_pool_group_wait(&c->dgrp, err);
}

void pq_col_quiesce(pq_col *c)
{
	size_t i;
	for (i = 0; i < PQ_IN_FLIGHT; i++)
		icp_pool_group_wait(&c->sp[i].grp, NULL);
	icp_pool_group_wait(&c->dgrp, NULL);
}

/* DictionaryPageHeader: 1 num_values, 2 encoding (PLAIN). Reads the
 * dictionary, which the caller leaves alone until it waits. */
static int dict_page_job(void *arg, unsigned worker, icp_error *err)
{
	pq_col *c = arg;
	pq_scratch *s = &c->w->scr[worker];
	const icp_buf *body = &c->dict;
	pq_thrift t;
	int rc;

	if (c->codec != ICP_CODEC_NONE) {
		icp_buf_reset(&s->comp);
		rc = icp_codec_compress(s->codec, (icp_codec_id)c->codec, c->codec_level,
		                        icp_slice_make(c->dict.data, c->dict.len), &s->comp, err);
		if (rc != ICP_OK)
			return rc;
		body = &s->comp;
	}
	icp_buf_reset(&c->dict_page);
	pq_tw_init(&t, &c->dict_page);
	pq_tw_i32(&t, 1, PQ_PAGE_DICTIONARY);
	pq_tw_i32(&t, 2, (int32_t)c->dict.len);
	pq_tw_i32(&t, 3, (int32_t)body->len);
	pq_tw_struct_begin(&t, 7);
	pq_tw_i32(&t, 1, (int32_t)c->dict_n);
	pq_tw_i32(&t, 2, PQ_ENC_PLAIN);
	pq_tw_struct_end(&t);
	pq_tw_end(&t);
	c->dict_hdr_len = c->dict_page.len;
	icp_buf_append(&c->dict_page, body->data, body->len);
	if (c->dict_page.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	return ICP_OK;
}

void pq_col_submit_dict(pq_col *c)
{
	icp_pool_submit(&c->dgrp, dict_page_job, c);
}
