/*
 * src/proto/proto_ice.c: Iceberg columns of a message (types, ids depth-
 * first, everything optional), recursion and unresolvable types refused
 * naming the field path.
 */
#include "proto_fixture.h"
#include "test.h"

static void test_columns(void)
{
	fixture fx;
	icp_error err;
	const icp_proto_msg *m;
	icp_ice_schema *s = NULL;
	icp_buf out;

	icp_error_init(&err);
	icp_buf_init(&out, 0);
	CHECK_EQ_INT(fixture_init(&fx, &err), ICP_OK);
	CHECK_EQ_INT(icp_proto_message(fx.s, NULL, 0, &m, &err), ICP_OK);
	CHECK_EQ_INT(icp_proto_to_iceberg(m, &s, &err), ICP_OK);
	if (s) {
		CHECK_EQ_INT(icp_ice_schema_to_json(s, &out), ICP_OK);
		icp_buf_append_byte(&out, 0);
		CHECK_EQ_STR((const char *)out.data,
		             "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
		             "{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"int\"},"
		             "{\"id\":2,\"name\":\"s\",\"required\":false,\"type\":\"string\"},"
		             "{\"id\":3,\"name\":\"r\",\"required\":false,\"type\":{\"type\":\"list\","
		             "\"element-id\":4,\"element\":\"int\",\"element-required\":false}},"
		             "{\"id\":5,\"name\":\"e\",\"required\":false,\"type\":\"string\"},"
		             "{\"id\":6,\"name\":\"n\",\"required\":false,\"type\":{\"type\":\"struct\","
		             "\"fields\":[{\"id\":7,\"name\":\"x\",\"required\":false,\"type\":\"long\"}]}},"
		             "{\"id\":8,\"name\":\"mp\",\"required\":false,\"type\":{\"type\":\"map\","
		             "\"key-id\":9,\"key\":\"int\",\"value-id\":10,\"value\":\"string\","
		             "\"value-required\":false}},"
		             "{\"id\":11,\"name\":\"o\",\"required\":false,\"type\":\"int\"},"
		             "{\"id\":12,\"name\":\"c1\",\"required\":false,\"type\":\"string\"},"
		             "{\"id\":13,\"name\":\"c2\",\"required\":false,\"type\":\"long\"},"
		             "{\"id\":14,\"name\":\"ts\",\"required\":false,\"type\":\"timestamptz\"},"
		             "{\"id\":15,\"name\":\"ws\",\"required\":false,\"type\":\"string\"},"
		             "{\"id\":16,\"name\":\"b\",\"required\":false,\"type\":\"binary\"},"
		             "{\"id\":17,\"name\":\"bo\",\"required\":false,\"type\":\"boolean\"},"
		             "{\"id\":18,\"name\":\"d\",\"required\":false,\"type\":\"double\"},"
		             "{\"id\":19,\"name\":\"f\",\"required\":false,\"type\":\"float\"},"
		             "{\"id\":20,\"name\":\"u\",\"required\":false,\"type\":\"long\"},"
		             "{\"id\":21,\"name\":\"z\",\"required\":false,\"type\":\"int\"},"
		             "{\"id\":22,\"name\":\"fx\",\"required\":false,\"type\":\"long\"},"
		             "{\"id\":23,\"name\":\"sf\",\"required\":false,\"type\":\"long\"},"
		             "{\"id\":24,\"name\":\"dd\",\"required\":false,\"type\":{\"type\":\"struct\","
		             "\"fields\":[{\"id\":25,\"name\":\"y\",\"required\":false,\"type\":\"string\"}]}},"
		             "{\"id\":26,\"name\":\"rel\",\"required\":false,\"type\":{\"type\":\"struct\","
		             "\"fields\":[{\"id\":27,\"name\":\"x\",\"required\":false,\"type\":\"long\"}]}},"
		             "{\"id\":28,\"name\":\"wr\",\"required\":false,\"type\":{\"type\":\"list\","
		             "\"element-id\":29,\"element\":\"int\",\"element-required\":false}}]}");
		CHECK_EQ_INT(s->highest_field_id, 29);
	}
	icp_ice_schema_free(s);
	icp_buf_dispose(&out);
	fixture_dispose(&fx);
}

static void test_refused(void)
{
	fixture fx;
	icp_error err;
	const icp_proto_msg *m;
	icp_ice_schema *s = NULL;
	int32_t idx;

	icp_error_init(&err);
	CHECK_EQ_INT(fixture_init(&fx, &err), ICP_OK);
	idx = 1; /* R { R self } */
	CHECK_EQ_INT(icp_proto_message(fx.s, &idx, 1, &m, &err), ICP_OK);
	CHECK_EQ_INT(icp_proto_to_iceberg(m, &s, &err), ICP_ERR_INVALID);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.msg, "field self: recursive message .t.R");
	icp_error_init(&err);
	idx = 2; /* A { B b } B { A a } */
	CHECK_EQ_INT(icp_proto_message(fx.s, &idx, 1, &m, &err), ICP_OK);
	CHECK_EQ_INT(icp_proto_to_iceberg(m, &s, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field b.a: recursive message .t.A");
	icp_error_init(&err);
	idx = 4; /* U { nope.X x } */
	CHECK_EQ_INT(icp_proto_message(fx.s, &idx, 1, &m, &err), ICP_OK);
	CHECK_EQ_INT(icp_proto_to_iceberg(m, &s, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field x: unresolvable message type .nope.X");
	fixture_dispose(&fx);
}

/* Allocation failures at every step come back as NOMEM without leaks. */
static void test_nomem(void)
{
	fixture fx;
	icp_error err;
	const icp_proto_msg *m;
	icp_ice_schema *s = NULL;
	long k;
	int rc;

	icp_error_init(&err);
	CHECK_EQ_INT(fixture_init(&fx, &err), ICP_OK);
	CHECK_EQ_INT(icp_proto_message(fx.s, NULL, 0, &m, &err), ICP_OK);
	for (k = 1; k < 400; k++) {
		icp_error_init(&err);
		icp_alloc_fail_after(k);
		rc = icp_proto_to_iceberg(m, &s, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		icp_ice_schema_free(s);
		s = NULL;
		if (rc == ICP_OK)
			break;
	}
	CHECK(k > 10 && k < 400);
	fixture_dispose(&fx);
	fixture_files(&fx);
	for (k = 1; k < 400; k++) {
		icp_slice f[2] = {icp_slice_make(fx.dep.data, fx.dep.len),
		                  icp_slice_make(fx.main.data, fx.main.len)};
		icp_error_init(&err);
		icp_alloc_fail_after(k);
		rc = icp_proto_schema_new(f, 2, &fx.s, &err);
		icp_alloc_fail_after(0);
		CHECK(rc == ICP_OK || rc == ICP_ERR_NOMEM);
		if (rc == ICP_OK)
			break;
	}
	CHECK(k > 2 && k < 400);
	fixture_dispose(&fx);
}

int main(void)
{
	TEST_RUN(test_columns);
	TEST_RUN(test_refused);
	TEST_RUN(test_nomem);
	return TEST_DONE();
}
