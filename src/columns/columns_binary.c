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
 * value is taken as a 128-bit magnitude (two uint64 halves, so nothing
 * depends on a compiler's 128-bit integer) and rescaled exactly: to a
 * larger scale by multiplying, to a smaller one only when the dropped
 * digits are zeros; it must then hold in the column's precision.
 */
#include "columns/columns_int.h"

#include <math.h>

typedef struct u128 {
	uint64_t hi, lo;
} u128;

/* 10^0 .. 10^38 */
static const u128 pow10_tab[39] = {
	{0, 0x1u}, {0, 0xau},
	{0, 0x64u}, {0, 0x3e8u},
	{0, 0x2710u}, {0, 0x186a0u},
	{0, 0xf4240u}, {0, 0x989680u},
	{0, 0x5f5e100u}, {0, 0x3b9aca00u},
	{0, 0x2540be400u}, {0, 0x174876e800u},
	{0, 0xe8d4a51000u}, {0, 0x9184e72a000u},
	{0, 0x5af3107a4000u}, {0, 0x38d7ea4c68000u},
	{0, 0x2386f26fc10000u}, {0, 0x16345785d8a0000u},
	{0, 0xde0b6b3a7640000u}, {0, 0x8ac7230489e80000u},
	{0x5u, 0x6bc75e2d63100000u}, {0x36u, 0x35c9adc5dea00000u},
	{0x21eu, 0x19e0c9bab2400000u}, {0x152du, 0x2c7e14af6800000u},
	{0xd3c2u, 0x1bcecceda1000000u}, {0x84595u, 0x161401484a000000u},
	{0x52b7d2u, 0xdcc80cd2e4000000u}, {0x33b2e3cu, 0x9fd0803ce8000000u},
	{0x204fce5eu, 0x3e25026110000000u}, {0x1431e0faeu, 0x6d7217caa0000000u},
	{0xc9f2c9cd0u, 0x4674edea40000000u}, {0x7e37be2022u, 0xc0914b2680000000u},
	{0x4ee2d6d415bu, 0x85acef8100000000u}, {0x314dc6448d93u, 0x38c15b0a00000000u},
	{0x1ed09bead87c0u, 0x378d8e6400000000u}, {0x13426172c74d82u, 0x2b878fe800000000u},
	{0xc097ce7bc90715u, 0xb34b9f1000000000u}, {0x785ee10d5da46d9u, 0xf436a000000000u},
	{0x4b3b4ca85a86c47au, 0x98a224000000000u},
};

static int u_ge(u128 a, u128 b)
{
	return a.hi != b.hi ? a.hi > b.hi : a.lo >= b.lo;
}

/* a * 10; the caller keeps a below 10^37 (no overflow). */
static u128 u_mul10(u128 a)
{
	uint64_t l0 = (a.lo & 0xffffffffu) * 10, l1 = (a.lo >> 32) * 10, lo;
	u128 r;

	lo = l0 + (l1 << 32);
	r.hi = a.hi * 10 + (l1 >> 32) + (lo < l0);
	r.lo = lo;
	return r;
}

/* a / 10, remainder in *rem. */
static u128 u_div10(u128 a, unsigned *rem)
{
	u128 q;
	uint64_t r, t;

	q.hi = a.hi / 10;
	r = a.hi % 10;
	t = r << 32 | a.lo >> 32;
	q.lo = (t / 10) << 32;
	r = t % 10;
	t = r << 32 | (a.lo & 0xffffffffu);
	q.lo |= t / 10;
	*rem = (unsigned)(t % 10);
	return q;
}

/* Big-endian two's complement (any length; more than 16 bytes only as
 * sign extension) to sign and magnitude. 0 when it does not fit 128
 * bits, or is empty. */
static int be_to_mag(const uint8_t *b, size_t n, int *neg, u128 *mag)
{
	uint8_t sx;
	uint64_t hi = 0, lo = 0;
	size_t i;

	if (n == 0)
		return 0;
	*neg = b[0] >> 7;
	sx = *neg ? 0xff : 0;
	for (; n > 16; b++, n--)
		if (b[0] != sx || (b[1] >> 7) != *neg)
			return 0;
	/* sign-extend to 128 bits, then read */
	if (*neg)
		hi = lo = UINT64_MAX;
	for (i = 0; i < n; i++) {
		hi = hi << 8 | lo >> 56;
		lo = lo << 8 | b[i];
	}
	if (*neg) { /* magnitude: invert and add one (-2^127 stays 2^127) */
		hi = ~hi;
		lo = ~lo + 1;
		hi += lo == 0;
	}
	mag->hi = hi;
	mag->lo = lo;
	return 1;
}

/* Sign and magnitude with scale `from` to decimal(precision, to): 1 with
 * the unscaled value as 16 big-endian bytes, 0 when it cannot be exact or
 * does not hold precision digits. */
static int rescale(int neg, u128 m, int from, int precision, int to, uint8_t be[16])
{
	const u128 lim = pow10_tab[precision];
	int d = to - from;
	uint64_t hi, lo;

	if (m.hi == 0 && m.lo == 0) {
		memset(be, 0, 16);
		return 1;
	}
	for (; d > 0; d--) {
		/* m * 10 < 10^precision needs m < 10^(precision - 1) */
		if (u_ge(m, pow10_tab[precision - 1]))
			return 0;
		m = u_mul10(m);
	}
	for (; d < 0; d++) {
		unsigned rem;
		u128 q = u_div10(m, &rem);
		if (rem)
			return 0; /* not exact: null, never rounded */
		m = q;
		if (m.hi == 0 && m.lo == 0)
			break; /* cannot happen: a nonzero m ends with a nonzero digit */
	}
	if (u_ge(m, lim))
		return 0;
	hi = m.hi;
	lo = m.lo;
	if (neg) {
		hi = ~hi;
		lo = ~lo + 1;
		hi += lo == 0;
	}
	icp_store_be64(be, hi);
	icp_store_be64(be + 8, lo);
	return 1;
}

/* The value of v as decimal(p, s): from LONG (scale 0) or DECIMAL. */
static int to_decimal(const cj_node *v, int p, int s, uint8_t be[16])
{
	int neg;
	u128 m;

	if (p < 1 || p > 38)
		return 0;
	if (v->type == ICP_VT_LONG) {
		neg = v->i < 0;
		m.hi = 0;
		m.lo = neg ? 0 - (uint64_t)v->i : (uint64_t)v->i;
		return rescale(neg, m, 0, p, s, be);
	}
	if (v->type != ICP_VT_DECIMAL || !be_to_mag((const uint8_t *)v->s, v->len, &neg, &m))
		return 0;
	return rescale(neg, m, v->scale, p, s, be);
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
