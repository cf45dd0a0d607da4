/*
 * etcd_codec: JSON bodies for the gateway and the replies it sends back,
 * plus base64 decoding. No I/O here, so every rule is unit-testable.
 *
 * Replies are untrusted: a member of the wrong type, a bad base64 string or
 * a non-decimal int64 is ICP_ERR_CORRUPT naming the field, never a crash.
 */
#include <inttypes.h>
#include <stdio.h>

#include "etcd/etcd_int.h"

/* ------------------------------------------------------------- base64 */

int icp_etcd_b64_decode(icp_arena *a, const char *s, size_t n, icp_slice *out,
                        icp_error *err)
{
	size_t olen, bad;
	uint8_t *dst = icp_arena_alloc(a, n / 4 * 3 + 1);

	if (!dst)
		return icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory decoding base64");
	if (icp_base64_decode((const uint8_t *)s, n, dst, &olen, &bad) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: bad base64 at byte %zu of %zu", bad,
		                     n);
	dst[olen] = 0;
	*out = icp_slice_make(dst, olen);
	return ICP_OK;
}

static void w_b64(icp_json_writer *w, const char *key, icp_slice v)
{
	icp_buf t;

	icp_buf_init(&t, ICP_BUF_UNLIMITED);
	icp_buf_append_byte(&t, '"');
	icp_buf_append_base64(&t, v.ptr, v.len);
	icp_buf_append_byte(&t, '"');
	icp_json_write_key(w, key);
	if (t.status != ICP_OK)
		w->buf->status = t.status; /* surfaces at finish */
	else
		icp_json_write_raw(w, (const char *)t.data, t.len);
	icp_buf_dispose(&t);
}

/* int64 as a decimal string, as the protobuf JSON mapping prefers. */
static void w_i64(icp_json_writer *w, const char *key, int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, v);
	icp_json_write_key(w, key);
	icp_json_write_string(w, s);
}

static void w_range_fields(icp_json_writer *w, icp_slice key, icp_slice end)
{
	w_b64(w, "key", key);
	if (end.len)
		w_b64(w, "range_end", end);
}

int icp_etcd_enc_range(icp_buf *b, const icp_etcd_range_req *r)
{
	icp_json_writer w;

	icp_json_writer_init(&w, b, 0);
	icp_json_write_begin_object(&w);
	w_range_fields(&w, r->key, r->range_end);
	if (r->limit > 0)
		w_i64(&w, "limit", r->limit);
	if (r->keys_only) {
		icp_json_write_key(&w, "keys_only");
		icp_json_write_bool(&w, 1);
	}
	if (r->count_only) {
		icp_json_write_key(&w, "count_only");
		icp_json_write_bool(&w, 1);
	}
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

static void w_put(icp_json_writer *w, icp_slice key, icp_slice value, int64_t lease)
{
	icp_json_write_begin_object(w);
	w_b64(w, "key", key);
	w_b64(w, "value", value);
	if (lease)
		w_i64(w, "lease", lease);
	icp_json_write_end_object(w);
}

int icp_etcd_enc_put(icp_buf *b, icp_slice key, icp_slice value, int64_t lease)
{
	icp_json_writer w;

	icp_json_writer_init(&w, b, 0);
	w_put(&w, key, value, lease);
	return icp_json_writer_finish(&w);
}

int icp_etcd_enc_delete(icp_buf *b, icp_slice key, icp_slice range_end)
{
	icp_json_writer w;

	icp_json_writer_init(&w, b, 0);
	icp_json_write_begin_object(&w);
	w_range_fields(&w, key, range_end);
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

static const char *const cmp_targets[] = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
static const char *const cmp_field[] = {"version", "create_revision", "mod_revision",
                                        "value", "lease"};
static const char *const cmp_ops[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};

static int w_ops(icp_json_writer *w, const char *key, const icp_etcd_op *ops,
                 size_t n, icp_error *err)
{
	size_t i;

	icp_json_write_key(w, key);
	icp_json_write_begin_array(w);
	for (i = 0; i < n; i++) {
		const icp_etcd_op *op = &ops[i];
		icp_json_write_begin_object(w);
		switch (op->type) {
		case ICP_ETCD_OP_PUT:
			icp_json_write_key(w, "request_put");
			w_put(w, op->key, op->value, op->lease);
			break;
		case ICP_ETCD_OP_DELETE:
			icp_json_write_key(w, "request_delete_range");
			icp_json_write_begin_object(w);
			w_range_fields(w, op->key, op->range_end);
			icp_json_write_end_object(w);
			break;
		case ICP_ETCD_OP_GET:
			icp_json_write_key(w, "request_range");
			icp_json_write_begin_object(w);
			w_range_fields(w, op->key, op->range_end);
			icp_json_write_end_object(w);
			break;
		default:
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "etcd: txn %s[%zu]: unknown op type %d",
			                     key, i, (int)op->type);
		}
		icp_json_write_end_object(w);
	}
	icp_json_write_end_array(w);
	return ICP_OK;
}

int icp_etcd_enc_txn(icp_buf *b, const icp_etcd_txn *t, icp_error *err)
{
	icp_json_writer w;
	size_t i;
	int rc;

	icp_json_writer_init(&w, b, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "compare");
	icp_json_write_begin_array(&w);
	for (i = 0; i < t->n_cmps; i++) {
		const icp_etcd_cmp *c = &t->cmps[i];
		if ((unsigned)c->target >= ICP_ARRAY_LEN(cmp_targets) ||
		    (unsigned)c->op >= ICP_ARRAY_LEN(cmp_ops))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "etcd: txn compare[%zu]: bad target %d or op %d",
			                     i, (int)c->target, (int)c->op);
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "target");
		icp_json_write_string(&w, cmp_targets[c->target]);
		icp_json_write_key(&w, "result");
		icp_json_write_string(&w, cmp_ops[c->op]);
		w_b64(&w, "key", c->key);
		if (c->target == ICP_ETCD_CMP_VALUE)
			w_b64(&w, "value", c->value);
		else
			w_i64(&w, cmp_field[c->target], c->number);
		icp_json_write_end_object(&w);
	}
	icp_json_write_end_array(&w);
	if ((rc = w_ops(&w, "success", t->success, t->n_success, err)) != ICP_OK)
		return rc;
	if ((rc = w_ops(&w, "failure", t->failure, t->n_failure, err)) != ICP_OK)
		return rc;
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

int icp_etcd_enc_i64_field(icp_buf *b, const char *field, int64_t v)
{
	icp_json_writer w;

	icp_json_writer_init(&w, b, 0);
	icp_json_write_begin_object(&w);
	w_i64(&w, field, v);
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

int icp_etcd_enc_auth(icp_buf *b, const char *name, const char *password)
{
	icp_json_writer w;

	icp_json_writer_init(&w, b, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "name");
	icp_json_write_string(&w, name);
	icp_json_write_key(&w, "password");
	icp_json_write_string(&w, password ? password : "");
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

/* ------------------------------------------------------------ decoders */

int icp_etcd_dec_i64(const icp_json *obj, const char *key, int64_t *out,
                     icp_error *err)
{
	const icp_json *v = icp_json_get(obj, key);
	const char *s;
	size_t len, i = 0;
	int neg = 0;
	uint64_t acc = 0, lim;

	*out = 0;
	if (!v || v->type == ICP_JSON_NULL)
		return ICP_OK;
	if (v->type == ICP_JSON_INT) {
		*out = v->u.num.i;
		return ICP_OK;
	}
	if (v->type != ICP_JSON_STRING)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "etcd: reply field \"%s\" is a %s, not an int64",
		                     key, icp_json_type_name(v->type));
	s = v->u.str.ptr;
	len = v->u.str.len;
	if (len && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (i == len || len - i > 19)
		goto bad;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		acc = acc * 10 + (uint64_t)(s[i] - '0');
		if (acc > lim)
			goto bad;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return ICP_OK;
bad:
	return icp_error_set(err, ICP_ERR_CORRUPT,
	                     "etcd: reply field \"%s\" is not an int64: \"%.40s\"", key, s);
}

static int dec_b64_field(icp_arena *a, const icp_json *obj, const char *key,
                         icp_slice *out, icp_error *err)
{
	const icp_json *v = icp_json_get(obj, key);
	int rc;

	*out = icp_slice_make(NULL, 0);
	if (!v || v->type == ICP_JSON_NULL)
		return ICP_OK;
	if (v->type != ICP_JSON_STRING)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "etcd: reply field \"%s\" is a %s, not base64",
		                     key, icp_json_type_name(v->type));
	rc = icp_etcd_b64_decode(a, v->u.str.ptr, v->u.str.len, out, err);
	if (rc != ICP_OK)
		icp_error_prefix(err, "field \"%s\"", key);
	return rc;
}

static int dec_bool(const icp_json *obj, const char *key, int *out, icp_error *err)
{
	const icp_json *v = icp_json_get(obj, key);

	*out = 0;
	if (!v || v->type == ICP_JSON_NULL)
		return ICP_OK;
	if (v->type != ICP_JSON_BOOL)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "etcd: reply field \"%s\" is a %s, not a bool",
		                     key, icp_json_type_name(v->type));
	*out = v->u.boolean;
	return ICP_OK;
}

static int dec_kv(icp_arena *a, const icp_json *o, icp_etcd_kv *kv, icp_error *err)
{
	int rc;

	if (o->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: kv is a %s, not an object",
		                     icp_json_type_name(o->type));
	if ((rc = dec_b64_field(a, o, "key", &kv->key, err)) != ICP_OK ||
	    (rc = dec_b64_field(a, o, "value", &kv->value, err)) != ICP_OK ||
	    (rc = icp_etcd_dec_i64(o, "create_revision", &kv->create_revision, err)) != ICP_OK ||
	    (rc = icp_etcd_dec_i64(o, "mod_revision", &kv->mod_revision, err)) != ICP_OK ||
	    (rc = icp_etcd_dec_i64(o, "version", &kv->version, err)) != ICP_OK ||
	    (rc = icp_etcd_dec_i64(o, "lease", &kv->lease, err)) != ICP_OK)
		return rc;
	return ICP_OK;
}

int icp_etcd_dec_revision(const icp_json *obj, int64_t *rev, icp_error *err)
{
	const icp_json *h = icp_json_get(obj, "header");

	*rev = 0;
	if (!h)
		return ICP_OK;
	if (h->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: reply header is not an object");
	return icp_etcd_dec_i64(h, "revision", rev, err);
}

int icp_etcd_dec_range(icp_arena *a, const icp_json *obj,
                       icp_etcd_range_resp *r, icp_error *err)
{
	const icp_json *kvs;
	size_t i, n;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!obj || obj->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: range reply is not an object");
	if ((rc = icp_etcd_dec_revision(obj, &r->revision, err)) != ICP_OK ||
	    (rc = icp_etcd_dec_i64(obj, "count", &r->count, err)) != ICP_OK ||
	    (rc = dec_bool(obj, "more", &r->more, err)) != ICP_OK)
		return rc;
	kvs = icp_json_get(obj, "kvs");
	if (!kvs || kvs->type == ICP_JSON_NULL)
		return ICP_OK;
	if (kvs->type != ICP_JSON_ARRAY)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: range reply \"kvs\" is not an array");
	n = kvs->u.arr.n;
	if (n == 0)
		return ICP_OK;
	r->kvs = icp_arena_alloc(a, n * sizeof(*r->kvs));
	if (!r->kvs)
		return icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory for %zu kvs", n);
	memset(r->kvs, 0, n * sizeof(*r->kvs));
	for (i = 0; i < n; i++) {
		if ((rc = dec_kv(a, &kvs->u.arr.items[i], &r->kvs[i], err)) != ICP_OK) {
			icp_error_prefix(err, "kvs[%zu]", i);
			return rc;
		}
	}
	r->n = n;
	return ICP_OK;
}

static int dec_op_resp(icp_arena *a, const icp_json *o, icp_etcd_op_resp *r,
                       icp_error *err)
{
	const icp_json *v;

	memset(r, 0, sizeof(*r));
	if (o->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: txn response is not an object");
	if ((v = icp_json_get(o, "response_put")) != NULL) {
		r->type = ICP_ETCD_OP_PUT;
		return ICP_OK;
	}
	if ((v = icp_json_get(o, "response_delete_range")) != NULL) {
		r->type = ICP_ETCD_OP_DELETE;
		if (v->type != ICP_JSON_OBJECT)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "etcd: response_delete_range is not an object");
		return icp_etcd_dec_i64(v, "deleted", &r->deleted, err);
	}
	if ((v = icp_json_get(o, "response_range")) != NULL) {
		r->type = ICP_ETCD_OP_GET;
		return icp_etcd_dec_range(a, v, &r->range, err);
	}
	return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: txn response of unknown kind");
}

int icp_etcd_dec_txn(icp_arena *a, const icp_json *obj, icp_etcd_txn_resp *r,
                     icp_error *err)
{
	const icp_json *rs;
	size_t i, n;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!obj || obj->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: txn reply is not an object");
	if ((rc = icp_etcd_dec_revision(obj, &r->revision, err)) != ICP_OK ||
	    (rc = dec_bool(obj, "succeeded", &r->succeeded, err)) != ICP_OK)
		return rc;
	rs = icp_json_get(obj, "responses");
	if (!rs || rs->type == ICP_JSON_NULL)
		return ICP_OK;
	if (rs->type != ICP_JSON_ARRAY)
		return icp_error_set(err, ICP_ERR_CORRUPT, "etcd: txn \"responses\" is not an array");
	n = rs->u.arr.n;
	if (n == 0)
		return ICP_OK;
	r->responses = icp_arena_alloc(a, n * sizeof(*r->responses));
	if (!r->responses)
		return icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory for txn responses");
	for (i = 0; i < n; i++) {
		if ((rc = dec_op_resp(a, &rs->u.arr.items[i], &r->responses[i], err)) != ICP_OK) {
			icp_error_prefix(err, "responses[%zu]", i);
			return rc;
		}
	}
	r->n_responses = n;
	return ICP_OK;
}

/* ------------------------------------------------------------- errors */

int icp_etcd_grpc_status(int64_t code, int mutation)
{
	switch (code) {
	case 0:
		return ICP_OK;
	case 3:  /* InvalidArgument */
	case 7:  /* PermissionDenied */
	case 9:  /* FailedPrecondition */
	case 11: /* OutOfRange: e.g. a compacted revision */
	case 16: /* Unauthenticated */
		return ICP_ERR_INVALID;
	case 5:  /* NotFound: lease not found */
		return ICP_ERR_NOT_FOUND;
	case 6:  /* AlreadyExists */
		return ICP_ERR_CONFLICT;
	case 12: /* Unimplemented */
		return ICP_ERR_UNSUPPORTED;
	case 1:  /* Cancelled */
	case 4:  /* DeadlineExceeded: "request timed out" */
	case 10: /* Aborted */
	case 14: /* Unavailable: no leader, leader changed */
		return mutation ? ICP_ERR_UNKNOWN : ICP_ERR_RETRYABLE;
	case 8:  /* ResourceExhausted: too many requests */
		return ICP_ERR_RETRYABLE;
	default: /* Unknown, Internal, DataLoss */
		return mutation ? ICP_ERR_UNKNOWN : ICP_ERR_IO;
	}
}

int icp_etcd_dec_error(const icp_json *root, int mutation, const char *url,
                       int64_t *code, icp_error *err)
{
	const icp_json *e = icp_json_get(root, "error");
	const icp_json *src = root, *m;
	const char *msg = "(no message)";
	int rc;

	*code = 0;
	if (!e)
		return ICP_OK;
	if (e->type == ICP_JSON_OBJECT) { /* streaming shape */
		src = e;
		if ((rc = icp_etcd_dec_i64(e, "grpc_code", code, err)) != ICP_OK)
			return rc;
	} else if ((rc = icp_etcd_dec_i64(root, "code", code, err)) != ICP_OK) {
		return rc;
	}
	m = icp_json_get(src, "message");
	if (m && m->type == ICP_JSON_STRING)
		msg = m->u.str.ptr;
	else if (e->type == ICP_JSON_STRING)
		msg = e->u.str.ptr;
	rc = icp_etcd_grpc_status(*code, mutation);
	if (rc == ICP_OK) /* an error reply with code 0 is still an error */
		rc = ICP_ERR_IO;
	return icp_error_set(err, rc, "etcd %s: %s (grpc code %" PRId64 ")", url, msg, *code);
}
