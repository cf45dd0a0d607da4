/* Unit tests for manifest merging (iceberg_merge.c) and the manifest list
 * of a merge-append: entries keep every data_file value (compared as the
 * decoded Avro datum), statuses and sequence numbers follow the spec's
 * inheritance, a v1 manifest of another writer (other field names and
 * order, a field v2 lacks, a DELETED entry) is rewritten by field id, the
 * summaries of a partitioned merge are recomputed, and the list drops the
 * merged parents. The processor's rule is in tests/processor/
 * it_manifest_merge.sh. */
#include "avro/avro.h"
#include "iceberg/iceberg.h"
#include "pspec/pspec.h"
#include "test.h"

#include <stdio.h>

#define MAX_D 8

static icp_ice_schema *make_schema(void)
{
	static const struct {
		const char *name, *type;
	} cols[] = {{"id", "long"}, {"name", "string"}, {"ts", "timestamptz"}};
	icp_ice_schema *s = icp_ice_schema_new(0);

	for (size_t i = 0; i < ICP_ARRAY_LEN(cols); i++) {
		icp_ice_type t;
		memset(&t, 0, sizeof(t));
		CHECK_EQ_INT(icp_ice_parse_primitive(cols[i].type, &t), ICP_OK);
		CHECK_EQ_INT(icp_ice_schema_add(s, (int32_t)i + 1, cols[i].name, 0, &t), ICP_OK);
	}
	return s;
}

/* Every datum of an Avro file, decoded into a. */
static size_t datums(icp_slice bytes, icp_arena *a, const icp_json *d[MAX_D])
{
	icp_avro_reader *r = NULL;
	icp_json *x;
	icp_error err;
	size_t n = 0;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_reader_open(bytes, NULL, &r, &err), ICP_OK);
	while (r && n < MAX_D && icp_avro_reader_next(r, a, &x, &err) == ICP_OK)
		d[n++] = x;
	icp_avro_reader_free(r);
	return n;
}

/* A datum's member as JSON text (in a static buffer per slot). */
static const char *text(const icp_json *d, const char *key, int slot)
{
	static char out[4][4096];
	icp_json_writer w;
	icp_buf b;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_json_writer_init(&w, &b, 0);
	icp_json_write_value(&w, icp_json_get(d, key));
	icp_json_writer_finish(&w);
	snprintf(out[slot], sizeof(out[slot]), "%.*s", (int)b.len, b.data ? (char *)b.data : "");
	icp_buf_dispose(&b);
	return out[slot];
}

static int64_t num(const icp_json *d, const char *key)
{
	const icp_json *v = icp_json_get(d, key);
	return v && v->type == ICP_JSON_INT ? v->u.num.i : -1; /* -1: null */
}

static void test_merge_partitioned(void)
{
	static const char *const exprs[] = {"day(ts)", "name", "bucket(16, id)"};
	icp_ice_schema *s = make_schema();
	icp_pspec *spec = NULL;
	uint8_t lo[8] = {1}, hi[8] = {9};
	icp_parquet_field_metrics fm[2] = {{1, 100, 10, 1, 0, 0, lo, 8, hi, 8},
	                                   {2, 200, 10, 2, 0, 0, NULL, 0, NULL, 0}};
	uint64_t splits[2] = {4, 4096};
	icp_parquet_file_metrics m = {10, 1000, 2, fm, 2, splits};
	icp_pspec_value t[3][3];
	icp_ice_data_file fa[2] = {{"s3://b/d/a1.parquet", 1000, 10, &m, t[0], 1, 1},
	                           {"s3://b/d/a2.parquet", 1100, 11, NULL, t[1], 0, 0}};
	icp_ice_data_file fc = {"s3://b/d/c1.parquet", 1200, 12, &m, t[2], 1, 0};
	icp_buf ma, mc, out;
	icp_ice_manifest_info ia, ic;
	icp_ice_merged_info res;
	icp_arena *a = icp_arena_new(0);
	const icp_json *in_a[MAX_D], *in_c[MAX_D], *o[MAX_D];
	icp_ice_manifest_entry *e = NULL;
	icp_error err;
	size_t n = 0;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_build(s, exprs, 3, 1, 999, &spec, &err), ICP_OK);
	t[0][0] = icp_pspec_value_int(ICP_ICE_DATE, 19000);
	t[0][1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "b", 1, 0);
	t[0][2] = icp_pspec_value_int(ICP_ICE_INT, 3);
	t[1][0] = icp_pspec_value_int(ICP_ICE_DATE, 18999);
	t[1][1] = icp_pspec_value_null(ICP_ICE_STRING);
	t[1][2] = icp_pspec_value_int(ICP_ICE_INT, 15);
	t[2][0] = icp_pspec_value_int(ICP_ICE_DATE, 19001);
	t[2][1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "a", 1, 0);
	t[2][2] = icp_pspec_value_int(ICP_ICE_INT, 0);
	icp_buf_init(&ma, ICP_BUF_UNLIMITED);
	icp_buf_init(&mc, ICP_BUF_UNLIMITED);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, spec, 10, fa, 2, &ma, &ia, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, spec, 99, &fc, 1, &mc, &ic, &err), ICP_OK);
	{
		/* the new manifest (snapshot 99) first, then one of snapshot 10
		 * listed with sequence number 3 */
		icp_ice_merge_input in[2] = {{icp_slice_make(mc.data, mc.len), 99, 7},
		                             {icp_slice_make(ma.data, ma.len), 10, 3}};
		CHECK_EQ_INT(icp_ice_manifest_merge(s, spec, 99, 7, in, 2, &out, &res, &err), ICP_OK);
	}
	CHECK_EQ_INT(res.info.length, out.len);
	CHECK_EQ_INT(res.info.added_files, 1);
	CHECK_EQ_INT(res.info.added_rows, 12);
	CHECK_EQ_INT(res.existing_files, 2);
	CHECK_EQ_INT(res.existing_rows, 21);
	CHECK_EQ_INT(res.min_sequence_number, 3);
	CHECK_EQ_INT(res.info.partition_spec_id, 1);
	CHECK_EQ_INT(res.info.n_partitions, 3);
	if (res.info.n_partitions == 3) {
		/* name: "a".."b" with a null; day 18999..19001 */
		CHECK_EQ_INT(res.info.partitions[1].contains_null, 1);
		CHECK(res.info.partitions[1].lower.len == 1 && res.info.partitions[1].lower.ptr[0] == 'a');
		CHECK(res.info.partitions[1].upper.len == 1 && res.info.partitions[1].upper.ptr[0] == 'b');
		CHECK_EQ_INT((int32_t)icp_load_le32(res.info.partitions[0].lower.ptr), 18999);
		CHECK_EQ_INT((int32_t)icp_load_le32(res.info.partitions[0].upper.ptr), 19001);
	}
	CHECK_EQ_INT(datums(icp_slice_make(ma.data, ma.len), a, in_a), 2);
	CHECK_EQ_INT(datums(icp_slice_make(mc.data, mc.len), a, in_c), 1);
	CHECK_EQ_INT(datums(icp_slice_make(out.data, out.len), a, o), 3);
	/* ours stays ADDED and inheriting; the others EXISTING, explicit */
	CHECK_EQ_INT(num(o[0], "status"), 1);
	CHECK_EQ_INT(num(o[0], "snapshot_id"), 99);
	CHECK_EQ_INT(num(o[0], "sequence_number"), -1);
	CHECK_EQ_INT(num(o[0], "file_sequence_number"), -1);
	CHECK_EQ_STR(text(o[0], "data_file", 0), text(in_c[0], "data_file", 1));
	for (int i = 1; i < 3; i++) {
		CHECK_EQ_INT(num(o[i], "status"), 0);
		CHECK_EQ_INT(num(o[i], "snapshot_id"), 10);
		CHECK_EQ_INT(num(o[i], "sequence_number"), 3);
		CHECK_EQ_INT(num(o[i], "file_sequence_number"), 3);
		/* every data_file field, metrics maps and tuple included */
		CHECK_EQ_STR(text(o[i], "data_file", 0), text(in_a[i - 1], "data_file", 1));
	}
	CHECK_CONTAINS(text(o[1], "data_file", 0), "4096");
	/* our reader resolves the tuples */
	CHECK_EQ_INT(icp_ice_manifest_read(icp_slice_make(out.data, out.len), a, &e, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_INT(e[2].n_partition, 3);
		CHECK_EQ_INT(e[2].partition[1].is_null, 1);
		CHECK_EQ_INT(e[1].sort_order_id, 1);
	}
	/* a manifest of another spec lacks the fields: refused */
	{
		static const char *const one[] = {"name"};
		icp_pspec *other = NULL;
		icp_ice_merged_info r2;
		icp_ice_merge_input in = {icp_slice_make(ma.data, ma.len), 10, 3};
		CHECK_EQ_INT(icp_pspec_build(s, one, 1, 2, 1100, &other, &err), ICP_OK);
		icp_buf_reset(&out);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_ice_manifest_merge(s, other, 99, 7, &in, 1, &out, &r2, &err),
		             ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "no field");
		icp_pspec_free(other);
	}
	icp_ice_manifest_info_dispose(&res.info);
	icp_ice_manifest_info_dispose(&ia);
	icp_ice_manifest_info_dispose(&ic);
	icp_buf_dispose(&ma);
	icp_buf_dispose(&mc);
	icp_buf_dispose(&out);
	icp_arena_free(a);
	icp_pspec_free(spec);
	icp_ice_schema_free(s);
}

/* A v1 manifest as another writer may have written it: no sequence
 * numbers, no content, block_size_in_bytes, fields in another order and
 * renamed (matched by id), records with other names. */
static const char v1_schema[] =
	"{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
	"{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
	"{\"name\":\"snapshot_id\",\"type\":\"long\",\"field-id\":1},"
	"{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"df\",\"fields\":["
	"{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100},"
	"{\"name\":\"file_format\",\"type\":\"string\",\"field-id\":101},"
	"{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"p\",\"fields\":[]},"
	"\"field-id\":102},"
	"{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"field-id\":104},"
	"{\"name\":\"record_count\",\"type\":\"long\",\"field-id\":103},"
	"{\"name\":\"block_size_in_bytes\",\"type\":\"long\",\"field-id\":105},"
	"{\"name\":\"column_sizes\",\"type\":[\"null\",{\"type\":\"array\",\"items\":"
	"{\"type\":\"record\",\"name\":\"cs\",\"fields\":[{\"name\":\"k\",\"type\":\"int\","
	"\"field-id\":117},{\"name\":\"v\",\"type\":\"long\",\"field-id\":118}]}}],"
	"\"default\":null,\"field-id\":108},"
	"{\"name\":\"lbounds\",\"type\":[\"null\",{\"type\":\"array\",\"items\":"
	"{\"type\":\"record\",\"name\":\"lb\",\"fields\":[{\"name\":\"k\",\"type\":\"int\","
	"\"field-id\":126},{\"name\":\"v\",\"type\":\"bytes\",\"field-id\":127}]}}],"
	"\"default\":null,\"field-id\":125},"
	"{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,"
	"\"field-id\":131},"
	"{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\","
	"\"element-id\":133}],\"default\":null,\"field-id\":132}"
	"]},\"field-id\":2}]}";

static void v1_entry(icp_avro_writer *w, int status, int64_t snap, const char *path,
                     int64_t rows, int full)
{
	icp_avro_write_int(w, status);
	icp_avro_write_long(w, snap);
	icp_avro_write_cstr(w, path);
	icp_avro_write_cstr(w, "PARQUET");
	icp_avro_write_long(w, rows * 10);
	icp_avro_write_long(w, rows);
	icp_avro_write_long(w, 67108864);
	if (full) {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_array_start(w, 2);
		icp_avro_write_int(w, 1);
		icp_avro_write_long(w, 11);
		icp_avro_write_int(w, 2);
		icp_avro_write_long(w, 22);
		icp_avro_write_array_end(w);
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_array_start(w, 1);
		icp_avro_write_int(w, 1);
		icp_avro_write_bytes(w, "\x01\x00\x00\x00\x00\x00\x00\x00", 8);
		icp_avro_write_array_end(w);
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_bytes(w, "\x01\x02", 2);
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_array_start(w, 2);
		icp_avro_write_long(w, 4);
		icp_avro_write_long(w, 100);
		icp_avro_write_array_end(w);
	} else {
		for (int i = 0; i < 4; i++)
			icp_avro_write_union_branch(w, 0);
	}
	icp_avro_end_datum(w);
}

static void test_merge_v1_foreign(void)
{
	icp_ice_schema *s = make_schema();
	icp_ice_data_file fc = {"s3://b/d/c1.parquet", 1200, 12, NULL, NULL, 0, 0};
	icp_avro_writer *w = NULL;
	icp_buf v1, mc, out;
	icp_ice_manifest_info ic;
	icp_ice_merged_info res;
	icp_arena *a = icp_arena_new(0);
	const icp_json *o[MAX_D], *df;
	icp_error err;

	icp_error_init(&err);
	icp_buf_init(&v1, ICP_BUF_UNLIMITED);
	icp_buf_init(&mc, ICP_BUF_UNLIMITED);
	icp_buf_init(&out, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_avro_writer_new(v1_schema, sizeof(v1_schema) - 1, NULL, 0, NULL, &v1, &w,
	                                 &err),
	             ICP_OK);
	if (w) {
		v1_entry(w, 1, 5, "s3://b/v1/1.parquet", 7, 1);
		v1_entry(w, 2, 5, "s3://b/v1/gone.parquet", 8, 0); /* deleted: dropped */
		v1_entry(w, 0, 4, "s3://b/v1/3.parquet", 9, 0);
		CHECK_EQ_INT(icp_avro_writer_finish(w, &err), ICP_OK);
	}
	icp_avro_writer_free(w);
	CHECK_EQ_INT(icp_ice_manifest_write(s, 99, &fc, 1, &mc, &ic, &err), ICP_OK);
	{
		/* v1 lists read with sequence number 0 */
		icp_ice_merge_input in[2] = {{icp_slice_make(mc.data, mc.len), 99, 7},
		                             {icp_slice_make(v1.data, v1.len), 5, 0}};
		CHECK_EQ_INT(icp_ice_manifest_merge(s, NULL, 99, 7, in, 2, &out, &res, &err), ICP_OK);
		if (err.msg[0])
			fprintf(stderr, "merge: %s\n", err.msg);
	}
	CHECK_EQ_INT(res.info.added_files, 1);
	CHECK_EQ_INT(res.existing_files, 2);
	CHECK_EQ_INT(res.existing_rows, 16);
	CHECK_EQ_INT(res.min_sequence_number, 0);
	CHECK_EQ_INT(res.info.n_partitions, 0);
	CHECK_EQ_INT(datums(icp_slice_make(out.data, out.len), a, o), 3);
	CHECK_EQ_INT(num(o[1], "status"), 0);
	CHECK_EQ_INT(num(o[1], "snapshot_id"), 5);
	CHECK_EQ_INT(num(o[1], "sequence_number"), 0);
	CHECK_EQ_INT(num(o[1], "file_sequence_number"), 0);
	CHECK_EQ_INT(num(o[2], "snapshot_id"), 4);
	df = icp_json_get(o[1], "data_file");
	CHECK_EQ_INT(num(df, "content"), 0);
	CHECK_EQ_STR(text(df, "file_path", 0), "\"s3://b/v1/1.parquet\"");
	CHECK_EQ_INT(num(df, "record_count"), 7);
	CHECK_EQ_INT(num(df, "file_size_in_bytes"), 70);
	CHECK(icp_json_get(df, "block_size_in_bytes") == NULL);
	CHECK_EQ_STR(text(df, "column_sizes", 0),
	             "[{\"key\":1,\"value\":11},{\"key\":2,\"value\":22}]");
	CHECK_EQ_STR(text(df, "lower_bounds", 0), "[{\"key\":1,\"value\":\"\\u0001\\u0000\\u0000"
	                                          "\\u0000\\u0000\\u0000\\u0000\\u0000\"}]");
	CHECK_EQ_STR(text(df, "key_metadata", 0), "\"\\u0001\\u0002\"");
	CHECK_EQ_STR(text(df, "split_offsets", 0), "[4,100]");
	CHECK_EQ_STR(text(df, "value_counts", 0), "null");
	CHECK_EQ_STR(text(icp_json_get(o[2], "data_file"), "file_path", 0),
	             "\"s3://b/v1/3.parquet\"");
	/* refusals */
	icp_buf_reset(&out);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_merge(s, NULL, 99, 7, NULL, 0, &out, &res, &err),
	             ICP_ERR_INVALID);
	{
		icp_ice_merge_input bad = {icp_slice_cstr("Obj\001garbage"), 1, 1};
		icp_error_init(&err);
		CHECK_EQ_INT(icp_ice_manifest_merge(s, NULL, 99, 7, &bad, 1, &out, &res, &err),
		             ICP_ERR_CORRUPT);
	}
	icp_ice_manifest_info_dispose(&res.info);
	icp_ice_manifest_info_dispose(&ic);
	icp_buf_dispose(&v1);
	icp_buf_dispose(&mc);
	icp_buf_dispose(&out);
	icp_arena_free(a);
	icp_ice_schema_free(s);
}

static void test_list_merged(void)
{
	icp_ice_manifest_file m[3] = {{"s3://b/m/1.avro", 100, 2, 20},
	                              {"s3://b/m/2.avro", 200, 3, 30},
	                              {"s3://b/m/3.avro", 300, 4, 40}};
	icp_ice_merged_info mi;
	icp_ice_list_manifest lm = {"s3://b/m/merged.avro", &mi};
	const char *drop[2] = {"s3://b/m/1.avro", "s3://b/m/3.avro"};
	icp_ice_manifest_ref *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_buf l1, l2;
	icp_error err;
	size_t n = 0;

	memset(&mi, 0, sizeof(mi));
	mi.info.length = 555;
	mi.info.added_files = 1;
	mi.info.added_rows = 5;
	mi.existing_files = 6;
	mi.existing_rows = 60;
	mi.min_sequence_number = 2;
	icp_error_init(&err);
	icp_buf_init(&l1, ICP_BUF_UNLIMITED);
	icp_buf_init(&l2, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_manifest_list_write(10, -1, 4, m, 3, icp_slice_make(NULL, 0), &l1, &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_ice_manifest_list_write_merged(11, 10, 5, &lm, 1,
	                                                icp_slice_make(l1.data, l1.len), drop, 2,
	                                                &l2, &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_ice_manifest_list_read(icp_slice_make(l2.data, l2.len), a, &r, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 2);
	if (n == 2) {
		CHECK_EQ_STR(r[0].path, "s3://b/m/merged.avro");
		CHECK_EQ_INT(r[0].length, 555);
		CHECK_EQ_INT(r[0].sequence_number, 5);
		CHECK_EQ_INT(r[0].min_sequence_number, 2);
		CHECK_EQ_INT(r[0].added_snapshot_id, 11);
		CHECK_EQ_INT(r[0].added_files, 1);
		CHECK_EQ_INT(r[0].existing_files, 6);
		CHECK_EQ_INT(r[0].existing_rows, 60);
		CHECK_EQ_STR(r[1].path, "s3://b/m/2.avro");
		CHECK_EQ_INT(r[1].sequence_number, 4);
		CHECK_EQ_INT(r[1].added_snapshot_id, 10);
	}
	icp_buf_dispose(&l1);
	icp_buf_dispose(&l2);
	icp_arena_free(a);
}

int main(void)
{
	TEST_RUN(test_merge_partitioned);
	TEST_RUN(test_merge_v1_foreign);
	TEST_RUN(test_list_merged);
	return TEST_DONE();
}
