/*
 * http: a small, generic HTTP/1.1 client over one libcurl easy handle.
 *
 * One icp_http client = one easy handle, so consecutive requests reuse the
 * connection (keep-alive), except POST/PATCH, which always go out on a
 * fresh connection: libcurl would otherwise re-send them by itself when a
 * reused connection dies before the answer, duplicating a mutation. A client is used by one thread at a time.
 * A request is method + URL + extra header lines + optional body; the
 * response is the status, the body (bounded: ICP_ERR_TOO_LARGE past
 * opts.max_response) and the values of the response headers the caller
 * asked for.
 *
 * Errors (the distinction callers that mutate remote state rely on):
 *   ICP_ERR_RETRYABLE  the request was certainly not sent (DNS, connect,
 *                      TLS handshake failed): safe to repeat;
 *   ICP_ERR_UNKNOWN    the request may have reached the server (timeout,
 *                      connection cut while sending or receiving): the
 *                      effect of a mutation is not known;
 *   ICP_ERR_TOO_LARGE  the response body passed max_response.
 * Any HTTP status is ICP_OK at this level; the caller interprets it.
 * Error messages name the method and URL (never header values: they may
 * carry credentials).
 *
 * Ownership: icp_http_new/icp_http_free; an icp_http_response is
 * caller-owned (_init/_dispose) and reusable.
 */
#ifndef ICP_HTTP_H
#define ICP_HTTP_H

#include "core/core.h"

typedef struct icp_http icp_http;

/* Called after every request (debug logging). status 0 = no response.
 * Never given header values or bodies. */
typedef void (*icp_http_debug_fn)(void *ud, const char *method, const char *url,
                                  long status, int64_t elapsed_ms);

typedef struct icp_http_opts {
	long timeout_ms;         /* whole request; 0 = 30000 */
	long connect_timeout_ms; /* 0 = 10000 */
	size_t max_response;     /* body bytes; 0 = 64 MiB */
	const char *ca_bundle;   /* PEM file, NULL = system default */
	int insecure;            /* 1: do not verify TLS peers (tests only) */
	icp_http_debug_fn debug; /* may be NULL */
	void *debug_ud;
} icp_http_opts;

#define ICP_HTTP_MAX_WANTED 4

typedef struct icp_http_response {
	long status;
	icp_buf body;
	/* Response headers to capture (names, case-insensitive) and their
	 * values (NUL-terminated, owned; NULL when absent). */
	const char *want[ICP_HTTP_MAX_WANTED];
	char *value[ICP_HTTP_MAX_WANTED];
} icp_http_response;

void icp_http_response_init(icp_http_response *r);
void icp_http_response_dispose(icp_http_response *r);

/* ICP_OK, ICP_ERR_INVALID (opts), ICP_ERR_NOMEM, ICP_ERR_IO (curl init). */
int icp_http_new(const icp_http_opts *opts, icp_http **out, icp_error *err);
void icp_http_free(icp_http *h);

/* Performs one request. headers: NULL-terminated "Name: value" lines (may
 * be NULL). body may be NULL (no body) for any method. The response is
 * reset first. Errors as described above. */
int icp_http_request(icp_http *h, const char *method, const char *url,
                     const char *const *headers, icp_slice body,
                     icp_http_response *resp, icp_error *err);

/* Appends s percent-encoded as one path segment or form value (RFC 3986
 * unreserved characters kept, everything else %XX, upper-case hex). */
int icp_http_escape(icp_buf *out, const char *s, size_t n);

#endif
