/* Unit tests for icp_maint_remove_orphans over a real SQLite catalog and a
 * local warehouse. The table ns.t has three snapshots, B a rewrite that
 * drops A's data, so only "every snapshot, not just the current one"
 * keeps A's files:
 *
 *   A  list LA = [MA: a.parquet, file:///elsewhere/x.parquet]
 *   B  list LB = [MB: b.parquet]                   (a rewrite)
 *   C  list LC = [MC: file:/...c.parquet (Java's spelling), MB]   (main)
 *
 * Every file of the warehouse is then made 10 days old, and beside the
 * table's own files lie:
 *   old orphans     data/orphan.parquet, metadata/orphan-m.avro,
 *                   metadata/00099-dead.metadata.json   -> deleted
 *   a fresh orphan  data/fresh.parquet                  -> kept (too young)
 *   data/x.parquet  unreachable, but a reference outside the store has
 *                   its name                            -> kept (unsure)
 *   metadata/cat.db a SQLite file                       -> kept (unsure)
 *   metadata/version-hint.text  (another engine's pointer) -> kept
 *   ns/t2/data/z.parquet, other/old.parquet: outside the table -> never
 *                   listed
 * The metadata files in the metadata-log are old too and must stay. */
#include "catalog/catalog.h"
#include "maint/maint.h"
#include "test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#define DAY_MS INT64_C(86400000)

static char root[200], wh_url[300], wh_dir[280];

typedef struct env {
	icp_storage *wh;
	icp_catalog *cat;
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

/* One snapshot: a manifest of data file `data` (+ extra), a list of it
 * plus the parent list's entries (prev_key; NULL: none, a rewrite). */
static int snap(env *e, icp_ice_metadata **m, int i, const char *data_url,
                const char *prev_key, const char *extra)
{
	const icp_ice_schema *s = icp_ice_metadata_schema(*m);
	icp_ice_data_file f[2];
	icp_ice_manifest_info info;
	icp_ice_manifest_file mf;
	icp_ice_commit c;
	icp_ice_kv sum[1] = {{"operation", "append"}};
	icp_ice_metadata *next = NULL;
	icp_buf b, parent;
	icp_error err;
	char mkey[64], lkey[64], man_url[400], list_url[400];
	int64_t id = 1000 + i;
	int rc;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_init(&parent, ICP_BUF_UNLIMITED);
	snprintf(mkey, sizeof(mkey), "ns/t/metadata/m-%c.avro", 'a' + i);
	snprintf(lkey, sizeof(lkey), "ns/t/metadata/snap-%c.avro", 'a' + i);
	snprintf(man_url, sizeof(man_url), "%s/%s", wh_url, mkey);
	snprintf(list_url, sizeof(list_url), "%s/%s", wh_url, lkey);
	memset(f, 0, sizeof(f));
	f[0].path = data_url;
	f[0].file_size = 25;
	f[0].record_count = 1;
	f[1] = f[0];
	f[1].path = extra;
	rc = icp_ice_manifest_write(s, id, f, extra ? 2 : 1, &b, &info, &err);
	if (rc == ICP_OK)
		rc = put(e, mkey, b.data, b.len);
	mf = icp_ice_manifest_file_of(man_url, &info);
	if (rc == ICP_OK && prev_key)
		rc = icp_storage_get(e->wh, prev_key, &parent, &err);
	icp_buf_reset(&b);
	if (rc == ICP_OK)
		rc = icp_ice_manifest_list_write(id, i ? 1000 + i - 1 : -1, i + 1, &mf, 1,
		                                 icp_slice_make(parent.data, parent.len), &b, &err);
	if (rc == ICP_OK)
		rc = put(e, lkey, b.data, b.len);
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
	c.n_summary = 1;
	if (rc == ICP_OK)
		rc = icp_catalog_commit_table(e->cat, "ns", "t", *m, &c, &next, &err);
	if (rc == ICP_OK) {
		icp_ice_metadata_free(*m);
		*m = next;
	} else {
		fprintf(stderr, "snap %d: %s\n", i, err.msg);
	}
	icp_buf_dispose(&b);
	icp_buf_dispose(&parent);
	return rc;
}

static int64_t g_old_s;

static int age_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct timeval tv[2] = {{(time_t)g_old_s, 0}, {(time_t)g_old_s, 0}};
	ICP_UNUSED(sb);
	ICP_UNUSED(ftw);
	return flag == FTW_F ? utimes(path, tv) : 0;
}

/* Every file of the warehouse 10 days old. */
static int age_all(void)
{
	g_old_s = (icp_now_ms() - 10 * DAY_MS) / 1000;
	return nftw(wh_dir, age_one, 16, FTW_PHYS);
}

static int env_open(env *e, const char *sub)
{
	icp_ice_schema *s = icp_ice_schema_base();
	icp_ice_metadata *m = NULL;
	icp_catalog_opts co;
	icp_error err;
	char loc[600], a[600], b[600], c[600], cat_uri[600];
	int rc;

	memset(e, 0, sizeof(*e));
	icp_error_init(&err);
	snprintf(wh_dir, sizeof(wh_dir), "%s/%s/wh", root, sub);
	snprintf(wh_url, sizeof(wh_url), "file://%s", wh_dir);
	snprintf(cat_uri, sizeof(cat_uri), "sqlite://%s/%s/cat.db", root, sub);
	snprintf(loc, sizeof(loc), "%s/ns/t", wh_url);
	snprintf(a, sizeof(a), "%s/ns/t/data/a.parquet", wh_url);
	snprintf(b, sizeof(b), "%s/ns/t/data/b.parquet", wh_url);
	snprintf(c, sizeof(c), "file:%s/ns/t/data/c.parquet", wh_dir); /* file:/abs */
	rc = icp_storage_open(wh_url, &e->wh, &err);
	if (rc == ICP_OK) {
		memset(&co, 0, sizeof(co));
		co.type = "sql";
		co.uri = cat_uri;
		co.name = "default";
		co.warehouse = wh_url;
		co.warehouse_store = e->wh;
		rc = icp_catalog_open(&co, &e->cat, &err);
	}
	if (rc == ICP_OK)
		rc = icp_catalog_create_namespace(e->cat, "ns", &err);
	if (rc == ICP_OK)
		rc = icp_catalog_create_table(e->cat, "ns", "t", s, loc, NULL, &m, &err);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/data/a.parquet", "PAR1-fake-data-file-bytes", 25);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/data/b.parquet", "PAR1-fake-data-file-bytes", 25);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/data/c.parquet", "PAR1-fake-data-file-bytes", 25);
	if (rc == ICP_OK)
		rc = snap(e, &m, 0, a, NULL, "file:///elsewhere/x.parquet");
	if (rc == ICP_OK)
		rc = snap(e, &m, 1, b, NULL, NULL); /* the rewrite */
	if (rc == ICP_OK)
		rc = snap(e, &m, 2, c, "ns/t/metadata/snap-b.avro", NULL);
	/* the planted files */
	if (rc == ICP_OK)
		rc = put(e, "ns/t/data/orphan.parquet", "PAR1-orphan", 11);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/metadata/orphan-m.avro", "Obj\1", 4);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/metadata/00099-dead.metadata.json", "{}", 2);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/data/x.parquet", "PAR1", 4);
	if (rc == ICP_OK)
		rc = put(e, "ns/t/metadata/cat.db", "SQLite format 3", 16);
	if (rc == ICP_OK) /* not ours, but another engine's pointer: kept */
		rc = put(e, "ns/t/metadata/version-hint.text", "3", 1);
	if (rc == ICP_OK)
		rc = put(e, "ns/t2/data/z.parquet", "PAR1", 4);
	if (rc == ICP_OK)
		rc = put(e, "other/old.parquet", "PAR1", 4);
	if (rc == ICP_OK && age_all() != 0)
		rc = ICP_ERR_IO;
	if (rc == ICP_OK) /* written after the aging: fresh */
		rc = put(e, "ns/t/data/fresh.parquet", "PAR1-fresh", 10);
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

/* Every file the table's metadata reaches, and the metadata-log. */
static void check_reachable_kept(env *e)
{
	static const char *const keys[] = {
	        "ns/t/data/a.parquet",        "ns/t/data/b.parquet",
	        "ns/t/data/c.parquet",        "ns/t/metadata/m-a.avro",
	        "ns/t/metadata/m-b.avro",     "ns/t/metadata/m-c.avro",
	        "ns/t/metadata/snap-a.avro",  "ns/t/metadata/snap-b.avro",
	        "ns/t/metadata/snap-c.avro",  "ns/t2/data/z.parquet",
	        "other/old.parquet",          "ns/t/data/x.parquet",
	        "ns/t/metadata/cat.db",       "ns/t/data/fresh.parquet",
	        "ns/t/metadata/version-hint.text"};
	icp_ice_metadata *m = NULL;
	icp_error err;
	const icp_json *log;
	const char *key;
	int nlog = 0;

	for (size_t i = 0; i < ICP_ARRAY_LEN(keys); i++) {
		if (!exists(e, keys[i]))
			fprintf(stderr, "gone: %s\n", keys[i]);
		CHECK(exists(e, keys[i]));
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_load_table(e->cat, "ns", "t", &m, &err), ICP_OK);
	if (!m)
		return;
	CHECK_EQ_INT(icp_storage_key_of_url(e->wh, icp_ice_metadata_file_location(m), &key),
	             ICP_OK);
	CHECK(key && exists(e, key));
	log = icp_json_get(icp_ice_metadata_json(m), "metadata-log");
	for (size_t i = 0; i < icp_json_len(log); i++) {
		const char *url = NULL;
		size_t len;
		CHECK_EQ_INT(icp_json_as_str(icp_json_get(icp_json_at(log, i), "metadata-file"), &url,
		                             &len),
		             ICP_OK);
		CHECK(url && icp_storage_key_of_url(e->wh, url, &key) == ICP_OK && exists(e, key));
		nlog++;
	}
	CHECK_EQ_INT(nlog, 3); /* created + 2 commits before the current one */
	icp_ice_metadata_free(m);
}

static void test_orphans(void)
{
	icp_maint_orphans_result r;
	icp_error err;
	int64_t now = icp_now_ms();
	env e;

	icp_error_init(&err);
	if (env_open(&e, "main") != ICP_OK) {
		CHECK(0);
		env_close(&e);
		return;
	}
	/* dry run: counts, deletes nothing */
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", now, 3 * DAY_MS, 1, &r, &err),
	             ICP_OK);
	if (err.status)
		fprintf(stderr, "%s\n", err.msg);
	/* 4 metadata files + version hint + 3 lists + 3 manifests + 3 data
	 * + 6 planted */
	CHECK_EQ_INT(r.files_listed, 20);
	CHECK_EQ_INT(r.orphans_found, 6);
	CHECK_EQ_INT(r.orphans_deleted, 3);
	CHECK_EQ_INT(r.bytes_freed, 11 + 4 + 2);
	CHECK_EQ_INT(r.too_young, 1);
	CHECK_EQ_INT(r.kept_unsure, 2);
	CHECK_EQ_INT(r.refs_outside, 1);
	CHECK_EQ_INT(r.delete_failures, 0);
	CHECK(exists(&e, "ns/t/data/orphan.parquet"));
	CHECK(exists(&e, "ns/t/metadata/orphan-m.avro"));
	CHECK(exists(&e, "ns/t/metadata/00099-dead.metadata.json"));
	/* an age beyond every file: nothing old enough */
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", now, 30 * DAY_MS, 0, &r,
	                                      &err),
	             ICP_OK);
	CHECK_EQ_INT(r.orphans_deleted, 0);
	CHECK_EQ_INT(r.too_young, 4);
	CHECK(exists(&e, "ns/t/data/orphan.parquet"));
	/* the real pass */
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", now, 3 * DAY_MS, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.files_listed, 20);
	CHECK_EQ_INT(r.orphans_deleted, 3);
	CHECK_EQ_INT(r.bytes_freed, 17);
	CHECK_EQ_INT(r.too_young, 1);
	CHECK(!exists(&e, "ns/t/data/orphan.parquet"));
	CHECK(!exists(&e, "ns/t/metadata/orphan-m.avro"));
	CHECK(!exists(&e, "ns/t/metadata/00099-dead.metadata.json"));
	check_reachable_kept(&e);
	/* again: nothing more */
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", now, 3 * DAY_MS, 0, &r, &err),
	             ICP_OK);
	CHECK_EQ_INT(r.files_listed, 17);
	CHECK_EQ_INT(r.orphans_deleted, 0);
	/* min age 0 and a clock 10 days on: the fresh one goes too */
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", now + 10 * DAY_MS, 0, 0, &r,
	                                      &err),
	             ICP_OK);
	CHECK_EQ_INT(r.orphans_deleted, 1);
	CHECK(!exists(&e, "ns/t/data/fresh.parquet"));
	env_close(&e);
}

/* A manifest that cannot be read: the reachable set is incomplete, so
 * nothing is deleted and the error names the manifest. */
static void test_unreadable_manifest(void)
{
	icp_maint_orphans_result r;
	icp_error err;
	env e;

	icp_error_init(&err);
	if (env_open(&e, "unreadable") != ICP_OK) {
		CHECK(0);
		env_close(&e);
		return;
	}
	CHECK_EQ_INT(put(&e, "ns/t/metadata/m-b.avro", "not avro", 8), ICP_OK);
	CHECK(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", icp_now_ms(), 3 * DAY_MS, 0, &r,
	                               &err) != ICP_OK);
	CHECK_CONTAINS(err.msg, "orphan removal: manifest ns/t/metadata/m-b.avro");
	CHECK_EQ_INT(r.orphans_deleted, 0);
	CHECK(exists(&e, "ns/t/data/orphan.parquet"));
	CHECK(exists(&e, "ns/t/metadata/orphan-m.avro"));
	/* a manifest list gone altogether */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_remove(e.wh, "ns/t/metadata/snap-a.avro", &err), ICP_OK);
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "t", icp_now_ms(), 3 * DAY_MS, 0,
	                                      &r, &err),
	             ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "manifest list ns/t/metadata/snap-a.avro");
	CHECK(exists(&e, "ns/t/data/orphan.parquet"));
	/* no such table */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_maint_remove_orphans(e.cat, e.wh, "ns", "nope", icp_now_ms(), 0, 0, &r,
	                                      &err),
	             ICP_ERR_NOT_FOUND);
	CHECK(exists(&e, "ns/t/data/orphan.parquet"));
	env_close(&e);
}

int main(void)
{
	char cmd[300];

	snprintf(root, sizeof(root), "/tmp/icp-test-maint-orphans-%d", (int)getpid());
	TEST_RUN(test_orphans);
	TEST_RUN(test_unreadable_manifest);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
	return TEST_DONE();
}
