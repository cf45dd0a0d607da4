/*
 * log: one line per event on stderr, logfmt (default) or JSON, with a
 * level filter checked before anything is formatted.
 *
 *   ts=2026-11-24T10:00:00.123Z level=error msg="segment corrupt" topic=orders
 *   partition=3 key=ns/orders/3/segment-...kfs err="..."
 *
 * Fields are passed as alternating key/value C strings ending with NULL.
 * logfmt: values are written bare when safe, else quoted and escaped.
 * JSON: a value that is a JSON number literal (optional '-', integer part
 * without leading zeros, optional fraction and exponent: "3", "-1",
 * "0.25", "1e9") or exactly "true"/"false" is written unquoted, as a
 * number or boolean; every other value is a JSON string. So call sites
 * format numbers with snprintf as before and JSON consumers get numbers.
 * The price: a string field that happens to look like a number (a topic
 * named "42") is a number in JSON too; numeric-looking names are rare and
 * a consumer that needs a string can still read it as one.
 *
 * The logger's level and format are process-wide, set once at start-up
 * from the config (like metrics, the one kind of global state we allow);
 * logging is thread-safe (one write(2) per line). Callers never pass
 * secrets.
 */
#ifndef ICP_LOG_H
#define ICP_LOG_H

#include "core/core.h"

/* FATAL is not a filter level: it is always written, for the last line
 * of a process that exits on an error. */
enum {
	ICP_LOG_LEVEL_DEBUG,
	ICP_LOG_LEVEL_INFO,
	ICP_LOG_LEVEL_WARN,
	ICP_LOG_LEVEL_ERROR,
	ICP_LOG_LEVEL_FATAL
};

/* level: ICP_LOG_LEVEL_*; json: 1 for JSON lines, 0 for logfmt. */
void icp_log_setup(int level, int json);
int icp_log_enabled(int level);
/* icp_log(level, "message", "key", "value", ..., NULL) */
void icp_log(int level, const char *msg, ...) __attribute__((sentinel));
/* 1 when v is written unquoted in JSON (see above). */
int icp_log_is_json_literal(const char *v);

/* A line rendered ahead of time, for a signal handler: made with
 * icp_log_prepare (in the format configured at that moment), written with
 * icp_log_write_prepared, which is async-signal-safe (clock_gettime, a
 * copy, arithmetic, one write(2)) and stamps the time of the write.
 * Caller-owned; nothing to free. */
typedef struct icp_log_prepared {
	char line[1024];
	size_t len;
	size_t ts_at; /* offset of the 24-character timestamp in line */
} icp_log_prepared;
/* Returns ICP_OK, or ICP_ERR_TOO_LARGE when the line does not fit (then
 * writing it is a no-op). */
int icp_log_prepare(icp_log_prepared *out, int level, const char *msg, ...)
	__attribute__((sentinel));
void icp_log_write_prepared(const icp_log_prepared *l);

#define ICP_LOG(level, ...)                                                 \
	do {                                                                \
		if (icp_log_enabled(level))                                 \
			icp_log((level), __VA_ARGS__, (const char *)NULL); \
	} while (0)
#define ICP_DEBUG(...) ICP_LOG(ICP_LOG_LEVEL_DEBUG, __VA_ARGS__)
#define ICP_INFO(...) ICP_LOG(ICP_LOG_LEVEL_INFO, __VA_ARGS__)
#define ICP_WARN(...) ICP_LOG(ICP_LOG_LEVEL_WARN, __VA_ARGS__)
#define ICP_ERROR(...) ICP_LOG(ICP_LOG_LEVEL_ERROR, __VA_ARGS__)
#define ICP_FATAL(...) ICP_LOG(ICP_LOG_LEVEL_FATAL, __VA_ARGS__)

#endif
