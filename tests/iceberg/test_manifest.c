/* Unit tests for manifests and manifest lists: our writers read back by
 * our readers, and the refusals (bad arguments, a corrupt parent list, a
 * v1 parent entry without counts). python3-avro interop is in
 * it_manifests.sh. */
#include "avro/avro.h"
#include "iceberg/iceberg.h"
#include "test.h"

static void test_manifest_roundtrip(void)
{
	icp_ice_schema *s = icp_ice_schema_base();
	icp_ice_data_file f[3] = {
		{"s3://b/d/1.parquet", 10, 5, NULL, NULL, 0, 0}, /* order unknown: null */
		{"s3://b/d/2.parquet", 20, 6, NULL, NULL, 1, 3}, /* sorted by order 3 */
		{"s3://b/d/3.parquet", 30, 7, NULL, NULL, 1, 0}, /* unsorted order 0 */
	};
	icp_ice_manifest_info info;
	icp_ice_manifest_entry *e = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_buf b;
	size_t n = 0;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_append_str(&b, "prefix"); /* info.length counts only what was appended */
	CHECK_EQ_INT(icp_ice_manifest_write(s, 42, f, 3, &b, &info, &err), ICP_OK);
	CHECK_EQ_INT(info.length, b.len - 6);
	CHECK_EQ_INT(info.added_files, 3);
	CHECK_EQ_INT(info.added_rows, 18);
	CHECK_EQ_INT(icp_ice_manifest_read(icp_slice_make(b.data + 6, b.len - 6), a, &e, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 3);
	for (size_t i = 0; i < n && i < 3; i++) {
		CHECK_EQ_INT(e[i].status, 1);
		CHECK_EQ_INT(e[i].snapshot_id, 42);
		CHECK_EQ_INT(e[i].sequence_number, -1);
		CHECK_EQ_INT(e[i].content, 0);
		CHECK_EQ_INT(e[i].sort_order_id, i == 0 ? -1 : i == 1 ? 3 : 0);
		CHECK_EQ_STR(e[i].path, f[i].path);
		CHECK_EQ_STR(e[i].file_format, "PARQUET");
		CHECK_EQ_INT(e[i].record_count, (int64_t)f[i].record_count);
		CHECK_EQ_INT(e[i].file_size, (int64_t)f[i].file_size);
	}
	/* refusals */
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_manifest_write(s, 42, f, 0, &b, NULL, &err), ICP_ERR_INVALID);
	f[1].path = NULL;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_write(s, 42, f, 3, &b, NULL, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "file 1 has no path");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_read(icp_slice_cstr("Obj\001garbage"), a, &e, &n, &err),
	             ICP_ERR_CORRUPT);
	icp_buf_dispose(&b);
	icp_arena_free(a);
	icp_ice_schema_free(s);
}

static void test_list_chain(void)
{
	icp_ice_manifest_file m1 = {"s3://b/m/1.avro", 100, 2, 20};
	icp_ice_manifest_file m2[2] = {{"s3://b/m/2.avro", 200, 3, 30}, {"s3://b/m/3.avro", 300, 4, 40}};
	icp_ice_manifest_ref *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_buf l1, l2;
	icp_error err;
	size_t n = 0;

	icp_error_init(&err);
	icp_buf_init(&l1, ICP_BUF_UNLIMITED);
	icp_buf_init(&l2, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_manifest_list_write(10, -1, 1, &m1, 1, icp_slice_make(NULL, 0), &l1, &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_ice_manifest_list_write(11, 10, 2, m2, 2, icp_slice_make(l1.data, l1.len),
	                                         &l2, &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_ice_manifest_list_read(icp_slice_make(l2.data, l2.len), a, &r, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_STR(r[0].path, "s3://b/m/2.avro");
		CHECK_EQ_STR(r[1].path, "s3://b/m/3.avro");
		CHECK_EQ_STR(r[2].path, "s3://b/m/1.avro");
		CHECK_EQ_INT(r[0].sequence_number, 2);
		CHECK_EQ_INT(r[1].min_sequence_number, 2);
		CHECK_EQ_INT(r[2].sequence_number, 1);
		CHECK_EQ_INT(r[0].added_snapshot_id, 11);
		CHECK_EQ_INT(r[2].added_snapshot_id, 10);
		CHECK_EQ_INT(r[1].added_files, 4);
		CHECK_EQ_INT(r[1].added_rows, 40);
		CHECK_EQ_INT(r[2].length, 100);
		CHECK_EQ_INT(r[2].existing_files, 0);
	}
	/* a corrupt parent list: error, prefixed with where */
	icp_buf_reset(&l2);
	l1.data[l1.len - 20] ^= 0xFF;
	icp_error_init(&err);
	CHECK(icp_ice_manifest_list_write(12, 11, 3, &m1, 1, icp_slice_make(l1.data, 30), &l2,
	                                  &err) != ICP_OK);
	CHECK_CONTAINS(err.msg, "parent manifest list");
	icp_buf_dispose(&l1);
	icp_buf_dispose(&l2);
	icp_arena_free(a);
}

/* A v1 list whose entry has null counts cannot become a v2 entry. */
static void test_v1_null_counts(void)
{
	static const char v1[] =
		"{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
		"{\"name\":\"manifest_path\",\"type\":\"string\",\"field-id\":500},"
		"{\"name\":\"manifest_length\",\"type\":\"long\",\"field-id\":501},"
		"{\"name\":\"partition_spec_id\",\"type\":\"int\",\"field-id\":502},"
		"{\"name\":\"added_snapshot_id\",\"type\":[\"null\",\"long\"],\"field-id\":503},"
		"{\"name\":\"added_data_files_count\",\"type\":[\"null\",\"int\"],\"field-id\":504}]}";
	icp_ice_manifest_file m1 = {"s3://b/m/1.avro", 100, 2, 20};
	icp_ice_manifest_ref *r = NULL;
	icp_avro_writer *w = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_buf in, out;
	icp_error err;
	size_t n = 0;

	icp_error_init(&err);
	icp_buf_init(&in, ICP_BUF_UNLIMITED);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_avro_writer_new(v1, sizeof(v1) - 1, NULL, 0, NULL, &in, &w, &err), ICP_OK);
	icp_avro_write_cstr(w, "s3://b/m/old.avro");
	icp_avro_write_long(w, 9);
	icp_avro_write_int(w, 0);
	icp_avro_write_union_branch(w, 1);
	icp_avro_write_long(w, 5);
	icp_avro_write_union_branch(w, 0);
	icp_avro_end_datum(w);
	CHECK_EQ_INT(icp_avro_writer_finish(w, &err), ICP_OK);
	icp_avro_writer_free(w);
	/* the reader reports nulls as -1 and v1 defaults as 0 */
	CHECK_EQ_INT(icp_ice_manifest_list_read(icp_slice_make(in.data, in.len), a, &r, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK_EQ_INT(r[0].added_files, -1);
		CHECK_EQ_INT(r[0].added_rows, -1);
		CHECK_EQ_INT(r[0].sequence_number, 0);
		CHECK_EQ_INT(r[0].added_snapshot_id, 5);
	}
	CHECK_EQ_INT(icp_ice_manifest_list_write(2, 1, 2, &m1, 1, icp_slice_make(in.data, in.len), &out,
	                                         &err),
	             ICP_ERR_UNSUPPORTED);
	CHECK_CONTAINS(err.msg, "s3://b/m/old.avro");
	CHECK_CONTAINS(err.msg, "added_data_files_count");
	icp_buf_dispose(&in);
	icp_buf_dispose(&out);
	icp_arena_free(a);
}

int main(void)
{
	TEST_RUN(test_manifest_roundtrip);
	TEST_RUN(test_list_chain);
	TEST_RUN(test_v1_null_counts);
	return TEST_DONE();
}
