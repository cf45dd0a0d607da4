/*
 * etcd: the public calls. Each encodes its request (etcd_codec.c), sends it
 * through icp_etcd_call (etcd_http.c) and decodes the reply into the
 * caller's arena. Replies are parsed into a scratch arena when the caller
 * gave none (put, delete, lease calls), freed before returning.
 */
#include "etcd/etcd_int.h"

size_t icp_etcd_prefix_end(icp_slice prefix, uint8_t *out)
{
	size_t n = prefix.len;

	if (n)
		memcpy(out, prefix.ptr, n);
	while (n > 0) {
		if (out[n - 1] != 0xff) {
			out[n - 1]++;
			return n;
		}
		n--; /* 0xff cannot be incremented: drop it, carry left */
	}
	out[0] = 0;
	return 1;
}

/* Runs one call; *root lives in a. */
static int run(icp_etcd *c, icp_arena *a, const char *path, int kind,
               icp_buf *body, const icp_json **root, icp_error *err)
{
	int rc = icp_etcd_call(c, a, path, body, kind, root, err);

	icp_buf_dispose(body);
	return rc;
}

int icp_etcd_range(icp_etcd *c, icp_arena *a, const icp_etcd_range_req *req,
                   icp_etcd_range_resp *resp, icp_error *err)
{
	const icp_json *root;
	icp_buf body;
	int rc;

	memset(resp, 0, sizeof(*resp));
	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	icp_etcd_enc_range(&body, req);
	if ((rc = run(c, a, "/v3/kv/range", ICP_ETCD_IDEMPOTENT, &body, &root, err)) != ICP_OK)
		return rc;
	return icp_etcd_dec_range(a, root, resp, err);
}

int icp_etcd_get(icp_etcd *c, icp_arena *a, icp_slice key, icp_etcd_kv **kv,
                 icp_error *err)
{
	icp_etcd_range_req req;
	icp_etcd_range_resp resp;
	int rc;

	*kv = NULL;
	memset(&req, 0, sizeof(req));
	req.key = key;
	if ((rc = icp_etcd_range(c, a, &req, &resp, err)) != ICP_OK)
		return rc;
	if (resp.n == 0)
		return icp_error_set(err, ICP_ERR_NOT_FOUND, "etcd: key \"%.*s\" not found",
		                     (int)(key.len > 200 ? 200 : key.len), (const char *)key.ptr);
	*kv = &resp.kvs[0];
	return ICP_OK;
}

int icp_etcd_get_prefix(icp_etcd *c, icp_arena *a, icp_slice prefix,
                        icp_etcd_range_resp *resp, icp_error *err)
{
	icp_etcd_range_req req;
	uint8_t *end;
	int rc;

	memset(&req, 0, sizeof(req));
	end = icp_malloc(prefix.len + 1);
	if (!end)
		return icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory");
	req.key = prefix.len ? prefix : icp_slice_make("\0", 1);
	req.range_end = icp_slice_make(end, icp_etcd_prefix_end(prefix, end));
	rc = icp_etcd_range(c, a, &req, resp, err);
	icp_free(end);
	return rc;
}

/* A call whose reply only needs a few scalars: parse into a scratch arena. */
typedef int (*scalar_fn)(const icp_json *root, void *ud, icp_error *err);

static int run_scalar(icp_etcd *c, const char *path, int kind, icp_buf *body,
                      scalar_fn fn, void *ud, icp_error *err)
{
	icp_arena *a = icp_arena_new(4096);
	const icp_json *root;
	int rc;

	if (!a) {
		icp_buf_dispose(body);
		return icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory");
	}
	rc = run(c, a, path, kind, body, &root, err);
	if (rc == ICP_OK)
		rc = fn(root, ud, err);
	icp_arena_free(a);
	return rc;
}

static int get_revision(const icp_json *root, void *ud, icp_error *err)
{
	int64_t rev;
	int rc = icp_etcd_dec_revision(root, &rev, err);

	if (rc == ICP_OK && ud)
		*(int64_t *)ud = rev;
	return rc;
}

static int get_deleted(const icp_json *root, void *ud, icp_error *err)
{
	int64_t n;
	int rc = icp_etcd_dec_i64(root, "deleted", &n, err);

	if (rc == ICP_OK && ud)
		*(int64_t *)ud = n;
	return rc;
}

int icp_etcd_put(icp_etcd *c, icp_slice key, icp_slice value, int64_t lease,
                 int64_t *revision, icp_error *err)
{
	icp_buf body;

	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	icp_etcd_enc_put(&body, key, value, lease);
	return run_scalar(c, "/v3/kv/put", ICP_ETCD_MUTATION, &body, get_revision,
	                  revision, err);
}

int icp_etcd_delete(icp_etcd *c, icp_slice key, icp_slice range_end,
                    int64_t *deleted, icp_error *err)
{
	icp_buf body;

	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	icp_etcd_enc_delete(&body, key, range_end);
	return run_scalar(c, "/v3/kv/deleterange", ICP_ETCD_MUTATION, &body, get_deleted,
	                  deleted, err);
}

int icp_etcd_delete_prefix(icp_etcd *c, icp_slice prefix, int64_t *deleted,
                           icp_error *err)
{
	uint8_t *end = icp_malloc(prefix.len + 1);
	icp_slice key = prefix.len ? prefix : icp_slice_make("\0", 1);
	int rc;

	if (!end)
		return icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory");
	rc = icp_etcd_delete(c, key, icp_slice_make(end, icp_etcd_prefix_end(prefix, end)),
	                     deleted, err);
	icp_free(end);
	return rc;
}

int icp_etcd_txn_do(icp_etcd *c, icp_arena *a, const icp_etcd_txn *txn,
                    icp_etcd_txn_resp *resp, icp_error *err)
{
	const icp_json *root;
	icp_buf body;
	int rc;

	memset(resp, 0, sizeof(*resp));
	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	if ((rc = icp_etcd_enc_txn(&body, txn, err)) != ICP_OK) {
		icp_buf_dispose(&body);
		return rc;
	}
	if ((rc = run(c, a, "/v3/kv/txn", ICP_ETCD_MUTATION, &body, &root, err)) != ICP_OK)
		return rc;
	return icp_etcd_dec_txn(a, root, resp, err);
}

typedef struct lease_out {
	int64_t id, ttl;
	int streamed; /* keep-alive wraps its reply in "result" */
} lease_out;

static int get_lease(const icp_json *root, void *ud, icp_error *err)
{
	lease_out *o = ud;
	int rc;

	if (o->streamed) {
		root = icp_json_get(root, "result");
		if (!root || root->type != ICP_JSON_OBJECT)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "etcd: keep-alive reply has no \"result\" object");
	}
	if ((rc = icp_etcd_dec_i64(root, "ID", &o->id, err)) != ICP_OK)
		return rc;
	return icp_etcd_dec_i64(root, "TTL", &o->ttl, err);
}

int icp_etcd_lease_grant(icp_etcd *c, int64_t ttl_s, int64_t *id,
                         int64_t *granted_ttl, icp_error *err)
{
	lease_out o = {0, 0, 0};
	icp_buf body;
	int rc;

	if (ttl_s <= 0)
		return icp_error_set(err, ICP_ERR_INVALID, "etcd: lease TTL %lld must be > 0",
		                     (long long)ttl_s);
	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	icp_etcd_enc_i64_field(&body, "TTL", ttl_s);
	/* A grant repeated elsewhere at worst leaves an unused lease that
	 * expires on its own, so it counts as idempotent. */
	rc = run_scalar(c, "/v3/lease/grant", ICP_ETCD_IDEMPOTENT, &body, get_lease, &o, err);
	if (rc != ICP_OK)
		return rc;
	if (o.id == 0)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: lease grant reply has no ID");
	*id = o.id;
	if (granted_ttl)
		*granted_ttl = o.ttl;
	return ICP_OK;
}

int icp_etcd_lease_keepalive(icp_etcd *c, int64_t id, int64_t *ttl, icp_error *err)
{
	lease_out o = {0, 0, 1};
	icp_buf body;
	int rc;

	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	icp_etcd_enc_i64_field(&body, "ID", id);
	rc = run_scalar(c, "/v3/lease/keepalive", ICP_ETCD_IDEMPOTENT, &body, get_lease, &o, err);
	if (rc != ICP_OK)
		return rc;
	/* etcd answers an unknown lease with TTL <= 0 instead of an error. */
	if (o.ttl <= 0)
		return icp_error_set(err, ICP_ERR_NOT_FOUND,
		                     "etcd: lease %lld expired or revoked", (long long)id);
	if (ttl)
		*ttl = o.ttl;
	return ICP_OK;
}

static int ignore_reply(const icp_json *root, void *ud, icp_error *err)
{
	return ICP_OK;
}

int icp_etcd_lease_revoke(icp_etcd *c, int64_t id, icp_error *err)
{
	icp_buf body;

	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	icp_etcd_enc_i64_field(&body, "ID", id);
	return run_scalar(c, "/v3/lease/revoke", ICP_ETCD_IDEMPOTENT, &body, ignore_reply,
	                  NULL, err);
}
