/*
 * Logger. The configured level and format live in two atomics written once
 * at start-up; a line is built in a bounded icp_buf and written with one
 * write(2) so lines from threads never interleave. The timestamp is
 * formatted by hand (no gmtime) so that the same code serves the
 * async-signal-safe prepared lines.
 */
#include "log/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TS_LEN 24 /* 2026-11-24T10:00:00.123Z */

static atomic_int log_level = ICP_LOG_LEVEL_INFO;
static atomic_int log_json;

static const char *const level_names[] = {"debug", "info", "warn", "error", "fatal"};

void icp_log_setup(int level, int json)
{
	atomic_store(&log_level, level);
	atomic_store(&log_json, json);
}

int icp_log_enabled(int level)
{
	return level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The grammar of a JSON number (RFC 8259 section 6), nothing more. */
int icp_log_is_json_literal(const char *v)
{
	const char *p = v;
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return 1;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (is_digit(*p))
		while (is_digit(*p))
			p++;
	else
		return 0;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return 0;
		while (is_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return 0;
		while (is_digit(*p))
			p++;
	}
	return *p == 0;
}

static void put_digits(char *out, long v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[TS_LEN]: pure arithmetic
 * (civil date from days since 1970-01-01, the proleptic Gregorian
 * calendar), safe in a signal handler. */
static void format_ts(char *out, const struct timespec *now)
{
	long long secs = (long long)now->tv_sec, days = secs / 86400, rem = secs % 86400;
	long long era, doe, yoe, doy, mp, y, m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	days += 719468; /* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	put_digits(out, (long)y, 4);
	out[4] = '-';
	put_digits(out + 5, (long)m, 2);
	out[7] = '-';
	put_digits(out + 8, (long)d, 2);
	out[10] = 'T';
	put_digits(out + 11, (long)(rem / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (long)(rem / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (long)(rem % 60), 2);
	out[19] = '.';
	put_digits(out + 20, (long)(now->tv_nsec / 1000000), 3);
	out[23] = 'Z';
}

/* logfmt value: bare when safe, else quoted with \" \\ \n escaped. */
static void logfmt_value(icp_buf *b, const char *v)
{
	const char *p;
	int bare = *v != 0;
	for (p = v; *p && bare; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\')
			bare = 0;
	if (bare) {
		icp_buf_append_str(b, v);
		return;
	}
	icp_buf_append_byte(b, '"');
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\') {
			icp_buf_append_byte(b, '\\');
			icp_buf_append_byte(b, (uint8_t)*p);
		} else if (*p == '\n') {
			icp_buf_append_str(b, "\\n");
		} else if ((uint8_t)*p < 0x20) {
			icp_buf_append_byte(b, ' ');
		} else {
			icp_buf_append_byte(b, (uint8_t)*p);
		}
	}
	icp_buf_append_byte(b, '"');
}

/* One line into b; *ts_at = where the timestamp went. */
static void render(icp_buf *b, int level, const char *ts, const char *msg, va_list ap,
                   size_t *ts_at)
{
	int json = atomic_load(&log_json);
	const char *k;

	if (level < ICP_LOG_LEVEL_DEBUG || level > ICP_LOG_LEVEL_FATAL)
		level = ICP_LOG_LEVEL_ERROR;
	icp_buf_append_str(b, json ? "{\"ts\":\"" : "ts=");
	*ts_at = b->len;
	icp_buf_append(b, ts, TS_LEN);
	if (json) {
		icp_buf_printf(b, "\",\"level\":\"%s\",\"msg\":", level_names[level]);
		icp_buf_append_json_str(b, (const uint8_t *)msg, strlen(msg));
	} else {
		icp_buf_printf(b, " level=%s msg=", level_names[level]);
		logfmt_value(b, msg);
	}
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (!v)
			v = "";
		if (json) {
			icp_buf_append_byte(b, ',');
			icp_buf_append_json_str(b, (const uint8_t *)k, strlen(k));
			icp_buf_append_byte(b, ':');
			if (icp_log_is_json_literal(v))
				icp_buf_append_str(b, v);
			else
				icp_buf_append_json_str(b, (const uint8_t *)v, strlen(v));
		} else {
			icp_buf_append_byte(b, ' ');
			icp_buf_append_str(b, k);
			icp_buf_append_byte(b, '=');
			logfmt_value(b, v);
		}
	}
	icp_buf_append_str(b, json ? "}\n" : "\n");
}

void icp_log(int level, const char *msg, ...)
{
	icp_buf b;
	va_list ap;
	char ts[TS_LEN];
	struct timespec now;
	size_t ts_at;
	ssize_t w;

	clock_gettime(CLOCK_REALTIME, &now);
	format_ts(ts, &now);
	icp_buf_init(&b, 64 * 1024);
	va_start(ap, msg);
	render(&b, level, ts, msg, ap, &ts_at);
	va_end(ap);
	if (b.status == ICP_OK) {
		w = write(2, b.data, b.len);
		(void)w;
	}
	icp_buf_dispose(&b);
}

int icp_log_prepare(icp_log_prepared *out, int level, const char *msg, ...)
{
	static const char zero_ts[TS_LEN + 1] = "0000-00-00T00:00:00.000Z";
	icp_buf b;
	va_list ap;
	int rc;

	memset(out, 0, sizeof(*out));
	icp_buf_init(&b, sizeof(out->line));
	va_start(ap, msg);
	render(&b, level, zero_ts, msg, ap, &out->ts_at);
	va_end(ap);
	rc = b.status;
	if (rc == ICP_OK) {
		memcpy(out->line, b.data, b.len);
		out->len = b.len;
	}
	icp_buf_dispose(&b);
	return rc == ICP_OK ? ICP_OK : ICP_ERR_TOO_LARGE;
}

void icp_log_write_prepared(const icp_log_prepared *l)
{
	char line[sizeof(l->line)];
	struct timespec now;
	ssize_t w;

	if (l->len == 0 || l->len > sizeof(line) || l->ts_at + TS_LEN > l->len)
		return;
	memcpy(line, l->line, l->len);
	if (clock_gettime(CLOCK_REALTIME, &now) == 0)
		format_ts(line + l->ts_at, &now);
	w = write(2, line, l->len);
	(void)w;
}
