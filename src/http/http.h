/*
 * http: the program's one HTTP/1.1 transport (libcurl underneath). S3,
 * etcd, the REST catalog and the schema registry all send their requests
 * through it; no other module includes <curl/curl.h>.
 *
 * Invariants:
 * - libcurl's global state is initialised exactly once for the whole
 *   process (pthread_once inside icp_http_new) and never torn down.
 * - One icp_http client = one libcurl easy handle, reset before every
 *   request (so no option leaks from one request to the next) but keeping
 *   its connection cache: consecutive requests reuse the connection. A
 *   client is used by ONE thread at a time; modules that need concurrency
 *   (S3) keep a pool of clients.
 * - TLS peers are verified unless opts.insecure (tests only); timeouts and
 *   TLS material come from one options struct, fixed at _new.
 * - By default POST and PATCH go out on a fresh connection: libcurl
 *   silently re-sends a request when a reused connection dies before any
 *   answer byte, which would duplicate a mutation the server may already
 *   have applied. opts.reuse_for_mutations keeps the connection instead.
 *
 * Outcomes: every exchange ends in exactly one icp_http_outcome (in the
 * response or stream). Each caller maps it to its icp status codes in one
 * place (s3_http.c, etcd_http.c, catalog_rest.c, registry.c); the return
 * code of icp_http_request is the default mapping:
 *   ICP_HTTP_OK, _RETRY_STATUS, _FINAL_STATUS  ICP_OK (a response arrived)
 *   ICP_HTTP_NOT_SENT                          ICP_ERR_RETRYABLE
 *   ICP_HTTP_UNKNOWN                           ICP_ERR_UNKNOWN
 *   ICP_HTTP_BAD_SETUP                         ICP_ERR_IO
 *   ICP_HTTP_LOCAL                             ICP_ERR_NOMEM / ICP_ERR_TOO_LARGE
 * err is set (once) for every non-OK return; messages name the method and
 * URL, never header values (they may carry credentials).
 *
 * Ownership: icp_http_new/_free, icp_http_stream_open/_close (opaque,
 * NULL no-op). icp_http_response and icp_http_headers are caller-owned
 * (_init/_dispose) and reusable; the strings icp_http_header() returns
 * live until the next request or _dispose.
 */
#ifndef ICP_HTTP_H
#define ICP_HTTP_H

#include "core/core.h"

/* ------------------------------------------------------------ outcomes */

typedef enum icp_http_outcome {
	ICP_HTTP_OK = 0,      /* a 2xx response */
	ICP_HTTP_RETRY_STATUS, /* 408, 429 or 5xx: worth repeating (if safe) */
	ICP_HTTP_FINAL_STATUS, /* any other status (4xx, unfollowed 3xx, 1xx) */
	ICP_HTTP_NOT_SENT,    /* certainly not sent (DNS, connect refused or
	                       * timed out, TLS handshake): safe to repeat */
	ICP_HTTP_UNKNOWN,     /* sent, no complete answer (timeout, reset, cut
	                       * mid-body): a mutation may have been applied */
	ICP_HTTP_BAD_SETUP,   /* not sent and repeating will not help: bad URL
	                       * or scheme, unreadable CA file, peer
	                       * certificate not verified */
	ICP_HTTP_LOCAL        /* failed here: out of memory, response (body or
	                       * headers) over its limit */
} icp_http_outcome;

/* The outcome of a received HTTP status. */
icp_http_outcome icp_http_outcome_of_status(long status);
/* "ok", "retry-status", ... for logs and tests. */
const char *icp_http_outcome_name(icp_http_outcome o);
/* 1 for the outcomes where nothing reached the server. */
int icp_http_outcome_not_sent(icp_http_outcome o);

/* -------------------------------------------------------------- headers */

/* The header block of one response. Fed line by line (as they arrive): a
 * status line ("HTTP/...") starts over (after 100 Continue or a
 * redirect only the final response counts); a line starting with a space
 * or tab continues the previous header (obsolete folding, joined by one
 * space); a repeated name is combined with ", " (RFC 9110 5.3). Names
 * match case-insensitively; values are trimmed. Bounded: a line over
 * ICP_HTTP_HEADER_LINE_MAX, a block over ICP_HTTP_HEADERS_MAX or more
 * than ICP_HTTP_MAX_HEADERS names is ICP_ERR_TOO_LARGE, sticky in status
 * (the transport then fails the exchange). A malformed line (no ':', a
 * space in the name, a NUL, a fold with nothing before it) returns
 * ICP_ERR_CORRUPT and is skipped; the block stays usable. */
#define ICP_HTTP_HEADER_LINE_MAX (16 * 1024)
#define ICP_HTTP_HEADERS_MAX (64 * 1024)
#define ICP_HTTP_MAX_HEADERS 128

typedef struct icp_http_headers {
	icp_buf buf;                     /* "name\0value\0" entries */
	size_t off[ICP_HTTP_MAX_HEADERS]; /* entry starts in buf */
	size_t n;
	int last;                        /* entry the previous line went to, -1 */
	int status;                      /* sticky ICP_OK / error */
} icp_http_headers;

void icp_http_headers_init(icp_http_headers *h);
void icp_http_headers_dispose(icp_http_headers *h);
void icp_http_headers_reset(icp_http_headers *h);
/* Adds one raw line (CRLF optional). Returns h->status. */
int icp_http_headers_add(icp_http_headers *h, const char *line, size_t n);
/* The value of header name, or NULL when absent. */
const char *icp_http_header(const icp_http_headers *h, const char *name);
/* An unsigned decimal header (Content-Length): 1 and *v when present and
 * well-formed, else 0. */
int icp_http_header_u64(const icp_http_headers *h, const char *name, uint64_t *v);

/* --------------------------------------------------------------- client */

typedef struct icp_http icp_http;

/* Called after every exchange (debug logging). status 0 = no response.
 * Never given header values or bodies. */
typedef void (*icp_http_debug_fn)(void *ud, const char *method, const char *url,
                                  long status, int64_t elapsed_ms);

typedef struct icp_http_opts {
	long timeout_ms;         /* whole request; 0 = 30000; not for streams */
	long connect_timeout_ms; /* 0 = 10000; capped at timeout_ms */
	long low_speed_secs;     /* abort below 1 byte/s for this long; 0 = off */
	size_t max_response;     /* body bytes; 0 = 64 MiB */
	const char *ca_file;     /* PEM bundle; NULL or "" = system store */
	const char *cert_file;   /* client certificate (mTLS) and its key: */
	const char *key_file;    /*   both or neither */
	int insecure;            /* 1: do not verify TLS peers (tests only) */
	int max_redirects;       /* 0: redirects are not followed */
	int reuse_for_mutations; /* 1: POST/PATCH may use a kept connection */
	icp_http_debug_fn debug; /* may be NULL */
	void *debug_ud;
} icp_http_opts;

typedef struct icp_http_response {
	long status;              /* 0 when no response arrived */
	icp_http_outcome outcome;
	icp_buf body;             /* bounded by opts.max_response */
	/* Caller-set, kept across requests: when not NULL the body is
	 * appended here instead (not reset; bounded by its own max). */
	icp_buf *append_to;
	icp_http_headers headers; /* of the final response */
} icp_http_response;

void icp_http_response_init(icp_http_response *r);
void icp_http_response_dispose(icp_http_response *r);

/* ICP_OK, ICP_ERR_INVALID (negative timeout, cert without key), ICP_ERR_NOMEM,
 * ICP_ERR_IO (libcurl cannot be initialised). opts is copied. */
int icp_http_new(const icp_http_opts *opts, icp_http **out, icp_error *err);
void icp_http_free(icp_http *h);

/* One request. headers: NULL-terminated "Name: value" lines (may be
 * NULL). body.ptr NULL: no body (an empty non-NULL body sends Content-Length 0).
 * resp is reset first; on return resp->outcome is set. The response
 * body goes to resp->body whatever the status. Returns the default
 * mapping above. */
int icp_http_request(icp_http *h, const char *method, const char *url,
                     const char *const *headers, icp_slice body,
                     icp_http_response *resp, icp_error *err);

/* -------------------------------------------------------------- streams */

/* A request whose response body is pulled by the caller as it reads, so
 * memory stays bounded (about ICP_HTTP_STREAM_BUF plus one network chunk)
 * whatever the size. No total timeout applies, only the connect and
 * low-speed ones. The stream borrows h until _close (h must not be used
 * meanwhile). */
#define ICP_HTTP_STREAM_BUF (1024 * 1024)
#define ICP_HTTP_STREAM_ERR_MAX (64 * 1024)
typedef struct icp_http_stream icp_http_stream;

/* Sends the request and waits for the response headers and the first body
 * bytes (or the end). resp gets status, outcome and headers; for a
 * non-2xx status the body is collected into resp->body (at most
 * ICP_HTTP_STREAM_ERR_MAX bytes kept, the rest dropped) and the stream is
 * at its end. On a transport failure *out is NULL and
 * the return is as for icp_http_request. */
int icp_http_stream_open(icp_http *h, const char *method, const char *url,
                         const char *const *headers, icp_http_response *resp, icp_http_stream **out, icp_error *err);
/* Reads up to n body bytes. *got 0 with ICP_OK: the response ended
 * normally. A transfer that breaks mid-body returns ICP_ERR_UNKNOWN with
 * outcome ICP_HTTP_UNKNOWN in *outcome (may be NULL). */
int icp_http_stream_read(icp_http_stream *s, uint8_t *buf, size_t n, size_t *got,
                         icp_http_outcome *outcome, icp_error *err);
/* 1 once the transfer completed without error. */
int icp_http_stream_complete(const icp_http_stream *s);
void icp_http_stream_close(icp_http_stream *s);

/* ---------------------------------------------------------------- misc */

/* Appends s percent-encoded as one path segment or form value (RFC 3986
 * unreserved characters kept, everything else %XX, upper-case hex). */
int icp_http_escape(icp_buf *out, const char *s, size_t n);

#endif
