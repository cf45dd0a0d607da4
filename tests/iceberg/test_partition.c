/* Unit tests for partitioned tables on the iceberg side: manifests written
 * for a spec (tuples read back as serialized values, summaries), manifest
 * lists with field summaries (written, read, carried over), partition
 * specs in table metadata (create, parse, v1), commits that add a spec or
 * change the default (apply and the REST body). */
#include "iceberg/iceberg.h"
#include "pspec/pspec.h"
#include "test.h"

#include <math.h>

static icp_ice_schema *make_schema(void)
{
	static const struct {
		const char *name, *type;
	} cols[] = {{"id", "long"},           {"name", "string"}, {"ts", "timestamptz"},
	            {"price", "decimal(10,2)"}, {"f", "float"},     {"my-col", "string"},
	            {"u", "uuid"}};
	icp_ice_schema *s = icp_ice_schema_new(0);

	for (size_t i = 0; i < ICP_ARRAY_LEN(cols); i++) {
		icp_ice_type t;
		memset(&t, 0, sizeof(t));
		CHECK_EQ_INT(icp_ice_parse_primitive(cols[i].type, &t), ICP_OK);
		CHECK_EQ_INT(icp_ice_schema_add(s, (int32_t)i + 1, cols[i].name, 0, &t), ICP_OK);
	}
	return s;
}

static const char *const exprs[] = {"day(ts)", "name", "bucket(16, id)", "price",
                                    "f",       "my-col", "u"};

static icp_pspec *make_spec(const icp_ice_schema *s, int32_t spec_id)
{
	icp_pspec *p = NULL;
	icp_error err;

	icp_error_init(&err);
	if (icp_pspec_build(s, exprs, ICP_ARRAY_LEN(exprs), spec_id, 999, &p, &err) != ICP_OK)
		fprintf(stderr, "build: %s\n", err.msg);
	return p;
}

static const uint8_t uuid1[16] = {0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78,
                                  0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78};
static const uint8_t p1234[2] = {0x04, 0xD2}, pm200[2] = {0xFF, 0x38};

/* Three tuples: nulls, a NaN and -0.0 among them. */
static void make_tuples(icp_pspec_value t[3][7])
{
	t[0][0] = icp_pspec_value_int(ICP_ICE_INT, 19000);
	t[0][1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "b", 1, 0);
	t[0][2] = icp_pspec_value_int(ICP_ICE_INT, 3);
	t[0][3] = icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, p1234, 2, 2);
	t[0][4] = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	t[0][4].d = 1.5;
	t[0][5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "x", 1, 0);
	t[0][6] = icp_pspec_value_of_bytes(ICP_ICE_UUID, uuid1, 16, 0);

	t[1][0] = icp_pspec_value_int(ICP_ICE_DATE, 18999);
	t[1][1] = icp_pspec_value_null(ICP_ICE_STRING);
	t[1][2] = icp_pspec_value_int(ICP_ICE_INT, 15);
	t[1][3] = icp_pspec_value_of_bytes(ICP_ICE_DECIMAL, pm200, 2, 2);
	t[1][4] = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	t[1][4].d = NAN;
	t[1][5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "y", 1, 0);
	t[1][6] = icp_pspec_value_null(ICP_ICE_UUID);

	t[2][0] = icp_pspec_value_null(ICP_ICE_INT);
	t[2][1] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "a", 1, 0);
	t[2][2] = icp_pspec_value_int(ICP_ICE_INT, 0);
	t[2][3] = icp_pspec_value_null(ICP_ICE_DECIMAL);
	t[2][4] = icp_pspec_value_int(ICP_ICE_FLOAT, 0);
	t[2][4].d = -0.0;
	t[2][5] = icp_pspec_value_of_bytes(ICP_ICE_STRING, "x", 1, 0);
	t[2][6] = icp_pspec_value_of_bytes(ICP_ICE_UUID, uuid1, 16, 0);
}

static int slice_is(icp_slice s, const void *p, size_t n)
{
	return s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0);
}

static void test_manifest_roundtrip(void)
{
	icp_ice_schema *s = make_schema();
	icp_pspec *p = make_spec(s, 3);
	icp_pspec_value t[3][7];
	icp_ice_data_file f[3];
	icp_ice_manifest_info info;
	icp_ice_manifest_entry *e = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_buf b;
	size_t n = 0;
	static const uint8_t d18999[4] = {0x37, 0x4A, 0, 0}, d19000[4] = {0x38, 0x4A, 0, 0};
	static const uint8_t i0[4] = {0}, i15[4] = {15, 0, 0, 0};
	static const uint8_t fneg0[4] = {0, 0, 0, 0x80}, f15[4] = {0, 0, 0xC0, 0x3F};

	CHECK(p != NULL);
	if (!p)
		return;
	make_tuples(t);
	for (int i = 0; i < 3; i++)
		f[i] = (icp_ice_data_file){"s3://b/d/x.parquet", 100, (uint64_t)i + 1, NULL, t[i], 0, 0};
	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, p, 77, f, 3, &b, &info, &err), ICP_OK);
	CHECK_EQ_INT(info.partition_spec_id, 3);
	CHECK_EQ_INT(info.n_partitions, 7);
	CHECK_EQ_INT(info.added_rows, 6);
	if (info.n_partitions == 7) {
		const icp_ice_field_summary *ps = info.partitions;
		CHECK(ps[0].contains_null && !ps[0].contains_nan && ps[0].has_bounds);
		CHECK(slice_is(ps[0].lower, d18999, 4) && slice_is(ps[0].upper, d19000, 4));
		CHECK(ps[1].contains_null && slice_is(ps[1].lower, "a", 1) &&
		      slice_is(ps[1].upper, "b", 1));
		CHECK(!ps[2].contains_null && slice_is(ps[2].lower, i0, 4) &&
		      slice_is(ps[2].upper, i15, 4));
		CHECK(ps[3].contains_null && slice_is(ps[3].lower, pm200, 2) &&
		      slice_is(ps[3].upper, p1234, 2));
		CHECK(!ps[4].contains_null && ps[4].contains_nan);
		CHECK(slice_is(ps[4].lower, fneg0, 4) && slice_is(ps[4].upper, f15, 4));
		CHECK(!ps[5].contains_null && slice_is(ps[5].lower, "x", 1) &&
		      slice_is(ps[5].upper, "y", 1));
		CHECK(ps[6].contains_null && slice_is(ps[6].lower, uuid1, 16) &&
		      slice_is(ps[6].upper, uuid1, 16));
	}
	/* read back: tuples as serialized values per field id */
	CHECK_EQ_INT(icp_ice_manifest_read(icp_slice_make(b.data, b.len), a, &e, &n, &err), ICP_OK);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_INT(e[1].n_partition, 7);
		CHECK_EQ_INT(e[1].partition[0].field_id, 1000);
		CHECK(slice_is(e[1].partition[0].value, d18999, 4));
		CHECK_EQ_INT(e[1].partition[1].field_id, 1001);
		CHECK(e[1].partition[1].is_null);
		CHECK(slice_is(e[1].partition[2].value, i15, 4));
		/* decimal(10,2) is a 5-byte fixed in the file, minimal when read */
		CHECK(slice_is(e[1].partition[3].value, pm200, 2));
		CHECK_EQ_INT(e[1].partition[4].value.len, 4);
		CHECK(e[1].partition[6].is_null);
		CHECK(slice_is(e[0].partition[3].value, p1234, 2));
		CHECK(slice_is(e[0].partition[6].value, uuid1, 16));
		CHECK(slice_is(e[2].partition[4].value, fneg0, 4));
		CHECK(e[2].partition[0].is_null);
		CHECK(slice_is(e[2].partition[5].value, "x", 1));
	}
	icp_ice_manifest_info_dispose(&info);
	CHECK(info.partitions == NULL);
	icp_ice_manifest_info_dispose(&info); /* twice is harmless */
	icp_buf_dispose(&b);
	icp_arena_free(a);
	icp_pspec_free(p);
	icp_ice_schema_free(s);
}

static void test_manifest_errors(void)
{
	icp_ice_schema *s = make_schema();
	icp_pspec *p = make_spec(s, 1), *unbound = NULL;
	icp_pspec_value t[3][7];
	icp_ice_data_file f = {"s3://b/d/x.parquet", 1, 1, NULL, NULL, 0, 0};
	icp_ice_manifest_info info;
	icp_error err;
	icp_buf b;
	icp_arena *a = icp_arena_new(0);
	icp_json *j = NULL;
	static const char spec_json[] =
	        "{\"spec-id\":1,\"fields\":[{\"name\":\"x\",\"transform\":\"identity\","
	        "\"source-id\":2,\"field-id\":1000}]}";

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, p, 1, &f, 1, &b, &info, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "has no partition tuple");
	make_tuples(t);
	t[0][2] = icp_pspec_value_int(ICP_ICE_LONG, 3); /* bucket must be int */
	f.partition = t[0];
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, p, 1, &f, 1, &b, &info, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "(id_bucket) is a long");
	make_tuples(t);
	t[0][6] = icp_pspec_value_of_bytes(ICP_ICE_UUID, uuid1, 15, 0);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, p, 1, &f, 1, &b, &info, &err), ICP_ERR_INVALID);
	/* a spec read from JSON must be bound first */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(a, spec_json, sizeof(spec_json) - 1, NULL, &j, &err), ICP_OK);
	CHECK_EQ_INT(icp_pspec_from_json(j, NULL, &unbound, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_manifest_write_spec(s, unbound, 1, &f, 1, &b, &info, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "not bound");
	CHECK_EQ_INT(b.len, 0);
	icp_buf_dispose(&b);
	icp_arena_free(a);
	icp_pspec_free(unbound);
	icp_pspec_free(p);
	icp_ice_schema_free(s);
}

static void test_list_roundtrip(void)
{
	static const icp_ice_field_summary sums[2] = {
		{1, 0, 1, {(const uint8_t *)"a", 1}, {(const uint8_t *)"zz", 2}},
		{0, -1, 0, {NULL, 0}, {NULL, 0}},
	};
	icp_ice_manifest_file mf[2] = {{"s3://b/m/1.avro", 100, 2, 20}, {"s3://b/m/0.avro", 50, 1, 5}};
	icp_ice_manifest_parts parts[2] = {{4, sums, 2}, {0, NULL, 0}};
	icp_ice_manifest_ref *r = NULL;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_buf l1, l2;
	size_t n = 0;

	icp_error_init(&err);
	icp_buf_init(&l1, ICP_BUF_UNLIMITED);
	icp_buf_init(&l2, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_manifest_list_write_spec(10, -1, 1, mf, parts, 2, icp_slice_make(NULL, 0),
	                                              &l1, &err),
	             ICP_OK);
	/* a child list carries both entries, summaries included */
	CHECK_EQ_INT(icp_ice_manifest_list_write(11, 10, 2, &mf[1], 1,
	                                         icp_slice_make(l1.data, l1.len), &l2, &err),
	             ICP_OK);
	CHECK_EQ_INT(icp_ice_manifest_list_read(icp_slice_make(l2.data, l2.len), a, &r, &n, &err),
	             ICP_OK);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_INT(r[0].partition_spec_id, 0);
		CHECK_EQ_INT(r[0].n_partitions, 0);
		CHECK_EQ_STR(r[1].path, "s3://b/m/1.avro");
		CHECK_EQ_INT(r[1].partition_spec_id, 4);
		CHECK_EQ_INT(r[1].n_partitions, 2);
		if (r[1].n_partitions == 2) {
			CHECK(r[1].partitions[0].contains_null == 1);
			CHECK(r[1].partitions[0].contains_nan == 0);
			CHECK(r[1].partitions[0].has_bounds);
			CHECK(slice_is(r[1].partitions[0].lower, "a", 1));
			CHECK(slice_is(r[1].partitions[0].upper, "zz", 2));
			CHECK(r[1].partitions[1].contains_null == 0);
			CHECK(r[1].partitions[1].contains_nan == -1);
			CHECK(!r[1].partitions[1].has_bounds);
		}
		CHECK_EQ_INT(r[2].partition_spec_id, 0);
	}
	/* summaries promised but missing */
	parts[0].partitions = NULL;
	icp_buf_reset(&l1);
	CHECK_EQ_INT(icp_ice_manifest_list_write_spec(10, -1, 1, mf, parts, 2, icp_slice_make(NULL, 0),
	                                              &l1, &err),
	             ICP_ERR_INVALID);
	icp_buf_dispose(&l1);
	icp_buf_dispose(&l2);
	icp_arena_free(a);
}

static icp_ice_metadata *parse_buf(const icp_buf *b)
{
	icp_ice_metadata *m = NULL;
	icp_error err;

	icp_error_init(&err);
	if (icp_ice_metadata_parse((const char *)b->data, b->len, "file:///wh/t/metadata/0.json", &m,
	                           &err) != ICP_OK)
		fprintf(stderr, "parse: %s\n", err.msg);
	return m;
}

static void test_metadata_specs(void)
{
	icp_ice_schema *s = make_schema();
	icp_pspec *p = make_spec(s, 7), *p2 = NULL;
	const icp_pspec *got = NULL;
	const icp_pspec *const *all;
	const char *const two[] = {"month(ts)", "truncate(4, name)"};
	icp_ice_metadata *m = NULL, *m2 = NULL, *m3 = NULL;
	icp_ice_commit c;
	icp_error err;
	icp_buf b;
	size_t n = 0;
	int32_t last;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_metadata_create_spec(s, p, "file:///wh/t", NULL, &b, &err), ICP_OK);
	CHECK_CONTAINS((char *)b.data, "\"default-spec-id\":0,\"partition-specs\":[{\"spec-id\":0,"
	                               "\"fields\":[{\"name\":\"ts_day\",\"transform\":\"day\","
	                               "\"source-id\":3,\"field-id\":1000}");
	CHECK_CONTAINS((char *)b.data, "\"last-partition-id\":1006");
	m = parse_buf(&b);
	CHECK(m != NULL);
	if (!m)
		goto out;
	CHECK_EQ_INT(icp_ice_metadata_default_spec_id(m), 0);
	CHECK_EQ_INT(icp_ice_metadata_last_partition_id(m), 1006);
	CHECK_EQ_INT(icp_ice_metadata_spec(m, 0, &got, &err), ICP_OK);
	CHECK(got && got->n_fields == 7 && got->fields[6].source_type.kind == ICP_ICE_UUID);
	CHECK_EQ_INT(icp_ice_metadata_spec(m, 1, &got, &err), ICP_ERR_NOT_FOUND);

	/* add a second spec (ids reused where source+transform match) */
	CHECK_EQ_INT(icp_pspec_build(s, two, 2, 0, 999, &p2, &err), ICP_OK);
	all = icp_ice_metadata_specs(m, &n);
	last = icp_ice_metadata_last_partition_id(m);
	CHECK_EQ_INT(icp_pspec_assign_field_ids(p2, all, n, &last, &err), ICP_OK);
	CHECK_EQ_INT(last, 1008);
	memset(&c, 0, sizeof(c));
	c.assert_default_spec = 1;
	c.assert_default_spec_id = 0;
	c.assert_last_partition = 1;
	c.last_assigned_partition_id = 1006;
	c.add_spec = p2;
	c.set_default_spec = 1;
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	m2 = parse_buf(&b);
	CHECK(m2 != NULL);
	if (!m2)
		goto out;
	CHECK_EQ_INT(icp_ice_metadata_default_spec_id(m2), 1);
	CHECK_EQ_INT(icp_ice_metadata_last_partition_id(m2), 1008);
	all = icp_ice_metadata_specs(m2, &n);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(icp_ice_metadata_spec(m2, 1, &got, &err), ICP_OK);
	CHECK(got && got->n_fields == 2 && got->fields[0].field_id == 1007);
	CHECK_EQ_INT(icp_ice_metadata_spec(m2, 0, &got, &err), ICP_OK); /* old spec kept */

	/* the requirements now fail against m2 */
	icp_buf_reset(&b);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m2, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-default-spec-id failed: expected 0, table has 1");
	c.assert_default_spec_id = 1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m2, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-last-assigned-partition-id failed: expected 1006, table "
	                        "has 1008");

	/* an identical spec (spec 0's) is reused: made default, not added */
	memset(&c, 0, sizeof(c));
	c.add_spec = p;
	c.set_default_spec = 1;
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_metadata_apply(m2, &c, &b, &err), ICP_OK);
	m3 = parse_buf(&b);
	CHECK(m3 != NULL);
	if (m3) {
		icp_ice_metadata_specs(m3, &n);
		CHECK_EQ_INT(n, 2);
		CHECK_EQ_INT(icp_ice_metadata_default_spec_id(m3), 0);
		CHECK_EQ_INT(icp_ice_metadata_last_partition_id(m3), 1008);
	}
	/* default by id: unknown id refused */
	memset(&c, 0, sizeof(c));
	c.set_default_spec = 1;
	c.default_spec_id = 9;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m2, &c, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "no partition spec 9");
	/* a field id another spec gives to another field */
	memset(&c, 0, sizeof(c));
	p2->fields[1].field_id = 1001; /* spec 0's field "name" */
	c.add_spec = p2;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m2, &c, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field name_trunc has field id 1001, which spec 0 gives to name");
	/* a spec on a column the schema does not have */
	p2->fields[1].field_id = 1008;
	p2->fields[1].source_id = 99;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m2, &c, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "add-spec: partition spec 0 field \"name_trunc\": source-id 99");
out:
	icp_ice_metadata_free(m);
	icp_ice_metadata_free(m2);
	icp_ice_metadata_free(m3);
	icp_buf_dispose(&b);
	icp_pspec_free(p);
	icp_pspec_free(p2);
	icp_ice_schema_free(s);
}

static void test_metadata_v1_and_unbound(void)
{
	static const char v1[] =
	        "{\"format-version\":1,\"location\":\"file:///wh/t\",\"last-updated-ms\":1,"
	        "\"last-column-id\":2,\"schema\":{\"type\":\"struct\",\"fields\":["
	        "{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"int\"},"
	        "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"string\"}]},"
	        "\"partition-spec\":[{\"name\":\"b\",\"transform\":\"identity\",\"source-id\":2}]}";
	static const char v2[] =
	        "{\"format-version\":2,\"table-uuid\":\"u\",\"location\":\"file:///wh/t\","
	        "\"last-sequence-number\":0,\"last-updated-ms\":1,\"last-column-id\":2,"
	        "\"current-schema-id\":0,\"schemas\":[{\"type\":\"struct\",\"schema-id\":0,"
	        "\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"int\"}]}],"
	        "\"default-spec-id\":2,\"last-partition-id\":1001,\"partition-specs\":["
	        "{\"spec-id\":0,\"fields\":[{\"name\":\"b\",\"transform\":\"identity\","
	        "\"source-id\":2,\"field-id\":1000}]},{\"spec-id\":2,\"fields\":[{\"name\":\"z\","
	        "\"transform\":\"zorder\",\"source-id\":1,\"field-id\":1001}]}]}";
	icp_ice_metadata *m = NULL;
	const icp_pspec *got = NULL;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_parse(v1, sizeof(v1) - 1, NULL, &m, &err), ICP_OK);
	if (m) {
		CHECK_EQ_INT(icp_ice_metadata_default_spec_id(m), 0);
		CHECK_EQ_INT(icp_ice_metadata_last_partition_id(m), 1000);
		CHECK_EQ_INT(icp_ice_metadata_spec(m, 0, &got, &err), ICP_OK);
		CHECK(got && got->n_fields == 1 && got->fields[0].field_id == 1000 &&
		      got->fields[0].source_type.kind == ICP_ICE_STRING);
	}
	icp_ice_metadata_free(m);
	m = NULL;
	/* spec 0's column is gone and spec 2's transform is unknown: parsed,
	 * but neither can be written with */
	CHECK_EQ_INT(icp_ice_metadata_parse(v2, sizeof(v2) - 1, NULL, &m, &err), ICP_OK);
	if (m) {
		CHECK_EQ_INT(icp_ice_metadata_default_spec_id(m), 2);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_ice_metadata_spec(m, 0, &got, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "partition spec 0");
		icp_error_init(&err);
		CHECK_EQ_INT(icp_ice_metadata_spec(m, 2, &got, &err), ICP_ERR_UNSUPPORTED);
	}
	icp_ice_metadata_free(m);
	m = NULL;
	/* a default spec id that is not there */
	{
		char bad[sizeof(v2)];
		memcpy(bad, v2, sizeof(v2));
		memcpy(strstr(bad, "\"default-spec-id\":2") + 18, "5", 1);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_ice_metadata_parse(bad, sizeof(bad) - 1, NULL, &m, &err),
		             ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "default-spec-id 5");
	}
}

static void test_rest_json(void)
{
	icp_ice_schema *s = make_schema();
	const char *const one[] = {"bucket(8, id)"};
	icp_pspec *p = NULL;
	icp_ice_commit c;
	icp_error err;
	icp_buf b;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_build(s, one, 1, 0, 1006, &p, &err), ICP_OK);
	memset(&c, 0, sizeof(c));
	c.assert_default_spec = 1;
	c.assert_default_spec_id = 0;
	c.assert_last_partition = 1;
	c.last_assigned_partition_id = 1006;
	c.add_spec = p;
	c.set_default_spec = 1;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &b), ICP_OK);
	CHECK_EQ_STR((char *)b.data,
	             "{\"requirements\":[{\"type\":\"assert-default-spec-id\",\"default-spec-id\":0},"
	             "{\"type\":\"assert-last-assigned-partition-id\","
	             "\"last-assigned-partition-id\":1006}],\"updates\":[{\"action\":\"add-spec\","
	             "\"spec\":{\"spec-id\":0,\"fields\":[{\"name\":\"id_bucket\",\"transform\":"
	             "\"bucket[8]\",\"source-id\":1,\"field-id\":1007}]}},{\"action\":"
	             "\"set-default-spec\",\"spec-id\":-1}]}");
	/* a spec the table has: made default by id */
	memset(&c, 0, sizeof(c));
	c.set_default_spec = 1;
	c.default_spec_id = 3;
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &b), ICP_OK);
	CHECK_EQ_STR((char *)b.data, "{\"requirements\":[],\"updates\":[{\"action\":"
	                             "\"set-default-spec\",\"spec-id\":3}]}");
	icp_buf_dispose(&b);
	icp_pspec_free(p);
	icp_ice_schema_free(s);
}

int main(void)
{
	TEST_RUN(test_manifest_roundtrip);
	TEST_RUN(test_manifest_errors);
	TEST_RUN(test_list_roundtrip);
	TEST_RUN(test_metadata_specs);
	TEST_RUN(test_metadata_v1_and_unbound);
	TEST_RUN(test_rest_json);
	return TEST_DONE();
}
