/*
 * Rows of a batch grouped by partition tuple (src/processor/route.c):
 * groups in first-seen order, each group's rows in row order, the tuple
 * decoded back from its key with its path, nulls, and reuse across
 * batches (begin forgets everything).
 */
#include "processor/rows_int.h"

#include "../test.h"

static icp_pspec *spec_of(const char *const *exprs, size_t n)
{
	icp_ice_schema *s = icp_ice_schema_base();
	icp_pspec *spec = NULL;
	icp_error e;
	icp_error_init(&e);
	CHECK(s != NULL);
	CHECK_EQ_INT(icp_pspec_build(s, exprs, n, 0, 999, &spec, &e), ICP_OK);
	icp_ice_schema_free(s);
	return spec;
}

static void add(icp_route *r, const icp_pspec *spec, int32_t part, const char *key)
{
	icp_pspec_value src[2];
	icp_error e;
	icp_error_init(&e);
	src[0] = icp_pspec_value_int(ICP_ICE_INT, part);
	src[1] = key ? icp_pspec_value_of_bytes(ICP_ICE_BINARY, key, strlen(key), 0)
	             : icp_pspec_value_null(ICP_ICE_BINARY);
	CHECK_EQ_INT(icp_route_add(r, spec, src, &e), ICP_OK);
}

static void test_groups(void)
{
	static const char *const exprs[] = {"partition", "truncate(2, key)"};
	icp_pspec *spec = spec_of(exprs, 2);
	icp_route *r = icp_route_new();
	const icp_pspec_value *v;
	const uint32_t *rows;
	const char *path;
	icp_slice key;
	icp_error e;
	size_t n;
	int round;

	icp_error_init(&e);
	CHECK(r != NULL);
	for (round = 0; round < 2; round++) { /* a second batch reuses it */
		icp_route_begin(r);
		add(r, spec, 1, "abc");  /* row 0: (1, "ab") */
		add(r, spec, 1, "abd");  /* row 1: (1, "ab") */
		add(r, spec, 2, "abc");  /* row 2: (2, "ab") */
		add(r, spec, 1, NULL);   /* row 3: (1, null) */
		add(r, spec, 1, "ab");   /* row 4: (1, "ab") */
		add(r, spec, 2, "a b");  /* row 5: (2, "a ") */
		CHECK_EQ_INT(icp_route_finish(r), ICP_OK);
		CHECK_EQ_INT(icp_route_rows(r), 6);
		CHECK_EQ_INT(icp_route_groups(r), 4);
		rows = icp_route_group_rows(r, 0, &n);
		CHECK_EQ_INT(n, 3);
		CHECK(rows[0] == 0 && rows[1] == 1 && rows[2] == 4);
		CHECK_EQ_INT(icp_route_group_tuple(r, spec, 0, &key, &v, &path, &e), ICP_OK);
		CHECK_EQ_INT(v[0].i, 1);
		CHECK(!v[1].is_null && v[1].bytes.len == 2 && memcmp(v[1].bytes.ptr, "ab", 2) == 0);
		CHECK_EQ_STR(path, "partition=1/key_trunc=YWI%3D"); /* binary: base64, escaped */
		rows = icp_route_group_rows(r, 2, &n);
		CHECK(n == 1 && rows[0] == 3);
		CHECK_EQ_INT(icp_route_group_tuple(r, spec, 2, &key, &v, &path, &e), ICP_OK);
		CHECK(v[1].is_null);
		CHECK_EQ_STR(path, "partition=1/key_trunc=null");
		rows = icp_route_group_rows(r, 3, &n);
		CHECK(n == 1 && rows[0] == 5);
	}
	icp_route_free(r);
	icp_pspec_free(spec);
}

/* Many tuples: the table grows; every row lands in its own group. */
static void test_many(void)
{
	static const char *const exprs[] = {"partition", "key"};
	icp_pspec *spec = spec_of(exprs, 2);
	icp_route *r = icp_route_new();
	char k[16];
	size_t i, n, total = 0;

	icp_route_begin(r);
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%zu", i % 1000);
		add(r, spec, (int32_t)(i % 3), k);
	}
	CHECK_EQ_INT(icp_route_finish(r), ICP_OK);
	CHECK_EQ_INT(icp_route_groups(r), 3000); /* lcm(3, 1000) */
	for (i = 0; i < icp_route_groups(r); i++) {
		const uint32_t *rows = icp_route_group_rows(r, i, &n);
		for (size_t j = 1; j < n; j++)
			CHECK(rows[j] > rows[j - 1]);
		total += n;
	}
	CHECK_EQ_INT(total, 5000);
	icp_route_free(r);
	icp_pspec_free(spec);
}

int main(void)
{
	TEST_RUN(test_groups);
	TEST_RUN(test_many);
	return TEST_DONE();
}
