/* columns_mapping.c: the schema a mapping wants (base, timestamp_column,
 * columns, lfs_*) with stable ids, and an extractor that leaves the
 * record-time column out (icp_columns_new_except). */
#include "columns/columns.h"
#include "test.h"

static void names_ids(const icp_ice_schema *s, char *out, size_t cap)
{
	size_t i, len = 0;
	out[0] = '\0';
	for (i = 8; i < s->root.n_fields && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%d:%s:%s", i > 8 ? " " : "",
		                        (int)s->root.fields[i].id, s->root.fields[i].name,
		                        icp_ice_kind_name(s->root.fields[i].type->kind));
}

static void test_order_and_ids(void)
{
	icp_config_mapping m;
	icp_columns_def d[] = {{"n", "long", 1, NULL}, {"tags", "list<string>", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_error err;
	char got[512];

	memset(&m, 0, sizeof(m));
	m.timestamp_column = "kafka_time";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_mapping_schema(&m, d, 2, &s, &err), ICP_OK);
	if (s) {
		names_ids(s, got, sizeof(got));
		CHECK_EQ_STR(got, "9:kafka_time:timestamptz 10:n:long 11:tags:list");
		CHECK(!icp_ice_schema_find(s, "kafka_time")->required);
		CHECK(icp_ice_schema_find(s, "n")->required);
	}
	icp_ice_schema_free(s);
	/* with lfs_* columns, last; no timestamp column ("" or NULL) */
	m.lfs.store_metadata = 1;
	m.timestamp_column = "";
	CHECK_EQ_INT(icp_columns_mapping_schema(&m, d, 1, &s, &err), ICP_OK);
	if (s) {
		names_ids(s, got, sizeof(got));
		CHECK_EQ_STR(got, "9:n:long 10:lfs_content_type:string 11:lfs_blob_size:long "
		                  "12:lfs_checksum:string 13:lfs_checksum_alg:string "
		                  "14:lfs_bucket:string 15:lfs_key:string");
	}
	icp_ice_schema_free(s);
	m.timestamp_column = NULL;
	m.lfs.store_metadata = 0;
	CHECK_EQ_INT(icp_columns_mapping_schema(&m, NULL, 0, &s, &err), ICP_OK);
	if (s)
		CHECK_EQ_INT(s->root.n_fields, 8);
	icp_ice_schema_free(s);
	/* a clash is refused (the config refuses it first, with the key) */
	m.timestamp_column = "n";
	CHECK_EQ_INT(icp_columns_mapping_schema(&m, d, 2, &s, &err), ICP_ERR_INVALID);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.msg, "column \"n\" clashes");
	CHECK(icp_columns_is_lfs_name("lfs_key"));
	CHECK(!icp_columns_is_lfs_name("lfs_other"));
}

static void test_except(void)
{
	icp_config_mapping m;
	icp_columns_def d[] = {{"n", "long", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	icp_error err;

	memset(&m, 0, sizeof(m));
	m.timestamp_column = "lfs_time"; /* also left out of an lfs_ extractor */
	m.lfs.store_metadata = 1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_mapping_schema(&m, d, 1, &s, &err), ICP_OK);
	if (!s)
		return;
	CHECK_EQ_INT(icp_columns_new_except(s, s, "lfs_", 0, "lfs_time", &x, &err), ICP_OK);
	if (x) {
		CHECK_EQ_INT(icp_columns_count(x), 1);
		CHECK_EQ_STR(icp_columns_name(x, 0), "n");
	}
	icp_columns_free(x);
	CHECK_EQ_INT(icp_columns_new_except(s, NULL, "lfs_", 1, "lfs_time", &x, &err), ICP_OK);
	if (x)
		CHECK_EQ_INT(icp_columns_count(x), 6);
	icp_columns_free(x);
	CHECK_EQ_INT(icp_columns_new_except(s, NULL, NULL, 0, "lfs_time", &x, &err), ICP_OK);
	if (x)
		CHECK_EQ_INT(icp_columns_count(x), 7);
	icp_columns_free(x);
	CHECK_EQ_INT(icp_columns_new_except(s, NULL, NULL, 0, NULL, &x, &err), ICP_OK);
	if (x)
		CHECK_EQ_INT(icp_columns_count(x), 8);
	icp_columns_free(x);
	icp_ice_schema_free(s);
}

int main(void)
{
	TEST_RUN(test_order_and_ids);
	TEST_RUN(test_except);
	return TEST_DONE();
}
