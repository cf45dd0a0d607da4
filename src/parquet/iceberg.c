/*
 * Iceberg bounds: the single-value binary serialization of the Iceberg spec
 * (Appendix D) computed from a leaf's whole-file min/max.
 *
 *   boolean 1 byte; int, date 4 bytes LE; long, time, timestamp(tz) 8 bytes
 *   LE; float/double IEEE LE; string UTF-8 bytes; uuid 16 bytes big-endian;
 *   fixed, binary the bytes; decimal the unscaled value as minimal
 *   two's-complement big-endian bytes.
 *
 * Strings are truncated to n code points: the lower bound is the prefix;
 * the upper bound is the prefix with its last code point incremented
 * (dropping trailing ones that cannot be, and skipping the surrogate range
 * so the result stays valid UTF-8), or absent. Binary works the same on
 * bytes. Values not longer than n are kept whole.
 */
#include "parquet/parquet_int.h"

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t utf8_len(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1;
}

/* Byte length of the first n code points of s (or all of s). */
static size_t cp_prefix(icp_slice s, size_t n, size_t *count)
{
	size_t pos = 0, k = 0;
	while (pos < s.len && k < n) {
		size_t l = utf8_len(s.ptr[pos]);
		if (pos + l > s.len)
			l = s.len - pos;
		pos += l;
		k++;
	}
	if (count)
		*count = k;
	return pos;
}

int icp_parquet_iceberg_truncate_string_lower(icp_slice s, size_t n_cp, icp_buf *out)
{
	return icp_buf_append(out, s.ptr, cp_prefix(s, n_cp, NULL));
}

static uint32_t decode_cp(const uint8_t *p, size_t l)
{
	switch (l) {
	case 2: return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
	case 3: return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	case 4:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
		       (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
	default: return p[0];
	}
}

int icp_parquet_iceberg_truncate_string_upper(icp_slice s, size_t n_cp, icp_buf *out)
{
	size_t starts[64], count = 0, pos = 0, cut;
	size_t *st = starts;
	int rc = ICP_END;

	cut = cp_prefix(s, n_cp, NULL);
	if (cut == s.len)
		return icp_buf_append(out, s.ptr, s.len);
	if (n_cp > ICP_ARRAY_LEN(starts)) {
		st = icp_malloc(n_cp * sizeof(size_t));
		if (!st)
			return ICP_ERR_NOMEM;
	}
	while (pos < cut) {
		size_t l = utf8_len(s.ptr[pos]);
		if (pos + l > cut)
			l = cut - pos;
		st[count++] = pos;
		pos += l;
	}
	while (count > 0) {
		size_t at = st[--count];
		size_t l = utf8_len(s.ptr[at]);
		uint32_t cp;
		uint8_t enc[4];
		if (at + l > cut)
			l = cut - at;
		cp = decode_cp(s.ptr + at, l) + 1;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xE000;
		if (cp > 0x10FFFF)
			continue;
		icp_buf_append(out, s.ptr, at);
		icp_buf_append(out, enc, icp_utf8_encode(cp, enc));
		rc = out->status;
		break;
	}
	if (st != starts)
		icp_free(st);
	return rc;
}

int icp_parquet_iceberg_truncate_binary_lower(icp_slice s, size_t n, icp_buf *out)
{
	return icp_buf_append(out, s.ptr, s.len < n ? s.len : n);
}

int icp_parquet_iceberg_truncate_binary_upper(icp_slice s, size_t n, icp_buf *out)
{
	size_t k;
	if (s.len <= n)
		return icp_buf_append(out, s.ptr, s.len);
	for (k = n; k > 0; k--) {
		if (s.ptr[k - 1] != 0xFF) {
			size_t at = out->len;
			if (icp_buf_append(out, s.ptr, k) != ICP_OK)
				return out->status;
			out->data[at + k - 1]++;
			return ICP_OK;
		}
	}
	return ICP_END;
}

int icp_parquet_iceberg_decimal(const uint8_t *be, size_t len, icp_buf *out)
{
	size_t i = 0;
	/* Drop a leading byte while the next one carries the same sign. */
	while (i + 1 < len && ((be[i] == 0x00 && !(be[i + 1] & 0x80)) ||
	                       (be[i] == 0xFF && (be[i + 1] & 0x80))))
		i++;
	return icp_buf_append(out, be + i, len - i);
}

static int detach(icp_buf *b, uint8_t **p, size_t *n)
{
	if (b->status != ICP_OK)
		return ICP_ERR_NOMEM;
	if (b->len == 0) {
		/* An empty bound (empty string) is still a bound. */
		*p = icp_malloc(1);
		*n = 0;
		icp_buf_dispose(b);
		return *p ? ICP_OK : ICP_ERR_NOMEM;
	}
	/* exact size: a table may hold thousands of closed files' bounds
	 * until its commit, and a buffer's capacity is at least 256 bytes */
	*p = icp_malloc(b->len);
	if (*p) {
		memcpy(*p, b->data, b->len);
		*n = b->len;
	}
	icp_buf_dispose(b);
	return *p ? ICP_OK : ICP_ERR_NOMEM;
}

static void decimal_bound(const pq_col *c, const icp_buf *v, icp_buf *out)
{
	uint8_t be[8];
	if (c->phys == PQ_T_INT32) {
		icp_store_be32(be, icp_load_le32(v->data));
		icp_parquet_iceberg_decimal(be, 4, out);
	} else if (c->phys == PQ_T_INT64) {
		icp_store_be64(be, icp_load_le64(v->data));
		icp_parquet_iceberg_decimal(be, 8, out);
	} else {
		icp_parquet_iceberg_decimal(v->data, v->len, out);
	}
}

int pq_iceberg_bounds(const pq_col *c, size_t truncate, icp_parquet_field_metrics *m,
                      const pq_node *nd)
{
	const pq_stats *st = &c->file_st;
	icp_buf lo, hi;
	int has_hi = 1, rc;

	if (!st->has)
		return ICP_OK;
	icp_buf_init(&lo, ICP_BUF_UNLIMITED);
	icp_buf_init(&hi, ICP_BUF_UNLIMITED);
	switch (nd->kind) {
	case ICP_PARQUET_STRING:
		icp_parquet_iceberg_truncate_string_lower(icp_slice_make(st->min.data, st->min.len),
		                                          truncate, &lo);
		has_hi = icp_parquet_iceberg_truncate_string_upper(
		                 icp_slice_make(st->max.data, st->max.len), truncate, &hi) != ICP_END;
		break;
	case ICP_PARQUET_BINARY:
		icp_parquet_iceberg_truncate_binary_lower(icp_slice_make(st->min.data, st->min.len),
		                                          truncate, &lo);
		has_hi = icp_parquet_iceberg_truncate_binary_upper(
		                 icp_slice_make(st->max.data, st->max.len), truncate, &hi) != ICP_END;
		break;
	case ICP_PARQUET_DECIMAL:
		decimal_bound(c, &st->min, &lo);
		decimal_bound(c, &st->max, &hi);
		break;
	default: {
		uint8_t tmp[8];
		const uint8_t *p;
		size_t n;
		pq_stats_out(st, c->order, 0, tmp, &p, &n);
		icp_buf_append(&lo, p, n);
		pq_stats_out(st, c->order, 1, tmp, &p, &n);
		icp_buf_append(&hi, p, n);
		break;
	}
	}
	rc = detach(&lo, &m->lower, &m->lower_len);
	if (rc == ICP_OK && has_hi)
		rc = detach(&hi, &m->upper, &m->upper_len);
	icp_buf_dispose(&lo);
	icp_buf_dispose(&hi);
	return rc;
}
