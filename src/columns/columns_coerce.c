/*
 * The coercion table (docs/internals/columns.md): JSON value -> column
 * value. Every function returns 1 with the value, or 0 meaning "null"
 * (wrong JSON kind, out of range, unparsable text); the extractor counts
 * the 0s per column. Numbers are taken from their raw literal text, never
 * through a double unless the column is float/double.
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

/* ------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int num2(const char *s, unsigned *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return 0;
	*out = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	return 1;
}

/* "YYYY-MM-DD" at s (n >= 10): year 0000..9999, a real calendar day. */
static int ymd(const char *s, size_t n, int64_t *days)
{
	unsigned yh, yl, m, d, dim;
	int64_t y;
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (n < 10 || !num2(s, &yh) || !num2(s + 2, &yl) || s[4] != '-' || !num2(s + 5, &m) ||
	    s[7] != '-' || !num2(s + 8, &d))
		return 0;
	y = yh * 100 + yl;
	if (m < 1 || m > 12 || d < 1)
		return 0;
	dim = mdays[m - 1];
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	if (d > dim)
		return 0;
	*days = days_from_civil(y, m, d);
	return 1;
}

/* Parses the date-time; *local_days is the date as written (its own
 * offset), *micros the UTC instant. */
static int rfc3339(const char *s, size_t n, int64_t *local_days, int64_t *micros)
{
	unsigned hh, mi, ss, oh = 0, om = 0;
	int64_t days, us = 0, off = 0;
	size_t i = 19;
	int nd = 0;

	if (n < 20 || !ymd(s, n, &days))
		return 0;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return 0;
	if (!num2(s + 11, &hh) || s[13] != ':' || !num2(s + 14, &mi) || s[16] != ':' ||
	    !num2(s + 17, &ss) || hh > 23 || mi > 59 || ss > 59)
		return 0; /* a leap second (:60) is refused: Iceberg has none */
	if (s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (nd < 6)
				us = us * 10 + (s[i] - '0');
			nd++;
			i++;
		}
		if (nd == 0 || nd > 9)
			return 0;
		for (; nd < 6; nd++)
			us *= 10; /* digits beyond 6 were truncated */
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-')) {
		if (!num2(s + i + 1, &oh) || s[i + 3] != ':' || !num2(s + i + 4, &om) || oh > 23 ||
		    om > 59)
			return 0;
		off = (int64_t)(oh * 60 + om) * 60;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else {
		return 0;
	}
	if (i != n)
		return 0;
	*local_days = days;
	*micros = ((days * 86400 + hh * 3600 + mi * 60 + ss) - off) * 1000000 + us;
	return 1;
}

int icp_columns_parse_timestamp(const char *s, size_t n, int64_t *micros)
{
	int64_t d;

	return rfc3339(s, n, &d, micros) ? ICP_OK : ICP_ERR_INVALID;
}

int icp_columns_parse_date(const char *s, size_t n, int32_t *days)
{
	int64_t d, us;

	if (n == 10) {
		if (!ymd(s, n, &d))
			return ICP_ERR_INVALID;
	} else if (!rfc3339(s, n, &d, &us)) {
		return ICP_ERR_INVALID;
	}
	*days = (int32_t)d; /* years 0..9999: always in range */
	return ICP_OK;
}

int icp_cc_timestamp(const cj_node *v, int64_t *out)
{
	int64_t ms;

	if (v->type == CJ_STR)
		return icp_columns_parse_timestamp(v->s, v->len, out) == ICP_OK;
	/* Numbers are epoch milliseconds (what Kafka producers send). */
	if (v->type != CJ_NUM || !v->b || icp_columns_parse_long(v->s, v->len, &ms) != ICP_OK ||
	    ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000)
		return 0;
	*out = ms * 1000;
	return 1;
}

int icp_cc_date(const cj_node *v, int32_t *out)
{
	return v->type == CJ_STR && icp_columns_parse_date(v->s, v->len, out) == ICP_OK;
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
