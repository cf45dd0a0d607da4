/* Unit tests for table metadata: create -> parse, v1 parsing, apply
 * (requirements, carry-over of unknown keys, metadata-log trimming, schema
 * addition) and the REST commit body. */
#include "iceberg/iceberg.h"
#include "test.h"

static icp_ice_metadata *parse_buf(const icp_buf *b, const char *loc)
{
	icp_ice_metadata *m = NULL;
	icp_error err;

	icp_error_init(&err);
	if (icp_ice_metadata_parse((const char *)b->data, b->len, loc, &m, &err) != ICP_OK)
		fprintf(stderr, "parse: %s\n", err.msg);
	return m;
}

static icp_ice_metadata *parse_str(const char *s, const char *loc, icp_error *err)
{
	icp_ice_metadata *m = NULL;
	icp_ice_metadata_parse(s, strlen(s), loc, &m, err);
	return m;
}

static icp_ice_metadata *new_table(void)
{
	static const char *const props[] = {"write.format.default", "parquet", NULL};
	icp_ice_schema *s = icp_ice_schema_base();
	icp_ice_metadata *m;
	icp_error err;
	icp_buf b;

	icp_error_init(&err);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_metadata_create(s, "file:///wh/t", props, &b, &err), ICP_OK);
	m = parse_buf(&b, "file:///wh/t/metadata/00000-a.metadata.json");
	icp_buf_dispose(&b);
	icp_ice_schema_free(s);
	return m;
}

static void test_create_parse(void)
{
	icp_ice_metadata *m = new_table();
	const icp_json *r;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ_INT(icp_ice_metadata_format_version(m), 2);
	CHECK_EQ_INT(strlen(icp_ice_metadata_uuid(m)), 36);
	CHECK_EQ_INT(icp_ice_metadata_uuid(m)[14], '4');
	CHECK_EQ_STR(icp_ice_metadata_table_location(m), "file:///wh/t");
	CHECK_EQ_STR(icp_ice_metadata_file_location(m), "file:///wh/t/metadata/00000-a.metadata.json");
	CHECK_EQ_INT(icp_ice_metadata_last_sequence(m), 0);
	CHECK_EQ_INT(icp_ice_metadata_last_column_id(m), 8);
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), -1);
	CHECK_EQ_INT(icp_ice_metadata_schema(m)->root.n_fields, 8);
	CHECK_EQ_STR(icp_ice_metadata_property(m, "write.format.default"), "parquet");
	CHECK(icp_ice_metadata_property(m, "nope") == NULL);
	r = icp_ice_metadata_json(m);
	CHECK_EQ_INT(icp_json_get(r, "current-snapshot-id")->type, ICP_JSON_NULL);
	CHECK_EQ_INT(icp_json_get_path(r, "partition-specs.0.spec-id")->u.num.i, 0);
	CHECK_EQ_INT(icp_json_len(icp_json_get_path(r, "partition-specs.0.fields")), 0);
	CHECK_EQ_INT(icp_json_get(r, "last-partition-id")->u.num.i, 999);
	CHECK_EQ_INT(icp_json_get_path(r, "sort-orders.0.order-id")->u.num.i, 0);
	CHECK_EQ_INT(icp_json_get(r, "default-sort-order-id")->u.num.i, 0);
	CHECK_EQ_INT(icp_json_get(r, "refs")->type, ICP_JSON_OBJECT);
	CHECK_EQ_INT(icp_json_len(icp_json_get(r, "snapshots")), 0);
	CHECK(icp_ice_snapshot_id() > 0);
	icp_ice_metadata_free(m);
	icp_ice_metadata_free(NULL);
}

static void test_v1_parse(void)
{
	static const char v1[] =
		"{\"format-version\":1,\"location\":\"s3://b/t\",\"last-updated-ms\":5,"
		"\"last-column-id\":2,\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":"
		"\"a\",\"required\":true,\"type\":\"int\"},{\"id\":2,\"name\":\"b\",\"required\":false,"
		"\"type\":\"string\"}]},\"partition-spec\":[],\"current-snapshot-id\":-1,"
		"\"snapshots\":[]}";
	icp_error err;
	icp_ice_metadata *m;
	icp_buf b;
	icp_ice_commit c;

	icp_error_init(&err);
	m = parse_str(v1, NULL, &err);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ_INT(icp_ice_metadata_format_version(m), 1);
	CHECK(icp_ice_metadata_uuid(m) == NULL);
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), -1);
	CHECK_EQ_INT(icp_ice_metadata_schema(m)->root.n_fields, 2);
	memset(&c, 0, sizeof(c));
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_UNSUPPORTED);
	CHECK_CONTAINS(err.msg, "format v1");
	icp_buf_dispose(&b);
	icp_ice_metadata_free(m);

	icp_error_init(&err);
	m = parse_str("{\"format-version\":3}", NULL, &err);
	CHECK(m == NULL);
	CHECK_EQ_INT(err.status, ICP_ERR_UNSUPPORTED);
	icp_error_init(&err);
	m = parse_str("{\"format-version\":2,\"location\":\"x\"}", "file:///m.json", &err);
	CHECK(m == NULL);
	CHECK_EQ_INT(err.status, ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "table-uuid");
	CHECK_CONTAINS(err.msg, "file:///m.json");
	icp_error_init(&err);
	m = parse_str("{\"format-version\":2,", NULL, &err);
	CHECK(m == NULL);
	CHECK_EQ_INT(err.status, ICP_ERR_CORRUPT);
}

/* A v2 document another engine wrote: extra ref, statistics, a sort order,
 * an unknown key, a metadata-log with two entries and a long number. */
static const char foreign[] =
	"{\"format-version\":2,\"table-uuid\":\"9c12d441-03fe-4693-9a96-a0705ddf69c1\","
	"\"location\":\"s3://b/t\",\"last-sequence-number\":7,\"last-updated-ms\":1700000000000,"
	"\"last-column-id\":2,\"current-schema-id\":1,\"schemas\":[{\"type\":\"struct\","
	"\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"int\"}]},"
	"{\"type\":\"struct\",\"schema-id\":1,\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":"
	"true,\"type\":\"int\"},{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"string\"}]}],"
	"\"partition-specs\":[{\"spec-id\":0,\"fields\":[]}],\"default-spec-id\":0,"
	"\"last-partition-id\":999,\"properties\":{\"owner\":\"x\","
	"\"write.metadata.previous-versions-max\":\"2\"},\"current-snapshot-id\":55,"
	"\"refs\":{\"main\":{\"snapshot-id\":55,\"type\":\"branch\",\"min-snapshots-to-keep\":3},"
	"\"audit\":{\"snapshot-id\":54,\"type\":\"tag\"}},\"snapshots\":[{\"snapshot-id\":54,"
	"\"sequence-number\":6,\"timestamp-ms\":1,\"manifest-list\":\"s3://b/t/m54.avro\","
	"\"summary\":{\"operation\":\"append\"},\"schema-id\":0},{\"snapshot-id\":55,"
	"\"parent-snapshot-id\":54,\"sequence-number\":7,\"timestamp-ms\":2,\"manifest-list\":"
	"\"s3://b/t/m55.avro\",\"summary\":{\"operation\":\"append\",\"kafscale.offsets\":\"{}\"},"
	"\"schema-id\":1}],\"snapshot-log\":[{\"timestamp-ms\":2,\"snapshot-id\":55}],"
	"\"metadata-log\":[{\"timestamp-ms\":1,\"metadata-file\":\"s3://b/t/m/1.json\"},"
	"{\"timestamp-ms\":2,\"metadata-file\":\"s3://b/t/m/2.json\"}],\"sort-orders\":"
	"[{\"order-id\":0,\"fields\":[]}],\"default-sort-order-id\":0,\"statistics\":"
	"[{\"snapshot-id\":55,\"statistics-path\":\"s3://b/t/s.puffin\",\"file-size-in-bytes\":"
	"10,\"file-footer-size-in-bytes\":5,\"blob-metadata\":[]}],\"x-engine\":{\"big\":"
	"12345678901234567890123}}";

static void base_commit(icp_ice_commit *c, const icp_ice_kv *sum, size_t n_sum)
{
	memset(c, 0, sizeof(*c));
	c->assert_uuid = "9c12d441-03fe-4693-9a96-a0705ddf69c1";
	c->assert_main = 1;
	c->main_snapshot_id = 55;
	c->assert_schema = 1;
	c->current_schema_id = 1;
	c->last_assigned_field_id = 2;
	c->has_snapshot = 1;
	c->snapshot_id = 56;
	c->parent_snapshot_id = 55;
	c->sequence_number = 8;
	c->timestamp_ms = 1700000001000;
	c->manifest_list = "s3://b/t/m56.avro";
	c->snapshot_schema_id = 1;
	c->summary = sum;
	c->n_summary = n_sum;
}

static void test_accessors(void)
{
	icp_error err;
	icp_ice_metadata *m;
	icp_ice_snapshot s;

	icp_error_init(&err);
	m = parse_str(foreign, "s3://b/t/m/3.json", &err);
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ_INT(icp_ice_metadata_main_snapshot(m), 55);
	CHECK_EQ_INT(icp_ice_metadata_last_sequence(m), 7);
	CHECK_EQ_INT(icp_ice_metadata_schema(m)->schema_id, 1);
	CHECK_EQ_INT(icp_ice_metadata_schema(m)->root.n_fields, 2);
	CHECK_EQ_INT(icp_ice_metadata_max_schema_id(m), 1);
	CHECK_EQ_INT(icp_ice_metadata_snapshot(m, 55, &s), ICP_OK);
	CHECK_EQ_INT(s.parent_id, 54);
	CHECK_EQ_INT(s.sequence_number, 7);
	CHECK_EQ_STR(s.manifest_list, "s3://b/t/m55.avro");
	CHECK_EQ_INT(icp_ice_metadata_snapshot(m, 54, &s), ICP_OK);
	CHECK_EQ_INT(s.parent_id, -1);
	CHECK_EQ_INT(icp_ice_metadata_snapshot(m, 99, &s), ICP_ERR_NOT_FOUND);
	CHECK_EQ_STR(icp_ice_metadata_summary(m, 55, "kafscale.offsets"), "{}");
	CHECK(icp_ice_metadata_summary(m, 54, "kafscale.offsets") == NULL);
	icp_ice_metadata_free(m);
}

static void test_apply_requirements(void)
{
	icp_error err;
	icp_ice_metadata *m;
	icp_ice_commit c;
	icp_buf b;

	icp_error_init(&err);
	m = parse_str(foreign, "s3://b/t/m/3.json", &err);
	if (!m) {
		CHECK(m != NULL);
		return;
	}
	icp_buf_init(&b, ICP_BUF_UNLIMITED);

	base_commit(&c, NULL, 0);
	c.assert_uuid = "00000000-0000-4000-8000-000000000000";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-table-uuid failed: expected 00000000-0000-4000-8000-000000000000, "
	                        "table has 9c12d441-03fe-4693-9a96-a0705ddf69c1");

	base_commit(&c, NULL, 0);
	c.main_snapshot_id = 54;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-ref-snapshot-id failed for ref main: expected 54, table has 55");

	base_commit(&c, NULL, 0);
	c.main_snapshot_id = -1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "expected none, table has 55");

	base_commit(&c, NULL, 0);
	c.current_schema_id = 0;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-current-schema-id failed: expected 0, table has 1");

	base_commit(&c, NULL, 0);
	c.last_assigned_field_id = 3;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "assert-last-assigned-field-id failed: expected 3, table has 2");

	base_commit(&c, NULL, 0);
	c.snapshot_id = 54;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "snapshot 54 already exists");

	base_commit(&c, NULL, 0);
	c.sequence_number = 7;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "sequence-number 7 is not above the table's last-sequence-number 7");
	CHECK_EQ_INT(b.len, 0); /* nothing written on failure */

	icp_buf_dispose(&b);
	icp_ice_metadata_free(m);
}

static void test_apply_carry_over(void)
{
	static const icp_ice_kv sum[] = {{"operation", "append"}, {"added-records", "10"},
	                                 {"kafscale.offsets", "{\"t/0\":9}"}};
	static const icp_ice_kv props[] = {{"owner", "y"}, {"kafscale.v", "1"}};
	icp_error err;
	icp_ice_metadata *m, *n;
	icp_ice_commit c;
	icp_buf b;
	const icp_json *r, *snap;
	const char *text;

	icp_error_init(&err);
	m = parse_str(foreign, "s3://b/t/m/3.json", &err);
	if (!m) {
		CHECK(m != NULL);
		return;
	}
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	base_commit(&c, sum, ICP_ARRAY_LEN(sum));
	c.set_props = props;
	c.n_set_props = ICP_ARRAY_LEN(props);
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	text = (const char *)b.data;
	/* unknown keys and digits carried over verbatim */
	CHECK_CONTAINS(text, "\"x-engine\":{\"big\":12345678901234567890123}");
	CHECK_CONTAINS(text, "\"statistics\":[{\"snapshot-id\":55,\"statistics-path\"");
	CHECK_CONTAINS(text, "\"audit\":{\"snapshot-id\":54,\"type\":\"tag\"}");
	CHECK_CONTAINS(text, "\"main\":{\"snapshot-id\":56,\"type\":\"branch\",\"min-snapshots-to-keep\":3}");
	CHECK_CONTAINS(text, "{\"snapshot-id\":56,\"parent-snapshot-id\":55,\"sequence-number\":8,"
	                     "\"timestamp-ms\":1700000001000,\"manifest-list\":\"s3://b/t/m56.avro\","
	                     "\"summary\":{\"operation\":\"append\",\"added-records\":\"10\","
	                     "\"kafscale.offsets\":\"{\\\"t/0\\\":9}\"},\"schema-id\":1}");
	n = parse_buf(&b, "s3://b/t/m/4.json");
	CHECK(n != NULL);
	if (n) {
		r = icp_ice_metadata_json(n);
		CHECK_EQ_INT(icp_ice_metadata_main_snapshot(n), 56);
		CHECK_EQ_INT(icp_json_get(r, "current-snapshot-id")->u.num.i, 56);
		CHECK_EQ_INT(icp_ice_metadata_last_sequence(n), 8);
		CHECK(icp_json_get(r, "last-updated-ms")->u.num.i >= 1700000001000);
		CHECK_EQ_INT(icp_json_len(icp_json_get(r, "snapshots")), 3);
		snap = icp_json_get_path(r, "snapshot-log.1");
		CHECK_EQ_INT(icp_json_get(snap, "snapshot-id")->u.num.i, 56);
		CHECK_EQ_INT(icp_json_get(snap, "timestamp-ms")->u.num.i, 1700000001000);
		/* previous-versions-max = 2: oldest dropped, base file appended */
		CHECK_EQ_INT(icp_json_len(icp_json_get(r, "metadata-log")), 2);
		CHECK_EQ_STR(icp_json_get_path(r, "metadata-log.0.metadata-file")->u.str.ptr,
		             "s3://b/t/m/2.json");
		CHECK_EQ_STR(icp_json_get_path(r, "metadata-log.1.metadata-file")->u.str.ptr,
		             "s3://b/t/m/3.json");
		CHECK_EQ_INT(icp_json_get_path(r, "metadata-log.1.timestamp-ms")->u.num.i,
		             1700000000000);
		CHECK_EQ_STR(icp_ice_metadata_property(n, "owner"), "y");
		CHECK_EQ_STR(icp_ice_metadata_property(n, "kafscale.v"), "1");
		CHECK_EQ_STR(icp_ice_metadata_summary(n, 56, "kafscale.offsets"), "{\"t/0\":9}");
		CHECK_EQ_INT(icp_ice_metadata_schema(n)->schema_id, 1);
	}
	icp_ice_metadata_free(n);
	icp_buf_dispose(&b);
	icp_ice_metadata_free(m);
}

static void test_apply_schema(void)
{
	icp_error err;
	icp_ice_metadata *m, *n;
	icp_ice_commit c;
	icp_ice_schema *s;
	icp_ice_type t;
	icp_buf b;

	icp_error_init(&err);
	m = parse_str(foreign, "s3://b/t/m/3.json", &err);
	if (!m) {
		CHECK(m != NULL);
		return;
	}
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	/* a new schema: appended as schema 2, current, last-column-id 3 */
	s = icp_ice_schema_copy(icp_ice_metadata_schema(m));
	icp_ice_parse_primitive("long", &t);
	icp_ice_schema_add(s, 3, "c", 0, &t);
	base_commit(&c, NULL, 0);
	c.add_schema = s;
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	n = parse_buf(&b, "s3://b/t/m/4.json");
	CHECK(n != NULL);
	if (n) {
		CHECK_EQ_INT(icp_ice_metadata_current_schema_id(n), 2);
		CHECK_EQ_INT(icp_ice_metadata_last_column_id(n), 3);
		CHECK_EQ_INT(icp_ice_metadata_schema(n)->root.n_fields, 3);
		CHECK_EQ_INT(icp_json_len(icp_json_get(icp_ice_metadata_json(n), "schemas")), 3);
		CHECK_EQ_INT(icp_json_get_path(icp_ice_metadata_json(n), "snapshots.2.schema-id")->u.num.i, 2);
		/* metadata-log default (100) unless set: here the base's "2" applies */
		CHECK_EQ_INT(icp_json_len(icp_json_get(icp_ice_metadata_json(n), "metadata-log")), 2);
	}
	icp_ice_metadata_free(n);
	icp_ice_schema_free(s);

	/* an identical schema (schema 0) is reused, not appended */
	icp_buf_reset(&b);
	s = icp_ice_schema_new(7);
	icp_ice_parse_primitive("int", &t);
	icp_ice_schema_add(s, 1, "a", 1, &t);
	base_commit(&c, NULL, 0);
	c.has_snapshot = 0;
	c.add_schema = s;
	CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
	n = parse_buf(&b, NULL);
	CHECK(n != NULL);
	if (n) {
		CHECK_EQ_INT(icp_ice_metadata_current_schema_id(n), 0);
		CHECK_EQ_INT(icp_json_len(icp_json_get(icp_ice_metadata_json(n), "schemas")), 2);
		CHECK_EQ_INT(icp_ice_metadata_main_snapshot(n), 55); /* no snapshot added */
		CHECK_EQ_INT(icp_ice_metadata_last_sequence(n), 7);
	}
	icp_ice_metadata_free(n);
	icp_ice_schema_free(s);
	icp_buf_dispose(&b);
	icp_ice_metadata_free(m);
}

static void test_apply_first_snapshot_and_trim(void)
{
	icp_ice_metadata *m = new_table(), *n = NULL;
	icp_ice_commit c;
	icp_error err;
	icp_buf b;
	char loc[64];

	if (!m) {
		CHECK(m != NULL);
		return;
	}
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	/* 103 commits: the metadata-log stops at the default 100 entries */
	for (int i = 0; i < 103; i++) {
		int64_t main = icp_ice_metadata_main_snapshot(m);
		memset(&c, 0, sizeof(c));
		c.assert_uuid = icp_ice_metadata_uuid(m);
		c.assert_main = 1;
		c.main_snapshot_id = main;
		c.has_snapshot = 1;
		c.snapshot_id = icp_ice_snapshot_id();
		c.parent_snapshot_id = main;
		c.sequence_number = icp_ice_metadata_last_sequence(m) + 1;
		c.timestamp_ms = icp_now_ms();
		c.manifest_list = "file:///wh/t/metadata/snap.avro";
		c.snapshot_schema_id = 0;
		icp_buf_reset(&b);
		icp_error_init(&err);
		CHECK_EQ_INT(icp_ice_metadata_apply(m, &c, &b, &err), ICP_OK);
		snprintf(loc, sizeof(loc), "file:///wh/t/metadata/%05d.json", i + 1);
		n = parse_buf(&b, loc);
		if (!n) {
			CHECK(n != NULL);
			break;
		}
		if (i == 0) {
			const icp_json *r = icp_ice_metadata_json(n);
			CHECK(icp_json_get_path(r, "snapshots.0.parent-snapshot-id") == NULL);
			CHECK_EQ_STR(icp_json_get_path(r, "snapshots.0.summary.operation")->u.str.ptr,
			             "append");
			CHECK_EQ_INT(icp_json_get_path(r, "refs.main.snapshot-id")->u.num.i, c.snapshot_id);
		}
		CHECK_EQ_INT(icp_ice_metadata_main_snapshot(n), c.snapshot_id);
		icp_ice_metadata_free(m);
		m = n;
	}
	CHECK_EQ_INT(icp_ice_metadata_last_sequence(m), 103);
	CHECK_EQ_INT(icp_json_len(icp_json_get(icp_ice_metadata_json(m), "metadata-log")), 100);
	CHECK_EQ_STR(icp_json_get_path(icp_ice_metadata_json(m), "metadata-log.99.metadata-file")
	                     ->u.str.ptr,
	             "file:///wh/t/metadata/00102.json");
	CHECK_EQ_INT(icp_json_len(icp_json_get(icp_ice_metadata_json(m), "snapshot-log")), 103);
	icp_buf_dispose(&b);
	icp_ice_metadata_free(m);
}

static void test_rest_json(void)
{
	static const icp_ice_kv sum[] = {{"operation", "append"}, {"k", "v"}};
	static const icp_ice_kv props[] = {{"p", "q"}};
	icp_ice_schema *s = icp_ice_schema_base();
	icp_ice_commit c;
	icp_buf b;

	base_commit(&c, sum, ICP_ARRAY_LEN(sum));
	c.parent_snapshot_id = -1;
	c.main_snapshot_id = -1;
	s->schema_id = 2;
	c.add_schema = s;
	c.snapshot_schema_id = 2;
	c.set_props = props;
	c.n_set_props = 1;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &b), ICP_OK);
	CHECK_CONTAINS((char *)b.data,
	               "{\"requirements\":[{\"type\":\"assert-table-uuid\",\"uuid\":"
	               "\"9c12d441-03fe-4693-9a96-a0705ddf69c1\"},{\"type\":\"assert-ref-snapshot-id\","
	               "\"ref\":\"main\",\"snapshot-id\":null},{\"type\":\"assert-current-schema-id\","
	               "\"current-schema-id\":1},{\"type\":\"assert-last-assigned-field-id\","
	               "\"last-assigned-field-id\":2}],\"updates\":[{\"action\":\"add-schema\","
	               "\"schema\":{\"type\":\"struct\",\"schema-id\":2,\"fields\":[");
	CHECK_CONTAINS((char *)b.data,
	               "]},\"last-column-id\":8},{\"action\":\"set-current-schema\",\"schema-id\":-1},"
	               "{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":56,"
	               "\"sequence-number\":8,\"timestamp-ms\":1700000001000,\"manifest-list\":"
	               "\"s3://b/t/m56.avro\",\"summary\":{\"operation\":\"append\",\"k\":\"v\"},"
	               "\"schema-id\":2}},{\"action\":\"set-snapshot-ref\",\"ref-name\":\"main\","
	               "\"type\":\"branch\",\"snapshot-id\":56},{\"action\":\"set-properties\","
	               "\"updates\":{\"p\":\"q\"}}]}");
	/* nothing asserted, nothing updated */
	memset(&c, 0, sizeof(c));
	icp_buf_reset(&b);
	CHECK_EQ_INT(icp_ice_commit_to_rest_json(&c, &b), ICP_OK);
	CHECK_EQ_STR((char *)b.data, "{\"requirements\":[],\"updates\":[]}");
	icp_buf_dispose(&b);
	icp_ice_schema_free(s);
}

int main(void)
{
	TEST_RUN(test_create_parse);
	TEST_RUN(test_v1_parse);
	TEST_RUN(test_accessors);
	TEST_RUN(test_apply_requirements);
	TEST_RUN(test_apply_carry_over);
	TEST_RUN(test_apply_schema);
	TEST_RUN(test_apply_first_snapshot_and_trim);
	TEST_RUN(test_rest_json);
	return TEST_DONE();
}
