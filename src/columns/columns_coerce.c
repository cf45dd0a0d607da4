/*
 * The coercion table (docs/internals/columns.md): JSON value -> column
 * value. Every function returns 1 with the value, or 0 meaning "null"
 * (wrong JSON kind, out of range, unparsable text); the extractor counts
 * the 0s per column. Numbers are taken from their raw literal text, never
 * through a double unless the column is float/double. The time kinds are
 * in columns_time.c, decimal and uuid in columns_decimal.c.
 */
#include "columns/columns_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int icp_columns_parse_long(const char *s, size_t n, int64_t *out)
{
	uint64_t v = 0, lim;
	size_t i = 0;
	int neg = 0;

	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= n)
		return ICP_ERR_INVALID;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return ICP_ERR_INVALID;
		d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return ICP_ERR_INVALID;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return ICP_OK;
}

/* The raw number as a double (strtod in the C locale: JSON numbers use
 * '.', and this process never calls setlocale for LC_NUMERIC). */
static int num_double(const cj_node *v, double *out)
{
	char tmp[400];
	char *end;
	double d;

	if (v->type != CJ_NUM || v->len >= sizeof(tmp))
		return 0;
	memcpy(tmp, v->s, v->len);
	tmp[v->len] = '\0';
	errno = 0;
	d = strtod(tmp, &end);
	if (end != tmp + v->len || isinf(d) || (errno == ERANGE && fabs(d) > 1.0))
		return 0;
	*out = d;
	return 1;
}

int icp_cc_long(const cj_node *v, int64_t *out)
{
	double d;

	if (v->type != CJ_NUM)
		return 0;
	if (v->b)
		return icp_columns_parse_long(v->s, v->len, out) == ICP_OK;
	/* "5.0", "1e3": integral values a double holds exactly are taken;
	 * a real fraction or anything beyond 2^53 is null. */
	if (!num_double(v, &d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return 0;
	*out = (int64_t)d;
	return 1;
}

int icp_cc_int(const cj_node *v, int32_t *out)
{
	int64_t l;

	if (!icp_cc_long(v, &l) || l < INT32_MIN || l > INT32_MAX)
		return 0;
	*out = (int32_t)l;
	return 1;
}

int icp_cc_double(const cj_node *v, double *out)
{
	return num_double(v, out);
}

int icp_cc_float(const cj_node *v, float *out)
{
	double d;

	if (!num_double(v, &d) || fabs(d) > 3.4028234663852886e38)
		return 0;
	*out = (float)d;
	return 1;
}

int icp_cc_bool(const cj_node *v, uint8_t *out)
{
	if (v->type != CJ_BOOL)
		return 0;
	*out = v->b;
	return 1;
}

/* ------------------------------------------------------------ binary */

int icp_cc_binary(const cj_node *v, icp_buf *out)
{
	const uint8_t *s = (const uint8_t *)v->s;
	size_t n = v->len, got, bad;

	if (v->type != CJ_STR)
		return 0;
	if (icp_buf_reserve(out, n) != ICP_OK)
		return 0;
	/* canonical base64 is decoded; any other string is its own bytes */
	if (n && icp_base64_decode(s, n, out->data + out->len, &got, &bad) == ICP_OK) {
		out->len += got;
		return 1;
	}
	icp_buf_put(out, s, n);
	return 1;
}
