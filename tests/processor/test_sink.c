/*
 * A table's uncommitted data files (src/processor/sink.c) in a local
 * warehouse: opening, rolling, closing into pending files, and what
 * discard and landed leave in the store (in doubt: nothing deleted).
 */
#include "processor/proc_int.h"

#include "../test.h"

#include <unistd.h>

typedef struct fixture {
	char root[64];
	icp_storage *st;
	icp_sink s;
	icp_parquet_field f;
	icp_parquet_options o;
} fixture;

static void setup(fixture *x)
{
	icp_buf url;
	icp_error e;
	memset(x, 0, sizeof(*x));
	icp_error_init(&e);
	snprintf(x->root, sizeof(x->root), "/tmp/icp-test-sink-XXXXXX");
	CHECK(mkdtemp(x->root) != NULL);
	icp_buf_init(&url, 0);
	icp_buf_printf(&url, "file://%s", x->root);
	CHECK_EQ_INT(icp_storage_open((char *)url.data, &x->st, &e), ICP_OK);
	icp_buf_dispose(&url);
	icp_sink_init(&x->s);
	x->f = icp_parquet_field_make("v", 1, ICP_PARQUET_LONG, 1);
	icp_parquet_options_init(&x->o);
}

static void teardown(fixture *x)
{
	char cmd[128];
	icp_sink_dispose(&x->s);
	icp_storage_free(x->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x->root);
	CHECK_EQ_INT(system(cmd), 0);
}

/* Objects under the data prefix (published files only). */
static int objects(fixture *x)
{
	icp_storage_listing l = {0};
	icp_error e;
	int n;
	icp_error_init(&e);
	CHECK_EQ_INT(icp_storage_list(x->st, "t/data/", NULL, 0, &l, &e), ICP_OK);
	n = (int)l.n;
	icp_storage_list_dispose(&l);
	return n;
}

static int exists(fixture *x, const char *key)
{
	uint64_t size;
	icp_error e;
	icp_error_init(&e);
	return icp_storage_stat(x->st, key, &size, &e) == ICP_OK;
}

/* Opens (if needed) and appends n rows. */
static void write_rows(fixture *x, size_t n)
{
	int64_t v[64];
	icp_parquet_batch b;
	icp_error e;
	size_t i;
	icp_error_init(&e);
	for (i = 0; i < n; i++)
		v[i] = (int64_t)i;
	memset(&b, 0, sizeof(b));
	b.n = n;
	b.fixed = v;
	CHECK_EQ_INT(icp_sink_open(&x->s, x->st, "t/data", &x->f, 1, &x->o, &e), ICP_OK);
	CHECK(icp_sink_writer(&x->s) != NULL);
	CHECK_EQ_INT(icp_parquet_writer_write(icp_sink_writer(&x->s), 0, &b, &e), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_end_rows(icp_sink_writer(&x->s), &e), ICP_OK);
	icp_sink_wrote(&x->s, n);
}

static void test_empty_file_dropped(void)
{
	fixture x;
	icp_parquet_writer *w;
	size_t n;
	icp_error e;
	setup(&x);
	icp_error_init(&e);
	CHECK(!icp_sink_busy(&x.s));
	CHECK_EQ_INT(icp_sink_open(&x.s, x.st, "t/data", &x.f, 1, &x.o, &e), ICP_OK);
	w = icp_sink_writer(&x.s);
	CHECK_EQ_INT(icp_sink_open(&x.s, x.st, "t/data", &x.f, 1, &x.o, &e), ICP_OK);
	CHECK(icp_sink_writer(&x.s) == w); /* still the same open file */
	CHECK(icp_sink_busy(&x.s) && icp_sink_file_open(&x.s));
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	icp_sink_files(&x.s, &n);
	CHECK_EQ_INT(n, 0);
	CHECK(!icp_sink_busy(&x.s));
	CHECK_EQ_INT(objects(&x), 0);
	teardown(&x);
}

static void test_close_and_roll(void)
{
	fixture x;
	const icp_pending_file *f;
	size_t n;
	icp_error e;
	setup(&x);
	icp_error_init(&e);
	write_rows(&x, 3);
	CHECK_EQ_INT(objects(&x), 0); /* not published while open */
	CHECK_EQ_INT(icp_sink_maybe_roll(&x.s, 1u << 30, &e), ICP_OK);
	CHECK(icp_sink_writer(&x.s) != NULL); /* below the target: still open */
	CHECK_EQ_INT(icp_sink_maybe_roll(&x.s, 1, &e), ICP_OK);
	CHECK(icp_sink_writer(&x.s) == NULL); /* rolled */
	write_rows(&x, 5);
	CHECK_EQ_INT(icp_sink_count(&x.s), 2); /* one closed, one open */
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	f = icp_sink_files(&x.s, &n);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(f[0].metrics.record_count, 3);
	CHECK_EQ_INT(f[1].metrics.record_count, 5);
	CHECK_EQ_INT(icp_sink_rows(&x.s), 8);
	CHECK(exists(&x, f[0].key) && exists(&x, f[1].key));
	CHECK_CONTAINS(f[0].url, f[0].key);
	CHECK_EQ_INT(objects(&x), 2);
	teardown(&x);
}

static void test_discard_deletes(void)
{
	fixture x;
	icp_error e;
	setup(&x);
	icp_error_init(&e);
	write_rows(&x, 4);
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	write_rows(&x, 2); /* left open */
	CHECK_EQ_INT(icp_sink_discard(&x.s, x.st), 0);
	CHECK(!icp_sink_busy(&x.s));
	CHECK_EQ_INT(icp_sink_rows(&x.s), 0);
	CHECK_EQ_INT(objects(&x), 0); /* closed file deleted, open one aborted */
	teardown(&x);
}

static void test_discard_in_doubt_keeps(void)
{
	fixture x;
	icp_error e;
	setup(&x);
	icp_error_init(&e);
	write_rows(&x, 4);
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	write_rows(&x, 4);
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	icp_sink_set_in_doubt(&x.s, 1);
	CHECK(icp_sink_in_doubt(&x.s));
	CHECK_EQ_INT(icp_sink_discard(&x.s, x.st), 2);
	CHECK_EQ_INT(objects(&x), 2); /* a snapshot may reference them */
	CHECK(!icp_sink_in_doubt(&x.s)); /* nothing of that commit tracked */
	CHECK(!icp_sink_busy(&x.s));
	teardown(&x);
}

static void test_landed_keeps(void)
{
	fixture x;
	size_t n;
	icp_error e;
	setup(&x);
	icp_error_init(&e);
	write_rows(&x, 7);
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	icp_sink_set_in_doubt(&x.s, 1);
	icp_sink_landed(&x.s);
	icp_sink_files(&x.s, &n);
	CHECK_EQ_INT(n, 0);
	CHECK(!icp_sink_busy(&x.s) && !icp_sink_in_doubt(&x.s));
	CHECK_EQ_INT(objects(&x), 1); /* the table references it */
	teardown(&x);
}

/* Appends n rows to the file of tuple (part) through icp_sink_file_for. */
static void write_part(fixture *x, int32_t part, size_t n)
{
	int64_t v[64];
	icp_parquet_batch b;
	icp_parquet_writer *pw;
	icp_pspec_value tv;
	char path[32], key[8];
	icp_error e;
	size_t i;
	icp_error_init(&e);
	for (i = 0; i < n; i++)
		v[i] = part;
	memset(&b, 0, sizeof(b));
	b.n = n;
	b.fixed = v;
	tv = icp_pspec_value_int(ICP_ICE_INT, part);
	snprintf(path, sizeof(path), "p=%d", part);
	snprintf(key, sizeof(key), "%d", part);
	CHECK_EQ_INT(icp_sink_file_for(&x->s, path, icp_slice_cstr(key), &tv, 1, &pw, &e), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_write(pw, 0, &b, &e), ICP_OK);
	CHECK_EQ_INT(icp_parquet_writer_end_rows(pw, &e), ICP_OK);
	icp_sink_wrote(&x->s, n);
}

/* One open file per tuple, at most max_open: the least recently used is
 * closed (rolled) into the pending ones, and a tuple that comes back gets
 * a new file. Each file keeps its tuple (copied) and spec id. */
static void test_tuples_lru(void)
{
	fixture x;
	icp_sink_target tg;
	const icp_pending_file *f;
	size_t n, i;
	int64_t rows[4] = {0};
	icp_error e;
	setup(&x);
	icp_error_init(&e);
	memset(&tg, 0, sizeof(tg));
	tg.store = x.st;
	tg.data_prefix = "t/data";
	tg.fields = &x.f;
	tg.n_fields = 1;
	tg.options = x.o;
	tg.spec_id = 3;
	tg.max_open = 2;
	icp_sink_set_target(&x.s, &tg);
	write_part(&x, 1, 2);
	write_part(&x, 2, 3);
	write_part(&x, 1, 4); /* 1 is now the most recent */
	CHECK_EQ_INT(icp_sink_count(&x.s), 2);
	write_part(&x, 3, 5); /* rolls 2 */
	CHECK_EQ_INT(x.s.n_open, 2);
	CHECK_EQ_INT(x.s.lru_rolls, 1);
	f = icp_sink_files(&x.s, &n);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(f[0].metrics.record_count, 3);
	CHECK_EQ_INT(f[0].partition.n, 1);
	CHECK_EQ_INT(f[0].partition.v[0].i, 2);
	CHECK_CONTAINS(f[0].key, "t/data/p=2/");
	write_part(&x, 2, 1); /* back: a new file (rolls 1) */
	CHECK_EQ_INT(icp_sink_spec_id(&x.s), 3);
	CHECK_EQ_INT(icp_sink_close(&x.s, &e), ICP_OK);
	f = icp_sink_files(&x.s, &n);
	CHECK_EQ_INT(n, 4);
	for (i = 0; i < n; i++) {
		char want[16];
		CHECK_EQ_INT(f[i].spec_id, 3);
		snprintf(want, sizeof(want), "/p=%d/", (int)f[i].partition.v[0].i);
		CHECK_CONTAINS(f[i].key, want);
		rows[f[i].partition.v[0].i] += (int64_t)f[i].metrics.record_count;
	}
	CHECK(rows[1] == 6 && rows[2] == 4 && rows[3] == 5);
	CHECK_EQ_INT(icp_sink_rows(&x.s), 15);
	CHECK_EQ_INT(objects(&x), 4);
	CHECK_EQ_INT(icp_sink_discard(&x.s, x.st), 0);
	CHECK_EQ_INT(objects(&x), 0);
	teardown(&x);
}

int main(void)
{
	TEST_RUN(test_tuples_lru);
	TEST_RUN(test_empty_file_dropped);
	TEST_RUN(test_close_and_roll);
	TEST_RUN(test_discard_deletes);
	TEST_RUN(test_discard_in_doubt_keeps);
	TEST_RUN(test_landed_keeps);
	return TEST_DONE();
}
