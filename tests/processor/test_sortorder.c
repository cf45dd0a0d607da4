/*
 * Which sort order data files are tagged with (src/processor/sortorder.c,
 * icp_sort_order_of): the table's default order only when it is exactly
 * what mappings[].sort_by asks for (identity, asc, nulls-first, the same
 * columns in the same order); 0 otherwise (no sort_by, another engine's
 * order, a different direction or null order or transform, other columns).
 */
#include "processor/proc_int.h"

#include "../test.h"

/* Columns a=1, b=2; the default order given as "sort-orders" JSON. */
static icp_ice_metadata *meta_with(int def, const char *orders)
{
	icp_ice_metadata *m = NULL;
	icp_error e;
	icp_buf b;

	icp_error_init(&e);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_printf(&b,
	               "{\"format-version\":2,\"table-uuid\":\"u\",\"location\":\"s3://b/t\","
	               "\"last-sequence-number\":0,\"last-updated-ms\":1,\"last-column-id\":2,"
	               "\"current-schema-id\":0,\"schemas\":[{\"type\":\"struct\",\"schema-id\":0,"
	               "\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"long\"},"
	               "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"string\"}]}],"
	               "\"default-sort-order-id\":%d,\"sort-orders\":[{\"order-id\":0,\"fields\":[]},"
	               "{\"order-id\":%d,\"fields\":[%s]}]}",
	               def, def ? def : 1, orders);
	CHECK_EQ_INT(icp_ice_metadata_parse((const char *)b.data, b.len, NULL, &m, &e), ICP_OK);
	icp_buf_dispose(&b);
	return m;
}

#define F(id, tr, dir, nulls)                                                              \
	"{\"transform\":\"" tr "\",\"source-id\":" #id ",\"direction\":\"" dir                  \
	"\",\"null-order\":\"" nulls "\"}"

static int32_t order_of(const char *const *cols, size_t n, int def, const char *orders)
{
	icp_config_mapping map;
	icp_table t;
	icp_ice_metadata *m = meta_with(def, orders);
	int32_t id;

	memset(&map, 0, sizeof(map));
	memset(&t, 0, sizeof(t));
	map.table = "ns.t";
	map.topic = "t";
	map.sort_by.items = (char **)cols;
	map.sort_by.n = n;
	t.map = &map;
	id = m ? icp_sort_order_of(&t, m) : -99;
	icp_ice_metadata_free(m);
	return id;
}

static void test_order_of(void)
{
	static const char *const a[] = {"a"}, *const ba[] = {"b", "a"}, *const ab[] = {"a", "b"};
	static const char *const nope[] = {"nope"};

	CHECK_EQ_INT(order_of(a, 1, 3, F(1, "identity", "asc", "nulls-first")), 3);
	CHECK_EQ_INT(order_of(ba, 2, 2,
	                      F(2, "identity", "asc", "nulls-first") ","
	                      F(1, "identity", "asc", "nulls-first")), 2);
	/* no sort_by: the files claim nothing, whatever the table's order */
	CHECK_EQ_INT(order_of(a, 0, 3, F(1, "identity", "asc", "nulls-first")), 0);
	/* the default is unsorted (order 0) */
	CHECK_EQ_INT(order_of(a, 1, 0, F(1, "identity", "asc", "nulls-first")), 0);
	/* another order than sort_by's */
	CHECK_EQ_INT(order_of(ab, 2, 2,
	                      F(2, "identity", "asc", "nulls-first") ","
	                      F(1, "identity", "asc", "nulls-first")), 0);
	CHECK_EQ_INT(order_of(a, 1, 1, F(1, "identity", "desc", "nulls-first")), 0);
	CHECK_EQ_INT(order_of(a, 1, 1, F(1, "identity", "asc", "nulls-last")), 0);
	CHECK_EQ_INT(order_of(a, 1, 1, F(1, "bucket[4]", "asc", "nulls-first")), 0);
	CHECK_EQ_INT(order_of(a, 1, 1, F(2, "identity", "asc", "nulls-first")), 0);
	CHECK_EQ_INT(order_of(ab, 2, 1, F(1, "identity", "asc", "nulls-first")), 0);
	CHECK_EQ_INT(order_of(nope, 1, 1, F(1, "identity", "asc", "nulls-first")), 0);
}

int main(void)
{
	TEST_RUN(test_order_of);
	return TEST_DONE();
}
