/* Unit tests for sort orders (iceberg_sort.c): parsing "sort-orders" and
 * "default-sort-order-id" (defaults, malformed input named by JSON path),
 * apply (new order ids, reuse of an equal order, default by id, the
 * assert-default-sort-order-id requirement, untouched documents left
 * byte-identical) and the REST commit body. */
#include "iceberg/iceberg.h"
#include "test.h"

/* A v2 table (columns a=1, b=2, c=3) with the given sort keys spliced in
 * (may be empty). */
static icp_ice_metadata *parse_with(const char *sort_keys, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	icp_buf b;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_printf(&b,
	               "{\"format-version\":2,\"table-uuid\":\"u-1\",\"location\":\"s3://b/t\","
	               "\"last-sequence-number\":0,\"last-updated-ms\":5,\"last-column-id\":3,"
	               "\"current-schema-id\":0,\"schemas\":[{\"type\":\"struct\",\"schema-id\":0,"
	               "\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"long\"},"
	               "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"string\"},"
	               "{\"id\":3,\"name\":\"c\",\"required\":false,\"type\":\"int\"}]}],"
	               "\"default-spec-id\":0,\"partition-specs\":[{\"spec-id\":0,\"fields\":[]}],"
	               "\"last-partition-id\":999%s%s,\"properties\":{},\"snapshots\":[]}",
	               *sort_keys ? "," : "", sort_keys);
	icp_ice_metadata_parse((const char *)b.data, b.len, "s3://b/t/metadata/v1.json", &m, err);
	icp_buf_dispose(&b);
	return m;
}

static void test_parse(void)
{
	const icp_ice_sort_order *o;
	icp_ice_metadata *m;
	icp_error err;
	size_t n = 0;

	/* absent: one unsorted order 0, the default */
	icp_error_init(&err);
	m = parse_with("", &err);
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 0);
		o = icp_ice_metadata_sort_orders(m, &n);
		CHECK_EQ_INT(n, 1);
		CHECK_EQ_INT(o[0].order_id, 0);
		CHECK_EQ_INT(o[0].n_fields, 0);
	}
	icp_ice_metadata_free(m);

	icp_error_init(&err);
	m = parse_with("\"default-sort-order-id\":4,\"sort-orders\":[{\"order-id\":0,\"fields\":[]},"
	               "{\"order-id\":4,\"fields\":[{\"transform\":\"identity\",\"source-id\":2,"
	               "\"direction\":\"asc\",\"null-order\":\"nulls-first\"},{\"transform\":"
	               "\"bucket[4]\",\"source-id\":1,\"direction\":\"desc\",\"null-order\":"
	               "\"nulls-last\"}]}]",
	               &err);
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 4);
		o = icp_ice_metadata_sort_orders(m, &n);
		CHECK_EQ_INT(n, 2);
		o = icp_ice_metadata_sort_order(m, 4);
		CHECK(o != NULL);
		if (o) {
			CHECK_EQ_INT(o->n_fields, 2);
			CHECK_EQ_INT(o->fields[0].source_id, 2);
			CHECK_EQ_STR(o->fields[0].transform, "identity");
			CHECK_EQ_INT(o->fields[0].descending, 0);
			CHECK_EQ_INT(o->fields[0].nulls_last, 0);
			CHECK_EQ_INT(o->fields[1].source_id, 1);
			CHECK_EQ_STR(o->fields[1].transform, "bucket[4]");
			CHECK_EQ_INT(o->fields[1].descending, 1);
			CHECK_EQ_INT(o->fields[1].nulls_last, 1);
		}
		CHECK(icp_ice_metadata_sort_order(m, 3) == NULL);
	}
	icp_ice_metadata_free(m);
}

static void test_parse_corrupt(void)
{
	static const struct {
		const char *keys, *msg;
	} bad[] = {
		{"\"sort-orders\":{}", "\"sort-orders\" is not a non-empty array"},
		{"\"sort-orders\":[]", "\"sort-orders\" is not a non-empty array"},
		{"\"sort-orders\":[7]", "sort-orders.0 is not an object"},
		{"\"sort-orders\":[{\"fields\":[]}]", "sort-orders.0 has no valid \"order-id\""},
		{"\"sort-orders\":[{\"order-id\":0}]", "sort-orders.0 has no \"fields\" array"},
		{"\"sort-orders\":[{\"order-id\":0,\"fields\":[]},{\"order-id\":1,\"fields\":[{"
		 "\"transform\":\"identity\",\"source-id\":1,\"null-order\":\"nulls-first\"}]}]",
		 "sort-orders.1.fields.0 has no \"direction\""},
		{"\"sort-orders\":[{\"order-id\":1,\"fields\":[{\"transform\":\"identity\","
		 "\"source-id\":1,\"direction\":\"up\",\"null-order\":\"nulls-first\"}]}]",
		 "sort-orders.0.fields.0 has no \"direction\""},
		{"\"sort-orders\":[{\"order-id\":1,\"fields\":[{\"transform\":\"identity\","
		 "\"direction\":\"asc\",\"null-order\":\"nulls-first\"}]}]",
		 "sort-orders.0.fields.0 has no valid \"source-id\""},
		{"\"sort-orders\":[{\"order-id\":1,\"fields\":[{\"transform\":\"identity\","
		 "\"source-id\":1,\"direction\":\"asc\",\"null-order\":\"none\"}]}]",
		 "sort-orders.0.fields.0 has no \"null-order\""},
		{"\"sort-orders\":[{\"order-id\":1,\"fields\":[{\"source-id\":1,\"direction\":"
		 "\"asc\",\"null-order\":\"nulls-first\"}]}]",
		 "sort-orders.0.fields.0 has no \"transform\""},
		{"\"sort-orders\":[{\"order-id\":0,\"fields\":[{\"transform\":\"identity\","
		 "\"source-id\":1,\"direction\":\"asc\",\"null-order\":\"nulls-first\"}]}]",
		 "order-id 0, which is reserved"},
		{"\"sort-orders\":[{\"order-id\":0,\"fields\":[]},{\"order-id\":0,\"fields\":[]}]",
		 "sort order id 0 appears twice"},
		{"\"default-sort-order-id\":2,\"sort-orders\":[{\"order-id\":0,\"fields\":[]}]",
		 "default-sort-order-id 2 is not in \"sort-orders\""},
		{"\"default-sort-order-id\":\"x\"", "\"default-sort-order-id\" is not a valid id"},
		{"\"default-sort-order-id\":1", "default-sort-order-id 1 is not in"},
	};

	for (size_t i = 0; i < ICP_ARRAY_LEN(bad); i++) {
		icp_ice_metadata *m;
		icp_error err;
		icp_error_init(&err);
		m = parse_with(bad[i].keys, &err);
		CHECK(m == NULL);
		icp_ice_metadata_free(m);
		CHECK_EQ_INT(err.status, ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, bad[i].msg);
		CHECK_CONTAINS(err.msg, "s3://b/t/metadata/v1.json"); /* which file */
	}
}

/* Applies c to *m and replaces *m with the result. */
static int apply(icp_ice_metadata **m, const icp_ice_commit *c, icp_buf *out, icp_error *err)
{
	icp_ice_metadata *next = NULL;
	int rc;

	icp_buf_reset(out);
	rc = icp_ice_metadata_apply(*m, c, out, err);
	if (rc != ICP_OK)
		return rc;
	rc = icp_ice_metadata_parse((const char *)out->data, out->len, "s3://b/t/metadata/vN.json",
	                            &next, err);
	if (rc == ICP_OK) {
		icp_ice_metadata_free(*m);
		*m = next;
	}
	return rc;
}

static void test_apply(void)
{
	icp_ice_sort_field f1[] = {{3, "identity", 0, 0}};
	icp_ice_sort_field f2[] = {{2, "identity", 0, 0}, {3, "identity", 0, 0}};
	icp_ice_sort_field fbad[] = {{42, "identity", 0, 0}};
	icp_ice_sort_order o1 = {77, f1, 1}, o2 = {0, f2, 2}, unsorted = {5, NULL, 0};
	icp_ice_sort_order obad = {1, fbad, 1};
	icp_ice_metadata *m;
	const icp_ice_sort_order *o;
	icp_ice_commit c;
	icp_error err;
	icp_buf b;
	size_t n = 0;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	m = parse_with("", &err);
	CHECK(m != NULL);
	if (!m)
		return;
	/* a new order gets max+1 (its own id is ignored) and becomes default */
	memset(&c, 0, sizeof(c));
	c.assert_uuid = "u-1";
	c.assert_default_sort_order = 1;
	c.assert_default_sort_order_id = 0;
	c.add_sort_order = &o1;
	c.set_default_sort_order = 1;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 1);
	icp_ice_metadata_sort_orders(m, &n);
	CHECK_EQ_INT(n, 2);
	o = icp_ice_metadata_sort_order(m, 1);
	CHECK(o && icp_ice_sort_order_equal(o, &o1));
	CHECK_CONTAINS((char *)b.data,
	               "\"sort-orders\":[{\"order-id\":0,\"fields\":[]},{\"order-id\":1,\"fields\":"
	               "[{\"transform\":\"identity\",\"source-id\":3,\"direction\":\"asc\","
	               "\"null-order\":\"nulls-first\"}]}],\"default-sort-order-id\":1");

	/* a stale requirement: conflict with expected and actual */
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-default-sort-order-id failed: expected 0, table has 1");

	/* another order: id 2 */
	icp_error_init(&err);
	c.assert_default_sort_order_id = 1;
	c.add_sort_order = &o2;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 2);
	icp_ice_metadata_sort_orders(m, &n);
	CHECK_EQ_INT(n, 3);

	/* an order equal to an existing one is reused, nothing appended */
	c.assert_default_sort_order_id = 2;
	c.add_sort_order = &o1;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 1);
	icp_ice_metadata_sort_orders(m, &n);
	CHECK_EQ_INT(n, 3);

	/* added without set-default: the default stays */
	c.assert_default_sort_order_id = 1;
	c.set_default_sort_order = 0;
	c.add_sort_order = &o2;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 1);
	icp_ice_metadata_sort_orders(m, &n);
	CHECK_EQ_INT(n, 3);

	/* an unsorted order is order 0 */
	c.set_default_sort_order = 1;
	c.add_sort_order = &unsorted;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 0);
	icp_ice_metadata_sort_orders(m, &n);
	CHECK_EQ_INT(n, 3);

	/* default by id */
	c.assert_default_sort_order_id = 0;
	c.add_sort_order = NULL;
	c.default_sort_order_id = 2;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_default_sort_order_id(m), 2);

	/* an id the table does not have; a source not in the schema */
	c.assert_default_sort_order_id = 2;
	c.default_sort_order_id = 9;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "the table has no sort order 9");
	icp_error_init(&err);
	c.add_sort_order = &obad;
	CHECK_EQ_INT(apply(&m, &c, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "source id 42 is not in the current schema");
	icp_buf_dispose(&b);
	icp_ice_metadata_free(m);
}

/* A commit that does not touch sort orders neither adds the keys nor
 * rewrites them. */
static void test_apply_untouched(void)
{
	icp_ice_sort_field f1[] = {{1, "identity", 1, 1}};
	icp_ice_sort_order o1 = {0, f1, 1};
	icp_ice_metadata *m;
	icp_ice_commit c;
	icp_error err;
	icp_buf b;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	m = parse_with("", &err);
	CHECK(m != NULL);
	if (!m)
		return;
	memset(&c, 0, sizeof(c));
	c.assert_uuid = "u-1";
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	CHECK(strstr((char *)b.data, "sort-order") == NULL);
	/* touched on a table without the keys: both appended */
	c.add_sort_order = &o1;
	c.set_default_sort_order = 1;
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	CHECK_CONTAINS((char *)b.data,
	               "\"sort-orders\":[{\"order-id\":0,\"fields\":[]},{\"order-id\":1,\"fields\":"
	               "[{\"transform\":\"identity\",\"source-id\":1,\"direction\":\"desc\","
	               "\"null-order\":\"nulls-last\"}]}],\"default-sort-order-id\":1}");
	icp_ice_metadata_free(m);

	/* existing keys with odd spacing/extra members copied verbatim */
	m = parse_with("\"sort-orders\":[{\"order-id\":0,\"fields\":[],\"x-other\":1.50}],"
	               "\"default-sort-order-id\":0",
	               &err);
	CHECK(m != NULL);
	memset(&c, 0, sizeof(c));
	icp_buf_reset(&b);
	if (m)
		CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	CHECK_CONTAINS((char *)b.data,
	               "\"sort-orders\":[{\"order-id\":0,\"fields\":[],\"x-other\":1.50}],"
	               "\"default-sort-order-id\":0,");
	icp_ice_metadata_free(m);
	icp_buf_dispose(&b);
}

static void test_rest_json(void)
{
	icp_ice_sort_field f[] = {{9, "identity", 0, 0}, {4, "day", 1, 1}};
	icp_ice_sort_order o = {3, f, 2};
	icp_ice_commit c;
	icp_buf b;

	memset(&c, 0, sizeof(c));
	c.assert_uuid = "u-1";
	c.assert_default_sort_order = 1;
	c.assert_default_sort_order_id = 0;
	c.add_sort_order = &o;
	c.set_default_sort_order = 1;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &b), ICP_OK);
	CHECK_EQ_STR((char *)b.data,
	             "{\"requirements\":[{\"type\":\"assert-table-uuid\",\"uuid\":\"u-1\"},"
	             "{\"type\":\"assert-default-sort-order-id\",\"default-sort-order-id\":0}],"
	             "\"updates\":[{\"action\":\"add-sort-order\",\"sort-order\":{\"order-id\":3,"
	             "\"fields\":[{\"transform\":\"identity\",\"source-id\":9,\"direction\":"
	             "\"asc\",\"null-order\":\"nulls-first\"},{\"transform\":\"day\",\"source-id\":"
	             "4,\"direction\":\"desc\",\"null-order\":\"nulls-last\"}]}},{\"action\":"
	             "\"set-default-sort-order\",\"sort-order-id\":-1}]}");
	/* an existing order made default by id */
	c.add_sort_order = NULL;
	c.default_sort_order_id = 2;
	c.assert_uuid = NULL;
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &b), ICP_OK);
	CHECK_EQ_STR((char *)b.data,
	             "{\"requirements\":[{\"type\":\"assert-default-sort-order-id\","
	             "\"default-sort-order-id\":0}],\"updates\":[{\"action\":"
	             "\"set-default-sort-order\",\"sort-order-id\":2}]}");
	icp_buf_dispose(&b);
}

int main(void)
{
	TEST_RUN(test_parse);
	TEST_RUN(test_parse_corrupt);
	TEST_RUN(test_apply);
	TEST_RUN(test_apply_untouched);
	TEST_RUN(test_rest_json);
	return TEST_DONE();
}
