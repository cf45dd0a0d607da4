/*
 * coord: the JSON values of the etcd keys (compatibility.md) and the
 * KafScale metadata snapshot (kafscale-formats.md, "Cluster metadata in
 * etcd"). Everything read here comes from etcd, i.e. from other programs:
 * malformed input is ICP_ERR_CORRUPT with what was wrong, never an abort.
 *
 *   lease:    {"owner_id":"host","lease_expires_at":ms,"generation":N}
 *   offset:   {"offset":N,"last_timestamp_ms":ms,"updated_at":ms}
 *   snapshot: {"Brokers":[...],"ControllerID":0,
 *              "Topics":[{"ErrorCode":0,"Topic":"orders","IsInternal":false,
 *                         "Partitions":[{"ErrorCode":0,"Partition":0,
 *                                        "Leader":1}, ...]}, ...],
 *              "ClusterName":null,"ClusterID":"..."}
 */
#include "coord/coord.h"

#include <stdio.h>
#include <stdlib.h>

#include "json/json.h"

int icp_coord_lease_encode(const icp_coord_lease_value *v, icp_buf *out)
{
	icp_json_writer w;

	icp_json_writer_init(&w, out, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "owner_id");
	icp_json_write_string(&w, v->owner_id);
	icp_json_write_key(&w, "lease_expires_at");
	icp_json_write_int64(&w, v->lease_expires_at);
	icp_json_write_key(&w, "generation");
	icp_json_write_int64(&w, v->generation);
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

static int parse_object(icp_arena *a, icp_slice json, const char *what, icp_json **root,
                        icp_error *err)
{
	icp_json_opts o = {0};
	int rc;

	o.max_depth = 8;
	o.max_input = 1 << 20;
	rc = icp_json_parse(a, (const char *)json.ptr, json.len, &o, root, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "coord: %s value", what);
		return rc;
	}
	if ((*root)->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "coord: %s value is a %s, not an object",
		                     what, icp_json_type_name((*root)->type));
	return ICP_OK;
}

static int get_int(const icp_json *obj, const char *key, const char *what, int64_t *out,
                   icp_error *err)
{
	const icp_json *v = icp_json_get(obj, key);

	if (!v)
		return icp_error_set(err, ICP_ERR_CORRUPT, "coord: %s value has no \"%s\"", what,
		                     key);
	if (icp_json_as_int64(v, out) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "coord: %s value: \"%s\" is a %s, not an integer", what, key,
		                     icp_json_type_name(v->type));
	return ICP_OK;
}

int icp_coord_lease_decode(icp_arena *a, icp_slice json, icp_coord_lease_value *v,
                           icp_error *err)
{
	icp_json *root;
	const icp_json *owner;
	size_t len = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	if ((rc = parse_object(a, json, "lease", &root, err)) != ICP_OK)
		return rc;
	owner = icp_json_get(root, "owner_id");
	if (!owner || icp_json_as_str(owner, &v->owner_id, &len) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "coord: lease value has no string \"owner_id\"");
	if (strlen(v->owner_id) != len)
		return icp_error_set(err, ICP_ERR_CORRUPT, "coord: lease owner_id contains NUL");
	if ((rc = get_int(root, "lease_expires_at", "lease", &v->lease_expires_at, err)) != ICP_OK)
		return rc;
	return get_int(root, "generation", "lease", &v->generation, err);
}

int icp_coord_offset_encode(const icp_coord_offset *v, icp_buf *out)
{
	icp_json_writer w;

	icp_json_writer_init(&w, out, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "offset");
	icp_json_write_int64(&w, v->offset);
	icp_json_write_key(&w, "last_timestamp_ms");
	icp_json_write_int64(&w, v->last_timestamp_ms);
	icp_json_write_key(&w, "updated_at");
	icp_json_write_int64(&w, v->updated_at);
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}

int icp_coord_offset_decode(icp_slice json, icp_coord_offset *v, icp_error *err)
{
	icp_arena *a = icp_arena_new(1024);
	icp_json *root;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
	rc = parse_object(a, json, "offset", &root, err);
	if (rc == ICP_OK)
		rc = get_int(root, "offset", "offset", &v->offset, err);
	if (rc == ICP_OK)
		rc = get_int(root, "last_timestamp_ms", "offset", &v->last_timestamp_ms, err);
	if (rc == ICP_OK)
		rc = get_int(root, "updated_at", "offset", &v->updated_at, err);
	icp_arena_free(a);
	return rc;
}

/* ------------------------------------------------------------ snapshot */

/* ErrorCode of a topic or partition: missing counts as 0 (older brokers
 * may omit zero values), anything but an integer is corrupt. */
static int error_code(const icp_json *obj, const char *where, int64_t *code, icp_error *err)
{
	const icp_json *v = icp_json_get(obj, "ErrorCode");

	*code = 0;
	if (!v)
		return ICP_OK;
	if (icp_json_as_int64(v, code) != ICP_OK)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "coord: metadata snapshot %s: ErrorCode is a %s", where,
		                     icp_json_type_name(v->type));
	return ICP_OK;
}

static int cmp_tp(const void *a, const void *b)
{
	const icp_coord_tp *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);

	if (c)
		return c;
	return (x->partition > y->partition) - (x->partition < y->partition);
}

int icp_coord_parse_snapshot(icp_arena *a, icp_slice json, size_t max_tps,
                             icp_coord_tp_list *out, icp_error *err)
{
	icp_json_opts o = {0};
	icp_json *root;
	const icp_json *topics;
	size_t i, j, total = 0, n = 0, w;
	int rc;

	memset(out, 0, sizeof(*out));
	if (max_tps == 0)
		max_tps = 1000000;
	o.max_depth = 16;
	if ((rc = icp_json_parse(a, (const char *)json.ptr, json.len, &o, &root, err)) != ICP_OK) {
		icp_error_prefix(err, "coord: metadata snapshot");
		return rc;
	}
	if (root->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "coord: metadata snapshot is a %s, not an object",
		                     icp_json_type_name(root->type));
	topics = icp_json_get(root, "Topics");
	if (!topics || topics->type == ICP_JSON_NULL)
		return ICP_OK; /* Go encodes an empty slice as null: no topics */
	if (topics->type != ICP_JSON_ARRAY)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "coord: metadata snapshot: Topics is a %s, not an array",
		                     icp_json_type_name(topics->type));
	/* First pass: validate and count, so one allocation holds the list. */
	for (i = 0; i < topics->u.arr.n; i++) {
		const icp_json *t = &topics->u.arr.items[i];
		const icp_json *parts, *name;
		if (t->type != ICP_JSON_OBJECT)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "coord: metadata snapshot: Topics[%zu] is not an object", i);
		name = icp_json_get(t, "Topic");
		if (!name || name->type != ICP_JSON_STRING || name->u.str.len == 0 ||
		    strlen(name->u.str.ptr) != name->u.str.len || memchr(name->u.str.ptr, '/',
		                                                         name->u.str.len))
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "coord: metadata snapshot: Topics[%zu].Topic is not a "
			                     "non-empty topic name without '/'", i);
		parts = icp_json_get(t, "Partitions");
		if (parts && parts->type != ICP_JSON_ARRAY && parts->type != ICP_JSON_NULL)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "coord: metadata snapshot: Topics[%zu].Partitions is a %s",
			                     i, icp_json_type_name(parts->type));
		if (parts && parts->type == ICP_JSON_ARRAY)
			total += parts->u.arr.n;
		if (total > max_tps)
			return icp_error_set(err, ICP_ERR_TOO_LARGE,
			                     "coord: metadata snapshot lists more than %zu partitions",
			                     max_tps);
	}
	out->v = total ? icp_arena_alloc(a, total * sizeof(*out->v)) : NULL;
	if (total && !out->v)
		return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
	for (i = 0; i < topics->u.arr.n; i++) {
		const icp_json *t = &topics->u.arr.items[i];
		const icp_json *parts = icp_json_get(t, "Partitions");
		const char *name = icp_json_get(t, "Topic")->u.str.ptr;
		char where[64];
		int64_t code;

		snprintf(where, sizeof(where), "Topics[%zu]", i);
		if ((rc = error_code(t, where, &code, err)) != ICP_OK)
			return rc;
		if (code != 0 || !parts || parts->type != ICP_JSON_ARRAY)
			continue;
		for (j = 0; j < parts->u.arr.n; j++) {
			const icp_json *p = &parts->u.arr.items[j];
			const icp_json *pv;
			int64_t part;
			snprintf(where, sizeof(where), "Topics[%zu].Partitions[%zu]", i, j);
			if (p->type != ICP_JSON_OBJECT)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     "coord: metadata snapshot: %s is not an object",
				                     where);
			if ((rc = error_code(p, where, &code, err)) != ICP_OK)
				return rc;
			pv = icp_json_get(p, "Partition");
			if (!pv || icp_json_as_int64(pv, &part) != ICP_OK || part < 0 ||
			    part > INT32_MAX)
				return icp_error_set(err, ICP_ERR_CORRUPT,
				                     "coord: metadata snapshot: %s.Partition is not "
				                     "an int32 >= 0", where);
			if (code != 0)
				continue;
			out->v[n].topic = name;
			out->v[n].partition = (int32_t)part;
			n++;
		}
	}
	if (n > 1)
		qsort(out->v, n, sizeof(*out->v), cmp_tp);
	/* Drop duplicates (a broker bug must not make us list a prefix twice). */
	for (i = 0, w = 0; i < n; i++)
		if (w == 0 || cmp_tp(&out->v[w - 1], &out->v[i]) != 0)
			out->v[w++] = out->v[i];
	out->n = w;
	return ICP_OK;
}

int icp_coord_discover_etcd(icp_etcd *etcd, icp_arena *a, icp_coord_tp_list *out,
                            icp_error *err)
{
	icp_etcd_kv *kv = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = icp_etcd_get(etcd, a, icp_slice_cstr(ICP_COORD_SNAPSHOT_KEY), &kv, err);
	if (rc != ICP_OK)
		return rc;
	rc = icp_coord_parse_snapshot(a, kv->value, 0, out, err);
	if (rc != ICP_OK)
		icp_error_prefix(err, "etcd key %s", ICP_COORD_SNAPSHOT_KEY);
	return rc;
}
