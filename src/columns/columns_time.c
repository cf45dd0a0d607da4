/*
 * Time coercions (docs/internals/columns.md): RFC 3339 date-times for
 * timestamp and timestamptz, dates, times of day, and epoch numbers read
 * in the unit a column's `format` names.
 *
 * Both timestamp kinds hold the UTC instant: an RFC 3339 offset is
 * applied (timestamp did so before timestamptz existed, and its values
 * must not change for existing tables); they differ only in how Parquet
 * and Iceberg label them (isAdjustedToUTC). A string without an offset
 * is not an instant and is null for both. Fractions past microseconds are
 * dropped, which moves an instant towards the past (also before 1970);
 * epoch numbers with a fraction are floored the same way.
 */
#include "columns/columns_int.h"


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

/* An epoch number in the unit of fmt (epoch_s/ms/us) to microseconds:
 * exact from the literal's text, a fraction below a microsecond floored.
 * 0 when it is no number or beyond int64 microseconds. */
static int epoch_micros(const cj_node *v, int fmt, int64_t *out)
{
	int scale = fmt == ICP_COLUMNS_FMT_EPOCH_S ? 6 : fmt == ICP_COLUMNS_FMT_EPOCH_MS ? 3 : 0;
	icp_dec d;

	if (v->type != CJ_NUM || icp_dec_parse(v->s, v->len, scale, 19, ICP_DEC_FLOOR, &d))
		return 0;
	return icp_dec_to_i64(&d, out);
}

static int is_epoch(int fmt)
{
	return fmt == ICP_COLUMNS_FMT_EPOCH_S || fmt == ICP_COLUMNS_FMT_EPOCH_MS ||
	       fmt == ICP_COLUMNS_FMT_EPOCH_US;
}

int icp_cc_timestamp_fmt(const cj_node *v, int fmt, int64_t *out)
{
	int64_t ms;

	if (v->type == CJ_STR)
		return icp_columns_parse_timestamp(v->s, v->len, out) == ICP_OK;
	if (is_epoch(fmt))
		return epoch_micros(v, fmt, out);
	if (fmt == ICP_COLUMNS_FMT_RFC3339)
		return 0; /* strings only */
	/* No format: integer epoch milliseconds (what Kafka producers send),
	 * the rule since typed columns exist; a fraction is null. */
	if (v->type != CJ_NUM || !v->b || icp_columns_parse_long(v->s, v->len, &ms) != ICP_OK ||
	    ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000)
		return 0;
	*out = ms * 1000;
	return 1;
}

int icp_cc_timestamp(const cj_node *v, int64_t *out)
{
	return icp_cc_timestamp_fmt(v, ICP_COLUMNS_FMT_DEFAULT, out);
}

int icp_cc_date_fmt(const cj_node *v, int fmt, int32_t *out)
{
	int64_t us, days;

	if (v->type == CJ_STR)
		return icp_columns_parse_date(v->s, v->len, out) == ICP_OK;
	/* An epoch number is an instant: its UTC date (floored, so an instant
	 * before 1970 falls on the day it is in). */
	if (!is_epoch(fmt) || !epoch_micros(v, fmt, &us))
		return 0;
	days = us / 86400000000LL;
	if (us % 86400000000LL < 0)
		days--;
	*out = (int32_t)days; /* |int64 micros| / 86400e6 < 2^27 */
	return 1;
}

int icp_cc_date(const cj_node *v, int32_t *out)
{
	return icp_cc_date_fmt(v, ICP_COLUMNS_FMT_DEFAULT, out);
}

/* ---------------------------------------------------------- time of day */

int icp_columns_parse_time(const char *s, size_t n, int64_t *micros)
{
	unsigned hh, mi, ss;
	int64_t us = 0;
	size_t i = 8;
	int nd = 0;

	if (n < 8 || !num2(s, &hh) || s[2] != ':' || !num2(s + 3, &mi) || s[5] != ':' ||
	    !num2(s + 6, &ss) || hh > 23 || mi > 59 || ss > 59)
		return ICP_ERR_INVALID;
	if (i < n) {
		if (s[i++] != '.')
			return ICP_ERR_INVALID; /* no offset: Iceberg time has no zone */
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 6)
				us = us * 10 + (s[i] - '0');
		if (nd == 0 || nd > 9 || i != n)
			return ICP_ERR_INVALID;
		for (; nd < 6; nd++)
			us *= 10; /* digits beyond 6 were truncated */
	}
	*micros = (int64_t)(hh * 3600 + mi * 60 + ss) * 1000000 + us;
	return ICP_OK;
}

int icp_cc_time(const cj_node *v, int fmt, int64_t *out)
{
	int64_t us;

	if (v->type == CJ_STR)
		return icp_columns_parse_time(v->s, v->len, out) == ICP_OK;
	/* epoch_*: a number is the time elapsed since midnight in that unit */
	if (!is_epoch(fmt) || !epoch_micros(v, fmt, &us) || us < 0 || us >= 86400000000LL)
		return 0;
	*out = us;
	return 1;
}
