/*
 * Statistics: min/max kept as PLAIN bytes (little-endian numbers, raw bytes
 * for binary) and compared under the column's sort order: signed integers,
 * IEEE floats (NaN never enters min/max), unsigned lexicographic bytes
 * (strings, binary, uuid, fixed) and two's-complement big-endian bytes
 * (FIXED decimals). Output follows the spec's float rule: a zero minimum is
 * written as -0.0 and a zero maximum as +0.0, so either zero is covered.
 */
#include "parquet/parquet_int.h"

void pq_stats_init(pq_stats *s)
{
	memset(s, 0, sizeof(*s));
	icp_buf_init(&s->min, ICP_BUF_UNLIMITED);
	icp_buf_init(&s->max, ICP_BUF_UNLIMITED);
}

void pq_stats_dispose(pq_stats *s)
{
	icp_buf_dispose(&s->min);
	icp_buf_dispose(&s->max);
}

void pq_stats_reset(pq_stats *s)
{
	s->has = 0;
	s->nulls = s->nans = 0;
	icp_buf_reset(&s->min);
	icp_buf_reset(&s->max);
}

static int cmp_ubytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

int pq_compare(int order, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	switch (order) {
	case PQ_ORD_BOOL: return (int)a[0] - (int)b[0];
	case PQ_ORD_I32: {
		int32_t x = (int32_t)icp_load_le32(a), y = (int32_t)icp_load_le32(b);
		return x < y ? -1 : x > y;
	}
	case PQ_ORD_I64: {
		int64_t x = (int64_t)icp_load_le64(a), y = (int64_t)icp_load_le64(b);
		return x < y ? -1 : x > y;
	}
	case PQ_ORD_FLOAT: {
		float x, y;
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x < y ? -1 : x > y;
	}
	case PQ_ORD_DOUBLE: {
		double x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x < y ? -1 : x > y;
	}
	case PQ_ORD_SBYTES:
		/* Same length (FIXED); the sign byte compares flipped. */
		if (al && bl && (a[0] ^ 0x80) != (b[0] ^ 0x80))
			return (int)(a[0] ^ 0x80) - (int)(b[0] ^ 0x80);
		return cmp_ubytes(a, al, b, bl);
	default: return cmp_ubytes(a, al, b, bl);
	}
}

static void set_buf(icp_buf *dst, const icp_buf *src)
{
	icp_buf_reset(dst);
	icp_buf_append(dst, src->data, src->len);
}

void pq_stats_merge(pq_stats *dst, const pq_stats *src, int order)
{
	dst->nulls += src->nulls;
	dst->nans += src->nans;
	if (!src->has)
		return;
	if (!dst->has) {
		set_buf(&dst->min, &src->min);
		set_buf(&dst->max, &src->max);
		dst->has = 1;
		return;
	}
	if (pq_compare(order, src->min.data, src->min.len, dst->min.data, dst->min.len) < 0)
		set_buf(&dst->min, &src->min);
	if (pq_compare(order, src->max.data, src->max.len, dst->max.data, dst->max.len) > 0)
		set_buf(&dst->max, &src->max);
}

int pq_stats_publishable(const pq_stats *s, size_t max_len)
{
	return s->has && s->min.len <= max_len && s->max.len <= max_len;
}

/* Copies a min or max for output, applying the float zero rule. */
static void out_value(const pq_stats *s, int order, int is_max, uint8_t *tmp,
                      const uint8_t **p, size_t *n)
{
	const icp_buf *b = is_max ? &s->max : &s->min;
	*p = b->data;
	*n = b->len;
	if (order == PQ_ORD_FLOAT) {
		float f;
		memcpy(&f, b->data, 4);
		if (f == 0.0f) {
			f = is_max ? 0.0f : -0.0f;
			memcpy(tmp, &f, 4);
			*p = tmp;
		}
	} else if (order == PQ_ORD_DOUBLE) {
		double d;
		memcpy(&d, b->data, 8);
		if (d == 0.0) {
			d = is_max ? 0.0 : -0.0;
			memcpy(tmp, &d, 8);
			*p = tmp;
		}
	}
}

void pq_stats_out(const pq_stats *s, int order, int is_max, uint8_t tmp[8],
                  const uint8_t **p, size_t *n)
{
	out_value(s, order, is_max, tmp, p, n);
}

/* Statistics: 3 null_count, 5 max_value, 6 min_value. */
void pq_stats_write(pq_thrift *t, int16_t id, const pq_stats *s, int order, size_t max_len)
{
	uint8_t tmp[8];
	const uint8_t *p;
	size_t n;

	pq_tw_struct_begin(t, id);
	pq_tw_i64(t, 3, (int64_t)s->nulls);
	if (pq_stats_publishable(s, max_len)) {
		out_value(s, order, 1, tmp, &p, &n);
		pq_tw_binary(t, 5, p, n);
		out_value(s, order, 0, tmp, &p, &n);
		pq_tw_binary(t, 6, p, n);
	}
	pq_tw_struct_end(t);
}
