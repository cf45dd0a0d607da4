/*
 * coord: membership and partition leases (see coord.h for the keys and
 * docs/internals/coordination.md for the algorithm and safety argument).
 * The worker's etcd lease itself (steps 1 and 2) is in lease.c.
 *
 * One tick:
 *   1. local deadline passed -> every partition lost, lease forgotten
 *      (kept as "stale" to revoke later: etcd extends leases when it
 *      restarts, so waiting for expiry could block the partitions a TTL).
 *   2. no lease -> revoke the stale one, grant, put P/members/{id};
 *      lease due -> keep-alive (every TTL/3); "lease not found" -> all
 *      lost, grant again.
 *   3. read P/members/ (count) and P/leases/ (all lease keys, one range).
 *   4. owned keys that are gone or carry another lease -> lost; keys with
 *      our lease and owner we do not know of (a claim whose txn outcome was
 *      unknown) -> adopted.
 *   5. share = ceil(tps / members): over it -> mark the least wanted to
 *      release; under it -> un-mark, then claim free partitions in the
 *      worker's rendezvous order (txn: version = 0 -> put with lease).
 * The first etcd failure ends the tick (RETRYABLE); what was learnt before
 * it is reported.
 */
#include "coord/coord_int.h"

#include <stdlib.h>

#include "json/json.h"


static int64_t real_mono(void *ctx)
{
	(void)ctx;
	return (int64_t)(icp_mono_ns() / 1000000u);
}

static int64_t real_wall(void *ctx)
{
	(void)ctx;
	return icp_now_ms();
}

static int64_t mono(icp_coord *c)
{
	return c->mono_ms(c->clock_ctx);
}

int64_t icp_coord_mono(icp_coord *c)
{
	return mono(c);
}

void icp_coord_note(icp_coord *c, int rc)
{
	if (rc == ICP_ERR_RETRYABLE)
		c->down_at_ms = mono(c);
	else if (rc == ICP_OK)
		c->down_at_ms = 0;
}

int icp_coord_fail_fast(icp_coord *c, icp_error *err)
{
	int64_t ago = mono(c) - c->down_at_ms;

	if (c->down_at_ms == 0 || ago >= c->ttl_s * 1000 / ICP_COORD_KA_DIVISOR)
		return ICP_OK;
	return icp_error_set(err, ICP_ERR_RETRYABLE,
	                     "coord: etcd did not answer %lld ms ago (%s); not retried before "
	                     "the next tick", (long long)ago, icp_etcd_current_endpoint(c->etcd));
}

int64_t icp_coord_wall(icp_coord *c)
{
	return c->wall_ms(c->clock_ctx);
}

int icp_coord_key(icp_coord *c, icp_buf *b, const char *kind, const char *rest)
{
	icp_buf_reset(b);
	icp_buf_printf(b, "%s/%s/%s", c->prefix, kind, rest);
	return b->status;
}

int icp_coord_new(const icp_coord_opts *opts, icp_coord **out, icp_error *err)
{
	icp_coord *c;
	icp_etcd_opts eo = opts->etcd;
	const char *pfx = opts->key_prefix && *opts->key_prefix ? opts->key_prefix : "processors";
	size_t plen;
	int64_t ttl_ms;
	int rc;

	*out = NULL;
	if (!opts->worker_id || !*opts->worker_id || strchr(opts->worker_id, '/'))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "coord: worker_id must be non-empty and without '/'");
	if (opts->ttl_s < 0 || opts->ttl_s > 86400)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "coord: lease TTL %lld s is out of range 1..86400",
		                     (long long)opts->ttl_s);
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
	c->ttl_s = opts->ttl_s ? opts->ttl_s : 30;
	ttl_ms = c->ttl_s * 1000;
	/* Margin: a tenth of the TTL, within [500 ms, 5 s]. It absorbs the
	 * time between a check of icp_coord_owns and the work it guards. */
	c->margin_ms = ttl_ms / 10 < 500 ? 500 : ttl_ms / 10 > 5000 ? 5000 : ttl_ms / 10;
	if (c->margin_ms > ttl_ms / 2)
		c->margin_ms = ttl_ms / 2;
	/* One etcd call must fit well inside a keep-alive period. */
	if (eo.timeout_ms == 0) {
		int64_t t = ttl_ms / 4;
		eo.timeout_ms = (int)(t < 500 ? 500 : t > 5000 ? 5000 : t);
	}
	c->mono_ms = opts->mono_ms ? opts->mono_ms : real_mono;
	c->wall_ms = opts->wall_ms ? opts->wall_ms : real_wall;
	c->clock_ctx = opts->clock_ctx;
	c->next_generation = 1;
	while (*pfx == '/')
		pfx++;
	plen = strlen(pfx);
	while (plen > 0 && pfx[plen - 1] == '/')
		plen--;
	c->prefix = icp_strndup(pfx, plen);
	c->worker_id = icp_strdup(opts->worker_id);
	c->tick_arena = icp_arena_new(4096);
	c->status_arena = icp_arena_new(4096);
	if (!c->prefix || !c->worker_id || !c->tick_arena || !c->status_arena) {
		icp_coord_free(c);
		return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
	}
	if ((rc = icp_etcd_new(&eo, &c->etcd, err)) != ICP_OK) {
		icp_coord_free(c);
		return rc;
	}
	*out = c;
	return ICP_OK;
}

static void part_dispose(icp_coord_part *p)
{
	icp_free(p->tp);
	icp_free(p->key);
}

static void clear_pending(icp_coord *c)
{
	size_t i;
	for (i = 0; i < c->n_pending; i++)
		icp_free(c->pending_del[i]);
	c->n_pending = 0;
}

void icp_coord_free(icp_coord *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_parts; i++)
		part_dispose(&c->parts[i]);
	icp_free(c->parts);
	clear_pending(c);
	icp_free(c->pending_del);
	icp_etcd_free(c->etcd);
	icp_arena_free(c->tick_arena);
	icp_arena_free(c->status_arena);
	icp_free(c->prefix);
	icp_free(c->worker_id);
	icp_free(c);
}

icp_etcd *icp_coord_etcd(icp_coord *c)
{
	return c->etcd;
}

/* ------------------------------------------------------- owned set */

static size_t find_part(const icp_coord *c, const char *tp, int *found)
{
	size_t lo = 0, hi = c->n_parts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->parts[mid].tp, tp);
		if (r == 0) {
			*found = 1;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int add_part(icp_coord *c, const char *tp, const char *key, int64_t gen)
{
	int found;
	size_t i = find_part(c, tp, &found);
	icp_coord_part p;

	if (found)
		return ICP_OK;
	if (c->n_parts == c->cap_parts) {
		size_t ncap = c->cap_parts ? c->cap_parts * 2 : 16;
		icp_coord_part *np = icp_realloc(c->parts, ncap * sizeof(*np));
		if (!np)
			return ICP_ERR_NOMEM;
		c->parts = np;
		c->cap_parts = ncap;
	}
	p.tp = icp_strdup(tp);
	p.key = icp_strdup(key);
	p.generation = gen;
	p.releasing = 0;
	if (!p.tp || !p.key) {
		part_dispose(&p);
		return ICP_ERR_NOMEM;
	}
	memmove(&c->parts[i + 1], &c->parts[i], (c->n_parts - i) * sizeof(*c->parts));
	c->parts[i] = p;
	c->n_parts++;
	return ICP_OK;
}

static void remove_part(icp_coord *c, size_t i)
{
	part_dispose(&c->parts[i]);
	memmove(&c->parts[i], &c->parts[i + 1], (c->n_parts - i - 1) * sizeof(*c->parts));
	c->n_parts--;
}

int icp_coord_list_push(icp_coord *c, icp_coord_list *l, const char *tp)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		const char **nv = icp_arena_alloc(c->tick_arena, ncap * sizeof(*nv));
		if (!nv)
			return ICP_ERR_NOMEM;
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = ncap;
	}
	if (!(l->v[l->n] = icp_arena_strdup(c->tick_arena, tp)))
		return ICP_ERR_NOMEM;
	l->n++;
	return ICP_OK;
}

void icp_coord_lose_all(icp_coord *c, icp_coord_list *lost)
{
	while (c->n_parts > 0) {
		(void)icp_coord_list_push(c, lost, c->parts[c->n_parts - 1].tp);
		remove_part(c, c->n_parts - 1);
	}
	clear_pending(c); /* the keys go with the lease */
}

int icp_coord_owns(icp_coord *c, const char *tp)
{
	int found;

	if (c->lease_id == 0 || mono(c) >= c->deadline_ms)
		return 0;
	(void)find_part(c, tp, &found);
	return found;
}

/* --------------------------------------------------------- the tick */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Finds key in the sorted range result (binary search). */
static const icp_etcd_kv *find_kv(const icp_etcd_range_resp *r, const char *key)
{
	size_t lo = 0, hi = r->n, klen = strlen(key);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const icp_slice *k = &r->kvs[mid].key;
		size_t m = k->len < klen ? k->len : klen;
		int cmp = memcmp(k->ptr, key, m);
		if (cmp == 0)
			cmp = (k->len > klen) - (k->len < klen);
		if (cmp == 0)
			return &r->kvs[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int claim(icp_coord *c, const char *tp, const char *key, int *won, icp_error *err)
{
	icp_coord_lease_value v = {c->worker_id, icp_coord_wall(c) + c->granted_ttl_s * 1000,
	                           c->next_generation};
	icp_etcd_cmp cmp;
	icp_etcd_op op;
	icp_etcd_txn txn;
	icp_etcd_txn_resp resp;
	icp_buf val;
	int rc;

	*won = 0;
	icp_buf_init(&val, 4096);
	if (icp_coord_lease_encode(&v, &val) != ICP_OK) {
		icp_buf_dispose(&val);
		return icp_error_set(err, ICP_ERR_NOMEM, "coord: encoding lease of %s", tp);
	}
	memset(&cmp, 0, sizeof(cmp));
	memset(&op, 0, sizeof(op));
	memset(&txn, 0, sizeof(txn));
	cmp.target = ICP_ETCD_CMP_VERSION;
	cmp.op = ICP_ETCD_EQUAL;
	cmp.key = icp_slice_cstr(key);
	cmp.number = 0;
	op.type = ICP_ETCD_OP_PUT;
	op.key = cmp.key;
	op.value = icp_slice_make(val.data, val.len);
	op.lease = c->lease_id;
	txn.cmps = &cmp;
	txn.n_cmps = 1;
	txn.success = &op;
	txn.n_success = 1;
	rc = icp_etcd_txn_do(c->etcd, c->tick_arena, &txn, &resp, err);
	icp_buf_dispose(&val);
	if (rc == ICP_OK && resp.succeeded) {
		if (add_part(c, tp, key, c->next_generation) != ICP_OK)
			return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		c->next_generation++;
		*won = 1;
	}
	if (rc == ICP_ERR_UNKNOWN) {
		/* Maybe ours: the next scan adopts it if it carries our lease. */
		icp_error_clear(err);
		rc = ICP_OK;
	}
	return rc;
}

/* Deletes lease keys released while etcd was unreachable. */
static int retry_deletes(icp_coord *c, icp_error *err)
{
	while (c->n_pending > 0) {
		char *key = c->pending_del[c->n_pending - 1];
		icp_etcd_cmp cmp;
		icp_etcd_op op;
		icp_etcd_txn txn;
		icp_etcd_txn_resp resp;
		int rc;

		if (c->pending_lease != c->lease_id)
			break; /* that lease is gone, and its keys with it */
		memset(&cmp, 0, sizeof(cmp));
		memset(&op, 0, sizeof(op));
		memset(&txn, 0, sizeof(txn));
		cmp.target = ICP_ETCD_CMP_LEASE;
		cmp.key = icp_slice_cstr(key);
		cmp.number = c->lease_id;
		op.type = ICP_ETCD_OP_DELETE;
		op.key = cmp.key;
		txn.cmps = &cmp;
		txn.n_cmps = 1;
		txn.success = &op;
		txn.n_success = 1;
		rc = icp_etcd_txn_do(c->etcd, c->tick_arena, &txn, &resp, err);
		if (rc != ICP_OK && rc != ICP_ERR_UNKNOWN)
			return rc;
		icp_error_clear(err);
		icp_free(key);
		c->n_pending--;
	}
	clear_pending(c);
	return ICP_OK;
}

/* Steps 3 to 5, with a lease in hand. tps sorted and unique. */
static int balance(icp_coord *c, const char **tps, size_t n, icp_coord_list *claimed, icp_coord_list *lost,
                   icp_error *err)
{
	icp_etcd_range_resp members, leases;
	icp_buf key;
	size_t i, active = 0, *want = NULL, n_want = 0;
	int rc, found;

	icp_buf_init(&key, 1 << 16);
	icp_coord_key(c, &key, "members", "");
	if ((rc = icp_etcd_get_prefix(c->etcd, c->tick_arena, icp_slice_make(key.data, key.len),
	                              &members, err)) != ICP_OK)
		goto out;
	icp_coord_key(c, &key, "members", c->worker_id);
	c->n_members = members.n;
	if (!find_kv(&members, (const char *)key.data)) {
		c->n_members++; /* deleted by hand: count us, put it back */
		if ((rc = icp_coord_put_member(c, err)) != ICP_OK)
			goto out;
	}
	icp_coord_key(c, &key, "leases", "");
	if ((rc = icp_etcd_get_prefix(c->etcd, c->tick_arena, icp_slice_make(key.data, key.len),
	                              &leases, err)) != ICP_OK)
		goto out;
	c->last_ok_wall_ms = icp_coord_wall(c);
	/* Step 4: verify what we hold. */
	for (i = c->n_parts; i-- > 0;) {
		const icp_etcd_kv *kv = find_kv(&leases, c->parts[i].key);
		if (!kv || kv->lease != c->lease_id) {
			(void)icp_coord_list_push(c, lost, c->parts[i].tp);
			remove_part(c, i);
		}
	}
	for (i = 0; i < leases.n; i++) {
		const icp_etcd_kv *kv = &leases.kvs[i];
		icp_coord_lease_value v;
		icp_error e;
		const char *k;

		if (kv->lease != c->lease_id)
			continue;
		icp_error_init(&e);
		if (icp_coord_lease_decode(c->tick_arena, kv->value, &v, &e) != ICP_OK ||
		    strcmp(v.owner_id, c->worker_id) != 0)
			continue;
		k = icp_arena_memdup(c->tick_arena, kv->key.ptr, kv->key.len + 1);
		if (!k)
			continue;
		((char *)k)[kv->key.len] = 0;
		if (strlen(k) <= strlen(c->prefix) + 8) /* "P/leases/" */
			continue;
		(void)find_part(c, k + strlen(c->prefix) + 8, &found);
		if (!found && add_part(c, k + strlen(c->prefix) + 8, k, v.generation) == ICP_OK)
			(void)icp_coord_list_push(c, claimed, k + strlen(c->prefix) + 8);
	}
	/* Step 5: fair share. */
	c->n_tps = n;
	c->share = icp_coord_fair_share(n, c->n_members);
	want = icp_malloc((n + c->n_parts + 1) * sizeof(*want));
	if (!want) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		goto out;
	}
	for (i = 0; i < c->n_parts; i++) {
		icp_coord_part *p = &c->parts[i];
		if (!bsearch(&p->tp, tps, n, sizeof(*tps), cmp_cstr))
			p->releasing = 1; /* no longer wanted by discovery */
		else
			active += !p->releasing;
	}
	if (active > c->share) {
		const char **owned = icp_malloc(c->n_parts * sizeof(*owned));
		if (!owned) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
			goto out;
		}
		for (i = 0; i < c->n_parts; i++) {
			owned[i] = c->parts[i].tp;
			if (!c->parts[i].releasing)
				want[n_want++] = i;
		}
		icp_coord_rank(c->worker_id, owned, want, n_want);
		for (i = n_want; i-- > 0 && active > c->share; active--)
			c->parts[want[i]].releasing = 1;
		icp_free(owned);
	}
	for (i = 0; i < c->n_parts && active < c->share; i++) {
		icp_coord_part *p = &c->parts[i];
		if (p->releasing && bsearch(&p->tp, tps, n, sizeof(*tps), cmp_cstr)) {
			p->releasing = 0; /* members left: keep it after all */
			active++;
		}
	}
	if (active < c->share) {
		n_want = 0;
		for (i = 0; i < n; i++) {
			icp_coord_key(c, &key, "leases", tps[i]);
			if (key.status == ICP_OK && !find_kv(&leases, (const char *)key.data))
				want[n_want++] = i;
		}
		icp_coord_rank(c->worker_id, tps, want, n_want);
		for (i = 0; i < n_want && active < c->share; i++) {
			int won;
			icp_coord_key(c, &key, "leases", tps[want[i]]);
			if ((rc = claim(c, tps[want[i]], (const char *)key.data, &won, err)) != ICP_OK)
				goto out;
			if (won) {
				(void)icp_coord_list_push(c, claimed, tps[want[i]]);
				active++;
			}
		}
	}
	rc = retry_deletes(c, err);
out:
	icp_free(want);
	icp_buf_dispose(&key);
	return rc;
}

int icp_coord_tick(icp_coord *c, const char *const *tps_in, size_t n_tps,
                   icp_coord_changes *out, icp_error *err)
{
	icp_coord_list claimed = {0}, to_release = {0}, lost = {0};
	const char **tps = NULL;
	size_t i, n = 0;
	int rc = ICP_OK;

	memset(out, 0, sizeof(*out));
	icp_arena_reset(c->tick_arena);
	for (i = 0; i < n_tps; i++) {
		icp_slice t;
		int32_t p;
		if ((rc = icp_coord_split_tp(tps_in[i], &t, &p, err)) != ICP_OK)
			return rc;
	}
	if (n_tps) {
		tps = icp_arena_alloc(c->tick_arena, n_tps * sizeof(*tps));
		if (!tps)
			return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		memcpy(tps, tps_in, n_tps * sizeof(*tps));
		qsort(tps, n_tps, sizeof(*tps), cmp_cstr);
		for (i = 0; i < n_tps; i++)
			if (n == 0 || strcmp(tps[n - 1], tps[i]) != 0)
				tps[n++] = tps[i];
	}
	rc = icp_coord_keep_lease(c, &lost, err);
	if (rc == ICP_OK)
		rc = balance(c, tps, n, &claimed, &lost, err);
	icp_coord_note(c, rc);
	for (i = 0; i < c->n_parts; i++)
		if (c->parts[i].releasing)
			(void)icp_coord_list_push(c, &to_release, c->parts[i].tp);
	out->claimed = claimed.v;
	out->n_claimed = claimed.n;
	out->to_release = to_release.v;
	out->n_to_release = to_release.n;
	out->lost = lost.v;
	out->n_lost = lost.n;
	return rc;
}

int icp_coord_release(icp_coord *c, const char *tp, icp_error *err)
{
	int found, rc;
	size_t i = find_part(c, tp, &found);
	char *key;

	if (!found)
		return icp_error_set(err, ICP_ERR_NOT_FOUND, "coord: %s is not owned", tp);
	key = c->parts[i].key;
	c->parts[i].key = NULL;
	remove_part(c, i);
	if (c->lease_id == 0) {
		icp_free(key);
		return ICP_OK;
	}
	if (c->n_pending && c->pending_lease != c->lease_id)
		clear_pending(c);
	c->pending_lease = c->lease_id;
	if (c->n_pending == c->cap_pending) {
		size_t ncap = c->cap_pending ? c->cap_pending * 2 : 8;
		char **np = icp_realloc(c->pending_del, ncap * sizeof(*np));
		if (!np) {
			icp_free(key);
			return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		}
		c->pending_del = np;
		c->cap_pending = ncap;
	}
	c->pending_del[c->n_pending++] = key;
	rc = retry_deletes(c, err);
	return rc;
}

int icp_coord_shutdown(icp_coord *c, icp_error *err)
{
	int rc = ICP_OK;

	while (c->n_parts > 0)
		remove_part(c, c->n_parts - 1);
	clear_pending(c);
	if (c->lease_id) {
		rc = icp_etcd_lease_revoke(c->etcd, c->lease_id, err);
		if (rc == ICP_ERR_NOT_FOUND) {
			icp_error_clear(err);
			rc = ICP_OK;
		}
		if (rc != ICP_OK)
			c->stale_lease = c->lease_id;
		c->lease_id = 0;
	}
	return rc;
}

int icp_coord_status_get(icp_coord *c, icp_coord_status *out, icp_error *err)
{
	const char **owned = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	icp_arena_reset(c->status_arena);
	if (c->n_parts) {
		owned = icp_arena_alloc(c->status_arena, c->n_parts * sizeof(*owned));
		if (!owned)
			return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
	}
	for (i = 0; i < c->n_parts; i++) {
		if (!(owned[i] = icp_arena_strdup(c->status_arena, c->parts[i].tp)))
			return icp_error_set(err, ICP_ERR_NOMEM, "coord: out of memory");
		out->n_to_release += c->parts[i].releasing != 0;
	}
	out->owned = owned;
	out->n_owned = c->n_parts;
	out->n_members = c->n_members;
	out->n_tps = c->n_tps;
	out->share = c->share;
	out->lease_id = c->lease_id;
	out->deadline_in_ms = c->lease_id ? c->deadline_ms - mono(c) : -1;
	out->last_ok_wall_ms = c->last_ok_wall_ms;
	return ICP_OK;
}
