/*
 * coord_check: deterministic scenarios of src/coord against the real etcd
 * of tests/coord/it_coord.sh, with an injected monotonic clock so the
 * local deadline can be passed on purpose while etcd is reachable.
 *
 *   coord_check URL
 */
#include "coord/coord.h"
#include "test.h"

static const char *g_url;

typedef struct fake_clock {
	int64_t skew; /* added to the real monotonic clock */
} fake_clock;

static int64_t fake_mono(void *ctx)
{
	return (int64_t)(icp_mono_ns() / 1000000u) + ((fake_clock *)ctx)->skew;
}

static icp_coord *make(const char *id, int64_t ttl, fake_clock *fc)
{
	icp_coord_opts o;
	icp_coord *c = NULL;
	icp_error err;

	memset(&o, 0, sizeof(o));
	o.etcd.endpoints = &g_url;
	o.etcd.n_endpoints = 1;
	o.key_prefix = "/check/";
	o.worker_id = id;
	o.ttl_s = ttl;
	o.mono_ms = fc ? fake_mono : NULL;
	o.clock_ctx = fc;
	icp_error_init(&err);
	if (icp_coord_new(&o, &c, &err) != ICP_OK) {
		fprintf(stderr, "coord_check: %s\n", err.msg);
		exit(2);
	}
	return c;
}

static const char *tps[4] = {"c/0", "c/1", "c/2", "c/3"};

static int tick(icp_coord *c, icp_coord_changes *ch)
{
	icp_error err;
	int rc;

	icp_error_init(&err);
	rc = icp_coord_tick(c, tps, 4, ch, &err);
	if (rc != ICP_OK)
		fprintf(stderr, "tick: %s\n", err.msg);
	return rc;
}

static int key_exists(icp_coord *c, const char *key)
{
	icp_arena *a = icp_arena_new(0);
	icp_etcd_kv *kv;
	icp_error err;
	int rc;

	icp_error_init(&err);
	rc = icp_etcd_get(icp_coord_etcd(c), a, icp_slice_cstr(key), &kv, &err);
	icp_arena_free(a);
	return rc == ICP_OK;
}

static size_t n_owned(icp_coord *c)
{
	icp_coord_status st;
	icp_error err;
	icp_error_init(&err);
	if (icp_coord_status_get(c, &st, &err) != ICP_OK)
		return (size_t)-1;
	return st.n_owned;
}

static void test_lifecycle(void)
{
	fake_clock fc = {0};
	icp_coord *c = make("solo", 5, &fc), *d;
	icp_coord_changes ch;
	icp_coord_status st;
	icp_error err;
	int64_t lease1;
	size_t i;

	/* register and claim all four (alone: share 4) */
	CHECK_EQ_INT(tick(c, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_claimed, 4);
	for (i = 0; i < 4; i++)
		CHECK(icp_coord_owns(c, tps[i]));
	CHECK(!icp_coord_owns(c, "c/9"));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_status_get(c, &st, &err), ICP_OK);
	CHECK_EQ_INT(st.n_members, 1);
	CHECK_EQ_INT(st.share, 4);
	CHECK(st.deadline_in_ms > 0 && st.deadline_in_ms <= 5000);
	CHECK(st.lease_id != 0);
	CHECK_EQ_STR(st.owned[0], "c/0");
	lease1 = st.lease_id;
	CHECK(key_exists(c, "check/leases/c/2"));
	CHECK(key_exists(c, "check/members/solo"));

	/* release one: key gone at once; the next tick claims it back */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_release(c, "c/0", &err), ICP_OK);
	CHECK(!icp_coord_owns(c, "c/0"));
	CHECK(!key_exists(c, "check/leases/c/0"));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_release(c, "c/0", &err), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(tick(c, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_claimed, 1);
	CHECK(ch.n_claimed == 1 && strcmp(ch.claimed[0], "c/0") == 0);

	/* past the local deadline with etcd reachable: owns() says no at
	 * once, the tick reports all lost, revokes the stale lease (keys
	 * freed) and claims them again under a new lease */
	fc.skew += 5000;
	for (i = 0; i < 4; i++)
		CHECK(!icp_coord_owns(c, tps[i]));
	CHECK_EQ_INT(tick(c, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_lost, 4);
	CHECK_EQ_INT(ch.n_claimed, 4);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_status_get(c, &st, &err), ICP_OK);
	CHECK(st.lease_id != 0 && st.lease_id != lease1);
	CHECK(icp_coord_owns(c, "c/3"));

	/* a second worker: c is over its share (2) and marks two */
	d = make("other", 5, NULL);
	CHECK_EQ_INT(tick(d, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_claimed, 0); /* nothing free yet */
	CHECK_EQ_INT(tick(c, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_to_release, 2);
	CHECK_EQ_INT(n_owned(c), 4); /* still owned until released */
	for (i = 0; i < ch.n_to_release; i++) {
		char tp[16];
		snprintf(tp, sizeof(tp), "%s", ch.to_release[i]);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_coord_release(c, tp, &err), ICP_OK);
	}
	CHECK_EQ_INT(tick(c, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_to_release, 0);
	CHECK_EQ_INT(tick(d, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_claimed, 2);
	CHECK_EQ_INT(n_owned(c), 2);
	CHECK_EQ_INT(n_owned(d), 2);

	/* d shuts down: its keys vanish, c takes all back */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_shutdown(d, &err), ICP_OK);
	CHECK(!key_exists(c, "check/members/other"));
	CHECK_EQ_INT(n_owned(d), 0);
	CHECK_EQ_INT(tick(c, &ch), ICP_OK);
	CHECK_EQ_INT(ch.n_claimed, 2);
	CHECK_EQ_INT(n_owned(c), 4);

	/* a bad partition name */
	{
		const char *bad[1] = {"nopartition"};
		icp_error_init(&err);
		CHECK_EQ_INT(icp_coord_tick(c, bad, 1, &ch, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "nopartition");
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_shutdown(c, &err), ICP_OK);
	CHECK(!key_exists(c, "check/leases/c/1"));
	icp_coord_free(c);
	icp_coord_free(d);
}

static void test_offsets(void)
{
	icp_coord *c = make("offsets", 5, NULL);
	icp_coord_offset o;
	icp_arena *a = icp_arena_new(0);
	icp_etcd_kv *kv;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_get_offset(c, "o", 0, &o, &err), ICP_ERR_NOT_FOUND);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_put_offset(c, "o", 0, 99, 1000, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_put_offset(c, "o", 1, 42, 2000, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_put_offset(c, "o", 10, 500, 3000, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_get_offset(c, "o", 1, &o, &err), ICP_OK);
	CHECK_EQ_INT(o.offset, 42);
	CHECK_EQ_INT(o.last_timestamp_ms, 2000);
	CHECK(o.updated_at > 1600000000000LL);
	/* the topic watermark is the partition entry with the smallest offset */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_get(icp_coord_etcd(c), a, icp_slice_cstr("check/watermarks/o"), &kv,
	                          &err), ICP_OK);
	if (kv) {
		icp_error_init(&err);
		CHECK_EQ_INT(icp_coord_offset_decode(kv->value, &o, &err), ICP_OK);
		CHECK_EQ_INT(o.offset, 42);
		CHECK_EQ_INT(o.last_timestamp_ms, 2000);
	}
	/* a late writer with an older offset does not move it back */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_put_offset(c, "o", 1, 7, 1500, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_get_offset(c, "o", 1, &o, &err), ICP_OK);
	CHECK_EQ_INT(o.offset, 42);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_put_offset(c, "o", 1, 43, 2500, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_get_offset(c, "o", 1, &o, &err), ICP_OK);
	CHECK_EQ_INT(o.offset, 43);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_put_offset(c, "bad/topic", 0, 1, 1, &err), ICP_ERR_INVALID);
	icp_arena_free(a);
	icp_coord_free(c);
}

static void test_discovery(void)
{
	icp_coord *c = make("disc", 5, NULL);
	icp_arena *a = icp_arena_new(0);
	icp_coord_tp_list l;
	icp_error err;
	const char *snap = "{\"Brokers\":[],\"ControllerID\":0,\"Topics\":[{\"ErrorCode\":0,"
	                   "\"Topic\":\"orders\",\"IsInternal\":false,\"Partitions\":["
	                   "{\"ErrorCode\":0,\"Partition\":1,\"Leader\":1},"
	                   "{\"ErrorCode\":0,\"Partition\":0,\"Leader\":1}]}],"
	                   "\"ClusterName\":null,\"ClusterID\":\"x\"}";

	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_discover_etcd(icp_coord_etcd(c), a, &l, &err), ICP_ERR_NOT_FOUND);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(icp_coord_etcd(c), icp_slice_cstr(ICP_COORD_SNAPSHOT_KEY),
	                          icp_slice_cstr(snap), 0, NULL, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_discover_etcd(icp_coord_etcd(c), a, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_EQ_STR(l.v[0].topic, "orders");
		CHECK_EQ_INT(l.v[0].partition, 0);
		CHECK_EQ_INT(l.v[1].partition, 1);
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(icp_coord_etcd(c), icp_slice_cstr(ICP_COORD_SNAPSHOT_KEY),
	                          icp_slice_cstr("{\"Topics\":7}"), 0, NULL, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_discover_etcd(icp_coord_etcd(c), a, &l, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "/kafscale/metadata/snapshot");
	icp_error_init(&err);
	(void)icp_etcd_delete(icp_coord_etcd(c), icp_slice_cstr(ICP_COORD_SNAPSHOT_KEY),
	                      icp_slice_make(NULL, 0), NULL, &err);
	icp_arena_free(a);
	icp_coord_free(c);
}

/* etcd unreachable: RETRYABLE, nothing owned, offsets fail fast. */
static void test_unreachable(void)
{
	const char *dead = "http://127.0.0.1:1";
	icp_coord_opts o;
	icp_coord *c = NULL;
	icp_coord_changes ch;
	icp_error err;
	uint64_t t0;

	memset(&o, 0, sizeof(o));
	o.etcd.endpoints = &dead;
	o.etcd.n_endpoints = 1;
	o.worker_id = "lonely";
	o.ttl_s = 3;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_new(&o, &c, &err), ICP_OK);
	if (!c)
		return;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_tick(c, tps, 4, &ch, &err), ICP_ERR_RETRYABLE);
	CHECK_EQ_INT(ch.n_claimed + ch.n_lost + ch.n_to_release, 0);
	CHECK(!icp_coord_owns(c, "c/0"));
	icp_error_init(&err);
	t0 = icp_mono_ns();
	CHECK_EQ_INT(icp_coord_put_offset(c, "c", 0, 1, 1, &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "not retried");
	CHECK(icp_mono_ns() - t0 < 50000000u); /* no network wait */
	icp_coord_free(c);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: coord_check URL\n");
		return 2;
	}
	g_url = argv[1];
	TEST_RUN(test_lifecycle);
	TEST_RUN(test_offsets);
	TEST_RUN(test_discovery);
	TEST_RUN(test_unreachable);
	return TEST_DONE();
}
