/*
 * A sample Avro file shared by test_avro.c (read back with our reader) and
 * avro_sample.c (read back by Debian's python3-avro in it_python_avro.sh):
 * an Iceberg-manifest-like record schema with "field-id" attributes that
 * covers every Avro type, nested records, unions with null, arrays, maps,
 * fixed, enum and logical types, plus Iceberg-style file metadata.
 * Datum i is a pure function of i; it_python_avro.sh recomputes the same
 * values in Python, so keep sample_write, sample_check and that script in
 * step. sample_check verifies a datum as our reader decodes it.
 */
#ifndef ICP_TEST_AVRO_SAMPLE_H
#define ICP_TEST_AVRO_SAMPLE_H

#include "avro/avro.h"
#include "test.h"

#include <stdio.h>

static const char sample_schema[] =
	"{\"type\":\"record\",\"name\":\"manifest_entry\",\"namespace\":\"icp.test\",\"fields\":["
	"{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
	"{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
	"{\"name\":\"flag\",\"type\":\"boolean\",\"field-id\":2},"
	"{\"name\":\"f32\",\"type\":\"float\",\"field-id\":3},"
	"{\"name\":\"f64\",\"type\":\"double\",\"field-id\":4},"
	"{\"name\":\"path\",\"type\":\"string\",\"field-id\":5},"
	"{\"name\":\"blob\",\"type\":\"bytes\",\"field-id\":6},"
	"{\"name\":\"uuid\",\"type\":{\"type\":\"fixed\",\"name\":\"uuid_fixed\",\"size\":16},\"field-id\":7},"
	"{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"kind_enum\","
	"\"symbols\":[\"DATA\",\"POSITION_DELETES\",\"EQUALITY_DELETES\"]},\"field-id\":8},"
	"{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
	"{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100},"
	"{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":["
	"{\"name\":\"day\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}],"
	"\"default\":null,\"field-id\":1000}]},\"field-id\":102},"
	"{\"name\":\"column_sizes\",\"type\":[\"null\",{\"type\":\"array\",\"items\":"
	"{\"type\":\"record\",\"name\":\"k117_v118\",\"fields\":["
	"{\"name\":\"key\",\"type\":\"int\",\"field-id\":117},"
	"{\"name\":\"value\",\"type\":\"long\",\"field-id\":118}]},\"logicalType\":\"map\"}],"
	"\"default\":null,\"field-id\":108},"
	"{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"string\"]},\"field-id\":109},"
	"{\"name\":\"lower\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":110}"
	"]},\"field-id\":2000},"
	"{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"},\"field-id\":9},"
	"{\"name\":\"next\",\"type\":[\"null\",\"uuid_fixed\"],\"default\":null,\"field-id\":10}"
	"]}";

static const char sample_iceberg_schema[] =
	"{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"day\","
	"\"required\":false,\"type\":\"date\"}]}";
static const char sample_partition_spec[] =
	"[{\"name\":\"day\",\"transform\":\"identity\",\"source-id\":1,\"field-id\":1000}]";

static void sample_uuid(int i, uint8_t u[16])
{
	int j;
	for (j = 0; j < 16; j++)
		u[j] = (uint8_t)(j * 17 + i);
}

/* Writes datum i of the sample. */
static void sample_datum(icp_avro_writer *w, int i)
{
	char s[128];
	uint8_t blob[8], u[16];
	int j, n;

	icp_avro_write_int(w, i == 0 ? INT32_MIN : i == 1 ? INT32_MAX : i);
	if (i % 2 == 0) {
		icp_avro_write_union_branch(w, 0);
	} else {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_long(w, i == 1 ? INT64_MAX : i == 3 ? INT64_MIN : (int64_t)i * 1000003);
	}
	icp_avro_write_boolean(w, i % 2);
	icp_avro_write_float(w, 1.5f * (float)i);
	icp_avro_write_double(w, i == 2 ? 1e308 : i + 0.1);
	if (i == 0)
		icp_avro_write_cstr(w, "s3://b/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	else {
		snprintf(s, sizeof(s), "s3://bucket/data/file-%d.parquet", i);
		icp_avro_write_cstr(w, s);
	}
	n = i % 5;
	for (j = 0; j < n; j++)
		blob[j] = (uint8_t)(i * j);
	icp_avro_write_bytes(w, blob, (size_t)n);
	sample_uuid(i, u);
	icp_avro_write_fixed(w, u, 16);
	icp_avro_write_enum(w, i % 3);
	/* data_file */
	snprintf(s, sizeof(s), "f-%d", i);
	icp_avro_write_cstr(w, s);
	if (i % 4 == 0) {
		icp_avro_write_union_branch(w, 0);
	} else {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_int(w, 19000 + i);
	}
	if (i % 3 == 0) {
		icp_avro_write_union_branch(w, 0);
	} else {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_array_start(w, i % 3);
		for (j = 0; j < i % 3; j++) {
			icp_avro_write_int(w, j + 1);
			icp_avro_write_long(w, (int64_t)(j + 1) * 100 + i);
		}
		icp_avro_write_array_end(w);
	}
	if (i % 2) {
		icp_avro_write_map_start(w, 2);
		icp_avro_write_cstr(w, "a");
		icp_avro_write_union_branch(w, 1);
		snprintf(s, sizeof(s), "x%d", i);
		icp_avro_write_cstr(w, s);
		icp_avro_write_cstr(w, "b");
		icp_avro_write_union_branch(w, 0);
	} else {
		icp_avro_write_map_start(w, 0);
	}
	icp_avro_write_map_end(w);
	if (i % 2) {
		icp_avro_write_union_branch(w, 1);
		icp_avro_write_bytes(w, "\x00\x01", 2);
	} else {
		icp_avro_write_union_branch(w, 0);
	}
	/* back at the top level */
	icp_avro_write_long(w, 1700000000000000LL + i);
	if (i % 5 == 0) {
		icp_avro_write_union_branch(w, 0);
	} else {
		icp_avro_write_union_branch(w, 1);
		sample_uuid(i + 1, u);
		icp_avro_write_fixed(w, u, 16);
	}
	icp_avro_end_datum(w);
}

/* Writes a whole sample file of n datums into out. */
static int sample_write(icp_buf *out, icp_avro_codec codec, int n, size_t block_bytes,
                        const uint8_t *sync, icp_error *err)
{
	icp_avro_meta meta[4];
	icp_avro_writer_opts o;
	icp_avro_writer *w;
	int i, rc;

	meta[0].key = "schema";
	meta[0].value = icp_slice_cstr(sample_iceberg_schema);
	meta[1].key = "partition-spec";
	meta[1].value = icp_slice_cstr(sample_partition_spec);
	meta[2].key = "format-version";
	meta[2].value = icp_slice_cstr("2");
	meta[3].key = "content";
	meta[3].value = icp_slice_cstr("data");
	memset(&o, 0, sizeof(o));
	o.codec = codec;
	o.block_bytes = block_bytes;
	o.sync = sync;
	rc = icp_avro_writer_new(sample_schema, strlen(sample_schema), meta, 4, &o, out, &w, err);
	if (rc != ICP_OK)
		return rc;
	for (i = 0; i < n; i++)
		sample_datum(w, i);
	rc = icp_avro_writer_finish(w, err);
	icp_avro_writer_free(w);
	return rc;
}

static void check_bytes(const icp_json *n, const void *p, size_t len)
{
	CHECK(n && n->type == ICP_JSON_STRING);
	if (n && n->type == ICP_JSON_STRING) {
		CHECK_EQ_INT(n->u.str.len, len);
		CHECK(n->u.str.len == len && memcmp(n->u.str.ptr, p, len) == 0);
	}
}

static void check_int(const icp_json *n, int64_t v)
{
	CHECK(n && n->type == ICP_JSON_INT);
	if (n && n->type == ICP_JSON_INT)
		CHECK(n->u.num.i == v);
}

/* Mirrors sample_datum. */
static void sample_check(const icp_json *d, int i)
{
	char s[128];
	uint8_t blob[8], u[16];
	const icp_json *n;
	int j;

	CHECK_EQ_INT(icp_json_len(d), 12);
	CHECK_EQ_STR(d->u.obj.members[0].key, "status");
	check_int(icp_json_get(d, "status"), i == 0 ? INT32_MIN : i == 1 ? INT32_MAX : i);
	n = icp_json_get(d, "snapshot_id");
	if (i % 2 == 0)
		CHECK(n && n->type == ICP_JSON_NULL);
	else
		check_int(n, i == 1 ? INT64_MAX : i == 3 ? INT64_MIN : (int64_t)i * 1000003);
	CHECK(icp_json_get(d, "flag")->type == ICP_JSON_BOOL);
	CHECK_EQ_INT(icp_json_get(d, "flag")->u.boolean, i % 2);
	CHECK(icp_json_get(d, "f32")->u.num.d == (double)(1.5f * (float)i));
	CHECK(icp_json_get(d, "f64")->u.num.d == (i == 2 ? 1e308 : i + 0.1));
	if (i == 0)
		snprintf(s, sizeof(s), "s3://b/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	else
		snprintf(s, sizeof(s), "s3://bucket/data/file-%d.parquet", i);
	check_bytes(icp_json_get(d, "path"), s, strlen(s));
	for (j = 0; j < i % 5; j++)
		blob[j] = (uint8_t)(i * j);
	check_bytes(icp_json_get(d, "blob"), blob, (size_t)(i % 5));
	sample_uuid(i, u);
	check_bytes(icp_json_get(d, "uuid"), u, 16);
	n = icp_json_get(d, "kind");
	CHECK_EQ_STR(n ? n->u.str.ptr : NULL,
	             i % 3 == 0 ? "DATA" : i % 3 == 1 ? "POSITION_DELETES" : "EQUALITY_DELETES");
	snprintf(s, sizeof(s), "f-%d", i);
	check_bytes(icp_json_get_path(d, "data_file.file_path"), s, strlen(s));
	n = icp_json_get_path(d, "data_file.partition.day");
	if (i % 4 == 0)
		CHECK(n && n->type == ICP_JSON_NULL);
	else
		check_int(n, 19000 + i);
	n = icp_json_get_path(d, "data_file.column_sizes");
	if (i % 3 == 0) {
		CHECK(n && n->type == ICP_JSON_NULL);
	} else {
		CHECK(n && n->type == ICP_JSON_ARRAY);
		CHECK_EQ_INT(icp_json_len(n), i % 3);
		for (j = 0; j < i % 3 && n && n->type == ICP_JSON_ARRAY; j++) {
			check_int(icp_json_get(icp_json_at(n, (size_t)j), "key"), j + 1);
			check_int(icp_json_get(icp_json_at(n, (size_t)j), "value"), (j + 1) * 100 + i);
		}
	}
	n = icp_json_get_path(d, "data_file.tags");
	CHECK(n && n->type == ICP_JSON_OBJECT);
	if (i % 2) {
		snprintf(s, sizeof(s), "x%d", i);
		CHECK_EQ_INT(icp_json_len(n), 2);
		check_bytes(icp_json_get(n, "a"), s, strlen(s));
		CHECK(icp_json_get(n, "b") && icp_json_get(n, "b")->type == ICP_JSON_NULL);
		check_bytes(icp_json_get_path(d, "data_file.lower"), "\x00\x01", 2);
	} else {
		CHECK_EQ_INT(icp_json_len(n), 0);
		CHECK(icp_json_get_path(d, "data_file.lower")->type == ICP_JSON_NULL);
	}
	check_int(icp_json_get(d, "ts"), 1700000000000000LL + i);
	n = icp_json_get(d, "next");
	if (i % 5 == 0) {
		CHECK(n && n->type == ICP_JSON_NULL);
	} else {
		sample_uuid(i + 1, u);
		check_bytes(n, u, 16);
	}
}

#endif
