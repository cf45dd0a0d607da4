/* Internals shared by the files of src/s3/ (not part of its interface). */
#ifndef ICP_S3_INT_H
#define ICP_S3_INT_H

#include "http/http.h"
#include "s3/s3.h"

/* The variable's value, or NULL when unset or empty. */
const char *icp_s3_env_get(const icp_s3_env *env, const char *name);
/* Appends a whole file to out (bounded by out->max: ICP_ERR_TOO_LARGE).
 * ICP_ERR_NOT_FOUND when it does not exist, ICP_ERR_IO, ICP_ERR_NOMEM. */
int icp_s3_read_file(const char *path, icp_buf *out, icp_error *err);

/* One exchange's response as the client needs it. */
typedef struct icp_s3_http_resp {
	long status;            /* 0 until a response arrived */
	icp_buf *body;          /* NULL: the body is discarded */
	char etag[256];         /* ETag header, quotes kept */
	char content_range[128];
	uint64_t content_length;
	int has_length;
} icp_s3_http_resp;

/* Performs one request on a pooled client. headers are "Name: value"
 * lines; body may be NULL. ICP_OK when a response arrived (any status);
 * else the transport outcome as icp_s3_http_status maps it, err set. */
int icp_s3_http_exec(icp_s3_http *h, const char *method, const char *url,
                     const char *const *headers, size_t n_headers, const void *body,
                     size_t len, icp_s3_http_resp *resp, icp_error *err);
/* The pool: an idle client or a new one; give it back when done
 * (healthy 0: freed instead). */
int icp_s3_http_take(icp_s3_http *h, icp_http **out, icp_error *err);
void icp_s3_http_give_back(icp_s3_http *h, icp_http *c, int healthy);
/* S3's one mapping of transport outcomes: not sent and unknown are
 * ICP_ERR_RETRYABLE (S3 calls are idempotent or guarded), a bad setup
 * (TLS verification, CA file, URL) ICP_ERR_IO, a local failure keeps
 * transport_rc (NOMEM, TOO_LARGE); any status is ICP_OK. */
int icp_s3_http_status(icp_http_outcome o, int transport_rc);
/* ETag, Content-Range and Content-Length of a response into r. */
void icp_s3_http_resp_fill(icp_s3_http_resp *r, const icp_http_headers *hd);

/* A signed request ready for the wire: url (with query), Host and the
 * signer's header lines. _init/_dispose; reused across attempts. */
typedef struct icp_s3_signed {
	icp_buf url, host, hostline;
	icp_s3_signature sig;
	const char *lines[16];
	size_t n_lines;
} icp_s3_signed;
void icp_s3_signed_init(icp_s3_signed *s);
void icp_s3_signed_dispose(icp_s3_signed *s);

/* One S3 call as icp_s3_client_exec sends it. */
typedef struct icp_s3_call {
	icp_s3_op op;
	const char *method, *bucket, *key; /* key may be NULL (bucket ops) */
	const icp_s3_param *q;
	size_t nq;
	const char *const *hdrs; /* extra unsigned header lines (Range, ...) */
	size_t nh;
	const void *body;
	size_t len;
	int error_in_200; /* CompleteMultipartUpload may fail with a 200 */
} icp_s3_call;

/* Signs call's request with current credentials (refreshed if due). */
int icp_s3_client_sign(icp_s3_client *c, const char *method, const char *bucket,
                       const char *key, const icp_s3_param *q, size_t nq,
                       const char *payload_hash, icp_s3_signed *out, icp_error *err);
/* Sends call with retries; a 2xx body is appended to body (may be NULL),
 * resp gets status and headers. */
int icp_s3_client_exec(icp_s3_client *c, const icp_s3_call *call, icp_buf *body,
                       icp_s3_http_resp *resp, icp_error *err);
/* Classifies a non-2xx response (*retry) and sets err naming the
 * bucket, key, status and S3 code/message. Returns the status code. */
int icp_s3_client_fail(const char *method, const char *bucket, const char *key, long status,
                       const void *body, size_t n, int *retry, icp_error *err);
void icp_s3_client_count(icp_s3_client *c, icp_s3_op op, long status, int is_retry);
void icp_s3_client_backoff(icp_s3_client *c, int attempt);
int icp_s3_client_max_retries(const icp_s3_client *c);
icp_s3_http *icp_s3_client_http(icp_s3_client *c);

#endif
