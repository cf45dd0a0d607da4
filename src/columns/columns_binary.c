/*
 * Coercion of the binary vtree kinds (vtree.h: LONG, DOUBLE, BYTES,
 * DECIMAL, TIMESTAMP, DATE, TIME), which the Avro and Protobuf decoders
 * produce, into a leaf's column value; and of a JSON string into a
 * fixed[N] column. The table is in docs/internals/columns.md. As for
 * JSON, 1 means "value set", 0 "null" (counted by the caller), < 0 an
 * error (out of memory).
 *
 * Values stay native: nothing is printed to text and parsed back, and
 * nothing is allocated per value (byte values go to the extractor's text
 * buffer, which is reused from batch to batch). A decimal's unscaled
 * value is taken as the JSON path's exact decimal (icp_dec, 128-bit
 * magnitude in 32-bit limbs) and rescaled exactly: to a larger scale by
 * multiplying, to a smaller one only when the dropped digits are zeros;
 * it must then hold in the column's precision.
 */
#include "columns/columns_int.h"

#include <math.h>

/* m (scale `from`) to decimal(precision, to): 1 with the unscaled value
 * as 16 big-endian bytes, 0 when it cannot be exact or does not hold
 * precision digits. */
static int rescale(icp_dec *m, int from, int precision, int to, uint8_t be[16])
{
	int d = to - from;

	for (; d > 0 && !icp_dec_is_zero(m); d--) {
		/* m * 10 < 10^precision needs m < 10^(precision - 1) */
		if (icp_dec_ge_pow10(m, precision - 1))
			return 0;
		icp_dec_mul10(m);
	}
	for (; d < 0; d++)
		if (icp_dec_div10(m))
			return 0; /* not exact: null, never rounded */
	if (icp_dec_ge_pow10(m, precision))
		return 0;
	if (icp_dec_is_zero(m))
		m->neg = 0;
	icp_dec_to_be(m, be);
	return 1;
}

/* The value of v as decimal(p, s): from LONG (scale 0) or DECIMAL. */
static int to_decimal(const cj_node *v, int p, int s, uint8_t be[16])
{
	icp_dec m;

	if (p < 1 || p > 38)
		return 0;
	if (v->type == ICP_VT_LONG) {
		uint64_t mag = v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i;
		memset(&m, 0, sizeof(m));
		m.neg = v->i < 0;
		m.m[0] = (uint32_t)mag;
		m.m[1] = (uint32_t)(mag >> 32);
		return rescale(&m, 0, p, s, be);
	}
	if (v->type != ICP_VT_DECIMAL || !icp_dec_from_be((const uint8_t *)v->s, v->len, &m))
		return 0;
	return rescale(&m, v->scale, p, s, be);
}

/* Appends bytes to the text buffer as the value's boff. */
static int put_bytes(icp_columns *x, const void *p, size_t n, boff *bo)
{
	bo->off = x->text.len;
	if (icp_buf_append(&x->text, p, n) != ICP_OK)
		return ICP_ERR_NOMEM;
	bo->len = n;
	return 1;
}

int icp_cb_leaf(icp_columns *x, const leaf *l, const cj_node *v, void *out, boff *bo)
{
	uint8_t be[16];
	double d;

	switch (l->kind) {
	case ICP_ICE_INT:
		if (v->type != ICP_VT_LONG || v->i < INT32_MIN || v->i > INT32_MAX)
			return 0;
		{
			int32_t i = (int32_t)v->i;
			memcpy(out, &i, 4);
		}
		return 1;
	case ICP_ICE_LONG:
		if (v->type != ICP_VT_LONG)
			return 0;
		memcpy(out, &v->i, 8);
		return 1;
	case ICP_ICE_DOUBLE:
	case ICP_ICE_FLOAT:
		if (v->type == ICP_VT_LONG)
			d = (double)v->i;
		else if (v->type == ICP_VT_DOUBLE)
			d = v->d;
		else
			return 0;
		if (l->kind == ICP_ICE_DOUBLE) {
			memcpy(out, &d, 8);
		} else {
			float f;
			/* a finite double beyond float's range would become an
			 * infinity: null. NaN and infinities are floats as well. */
			if (isfinite(d) && fabs(d) > 3.4028234663852886e38)
				return 0;
			f = (float)d;
			memcpy(out, &f, 4);
		}
		return 1;
	case ICP_ICE_DECIMAL:
		if (!to_decimal(v, l->precision, l->scale, be))
			return 0;
		if (l->bytes) {
			size_t nb = (size_t)icp_parquet_decimal_bytes(l->precision);
			return put_bytes(x, be + 16 - nb, nb, bo);
		}
		if (l->width == 4) {
			int32_t i = (int32_t)icp_load_be32(be + 12);
			memcpy(out, &i, 4);
		} else {
			int64_t i = (int64_t)icp_load_be64(be + 8);
			memcpy(out, &i, 8);
		}
		return 1;
	case ICP_ICE_TIMESTAMP:
	case ICP_ICE_TIMESTAMPTZ:
		if (v->type != ICP_VT_TIMESTAMP)
			return 0;
		memcpy(out, &v->i, 8);
		return 1;
	case ICP_ICE_TIME:
		/* a time of day, as the JSON rule: 0 <= t < 24 h */
		if (v->type != ICP_VT_TIME || v->i < 0 || v->i >= INT64_C(86400000000))
			return 0;
		memcpy(out, &v->i, 8);
		return 1;
	case ICP_ICE_DATE:
		if (v->type != ICP_VT_DATE || v->i < INT32_MIN || v->i > INT32_MAX)
			return 0;
		{
			int32_t i = (int32_t)v->i;
			memcpy(out, &i, 4);
		}
		return 1;
	case ICP_ICE_BINARY:
		return v->type == ICP_VT_BYTES ? put_bytes(x, v->s, v->len, bo) : 0;
	case ICP_ICE_UUID:
		return v->type == ICP_VT_BYTES && v->len == 16 ? put_bytes(x, v->s, 16, bo) : 0;
	case ICP_ICE_FIXED:
		return v->type == ICP_VT_BYTES && v->len == (size_t)l->length
		           ? put_bytes(x, v->s, v->len, bo)
		           : 0;
	default:
		return 0; /* boolean and string take no binary kind */
	}
}

int icp_cc_fixed(const cj_node *v, size_t n, icp_buf *out)
{
	size_t got, bad, at = out->len;

	/* only a base64 text of exactly n bytes: 4 * ceil(n / 3) characters */
	if (v->type != CJ_STR || v->len != (n + 2) / 3 * 4 || n == 0)
		return 0;
	if (icp_buf_reserve(out, v->len / 4 * 3) != ICP_OK)
		return ICP_ERR_NOMEM;
	if (icp_base64_decode((const uint8_t *)v->s, v->len, out->data + at, &got, &bad) !=
	        ICP_OK ||
	    got != n)
		return 0;
	out->len = at + got;
	return 1;
}
