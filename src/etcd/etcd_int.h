/*
 * etcd internals shared by the module's files and its unit tests: the
 * client struct, base64 decoding, the JSON request encoders and reply
 * decoders (pure functions, no network), and the HTTP transport.
 *
 * Wire facts (etcd 3.4 gateway, protobuf JSON mapping): bytes fields are
 * standard base64; int64 fields are decimal strings (we send strings too,
 * so lease ids above 2^53 stay exact); fields equal to their default (0,
 * false, empty) are omitted from replies; enums travel by name. An error
 * reply is {"error":"...","message":"...","code":<grpc code>} with an HTTP
 * status >= 400; the streaming keep-alive wraps its reply in {"result":{}}
 * or {"error":{"grpc_code":N,"message":"..."}}.
 */
#ifndef ICP_ETCD_INT_H
#define ICP_ETCD_INT_H

#include "etcd/etcd.h"
#include "http/http.h"
#include "json/json.h"

struct icp_etcd {
	char **urls;          /* base URLs without trailing '/' */
	size_t n_urls;
	size_t cur;           /* endpoint tried first */
	char *username;       /* NULL = no auth */
	char *password;
	char *token;          /* NULL until authenticated */
	int timeout_ms;
	int connect_timeout_ms;
	size_t max_response;
	icp_http *http;       /* the transport; reused so connections stay open */
};

/* Decodes standard base64 (padding required, no whitespace) of s[0..n)
 * into the arena (NUL-terminated for convenience). ICP_ERR_CORRUPT on a
 * bad character, length or padding; ICP_ERR_NOMEM. */
int icp_etcd_b64_decode(icp_arena *a, const char *s, size_t n, icp_slice *out,
                        icp_error *err);

/* Request bodies, appended to b. Return b's sticky status, or
 * ICP_ERR_INVALID (err set) for an enum out of range. */
int icp_etcd_enc_range(icp_buf *b, const icp_etcd_range_req *r);
int icp_etcd_enc_put(icp_buf *b, icp_slice key, icp_slice value, int64_t lease);
int icp_etcd_enc_delete(icp_buf *b, icp_slice key, icp_slice range_end);
int icp_etcd_enc_txn(icp_buf *b, const icp_etcd_txn *t, icp_error *err);
/* {"<field>":"<v>"} for the lease calls (TTL, ID). */
int icp_etcd_enc_i64_field(icp_buf *b, const char *field, int64_t v);
int icp_etcd_enc_auth(icp_buf *b, const char *name, const char *password);

/* An int64 member (decimal string or JSON integer); absent or null -> 0.
 * ICP_ERR_CORRUPT otherwise. */
int icp_etcd_dec_i64(const icp_json *obj, const char *key, int64_t *out,
                     icp_error *err);
/* A RangeResponse object. */
int icp_etcd_dec_range(icp_arena *a, const icp_json *obj,
                       icp_etcd_range_resp *r, icp_error *err);
/* A TxnResponse object. */
int icp_etcd_dec_txn(icp_arena *a, const icp_json *obj, icp_etcd_txn_resp *r,
                     icp_error *err);
/* header.revision of a reply (0 when absent). */
int icp_etcd_dec_revision(const icp_json *obj, int64_t *rev, icp_error *err);

/* Status for a gRPC code from etcd; mutation turns "maybe applied" codes
 * into ICP_ERR_UNKNOWN. */
int icp_etcd_grpc_status(int64_t code, int mutation);
/* If root is an error reply (either shape), sets err ("etcd <url>: <etcd's
 * message> (grpc code N)") and returns the mapped status; *code gets the
 * gRPC code. Returns ICP_OK when root is not an error reply. */
int icp_etcd_dec_error(const icp_json *root, int mutation, const char *url,
                       int64_t *code, icp_error *err);

/* ------------------------------------------------------------ transport */

enum {
	ICP_ETCD_IDEMPOTENT = 0, /* may be repeated on another endpoint */
	ICP_ETCD_MUTATION = 1    /* may not: ICP_ERR_UNKNOWN once sent */
};

/* POSTs body to <endpoint><path> with failover and auth, parses the reply
 * into *root (in a). An etcd error reply becomes its status (err set).
 * *url_out (may be NULL) gets the endpoint that answered. */
int icp_etcd_call(icp_etcd *c, icp_arena *a, const char *path,
                  const icp_buf *body, int kind, const icp_json **root,
                  icp_error *err);

#endif
