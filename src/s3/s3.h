/*
 * s3: an S3 client. AWS Signature Version 4 (header form), the credential
 * providers (environment, shared credentials/config files; web identity,
 * container endpoint and IMDSv2 via an injected HTTP transport), the XML
 * responses (ListObjectsV2, errors, STS), the HTTP layer (a pool over the
 * program's one transport, src/http), and the
 * client proper (addressing, credential cache and refresh, retries with
 * backoff, request counters, object operations, streaming GET). The
 * storage backend for s3:// URLs (storage/s3.c) is built on the client.
 *
 * SigV4, as S3 wants it (differences from other AWS services noted):
 * - Canonical URI: the object path, each '/'-separated segment
 *   URI-encoded ONCE ('/' kept). S3 neither normalizes the path ("//",
 *   ".", ".." are part of the key) nor double-encodes it.
 * - Canonical query: parameters URI-encoded ('/' encoded too), sorted by
 *   encoded name then encoded value, "name=value" joined by '&' (a bare
 *   name signs as "name=").
 * - Canonical headers: names lowercased, values trimmed with inner runs of
 *   spaces collapsed, sorted by name (stable: repeated names keep their
 *   order and join with ','), each "name:value\n".
 * - Payload hash: lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
 * - Signing key: HMAC chain "AWS4"+secret -> date -> region -> service ->
 *   "aws4_request".
 * URI encoding keeps only A-Z a-z 0-9 - . _ ~ and writes %XX in upper case,
 * byte by byte (UTF-8 keys come out as their encoded bytes).
 *
 * Ownership: icp_s3_signature and icp_s3_credentials are caller-owned
 * (_init/_dispose). Credential providers are opaque (_free; NULL no-op);
 * a chain owns the providers added to it. Secrets never appear in error
 * messages.
 * Thread-safety: all functions are reentrant; a provider is used by one
 * thread at a time; an icp_s3_client may be shared by threads (a stream
 * by one at a time).
 */
#ifndef ICP_S3_H
#define ICP_S3_H

#include "core/core.h"

/* ------------------------------------------------------------ primitives */

#define ICP_S3_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* SHA-256 of the empty string, the payload hash of a bodiless request. */
#define ICP_S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Lowercase hex SHA-256 of p[0..n) into out (64 chars + NUL). */
void icp_s3_sha256_hex(const void *p, size_t n, char out[65]);
/* HMAC-SHA256(key, msg) into out. */
void icp_s3_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                        uint8_t out[32]);
/* The SigV4 signing key for date ("YYYYMMDD"), region and service.
 * ICP_ERR_INVALID for a secret longer than ICP_S3_MAX_SECRET. */
#define ICP_S3_MAX_SECRET 256
int icp_s3_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, uint8_t out[32]);
/* "YYYYMMDDTHHMMSSZ" (UTC) for milliseconds since the epoch ("" for a
 * time outside years 0..9999). */
void icp_s3_amz_date(int64_t epoch_ms, char out[17]);

/* Appends the URI encoding of p[0..n) to out; keep_slash leaves '/' as is
 * (paths) instead of writing %2F (query names and values). Returns the
 * buffer's status. */
int icp_s3_uri_encode(icp_buf *out, const void *p, size_t n, int keep_slash);
/* Appends the S3 canonical URI of a raw (unencoded) path, which must
 * start with '/'. This is also the path to put on the wire. */
int icp_s3_canonical_uri(icp_buf *out, const char *path);

/* One query parameter, raw (unencoded). value NULL means a bare name
 * ("?lifecycle"), which signs as "lifecycle=". */
typedef struct icp_s3_param {
	const char *name;
	const char *value;
} icp_s3_param;

/* Appends the canonical query string (also usable on the wire). At most
 * ICP_S3_MAX_PARAMS parameters: ICP_ERR_INVALID beyond. */
#define ICP_S3_MAX_PARAMS 64
int icp_s3_canonical_query(icp_buf *out, const icp_s3_param *q, size_t n,
                           icp_error *err);

/* ----------------------------------------------------------- credentials */

typedef struct icp_s3_credentials {
	char *access_key_id;     /* owned */
	char *secret_access_key; /* owned; secret */
	char *session_token;     /* owned or NULL; secret */
	int64_t expires_ms;      /* 0: does not expire */
	const char *source;      /* static name of the provider ("env", ...) */
} icp_s3_credentials;

void icp_s3_credentials_init(icp_s3_credentials *c);
/* Frees the strings (zeroing secrets first) and re-inits c. */
void icp_s3_credentials_dispose(icp_s3_credentials *c);
/* Sets c from copies of the strings (token may be NULL or ""). Returns
 * ICP_ERR_NOMEM; on failure c is left disposed. */
int icp_s3_credentials_set(icp_s3_credentials *c, const char *id, const char *secret,
                           const char *token);

/* 1 when c expires within margin_ms of now_ms (never for expires_ms 0):
 * time to refresh from the provider. */
int icp_s3_credentials_expiring(const icp_s3_credentials *c, int64_t now_ms,
                                int64_t margin_ms);
/* Parses the JSON credentials document of IMDS, the container endpoint
 * and credential_process (AccessKeyId, SecretAccessKey, Token or
 * SessionToken, Expiration; a "Code" other than "Success" is ICP_ERR_IO)
 * into out (initialised by the caller; expires_ms set). ICP_ERR_CORRUPT
 * for bad JSON, missing keys or a bad Expiration; what names the source
 * in errors. */
int icp_s3_cred_parse_json(const void *body, size_t n, const char *what,
                           icp_s3_credentials *out, icp_error *err);
/* "YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00)" to milliseconds since the epoch;
 * ICP_ERR_INVALID otherwise. */
int icp_s3_parse_iso8601(const char *s, int64_t *epoch_ms);

/* ------------------------------------------------------------------ sign */

typedef struct icp_s3_header {
	const char *name;  /* any case */
	const char *value; /* raw; trimmed and space-collapsed when signed */
} icp_s3_header;

#define ICP_S3_MAX_HEADERS 64

typedef struct icp_s3_request {
	const char *method;          /* "GET", "PUT", ... */
	const char *path;            /* raw path, starts with '/' */
	const icp_s3_param *query;
	size_t n_query;
	const icp_s3_header *headers; /* must include Host */
	size_t n_headers;
	const char *payload_hash;    /* hex SHA-256 or ICP_S3_UNSIGNED_PAYLOAD */
	const char *region;
	const char *service;         /* "s3" */
	const char *amz_date;        /* "YYYYMMDDTHHMMSSZ" */
	/* S3 requires x-amz-content-sha256: when set, the signer adds and
	 * signs it unless headers already hold it. Other services: 0. */
	int add_content_sha256;
} icp_s3_request;

/* The result of signing. The caller sends its own headers plus the
 * extra_headers lines ("Name: value", each NUL-terminated, n_extra of
 * them, Authorization last). */
typedef struct icp_s3_signature {
	icp_buf canonical_request;
	icp_buf string_to_sign;
	icp_buf authorization; /* the Authorization header's value */
	char signature[65];    /* lowercase hex */
	icp_buf extra;         /* n_extra NUL-terminated header lines */
	size_t n_extra;
} icp_s3_signature;

void icp_s3_signature_init(icp_s3_signature *s);
void icp_s3_signature_dispose(icp_s3_signature *s);

/* Signs req with cr. x-amz-date (from req->amz_date), x-amz-content-sha256
 * (when add_content_sha256) and x-amz-security-token (when cr has a
 * session token) are added to the signed headers and to out->extra unless
 * req->headers has them already. Returns ICP_OK, ICP_ERR_INVALID (missing
 * Host, malformed date, too many headers/params, path without '/', a header
 * name with characters outside the token set or a value with CR/LF) or
 * ICP_ERR_NOMEM. out is reset first. */
int icp_s3_sign(const icp_s3_request *req, const icp_s3_credentials *cr,
                icp_s3_signature *out, icp_error *err);

/* ------------------------------------------------------------- INI files */

/* Called for each "key = value" (trimmed; key lowercased) in section (as
 * written between the brackets, trimmed; "" before the first section).
 * Indented lines under a key with an empty value (the config file's
 * nested "s3 =" blocks) come as key "parent.sub". Return non-zero to
 * stop (that value is returned by the parser). */
typedef int (*icp_s3_ini_fn)(void *ctx, const char *section, const char *key,
                             const char *value);

#define ICP_S3_INI_MAX_LINE 4096
/* Parses AWS shared credentials/config text: '#' and ';' start comment
 * lines, [section] lines, key = value lines. ICP_ERR_CORRUPT naming the
 * line for anything else, ICP_ERR_TOO_LARGE for a line longer than
 * ICP_S3_INI_MAX_LINE, ICP_ERR_NOMEM. what names the file in errors. */
int icp_s3_ini_parse(const char *text, size_t n, const char *what, icp_s3_ini_fn fn,
                     void *ctx, icp_error *err);

/* ------------------------------------------------- credential providers */

/* Environment lookup; NULL fn means the process environment. */
typedef const char *(*icp_s3_getenv_fn)(void *ctx, const char *name);
typedef struct icp_s3_env {
	icp_s3_getenv_fn getenv;
	void *ctx;
} icp_s3_env;

/* One source of credentials. resolve() fills out (initialised by the
 * caller) and returns ICP_OK, ICP_ERR_NOT_FOUND when the source has none
 * (a chain then tries the next one), or another error that stops the
 * chain (a malformed file, partial credentials, later: a failed request
 * to a metadata service). Network sources (web identity, container,
 * IMDS) slot in as further vtables. */
typedef struct icp_s3_cred_provider_vtable {
	const char *name;
	int (*resolve)(void *state, icp_s3_credentials *out, icp_error *err);
	void (*destroy)(void *state); /* may be NULL */
} icp_s3_cred_provider_vtable;

typedef struct icp_s3_cred_provider icp_s3_cred_provider;

/* Wraps a vtable and state (owned: vt->destroy(state) at _free). Used by the
 * built-in sources and by tests plugging in their own. NULL on NOMEM
 * (state is then freed). */
icp_s3_cred_provider *icp_s3_cred_provider_new(const icp_s3_cred_provider_vtable *vt,
                                               void *state);
void icp_s3_cred_provider_free(icp_s3_cred_provider *p);
int icp_s3_cred_provider_resolve(icp_s3_cred_provider *p, icp_s3_credentials *out,
                                 icp_error *err);
const char *icp_s3_cred_provider_name(const icp_s3_cred_provider *p);

/* Fixed keys (e.g. from the config file). */
icp_s3_cred_provider *icp_s3_cred_static_new(const char *id, const char *secret,
                                             const char *token);
/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. Only one of
 * the first two set: ICP_ERR_INVALID. The env struct is copied; its ctx
 * must outlive the provider. */
icp_s3_cred_provider *icp_s3_cred_env_new(const icp_s3_env *env);
/* Shared files: profile AWS_PROFILE (else "default"), from
 * AWS_SHARED_CREDENTIALS_FILE (else $HOME/.aws/credentials, section
 * [name]) and AWS_CONFIG_FILE (else $HOME/.aws/config, section
 * [profile name], or [default]). Keys aws_access_key_id,
 * aws_secret_access_key, aws_session_token; the credentials file wins
 * over the config file key by key. Missing files or profile: NOT_FOUND. */
icp_s3_cred_provider *icp_s3_cred_profile_new(const icp_s3_env *env);

/* ------------------------------------------ network credential sources */

/* One HTTP exchange, as the network sources need it. The transport is
 * injected: icp_s3_http_transport_of() in production, a fake in tests. */
typedef struct icp_s3_http_request {
	const char *method;
	const char *url;
	const char *const *headers; /* "Name: value" lines */
	size_t n_headers;
	const void *body;
	size_t body_len;
} icp_s3_http_request;

typedef struct icp_s3_http_transport {
	/* Performs req; sets *status to the HTTP status and appends the
	 * response body to body (bounded by body->max). Returns ICP_OK when a
	 * response arrived (whatever its status), else ICP_ERR_IO /
	 * ICP_ERR_RETRYABLE / ICP_ERR_TOO_LARGE with err set. */
	int (*perform)(void *ctx, const icp_s3_http_request *req, int *status, icp_buf *body,
	               icp_error *err);
	void *ctx;
} icp_s3_http_transport;

/* Web identity (EKS IRSA and the like): AWS_WEB_IDENTITY_TOKEN_FILE and
 * AWS_ROLE_ARN (both, or neither: NOT_FOUND), AWS_ROLE_SESSION_NAME
 * (default "iceberg-processor"); POSTs AssumeRoleWithWebIdentity to
 * sts_endpoint (NULL: https://sts.<AWS_REGION>.amazonaws.com, or
 * https://sts.amazonaws.com without a region). HTTP 5xx, 429 and
 * throttling codes give ICP_ERR_RETRYABLE; other failures ICP_ERR_IO with
 * STS's Code and Message. env, transport and endpoint are copied. */
icp_s3_cred_provider *icp_s3_cred_web_identity_new(const icp_s3_env *env,
                                                   const icp_s3_http_transport *t,
                                                   const char *sts_endpoint);
/* Container endpoint (ECS, EKS Pod Identity):
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; plain http only to
 * loopback, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23], else
 * ICP_ERR_INVALID), with the Authorization header from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN. Neither URI: NOT_FOUND. */
icp_s3_cred_provider *icp_s3_cred_container_new(const icp_s3_env *env,
                                                const icp_s3_http_transport *t);

/* EC2 instance metadata, IMDSv2 only (no unauthenticated v1 fallback):
 * PUT /latest/api/token, then GET .../iam/security-credentials/ for the
 * role and .../<role> for the document. Endpoint
 * AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254);
 * AWS_EC2_METADATA_DISABLED=true, an unreachable service or a 404 role
 * list give NOT_FOUND (not on EC2, or no instance profile). */
icp_s3_cred_provider *icp_s3_cred_imds_new(const icp_s3_env *env,
                                           const icp_s3_http_transport *t);

/* Ordered list of providers; the first that resolves wins. */
typedef struct icp_s3_cred_chain icp_s3_cred_chain;
icp_s3_cred_chain *icp_s3_cred_chain_new(void);
void icp_s3_cred_chain_free(icp_s3_cred_chain *c);
/* Takes p (freed here on failure too). ICP_ERR_NOMEM, ICP_ERR_INVALID
 * for a NULL p (a failed _new) or more than 8 providers. */
int icp_s3_cred_chain_add(icp_s3_cred_chain *c, icp_s3_cred_provider *p, icp_error *err);
/* The default chain of this issue: environment, then shared files. */
icp_s3_cred_chain *icp_s3_cred_chain_default(const icp_s3_env *env);
/* ICP_OK with out->source naming the winner; ICP_ERR_NOT_FOUND when no
 * provider had credentials (err lists which were tried); the first other
 * error stops the walk. */
int icp_s3_cred_chain_resolve(icp_s3_cred_chain *c, icp_s3_credentials *out,
                              icp_error *err);

/* ------------------------------------------------------------ responses */

/* S3 response bodies are parsed by our own small XML reader (s3_xml.c),
 * not libxml2: S3 uses a tiny subset (elements, text, the predefined and
 * numeric character references, CDATA, comments, the <?xml?> prolog), so
 * a bounded reader of a few hundred lines gives no DTD/entity-expansion
 * surface and no new dependency. DOCTYPEs are refused. Limits: element
 * depth ICP_S3_XML_MAX_DEPTH and text per element ICP_S3_XML_MAX_TEXT
 * (ICP_ERR_TOO_LARGE beyond); malformed or truncated bodies are
 * ICP_ERR_CORRUPT with the byte offset. Keys are returned as the body has
 * them (with encoding-type=url requests the caller URL-decodes). */
#define ICP_S3_XML_MAX_DEPTH 32
#define ICP_S3_XML_MAX_TEXT (64 * 1024)

typedef struct icp_s3_list_item {
	char *key;       /* owned; a Contents Key or a CommonPrefixes Prefix */
	uint64_t size;   /* 0 for prefixes */
	int is_prefix;
	/* Contents LastModified (ISO 8601) in ms since the epoch; 0 when
	 * absent or unreadable (a listing never fails for it) */
	int64_t mtime_ms;
} icp_s3_list_item;

/* One ListObjectsV2 page. Caller-owned: _init/_dispose. */
typedef struct icp_s3_list_page {
	icp_s3_list_item *items; /* Contents then CommonPrefixes, body order */
	size_t n, cap;
	int is_truncated;
	char *next_token;        /* owned; NULL when absent */
} icp_s3_list_page;

void icp_s3_list_page_init(icp_s3_list_page *pg);
void icp_s3_list_page_dispose(icp_s3_list_page *pg);
/* Parses a ListBucketResult body into pg (appends; pg initialised).
 * ICP_ERR_CORRUPT also for a different root element, a Contents without
 * Key, a Size that is not a decimal uint64, IsTruncated other than
 * true/false, or IsTruncated true without NextContinuationToken. */
int icp_s3_xml_parse_list(const void *body, size_t n, icp_s3_list_page *pg,
                          icp_error *err);

/* An S3 <Error> body; strings owned (NULL when absent). _init/_dispose. */
typedef struct icp_s3_error_body {
	char *code;
	char *message;
	char *request_id;
} icp_s3_error_body;

void icp_s3_error_body_init(icp_s3_error_body *e);
void icp_s3_error_body_dispose(icp_s3_error_body *e);
/* Accepts S3's <Error> and STS's <ErrorResponse><Error>. ICP_ERR_CORRUPT
 * when the body is not well-formed or its root is neither. */
int icp_s3_xml_parse_error(const void *body, size_t n, icp_s3_error_body *e,
                           icp_error *err);

/* The Credentials of an STS AssumeRole* response
 * (<XResponse><XResult><Credentials>AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration</Credentials>...), for the web identity source
 * to come. Fills out (initialised by the caller) with expires_ms.
 * ICP_ERR_CORRUPT for a malformed body, a missing key or a bad
 * Expiration. */
int icp_s3_xml_parse_sts_credentials(const void *body, size_t n, icp_s3_credentials *out,
                                     icp_error *err);

/* ------------------------------------------------------------ HTTP layer */

/* The HTTP layer (s3_http.c) over the one transport (src/http). It keeps a
 * small pool of transport clients so that connections are reused and
 * concurrent callers never share a client. TLS uses
 * the system CA store unless ca_bundle names a PEM file. Opaque; _free
 * (NULL no-op). Thread-safe. */
typedef struct icp_s3_http icp_s3_http;

typedef struct icp_s3_http_opts {
	const char *ca_bundle;  /* NULL or "": system store */
	long connect_timeout_ms; /* 0: 5000 */
	long timeout_ms;         /* whole exchange, 0: 60000 (not for streams) */
	long low_speed_secs;     /* abort below 1 byte/s for this long, 0: 30 */
} icp_s3_http_opts;

/* NULL on NOMEM or when the transport cannot be initialised. */
icp_s3_http *icp_s3_http_new(const icp_s3_http_opts *o);
void icp_s3_http_free(icp_s3_http *h);
/* The transport for the network credential sources (h must outlive it). */
icp_s3_http_transport icp_s3_http_transport_of(icp_s3_http *h);

/* The full default chain: environment, shared files, web identity,
 * container endpoint, IMDSv2 (the AWS SDKs' order), the network sources
 * using t (copied; t->ctx must outlive the chain). sts_endpoint may be
 * NULL (AWS's). NULL on NOMEM. icp_s3_cred_chain_default() remains the
 * network-free part of it. */
icp_s3_cred_chain *icp_s3_cred_chain_default_net(const icp_s3_env *env,
                                                 const icp_s3_http_transport *t,
                                                 const char *sts_endpoint);

/* ------------------------------------------------------------ S3 client */

/* Request counts are kept by operation and by HTTP status class. */
typedef enum icp_s3_op {
	ICP_S3_OP_LIST,
	ICP_S3_OP_GET,
	ICP_S3_OP_HEAD,
	ICP_S3_OP_PUT,
	ICP_S3_OP_MULTIPART, /* create, upload part, complete, abort */
	ICP_S3_OP_DELETE,
	ICP_S3_OP_COUNT
} icp_s3_op;

typedef enum icp_s3_class {
	ICP_S3_CLASS_NONE, /* no response: connection failed, cut, timed out */
	ICP_S3_CLASS_2XX,
	ICP_S3_CLASS_3XX,
	ICP_S3_CLASS_4XX,
	ICP_S3_CLASS_5XX,
	ICP_S3_CLASS_COUNT
} icp_s3_class;

/* Stable names for metrics labels: "list", "get", ...; "none", "2xx", ... */
const char *icp_s3_op_name(icp_s3_op op);
const char *icp_s3_class_name(icp_s3_class cls);
/* The class of an HTTP status (0: no response). */
icp_s3_class icp_s3_class_of(long status);

/* Called once per HTTP request sent (retries included), from the thread
 * that sent it; status 0 when no response arrived. */
typedef void (*icp_s3_count_fn)(void *ctx, icp_s3_op op, long status);

typedef struct icp_s3_client_opts {
	const char *endpoint;   /* "" or NULL: https://s3.<region>.amazonaws.com;
	                         * else "http(s)://host[:port]" */
	const char *region;     /* NULL or "": us-east-1 */
	int path_style;         /* 1: host/bucket/key; 0: bucket.host/key */
	const char *ca_bundle;
	long connect_timeout_ms, timeout_ms, low_speed_secs; /* 0: defaults */
	int max_retries;        /* < 0: default 5; 0: no retry */
	long backoff_base_ms;   /* 0: 100 */
	long backoff_cap_ms;    /* 0: 10000 */
	/* Static credentials (both or neither); else the default chain. */
	const char *access_key_id, *secret_access_key, *session_token;
	const icp_s3_env *env;  /* NULL: process environment */
	const char *sts_endpoint; /* NULL: AWS's */
	icp_s3_count_fn on_request; /* may be NULL */
	void *on_request_ctx;
} icp_s3_client_opts;

/* Zeroes o: AWS defaults, virtual-host addressing, default chain. */
void icp_s3_client_opts_init(icp_s3_client_opts *o);

/* An S3 client: transport, credentials (cached; refreshed REFRESH_MARGIN
 * before expiry; a failed refresh keeps using still-valid credentials),
 * retries and counters. Thread-safe. Credentials are resolved lazily at
 * the first request. */
typedef struct icp_s3_client icp_s3_client;
#define ICP_S3_REFRESH_MARGIN_MS (5 * 60 * 1000)

/* ICP_ERR_INVALID for a malformed endpoint or half-given static keys,
 * ICP_ERR_NOMEM. */
int icp_s3_client_new(const icp_s3_client_opts *o, icp_s3_client **out, icp_error *err);
void icp_s3_client_free(icp_s3_client *c);
/* Snapshot of the request counters; retries counts repeated attempts
 * (including stream resumptions). */
void icp_s3_client_counts(icp_s3_client *c, uint64_t out[ICP_S3_OP_COUNT][ICP_S3_CLASS_COUNT],
                          uint64_t *retries);

/* All operations: ICP_OK; ICP_ERR_NOT_FOUND (404: NoSuchKey, NoSuchBucket),
 * ICP_ERR_CONFLICT (412, with if_absent), ICP_ERR_IO (other refusals: 403,
 * 400, ...), ICP_ERR_RETRYABLE when retries were exhausted on transient
 * failures, ICP_ERR_TOO_LARGE (out->max). Errors name the operation,
 * bucket, key, HTTP status and S3's error code and message. */

/* One ListObjectsV2 page (appended to pg). delimiter, start_after and
 * token may be NULL; max_keys 0 means the server's default (1000). Keys
 * come back URL-decoded (encoding-type=url is requested). */
int icp_s3_list(icp_s3_client *c, const char *bucket, const char *prefix,
                const char *delimiter, const char *start_after, const char *token,
                int max_keys, icp_s3_list_page *pg, icp_error *err);
/* GET into out. range NULL: the whole object; else a Range value such as
 * "bytes=0-99" or "bytes=-100" (suffix). */
int icp_s3_get(icp_s3_client *c, const char *bucket, const char *key, const char *range,
               icp_buf *out, icp_error *err);
int icp_s3_head(icp_s3_client *c, const char *bucket, const char *key, uint64_t *size,
                icp_error *err);
/* PUT; with if_absent sends If-None-Match: * (412 -> ICP_ERR_CONFLICT;
 * servers that ignore the header overwrite). */
int icp_s3_put(icp_s3_client *c, const char *bucket, const char *key, const void *p,
               size_t n, int if_absent, icp_error *err);
int icp_s3_delete(icp_s3_client *c, const char *bucket, const char *key, icp_error *err);
/* Multipart upload. *upload_id and *etag are owned by the caller
 * (icp_free). Parts are numbered from 1. */
int icp_s3_mpu_create(icp_s3_client *c, const char *bucket, const char *key,
                      char **upload_id, icp_error *err);
int icp_s3_mpu_part(icp_s3_client *c, const char *bucket, const char *key,
                    const char *upload_id, int part, const void *p, size_t n, char **etag,
                    icp_error *err);
int icp_s3_mpu_complete(icp_s3_client *c, const char *bucket, const char *key,
                        const char *upload_id, char *const *etags, size_t n_parts,
                        int if_absent, icp_error *err);
int icp_s3_mpu_abort(icp_s3_client *c, const char *bucket, const char *key,
                     const char *upload_id, icp_error *err);

/* A whole-object streaming GET from start: ONE request whose body is
 * pulled as the caller reads (the transport's streaming API), so memory
 * stays at ICP_HTTP_STREAM_BUF bytes whatever the object
 * size. A connection cut mid-body resumes with a ranged GET from the
 * current position (counted as a retry). Opaque; _close (NULL no-op). */
typedef struct icp_s3_stream icp_s3_stream;
/* Waits for the response headers: NOT_FOUND etc. are reported here. */
int icp_s3_stream_open(icp_s3_client *c, const char *bucket, const char *key,
                       uint64_t start, icp_s3_stream **out, icp_error *err);
/* Object size (whole object, not the remainder from start). */
uint64_t icp_s3_stream_size(const icp_s3_stream *s);
/* Reads up to n bytes; *got 0 only at the end. */
int icp_s3_stream_read(icp_s3_stream *s, uint8_t *buf, size_t n, size_t *got,
                       icp_error *err);
void icp_s3_stream_close(icp_s3_stream *s);

/* ------------------------------------------------------ streamed upload */

/* An object written as a byte stream (s3_upload.c), the storage writer of
 * s3:// stores. Bytes are buffered in parts of part_size. An object that
 * fits one part goes up as one PUT at commit. A larger one becomes a
 * multipart upload, created when the first part is full and more bytes
 * come; each full part is handed to the upload's own worker threads (at
 * most `concurrency` parts in flight, each request on its own pooled
 * transport client), the last one at commit, then CompleteMultipartUpload
 * lists the ETags in part order whatever order the parts finished in.
 *
 * Memory: at most concurrency + 1 part buffers (one filling, the rest in
 * flight or queued); a writer that needs a buffer while all are taken
 * waits (back-pressure). concurrency 1 uploads each part in the writer's
 * own thread, with no worker thread (deterministic, as before).
 *
 * Failure: a part that fails after the client's retries fails the upload;
 * the writer sees the error at its next write or at commit, queued parts
 * are dropped, the workers are joined and AbortMultipartUpload is sent, so
 * no upload is left open (best effort: the abort itself may fail).
 *
 * Ownership: the upload owns its parts, threads and upload id. Only one
 * thread (the writer) calls _write/_commit/_abort; _commit and _abort free
 * the upload whatever the outcome. The requests go through a vtable so
 * unit tests can replace S3; its functions are called from the workers
 * concurrently. */
typedef struct icp_s3_upload icp_s3_upload;

typedef struct icp_s3_upload_vtable {
	int (*put)(icp_s3_client *c, const char *bucket, const char *key, const void *p, size_t n,
	           int if_absent, icp_error *err);
	int (*create)(icp_s3_client *c, const char *bucket, const char *key, char **upload_id,
	              icp_error *err);
	int (*part)(icp_s3_client *c, const char *bucket, const char *key, const char *upload_id,
	            int part, const void *p, size_t n, char **etag, icp_error *err);
	int (*complete)(icp_s3_client *c, const char *bucket, const char *key,
	                const char *upload_id, char *const *etags, size_t n_parts, int if_absent,
	                icp_error *err);
	int (*abort)(icp_s3_client *c, const char *bucket, const char *key,
	             const char *upload_id, icp_error *err);
} icp_s3_upload_vtable;

/* The real requests: icp_s3_put and icp_s3_mpu_*. */
extern const icp_s3_upload_vtable icp_s3_upload_requests;

#define ICP_S3_UPLOAD_CONCURRENCY_DEFAULT 4
#define ICP_S3_UPLOAD_CONCURRENCY_MAX 64

typedef struct icp_s3_upload_opts {
	size_t part_size; /* > 0 (S3 wants at least 5 MiB but the last part) */
	int concurrency;  /* parts in flight, 1..ICP_S3_UPLOAD_CONCURRENCY_MAX
	                   * (clamped; 0: the default) */
	int if_absent;    /* If-None-Match: * on the PUT or the complete */
	const icp_s3_upload_vtable *vt; /* NULL: icp_s3_upload_requests */
} icp_s3_upload_opts;

/* Starts an upload (no request yet). c must outlive it (c may be NULL
 * with a vtable that ignores it). ICP_ERR_NOMEM, ICP_ERR_INVALID for a
 * part size of 0. */
int icp_s3_upload_new(icp_s3_client *c, const char *bucket, const char *key,
                      const icp_s3_upload_opts *o, icp_s3_upload **out, icp_error *err);
/* Appends n bytes; may upload parts or wait for a free buffer. An error
 * (of this call or of a part uploaded meanwhile) leaves the upload
 * aborted: later writes and the commit fail with ICP_ERR_INVALID. */
int icp_s3_upload_write(icp_s3_upload *u, const void *p, size_t n, icp_error *err);
/* Publishes the object (PUT, or last part + complete after every part
 * is done); frees u. With if_absent, ICP_ERR_CONFLICT on a 412. */
int icp_s3_upload_commit(icp_s3_upload *u, icp_error *err);
/* Discards: drops queued parts, waits for those in flight, aborts the
 * multipart upload; frees u (NULL: no-op). */
void icp_s3_upload_abort(icp_s3_upload *u);
/* Bytes written so far. */
uint64_t icp_s3_upload_written(const icp_s3_upload *u);

/* -------------------------------------------- pure pieces (unit tested) */

/* Delay before retry number attempt (1-based): "full jitter", a value in
 * [0, min(cap, base * 2^(attempt-1))] picked by rnd. */
long icp_s3_backoff_ms(int attempt, long base_ms, long cap_ms, uint64_t rnd);
/* 1 when a response with this status and S3 error code (may be NULL) is
 * worth retrying: 5xx, 429, 408, SlowDown, RequestTimeout, InternalError,
 * ServiceUnavailable, Throttling*. */
int icp_s3_retryable(long status, const char *code);
/* Splits an endpoint into scheme ("http"/"https") and host[:port] and
 * builds, for bucket and raw key (may be NULL or ""), the Host header
 * value and the raw path to sign: path style "host" + "/bucket/key",
 * virtual host "bucket.host" + "/key". endpoint "" is AWS's for region.
 * Virtual-host addressing needs a DNS-safe bucket (no '.', lowercase):
 * ICP_ERR_INVALID otherwise. url gets scheme://host + encoded path. */
int icp_s3_address(const char *endpoint, const char *region, int path_style,
                   const char *bucket, const char *key, icp_buf *host, icp_buf *path,
                   icp_buf *url, icp_error *err);
/* Decodes application/x-www-form-urlencoded text ('+' is a space, %XX);
 * ICP_ERR_CORRUPT for a bad escape. Appends to out. */
int icp_s3_url_decode(const char *s, icp_buf *out, icp_error *err);

#endif
