/*
 * Exact decimal text -> scaled integer, and uuid text -> 16 bytes.
 *
 * A decimal(P,S) value is read from the number's own text (JSON numbers
 * keep their raw literal; numeric strings are read the same way), never
 * through a double: 0.1 must be exactly 1 unit of 10^-1, and a 38-digit
 * value has no binary floating point equivalent. The text is
 *   [+-] digits [. digits] [(e|E) [+-] digits]      (".5" and "5." too)
 * i.e. D x 10^E with D the digit string; the wanted integer is
 * D x 10^(E+S). Digits past the scale are dropped with a rounding rule
 * (HALF_UP for decimal columns: Spark's and BigDecimal's cast rule; FLOOR
 * for epoch instants, so they agree with RFC 3339 fractions that are
 * truncated towards the past). The magnitude is accumulated in four
 * 32-bit limbs (10^38 < 2^127), so nothing depends on a compiler's
 * 128-bit integer. A value with more than `max_digits` integer digits
 * after rounding is TOO_LARGE (the column's range), not a parse error.
 */
#include "columns/columns_int.h"

/* magnitude * 10 + d; the caller keeps it below 10^38 (fits 127 bits). */
static void mul10_add(icp_dec *x, unsigned d)
{
	uint64_t c = d;
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t v = (uint64_t)x->m[i] * 10 + c;
		x->m[i] = (uint32_t)v;
		c = v >> 32;
	}
}

static void add1(icp_dec *x)
{
	int i;

	for (i = 0; i < 4; i++)
		if (++x->m[i] != 0)
			break;
}

static int is_zero(const icp_dec *x)
{
	return !(x->m[0] | x->m[1] | x->m[2] | x->m[3]);
}

/* 1 when the magnitude is >= 10^p (p <= 38). */
static int ge_pow10(const icp_dec *x, int p)
{
	icp_dec lim;
	int i;

	memset(&lim, 0, sizeof(lim));
	lim.m[0] = 1;
	for (i = 0; i < p; i++)
		mul10_add(&lim, 0);
	for (i = 3; i >= 0; i--)
		if (x->m[i] != lim.m[i])
			return x->m[i] > lim.m[i];
	return 1;
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

int icp_dec_parse(const char *s, size_t n, int scale, int max_digits, int mode, icp_dec *out)
{
	size_t i = 0, int0, int1, frac0 = 0, frac1 = 0, nd, k;
	int64_t exp = 0, keep, shift;
	int eneg = 0, dropped_nz = 0, round_up = 0, sig = 0;

	memset(out, 0, sizeof(*out));
	if (i < n && (s[i] == '-' || s[i] == '+'))
		out->neg = s[i++] == '-';
	int0 = i;
	while (i < n && digit(s[i]))
		i++;
	int1 = i;
	if (i < n && s[i] == '.') {
		frac0 = ++i;
		while (i < n && digit(s[i]))
			i++;
		frac1 = i;
	}
	if (int1 == int0 && frac1 == frac0)
		return ICP_ERR_INVALID; /* no digit at all */
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		e0 = i;
		/* saturate: any exponent past 10^9 is out of every range anyway */
		for (; i < n && digit(s[i]); i++)
			if (exp < 1000000000)
				exp = exp * 10 + (s[i] - '0');
		if (i == e0)
			return ICP_ERR_INVALID;
		if (eneg)
			exp = -exp;
	}
	if (i != n)
		return ICP_ERR_INVALID;
	/* D = integer digits then fraction digits; value = D x 10^(exp - nfrac) */
	nd = (int1 - int0) + (frac1 - frac0);
	shift = exp - (int64_t)(frac1 - frac0) + scale;
	/* digits of D kept as the integer part of D x 10^shift */
	keep = shift >= 0 ? (int64_t)nd : (int64_t)nd + shift;
	for (k = 0; k < nd; k++) {
		size_t at = k < int1 - int0 ? int0 + k : frac0 + (k - (int1 - int0));
		unsigned d = (unsigned)(s[at] - '0');
		if ((int64_t)k < keep) {
			if (sig == 0 && d == 0)
				continue; /* leading zeros */
			if (++sig > max_digits)
				return ICP_ERR_TOO_LARGE;
			mul10_add(out, d);
		} else if ((int64_t)k == keep) {
			round_up = d >= 5;
			dropped_nz |= d != 0;
		} else {
			dropped_nz |= d != 0;
		}
	}
	if (shift > 0 && sig > 0) {
		/* trailing zeros of a positive exponent */
		if ((int64_t)sig + shift > max_digits)
			return ICP_ERR_TOO_LARGE;
		for (; shift > 0; shift--)
			mul10_add(out, 0);
	}
	if (mode == ICP_DEC_HALF_UP ? round_up : (out->neg && dropped_nz))
		add1(out);
	if (ge_pow10(out, max_digits))
		return ICP_ERR_TOO_LARGE; /* 999.995 rounded to 1000.00 in (5,2) */
	if (is_zero(out))
		out->neg = 0;
	return ICP_OK;
}

int icp_dec_to_i64(const icp_dec *x, int64_t *out)
{
	uint64_t mag = (uint64_t)x->m[1] << 32 | x->m[0];

	if (x->m[2] || x->m[3] || mag > (x->neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return 0;
	*out = x->neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 1;
}

void icp_dec_to_be(const icp_dec *x, uint8_t be[16])
{
	uint32_t m[4];
	uint64_t c = 1;
	int i;

	memcpy(m, x->m, sizeof(m));
	if (x->neg) /* two's complement: invert and add one */
		for (i = 0; i < 4; i++) {
			c += (uint32_t)~m[i];
			m[i] = (uint32_t)c;
			c >>= 32;
		}
	for (i = 0; i < 4; i++)
		icp_store_be32(be + 4 * (3 - i), m[i]);
}

int icp_columns_parse_decimal(const char *s, size_t n, int precision, int scale,
                              uint8_t be[16])
{
	icp_dec d;
	int rc;

	if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
		return ICP_ERR_INVALID;
	rc = icp_dec_parse(s, n, scale, precision, ICP_DEC_HALF_UP, &d);
	if (rc == ICP_OK)
		icp_dec_to_be(&d, be);
	return rc;
}

int icp_cc_decimal(const cj_node *v, int precision, int scale, uint8_t be[16])
{
	/* numbers and numeric strings alike; anything else is null */
	if (v->type != CJ_NUM && v->type != CJ_STR)
		return 0;
	return icp_columns_parse_decimal(v->s, v->len, precision, scale, be) == ICP_OK;
}

/* ---------------------------------------------------------------- uuid */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int icp_columns_parse_uuid(const char *s, size_t n, uint8_t out[16])
{
	size_t i, o = 0;

	if (n != 36)
		return ICP_ERR_INVALID;
	for (i = 0; i < 36;) {
		int hi, lo;
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return ICP_ERR_INVALID;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return ICP_ERR_INVALID;
		out[o++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return ICP_OK;
}

int icp_cc_uuid(const cj_node *v, uint8_t out[16])
{
	return v->type == CJ_STR && icp_columns_parse_uuid(v->s, v->len, out) == ICP_OK;
}
