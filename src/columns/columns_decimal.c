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

/* 10^0 .. 10^38 as four little-endian 32-bit limbs */
static const uint32_t pow10_limbs[39][4] = {
	{0x1u, 0x0u, 0x0u, 0x0u}, {0xau, 0x0u, 0x0u, 0x0u},
	{0x64u, 0x0u, 0x0u, 0x0u}, {0x3e8u, 0x0u, 0x0u, 0x0u},
	{0x2710u, 0x0u, 0x0u, 0x0u}, {0x186a0u, 0x0u, 0x0u, 0x0u},
	{0xf4240u, 0x0u, 0x0u, 0x0u}, {0x989680u, 0x0u, 0x0u, 0x0u},
	{0x5f5e100u, 0x0u, 0x0u, 0x0u}, {0x3b9aca00u, 0x0u, 0x0u, 0x0u},
	{0x540be400u, 0x2u, 0x0u, 0x0u}, {0x4876e800u, 0x17u, 0x0u, 0x0u},
	{0xd4a51000u, 0xe8u, 0x0u, 0x0u}, {0x4e72a000u, 0x918u, 0x0u, 0x0u},
	{0x107a4000u, 0x5af3u, 0x0u, 0x0u}, {0xa4c68000u, 0x38d7eu, 0x0u, 0x0u},
	{0x6fc10000u, 0x2386f2u, 0x0u, 0x0u}, {0x5d8a0000u, 0x1634578u, 0x0u, 0x0u},
	{0xa7640000u, 0xde0b6b3u, 0x0u, 0x0u}, {0x89e80000u, 0x8ac72304u, 0x0u, 0x0u},
	{0x63100000u, 0x6bc75e2du, 0x5u, 0x0u}, {0xdea00000u, 0x35c9adc5u, 0x36u, 0x0u},
	{0xb2400000u, 0x19e0c9bau, 0x21eu, 0x0u}, {0xf6800000u, 0x2c7e14au, 0x152du, 0x0u},
	{0xa1000000u, 0x1bceccedu, 0xd3c2u, 0x0u}, {0x4a000000u, 0x16140148u, 0x84595u, 0x0u},
	{0xe4000000u, 0xdcc80cd2u, 0x52b7d2u, 0x0u}, {0xe8000000u, 0x9fd0803cu, 0x33b2e3cu, 0x0u},
	{0x10000000u, 0x3e250261u, 0x204fce5eu, 0x0u}, {0xa0000000u, 0x6d7217cau, 0x431e0faeu, 0x1u},
	{0x40000000u, 0x4674edeau, 0x9f2c9cd0u, 0xcu}, {0x80000000u, 0xc0914b26u, 0x37be2022u, 0x7eu},
	{0x0u, 0x85acef81u, 0x2d6d415bu, 0x4eeu}, {0x0u, 0x38c15b0au, 0xc6448d93u, 0x314du},
	{0x0u, 0x378d8e64u, 0xbead87c0u, 0x1ed09u}, {0x0u, 0x2b878fe8u, 0x72c74d82u, 0x134261u},
	{0x0u, 0xb34b9f10u, 0x7bc90715u, 0xc097ceu}, {0x0u, 0xf436a0u, 0xd5da46d9u, 0x785ee10u},
	{0x0u, 0x98a2240u, 0x5a86c47au, 0x4b3b4ca8u},
};

int icp_dec_ge_pow10(const icp_dec *x, int p)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (x->m[i] != pow10_limbs[p][i])
			return x->m[i] > pow10_limbs[p][i];
	return 1;
}

void icp_dec_mul10(icp_dec *x)
{
	mul10_add(x, 0);
}

unsigned icp_dec_div10(icp_dec *x)
{
	uint64_t r = 0;
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t v = r << 32 | x->m[i];
		x->m[i] = (uint32_t)(v / 10);
		r = v % 10;
	}
	return (unsigned)r;
}

int icp_dec_is_zero(const icp_dec *x)
{
	return is_zero(x);
}

int icp_dec_from_be(const uint8_t *b, size_t n, icp_dec *out)
{
	uint8_t sx;
	uint64_t c = 1;
	int i;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	out->neg = b[0] >> 7;
	sx = out->neg ? 0xff : 0;
	for (; n > 16; b++, n--)
		if (b[0] != sx || (b[1] >> 7) != out->neg)
			return 0;
	/* sign-extended to 128 bits, limb by limb from the last byte */
	for (i = 0; i < 16; i++) {
		uint8_t v = (size_t)i < n ? b[n - 1 - (size_t)i] : sx;
		out->m[i / 4] |= (uint32_t)v << (8 * (i % 4));
	}
	if (out->neg) /* magnitude: invert and add one (-2^127 stays 2^127) */
		for (i = 0; i < 4; i++) {
			c += (uint32_t)~out->m[i];
			out->m[i] = (uint32_t)c;
			c >>= 32;
		}
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
	if (icp_dec_ge_pow10(out, max_digits))
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
