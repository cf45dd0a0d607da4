/*
 * coord: the worker's etcd lease. One lease per worker carries its member
 * key and all its partition keys. It is granted at registration and kept
 * alive every TTL/3; the worker trusts it until the local deadline (send
 * time of the last successful grant/keep-alive + granted TTL - margin),
 * which etcd cannot beat because it starts the TTL on receipt. A lease
 * given up locally (deadline passed) is revoked before a new grant: etcd
 * extends leases when it restarts, so its keys could otherwise block the
 * partitions for one more TTL.
 */
#include "coord/coord_int.h"

#include "json/json.h"

#define REFRESH_CHUNK 32 /* lease keys rewritten per txn */

static void trust_until(icp_coord *c, int64_t sent_ms, int64_t ttl_s)
{
	c->granted_ttl_s = ttl_s;
	c->last_ka_ms = sent_ms;
	c->deadline_ms = sent_ms + ttl_s * 1000 - c->margin_ms;
	c->last_ok_wall_ms = icp_coord_wall(c);
}

int icp_coord_put_member(icp_coord *c, icp_error *err)
{
	icp_buf key, val;
	icp_json_writer w;
	int rc;

	icp_buf_init(&key, 4096);
	icp_buf_init(&val, 4096);
	icp_coord_key(c, &key, "members", c->worker_id);
	icp_json_writer_init(&w, &val, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "owner_id");
	icp_json_write_string(&w, c->worker_id);
	icp_json_write_key(&w, "joined_at");
	icp_json_write_int64(&w, icp_coord_wall(c));
	icp_json_write_end_object(&w);
	if (key.status || icp_json_writer_finish(&w))
		rc = icp_error_set(err, ICP_ERR_TOO_LARGE, "coord: member key too large");
	else
		rc = icp_etcd_put(c->etcd, icp_slice_make(key.data, key.len),
		                  icp_slice_make(val.data, val.len), c->lease_id, NULL, err);
	icp_buf_dispose(&key);
	icp_buf_dispose(&val);
	return rc;
}

static int register_worker(icp_coord *c, icp_error *err)
{
	int64_t t0, id = 0, ttl = 0;
	int rc;

	if (c->stale_lease) {
		/* Frees the partitions we gave up locally now instead of after
		 * the (possibly extended) expiry. */
		rc = icp_etcd_lease_revoke(c->etcd, c->stale_lease, err);
		if (rc != ICP_OK && rc != ICP_ERR_NOT_FOUND)
			return rc;
		icp_error_clear(err);
		c->stale_lease = 0;
	}
	t0 = icp_coord_mono(c);
	if ((rc = icp_etcd_lease_grant(c->etcd, c->ttl_s, &id, &ttl, err)) != ICP_OK)
		return rc;
	c->lease_id = id;
	trust_until(c, t0, ttl > 0 ? ttl : c->ttl_s);
	if ((rc = icp_coord_put_member(c, err)) != ICP_OK) {
		/* Retry the whole registration next tick under a new lease. */
		c->stale_lease = c->lease_id;
		c->lease_id = 0;
	}
	return rc;
}

/* Rewrites lease_expires_at of our keys after a keep-alive, for people
 * and dashboards reading the values; ownership itself rests on the etcd
 * lease. Best effort: a failed chunk is rewritten next time. */
static void refresh_values(icp_coord *c)
{
	icp_etcd_cmp cmps[REFRESH_CHUNK];
	icp_etcd_op ops[REFRESH_CHUNK];
	icp_buf vals[REFRESH_CHUNK];
	int64_t exp = icp_coord_wall(c) + c->granted_ttl_s * 1000;
	size_t i, j, n;

	for (i = 0; i < c->n_parts; i += n) {
		icp_etcd_txn txn;
		icp_etcd_txn_resp resp;
		icp_error e;

		n = c->n_parts - i < REFRESH_CHUNK ? c->n_parts - i : REFRESH_CHUNK;
		memset(cmps, 0, sizeof(cmps));
		memset(ops, 0, sizeof(ops));
		for (j = 0; j < n; j++) {
			icp_coord_part *p = &c->parts[i + j];
			icp_coord_lease_value v = {c->worker_id, exp, p->generation};
			icp_buf_init(&vals[j], 4096);
			icp_coord_lease_encode(&v, &vals[j]);
			cmps[j].target = ICP_ETCD_CMP_LEASE;
			cmps[j].op = ICP_ETCD_EQUAL;
			cmps[j].key = icp_slice_cstr(p->key);
			cmps[j].number = c->lease_id;
			ops[j].type = ICP_ETCD_OP_PUT;
			ops[j].key = cmps[j].key;
			ops[j].value = icp_slice_make(vals[j].data, vals[j].len);
			ops[j].lease = c->lease_id;
		}
		memset(&txn, 0, sizeof(txn));
		txn.cmps = cmps;
		txn.n_cmps = n;
		txn.success = ops;
		txn.n_success = n;
		icp_error_init(&e);
		icp_arena_reset(c->status_arena);
		(void)icp_etcd_txn_do(c->etcd, c->status_arena, &txn, &resp, &e);
		for (j = 0; j < n; j++)
			icp_buf_dispose(&vals[j]);
	}
}

/* Steps 1 and 2 of the tick. */
int icp_coord_keep_lease(icp_coord *c, icp_coord_list *lost, icp_error *err)
{
	int64_t t0, ttl = 0;
	int rc;

	if (c->lease_id && icp_coord_mono(c) >= c->deadline_ms) {
		icp_coord_lose_all(c, lost);
		c->stale_lease = c->lease_id;
		c->lease_id = 0;
	}
	if (c->lease_id && icp_coord_mono(c) - c->last_ka_ms >= c->granted_ttl_s * 1000 / ICP_COORD_KA_DIVISOR) {
		t0 = icp_coord_mono(c);
		rc = icp_etcd_lease_keepalive(c->etcd, c->lease_id, &ttl, err);
		if (rc == ICP_ERR_NOT_FOUND) {
			/* etcd expired or revoked it: our keys are gone. */
			icp_error_clear(err);
			icp_coord_lose_all(c, lost);
			c->lease_id = 0;
		} else if (rc != ICP_OK) {
			return rc;
		} else {
			trust_until(c, t0, ttl > 0 ? ttl : c->granted_ttl_s);
			refresh_values(c);
		}
	}
	if (!c->lease_id)
		return register_worker(c, err);
	return ICP_OK;
}
