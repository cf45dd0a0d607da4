/*
 * Status names and the error object. An error is written once where the
 * failure happens; icp_error_set() on an already set error does nothing, so
 * callers higher up cannot overwrite the detail by accident.
 */
#include "core.h"

#include <stdio.h>

const char *icp_status_name(int status)
{
	switch (status) {
	case ICP_OK: return "ok";
	case ICP_END: return "end";
	case ICP_ERR_INVALID: return "invalid";
	case ICP_ERR_CORRUPT: return "corrupt";
	case ICP_ERR_TOO_LARGE: return "too_large";
	case ICP_ERR_NOMEM: return "nomem";
	case ICP_ERR_IO: return "io";
	case ICP_ERR_NOT_FOUND: return "not_found";
	case ICP_ERR_CONFLICT: return "conflict";
	case ICP_ERR_RETRYABLE: return "retryable";
	case ICP_ERR_UNKNOWN: return "unknown_outcome";
	case ICP_ERR_UNSUPPORTED: return "unsupported";
	default: return "error";
	}
}

void icp_error_init(icp_error *err)
{
	if (!err)
		return;
	err->status = ICP_OK;
	err->msg[0] = '\0';
}

void icp_error_clear(icp_error *err)
{
	icp_error_init(err);
}

int icp_error_setv(icp_error *err, int status, const char *fmt, va_list ap)
{
	if (!err || err->status != ICP_OK)
		return status;
	err->status = status;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return status;
}

int icp_error_set(icp_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	icp_error_setv(err, status, fmt, ap);
	va_end(ap);
	return status;
}

void icp_error_prefix(icp_error *err, const char *fmt, ...)
{
	char head[ICP_ERROR_MSG_MAX];
	char tmp[ICP_ERROR_MSG_MAX];
	va_list ap;
	int n;

	if (!err || err->status == ICP_OK)
		return;
	va_start(ap, fmt);
	n = vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Truncation is acceptable: the message is for people. */
	{
		size_t hl = strlen(head), ml = strlen(err->msg);
		if (hl > sizeof(tmp) - 3)
			hl = sizeof(tmp) - 3;
		memcpy(tmp, head, hl);
		memcpy(tmp + hl, ": ", 2);
		if (ml > sizeof(tmp) - 1 - hl - 2)
			ml = sizeof(tmp) - 1 - hl - 2;
		memcpy(tmp + hl + 2, err->msg, ml);
		tmp[hl + 2 + ml] = 0;
	}
	memcpy(err->msg, tmp, sizeof(tmp));
}
