/* Local object store: atomic publication, if-absent puts, listing order,
 * delimiter grouping, start-after, key checks, readers. */
#include "storage/storage.h"
#include "test.h"

#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

static char root[256];

static icp_storage *open_store(void)
{
	icp_storage *s = NULL;
	icp_error err;
	char url[300];
	icp_error_init(&err);
	snprintf(url, sizeof(url), "file://%s", root);
	CHECK_EQ_INT(icp_storage_open(url, &s, &err), ICP_OK);
	return s;
}

static void test_put_get_list(void)
{
	icp_storage *s = open_store();
	icp_storage_listing l = {0};
	icp_buf b;
	icp_error err;
	uint64_t size;
	const char *keys[] = {"ns/orders/1/segment-00000000000000000010.kfs",
	                      "ns/orders/0/segment-00000000000000000020.kfs",
	                      "ns/orders/0/segment-00000000000000000010.kfs",
	                      "ns/orders/0/segment-00000000000000000010.index",
	                      "ns/clicks/0/segment-00000000000000000000.kfs"};
	size_t i;

	icp_error_init(&err);
	icp_buf_init(&b, 0);
	for (i = 0; i < ICP_ARRAY_LEN(keys); i++)
		CHECK_EQ_INT(icp_storage_put(s, keys[i], icp_slice_cstr(keys[i]), 0, &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_stat(s, keys[0], &size, &err), ICP_OK);
	CHECK_EQ_INT(size, strlen(keys[0]));
	CHECK_EQ_INT(icp_storage_get(s, keys[1], &b, &err), ICP_OK);
	CHECK_EQ_STR((char *)b.data, keys[1]);
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_storage_read_range(s, keys[1], 3, 6, &b, &err), ICP_OK);
	CHECK_EQ_STR((char *)b.data, "orders");

	CHECK_EQ_INT(icp_storage_list(s, "ns/orders/0/", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ_STR(l.items[0].key, keys[3]);
		CHECK_EQ_STR(l.items[1].key, keys[2]);
		CHECK_EQ_STR(l.items[2].key, keys[1]);
	}
	icp_storage_list_dispose(&l);
	CHECK_EQ_INT(icp_storage_list(s, "ns/orders/0/", keys[2], 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 1);
	icp_storage_list_dispose(&l);
	/* mtime_ms: the file's modification time, to the ms */
	{
		struct timeval tv[2] = {{1000000000, 250000}, {1000000000, 250000}};
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", root, keys[4]);
		CHECK_EQ_INT(utimes(path, tv), 0);
		CHECK_EQ_INT(icp_storage_list(s, "ns/", NULL, 0, &l, &err), ICP_OK);
		CHECK_EQ_INT(l.n, 5);
		if (l.n == 5) {
			CHECK_EQ_STR(l.items[0].key, keys[4]);
			CHECK(l.items[0].mtime_ms == INT64_C(1000000000250));
			CHECK(l.items[1].mtime_ms > icp_now_ms() - 600000);
		}
		icp_storage_list_dispose(&l);
		CHECK_EQ_INT(icp_storage_list(s, "ns/", NULL, 1, &l, &err), ICP_OK);
		CHECK(l.n == 2 && l.items[0].is_prefix && l.items[0].mtime_ms == 0);
		icp_storage_list_dispose(&l);
	}
	/* delimiter: topics, then partitions */
	CHECK_EQ_INT(icp_storage_list(s, "ns/", NULL, 1, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_EQ_STR(l.items[0].key, "ns/clicks/");
		CHECK_EQ_STR(l.items[1].key, "ns/orders/");
		CHECK_EQ_INT(l.items[1].is_prefix, 1);
	}
	icp_storage_list_dispose(&l);
	CHECK_EQ_INT(icp_storage_list(s, "ns/orders/", NULL, 1, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 2);
	icp_storage_list_dispose(&l);
	/* a prefix that is not a directory boundary */
	CHECK_EQ_INT(icp_storage_list(s, "ns/ord", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 4);
	icp_storage_list_dispose(&l);
	CHECK_EQ_INT(icp_storage_list(s, "nothing/", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 0);
	icp_storage_list_dispose(&l);
	icp_buf_dispose(&b);
	icp_storage_free(s);
}

static void test_atomic(void)
{
	icp_storage *s = open_store();
	icp_storage_writer *w;
	icp_storage_listing l = {0};
	icp_error err;
	uint64_t size;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_writer_open(s, "t/data/a.parquet", 0, &w, &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_writer_write(w, "abc", 3, &err), ICP_OK);
	/* not visible before commit, not even in listings */
	CHECK_EQ_INT(icp_storage_stat(s, "t/data/a.parquet", &size, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "a.parquet");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_list(s, "t/", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 0);
	icp_storage_list_dispose(&l);
	icp_storage_writer_abort(w);
	CHECK_EQ_INT(icp_storage_list(s, "t/", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 0);
	icp_storage_list_dispose(&l);
	/* if-absent */
	CHECK_EQ_INT(icp_storage_put(s, "t/m/v1.json", icp_slice_cstr("one"), 1, &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_put(s, "t/m/v1.json", icp_slice_cstr("two"), 1, &err),
	             ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "already exists");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_stat(s, "t/m/v1.json", &size, &err), ICP_OK);
	CHECK_EQ_INT(size, 3);
	CHECK_EQ_INT(icp_storage_list(s, "t/m/", NULL, 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 1); /* the temp file of the failed put is gone */
	icp_storage_list_dispose(&l);
	CHECK_EQ_INT(icp_storage_remove(s, "t/m/v1.json", &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_remove(s, "t/m/v1.json", &err), ICP_ERR_NOT_FOUND);
	icp_storage_free(s);
}

static void test_keys_and_urls(void)
{
	icp_storage *s = open_store();
	icp_error err;
	icp_buf u;
	uint64_t size;
	const char *bad[] = {"", "/abs", "a//b", "a/../b", "./a", "a/."};
	size_t i;

	for (i = 0; i < ICP_ARRAY_LEN(bad); i++) {
		icp_error_init(&err);
		CHECK_EQ_INT(icp_storage_stat(s, bad[i], &size, &err), ICP_ERR_INVALID);
	}
	icp_buf_init(&u, 0);
	icp_storage_url(s, "x/y.json", &u);
	CHECK(strncmp((char *)u.data, "file:///", 8) == 0);
	CHECK_CONTAINS((char *)u.data, "/x/y.json");
	icp_buf_dispose(&u);
	icp_error_init(&err);
	{
		icp_storage *gs = NULL;
		CHECK_EQ_INT(icp_storage_open("gs://bucket", &gs, &err), ICP_ERR_INVALID);
		CHECK(gs == NULL);
		CHECK_CONTAINS(err.msg, "not supported");
	}
	icp_storage_free(s);
}

static void test_reader(void)
{
	icp_storage *s = open_store();
	icp_storage_reader *r;
	icp_error err;
	uint8_t buf[16];
	size_t got;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_put(s, "r/obj", icp_slice_cstr("0123456789"), 0, &err), ICP_OK);
	CHECK_EQ_INT(icp_storage_reader_open(s, "r/obj", 4, &r, &err), ICP_OK);
	CHECK_EQ_INT(r->size, 10);
	CHECK_EQ_INT(r->read(r, buf, sizeof(buf), &got, &err), ICP_OK);
	CHECK_EQ_INT(got, 6);
	CHECK(memcmp(buf, "456789", 6) == 0);
	CHECK_EQ_INT(r->read_at(r, 1, buf, 2, &err), ICP_OK);
	CHECK(memcmp(buf, "12", 2) == 0);
	icp_storage_reader_close(r);
	CHECK_EQ_INT(icp_storage_reader_open(s, "r/none", 0, &r, &err), ICP_ERR_NOT_FOUND);
	icp_storage_free(s);
}

/* icp_storage_key_of_url: URLs under the root (resolved, as opened, and
 * Java's "file:/abs" form) give their key; anything else is INVALID. */
static void test_key_of_url(void)
{
	icp_storage *s = open_store(), *rel = NULL;
	icp_error err;
	icp_buf u, v;
	const char *key;
	char cwd[4096];

	icp_buf_init(&u, 0);
	icp_buf_init(&v, 0);
	icp_storage_url(s, "ns/t/metadata/00001-x.metadata.json", &u);
	CHECK_EQ_INT(icp_storage_key_of_url(s, (char *)u.data, &key), ICP_OK);
	CHECK_EQ_STR(key, "ns/t/metadata/00001-x.metadata.json");
	icp_buf_printf(&v, "file:%s/a/b", root);
	CHECK_EQ_INT(icp_storage_key_of_url(s, (char *)v.data, &key), ICP_OK);
	CHECK_EQ_STR(key, "a/b");
	icp_buf_reset(&v);
	icp_buf_printf(&v, "file://%s-other/a", root);
	CHECK_EQ_INT(icp_storage_key_of_url(s, (char *)v.data, &key), ICP_ERR_INVALID);
	icp_buf_reset(&v);
	icp_buf_printf(&v, "file://%s/", root);
	CHECK_EQ_INT(icp_storage_key_of_url(s, (char *)v.data, &key), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_storage_key_of_url(s, "s3://bucket/a", &key), ICP_ERR_INVALID);
	/* A store opened relative to the working directory matches both forms
	 * (made inside root, so the test writes nothing into the tree). */
	icp_error_init(&err);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_EQ_INT(chdir(root), 0);
	CHECK_EQ_INT(icp_storage_open("file://./rel", &rel, &err), ICP_OK);
	if (rel) {
		CHECK_EQ_INT(icp_storage_key_of_url(rel, "file://./rel/k", &key), ICP_OK);
		CHECK_EQ_STR(key, "k");
		icp_buf_reset(&u);
		icp_storage_url(rel, "k2", &u);
		CHECK_EQ_INT(icp_storage_key_of_url(rel, (char *)u.data, &key), ICP_OK);
		CHECK_EQ_STR(key, "k2");
		icp_storage_free(rel);
	}
	CHECK_EQ_INT(chdir(cwd), 0);
	icp_buf_dispose(&u);
	icp_buf_dispose(&v);
	icp_storage_free(s);
}

int main(void)
{
	char cmd[300];
	snprintf(root, sizeof(root), "/tmp/icp-test-storage-%d", (int)getpid());
	TEST_RUN(test_put_get_list);
	TEST_RUN(test_atomic);
	TEST_RUN(test_keys_and_urls);
	TEST_RUN(test_reader);
	TEST_RUN(test_key_of_url);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
	return TEST_DONE();
}
