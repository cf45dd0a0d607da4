/*
 * log: one line per event on stderr, logfmt (default) or JSON, with a
 * level filter checked before anything is formatted.
 *
 *   ts=2026-11-24T10:00:00.123Z level=error msg="segment corrupt" topic=orders
 *   partition=3 key=ns/orders/3/segment-...kfs err="..."
 *
 * Fields are passed as alternating key/value C strings ending with NULL;
 * values are quoted and escaped as needed. The logger's level and format
 * are process-wide, set once at start-up from the config (like metrics,
 * the one kind of global state we allow); logging is thread-safe (one
 * write(2) per line). Callers never pass secrets.
 */
#ifndef ICP_LOG_H
#define ICP_LOG_H

#include "core/core.h"

enum { ICP_LOG_LEVEL_DEBUG, ICP_LOG_LEVEL_INFO, ICP_LOG_LEVEL_WARN, ICP_LOG_LEVEL_ERROR };

/* level: ICP_LOG_LEVEL_*; json: 1 for JSON lines, 0 for logfmt. */
void icp_log_setup(int level, int json);
int icp_log_enabled(int level);
/* icp_log(level, "message", "key", "value", ..., NULL) */
void icp_log(int level, const char *msg, ...) __attribute__((sentinel));

#define ICP_LOG(level, ...)                                                 \
	do {                                                                \
		if (icp_log_enabled(level))                                 \
			icp_log((level), __VA_ARGS__, (const char *)NULL); \
	} while (0)
#define ICP_DEBUG(...) ICP_LOG(ICP_LOG_LEVEL_DEBUG, __VA_ARGS__)
#define ICP_INFO(...) ICP_LOG(ICP_LOG_LEVEL_INFO, __VA_ARGS__)
#define ICP_WARN(...) ICP_LOG(ICP_LOG_LEVEL_WARN, __VA_ARGS__)
#define ICP_ERROR(...) ICP_LOG(ICP_LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
