/*
 * Reader, part 3: one column chunk of one row group, decoded into the
 * arrays icp_parquet_batch takes.
 *
 * A chunk is [dictionary page] data pages..., each page a Thrift compact
 * PageHeader then its body:
 *   PageHeader       1 type, 2 uncompressed_page_size,
 *                    3 compressed_page_size, 4 crc, 5 DataPageHeader,
 *                    7 DictionaryPageHeader, 8 DataPageHeaderV2
 *   DataPageHeader   1 num_values, 2 encoding, 3 def encoding, 4 rep
 *                    encoding; body (compressed as a whole): [rep levels:
 *                    u32 LE length + RLE runs] [def levels: same] values
 *   DataPageHeaderV2 1 num_values, 2 num_nulls, 3 num_rows, 4 encoding,
 *                    5 def bytes, 6 rep bytes, 7 is_compressed; body: rep
 *                    runs, def runs (never compressed), values (compressed
 *                    unless is_compressed is false)
 *   DictionaryPageHeader 1 num_values, 2 encoding (PLAIN)
 *
 * The chunk's bytes are read whole into a scratch buffer, pages are
 * decompressed into another (bounded by the declared size, which must
 * match), and levels and values go to arrays allocated in the caller's
 * arena at the chunk's declared num_values (checked against the limit at
 * open). Byte values are slices into arena copies of the page's (or the
 * dictionary's) value bytes. Values are decoded in their physical type and
 * converted at the end when the writer wants another C type.
 */
#include "parquet/parquet_int.h"

#include <stdarg.h>
#include <stdio.h>

typedef struct rd {
	icp_parquet_reader *r;
	const pq_rleaf *lf;
	const pq_rchunk *ch;
	size_t rg;
	int page;
	icp_arena *a;
	icp_error *err;
	size_t width;                 /* bytes of one physical fixed value */
	int16_t *def, *rep;
	size_t n_total, done;
	uint8_t *vals;                /* fixed values (physical type) */
	icp_slice *bytes;             /* byte values */
	size_t vdone;
	int has_dict;
	size_t dict_n;
	uint8_t *dict_fixed;
	icp_slice *dict_bytes;
} rd;

typedef struct phdr {
	int type;
	int32_t usize, csize;
	int32_t num_values, encoding, def_enc, rep_enc, def_len, rep_len;
	int is_compressed;
	int has_data;
} phdr;

static int perr(rd *d, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(rd *d, int status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return icp_error_set(d->err, status, "parquet reader: row group %zu, column '%s', page %d: %s",
	                     d->rg, d->lf->path, d->page, msg);
}

static void *aalloc(rd *d, size_t n, size_t size)
{
	size_t bytes;
	if (icp_mul_size(n, size, &bytes) != 0)
		return NULL;
	return icp_arena_alloc(d->a, bytes ? bytes : 1);
}

/* ------------------------------------------------------------- headers */

/* kind: 5 DataPageHeader, 7 DictionaryPageHeader, 8 DataPageHeaderV2 */
static void parse_data_header(pq_tr *t, phdr *h, int kind)
{
	int ft, v2 = kind == 8;
	int16_t id;
	while (pq_tr_field(t, &ft, &id)) {
		if (kind == 7 && id > 2) {
			pq_tr_skip(t, ft, 0);
			continue;
		}
		if (id == 1)
			h->num_values = pq_tr_i32(t, ft, 0, INT32_MAX);
		else if (!v2 && id == 2)
			h->encoding = pq_tr_i32(t, ft, 0, 1000);
		else if (!v2 && id == 3)
			h->def_enc = pq_tr_i32(t, ft, 0, 1000);
		else if (!v2 && id == 4)
			h->rep_enc = pq_tr_i32(t, ft, 0, 1000);
		else if (v2 && id == 4)
			h->encoding = pq_tr_i32(t, ft, 0, 1000);
		else if (v2 && id == 5)
			h->def_len = pq_tr_i32(t, ft, 0, INT32_MAX);
		else if (v2 && id == 6)
			h->rep_len = pq_tr_i32(t, ft, 0, INT32_MAX);
		else if (v2 && id == 7)
			h->is_compressed = pq_tr_bool(t, ft);
		else
			pq_tr_skip(t, ft, 0);
	}
}

static int parse_header(rd *d, const uint8_t *p, size_t avail, phdr *h, size_t *used)
{
	pq_tr t;
	int ft;
	int16_t id;

	memset(h, 0, sizeof(*h));
	h->type = h->usize = h->csize = -1;
	h->def_enc = h->rep_enc = PQ_ENC_RLE;
	h->is_compressed = 1;
	pq_tr_init(&t, p, avail);
	while (pq_tr_field(&t, &ft, &id)) {
		switch (id) {
		case 1: h->type = pq_tr_i32(&t, ft, 0, 1000); break;
		case 2: h->usize = pq_tr_i32(&t, ft, 0, INT32_MAX); break;
		case 3: h->csize = pq_tr_i32(&t, ft, 0, INT32_MAX); break;
		case 5:
		case 7:
		case 8:
			if (!pq_tr_struct(&t, ft))
				break;
			h->has_data = id;
			parse_data_header(&t, h, id);
			break;
		default: pq_tr_skip(&t, ft, 0); break;
		}
	}
	if (t.bad || h->type < 0 || h->usize < 0 || h->csize < 0)
		return perr(d, ICP_ERR_CORRUPT, "malformed page header at chunk byte %zu",
		            (size_t)(p - d->r->chunk.data));
	*used = (size_t)(t.p - p);
	return ICP_OK;
}

/* The page body (or its values part) uncompressed: src itself, or the
 * reader's page buffer. */
static int body(rd *d, const uint8_t *src, size_t csize, size_t usize, int compressed,
                icp_slice *out)
{
	icp_buf *b = &d->r->page;
	icp_error e2;
	int rc;

	if (!compressed || d->ch->codec == ICP_CODEC_NONE) {
		if (csize != usize)
			return perr(d, ICP_ERR_CORRUPT, "uncompressed page of %zu bytes declares %zu",
			            csize, usize);
		*out = icp_slice_make(src, csize);
		return ICP_OK;
	}
	if (usize > d->r->max_bytes)
		return perr(d, ICP_ERR_TOO_LARGE, "page of %zu bytes, over the limit of %zu", usize,
		            d->r->max_bytes);
	icp_buf_reset(b);
	b->max = usize;
	if (usize == 0) {
		*out = icp_slice_make(src, 0);
		return ICP_OK;
	}
	icp_error_init(&e2);
	rc = icp_codec_decompress(d->r->codec, (icp_codec_id)d->ch->codec,
	                          icp_slice_make(src, csize), usize, b, &e2);
	if (rc != ICP_OK)
		return perr(d, rc == ICP_ERR_NOMEM ? rc : ICP_ERR_CORRUPT, "decompression: %s", e2.msg);
	if (b->len != usize)
		return perr(d, ICP_ERR_CORRUPT, "decompressed to %zu bytes, declared %zu", b->len, usize);
	*out = icp_slice_make(b->data, b->len);
	return ICP_OK;
}

/* -------------------------------------------------------------- levels */

static int levels(rd *d, const uint8_t *p, size_t len, int maxl, int16_t *out, size_t n,
                  const char *what)
{
	pq_rle_dec dec;
	uint32_t buf[256];
	size_t i, k;

	pq_rle_dec_init(&dec, p, len, pq_bit_width((uint32_t)maxl));
	while (n > 0) {
		k = n < ICP_ARRAY_LEN(buf) ? n : ICP_ARRAY_LEN(buf);
		if (pq_rle_dec_get(&dec, buf, k) != 0)
			return perr(d, ICP_ERR_CORRUPT, "%s levels: bad or truncated RLE data", what);
		for (i = 0; i < k; i++) {
			if (buf[i] > (uint32_t)maxl)
				return perr(d, ICP_ERR_CORRUPT, "%s level %u out of range (max %d)", what,
				            buf[i], maxl);
			out[i] = (int16_t)buf[i];
		}
		out += k;
		n -= k;
	}
	return ICP_OK;
}

/* v1 levels: u32 LE length, then the runs. Advances *p. */
static int levels_v1(rd *d, const uint8_t **p, const uint8_t *end, int enc, int maxl,
                     int16_t *out, size_t n, const char *what)
{
	size_t len;
	if (enc != PQ_ENC_RLE)
		return perr(d, ICP_ERR_UNSUPPORTED, "unsupported: %s level encoding %d", what, enc);
	if (end - *p < 4)
		return perr(d, ICP_ERR_CORRUPT, "%s levels: truncated length", what);
	len = icp_load_le32(*p);
	*p += 4;
	if (len > (size_t)(end - *p))
		return perr(d, ICP_ERR_CORRUPT, "%s levels of %zu bytes run past the page", what, len);
	*p += len;
	return levels(d, *p - len, len, maxl, out, n, what);
}

/* -------------------------------------------------------------- values */

/* PLAIN values: n of them into fixed (d->width each) or bytes. Byte
 * values point into `keep`, an arena copy of [p, p + len). */
static int plain(rd *d, const uint8_t *p, size_t len, size_t n, uint8_t *fixed, icp_slice *bytes)
{
	size_t i, need;
	const uint8_t *keep;

	if (n == 0)
		return ICP_OK;
	switch (d->lf->phys) {
	case PQ_T_BOOLEAN:
		if (len < (n + 7) / 8)
			return perr(d, ICP_ERR_CORRUPT, "%zu booleans in %zu bytes", n, len);
		for (i = 0; i < n; i++)
			fixed[i] = (p[i >> 3] >> (i & 7)) & 1;
		return ICP_OK;
	case PQ_T_BYTE_ARRAY:
		keep = len ? icp_arena_memdup(d->a, p, len) : p;
		if (!keep)
			return perr(d, ICP_ERR_NOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			size_t l;
			if (len < 4)
				return perr(d, ICP_ERR_CORRUPT, "value %zu: truncated length", i);
			l = icp_load_le32(keep);
			if (l > len - 4)
				return perr(d, ICP_ERR_CORRUPT, "value %zu of %zu bytes runs past the page",
				            i, l);
			bytes[i] = icp_slice_make(keep + 4, l);
			keep += 4 + l;
			len -= 4 + l;
		}
		return ICP_OK;
	case PQ_T_FIXED:
		if (icp_mul_size(n, (size_t)d->lf->type_len, &need) != 0 || need > len)
			return perr(d, ICP_ERR_CORRUPT, "%zu values of %d bytes in %zu bytes", n,
			            d->lf->type_len, len);
		keep = need ? icp_arena_memdup(d->a, p, need) : p;
		if (!keep)
			return perr(d, ICP_ERR_NOMEM, "out of memory");
		for (i = 0; i < n; i++)
			bytes[i] = icp_slice_make(keep + i * (size_t)d->lf->type_len,
			                          (size_t)d->lf->type_len);
		return ICP_OK;
	default:
		if (icp_mul_size(n, d->width, &need) != 0 || need > len)
			return perr(d, ICP_ERR_CORRUPT, "%zu values of %zu bytes in %zu bytes", n, d->width,
			            len);
		if (need)
			memcpy(fixed, p, need);
		return ICP_OK;
	}
}

static int dictionary_page(rd *d, const phdr *h, icp_slice b)
{
	size_t n = (size_t)h->num_values, min_bytes;
	if (d->has_dict || d->done > 0)
		return perr(d, ICP_ERR_CORRUPT, "dictionary page after data");
	if (h->has_data != 7)
		return perr(d, ICP_ERR_CORRUPT, "dictionary page without its header");
	if (h->encoding != PQ_ENC_PLAIN && h->encoding != PQ_ENC_PLAIN_DICTIONARY)
		return perr(d, ICP_ERR_UNSUPPORTED, "unsupported: dictionary encoding %d", h->encoding);
	/* every entry takes at least this many bytes: bounds the allocation */
	min_bytes = d->lf->phys == PQ_T_BYTE_ARRAY ? 4 : d->lf->phys == PQ_T_FIXED
	                                                      ? (size_t)d->lf->type_len
	                                                      : d->width;
	if (d->lf->phys == PQ_T_BOOLEAN ? n > b.len * 8 : n > b.len / min_bytes)
		return perr(d, ICP_ERR_CORRUPT, "dictionary of %zu entries in %zu bytes", n, b.len);
	d->dict_n = n;
	d->has_dict = 1;
	if (d->bytes)
		d->dict_bytes = aalloc(d, n, sizeof(icp_slice));
	else
		d->dict_fixed = aalloc(d, n, d->width);
	if (!d->dict_bytes && !d->dict_fixed)
		return perr(d, ICP_ERR_NOMEM, "out of memory");
	return plain(d, b.ptr, b.len, n, d->dict_fixed, d->dict_bytes);
}

static int dict_values(rd *d, const uint8_t *p, size_t len, size_t n)
{
	pq_rle_dec dec;
	uint32_t *idx;
	size_t i;

	if (!d->has_dict)
		return perr(d, ICP_ERR_CORRUPT, "dictionary-encoded page without a dictionary page");
	if (n == 0)
		return ICP_OK;
	if (len < 1 || p[0] > 32)
		return perr(d, ICP_ERR_CORRUPT, "bad dictionary index bit width");
	if (icp_buf_reserve(&d->r->tmp, n * sizeof(uint32_t)) != ICP_OK)
		return perr(d, ICP_ERR_NOMEM, "out of memory");
	idx = (uint32_t *)(void *)d->r->tmp.data;
	pq_rle_dec_init(&dec, p + 1, len - 1, p[0]);
	if (pq_rle_dec_get(&dec, idx, n) != 0)
		return perr(d, ICP_ERR_CORRUPT, "dictionary indices: bad or truncated RLE data");
	for (i = 0; i < n; i++) {
		if (idx[i] >= d->dict_n)
			return perr(d, ICP_ERR_CORRUPT, "dictionary index %u out of range (%zu entries)",
			            idx[i], d->dict_n);
		if (d->bytes)
			d->bytes[d->vdone + i] = d->dict_bytes[idx[i]];
		else
			memcpy(d->vals + (d->vdone + i) * d->width, d->dict_fixed + idx[i] * d->width,
			       d->width);
	}
	return ICP_OK;
}

static int64_t *tmp_i64(rd *d, size_t n)
{
	size_t bytes;
	if (icp_mul_size(n ? n : 1, sizeof(int64_t), &bytes) != 0 ||
	    icp_buf_reserve(&d->r->tmp, bytes) != ICP_OK)
		return NULL;
	return (int64_t *)(void *)d->r->tmp.data;
}

/* DELTA_LENGTH_BYTE_ARRAY: lengths, then the bytes. *used = bytes read. */
static int delta_length(rd *d, const uint8_t *p, size_t len, size_t n, icp_slice *out,
                        size_t *used)
{
	const char *why = "";
	size_t hdr, i, total = 0;
	int64_t *lens = tmp_i64(d, n);
	const uint8_t *keep;

	if (!lens)
		return perr(d, ICP_ERR_NOMEM, "out of memory");
	if (pq_delta_decode(p, len, n, lens, &hdr, &why) != 0)
		return perr(d, ICP_ERR_CORRUPT, "lengths: %s", why);
	for (i = 0; i < n; i++) {
		if (lens[i] < 0 || (uint64_t)lens[i] > len - hdr - total)
			return perr(d, ICP_ERR_CORRUPT, "value %zu of %lld bytes runs past the page", i,
			            (long long)lens[i]);
		total += (size_t)lens[i];
	}
	keep = total ? icp_arena_memdup(d->a, p + hdr, total) : p;
	if (!keep)
		return perr(d, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		out[i] = icp_slice_make(keep, (size_t)lens[i]);
		keep += lens[i];
	}
	*used = hdr + total;
	return ICP_OK;
}

/* DELTA_BYTE_ARRAY: prefix lengths, then DELTA_LENGTH_BYTE_ARRAY suffixes;
 * each value is the previous value's prefix plus its suffix. */
static int delta_bytes(rd *d, const uint8_t *p, size_t len, size_t n)
{
	const char *why = "";
	size_t hdr, used, i, total = 0;
	int rc;
	int64_t *pre;
	icp_slice *suf = d->bytes + d->vdone, prev = {NULL, 0};
	uint8_t *dst;

	if (!(pre = aalloc(d, n, sizeof(int64_t))))
		return perr(d, ICP_ERR_NOMEM, "out of memory");
	if (pq_delta_decode(p, len, n, pre, &hdr, &why) != 0)
		return perr(d, ICP_ERR_CORRUPT, "prefix lengths: %s", why);
	if ((rc = delta_length(d, p + hdr, len - hdr, n, suf, &used)) != ICP_OK)
		return rc;
	for (i = 0; i < n; i++) {
		uint64_t l = (uint64_t)pre[i] + suf[i].len;
		if (pre[i] < 0 || (size_t)pre[i] > (i ? (size_t)pre[i - 1] + suf[i - 1].len : 0))
			return perr(d, ICP_ERR_CORRUPT, "value %zu: prefix of %lld bytes", i,
			            (long long)pre[i]);
		if (d->lf->phys == PQ_T_FIXED && l != (uint64_t)d->lf->type_len)
			return perr(d, ICP_ERR_CORRUPT, "value %zu of %llu bytes in FIXED(%d)", i,
			            (unsigned long long)l, d->lf->type_len);
		total += l;
		if (total > d->r->max_bytes)
			return perr(d, ICP_ERR_TOO_LARGE, "values of over %zu bytes", d->r->max_bytes);
	}
	if (!(dst = icp_arena_alloc(d->a, total ? total : 1)))
		return perr(d, ICP_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		size_t pl = (size_t)pre[i];
		if (pl)
			memcpy(dst, prev.ptr, pl);
		if (suf[i].len)
			memcpy(dst + pl, suf[i].ptr, suf[i].len);
		suf[i] = icp_slice_make(dst, pl + suf[i].len);
		prev = suf[i];
		dst += suf[i].len;
	}
	return ICP_OK;
}

static int values(rd *d, int enc, const uint8_t *p, size_t len, size_t n)
{
	int phys = d->lf->phys;
	uint8_t *fixed = d->vals ? d->vals + d->vdone * d->width : NULL;
	icp_slice *bytes = d->bytes ? d->bytes + d->vdone : NULL;
	size_t i, used;
	const char *why = "";

	if (n == 0)
		return ICP_OK; /* writers differ in what they put for no values */
	switch (enc) {
	case PQ_ENC_PLAIN:
		return plain(d, p, len, n, fixed, bytes);
	case PQ_ENC_PLAIN_DICTIONARY:
	case PQ_ENC_RLE_DICTIONARY:
		return dict_values(d, p, len, n);
	case PQ_ENC_RLE:
		if (phys == PQ_T_BOOLEAN) {
			pq_rle_dec dec;
			uint32_t buf[256];
			size_t k, l;
			if (len < 4 || (l = icp_load_le32(p)) > len - 4)
				return perr(d, ICP_ERR_CORRUPT, "RLE booleans: bad length");
			pq_rle_dec_init(&dec, p + 4, l, 1);
			for (i = 0; i < n; i += k) {
				size_t j;
				k = n - i < 256 ? n - i : 256;
				if (pq_rle_dec_get(&dec, buf, k) != 0)
					return perr(d, ICP_ERR_CORRUPT, "RLE booleans: bad or truncated data");
				for (j = 0; j < k; j++)
					fixed[i + j] = (uint8_t)buf[j];
			}
			return ICP_OK;
		}
		break;
	case PQ_ENC_DELTA_BINARY_PACKED:
		if (phys == PQ_T_INT32 || phys == PQ_T_INT64) {
			int64_t *v = tmp_i64(d, n);
			if (!v)
				return perr(d, ICP_ERR_NOMEM, "out of memory");
			if (pq_delta_decode(p, len, n, v, &used, &why) != 0)
				return perr(d, ICP_ERR_CORRUPT, "%s", why);
			for (i = 0; i < n; i++) {
				if (phys == PQ_T_INT32) {
					int32_t x = (int32_t)(uint32_t)(uint64_t)v[i];
					memcpy(fixed + 4 * i, &x, 4);
				} else {
					memcpy(fixed + 8 * i, &v[i], 8);
				}
			}
			return ICP_OK;
		}
		break;
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
		if (phys == PQ_T_BYTE_ARRAY)
			return delta_length(d, p, len, n, bytes, &used);
		break;
	case PQ_ENC_DELTA_BYTE_ARRAY:
		if (phys == PQ_T_BYTE_ARRAY || phys == PQ_T_FIXED)
			return delta_bytes(d, p, len, n);
		break;
	case PQ_ENC_BYTE_STREAM_SPLIT:
		if (phys != PQ_T_BOOLEAN && phys != PQ_T_BYTE_ARRAY) {
			size_t w = phys == PQ_T_FIXED ? (size_t)d->lf->type_len : d->width, k, need;
			uint8_t *dst = fixed;
			if (icp_mul_size(n, w, &need) != 0 || need != len)
				return perr(d, ICP_ERR_CORRUPT, "BYTE_STREAM_SPLIT: %zu values of %zu bytes "
				            "in %zu bytes", n, w, len);
			if (phys == PQ_T_FIXED && !(dst = icp_arena_alloc(d->a, need ? need : 1)))
				return perr(d, ICP_ERR_NOMEM, "out of memory");
			for (i = 0; i < n; i++)
				for (k = 0; k < w; k++)
					dst[i * w + k] = p[k * n + i];
			if (phys == PQ_T_FIXED)
				for (i = 0; i < n; i++)
					bytes[i] = icp_slice_make(dst + i * w, w);
			return ICP_OK;
		}
		break;
	default:
		return perr(d, ICP_ERR_UNSUPPORTED, "unsupported: value encoding %d", enc);
	}
	return perr(d, ICP_ERR_CORRUPT, "encoding %d on physical type %d", enc, phys);
}

/* ---------------------------------------------------------- data pages */

static int data_page(rd *d, const phdr *h, const uint8_t *src)
{
	const pq_rleaf *lf = d->lf;
	size_t n = (size_t)h->num_values, present, i;
	const uint8_t *p, *end;
	icp_slice b;
	int rc;

	if ((h->type == PQ_PAGE_DATA && h->has_data != 5) ||
	    (h->type == PQ_PAGE_DATA_V2 && h->has_data != 8))
		return perr(d, ICP_ERR_CORRUPT, "data page without its header");
	if (n > d->n_total - d->done)
		return perr(d, ICP_ERR_CORRUPT, "pages hold more than the chunk's %zu values",
		            d->n_total);
	if (h->type == PQ_PAGE_DATA) {
		if ((rc = body(d, src, (size_t)h->csize, (size_t)h->usize, 1, &b)) != ICP_OK)
			return rc;
		p = b.ptr;
		end = b.ptr + b.len;
		if (lf->max_rep > 0 &&
		    (rc = levels_v1(d, &p, end, h->rep_enc, lf->max_rep, d->rep + d->done, n,
		                    "repetition")) != ICP_OK)
			return rc;
		if (lf->max_def > 0 &&
		    (rc = levels_v1(d, &p, end, h->def_enc, lf->max_def, d->def + d->done, n,
		                    "definition")) != ICP_OK)
			return rc;
	} else {
		size_t ll = (size_t)h->rep_len + (size_t)h->def_len;
		if (ll > (size_t)h->csize || ll > (size_t)h->usize)
			return perr(d, ICP_ERR_CORRUPT, "level bytes %zu exceed the page", ll);
		if (lf->max_rep > 0 &&
		    (rc = levels(d, src, (size_t)h->rep_len, lf->max_rep, d->rep + d->done, n,
		                 "repetition")) != ICP_OK)
			return rc;
		if (lf->max_def > 0 &&
		    (rc = levels(d, src + h->rep_len, (size_t)h->def_len, lf->max_def,
		                 d->def + d->done, n, "definition")) != ICP_OK)
			return rc;
		if ((rc = body(d, src + ll, (size_t)h->csize - ll, (size_t)h->usize - ll,
		               h->is_compressed, &b)) != ICP_OK)
			return rc;
		p = b.ptr;
		end = b.ptr + b.len;
	}
	present = n;
	if (lf->max_def > 0)
		for (i = 0, present = 0; i < n; i++)
			present += d->def[d->done + i] == lf->max_def;
	if ((rc = values(d, h->encoding, p, (size_t)(end - p), present)) != ICP_OK)
		return rc;
	d->done += n;
	d->vdone += present;
	return ICP_OK;
}

/* ---------------------------------------------------------- conversion */

/* Big-endian two's complement of any length to exactly w bytes. */
static int dec_fit(const icp_slice *v, uint8_t *dst, size_t w)
{
	uint8_t sign = v->len && (v->ptr[0] & 0x80) ? 0xFF : 0;
	size_t i;
	if (v->len > w) {
		size_t cut = v->len - w;
		for (i = 0; i < cut; i++)
			if (v->ptr[i] != sign)
				return -1;
		if (((v->ptr[cut] & 0x80) ? 0xFF : 0) != sign)
			return -1;
		memcpy(dst, v->ptr + cut, w);
		return 0;
	}
	memset(dst, sign, w - v->len);
	if (v->len)
		memcpy(dst + (w - v->len), v->ptr, v->len);
	return 0;
}

static int convert(rd *d, icp_parquet_column *out)
{
	const icp_parquet_field *f = &d->r->fields[d->lf->field];
	size_t n = d->vdone, i;
	int32_t *o32;
	int64_t *o64;

	switch (d->lf->conv) {
	case PQ_CV_I64_TO_I32:
		if (!(o32 = aalloc(d, n, 4)))
			break;
		for (i = 0; i < n; i++) {
			int64_t v;
			memcpy(&v, d->vals + 8 * i, 8);
			if (v < INT32_MIN || v > INT32_MAX)
				return perr(d, ICP_ERR_CORRUPT, "value %lld out of range of decimal(%d)",
				            (long long)v, f->precision);
			o32[i] = (int32_t)v;
		}
		out->fixed = o32;
		return ICP_OK;
	case PQ_CV_I32_TO_I64:
	case PQ_CV_U32_TO_I64:
	case PQ_CV_MILLIS32:
		if (!(o64 = aalloc(d, n, 8)))
			break;
		for (i = 0; i < n; i++) {
			int32_t v;
			memcpy(&v, d->vals + 4 * i, 4);
			o64[i] = d->lf->conv == PQ_CV_U32_TO_I64 ? (int64_t)(uint32_t)v
			         : d->lf->conv == PQ_CV_MILLIS32 ? (int64_t)v * 1000 : v;
		}
		out->fixed = o64;
		return ICP_OK;
	case PQ_CV_MILLIS64:
		o64 = (int64_t *)(void *)d->vals;
		for (i = 0; i < n; i++)
			if (__builtin_mul_overflow(o64[i], 1000, &o64[i]))
				return perr(d, ICP_ERR_CORRUPT, "millisecond value %zu overflows", i);
		out->fixed = o64;
		return ICP_OK;
	case PQ_CV_DEC_BYTES: {
		size_t w = f->precision <= 9 ? 4 : f->precision <= 18 ? 8
		                                 : (size_t)icp_parquet_decimal_bytes(f->precision);
		uint8_t tmp[8], *dst = NULL;
		if (!(dst = aalloc(d, n, w)))
			break;
		for (i = 0; i < n; i++) {
			if (dec_fit(&d->bytes[i], w > 8 ? dst + i * w : tmp, w) != 0)
				return perr(d, ICP_ERR_CORRUPT, "value %zu does not fit decimal(%d)", i,
				            f->precision);
			if (w == 4) {
				int32_t v = (int32_t)icp_load_be32(tmp);
				memcpy(dst + 4 * i, &v, 4);
			} else if (w == 8) {
				int64_t v = (int64_t)icp_load_be64(tmp);
				memcpy(dst + 8 * i, &v, 8);
			} else {
				d->bytes[i] = icp_slice_make(dst + i * w, w);
			}
		}
		if (w <= 8) {
			out->fixed = dst;
			out->bytes = NULL;
		}
		return ICP_OK;
	}
	default:
		return ICP_OK;
	}
	return perr(d, ICP_ERR_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------- read */

static int check_rows(rd *d)
{
	const pq_rleaf *lf = d->lf;
	uint64_t rows = 0;
	size_t i;
	if (!d->rep) {
		rows = d->n_total;
	} else {
		for (i = 0; i < d->n_total; i++) {
			int r = d->rep[i];
			if (r == 0) {
				rows++;
			} else if (i == 0) {
				return perr(d, ICP_ERR_CORRUPT, "the first entry continues a row");
			} else if (d->def[i] < lf->rep_def[r]) {
				return perr(d, ICP_ERR_CORRUPT,
				            "entry %zu: repetition level %d with definition level %d", i, r,
				            d->def[i]);
			}
		}
	}
	if (rows != (uint64_t)d->r->rg_rows[d->rg])
		return perr(d, ICP_ERR_CORRUPT, "%llu rows, the row group has %lld",
		            (unsigned long long)rows, (long long)d->r->rg_rows[d->rg]);
	return ICP_OK;
}

int icp_parquet_reader_read(icp_parquet_reader *r, size_t rg, size_t leaf, icp_arena *a,
                            icp_parquet_column *out, icp_error *err)
{
	rd d;
	const uint8_t *p, *end;
	int rc;

	memset(out, 0, sizeof(*out));
	if (rg >= r->n_rgs || leaf >= r->n_leaves)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "parquet reader: no row group %zu / leaf %zu (%zu, %zu)", rg, leaf,
		                     r->n_rgs, r->n_leaves);
	memset(&d, 0, sizeof(d));
	d.r = r;
	d.lf = &r->leaves[leaf];
	d.ch = &r->chunks[rg * r->n_leaves + leaf];
	d.rg = rg;
	d.a = a;
	d.err = err;
	d.page = -1;
	d.n_total = (size_t)d.ch->num_values;
	switch (d.lf->phys) {
	case PQ_T_BOOLEAN: d.width = 1; break;
	case PQ_T_INT32:
	case PQ_T_FLOAT: d.width = 4; break;
	case PQ_T_INT64:
	case PQ_T_DOUBLE: d.width = 8; break;
	default: d.width = 0; break;
	}
	if (d.lf->max_rep == 0 ? d.ch->num_values != r->rg_rows[rg]
	                       : d.ch->num_values < r->rg_rows[rg])
		return perr(&d, ICP_ERR_CORRUPT, "%lld values in a row group of %lld rows",
		            (long long)d.ch->num_values, (long long)r->rg_rows[rg]);
	if ((size_t)d.ch->len > r->max_bytes)
		return perr(&d, ICP_ERR_TOO_LARGE, "column chunk of %lld bytes, over the limit of %zu",
		            (long long)d.ch->len, r->max_bytes);
	if (d.lf->max_def > 0 && !(d.def = aalloc(&d, d.n_total, sizeof(int16_t))))
		return perr(&d, ICP_ERR_NOMEM, "out of memory");
	if (d.lf->max_rep > 0 && !(d.rep = aalloc(&d, d.n_total, sizeof(int16_t))))
		return perr(&d, ICP_ERR_NOMEM, "out of memory");
	if (d.width ? !(d.vals = aalloc(&d, d.n_total, d.width))
	            : !(d.bytes = aalloc(&d, d.n_total, sizeof(icp_slice))))
		return perr(&d, ICP_ERR_NOMEM, "out of memory");
	icp_buf_reset(&r->chunk);
	if ((rc = r->read_at(r->ctx, (uint64_t)d.ch->start, (size_t)d.ch->len, &r->chunk, err)) !=
	    ICP_OK)
		return rc;
	if (r->chunk.len != (size_t)d.ch->len)
		return perr(&d, ICP_ERR_CORRUPT, "read %zu bytes of the %lld of the chunk",
		            r->chunk.len, (long long)d.ch->len);
	p = r->chunk.data;
	end = p + r->chunk.len;
	d.page = 0;
	while (d.done < d.n_total) {
		phdr h;
		size_t used = 0;
		if (p >= end)
			return perr(&d, ICP_ERR_CORRUPT, "the chunk ends after %zu of %zu values", d.done,
			            d.n_total);
		if ((rc = parse_header(&d, p, (size_t)(end - p), &h, &used)) != ICP_OK)
			return rc;
		p += used;
		if ((size_t)h.csize > (size_t)(end - p))
			return perr(&d, ICP_ERR_CORRUPT, "page of %d bytes runs past the end of the chunk "
			            "(%zu bytes left)", h.csize, (size_t)(end - p));
		if (h.type == PQ_PAGE_DICTIONARY) {
			icp_slice b;
			if ((rc = body(&d, p, (size_t)h.csize, (size_t)h.usize, 1, &b)) != ICP_OK ||
			    (rc = dictionary_page(&d, &h, b)) != ICP_OK)
				return rc;
		} else if (h.type == PQ_PAGE_DATA || h.type == PQ_PAGE_DATA_V2) {
			if ((rc = data_page(&d, &h, p)) != ICP_OK)
				return rc;
		} else if (h.type != 1) { /* index pages are skipped */
			return perr(&d, ICP_ERR_CORRUPT, "page type %d", h.type);
		}
		p += h.csize;
		d.page++;
	}
	if ((rc = check_rows(&d)) != ICP_OK)
		return rc;
	out->n = d.n_total;
	out->def = d.def;
	out->rep = d.rep;
	out->n_values = d.vdone;
	out->fixed = d.vals;
	out->bytes = d.bytes;
	return convert(&d, out);
}
