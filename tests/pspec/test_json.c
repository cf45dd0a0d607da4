/* Partition specs as JSON: write, parse, round trip, lenient reading of
 * other writers' specs, errors naming the JSON path; spec comparison and
 * field-id reuse across specs. */
#include "pspec/pspec.h"
#include "test.h"

static char msg[1024];

static icp_ice_schema *schema(void)
{
	static const char *const cols[][2] = {
		{"id", "long"}, {"name", "string"}, {"ts", "timestamptz"}, {"d", "date"},
	};
	icp_ice_schema *s = icp_ice_schema_new(0);
	icp_ice_type t;

	for (size_t i = 0; i < ICP_ARRAY_LEN(cols); i++) {
		icp_ice_parse_primitive(cols[i][1], &t);
		icp_ice_schema_add(s, (int32_t)i + 1, cols[i][0], 0, &t);
	}
	return s;
}

static icp_pspec *build(const icp_ice_schema *s, const char *const *ex, size_t n,
                        int32_t spec_id)
{
	icp_pspec *p = NULL;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_build(s, ex, n, spec_id, 999, &p, &err), ICP_OK);
	return p;
}

/* Parses JSON text into a spec (arena kept only during the call). */
static int from_text(const char *text, const char *path, icp_pspec **out)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	icp_error err;
	int rc;

	icp_error_init(&err);
	rc = icp_json_parse(a, text, strlen(text), NULL, &root, &err);
	CHECK_EQ_INT(rc, ICP_OK);
	if (rc == ICP_OK)
		rc = icp_pspec_from_json(root, path, out, &err);
	snprintf(msg, sizeof(msg), "%s", err.msg);
	icp_arena_free(a);
	return rc;
}

static void to_text(const icp_pspec *p, icp_buf *b, int fields_only)
{
	icp_json_writer w;

	icp_buf_reset(b);
	icp_json_writer_init(&w, b, 0);
	if (fields_only)
		icp_pspec_write_fields_json(p, &w);
	else
		icp_pspec_write_json(p, &w);
	CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_OK);
	icp_buf_append_byte(b, 0);
}

static void test_write_and_round_trip(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"day(ts)", "bucket(16, id)", "truncate(3, name)", "d", "void(id)"};
	icp_pspec *p = build(s, ex, 5, 2), *q = NULL;
	icp_buf b;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	to_text(p, &b, 0);
	CHECK_EQ_STR((char *)b.data,
	             "{\"spec-id\":2,\"fields\":["
	             "{\"name\":\"ts_day\",\"transform\":\"day\",\"source-id\":3,\"field-id\":1000},"
	             "{\"name\":\"id_bucket\",\"transform\":\"bucket[16]\",\"source-id\":1,"
	             "\"field-id\":1001},"
	             "{\"name\":\"name_trunc\",\"transform\":\"truncate[3]\",\"source-id\":2,"
	             "\"field-id\":1002},"
	             "{\"name\":\"d\",\"transform\":\"identity\",\"source-id\":4,\"field-id\":1003},"
	             "{\"name\":\"id_null\",\"transform\":\"void\",\"source-id\":1,"
	             "\"field-id\":1004}]}");
	CHECK_EQ_INT(from_text((char *)b.data, NULL, &q), ICP_OK);
	CHECK(icp_pspec_equal(p, q, 1));
	if (q) {
		CHECK_EQ_INT(q->spec_id, 2);
		CHECK_EQ_INT(q->fields[1].transform, ICP_PSPEC_BUCKET);
		CHECK_EQ_INT(q->fields[1].param, 16);
		CHECK_EQ_INT(q->fields[4].field_id, 1004);
		CHECK_EQ_INT(q->fields[0].source_type.kind, 0); /* not bound */
		icp_error err;
		icp_error_init(&err);
		CHECK_EQ_INT(icp_pspec_bind(q, s, &err), ICP_OK);
		CHECK_EQ_INT(q->fields[0].source_type.kind, ICP_ICE_TIMESTAMPTZ);
	}
	to_text(p, &b, 1);
	CHECK(b.len > 0 && b.data[0] == '[');
	icp_pspec_free(q);
	q = NULL;
	CHECK_EQ_INT(from_text((char *)b.data, NULL, &q), ICP_OK);
	CHECK(icp_pspec_equal(p, q, 1));
	CHECK(q && q->spec_id == 0);
	icp_pspec_free(q);

	/* the unpartitioned spec */
	icp_pspec_free(p);
	p = build(s, ex, 0, 0);
	to_text(p, &b, 0);
	CHECK_EQ_STR((char *)b.data, "{\"spec-id\":0,\"fields\":[]}");
	icp_pspec_free(p);
	icp_buf_dispose(&b);
	icp_ice_schema_free(s);
}

static void test_lenient_reading(void)
{
	icp_pspec *q = NULL;
	icp_error err;

	/* v1: no field-id; transform case as Java accepts it; unknown kept. */
	CHECK_EQ_INT(from_text("{\"spec-id\":1,\"fields\":["
	                       "{\"name\":\"a\",\"transform\":\"Bucket[8]\",\"source-id\":1},"
	                       "{\"name\":\"z\",\"transform\":\"zorder[3]\",\"source-id\":2},"
	                       "{\"name\":\"m\",\"transform\":\"multi\",\"source-ids\":[3,4]},"
	                       "{\"name\":\"s\",\"transform\":\"day\",\"source-ids\":[3]}]}",
	                       NULL, &q), ICP_OK);
	if (q) {
		CHECK_EQ_INT(q->n_fields, 4);
		CHECK_EQ_INT(q->fields[0].field_id, 1000);
		CHECK_EQ_INT(q->fields[1].field_id, 1001);
		CHECK_EQ_INT(q->fields[0].transform, ICP_PSPEC_BUCKET);
		CHECK_EQ_STR(q->fields[0].transform_text, "bucket[8]");
		CHECK_EQ_INT(q->fields[1].transform, ICP_PSPEC_UNKNOWN);
		CHECK_EQ_STR(q->fields[1].transform_text, "zorder[3]");
		CHECK_EQ_INT(q->fields[2].transform, ICP_PSPEC_UNKNOWN);
		CHECK_EQ_INT(q->fields[2].source_id, 3);
		CHECK_EQ_INT(q->fields[3].transform, ICP_PSPEC_DAY);
		CHECK_EQ_INT(q->fields[3].source_id, 3);
		/* unknown transforms cannot be written with */
		icp_error_init(&err);
		icp_ice_schema *s = schema();
		CHECK_EQ_INT(icp_pspec_bind(q, s, &err), ICP_ERR_UNSUPPORTED);
		CHECK_EQ_STR(err.msg, "partition spec 1 field \"z\": transform \"zorder[3]\" is "
		                      "unknown to this processor, and writers must not use it");
		icp_ice_schema_free(s);
	}
	icp_pspec_free(q);
	q = NULL;
	/* bad parameters are unknown transforms too, not errors */
	CHECK_EQ_INT(from_text("[{\"name\":\"a\",\"transform\":\"bucket[0]\",\"source-id\":1},"
	                       "{\"name\":\"b\",\"transform\":\"truncate[x]\",\"source-id\":1},"
	                       "{\"name\":\"c\",\"transform\":\"bucket[2147483648]\","
	                       "\"source-id\":1}]", NULL, &q), ICP_OK);
	if (q) {
		CHECK_EQ_INT(q->fields[0].transform, ICP_PSPEC_UNKNOWN);
		CHECK_EQ_INT(q->fields[1].transform, ICP_PSPEC_UNKNOWN);
		CHECK_EQ_INT(q->fields[2].transform, ICP_PSPEC_UNKNOWN);
	}
	icp_pspec_free(q);
}

static void expect_corrupt(const char *json, const char *text)
{
	icp_pspec *q = (icp_pspec *)1;

	CHECK_EQ_INT(from_text(json, "partition-specs.1", &q), ICP_ERR_CORRUPT);
	CHECK(q == NULL);
	CHECK_EQ_STR(msg, text);
}

static void test_errors(void)
{
	expect_corrupt("3", "partition-specs.1: expected a partition spec object or a fields "
	                    "array");
	expect_corrupt("{\"fields\":[]}", "partition-specs.1.spec-id: missing");
	expect_corrupt("{\"spec-id\":\"0\",\"fields\":[]}",
	               "partition-specs.1.spec-id: expected a 32-bit int");
	expect_corrupt("{\"spec-id\":0}", "partition-specs.1.fields: expected an array");
	expect_corrupt("{\"spec-id\":0,\"fields\":[1]}",
	               "partition-specs.1.fields.0: expected an object");
	expect_corrupt("{\"spec-id\":0,\"fields\":[{\"transform\":\"day\",\"source-id\":1}]}",
	               "partition-specs.1.fields.0.name: expected a non-empty string");
	expect_corrupt("{\"spec-id\":0,\"fields\":[{\"name\":\"a\",\"source-id\":1}]}",
	               "partition-specs.1.fields.0.transform: expected a non-empty string");
	expect_corrupt("{\"spec-id\":0,\"fields\":[{\"name\":\"a\",\"transform\":\"day\"}]}",
	               "partition-specs.1.fields.0.source-ids: missing (a field needs "
	               "source-id or source-ids)");
	expect_corrupt("{\"spec-id\":0,\"fields\":[{\"name\":\"a\",\"transform\":\"day\","
	               "\"source-id\":1,\"field-id\":4294967296}]}",
	               "partition-specs.1.fields.0.field-id: expected a 32-bit int");
	expect_corrupt("{\"spec-id\":0,\"fields\":[{\"name\":\"a\",\"transform\":\"day\","
	               "\"source-ids\":[\"x\"]}]}",
	               "partition-specs.1.fields.0.source-ids.0: expected a 32-bit int");
	expect_corrupt("{\"spec-id\":0,\"fields\":["
	               "{\"name\":\"a\",\"transform\":\"day\",\"source-id\":1,\"field-id\":7},"
	               "{\"name\":\"b\",\"transform\":\"hour\",\"source-id\":1,\"field-id\":7}]}",
	               "partition-specs.1.fields.1.field-id: duplicate partition field id");
	expect_corrupt("[{\"name\":\"a\",\"transform\":\"day\",\"source-id\":true}]",
	               "partition-specs.1.0.source-id: expected a 32-bit int");
}

static void test_equal_and_find(void)
{
	icp_ice_schema *s = schema();
	const char *e1[] = {"day(ts)", "bucket(16, id)"};
	const char *e2[] = {"days(ts)", "bucket(16,id)"};
	const char *e3[] = {"day(ts)", "bucket(8, id)"};
	const char *e4[] = {"bucket(16, id)", "day(ts)"};
	icp_pspec *a = build(s, e1, 2, 0), *b = build(s, e2, 2, 5), *c = build(s, e3, 2, 1),
	          *d = build(s, e4, 2, 2), *u = build(s, e1, 0, 3);
	const icp_pspec *all[] = {u, c, d, a};

	CHECK(icp_pspec_equal(a, b, 1));
	CHECK(!icp_pspec_equal(a, c, 0));
	CHECK(!icp_pspec_equal(a, d, 0));
	CHECK(!icp_pspec_equal(a, u, 0));
	CHECK(icp_pspec_equal(u, u, 1));
	/* names matter only with_names */
	icp_free(b->fields[0].name);
	b->fields[0].name = icp_strdup("renamed");
	CHECK(icp_pspec_equal(a, b, 0));
	CHECK(!icp_pspec_equal(a, b, 1));
	CHECK_EQ_INT(icp_pspec_find(all, 4, b), -1);
	CHECK_EQ_INT(icp_pspec_find(all, 4, a), 3);
	CHECK_EQ_INT(icp_pspec_find(all, 3, a), -1);
	CHECK(!icp_pspec_equal(a, NULL, 0));
	icp_pspec_free(a);
	icp_pspec_free(b);
	icp_pspec_free(c);
	icp_pspec_free(d);
	icp_pspec_free(u);
	icp_ice_schema_free(s);
}

static void test_field_id_reuse(void)
{
	icp_ice_schema *s = schema();
	const char *e0[] = {"day(ts)", "bucket(16, id)"};
	const char *e1[] = {"day(ts)", "truncate(2, name)"};
	const char *want[] = {"bucket(16, id)", "d", "truncate(2, name)", "void(ts)"};
	icp_pspec *s0 = build(s, e0, 2, 0), *s1 = build(s, e1, 2, 1), *w = build(s, want, 4, 2);
	const icp_pspec *existing[2] = {s0, s1};
	int32_t last = 1001;
	icp_error err;

	/* table history: s0 = 1000 ts_day, 1001 id_bucket; s1 reuses 1000 and
	 * adds 1002 name_trunc. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_pspec_assign_field_ids(s1, existing, 1, &last, &err), ICP_OK);
	CHECK_EQ_INT(s1->fields[0].field_id, 1000);
	CHECK_EQ_INT(s1->fields[1].field_id, 1002);
	CHECK_EQ_INT(last, 1002);
	CHECK_EQ_INT(icp_pspec_assign_field_ids(w, existing, 2, &last, &err), ICP_OK);
	CHECK_EQ_INT(w->fields[0].field_id, 1001); /* from s0 */
	CHECK_EQ_INT(w->fields[1].field_id, 1003); /* new */
	CHECK_EQ_INT(w->fields[2].field_id, 1002); /* from s1 */
	CHECK_EQ_INT(w->fields[3].field_id, 1004); /* void(ts) differs from day(ts) */
	CHECK_EQ_INT(last, 1004);
	/* a stale counter below the ids in use is raised past them */
	last = 5;
	CHECK_EQ_INT(icp_pspec_assign_field_ids(w, existing, 2, &last, &err), ICP_OK);
	CHECK_EQ_INT(w->fields[1].field_id, 1003);
	CHECK_EQ_INT(last, 1004);
	/* ids run out */
	last = INT32_MAX;
	CHECK_EQ_INT(icp_pspec_assign_field_ids(w, NULL, 0, &last, &err), ICP_ERR_TOO_LARGE);
	icp_pspec_free(s0);
	icp_pspec_free(s1);
	icp_pspec_free(w);
	icp_ice_schema_free(s);
}

static void test_copy(void)
{
	icp_ice_schema *s = schema();
	const char *ex[] = {"hour(ts)", "truncate(5, name)"};
	icp_pspec *p = build(s, ex, 2, 4), *c = icp_pspec_copy(p);

	CHECK(c && c != p);
	CHECK(icp_pspec_equal(p, c, 1));
	CHECK(c && c->fields[0].name != p->fields[0].name);
	CHECK(c && c->spec_id == 4 && c->fields[1].field_id == 1001);
	CHECK(icp_pspec_copy(NULL) == NULL);
	icp_pspec_free(p);
	icp_pspec_free(c);
	icp_ice_schema_free(s);
}

static void test_alloc_failures(void)
{
	static const char text[] =
		"{\"spec-id\":1,\"fields\":["
		"{\"name\":\"a\",\"transform\":\"bucket[8]\",\"source-id\":1,\"field-id\":1000},"
		"{\"name\":\"z\",\"transform\":\"zorder\",\"source-id\":2,\"field-id\":1001}]}";
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	icp_error err;
	int ok = 0;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(a, text, strlen(text), NULL, &root, &err), ICP_OK);
	for (long n = 1; n < 40 && !ok && root; n++) {
		icp_pspec *p = NULL, *c;
		int rc;
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_pspec_from_json(root, NULL, &p, &err);
		icp_alloc_fail_after(0);
		if (rc == ICP_OK) {
			ok = 1;
			/* and copying fails cleanly too */
			for (long m = 1; m < 10; m++) {
				icp_alloc_fail_after(m);
				c = icp_pspec_copy(p);
				icp_alloc_fail_after(0);
				icp_pspec_free(c);
			}
		} else {
			CHECK(rc == ICP_ERR_NOMEM && p == NULL);
		}
		icp_pspec_free(p);
	}
	CHECK(ok);
	icp_arena_free(a);
}

int main(void)
{
	TEST_RUN(test_alloc_failures);
	TEST_RUN(test_write_and_round_trip);
	TEST_RUN(test_lenient_reading);
	TEST_RUN(test_errors);
	TEST_RUN(test_equal_and_find);
	TEST_RUN(test_field_id_reuse);
	TEST_RUN(test_copy);
	return TEST_DONE();
}
