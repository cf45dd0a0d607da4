/* Unit tests for snapshot expiry on the metadata side: the plan (refs
 * kept, min_keep, max_age, table properties and a branch's own settings
 * win, unreadable properties refused), the SQL apply of remove-snapshots
 * (snapshots, snapshot-log as Java trims it, statistics; main's and refs'
 * snapshots refused) and its REST body. */
#include "iceberg/iceberg.h"
#include "test.h"

/* Snapshots 1..10 on main (1 <- 2 <- ... <- 10, timestamp i * 1000), a
 * tag "t" on 2, a branch "b" on 4 keeping only itself, snapshot 11 off
 * every branch (parent 5, timestamp ts11), a snapshot-log of 1..10,
 * statistics for 1 and 10, and the given extra table properties. */
static icp_ice_metadata *table(int64_t ts11, const char *props)
{
	icp_ice_metadata *m = NULL;
	icp_error err;
	icp_buf b;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_printf(&b,
	               "{\"format-version\":2,\"table-uuid\":\"u-1\",\"location\":\"file:///wh/t\","
	               "\"last-sequence-number\":11,\"last-updated-ms\":11000,\"last-column-id\":1,"
	               "\"current-schema-id\":0,\"schemas\":[{\"type\":\"struct\",\"schema-id\":0,"
	               "\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"int\"}]}],"
	               "\"default-spec-id\":0,\"partition-specs\":[{\"spec-id\":0,\"fields\":[]}],"
	               "\"last-partition-id\":999,\"properties\":{%s},\"current-snapshot-id\":10,"
	               "\"refs\":{\"main\":{\"snapshot-id\":10,\"type\":\"branch\"},"
	               "\"t\":{\"snapshot-id\":2,\"type\":\"tag\"},"
	               "\"b\":{\"snapshot-id\":4,\"type\":\"branch\",\"min-snapshots-to-keep\":1,"
	               "\"max-snapshot-age-ms\":0}},\"snapshots\":[",
	               props);
	for (int i = 1; i <= 11; i++) {
		char parent[48] = "";
		if (i > 1)
			snprintf(parent, sizeof(parent), "\"parent-snapshot-id\":%d,", i == 11 ? 5 : i - 1);
		icp_buf_printf(&b,
		               "%s{\"snapshot-id\":%d,%s\"sequence-number\":%d,\"timestamp-ms\":%lld,"
		               "\"manifest-list\":\"file:///wh/t/metadata/snap-%d.avro\","
		               "\"summary\":{\"operation\":\"append\"}}",
		               i > 1 ? "," : "", i, parent, i, (long long)(i == 11 ? ts11 : i * 1000), i);
	}
	icp_buf_append_str(&b, "],\"snapshot-log\":[");
	for (int i = 1; i <= 10; i++)
		icp_buf_printf(&b, "%s{\"timestamp-ms\":%d,\"snapshot-id\":%d}", i > 1 ? "," : "",
		               i * 1000, i);
	icp_buf_append_str(&b, "],\"statistics\":[{\"snapshot-id\":1,\"statistics-path\":\"s1\"},"
	                       "{\"snapshot-id\":10,\"statistics-path\":\"s10\"}],"
	                       "\"metadata-log\":[]}");
	CHECK_EQ_INT(b.status, ICP_OK);
	if (icp_ice_metadata_parse((const char *)b.data, b.len, "file:///wh/t/metadata/v1.json", &m,
	                           &err) != ICP_OK)
		fprintf(stderr, "parse: %s\n", err.msg);
	icp_buf_dispose(&b);
	return m;
}

static int expired(const icp_ice_expiry_plan *p, int64_t id)
{
	for (size_t i = 0; i < p->n_expire; i++)
		if (p->expire[i] == id)
			return 1;
	return 0;
}

/* "1,3,5" : the expired ids in order, for one readable comparison */
static const char *ids(const icp_ice_expiry_plan *p, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n_expire && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? "," : "", (long long)p->expire[i]);
	return buf;
}

static void test_plan_refs_min_keep(void)
{
	icp_ice_metadata *m = table(1000, "");
	icp_ice_expiry_plan p;
	icp_error err;
	char buf[128];

	icp_error_init(&err);
	CHECK(m != NULL);
	if (!m)
		return;
	/* max age 0: only refs and min_keep protect. main keeps 10, 9, 8; the
	 * tag keeps 2; branch b (min 1, age 0) keeps 4 only; 11 is off every
	 * branch and old */
	CHECK_EQ_INT(icp_ice_expire_plan(m, 100000, 0, 3, &p, &err), ICP_OK);
	CHECK_EQ_STR(ids(&p, buf, sizeof(buf)), "1,3,5,6,7,11");
	CHECK_EQ_INT(p.n_keep, 5);
	CHECK_EQ_INT(p.min_keep, 3);
	icp_ice_expiry_plan_dispose(&p);
	/* min_keep below 1 counts as 1: main's snapshot always stays */
	CHECK_EQ_INT(icp_ice_expire_plan(m, 100000, 0, 0, &p, &err), ICP_OK);
	CHECK(!expired(&p, 10) && expired(&p, 9) && !expired(&p, 2) && !expired(&p, 4));
	CHECK_EQ_INT(p.min_keep, 1);
	icp_ice_expiry_plan_dispose(&p);
	/* min_keep beyond the history: nothing of main's ancestry goes */
	CHECK_EQ_INT(icp_ice_expire_plan(m, 100000, 0, 100, &p, &err), ICP_OK);
	CHECK_EQ_STR(ids(&p, buf, sizeof(buf)), "11");
	icp_ice_expiry_plan_dispose(&p);
	CHECK_EQ_INT(icp_ice_expire_plan(m, 100000, -1, 1, &p, &err), ICP_ERR_INVALID);
	icp_ice_metadata_free(m);
}

static void test_plan_max_age(void)
{
	icp_ice_metadata *m = table(9500, "");
	icp_ice_expiry_plan p;
	icp_error err;
	char buf[128];

	icp_error_init(&err);
	if (!m)
		return;
	/* cutoff 10500 - 3000 = 7500: 8, 9, 10 are young; so is 11 (9500),
	 * though off every branch */
	CHECK_EQ_INT(icp_ice_expire_plan(m, 10500, 3000, 1, &p, &err), ICP_OK);
	CHECK_EQ_STR(ids(&p, buf, sizeof(buf)), "1,3,5,6,7");
	CHECK_EQ_INT(p.max_age_ms, 3000);
	icp_ice_expiry_plan_dispose(&p);
	/* everything young: nothing to expire */
	CHECK_EQ_INT(icp_ice_expire_plan(m, 10500, 100000, 1, &p, &err), ICP_OK);
	CHECK_EQ_INT(p.n_expire, 0);
	CHECK_EQ_INT(p.n_keep, 11);
	icp_ice_expiry_plan_dispose(&p);
	icp_ice_metadata_free(m);
}

static void test_plan_properties(void)
{
	icp_ice_metadata *m = table(1000, "\"history.expire.min-snapshots-to-keep\":\"6\","
	                                  "\"history.expire.max-snapshot-age-ms\":\"0\"");
	icp_ice_expiry_plan p;
	icp_error err;
	char buf[128];

	icp_error_init(&err);
	if (!m)
		return;
	/* the table's properties win over the arguments (1, a huge age) */
	CHECK_EQ_INT(icp_ice_expire_plan(m, 100000, 1000000000, 1, &p, &err), ICP_OK);
	CHECK_EQ_STR(ids(&p, buf, sizeof(buf)), "1,3,11");
	CHECK_EQ_INT(p.min_keep, 6);
	CHECK_EQ_INT(p.max_age_ms, 0);
	icp_ice_expiry_plan_dispose(&p);
	icp_ice_metadata_free(m);

	m = table(1000, "\"history.expire.min-snapshots-to-keep\":\"many\"");
	if (!m)
		return;
	CHECK_EQ_INT(icp_ice_expire_plan(m, 100000, 0, 1, &p, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "history.expire.min-snapshots-to-keep=\"many\"");
	CHECK_EQ_INT(p.n_expire, 0);
	icp_ice_metadata_free(m);
}

static icp_ice_commit removal(const int64_t *rm, size_t n)
{
	icp_ice_commit c;
	memset(&c, 0, sizeof(c));
	c.assert_uuid = "u-1";
	c.assert_main = 1;
	c.main_snapshot_id = 10;
	c.remove_snapshot_ids = rm;
	c.n_remove_snapshots = n;
	return c;
}

static void test_apply_remove(void)
{
	static const int64_t rm[] = {1, 3, 77}; /* 77: not in the table, ignored */
	icp_ice_metadata *m = table(1000, ""), *n = NULL;
	icp_ice_commit c = removal(rm, 3);
	icp_ice_snapshot s;
	const icp_json *r;
	icp_error err;
	icp_buf out;

	icp_error_init(&err);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	if (!m)
		return;
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &out, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_parse((const char *)out.data, out.len, "file:///x", &n, &err),
	             ICP_OK);
	if (!n)
		goto out;
	r = icp_ice_metadata_json(n);
	CHECK_EQ_INT(icp_json_len(icp_json_get(r, "snapshots")), 9);
	CHECK_EQ_INT(icp_ice_metadata_snapshot(n, 1, &s), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(icp_ice_metadata_snapshot(n, 3, &s), ICP_ERR_NOT_FOUND);
	CHECK_EQ_INT(icp_ice_metadata_snapshot(n, 2, &s), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(n), 10);
	/* Java's rule: history before the last removed entry goes too (2) */
	CHECK_EQ_INT(icp_json_len(icp_json_get(r, "snapshot-log")), 7);
	CHECK_EQ_INT(icp_json_get_path(r, "snapshot-log.0.snapshot-id")->u.num.i, 4);
	CHECK_EQ_INT(icp_json_len(icp_json_get(r, "statistics")), 1);
	CHECK_EQ_INT(icp_json_get_path(r, "statistics.0.snapshot-id")->u.num.i, 10);
	CHECK_EQ_INT(icp_json_get_path(r, "refs.t.snapshot-id")->u.num.i, 2);
	CHECK_EQ_INT(icp_json_get_path(r, "refs.b.min-snapshots-to-keep")->u.num.i, 1);
	CHECK_EQ_INT(icp_json_get(r, "current-snapshot-id")->u.num.i, 10);
	CHECK_EQ_INT(icp_json_get(r, "last-sequence-number")->u.num.i, 11);
	CHECK_EQ_STR(icp_json_get_path(r, "metadata-log.0.metadata-file")->u.str.ptr,
	             "file:///wh/t/metadata/v1.json");
out:
	icp_ice_metadata_free(n);
	icp_ice_metadata_free(m);
	icp_buf_dispose(&out);
}

static void test_apply_remove_refused(void)
{
	static const int64_t main_snap[] = {5, 10}, tag[] = {2}, branch[] = {4};
	icp_ice_metadata *m = table(1000, "");
	icp_ice_commit c;
	icp_error err;
	icp_buf out;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	if (!m)
		return;
	c = removal(main_snap, 2);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "snapshot 10 is the current snapshot of main");
	c = removal(tag, 1);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "ref t points at snapshot 2");
	c = removal(branch, 1);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "ref b points at snapshot 4");
	/* requirements still come first: a moved main is a conflict */
	c = removal(tag, 1);
	c.main_snapshot_id = 9;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &out, &err), ICP_ERR_CONFLICT);
	icp_ice_metadata_free(m);
	icp_buf_dispose(&out);
}

static void test_apply_without_removal(void)
{
	icp_ice_metadata *m = table(1000, "");
	icp_ice_commit c = removal(NULL, 0);
	icp_error err;
	icp_buf out;

	icp_error_init(&err);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	if (!m)
		return;
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &out, &err), ICP_OK);
	/* everything carried over as it was written */
	CHECK_CONTAINS((const char *)out.data,
	               "\"statistics\":[{\"snapshot-id\":1,\"statistics-path\":\"s1\"},"
	               "{\"snapshot-id\":10,\"statistics-path\":\"s10\"}]");
	CHECK_CONTAINS((const char *)out.data,
	               "\"snapshot-log\":[{\"timestamp-ms\":1000,\"snapshot-id\":1},");
	CHECK_CONTAINS((const char *)out.data, "\"snapshot-id\":11,\"parent-snapshot-id\":5");
	icp_ice_metadata_free(m);
	icp_buf_dispose(&out);
}

static void test_rest_json_remove(void)
{
	static const int64_t rm[] = {1, 3};
	icp_ice_commit c = removal(rm, 2);
	icp_buf out;

	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &out), ICP_OK);
	CHECK_EQ_STR((const char *)out.data,
	             "{\"requirements\":[{\"type\":\"assert-table-uuid\",\"uuid\":\"u-1\"},"
	             "{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":10}],"
	             "\"updates\":[{\"action\":\"remove-snapshots\",\"snapshot-ids\":[1,3]}]}");
	icp_buf_reset(&out);
	c = removal(NULL, 0);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &out), ICP_OK);
	CHECK_EQ_STR((const char *)out.data,
	             "{\"requirements\":[{\"type\":\"assert-table-uuid\",\"uuid\":\"u-1\"},"
	             "{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":10}],"
	             "\"updates\":[]}");
	icp_buf_dispose(&out);
}

int main(void)
{
	TEST_RUN(test_plan_refs_min_keep);
	TEST_RUN(test_plan_max_age);
	TEST_RUN(test_plan_properties);
	TEST_RUN(test_apply_remove);
	TEST_RUN(test_apply_remove_refused);
	TEST_RUN(test_apply_without_removal);
	TEST_RUN(test_rest_json_remove);
	return TEST_DONE();
}
