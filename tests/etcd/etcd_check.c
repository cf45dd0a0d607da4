/*
 * etcd_check: drives the etcd client against a real etcd for
 * tests/etcd/it_etcd.sh.
 *
 *   etcd_check all  URL              the client scenarios (exit 1 on failure)
 *   etcd_check put  URL KEY VALUE    write one key (etcdctl reads it back)
 *   etcd_check get  URL KEY          print one value (etcdctl wrote it)
 *   etcd_check auth URL USER PASS    scenarios with auth enabled
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "etcd/etcd.h"
#include "test.h"

static const char *g_url, *g_user, *g_pass;

static icp_slice S(const char *s)
{
	return icp_slice_cstr(s);
}

static icp_etcd *client(const char *const *eps, size_t n, int timeout_ms,
                        const char *user, const char *pass)
{
	icp_etcd_opts o;
	icp_etcd *c = NULL;
	icp_error err;

	memset(&o, 0, sizeof(o));
	o.endpoints = eps;
	o.n_endpoints = n;
	o.timeout_ms = timeout_ms;
	o.username = user;
	o.password = pass;
	/* TLS from the environment so it_etcd_tls.sh can reuse put/get. */
	o.ca_file = getenv("ICP_ETCD_TLS_CA");
	o.cert_file = getenv("ICP_ETCD_TLS_CERT");
	o.key_file = getenv("ICP_ETCD_TLS_KEY");
	icp_error_init(&err);
	if (icp_etcd_new(&o, &c, &err) != ICP_OK) {
		fprintf(stderr, "etcd_check: %s\n", err.msg);
		exit(2);
	}
	return c;
}

static icp_etcd *one(void)
{
	return client(&g_url, 1, 5000, NULL, NULL);
}

static int get_status(icp_etcd *c, const char *key, const char *want)
{
	icp_arena *a = icp_arena_new(0);
	icp_etcd_kv *kv = NULL;
	icp_error err;
	int rc;

	icp_error_init(&err);
	rc = icp_etcd_get(c, a, S(key), &kv, &err);
	if (rc == ICP_OK && want && !icp_slice_eq(kv->value, S(want))) {
		fprintf(stderr, "get %s: value \"%.*s\", want \"%s\"\n", key,
		        (int)kv->value.len, (const char *)kv->value.ptr, want);
		rc = ICP_ERR_CORRUPT;
	}
	if (rc != ICP_OK && rc != ICP_ERR_NOT_FOUND)
		fprintf(stderr, "get %s: %s\n", key, err.msg);
	icp_arena_free(a);
	return rc;
}

static void test_kv(void)
{
	icp_etcd *c = one();
	icp_arena *a = icp_arena_new(0);
	icp_etcd_range_resp r;
	icp_error err;
	int64_t rev1 = 0, rev2 = 0, n = -1;
	const uint8_t bin[] = {0, 1, 0xff, '\n', '"'};

	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/kv/a"), S("1"), 0, &rev1, &err), ICP_OK);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/kv/b"), icp_slice_make(bin, sizeof(bin)), 0, &rev2, &err), ICP_OK);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/kv/c"), S(""), 0, NULL, &err), ICP_OK);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/kw"), S("outside"), 0, NULL, &err), ICP_OK);
	CHECK(rev1 > 0 && rev2 == rev1 + 1);
	CHECK_EQ_INT(get_status(c, "t/kv/a", "1"), ICP_OK);
	CHECK_EQ_INT(get_status(c, "t/kv/c", ""), ICP_OK);
	CHECK_EQ_INT(get_status(c, "t/kv/none", NULL), ICP_ERR_NOT_FOUND);

	CHECK_EQ_INT(icp_etcd_get_prefix(c, a, S("t/kv/"), &r, &err), ICP_OK);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(r.count, 3);
	if (r.n == 3) {
		CHECK(icp_slice_eq(r.kvs[0].key, S("t/kv/a")));
		CHECK(icp_slice_eq(r.kvs[1].value, icp_slice_make(bin, sizeof(bin))));
		CHECK_EQ_INT(r.kvs[1].version, 1);
		CHECK_EQ_INT(r.kvs[1].mod_revision, rev2);
		CHECK(icp_slice_eq(r.kvs[2].key, S("t/kv/c")));
	}
	/* Limit and count. */
	{
		icp_etcd_range_req q;
		uint8_t end[8];
		memset(&q, 0, sizeof(q));
		q.key = S("t/kv/");
		q.range_end = icp_slice_make(end, icp_etcd_prefix_end(S("t/kv/"), end));
		q.limit = 2;
		CHECK_EQ_INT(icp_etcd_range(c, a, &q, &r, &err), ICP_OK);
		CHECK_EQ_INT(r.n, 2);
		CHECK_EQ_INT(r.count, 3);
		CHECK_EQ_INT(r.more, 1);
	}
	/* A second put bumps version. */
	CHECK_EQ_INT(icp_etcd_put(c, S("t/kv/a"), S("2"), 0, NULL, &err), ICP_OK);
	{
		icp_etcd_kv *kv = NULL;
		CHECK_EQ_INT(icp_etcd_get(c, a, S("t/kv/a"), &kv, &err), ICP_OK);
		if (kv) {
			CHECK_EQ_INT(kv->version, 2);
			CHECK(icp_slice_eq(kv->value, S("2")));
			CHECK_EQ_INT(kv->create_revision, rev1);
		}
	}
	CHECK_EQ_INT(icp_etcd_delete(c, S("t/kv/a"), icp_slice_make(NULL, 0), &n, &err), ICP_OK);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(icp_etcd_delete(c, S("t/kv/a"), icp_slice_make(NULL, 0), &n, &err), ICP_OK);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(icp_etcd_delete_prefix(c, S("t/kv/"), &n, &err), ICP_OK);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(icp_etcd_get_prefix(c, a, S("t/kv/"), &r, &err), ICP_OK);
	CHECK_EQ_INT(r.n, 0);
	CHECK_EQ_INT(get_status(c, "t/kw", "outside"), ICP_OK);
	if (err.status)
		fprintf(stderr, "test_kv: %s\n", err.msg);
	icp_arena_free(a);
	icp_etcd_free(c);
}

/* Create-if-absent, as the lease keys use it (compatibility.md). */
static void test_txn(void)
{
	icp_etcd *c = one();
	icp_arena *a = icp_arena_new(0);
	icp_etcd_cmp cmp;
	icp_etcd_op put, get;
	icp_etcd_txn t;
	icp_etcd_txn_resp r;
	icp_error err;
	icp_etcd_kv *kv = NULL;

	memset(&cmp, 0, sizeof(cmp));
	memset(&put, 0, sizeof(put));
	memset(&get, 0, sizeof(get));
	cmp.target = ICP_ETCD_CMP_VERSION;
	cmp.op = ICP_ETCD_EQUAL;
	cmp.key = S("t/txn/lease");
	cmp.number = 0;
	put.type = ICP_ETCD_OP_PUT;
	put.key = cmp.key;
	put.value = S("{\"owner_id\":\"a\"}");
	get.type = ICP_ETCD_OP_GET;
	get.key = cmp.key;
	memset(&t, 0, sizeof(t));
	t.cmps = &cmp;
	t.n_cmps = 1;
	t.success = &put;
	t.n_success = 1;
	t.failure = &get;
	t.n_failure = 1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_txn_do(c, a, &t, &r, &err), ICP_OK);
	CHECK_EQ_INT(r.succeeded, 1);
	CHECK_EQ_INT(r.n_responses, 1);
	CHECK(r.n_responses == 1 && r.responses[0].type == ICP_ETCD_OP_PUT);

	put.value = S("{\"owner_id\":\"b\"}");
	CHECK_EQ_INT(icp_etcd_txn_do(c, a, &t, &r, &err), ICP_OK);
	CHECK_EQ_INT(r.succeeded, 0);
	CHECK_EQ_INT(r.n_responses, 1);
	if (r.n_responses == 1) {
		CHECK_EQ_INT(r.responses[0].type, ICP_ETCD_OP_GET);
		CHECK_EQ_INT(r.responses[0].range.n, 1);
		if (r.responses[0].range.n == 1)
			CHECK(icp_slice_eq(r.responses[0].range.kvs[0].value, S("{\"owner_id\":\"a\"}")));
	}
	CHECK_EQ_INT(get_status(c, "t/txn/lease", "{\"owner_id\":\"a\"}"), ICP_OK);

	/* CAS on mod_revision: the current one wins, a stale one loses. */
	CHECK_EQ_INT(icp_etcd_get(c, a, S("t/txn/lease"), &kv, &err), ICP_OK);
	if (kv) {
		cmp.target = ICP_ETCD_CMP_MOD;
		cmp.number = kv->mod_revision;
		put.value = S("v2");
		CHECK_EQ_INT(icp_etcd_txn_do(c, a, &t, &r, &err), ICP_OK);
		CHECK_EQ_INT(r.succeeded, 1);
		put.value = S("v3");
		CHECK_EQ_INT(icp_etcd_txn_do(c, a, &t, &r, &err), ICP_OK);
		CHECK_EQ_INT(r.succeeded, 0);
	}
	/* Compare on value, then delete in the success branch. */
	cmp.target = ICP_ETCD_CMP_VALUE;
	cmp.value = S("v2");
	put.type = ICP_ETCD_OP_DELETE;
	CHECK_EQ_INT(icp_etcd_txn_do(c, a, &t, &r, &err), ICP_OK);
	CHECK_EQ_INT(r.succeeded, 1);
	CHECK(r.n_responses == 1 && r.responses[0].type == ICP_ETCD_OP_DELETE &&
	      r.responses[0].deleted == 1);
	CHECK_EQ_INT(get_status(c, "t/txn/lease", NULL), ICP_ERR_NOT_FOUND);
	if (err.status)
		fprintf(stderr, "test_txn: %s\n", err.msg);
	/* etcd refuses a txn touching one key twice: its message comes back. */
	{
		icp_etcd_op two[2] = {put, put};
		icp_error e2;
		two[0].type = two[1].type = ICP_ETCD_OP_PUT;
		t.success = two;
		t.n_success = 2;
		icp_error_init(&e2);
		CHECK_EQ_INT(icp_etcd_txn_do(c, a, &t, &r, &e2), ICP_ERR_INVALID);
		CHECK_CONTAINS(e2.msg, "duplicate key");
		CHECK_CONTAINS(e2.msg, g_url);
	}
	icp_arena_free(a);
	icp_etcd_free(c);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_lease(void)
{
	icp_etcd *c = one();
	icp_error err;
	int64_t id = 0, ttl = 0;
	int i;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_lease_grant(c, 2, &id, &ttl, &err), ICP_OK);
	CHECK(id != 0);
	CHECK_EQ_INT(ttl, 2);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/lease/k"), S("held"), id, NULL, &err), ICP_OK);
	/* 4 s of keep-alives every second outlive the 2 s TTL. */
	for (i = 0; i < 4; i++) {
		sleep_ms(1000);
		ttl = 0;
		CHECK_EQ_INT(icp_etcd_lease_keepalive(c, id, &ttl, &err), ICP_OK);
		CHECK(ttl > 0);
	}
	CHECK_EQ_INT(get_status(c, "t/lease/k", "held"), ICP_OK);
	{
		icp_arena *a = icp_arena_new(0);
		icp_etcd_kv *kv = NULL;
		CHECK_EQ_INT(icp_etcd_get(c, a, S("t/lease/k"), &kv, &err), ICP_OK);
		CHECK(kv && kv->lease == id);
		icp_arena_free(a);
	}
	CHECK_EQ_INT(icp_etcd_lease_revoke(c, id, &err), ICP_OK);
	CHECK_EQ_INT(get_status(c, "t/lease/k", NULL), ICP_ERR_NOT_FOUND);
	if (err.status)
		fprintf(stderr, "test_lease: %s\n", err.msg);
	{
		icp_error e2;
		icp_error_init(&e2);
		CHECK_EQ_INT(icp_etcd_lease_keepalive(c, id, NULL, &e2), ICP_ERR_NOT_FOUND);
		icp_error_init(&e2);
		CHECK_EQ_INT(icp_etcd_lease_revoke(c, id, &e2), ICP_ERR_NOT_FOUND);
		CHECK_CONTAINS(e2.msg, "lease not found");
		icp_error_init(&e2);
		CHECK_EQ_INT(icp_etcd_put(c, S("t/lease/k"), S("x"), id, NULL, &e2), ICP_ERR_NOT_FOUND);
		CHECK_CONTAINS(e2.msg, "lease not found");
		icp_error_init(&e2);
		CHECK_EQ_INT(icp_etcd_lease_grant(c, 0, &id, NULL, &e2), ICP_ERR_INVALID);
	}
	icp_etcd_free(c);
}

static void test_lease_expiry(void)
{
	icp_etcd *c = one();
	icp_error err;
	int64_t id = 0;
	uint64_t t0;
	int gone_ms = -1;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_lease_grant(c, 2, &id, NULL, &err), ICP_OK);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/expiry/k"), S("v"), id, NULL, &err), ICP_OK);
	t0 = icp_mono_ns();
	CHECK_EQ_INT(get_status(c, "t/expiry/k", "v"), ICP_OK);
	while ((icp_mono_ns() - t0) / 1000000 < 8000) {
		if (get_status(c, "t/expiry/k", NULL) == ICP_ERR_NOT_FOUND) {
			gone_ms = (int)((icp_mono_ns() - t0) / 1000000);
			break;
		}
		sleep_ms(100);
	}
	fprintf(stderr, "lease expiry: key gone after %d ms\n", gone_ms);
	CHECK(gone_ms >= 1500 && gone_ms <= 4500);
	CHECK_EQ_INT(icp_etcd_lease_keepalive(c, id, NULL, &err), ICP_ERR_NOT_FOUND);
	icp_etcd_free(c);
}

/* A listening socket that never accepts: connects succeed, no answer. */
static int blackhole(char *url, size_t cap)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		perror("blackhole");
		exit(2);
	}
	snprintf(url, cap, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	return fd;
}

static void test_failover_and_timeouts(void)
{
	char hole[64];
	int fd = blackhole(hole, sizeof(hole));
	const char *dead_first[] = {"http://127.0.0.1:1", g_url};
	const char *hole_first[] = {hole, g_url};
	const char *hole_only[] = {hole};
	icp_etcd *c;
	icp_error err;

	/* Dead port first: reads and writes go to the live one, which then
	 * stays first. */
	c = client(dead_first, 2, 3000, NULL, NULL);
	CHECK_EQ_STR(icp_etcd_current_endpoint(c), "http://127.0.0.1:1");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/fo/k"), S("v"), 0, NULL, &err), ICP_OK);
	CHECK_EQ_INT(get_status(c, "t/fo/k", "v"), ICP_OK);
	CHECK_EQ_STR(icp_etcd_current_endpoint(c), g_url);
	icp_etcd_free(c);

	/* An endpoint that hangs: a read times out and fails over ... */
	c = client(hole_first, 2, 700, NULL, NULL);
	CHECK_EQ_INT(get_status(c, "t/fo/k", "v"), ICP_OK);
	icp_etcd_free(c);
	/* ... a write that was sent and timed out is "unknown", not retried. */
	c = client(hole_first, 2, 700, NULL, NULL);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/fo/k"), S("w"), 0, NULL, &err), ICP_ERR_UNKNOWN);
	CHECK_CONTAINS(err.msg, hole);
	CHECK_EQ_INT(get_status(c, "t/fo/k", "v"), ICP_OK);
	icp_etcd_free(c);
	/* Only the hanging endpoint: RETRYABLE, naming it. */
	c = client(hole_only, 1, 700, NULL, NULL);
	icp_error_init(&err);
	{
		icp_arena *a = icp_arena_new(0);
		icp_etcd_kv *kv;
		uint64_t t0 = icp_mono_ns();
		CHECK_EQ_INT(icp_etcd_get(c, a, S("t/fo/k"), &kv, &err), ICP_ERR_RETRYABLE);
		CHECK((icp_mono_ns() - t0) / 1000000 < 3000);
		CHECK_CONTAINS(err.msg, hole);
		icp_arena_free(a);
	}
	icp_etcd_free(c);
	close(fd);
}

static int run_all(void)
{
	TEST_RUN(test_kv);
	TEST_RUN(test_txn);
	TEST_RUN(test_lease);
	TEST_RUN(test_lease_expiry);
	TEST_RUN(test_failover_and_timeouts);
	return TEST_DONE();
}

static void test_auth_scenarios(const char *user, const char *pass)
{
	icp_etcd *c;
	icp_error err;

	/* No credentials: etcd's refusal comes back as INVALID. */
	c = one();
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/auth/k"), S("v"), 0, NULL, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "etcdserver: user name is empty");
	CHECK_CONTAINS(err.msg, g_url);
	icp_etcd_free(c);
	/* Wrong password. */
	c = client(&g_url, 1, 5000, user, "wrong");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/auth/k"), S("v"), 0, NULL, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "authentication failed");
	icp_etcd_free(c);
	/* Right password: the whole set of calls works. */
	c = client(&g_url, 1, 5000, user, pass);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/auth/k"), S("secret-ok"), 0, NULL, &err), ICP_OK);
	CHECK_EQ_INT(get_status(c, "t/auth/k", "secret-ok"), ICP_OK);
	{
		int64_t id = 0;
		CHECK_EQ_INT(icp_etcd_lease_grant(c, 5, &id, NULL, &err), ICP_OK);
		CHECK_EQ_INT(icp_etcd_lease_keepalive(c, id, NULL, &err), ICP_OK);
		CHECK_EQ_INT(icp_etcd_lease_revoke(c, id, &err), ICP_OK);
	}
	/* etcd runs with --auth-token-ttl 1: after 2.5 s idle the token is
	 * gone, etcd says "invalid auth token", the client signs in again. */
	sleep_ms(2500);
	CHECK_EQ_INT(icp_etcd_put(c, S("t/auth/k"), S("secret-ok"), 0, NULL, &err), ICP_OK);
	CHECK_EQ_INT(get_status(c, "t/auth/k", "secret-ok"), ICP_OK);
	if (err.status)
		fprintf(stderr, "auth: %s\n", err.msg);
	icp_etcd_free(c);
}

static void test_auth(void)
{
	test_auth_scenarios(g_user, g_pass);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		goto usage;
	g_url = argv[2];
	if (strcmp(argv[1], "all") == 0 && argc == 3)
		return run_all();
	if (strcmp(argv[1], "put") == 0 && argc == 5) {
		icp_etcd *c = one();
		icp_error err;
		int rc;
		icp_error_init(&err);
		rc = icp_etcd_put(c, S(argv[3]), S(argv[4]), 0, NULL, &err);
		if (rc != ICP_OK)
			fprintf(stderr, "put: %s\n", err.msg);
		icp_etcd_free(c);
		return rc == ICP_OK ? 0 : 1;
	}
	if (strcmp(argv[1], "get") == 0 && argc == 4) {
		icp_etcd *c = one();
		icp_arena *a = icp_arena_new(0);
		icp_etcd_kv *kv = NULL;
		icp_error err;
		int rc;
		icp_error_init(&err);
		rc = icp_etcd_get(c, a, S(argv[3]), &kv, &err);
		if (rc == ICP_OK)
			fwrite(kv->value.ptr, 1, kv->value.len, stdout);
		else
			fprintf(stderr, "get: %s\n", err.msg);
		icp_arena_free(a);
		icp_etcd_free(c);
		return rc == ICP_OK ? 0 : 1;
	}
	if (strcmp(argv[1], "auth") == 0 && argc == 5) {
		g_user = argv[3];
		g_pass = argv[4];
		TEST_RUN(test_auth);
		return TEST_DONE();
	}
usage:
	fprintf(stderr, "usage: etcd_check all|put|get|auth URL ...\n");
	return 2;
}
