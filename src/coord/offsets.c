/*
 * coord: the etcd offsets/watermarks cache of compatibility.md.
 *
 *   P/offsets/{t}/{p}     {"offset":N,"last_timestamp_ms":ms,"updated_at":ms}
 *   P/watermarks/{t}/{p}  the same value
 *   P/watermarks/{t}      the partition watermark with the smallest offset
 *
 * Written after each Iceberg commit, from the committed snapshot. A
 * partition's value only ever moves forward: the write is a txn guarded by
 * the revision of the value read just before, skipped when etcd already
 * holds a larger offset (a slow or paused former owner cannot move it
 * back). The topic-level key is recomputed from a fresh
 * read of every partition watermark; two workers doing this at once may
 * leave a slightly old minimum behind, but never one above the true
 * minimum (each read value is <= the current one), and the next put fixes
 * it. Readers treat all of it as a cache.
 */
#include "coord/coord_int.h"

#include <stdio.h>

static int tp_path(icp_buf *b, const char *topic, int32_t partition, icp_error *err)
{
	if (!topic || !*topic || strchr(topic, '/') || partition < 0)
		return icp_error_set(err, ICP_ERR_INVALID, "coord: bad topic/partition \"%s\"/%d",
		                     topic ? topic : "(null)", (int)partition);
	icp_buf_reset(b);
	icp_buf_printf(b, "%s/%d", topic, (int)partition);
	return b->status;
}

/* Writes the partition's offsets and watermarks keys unless etcd already
 * holds a larger offset: read, then txn guarded by the read's mod
 * revision (or absence), retried when another writer came in between. A
 * worker that lost a partition while a put was on its way (paused,
 * slow) cannot move the offsets back under the new owner's feet.
 * *moved = 0 when etcd was already ahead. */
static int put_forward(icp_coord *c, icp_arena *a, icp_etcd_op ops[2], int64_t offset,
                       int *moved, icp_error *err)
{
	int attempt, rc;

	*moved = 0;
	for (attempt = 0; attempt < 5; attempt++) {
		icp_etcd_kv *kv = NULL;
		icp_etcd_cmp cmp;
		icp_etcd_txn txn;
		icp_etcd_txn_resp resp;
		icp_coord_offset cur;
		icp_error e;

		rc = icp_etcd_get(c->etcd, a, ops[0].key, &kv, err);
		if (rc != ICP_OK && rc != ICP_ERR_NOT_FOUND)
			return rc;
		icp_error_clear(err);
		memset(&cmp, 0, sizeof(cmp));
		cmp.key = ops[0].key;
		if (!kv) {
			cmp.target = ICP_ETCD_CMP_VERSION; /* still absent */
		} else {
			icp_error_init(&e);
			if (icp_coord_offset_decode(kv->value, &cur, &e) == ICP_OK &&
			    cur.offset > offset)
				return ICP_OK; /* never backwards */
			cmp.target = ICP_ETCD_CMP_MOD;
			cmp.number = kv->mod_revision;
		}
		memset(&txn, 0, sizeof(txn));
		txn.cmps = &cmp;
		txn.n_cmps = 1;
		txn.success = ops;
		txn.n_success = 2;
		if ((rc = icp_etcd_txn_do(c->etcd, a, &txn, &resp, err)) != ICP_OK)
			return rc;
		if (resp.succeeded) {
			*moved = 1;
			return ICP_OK;
		}
	}
	return icp_error_set(err, ICP_ERR_CONFLICT,
	                     "coord: %.*s kept changing under 5 attempts to write it",
	                     (int)ops[0].key.len, (const char *)ops[0].key.ptr);
}

int icp_coord_put_offset(icp_coord *c, const char *topic, int32_t partition,
                         int64_t last_offset_written, int64_t last_ts_ms, icp_error *err)
{
	icp_coord_offset v = {last_offset_written, last_ts_ms, icp_coord_wall(c)};
	icp_buf tp, k_off, k_wm, k_topic, val;
	icp_etcd_op ops[2];
	icp_etcd_range_resp all;
	icp_arena *a = icp_arena_new(0);
	const icp_etcd_kv *min_kv = NULL;
	int64_t min_off = 0;
	size_t i;
	int rc, tried = 0, moved = 0;

	icp_buf_init(&tp, 4096);
	icp_buf_init(&k_off, 4096);
	icp_buf_init(&k_wm, 4096);
	icp_buf_init(&k_topic, 4096);
	icp_buf_init(&val, 4096);
	if (!a) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		goto out;
	}
	if ((rc = tp_path(&tp, topic, partition, err)) != ICP_OK)
		goto out;
	if ((rc = icp_coord_fail_fast(c, err)) != ICP_OK)
		goto out;
	tried = 1;
	icp_coord_key(c, &k_off, "offsets", (const char *)tp.data);
	icp_coord_key(c, &k_wm, "watermarks", (const char *)tp.data);
	icp_coord_key(c, &k_topic, "watermarks", topic);
	icp_buf_append_byte(&k_topic, '/'); /* prefix of the partition keys */
	icp_coord_offset_encode(&v, &val);
	if (k_off.status || k_wm.status || k_topic.status || val.status) {
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE, "coord: key of %s too large",
		                   (const char *)tp.data);
		goto out;
	}
	memset(ops, 0, sizeof(ops));
	ops[0].type = ops[1].type = ICP_ETCD_OP_PUT;
	ops[0].key = icp_slice_make(k_off.data, k_off.len);
	ops[1].key = icp_slice_make(k_wm.data, k_wm.len);
	ops[0].value = ops[1].value = icp_slice_make(val.data, val.len);
	if ((rc = put_forward(c, a, ops, last_offset_written, &moved, err)) != ICP_OK || !moved)
		goto out;
	if ((rc = icp_etcd_get_prefix(c->etcd, a, icp_slice_make(k_topic.data, k_topic.len), &all,
	                              err)) != ICP_OK)
		goto out;
	for (i = 0; i < all.n; i++) {
		icp_coord_offset o;
		icp_error e;
		const icp_slice *k = &all.kvs[i].key;
		/* Only direct children "P/watermarks/t/<digits>". */
		if (memchr(k->ptr + k_topic.len, '/', k->len - k_topic.len))
			continue;
		icp_error_init(&e);
		if (icp_coord_offset_decode(all.kvs[i].value, &o, &e) != ICP_OK)
			continue; /* someone else's garbage must not block ours */
		if (!min_kv || o.offset < min_off) {
			min_kv = &all.kvs[i];
			min_off = o.offset;
		}
	}
	if (min_kv) {
		k_topic.len--; /* drop the '/' */
		k_topic.data[k_topic.len] = 0;
		rc = icp_etcd_put(c->etcd, icp_slice_make(k_topic.data, k_topic.len),
		                  min_kv->value, 0, NULL, err);
	}
out:
	if (tried)
		icp_coord_note(c, rc);
	icp_arena_free(a);
	icp_buf_dispose(&tp);
	icp_buf_dispose(&k_off);
	icp_buf_dispose(&k_wm);
	icp_buf_dispose(&k_topic);
	icp_buf_dispose(&val);
	return rc;
}

int icp_coord_get_offset(icp_coord *c, const char *topic, int32_t partition,
                         icp_coord_offset *out, icp_error *err)
{
	icp_buf tp, key;
	icp_arena *a = icp_arena_new(0);
	icp_etcd_kv *kv = NULL;
	int rc, tried = 0;

	memset(out, 0, sizeof(*out));
	icp_buf_init(&tp, 4096);
	icp_buf_init(&key, 4096);
	if (!a) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		goto out;
	}
	if ((rc = tp_path(&tp, topic, partition, err)) != ICP_OK)
		goto out;
	if ((rc = icp_coord_fail_fast(c, err)) != ICP_OK)
		goto out;
	tried = 1;
	if (icp_coord_key(c, &key, "offsets", (const char *)tp.data) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE, "coord: key too large");
		goto out;
	}
	if ((rc = icp_etcd_get(c->etcd, a, icp_slice_make(key.data, key.len), &kv, err)) != ICP_OK)
		goto out;
	if ((rc = icp_coord_offset_decode(kv->value, out, err)) != ICP_OK)
		icp_error_prefix(err, "etcd key %s", (const char *)key.data);
out:
	if (tried && rc != ICP_ERR_NOT_FOUND)
		icp_coord_note(c, rc);
	icp_arena_free(a);
	icp_buf_dispose(&tp);
	icp_buf_dispose(&key);
	return rc;
}
