/* The read-ahead reader (src/storage/prefetch.c) over a local store: the
 * bytes come back whole and in order for every depth and chunk size
 * (including chunks smaller than the caller's reads and an object that
 * is not a multiple of the chunk), from a start inside the object, for an
 * empty range, and a missing object fails the read that reaches it. */
#include "storage/storage.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static char root[256];
static uint8_t data[300007];

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

/* Reads everything with reads of `step` bytes; 0 when equal to data[start..]. */
static int read_all(icp_storage *s, uint64_t start, size_t depth, size_t chunk, size_t step)
{
	icp_storage_reader *r = NULL;
	icp_error err;
	uint8_t *got = icp_malloc(sizeof(data));
	size_t n = 0, k;
	int bad = 0;
	icp_error_init(&err);
	if (icp_storage_prefetch_open(s, "obj", start, sizeof(data), depth, chunk, &r, &err) !=
	    ICP_OK) {
		icp_free(got);
		return 1;
	}
	for (;;) {
		if (r->read(r, got + n, step < sizeof(data) - n ? step : sizeof(data) - n, &k, &err) !=
		    ICP_OK) {
			bad = 1;
			break;
		}
		if (k == 0)
			break;
		n += k;
	}
	if (n != sizeof(data) - start || memcmp(got, data + start, n) != 0)
		bad = 1;
	icp_storage_reader_close(r);
	icp_free(got);
	return bad;
}

static void test_orders(void)
{
	icp_storage *s = open_store();
	icp_error err;
	size_t depths[] = {1, 2, 4, 8}, chunks[] = {1000, 4096, 65536, 1 << 20}, i, j;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_put(s, "obj", icp_slice_make(data, sizeof(data)), 0, &err), ICP_OK);
	for (i = 0; i < ICP_ARRAY_LEN(depths); i++)
		for (j = 0; j < ICP_ARRAY_LEN(chunks); j++) {
			CHECK_EQ_INT(read_all(s, 0, depths[i], chunks[j], 7777), 0);
			CHECK_EQ_INT(read_all(s, 12345, depths[i], chunks[j], 500), 0);
		}
	/* nothing to read: a start at the end */
	CHECK_EQ_INT(read_all(s, sizeof(data), 4, 4096, 100), 0);
	icp_storage_free(s);
}

static void test_missing(void)
{
	icp_storage *s = open_store();
	icp_storage_reader *r = NULL;
	icp_error err;
	uint8_t buf[100];
	size_t k;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_storage_prefetch_open(s, "gone", 0, 5000, 3, 1000, &r, &err), ICP_OK);
	CHECK(r->read(r, buf, sizeof(buf), &k, &err) == ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "gone");
	/* sticky */
	icp_error_init(&err);
	CHECK(r->read(r, buf, sizeof(buf), &k, &err) == ICP_ERR_NOT_FOUND);
	icp_storage_reader_close(r);
	/* closing early, with fetches in flight, frees everything */
	CHECK_EQ_INT(icp_storage_prefetch_open(s, "obj", 0, sizeof(data), 4, 1000, &r, &err), ICP_OK);
	CHECK_EQ_INT(r->read(r, buf, sizeof(buf), &k, &err), ICP_OK);
	icp_storage_reader_close(r);
	CHECK(icp_storage_prefetch_open(s, "obj", 10, 5, 4, 1000, &r, &err) == ICP_ERR_INVALID);
	icp_storage_free(s);
}

int main(void)
{
	size_t i;
	char cmd[300];
	int rc;
	snprintf(root, sizeof(root), "/tmp/icp-prefetch-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	TEST_RUN(test_orders);
	TEST_RUN(test_missing);
	rc = TEST_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
