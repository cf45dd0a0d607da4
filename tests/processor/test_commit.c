/*
 * The commit state machine (src/processor/commit.c) against a fake
 * catalog: an in-memory table with real commit semantics (the
 * requirements are checked by icp_ice_metadata_apply, so a stale base is
 * a conflict), which can be told to answer an unknown outcome after or
 * before applying, to fail outright, to fail its loads, or to let another
 * writer commit first. Metadata files go to a local warehouse in a
 * temporary directory, so every test can check what the table references
 * and what exists.
 */
#include "processor/commit_int.h"

#include "../test.h"

#include <unistd.h>

/* ------------------------------------------------------- fake catalog */

typedef struct fake {
	char *json;          /* the current metadata, as the catalog keeps it */
	int version;
	int applied;         /* commits applied */
	int fail_before;     /* next N commits: UNKNOWN, nothing applied */
	int fail_after;      /* next N commits: applied, then UNKNOWN */
	int fail_hard;       /* next N commits: ICP_ERR_IO, nothing applied */
	int fail_loads;      /* next N loads: ICP_ERR_IO */
	int loads;
	/* run before a commit is decided (another writer), then cleared
	 * unless `hook_always` */
	void (*hook)(struct fake *f);
	int hook_always;
	void *hook_arg;
} fake;

static int parse_meta(const fake *f, icp_ice_metadata **out, icp_error *err)
{
	char loc[64];
	snprintf(loc, sizeof(loc), "file:///fake/metadata/%05d.metadata.json", f->version);
	return icp_ice_metadata_parse(f->json, strlen(f->json), loc, out, err);
}

static int fake_load(void *st, const char *ns, const char *name, icp_ice_metadata **out,
                     icp_error *err)
{
	fake *f = st;
	(void)ns;
	(void)name;
	f->loads++;
	if (f->fail_loads > 0) {
		f->fail_loads--;
		return icp_error_set(err, ICP_ERR_IO, "fake: load failed");
	}
	return parse_meta(f, out, err);
}

/* Applies c to the current metadata (CONFLICT when a requirement fails). */
static int fake_apply(fake *f, const icp_ice_commit *c, icp_error *err)
{
	icp_ice_metadata *cur = NULL;
	icp_buf out;
	int rc = parse_meta(f, &cur, err);
	icp_buf_init(&out, 0);
	if (rc == ICP_OK)
		rc = icp_ice_metadata_apply(cur, c, &out, err);
	icp_ice_metadata_free(cur);
	if (rc == ICP_OK) {
		icp_free(f->json);
		f->json = (char *)icp_buf_detach(&out, NULL);
		f->version++;
		f->applied++;
	}
	icp_buf_dispose(&out);
	return rc;
}

static int fake_commit(void *st, const char *ns, const char *name,
                       const icp_ice_metadata *base, const icp_ice_commit *c,
                       icp_ice_metadata **out, icp_error *err)
{
	fake *f = st;
	int rc;
	(void)ns;
	(void)name;
	(void)base; /* the requirements decide, against the current table */
	if (f->hook) {
		void (*h)(fake *) = f->hook;
		f->hook = NULL; /* not while it runs (it commits too) */
		h(f);
		if (f->hook_always)
			f->hook = h;
	}
	if (f->fail_hard > 0) {
		f->fail_hard--;
		return icp_error_set(err, ICP_ERR_IO, "fake: commit not sent");
	}
	if (f->fail_before > 0) {
		f->fail_before--;
		return icp_error_set(err, ICP_ERR_UNKNOWN, "fake: 503 before applying");
	}
	rc = fake_apply(f, c, err);
	if (rc != ICP_OK)
		return rc;
	if (f->fail_after > 0) {
		f->fail_after--;
		return icp_error_set(err, ICP_ERR_UNKNOWN, "fake: 503 after applying");
	}
	return parse_meta(f, out, err);
}

static int fake_unused(void *st, const char *ns, icp_error *err)
{
	(void)st;
	(void)ns;
	return icp_error_set(err, ICP_ERR_INVALID, "fake: not used");
}

static void fake_close(void *st)
{
	(void)st;
}

static const icp_catalog_vtable fake_vt = {"fake", fake_unused, fake_load, NULL, fake_commit,
                                           fake_close, NULL};

/* ----------------------------------------------------------- the table */

typedef struct ttable {
	icp_ice_metadata *meta;
	icp_offsets committed;
	int landed, discarded, adopted, deadline, pauses;
	int counts[ICP_COMMIT_OUTCOMES];
} ttable;

static int tt_adopt(void *ctx, icp_ice_metadata *m, icp_error *err)
{
	ttable *t = ctx;
	icp_offsets fresh = {0};
	int rc = icp_offsets_from_table(m, &fresh, err);
	if (rc != ICP_OK)
		return rc;
	icp_ice_metadata_free(t->meta);
	t->meta = m;
	icp_offsets_dispose(&t->committed);
	t->committed = fresh;
	t->adopted++;
	return ICP_OK;
}

static void tt_landed(void *ctx)
{
	((ttable *)ctx)->landed++;
}

static void tt_discard(void *ctx, const char *why)
{
	(void)why;
	((ttable *)ctx)->discarded++;
}

static void tt_count(void *ctx, int outcome)
{
	((ttable *)ctx)->counts[outcome]++;
}

static int tt_deadline(void *ctx)
{
	return ((ttable *)ctx)->deadline;
}

static void tt_pause(void *ctx, int attempt)
{
	(void)attempt;
	((ttable *)ctx)->pauses++;
}

static const icp_commit_ops tt_ops = {tt_adopt, tt_landed, tt_discard, tt_count, tt_deadline,
                                      tt_pause};

/* ------------------------------------------------------------ fixture */

typedef struct fixture {
	char root[64];
	icp_storage *wh;
	fake f;
	icp_catalog *cat;
	ttable t;
	icp_pending_file files[2];
	char *file_keys[2];
	icp_offsets advance;
} fixture;

static fixture fx;

static void add_file(int i, const char *name, uint64_t rows, uint64_t size)
{
	icp_buf k, u;
	icp_error e;
	icp_error_init(&e);
	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "db/t/data/%s.parquet", name);
	CHECK_EQ_INT(icp_storage_put(fx.wh, (char *)k.data, icp_slice_make("PAR1", 4), 1, &e),
	             ICP_OK);
	icp_storage_url(fx.wh, (char *)k.data, &u);
	memset(&fx.files[i], 0, sizeof(fx.files[i]));
	fx.files[i].metrics.record_count = rows;
	fx.files[i].metrics.file_size = size;
	fx.files[i].url = (char *)icp_buf_detach(&u, NULL);
	fx.files[i].key = (char *)icp_buf_detach(&k, NULL);
}

static void setup(void)
{
	icp_ice_schema *s = icp_ice_schema_base();
	icp_buf json, loc, url;
	icp_error e;

	memset(&fx, 0, sizeof(fx));
	icp_error_init(&e);
	snprintf(fx.root, sizeof(fx.root), "/tmp/icp-test-commit-XXXXXX");
	CHECK(mkdtemp(fx.root) != NULL);
	icp_buf_init(&url, 0);
	icp_buf_printf(&url, "file://%s", fx.root);
	CHECK_EQ_INT(icp_storage_open((char *)url.data, &fx.wh, &e), ICP_OK);
	icp_buf_dispose(&url);
	icp_buf_init(&loc, 0);
	icp_storage_url(fx.wh, "db/t", &loc);
	icp_buf_init(&json, 0);
	CHECK_EQ_INT(icp_ice_metadata_create(s, (char *)loc.data, NULL, &json, &e), ICP_OK);
	fx.f.json = (char *)icp_buf_detach(&json, NULL);
	icp_buf_dispose(&loc);
	icp_ice_schema_free(s);
	fx.cat = icp_catalog_from_vtable(&fake_vt, &fx.f);
	CHECK(fx.cat != NULL);
	CHECK_EQ_INT(icp_catalog_load_table(fx.cat, "db", "t", &fx.t.meta, &e), ICP_OK);
	add_file(0, "a", 60, 600);
	add_file(1, "b", 40, 400);
	CHECK_EQ_INT(icp_offsets_set(&fx.advance, "orders/0", 100), ICP_OK);
}

static void teardown(void)
{
	char cmd[128];
	int i;
	icp_catalog_free(fx.cat);
	icp_free(fx.f.json);
	icp_ice_metadata_free(fx.t.meta);
	icp_offsets_dispose(&fx.t.committed);
	icp_offsets_dispose(&fx.advance);
	for (i = 0; i < 2; i++) {
		icp_free(fx.files[i].url);
		icp_free(fx.files[i].key);
	}
	icp_storage_free(fx.wh);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.root);
	CHECK_EQ_INT(system(cmd), 0);
}

/* One commit of fx.files (n of them) with fx.advance, by table tt. */
static int run_commit(ttable *tt, const icp_pending_file *files, size_t n,
                      const icp_offsets *advance, int in_doubt, icp_commit **out,
                      icp_error *err)
{
	icp_commit_input in;
	icp_commit *c = NULL;
	int rc;
	memset(&in, 0, sizeof(in));
	in.catalog = fx.cat;
	in.ns = "db";
	in.name = "t";
	in.label = "db.t";
	in.store = fx.wh;
	in.warehouse = fx.wh;
	in.meta_prefix = "db/t/metadata";
	in.schema = icp_ice_metadata_schema(tt->meta);
	in.base = tt->meta;
	in.base_offsets = &tt->committed;
	in.files = files;
	in.n_files = n;
	in.advance = advance;
	in.writer = "worker-test";
	in.in_doubt = in_doubt;
	in.ops = &tt_ops;
	in.ctx = tt;
	rc = icp_commit_new(&in, &c, err);
	CHECK_EQ_INT(rc, ICP_OK);
	rc = icp_commit_run(c, err);
	*out = c;
	return rc;
}

/* ------------------------------------------------------ observations */

static icp_ice_metadata *current(void)
{
	icp_ice_metadata *m = NULL;
	icp_error e;
	icp_error_init(&e);
	CHECK_EQ_INT(parse_meta(&fx.f, &m, &e), ICP_OK);
	return m;
}

static int exists(const char *key)
{
	uint64_t size;
	icp_error e;
	icp_error_init(&e);
	return icp_storage_stat(fx.wh, key, &size, &e) == ICP_OK;
}

static int exists_url(const char *url)
{
	const char *key;
	return icp_storage_key_of_url(fx.wh, url, &key) == ICP_OK && exists(key);
}

/* Snapshots on main's ancestry. */
static int main_snapshots(const icp_ice_metadata *m)
{
	int64_t id = icp_ice_metadata_main_snapshot(m);
	icp_ice_snapshot s;
	int n = 0;
	while (id >= 0 && icp_ice_metadata_snapshot(m, id, &s) == ICP_OK) {
		n++;
		id = s.parent_id;
	}
	return n;
}

/* Data files main references (-1 when a manifest list, manifest or data
 * file it references is missing). */
static int referenced_files(const icp_ice_metadata *m)
{
	int64_t id = icp_ice_metadata_main_snapshot(m);
	icp_ice_snapshot s;
	icp_ice_manifest_ref *refs;
	size_t nr, i, j;
	icp_arena *a = icp_arena_new(0);
	const char *key;
	icp_buf b;
	icp_error e;
	int n = 0;

	if (id < 0) {
		icp_arena_free(a);
		return 0;
	}
	icp_error_init(&e);
	icp_buf_init(&b, 0);
	if (icp_ice_metadata_snapshot(m, id, &s) != ICP_OK ||
	    icp_storage_key_of_url(fx.wh, s.manifest_list, &key) != ICP_OK ||
	    icp_storage_get(fx.wh, key, &b, &e) != ICP_OK ||
	    icp_ice_manifest_list_read(icp_slice_make(b.data, b.len), a, &refs, &nr, &e) != ICP_OK)
		n = -1;
	for (i = 0; n >= 0 && i < nr; i++) {
		icp_ice_manifest_entry *es;
		size_t ne;
		icp_buf_reset(&b);
		if (icp_storage_key_of_url(fx.wh, refs[i].path, &key) != ICP_OK ||
		    icp_storage_get(fx.wh, key, &b, &e) != ICP_OK ||
		    icp_ice_manifest_read(icp_slice_make(b.data, b.len), a, &es, &ne, &e) != ICP_OK) {
			n = -1;
			break;
		}
		for (j = 0; j < ne; j++) {
			if (!exists_url(es[j].path)) {
				n = -1;
				break;
			}
			n++;
		}
	}
	icp_buf_dispose(&b);
	icp_arena_free(a);
	return n;
}

static const char *main_summary(const icp_ice_metadata *m, const char *key)
{
	return icp_ice_metadata_summary(m, icp_ice_metadata_main_snapshot(m), key);
}

/* Metadata files (manifests and manifest lists) in the warehouse. */
static int meta_files(void)
{
	icp_storage_listing l = {0};
	icp_error e;
	int n;
	icp_error_init(&e);
	CHECK_EQ_INT(icp_storage_list(fx.wh, "db/t/metadata/", NULL, 0, &l, &e), ICP_OK);
	n = (int)l.n;
	icp_storage_list_dispose(&l);
	return n;
}

/* Another writer commits one file for partition `tp` up to `next`. */
static void other_writer(fake *f, const char *tp, int64_t next)
{
	ttable other;
	icp_offsets adv = {0};
	icp_pending_file pf;
	icp_commit *c = NULL;
	icp_buf k, u;
	icp_error e;
	(void)f;
	memset(&other, 0, sizeof(other));
	memset(&pf, 0, sizeof(pf));
	icp_error_init(&e);
	CHECK_EQ_INT(fake_load(&fx.f, "db", "t", &other.meta, &e), ICP_OK);
	CHECK_EQ_INT(icp_offsets_from_table(other.meta, &other.committed, &e), ICP_OK);
	icp_buf_init(&k, 0);
	icp_buf_init(&u, 0);
	icp_buf_printf(&k, "db/t/data/other-%d.parquet", fx.f.version);
	CHECK_EQ_INT(icp_storage_put(fx.wh, (char *)k.data, icp_slice_make("PAR1", 4), 1, &e),
	             ICP_OK);
	icp_storage_url(fx.wh, (char *)k.data, &u);
	pf.url = (char *)u.data;
	pf.metrics.record_count = 5;
	pf.metrics.file_size = 50;
	icp_offsets_set(&adv, tp, next);
	CHECK_EQ_INT(run_commit(&other, &pf, 1, &adv, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(other.landed, 1);
	icp_commit_free(c);
	icp_offsets_dispose(&adv);
	icp_offsets_dispose(&other.committed);
	icp_ice_metadata_free(other.meta);
	icp_buf_dispose(&k);
	icp_buf_dispose(&u);
}

static void other_elsewhere(fake *f)
{
	other_writer(f, "orders/1", 7); /* not a partition of ours */
}

static void other_same(fake *f)
{
	other_writer(f, "orders/0", 30); /* our partition: our records are its */
}

/* -------------------------------------------------------------- tests */

static void test_clean_commit(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DONE);
	CHECK_EQ_INT(icp_commit_attempts(c), 1);
	CHECK_EQ_INT(fx.f.applied, 1);
	CHECK_EQ_INT(fx.t.landed, 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_OK], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 0);
	CHECK(!icp_commit_in_doubt(c));
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1);
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), icp_commit_snapshot_id(c));
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/0\":100}");
	CHECK_EQ_STR(main_summary(m, "added-records"), "100");
	CHECK_EQ_STR(main_summary(m, "total-files-size"), "1000");
	CHECK_EQ_STR(main_summary(m, "kafscale.writer"), "worker-test");
	CHECK_EQ_INT(referenced_files(m), 2);
	CHECK_EQ_INT(meta_files(), 2); /* one manifest, one manifest list */
	/* the table adopted what the catalog answered */
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(fx.t.meta), icp_commit_snapshot_id(c));
	CHECK_EQ_INT(icp_offsets_get(&fx.t.committed, "orders/0"), 100);
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_conflict_then_rebase(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.hook = other_elsewhere;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DONE);
	CHECK_EQ_INT(icp_commit_attempts(c), 2);
	CHECK_EQ_INT(fx.f.applied, 2); /* theirs, then ours once */
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_CONFLICT], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_RETRIED], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_OK], 1);
	CHECK_EQ_INT(fx.t.pauses, 1);
	CHECK_EQ_INT(fx.t.landed, 1);
	CHECK_EQ_INT(fx.t.discarded, 0);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 2);
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), icp_commit_snapshot_id(c));
	/* rebased: their offsets and files are kept, ours added */
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/0\":100,\"orders/1\":7}");
	CHECK_EQ_STR(main_summary(m, "total-records"), "105");
	CHECK_EQ_STR(main_summary(m, "total-data-files"), "3");
	CHECK_EQ_INT(referenced_files(m), 3);
	/* theirs: manifest + list; ours: manifest + the second list (the
	 * first one, never applied, was deleted) */
	CHECK_EQ_INT(meta_files(), 4);
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

/* The base's manifest list is gone (snapshot expiry by a maintenance
 * pass removed the snapshot our stale base points at, after another
 * writer moved main): nothing is sent; handled as a conflict: reload,
 * rebase, commit once. */
static void test_base_expired(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_offsets adv = {0};
	icp_ice_snapshot s;
	const char *key;
	icp_error e;
	setup();
	icp_error_init(&e);
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 1, &fx.advance, 0, &c, &e), ICP_OK);
	icp_commit_free(c);
	other_elsewhere(&fx.f); /* main moves on; fx.t still holds the old base */
	CHECK_EQ_INT(icp_ice_metadata_snapshot(fx.t.meta, icp_ice_metadata_main_snapshot(fx.t.meta),
	                                       &s),
	             ICP_OK);
	CHECK_EQ_INT(icp_storage_key_of_url(fx.wh, s.manifest_list, &key), ICP_OK);
	CHECK_EQ_INT(icp_storage_remove(fx.wh, key, &e), ICP_OK);
	CHECK_EQ_INT(icp_offsets_set(&adv, "orders/0", 150), ICP_OK);
	CHECK_EQ_INT(run_commit(&fx.t, fx.files + 1, 1, &adv, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DONE);
	CHECK_EQ_INT(fx.f.applied, 3); /* ours, theirs, ours once */
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_CONFLICT], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_OK], 2);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 0);
	CHECK_EQ_INT(fx.t.landed, 2);
	CHECK_EQ_INT(fx.t.discarded, 0);
	m = current();
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), icp_commit_snapshot_id(c));
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/0\":150,\"orders/1\":7}");
	CHECK_EQ_STR(main_summary(m, "total-data-files"), "3");
	CHECK_EQ_INT(referenced_files(m), 3);
	icp_ice_metadata_free(m);
	icp_offsets_dispose(&adv);
	icp_commit_free(c);
	teardown();
}

static void test_unknown_applied(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.fail_after = 1;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DONE);
	CHECK_EQ_INT(icp_commit_attempts(c), 1);
	CHECK_EQ_INT(fx.f.applied, 1); /* never committed twice */
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_UNKNOWN_RESOLVED], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_RETRIED], 0);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 0);
	CHECK_EQ_INT(fx.t.landed, 1);
	CHECK(!icp_commit_in_doubt(c));
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1);
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/0\":100}");
	CHECK_EQ_INT(referenced_files(m), 2); /* nothing it references was deleted */
	CHECK_EQ_INT(meta_files(), 2);
	CHECK_EQ_INT(icp_offsets_get(&fx.t.committed, "orders/0"), 100);
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_unknown_not_applied(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.fail_before = 1;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DONE);
	CHECK_EQ_INT(icp_commit_attempts(c), 2);
	CHECK_EQ_INT(fx.f.applied, 1); /* committed once */
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_UNKNOWN_RESOLVED], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_RETRIED], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_OK], 1);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1);
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), icp_commit_snapshot_id(c));
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/0\":100}");
	CHECK_EQ_INT(referenced_files(m), 2);
	/* after an unknown outcome nothing of the commit is deleted: the
	 * first attempt's list stays (an orphan) */
	CHECK_EQ_INT(meta_files(), 3);
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_other_writer_took_partition(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.hook = other_same;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DISCARDED);
	CHECK_EQ_INT(fx.t.discarded, 1);
	CHECK_EQ_INT(fx.t.landed, 0);
	CHECK_EQ_INT(fx.f.applied, 1); /* only theirs */
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_CONFLICT], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 0);
	/* the table was adopted before the discard: it rewinds to 30 */
	CHECK_EQ_INT(icp_offsets_get(&fx.t.committed, "orders/0"), 30);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1);
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/0\":30}");
	CHECK_EQ_INT(referenced_files(m), 1);
	CHECK_EQ_INT(meta_files(), 2); /* ours deleted, theirs kept */
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_permanent_failure(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.fail_hard = 1;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_ERR_IO);
	CHECK_CONTAINS(e.msg, "not sent");
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_FAILED);
	CHECK(!icp_commit_in_doubt(c));
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 1);
	CHECK_EQ_INT(fx.t.landed + fx.t.discarded, 0);
	CHECK_EQ_INT(fx.f.applied, 0);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 0);
	icp_ice_metadata_free(m);
	CHECK_EQ_INT(meta_files(), 0); /* its manifest and list deleted */
	CHECK(exists(fx.files[0].key) && exists(fx.files[1].key)); /* data stays pending */
	icp_commit_free(c);
	teardown();
}

static void test_unknown_unresolved_in_doubt(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.fail_after = 1; /* it landed, but nobody can see it */
	fx.f.fail_loads = 1;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_ERR_IO);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_FAILED);
	CHECK(icp_commit_in_doubt(c));
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_UNKNOWN_RESOLVED], 0);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1);
	CHECK_EQ_INT(referenced_files(m), 2); /* what landed is whole */
	CHECK_EQ_INT(meta_files(), 2);
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	/* The next commit of the same files, in doubt, on the stale base:
	 * a conflict whose reload finds our partition moved (by our own
	 * landed snapshot): discarded, still one snapshot, nothing deleted. */
	icp_error_init(&e);
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 1, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DISCARDED);
	CHECK_EQ_INT(fx.t.discarded, 1);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1);
	CHECK_EQ_INT(referenced_files(m), 2);
	CHECK_EQ_INT(meta_files(), 4); /* in doubt: its manifest and list kept */
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_deadline(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.hook = other_elsewhere;
	fx.t.deadline = 1;
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(e.msg, "shutdown deadline reached while retrying the commit");
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_FAILED);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_CONFLICT], 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_RETRIED], 0);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 1);
	CHECK_EQ_INT(fx.t.pauses, 0);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), 1); /* only theirs */
	CHECK_EQ_STR(main_summary(m, "kafscale.offsets"), "{\"orders/1\":7}");
	CHECK_EQ_INT(meta_files(), 2); /* ours deleted */
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_attempt_limit(void)
{
	icp_commit *c = NULL;
	icp_ice_metadata *m;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.hook = other_elsewhere;
	fx.f.hook_always = 1; /* someone always commits first */
	CHECK_EQ_INT(run_commit(&fx.t, fx.files, 2, &fx.advance, 0, &c, &e), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(e.msg, "commit still conflicting after 8 attempts");
	CHECK_EQ_INT(icp_commit_attempts(c), ICP_COMMIT_MAX_ATTEMPTS);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_CONFLICT], ICP_COMMIT_MAX_ATTEMPTS);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_RETRIED], ICP_COMMIT_MAX_ATTEMPTS - 1);
	CHECK_EQ_INT(fx.t.pauses, ICP_COMMIT_MAX_ATTEMPTS - 1);
	CHECK_EQ_INT(fx.t.counts[ICP_COMMIT_FAILED], 1);
	m = current();
	CHECK_EQ_INT(main_snapshots(m), ICP_COMMIT_MAX_ATTEMPTS);
	CHECK_EQ_INT(meta_files(), 2 * ICP_COMMIT_MAX_ATTEMPTS); /* theirs only */
	icp_ice_metadata_free(m);
	icp_commit_free(c);
	teardown();
}

static void test_steps(void)
{
	icp_commit_input in;
	icp_commit *c = NULL;
	icp_error e;
	setup();
	icp_error_init(&e);
	fx.f.fail_before = 1;
	memset(&in, 0, sizeof(in));
	in.catalog = fx.cat;
	in.ns = "db";
	in.name = "t";
	in.label = "db.t";
	in.store = in.warehouse = fx.wh;
	in.meta_prefix = "db/t/metadata";
	in.schema = icp_ice_metadata_schema(fx.t.meta);
	in.base = fx.t.meta;
	in.base_offsets = &fx.t.committed;
	in.files = fx.files;
	in.n_files = 2;
	in.advance = &fx.advance;
	in.writer = "w";
	in.ops = &tt_ops;
	in.ctx = &fx.t;
	CHECK_EQ_INT(icp_commit_new(&in, &c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_BUILD);
	CHECK_EQ_INT(icp_commit_step(c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_ATTEMPT);
	CHECK_EQ_INT(meta_files(), 1); /* the manifest */
	CHECK_EQ_INT(icp_commit_step(c, &e), ICP_ERR_UNKNOWN);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_RESOLVE);
	CHECK_EQ_INT(fx.f.loads, 1); /* setup's only */
	CHECK_EQ_INT(icp_commit_step(c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_RETRY);
	CHECK_EQ_INT(fx.f.loads, 2);
	CHECK_EQ_INT(icp_commit_step(c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_ATTEMPT);
	CHECK_EQ_INT(icp_commit_step(c, &e), ICP_OK);
	CHECK_EQ_INT(icp_commit_state_of(c), ICP_COMMIT_S_DONE);
	CHECK(icp_commit_finished(c));
	CHECK_EQ_INT(icp_commit_step(c, &e), ICP_OK); /* finished: no-op */
	CHECK_EQ_INT(fx.f.applied, 1);
	icp_commit_free(c);
	teardown();
}

int main(void)
{
	TEST_RUN(test_clean_commit);
	TEST_RUN(test_conflict_then_rebase);
	TEST_RUN(test_base_expired);
	TEST_RUN(test_unknown_applied);
	TEST_RUN(test_unknown_not_applied);
	TEST_RUN(test_other_writer_took_partition);
	TEST_RUN(test_permanent_failure);
	TEST_RUN(test_unknown_unresolved_in_doubt);
	TEST_RUN(test_deadline);
	TEST_RUN(test_attempt_limit);
	TEST_RUN(test_steps);
	return TEST_DONE();
}
