/* Unit tests for icp_maint_expire over a real SQLite catalog and a local
 * warehouse, with a table whose history has a rewrite (snapshot B replaces
 * A's data), so that expiry must delete a manifest and a data file as well
 * as manifest lists, and keep a manifest the kept snapshots still carry:
 *
 *   A  list LA = [MA: a.parquet, file:///elsewhere/x.parquet, s.parquet]
 *   B  list LB = [MB: b.parquet, s.parquet] (a rewrite: a.parquet dropped)
 *   C  list LC = [MC: c.parquet, MB]
 *   D  list LD = [MD: d.parquet, MC, MB]    (main)
 *
 * min_keep 2 and max age 0 expire A and B: LA, LB, MA and a.parquet go;
 * s.parquet is still named by MB and stays, x.parquet is outside the
 * warehouse and stays. A wrapping catalog
 * (a vtable over the SQLite one) injects conflicts and unknown outcomes. */
#include "catalog/catalog.h"
#include "maint/maint.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char root[200], wh_url[260], cat_uri[260];
/* the snapshot (0..3) whose summary gets kafscale.offsets; -1: none */
static int offsets_at = -1;

/* the wrapper: commit fails `fail` times with `fail_rc` (UNKNOWN after
 * applying when `apply_first`) */
typedef struct wrap {
	icp_catalog *real;
	int fail, fail_rc, apply_first, commits;
} wrap;

static int w_ns(void *st, const char *ns, icp_error *err)
{
	return icp_catalog_create_namespace(((wrap *)st)->real, ns, err);
}
static int w_load(void *st, const char *ns, const char *name, icp_ice_metadata **out,
                  icp_error *err)
{
	return icp_catalog_load_table(((wrap *)st)->real, ns, name, out, err);
}
static int w_create(void *st, const char *ns, const char *name, const icp_ice_schema *schema,
                    const char *location, const char *const *props, icp_ice_metadata **out,
                    icp_error *err)
{
	return icp_catalog_create_table(((wrap *)st)->real, ns, name, schema, location, props, out,
	                                err);
}
static int w_commit(void *st, const char *ns, const char *name, const icp_ice_metadata *base,
                    const icp_ice_commit *c, icp_ice_metadata **out, icp_error *err)
{
	wrap *w = st;
	w->commits++;
	if (w->fail > 0) {
		w->fail--;
		if (w->apply_first) {
			icp_ice_metadata *m = NULL;
			int rc = icp_catalog_commit_table(w->real, ns, name, base, c, &m, err);
			icp_ice_metadata_free(m);
			if (rc != ICP_OK)
				return rc;
		}
		return icp_error_set(err, w->fail_rc, "injected %s", icp_status_name(w->fail_rc));
	}
	return icp_catalog_commit_table(w->real, ns, name, base, c, out, err);
}
static void w_close(void *st)
{
	icp_catalog_free(((wrap *)st)->real);
	icp_free(st);
}
static const icp_catalog_vtable wrap_vt = {"wrap", w_ns, w_load, w_create, w_commit, w_close,
                                           NULL};

typedef struct env {
	icp_storage *wh;
	icp_catalog *cat;
	wrap *w;
	int64_t ids[4];
	int64_t sizes[8]; /* a.parquet, MA, LA, LB */
} env;

static int put(env *e, const char *key, const void *p, size_t n)
{
	icp_error err;
	icp_error_init(&err);
	return icp_storage_put(e->wh, key, icp_slice_make(p, n), 0, &err);
}

static int exists(env *e, const char *key)
{
	uint64_t sz;
	icp_error err;
	icp_error_init(&err);
	return icp_storage_stat(e->wh, key, &sz, &err) == ICP_OK;
}

/* One snapshot: a manifest of one data file (+ extra), a list of it plus
 * the parent list's entries (prev; NULL: none, a rewrite), committed. */
static int snap(env *e, icp_ice_metadata **m, int i, const char *prev_list, const char *extra,
                const char *extra2)
{
	const icp_ice_schema *s = icp_ice_metadata_schema(*m);
	icp_ice_data_file f[3];
	icp_ice_manifest_info info;
	icp_ice_manifest_file mf;
	icp_ice_commit c;
	icp_ice_kv sum[2] = {{"operation", "append"}, {"kafscale.offsets", "{\"orders/0\":42}"}};
	icp_ice_metadata *next = NULL;
	icp_buf b, parent;
	icp_error err;
	char key[64], mkey[64], lkey[64], data_url[400], man_url[400], list_url[400];
	int64_t id = 1000 + i;
	int rc;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_init(&parent, ICP_BUF_UNLIMITED);
	snprintf(key, sizeof(key), "ns/t/data/%c.parquet", 'a' + i);
	snprintf(mkey, sizeof(mkey), "ns/t/metadata/m-%c.avro", 'a' + i);
	snprintf(lkey, sizeof(lkey), "ns/t/metadata/snap-%c.avro", 'a' + i);
	snprintf(data_url, sizeof(data_url), "%s/%s", wh_url, key);
	snprintf(man_url, sizeof(man_url), "%s/%s", wh_url, mkey);
	snprintf(list_url, sizeof(list_url), "%s/%s", wh_url, lkey);
	memset(f, 0, sizeof(f));
	f[0].path = data_url;
	f[0].file_size = 100 + (uint64_t)i;
	f[0].record_count = 1;
	f[1].path = extra;
	f[1].file_size = 7;
	f[1].record_count = 1;
	f[2] = f[1];
	f[2].path = extra2;
	rc = put(e, key, "PAR1-fake-data-file-bytes", 25);
	if (rc == ICP_OK)
		rc = icp_ice_manifest_write(s, id, f, extra2 ? 3 : extra ? 2 : 1, &b, &info, &err);
	if (rc == ICP_OK)
		rc = put(e, mkey, b.data, b.len);
	if (i == 0) {
		e->sizes[0] = 100;
		e->sizes[1] = (int64_t)b.len;
	}
	mf = icp_ice_manifest_file_of(man_url, &info);
	if (rc == ICP_OK && prev_list) {
		const char *pk = strstr(prev_list, "ns/t/");
		rc = icp_storage_get(e->wh, pk, &parent, &err);
	}
	icp_buf_reset(&b);
	if (rc == ICP_OK)
		rc = icp_ice_manifest_list_write(id, i ? 1000 + i - 1 : -1, i + 1, &mf, 1,
		                                 icp_slice_make(parent.data, parent.len), &b, &err);
	if (rc == ICP_OK)
		rc = put(e, lkey, b.data, b.len);
	if (i <= 1)
		e->sizes[2 + i] = (int64_t)b.len;
	memset(&c, 0, sizeof(c));
	c.assert_uuid = icp_ice_metadata_uuid(*m);
	c.assert_main = 1;
	c.main_snapshot_id = icp_ice_metadata_main_snapshot(*m);
	c.has_snapshot = 1;
	c.snapshot_id = id;
	c.parent_snapshot_id = i ? 1000 + i - 1 : -1;
	c.sequence_number = i + 1;
	c.timestamp_ms = icp_now_ms() - 100000 + i;
	c.manifest_list = list_url;
	c.snapshot_schema_id = 0;
	c.summary = sum;
	c.n_summary = i == offsets_at ? 2 : 1;
	if (rc == ICP_OK)
		rc = icp_catalog_commit_table(e->w->real, "ns", "t", *m, &c, &next, &err);
	if (rc == ICP_OK) {
		icp_ice_metadata_free(*m);
		*m = next;
		e->ids[i] = id;
	} else {
		fprintf(stderr, "snap %d: %s\n", i, err.msg);
	}
	icp_buf_dispose(&b);
	icp_buf_dispose(&parent);
	return rc;
}

static int env_open(env *e, const char *sub)
{
	icp_ice_schema *s = icp_ice_schema_base();
	icp_ice_metadata *m = NULL;
	icp_catalog_opts co;
	icp_error err;
	char loc[400], l[4][400], shared[400];
	int rc;

	memset(e, 0, sizeof(*e));
	icp_error_init(&err);
	snprintf(wh_url, sizeof(wh_url), "file://%s/%s/wh", root, sub);
	snprintf(cat_uri, sizeof(cat_uri), "sqlite://%s/%s/cat.db", root, sub);
	snprintf(loc, sizeof(loc), "%s/ns/t", wh_url);
	rc = icp_storage_open(wh_url, &e->wh, &err);
	e->w = icp_calloc(1, sizeof(*e->w));
	if (rc == ICP_OK && e->w) {
		memset(&co, 0, sizeof(co));
		co.type = "sql";
		co.uri = cat_uri;
		co.name = "default";
		co.warehouse = wh_url;
		co.warehouse_store = e->wh;
		rc = icp_catalog_open(&co, &e->w->real, &err);
	}
	if (rc == ICP_OK) {
		e->cat = icp_catalog_from_vtable(&wrap_vt, e->w);
		rc = icp_catalog_create_namespace(e->cat, "ns", &err);
	}
	if (rc == ICP_OK)
		rc = icp_catalog_create_table(e->cat, "ns", "t", s, loc, NULL, &m, &err);
	for (int i = 0; i < 4; i++)
		snprintf(l[i], sizeof(l[i]), "%s/ns/t/metadata/snap-%c.avro", wh_url, 'a' + i);
	/* s.parquet: named by MA and by MB, so it must outlive MA */
	snprintf(shared, sizeof(shared), "%s/ns/t/data/s.parquet", wh_url);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/data/s.parquet", "PAR1", 4);
	if (rc == ICP_OK)
		rc = snap(e, &m, 0, NULL, "file:///elsewhere/x.parquet", shared);
	if (rc == ICP_OK)
		rc = snap(e, &m, 1, NULL, shared, NULL); /* the rewrite */
	if (rc == ICP_OK)
		rc = snap(e, &m, 2, l[1], NULL, NULL);
	if (rc == ICP_OK)
		rc = snap(e, &m, 3, l[2], NULL, NULL);
	if (rc != ICP_OK)
		fprintf(stderr, "env: %s\n", err.msg);
	icp_ice_metadata_free(m);
	icp_ice_schema_free(s);
	return rc;
}

static void env_close(env *e)
{
	icp_catalog_free(e->cat);
	icp_storage_free(e->wh);
}

static int snapshots(env *e)
{
	icp_ice_metadata *m = NULL;
	icp_error err;
	int n;
	icp_error_init(&err);
	if (icp_catalog_load_table(e->cat, "ns", "t", &m, &err) != ICP_OK)
		return -1;
	n = (int)icp_json_len(icp_json_get(icp_ice_metadata_json(m), "snapshots"));
	icp_ice_metadata_free(m);
	return n;
}

/* What must be gone and what must stay after expiring A and B. */
static void check_swept(env *e, const icp_maint_expire_result *r)
{
	CHECK_EQ_INT(r->snapshots_expired, 2);
	CHECK_EQ_INT(r->snapshots_kept, 2);
	CHECK_EQ_INT(r->manifest_lists_deleted, 2);
	CHECK_EQ_INT(r->manifests_deleted, 1);
	CHECK_EQ_INT(r->data_files_deleted, 1);
	CHECK_EQ_INT(r->files_outside, 1);
	CHECK_EQ_INT(r->delete_failures, 0);
	CHECK_EQ_INT(r->bytes_freed, e->sizes[0] + e->sizes[1] + e->sizes[2] + e->sizes[3]);
	CHECK_EQ_INT(snapshots(e), 2);
	CHECK(!exists(e, "ns/t/data/a.parquet"));
	CHECK(!exists(e, "ns/t/metadata/m-a.avro"));
	CHECK(!exists(e, "ns/t/metadata/snap-a.avro"));
	CHECK(!exists(e, "ns/t/metadata/snap-b.avro"));
	/* MB is carried by C and D: it, b.parquet and s.parquet (also in
	 * the deleted MA) stay */
	CHECK(exists(e, "ns/t/data/b.parquet"));
	CHECK(exists(e, "ns/t/data/s.parquet"));
	CHECK(exists(e, "ns/t/metadata/m-b.avro"));
	CHECK(exists(e, "ns/t/data/c.parquet"));
	CHECK(exists(e, "ns/t/data/d.parquet"));
	CHECK(exists(e, "ns/t/metadata/m-c.avro"));
	CHECK(exists(e, "ns/t/metadata/m-d.avro"));
	CHECK(exists(e, "ns/t/metadata/snap-c.avro"));
	CHECK(exists(e, "ns/t/metadata/snap-d.avro"));
}

static void test_expire_rewrite(void)
{
	icp_maint_expire_result r;
	icp_error err;
	env e;

	icp_error_init(&err);
	if (env_open(&e, "rewrite") != ICP_OK) {
		CHECK(0);
		env_close(&e);
		return;
	}
	/* dry run: counts, nothing changes */
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 2, 1, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.snapshots_expired, 2);
	CHECK_EQ_INT(r.manifests_deleted, 1);
	CHECK_EQ_INT(r.data_files_deleted, 1);
	CHECK_EQ_INT(r.attempts, 0);
	CHECK_EQ_INT(snapshots(&e), 4);
	CHECK(exists(&e, "ns/t/data/a.parquet"));
	CHECK(exists(&e, "ns/t/metadata/snap-a.avro"));
	/* max age: all four are young, nothing to do */
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 3600000, 2, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.snapshots_expired, 0);
	CHECK_EQ_INT(r.attempts, 0);
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 2, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.attempts, 1);
	check_swept(&e, &r);
	/* again: nothing left to expire */
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 2, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.snapshots_expired, 0);
	CHECK_EQ_INT(r.manifests_deleted + r.data_files_deleted + r.manifest_lists_deleted, 0);
	env_close(&e);
}

/* conflict, unknown-but-applied, unknown-not-applied, then sweep */
static void test_expire_outcomes(void)
{
	static const struct {
		const char *sub;
		int fail, rc, apply_first, attempts;
	} cases[] = {
		{"conflict", 2, ICP_ERR_CONFLICT, 0, 3},
		{"unknown-applied", 1, ICP_ERR_UNKNOWN, 1, 1},
		{"unknown-lost", 1, ICP_ERR_UNKNOWN, 0, 2},
	};
	for (size_t i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_maint_expire_result r;
		icp_error err;
		env e;
		icp_error_init(&err);
		if (env_open(&e, cases[i].sub) != ICP_OK) {
			CHECK(0);
			env_close(&e);
			continue;
		}
		e.w->fail = cases[i].fail;
		e.w->fail_rc = cases[i].rc;
		e.w->apply_first = cases[i].apply_first;
		CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 2, 0, &r, &err),
		             ICP_OK);
		if (err.status)
			fprintf(stderr, "%s: %s\n", cases[i].sub, err.msg);
		CHECK_EQ_INT(r.attempts, cases[i].attempts);
		check_swept(&e, &r);
		env_close(&e);
	}
}

/* conflicts beyond the attempt limit: CONFLICT, nothing deleted */
static void test_expire_gives_up(void)
{
	icp_maint_expire_result r;
	icp_error err;
	env e;

	icp_error_init(&err);
	if (env_open(&e, "gives-up") != ICP_OK) {
		CHECK(0);
		env_close(&e);
		return;
	}
	e.w->fail = 100;
	e.w->fail_rc = ICP_ERR_CONFLICT;
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 2, 0, &r, &err),
	             ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "still conflicting after 5 attempts");
	CHECK_EQ_INT(e.w->commits, ICP_MAINT_EXPIRE_ATTEMPTS);
	CHECK_EQ_INT(r.snapshots_expired, 0);
	CHECK_EQ_INT(snapshots(&e), 4);
	CHECK(exists(&e, "ns/t/data/a.parquet"));
	CHECK(exists(&e, "ns/t/metadata/snap-a.avro"));
	/* a commit error that is not a conflict: returned as is */
	e.w->fail = 1;
	e.w->fail_rc = ICP_ERR_IO;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 2, 0, &r, &err),
	             ICP_ERR_IO);
	CHECK_CONTAINS(err.msg, "injected");
	CHECK_EQ_INT(snapshots(&e), 4);
	env_close(&e);
}

/* C and D come from another engine (no kafscale.offsets): the chain from
 * D down to B, whose summary has them, stays whatever min_keep says, so
 * the processor's walk back to its offsets still finds B */
static void test_expire_keeps_offsets(void)
{
	icp_maint_expire_result r;
	icp_ice_metadata *m = NULL;
	icp_error err;
	env e;

	icp_error_init(&err);
	offsets_at = 1;
	if (env_open(&e, "offsets") != ICP_OK) {
		CHECK(0);
		env_close(&e);
		offsets_at = -1;
		return;
	}
	offsets_at = -1;
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 1, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.snapshots_expired, 1);
	CHECK_EQ_INT(r.snapshots_kept, 3);
	CHECK_EQ_INT(snapshots(&e), 3);
	CHECK(!exists(&e, "ns/t/metadata/snap-a.avro"));
	CHECK(exists(&e, "ns/t/metadata/snap-b.avro"));
	CHECK_EQ_INT(icp_catalog_load_table(e.cat, "ns", "t", &m, &err), ICP_OK);
	if (m)
		CHECK_EQ_STR(icp_ice_metadata_summary(m, e.ids[1], "kafscale.offsets"),
		             "{\"orders/0\":42}");
	icp_ice_metadata_free(m);
	/* nothing more can go: the rest is that chain */
	CHECK_EQ_INT(icp_maint_expire(e.cat, e.wh, "ns", "t", icp_now_ms(), 0, 1, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.snapshots_expired, 0);
	env_close(&e);
}

int main(void)
{
	char cmd[300];

	snprintf(root, sizeof(root), "/tmp/icp-test-maint-expire-%d", (int)getpid());
	TEST_RUN(test_expire_rewrite);
	TEST_RUN(test_expire_outcomes);
	TEST_RUN(test_expire_gives_up);
	TEST_RUN(test_expire_keeps_offsets);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
	return TEST_DONE();
}
