/*
 * One leaf column: values arrive in batches and are encoded straight into
 * the open page (levels as int16 arrays, values PLAIN or as dictionary
 * indices) on the caller's thread; a page is closed at a row boundary once
 * it reaches the page size or row limit and handed over, buffers and all,
 * to a job (page.c) that encodes, compresses and appends it with its header
 * to the chunk buffer, which the writer hands to the sink when the row
 * group ends. Every decision (page and dictionary) is taken here, on the
 * caller's thread, so the output does not depend on the thread count.
 *
 * Dictionary: per column chunk. Each distinct value is stored once, PLAIN
 * encoded, in `dict`, found again through an open-addressing hash table.
 * When the dictionary passes dict_page_limit, or the first page shows it
 * does not pay (dictionary + indices >= PLAIN), the chunk falls back to
 * PLAIN: if no page used the dictionary yet, the open page is re-encoded as
 * PLAIN and the dictionary dropped; otherwise the open page is closed with
 * it and later pages are PLAIN (the dictionary page still precedes them).
 *
 * Nothing here allocates per value: buffers grow geometrically and are
 * reused from page to page and chunk to chunk. Host byte order must be
 * little-endian (PLAIN numbers are copied as they are).
 */
#include "parquet/parquet_int.h"

#include <math.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet writer assumes a little-endian host"
#endif

#define SEG_ROWS 4096      /* rows per encoding step between page checks */

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = 0;
		memcpy(&v, p, n);
		h = (h ^ v) * 0x94d049bb133111ebull;
		h ^= h >> 29;
	}
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* Empties the open page's values, keeping the level room in front. */
static int plain_reset(pq_col *c)
{
	icp_buf_reset(&c->plain);
	if (!c->plain_room)
		return ICP_OK;
	if (icp_buf_reserve(&c->plain, c->plain_room) != ICP_OK)
		return ICP_ERR_NOMEM;
	memset(c->plain.data, 0, c->plain_room);
	c->plain.len = c->plain_room;
	return ICP_OK;
}

int pq_col_init(pq_col *c, const pq_schema *s, int node, const icp_parquet_options *o)
{
	const pq_node *nd = &s->nodes[node];
	size_t i;
	memset(c, 0, sizeof(*c));
	c->node = node;
	c->field_id = nd->field_id;
	c->kind = nd->kind;
	pq_leaf_physical(nd, &c->phys, &c->type_len, &c->order);
	c->path_len = pq_leaf_path(s, node, c->path, ICP_ARRAY_LEN(c->path), &c->max_def,
	                           &c->max_rep, &c->in_repeated);
	if (c->path_len >= ICP_ARRAY_LEN(c->path))
		return ICP_ERR_INVALID;
	c->codec = nd->codec >= 0 ? nd->codec : (int)o->codec;
	c->codec_level = o->codec_level;
	c->dict_enabled = nd->dictionary >= 0 ? nd->dictionary : o->dictionary;
	if (c->phys == PQ_T_BOOLEAN)
		c->dict_enabled = 0;
	c->dict_on = c->dict_enabled;
	icp_buf_init(&c->plain, ICP_BUF_UNLIMITED);
	icp_buf_init(&c->dict, ICP_BUF_UNLIMITED);
	icp_buf_init(&c->chunk, ICP_BUF_UNLIMITED);
	icp_buf_init(&c->ci_vals, ICP_BUF_UNLIMITED);
	for (i = 0; i < PQ_IN_FLIGHT; i++) {
		c->sp[i].col = c;
		icp_pool_group_init(&c->sp[i].grp, NULL);
		icp_buf_init(&c->sp[i].plain, ICP_BUF_UNLIMITED);
		icp_buf_init(&c->sp[i].out, ICP_BUF_UNLIMITED);
		pq_stats_init(&c->sp[i].st);
	}
	icp_buf_init(&c->dict_page, ICP_BUF_UNLIMITED);
	icp_pool_group_init(&c->dgrp, NULL);
	pq_stats_init(&c->page_st);
	pq_stats_init(&c->chunk_st);
	pq_stats_init(&c->file_st);
	/* v2 keeps levels out of the compressed stream: no room needed */
	if (o->page_version == 1 && (c->max_def > 0 || c->max_rep > 0) &&
	    c->phys != PQ_T_BOOLEAN)
		c->plain_room = PQ_LEV_ROOM;
	return plain_reset(c);
}

void pq_col_dispose(pq_col *c)
{
	icp_free(c->def);
	icp_free(c->rep);
	icp_free(c->idx);
	icp_free(c->dict_off);
	icp_free(c->dict_len);
	icp_free(c->dict_hash);
	icp_free(c->slots);
	icp_free(c->pages);
	icp_buf_dispose(&c->plain);
	icp_buf_dispose(&c->dict);
	icp_buf_dispose(&c->chunk);
	icp_buf_dispose(&c->ci_vals);
	size_t i;
	for (i = 0; i < PQ_IN_FLIGHT; i++) {
		icp_free(c->sp[i].def);
		icp_free(c->sp[i].rep);
		icp_free(c->sp[i].idx);
		icp_buf_dispose(&c->sp[i].plain);
		icp_buf_dispose(&c->sp[i].out);
		pq_stats_dispose(&c->sp[i].st);
	}
	icp_buf_dispose(&c->dict_page);
	pq_stats_dispose(&c->page_st);
	pq_stats_dispose(&c->chunk_st);
	pq_stats_dispose(&c->file_st);
}

static int grow(void **p, size_t *cap, size_t want, size_t elem)
{
	size_t n = *cap ? *cap : 1024;
	void *q;
	if (want <= *cap)
		return ICP_OK;
	while (n < want)
		n *= 2;
	q = icp_realloc(*p, n * elem);
	if (!q)
		return ICP_ERR_NOMEM;
	*p = q;
	*cap = n;
	return ICP_OK;
}

/* ------------------------------------------------------------- dictionary */

static void dict_clear(pq_col *c)
{
	c->dict_n = 0;
	c->dict_last = 0;
	icp_buf_reset(&c->dict);
	if (c->slots)
		memset(c->slots, 0, (c->slot_mask + 1) * sizeof(uint32_t));
}

static int dict_rehash(pq_col *c)
{
	/* small at first: a table partitioned into many tuples has a writer
	 * (and a dictionary per column) for each open one */
	size_t n = c->slot_mask ? (c->slot_mask + 1) * 2 : 256, i;
	uint32_t *s = icp_calloc(n, sizeof(uint32_t));
	if (!s)
		return ICP_ERR_NOMEM;
	for (i = 0; i < c->dict_n; i++) {
		size_t k = c->dict_hash[i] & (n - 1);
		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = (uint32_t)i + 1;
	}
	icp_free(c->slots);
	c->slots = s;
	c->slot_mask = n - 1;
	return ICP_OK;
}

/* Index of value p[0..n) in the dictionary, inserting it if new.
 * prefix: PLAIN length prefix for byte arrays. Returns -1 on NOMEM. */
static int64_t dict_find(pq_col *c, const uint8_t *p, size_t n, int prefix)
{
	uint64_t h;
	size_t k;
	uint32_t e;

	if (c->dict_last) {
		e = c->dict_last - 1;
		if (c->dict_len[e] == n && memcmp(c->dict.data + c->dict_off[e], p, n) == 0)
			return e;
	}
	h = hash_bytes(p, n);
	if ((c->dict_n + 1) * 2 > c->slot_mask + 1 && dict_rehash(c) != ICP_OK)
		return -1;
	k = (size_t)h & c->slot_mask;
	while ((e = c->slots[k]) != 0) {
		e--;
		if (c->dict_hash[e] == (uint32_t)h && c->dict_len[e] == n &&
		    memcmp(c->dict.data + c->dict_off[e], p, n) == 0) {
			c->dict_last = e + 1;
			return e;
		}
		k = (k + 1) & c->slot_mask;
	}
	if (c->dict_n + 1 > c->dict_cap) {
		/* The three arrays share dict_cap. */
		size_t cap = c->dict_cap ? c->dict_cap * 2 : 64;
		uint32_t *a = icp_realloc(c->dict_off, cap * sizeof(uint32_t));
		if (!a)
			return -1;
		c->dict_off = a;
		if (!(a = icp_realloc(c->dict_len, cap * sizeof(uint32_t))))
			return -1;
		c->dict_len = a;
		if (!(a = icp_realloc(c->dict_hash, cap * sizeof(uint32_t))))
			return -1;
		c->dict_hash = a;
		c->dict_cap = cap;
	}
	if (prefix) {
		uint8_t len[4];
		len[0] = (uint8_t)n;
		len[1] = (uint8_t)(n >> 8);
		len[2] = (uint8_t)(n >> 16);
		len[3] = (uint8_t)(n >> 24);
		icp_buf_append(&c->dict, len, 4);
	}
	e = (uint32_t)c->dict_n++;
	c->dict_off[e] = (uint32_t)c->dict.len;
	c->dict_len[e] = (uint32_t)n;
	c->dict_hash[e] = (uint32_t)h;
	icp_buf_append(&c->dict, p, n);
	if (c->dict.status != ICP_OK)
		return -1;
	c->slots[k] = e + 1;
	c->dict_last = e + 1;
	return e;
}

/* Turns the open page's indices into PLAIN values and drops the dictionary
 * (no page refers to it yet). */
static int dict_to_plain(pq_col *c)
{
	size_t i;
	int prefix = c->phys == PQ_T_BYTE_ARRAY;
	for (i = 0; i < c->page_values; i++) {
		uint32_t e = c->idx[i];
		size_t off = c->dict_off[e] - (prefix ? 4 : 0);
		icp_buf_append(&c->plain, c->dict.data + off, c->dict_len[e] + (prefix ? 4 : 0));
	}
	c->dict_on = 0;
	dict_clear(c);
	return c->plain.status;
}

/* ------------------------------------------------------------------ values */

#define DICT_PROBE 4096

static int put_values(pq_col *c, const void *vals, size_t n, size_t width)
{
	const uint8_t *p = vals;
	size_t i;
	if (!c->dict_on)
		return icp_buf_append(&c->plain, p, n * width);
	if (grow((void **)&c->idx, &c->idx_cap, c->page_values + n, sizeof(uint32_t)) != ICP_OK)
		return ICP_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		int64_t e = dict_find(c, p + i * width, width, 0);
		if (e < 0)
			return ICP_ERR_NOMEM;
		c->idx[c->page_values + i] = (uint32_t)e;
	}
	return ICP_OK;
}

static void stat_set(pq_stats *st, const void *mn, const void *mx, size_t w)
{
	icp_buf_reset(&st->min);
	icp_buf_append(&st->min, mn, w);
	icp_buf_reset(&st->max);
	icp_buf_append(&st->max, mx, w);
	st->has = 1;
}

#define INT_APPEND(NAME, T, LOAD)                                              \
	static int NAME(pq_col *c, const T *v, size_t n)                      \
	{                                                                      \
		pq_stats *st = &c->page_st;                                    \
		T mn, mx;                                                      \
		size_t i;                                                      \
		if (st->has) {                                                 \
			mn = (T)LOAD(st->min.data);                            \
			mx = (T)LOAD(st->max.data);                            \
		} else {                                                       \
			mn = mx = v[0];                                        \
		}                                                              \
		for (i = 0; i < n; i++) {                                      \
			mn = v[i] < mn ? v[i] : mn;                            \
			mx = v[i] > mx ? v[i] : mx;                            \
		}                                                              \
		stat_set(st, &mn, &mx, sizeof(T));                             \
		return put_values(c, v, n, sizeof(T));                         \
	}
INT_APPEND(append_i32, int32_t, icp_load_le32)
INT_APPEND(append_i64, int64_t, icp_load_le64)

#define FLOAT_APPEND(NAME, T)                                                  \
	static int NAME(pq_col *c, const T *v, size_t n)                      \
	{                                                                      \
		pq_stats *st = &c->page_st;                                    \
		T mn = 0, mx = 0;                                              \
		int has = st->has;                                             \
		size_t i;                                                      \
		if (has) {                                                     \
			memcpy(&mn, st->min.data, sizeof(T));                  \
			memcpy(&mx, st->max.data, sizeof(T));                  \
		}                                                              \
		for (i = 0; i < n; i++) {                                      \
			T x = v[i];                                            \
			if (isnan(x)) {                                        \
				st->nans++;                                    \
				continue;                                      \
			}                                                      \
			if (!has) {                                            \
				mn = mx = x;                                   \
				has = 1;                                       \
			}                                                      \
			mn = x < mn ? x : mn;                                  \
			mx = x > mx ? x : mx;                                  \
		}                                                              \
		if (has)                                                       \
			stat_set(st, &mn, &mx, sizeof(T));                     \
		return put_values(c, v, n, sizeof(T));                         \
	}
FLOAT_APPEND(append_f32, float)
FLOAT_APPEND(append_f64, double)

static int append_bool(pq_col *c, const uint8_t *v, size_t n)
{
	pq_stats *st = &c->page_st;
	uint8_t mn = 1, mx = 0;
	size_t i;
	if (st->has) {
		mn = st->min.data[0];
		mx = st->max.data[0];
	}
	if (icp_buf_reserve(&c->plain, n / 8 + 2) != ICP_OK)
		return ICP_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		uint8_t b = v[i] ? 1 : 0;
		size_t bit = c->bool_bits++;
		if ((bit & 7) == 0)
			c->plain.data[c->plain.len++] = 0;
		c->plain.data[c->plain.len - 1] |= (uint8_t)(b << (bit & 7));
		mn = b < mn ? b : mn;
		mx = b > mx ? b : mx;
	}
	stat_set(st, &mn, &mx, 1);
	return ICP_OK;
}

/* Unsigned lexicographic compare, 8 bytes at a time (the stats hot path:
 * keys and JSON values share long prefixes). */
static inline int cmp_ubytes_fast(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y) {
			x = __builtin_bswap64(x);
			y = __builtin_bswap64(y);
			return x < y ? -1 : 1;
		}
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

static inline int cmp_value(int order, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	if (order == PQ_ORD_UBYTES)
		return cmp_ubytes_fast(a, al, b, bl);
	return pq_compare(order, a, al, b, bl);
}

static int append_bytes(pq_col *c, const icp_slice *v, size_t n, icp_error *err)
{
	pq_stats *st = &c->page_st;
	const uint8_t *mnp = st->min.data, *mxp = st->max.data;
	size_t mnl = st->min.len, mxl = st->max.len, i;
	int has = st->has, prefix = c->phys == PQ_T_BYTE_ARRAY;
	int order = c->order;

	if (c->dict_on &&
	    grow((void **)&c->idx, &c->idx_cap, c->page_values + n, sizeof(uint32_t)) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	for (i = 0; i < n; i++) {
		const uint8_t *p = v[i].ptr;
		size_t len = v[i].len;
		if (len && !p)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "parquet: column %d: value %zu has a NULL pointer",
			                     c->field_id, i);
		if (!prefix && len != (size_t)c->type_len)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "parquet: column %d: value of %zu bytes, fixed length is %d",
			                     c->field_id, len, c->type_len);
		if (len > 0x7fffffff)
			return icp_error_set(err, ICP_ERR_TOO_LARGE,
			                     "parquet: column %d: value of %zu bytes", c->field_id, len);
		if (!p)
			p = (const uint8_t *)"";
		if (!has) {
			mnp = mxp = p;
			mnl = mxl = len;
			has = 1;
		} else {
			if (cmp_value(order, p, len, mnp, mnl) < 0) {
				mnp = p;
				mnl = len;
			} else if (cmp_value(order, p, len, mxp, mxl) > 0) {
				mxp = p;
				mxl = len;
			}
		}
		c->page_plain_bytes += len + (prefix ? 4 : 0);
		if (c->dict_on) {
			int64_t e = dict_find(c, p, len, prefix);
			if (e < 0)
				return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
			c->idx[c->page_values + i] = (uint32_t)e;
		} else {
			if (prefix) {
				uint8_t l4[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
				                 (uint8_t)(len >> 24)};
				icp_buf_append(&c->plain, l4, 4);
			}
			icp_buf_append(&c->plain, p, len);
		}
	}
	if (has) {
		/* Copy new extremes out of the caller's memory (once per batch). */
		if (!st->has || mnp != st->min.data) {
			icp_buf_reset(&st->min);
			icp_buf_append(&st->min, mnp, mnl);
		}
		if (!st->has || mxp != st->max.data) {
			icp_buf_reset(&st->max);
			icp_buf_append(&st->max, mxp, mxl);
		}
		st->has = 1;
	}
	if (c->plain.status != ICP_OK || st->min.status != ICP_OK || st->max.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	return ICP_OK;
}

/* ------------------------------------------------------------------- pages */

static size_t page_estimate(const pq_col *c)
{
	size_t lev = c->lev_n * (size_t)(pq_bit_width((uint32_t)c->max_def) +
	                                 pq_bit_width((uint32_t)c->max_rep)) / 8;
	if (c->dict_on)
		return lev + c->page_values * (size_t)(pq_bit_width((uint32_t)c->dict_n) + 1) / 8;
	return lev + c->plain.len - c->plain_room;
}

size_t pq_col_buffered(const pq_col *c)
{
	return c->chunk.len + c->sealed_est + page_estimate(c);
}

#define SWAP(T, a, b)                                                          \
	do {                                                                   \
		T tmp_ = (a);                                                  \
		(a) = (b);                                                     \
		(b) = tmp_;                                                    \
	} while (0)

int pq_col_flush_page(struct icp_parquet_writer *w, pq_col *c, icp_error *err)
{
	pq_sealed *sp;
	int rc;

	if (c->lev_n == 0)
		return ICP_OK;
	if (c->dict_on && c->dict_pages == 0) {
		size_t idx_bytes = c->page_values * (size_t)pq_bit_width((uint32_t)c->dict_n) / 8;
		if (c->dict.len + idx_bytes >= c->page_plain_bytes && dict_to_plain(c) != ICP_OK)
			return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	}
	/* A full ring: the oldest page joins the chunk, its slot is free. */
	if (c->sp_n == PQ_IN_FLIGHT && (rc = pq_col_retire(c, err)) != ICP_OK)
		return rc;
	sp = &c->sp[(c->sp_head + c->sp_n) % PQ_IN_FLIGHT];
	sp->est = page_estimate(c);
	c->sealed_est += sp->est;
	c->sp_n++;
	/* Hand the open page over: its buffers become the sealed page's, the
	 * sealed page's (idle) ones become the next open page's. */
	SWAP(int16_t *, c->def, sp->def);
	SWAP(int16_t *, c->rep, sp->rep);
	SWAP(size_t, c->lev_cap, sp->lev_cap);
	SWAP(uint32_t *, c->idx, sp->idx);
	SWAP(size_t, c->idx_cap, sp->idx_cap);
	SWAP(icp_buf, c->plain, sp->plain);
	c->page_st.nulls = c->lev_n - c->page_values;
	SWAP(pq_stats, c->page_st, sp->st);
	sp->bool_bits = c->bool_bits;
	sp->lev_n = c->lev_n;
	sp->values = c->page_values;
	sp->rows = c->page_rows;
	sp->dict_n = c->dict_n;
	sp->dict = c->dict_on;
	if (c->dict_on) {
		c->dict_pages++;
		c->n_dict_pages++;
	} else {
		c->n_plain_pages++;
	}
	c->lev_n = c->page_values = c->page_rows = 0;
	c->page_plain_bytes = 0;
	c->bool_bits = 0;
	pq_stats_reset(&c->page_st);
	/* A failure of the job is reported by the next wait, with every
	 * thread count alike. */
	pq_page_submit(sp);
	/* the job has the sealed page's buffers; this one is the open page's */
	if (plain_reset(c) != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	return ICP_OK;
}

void pq_col_reset_chunk(pq_col *c)
{
	icp_buf_reset(&c->chunk);
	icp_buf_reset(&c->ci_vals);
	icp_buf_reset(&c->dict_page);
	c->sealed_est = 0;
	c->chunk_values = c->chunk_rows = c->chunk_uncompressed = 0;
	c->n_plain_pages = c->n_dict_pages = 0;
	c->n_pages = 0;
	c->rows = 0;
	c->dict_pages = 0;
	c->dict_on = c->dict_enabled;
	c->dict_probed = 0;
	dict_clear(c);
	pq_stats_reset(&c->chunk_st);
}

/* ------------------------------------------------------------------- write */

static int page_full(const struct icp_parquet_writer *w, const pq_col *c)
{
	return c->lev_n > 0 &&
	       (c->page_rows >= w->opt.page_row_limit || page_estimate(c) >= w->opt.page_size);
}

static size_t value_width(const pq_col *c)
{
	switch (c->phys) {
	case PQ_T_BOOLEAN: return 1;
	case PQ_T_INT32:
	case PQ_T_FLOAT: return 4;
	case PQ_T_INT64:
	case PQ_T_DOUBLE: return 8;
	default: return 0;
	}
}

static int append_present(pq_col *c, const icp_parquet_batch *b, size_t from, size_t n,
                          icp_error *err)
{
	int rc = ICP_OK;
	if (n == 0)
		return ICP_OK;
	switch (c->phys) {
	case PQ_T_BOOLEAN: rc = append_bool(c, (const uint8_t *)b->fixed + from, n); break;
	case PQ_T_INT32: rc = append_i32(c, (const int32_t *)b->fixed + from, n); break;
	case PQ_T_INT64: rc = append_i64(c, (const int64_t *)b->fixed + from, n); break;
	case PQ_T_FLOAT: rc = append_f32(c, (const float *)b->fixed + from, n); break;
	case PQ_T_DOUBLE: rc = append_f64(c, (const double *)b->fixed + from, n); break;
	default: return append_bytes(c, b->bytes + from, n, err);
	}
	if (rc != ICP_OK || c->plain.status != ICP_OK || c->page_st.min.status != ICP_OK ||
	    c->page_st.max.status != ICP_OK)
		return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
	if (c->phys != PQ_T_BOOLEAN)
		c->page_plain_bytes += n * value_width(c);
	return ICP_OK;
}

/* def and rep share lev_cap. */
static int grow_levels(pq_col *c, size_t want)
{
	size_t cap = c->lev_cap ? c->lev_cap : 1024;
	int16_t *p;
	if (want <= c->lev_cap)
		return ICP_OK;
	while (cap < want)
		cap *= 2;
	if (!(p = icp_realloc(c->def, cap * sizeof(int16_t))))
		return ICP_ERR_NOMEM;
	c->def = p;
	if (!(p = icp_realloc(c->rep, cap * sizeof(int16_t))))
		return ICP_ERR_NOMEM;
	c->rep = p;
	c->lev_cap = cap;
	return ICP_OK;
}

int pq_col_write(struct icp_parquet_writer *w, pq_col *c, const icp_parquet_batch *b,
                 icp_error *err)
{
	size_t i = 0, vi = 0, n = b->n;
	int16_t maxd = (int16_t)c->max_def, maxr = (int16_t)c->max_rep;
	int is_bytes = c->phys == PQ_T_BYTE_ARRAY || c->phys == PQ_T_FIXED;
	int rc;

	if (n == 0)
		return ICP_OK;
	if (maxr > 0 && !b->rep)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "parquet: column %d is repeated: repetition levels needed",
		                     c->field_id);
	if (b->rep && b->rep[0] != 0)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "parquet: column %d: batch must start a row (rep[0] = %d)",
		                     c->field_id, b->rep[0]);
	while (i < n) {
		size_t rows = 0, present = 0, j, budget_rows, budget_bytes, bytes = 0, est;
		if (page_full(w, c) && (rc = pq_col_flush_page(w, c, err)) != ICP_OK)
			return rc;
		/* Here, as a flush swaps in the other set of level buffers. */
		if ((maxd > 0 || maxr > 0) && (rc = grow_levels(c, c->lev_n + (n - i))) != ICP_OK)
			return icp_error_set(err, rc, "parquet: out of memory");
		budget_rows = w->opt.page_row_limit > c->page_rows
		                  ? w->opt.page_row_limit - c->page_rows : 1;
		if (budget_rows > SEG_ROWS)
			budget_rows = SEG_ROWS;
		est = page_estimate(c);
		budget_bytes = w->opt.page_size > est ? w->opt.page_size - est : 1;
		for (j = i; j < n; j++) {
			int16_t r = b->rep ? b->rep[j] : 0;
			int16_t d = b->def ? b->def[j]
			                   : (b->valid && !b->valid[j] ? (int16_t)(maxd - 1) : maxd);
			if (r < 0 || r > maxr || d < 0 || d > maxd)
				return icp_error_set(err, ICP_ERR_INVALID,
				                     "parquet: column %d: entry %zu has levels def=%d rep=%d "
				                     "(max %d, %d)", c->field_id, j, d, r, maxd, maxr);
			if (r == 0) {
				if (rows >= budget_rows || (rows && bytes >= budget_bytes))
					break;
				rows++;
			}
			if (maxd > 0)
				c->def[c->lev_n + (j - i)] = d;
			if (maxr > 0)
				c->rep[c->lev_n + (j - i)] = r;
			if (d == maxd) {
				if (is_bytes && b->bytes)
					bytes += b->bytes[vi + present].len + 4;
				else
					bytes += 8;
				present++;
			}
		}
		if (present && (is_bytes ? !b->bytes : !b->fixed))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "parquet: column %d: present values but no value array",
			                     c->field_id);
		if ((rc = append_present(c, b, vi, present, err)) != ICP_OK)
			return rc;
		c->lev_n += j - i;
		c->page_values += present;
		c->page_rows += rows;
		c->rows += rows;
		vi += present;
		i = j;
		/* A first page whose values are nearly all distinct so far: the
		 * dictionary will not pay, and building it costs a hash insert
		 * per value until the page is full, which in a small file (one
		 * per partition tuple) can be the whole file. Decided once,
		 * after DICT_PROBE values. */
		if (c->dict_on && c->dict_pages == 0 && !c->dict_probed &&
		    c->page_values >= DICT_PROBE) {
			c->dict_probed = 1;
			if (c->dict_n * 8 > c->page_values * 7 && dict_to_plain(c) != ICP_OK)
				return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
		}
		if (c->dict_on && c->dict.len > w->opt.dict_page_limit) {
			if (c->dict_pages == 0) {
				if (dict_to_plain(c) != ICP_OK)
					return icp_error_set(err, ICP_ERR_NOMEM, "parquet: out of memory");
			} else {
				if ((rc = pq_col_flush_page(w, c, err)) != ICP_OK)
					return rc;
				c->dict_on = 0;
			}
		}
	}
	return ICP_OK;
}
