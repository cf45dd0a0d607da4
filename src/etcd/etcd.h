/*
 * etcd: an etcd v3 client over etcd's JSON gRPC gateway (HTTP/1.1 POSTs of
 * JSON to <endpoint>/v3/..., etcd 3.4+), built on the one HTTP transport
 * (src/http).
 *
 * Role: the offsets/leases backend talks to etcd through this module only.
 * It knows the key-value calls (range, put, delete range, txn), leases
 * (grant, one keep-alive round, revoke) and password auth.
 *
 * Invariants and behaviour
 * - Keys and values are bytes (icp_slice); they travel base64-encoded as
 *   the gateway requires, and int64 fields travel as decimal strings.
 * - Endpoints are tried in turn starting with the last one that answered.
 *   A request that could not have reached etcd (connect refused, DNS,
 *   nothing sent) moves on to the next endpoint. Reads and lease calls also
 *   move on after a timeout or a dropped connection; a mutation (put,
 *   delete, txn) that may have been applied does not: it fails with
 *   ICP_ERR_UNKNOWN, because repeating it elsewhere could change its
 *   outcome (a create-if-absent txn would "lose" against itself).
 * - Errors: every endpoint unreachable -> ICP_ERR_RETRYABLE with each URL
 *   and the transport's reason. etcd answered with an error -> its gRPC code mapped
 *   to a status (InvalidArgument/FailedPrecondition/PermissionDenied ->
 *   ICP_ERR_INVALID, NotFound -> ICP_ERR_NOT_FOUND, Unavailable/
 *   DeadlineExceeded/Aborted/ResourceExhausted -> ICP_ERR_RETRYABLE, or
 *   ICP_ERR_UNKNOWN for a mutation) with etcd's message and the URL. A reply
 *   that is not what the gateway sends -> ICP_ERR_CORRUPT; one larger than
 *   max_response -> ICP_ERR_TOO_LARGE.
 * - Auth: with a username, the client authenticates (/v3/auth/authenticate)
 *   before its first call and sends the token in the Authorization header;
 *   when etcd says the token is invalid (expired) it authenticates again and
 *   repeats the call once.
 * - Results (kvs, values) are allocated in an icp_arena the caller passes
 *   and lives as long as that arena; slices in results point there.
 * - A client is NOT thread-safe: one thread at a time (it holds one
 *   transport client so connections are reused). Use one client per thread.
 */
#ifndef ICP_ETCD_H
#define ICP_ETCD_H

#include "core/core.h"

typedef struct icp_etcd icp_etcd;

typedef struct icp_etcd_opts {
	const char *const *endpoints; /* "http://host:2379" (scheme optional) */
	size_t n_endpoints;           /* at least 1; strings are copied */
	const char *username;         /* NULL or "" = no auth */
	const char *password;
	int timeout_ms;               /* whole request; 0 = 5000 */
	int connect_timeout_ms;       /* 0 = min(2000, timeout_ms) */
	size_t max_response;          /* reply body limit; 0 = 64 MiB */
	/* TLS for https:// endpoints (NULL or "" = not set; copied): the CA
	 * bundle trusted instead of the system's, and a client certificate
	 * with its key (both or neither) for etcd's --client-cert-auth. */
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
} icp_etcd_opts;

/* Creates a client (no network traffic yet). ICP_ERR_INVALID for bad opts.
 * Free with icp_etcd_free. */
int icp_etcd_new(const icp_etcd_opts *opts, icp_etcd **out, icp_error *err);
void icp_etcd_free(icp_etcd *c);

/* The endpoint URL the next request goes to first (for logs). */
const char *icp_etcd_current_endpoint(const icp_etcd *c);

/* ------------------------------------------------------------------ kv */

typedef struct icp_etcd_kv {
	icp_slice key;              /* in the caller's arena */
	icp_slice value;            /* in the caller's arena */
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;            /* 1 on creation, +1 per put */
	int64_t lease;              /* 0 = none */
} icp_etcd_kv;

typedef struct icp_etcd_range_req {
	icp_slice key;
	icp_slice range_end;  /* empty: key only; else [key, range_end) */
	int64_t limit;        /* 0 = no limit */
	int keys_only;
	int count_only;
} icp_etcd_range_req;

typedef struct icp_etcd_range_resp {
	icp_etcd_kv *kvs;     /* n kvs in the arena, sorted by key */
	size_t n;
	int64_t count;        /* number of keys in the range (may exceed n) */
	int more;             /* limit cut the result */
	int64_t revision;     /* store revision of the read */
} icp_etcd_range_resp;

/* The smallest key greater than every key starting with prefix, into out
 * (at least prefix.len bytes); returns its length. An empty prefix or one
 * made only of 0xff bytes gives "\0" (length 1): etcd reads that as "every
 * key >= key". */
size_t icp_etcd_prefix_end(icp_slice prefix, uint8_t *out);

int icp_etcd_range(icp_etcd *c, icp_arena *a, const icp_etcd_range_req *req,
                   icp_etcd_range_resp *resp, icp_error *err);
/* One key. ICP_OK with *kv set, or ICP_ERR_NOT_FOUND (err set) when absent. */
int icp_etcd_get(icp_etcd *c, icp_arena *a, icp_slice key, icp_etcd_kv **kv,
                 icp_error *err);
/* Every key starting with prefix, sorted. */
int icp_etcd_get_prefix(icp_etcd *c, icp_arena *a, icp_slice prefix,
                        icp_etcd_range_resp *resp, icp_error *err);

/* Put key=value, attached to lease (0 = none). revision may be NULL. */
int icp_etcd_put(icp_etcd *c, icp_slice key, icp_slice value, int64_t lease,
                 int64_t *revision, icp_error *err);
/* Delete key, or [key, range_end) when range_end is non-empty. deleted
 * (may be NULL) gets the number of keys removed (0 is not an error). */
int icp_etcd_delete(icp_etcd *c, icp_slice key, icp_slice range_end,
                    int64_t *deleted, icp_error *err);
int icp_etcd_delete_prefix(icp_etcd *c, icp_slice prefix, int64_t *deleted,
                           icp_error *err);

/* ----------------------------------------------------------------- txn */

typedef enum icp_etcd_cmp_target {
	ICP_ETCD_CMP_VERSION = 0,   /* number: 0 = key absent */
	ICP_ETCD_CMP_CREATE,        /* number: create_revision */
	ICP_ETCD_CMP_MOD,           /* number: mod_revision */
	ICP_ETCD_CMP_VALUE,         /* value */
	ICP_ETCD_CMP_LEASE          /* number: lease id */
} icp_etcd_cmp_target;

typedef enum icp_etcd_cmp_op {
	ICP_ETCD_EQUAL = 0,
	ICP_ETCD_GREATER,
	ICP_ETCD_LESS,
	ICP_ETCD_NOT_EQUAL
} icp_etcd_cmp_op;

typedef struct icp_etcd_cmp {
	icp_etcd_cmp_target target;
	icp_etcd_cmp_op op;
	icp_slice key;
	int64_t number;   /* VERSION, CREATE, MOD, LEASE */
	icp_slice value;  /* VALUE */
} icp_etcd_cmp;

typedef enum icp_etcd_op_type {
	ICP_ETCD_OP_PUT = 0,
	ICP_ETCD_OP_DELETE,
	ICP_ETCD_OP_GET     /* range over [key, range_end) */
} icp_etcd_op_type;

typedef struct icp_etcd_op {
	icp_etcd_op_type type;
	icp_slice key;
	icp_slice value;      /* PUT */
	int64_t lease;        /* PUT; 0 = none */
	icp_slice range_end;  /* DELETE, GET; empty = key only */
} icp_etcd_op;

typedef struct icp_etcd_txn {
	const icp_etcd_cmp *cmps;
	size_t n_cmps;
	const icp_etcd_op *success;  /* run when every compare holds */
	size_t n_success;
	const icp_etcd_op *failure;  /* run otherwise */
	size_t n_failure;
} icp_etcd_txn;

typedef struct icp_etcd_op_resp {
	icp_etcd_op_type type;
	int64_t deleted;            /* DELETE */
	icp_etcd_range_resp range;  /* GET */
} icp_etcd_op_resp;

typedef struct icp_etcd_txn_resp {
	int succeeded;              /* 1: success ops ran; 0: failure ops */
	int64_t revision;
	icp_etcd_op_resp *responses; /* one per op that ran, in the arena */
	size_t n_responses;
} icp_etcd_txn_resp;

/* Runs the transaction. ICP_OK whether or not the compares held (see
 * resp->succeeded); errors as above (ICP_ERR_UNKNOWN when it may or may
 * not have been applied). */
int icp_etcd_txn_do(icp_etcd *c, icp_arena *a, const icp_etcd_txn *txn,
                    icp_etcd_txn_resp *resp, icp_error *err);

/* --------------------------------------------------------------- lease */

/* Grants a lease of ttl_s seconds; *id gets its id, granted_ttl (may be
 * NULL) the TTL etcd chose. */
int icp_etcd_lease_grant(icp_etcd *c, int64_t ttl_s, int64_t *id,
                         int64_t *granted_ttl, icp_error *err);
/* One keep-alive round: renews the lease to its full TTL; ttl (may be NULL)
 * gets the new TTL. ICP_ERR_NOT_FOUND when the lease expired or was
 * revoked (its keys are gone). */
int icp_etcd_lease_keepalive(icp_etcd *c, int64_t id, int64_t *ttl,
                             icp_error *err);
/* Revokes the lease and deletes its keys. ICP_ERR_NOT_FOUND when unknown. */
int icp_etcd_lease_revoke(icp_etcd *c, int64_t id, icp_error *err);

#endif
