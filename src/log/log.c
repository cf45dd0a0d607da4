/*
 * Logger. The configured level and format live in two atomics written once
 * at start-up; a line is built in a stack-bounded icp_buf and written with
 * one write(2) so lines from threads never interleave.
 */
#include "log/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = ICP_LOG_LEVEL_INFO;
static atomic_int log_json;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void icp_log_setup(int level, int json)
{
	atomic_store(&log_level, level);
	atomic_store(&log_json, json);
}

int icp_log_enabled(int level)
{
	return level >= atomic_load_explicit(&log_level, memory_order_relaxed);
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

void icp_log(int level, const char *msg, ...)
{
	icp_buf b;
	va_list ap;
	const char *k;
	char ts[64];
	struct timespec now;
	struct tm tm;
	int json = atomic_load(&log_json);
	ssize_t w;

	if (level < ICP_LOG_LEVEL_DEBUG || level > ICP_LOG_LEVEL_ERROR)
		level = ICP_LOG_LEVEL_ERROR;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(now.tv_nsec / 1000000));
	icp_buf_init(&b, 64 * 1024);
	if (json) {
		icp_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level_names[level]);
		icp_buf_append_json_str(&b, (const uint8_t *)msg, strlen(msg));
	} else {
		icp_buf_printf(&b, "ts=%s level=%s msg=", ts, level_names[level]);
		logfmt_value(&b, msg);
	}
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (!v)
			v = "";
		if (json) {
			icp_buf_append_byte(&b, ',');
			icp_buf_append_json_str(&b, (const uint8_t *)k, strlen(k));
			icp_buf_append_byte(&b, ':');
			icp_buf_append_json_str(&b, (const uint8_t *)v, strlen(v));
		} else {
			icp_buf_append_byte(&b, ' ');
			icp_buf_append_str(&b, k);
			icp_buf_append_byte(&b, '=');
			logfmt_value(&b, v);
		}
	}
	va_end(ap);
	icp_buf_append_str(&b, json ? "}\n" : "\n");
	if (b.status == ICP_OK) {
		w = write(2, b.data, b.len);
		(void)w;
	}
	icp_buf_dispose(&b);
}
