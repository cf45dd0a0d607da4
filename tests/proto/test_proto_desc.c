/*
 * src/proto/proto_desc.c and the wire reader of proto_int.h: varints and
 * tags at their edges, descriptor parsing and name resolution, Confluent
 * message indexes, malformed descriptors.
 */
#include "proto/proto_int.h"
#include "proto_fixture.h"
#include "test.h"

static int varint_of(const char *bytes, size_t n, uint64_t *v, size_t *used)
{
	const uint8_t *p = (const uint8_t *)bytes;
	int r = icp_pb_varint(&p, p + n, v);
	*used = (size_t)(p - (const uint8_t *)bytes);
	return r;
}

static void test_wire(void)
{
	uint64_t v;
	size_t used;
	uint32_t num = 0;
	int wt = -1;
	const uint8_t *p;

	CHECK_EQ_INT(varint_of("\x00", 1, &v, &used), 0);
	CHECK(v == 0 && used == 1);
	CHECK_EQ_INT(varint_of("\xac\x02", 2, &v, &used), 0);
	CHECK(v == 300 && used == 2);
	/* the largest: ten bytes, the last one 1 */
	CHECK_EQ_INT(varint_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &v, &used), 0);
	CHECK(v == UINT64_MAX && used == 10);
	/* more than 64 bits, an 11th byte, truncation */
	CHECK_EQ_INT(varint_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &v, &used), -2);
	CHECK_EQ_INT(varint_of("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, &v, &used),
	             -2);
	CHECK_EQ_INT(varint_of("\x80\x80", 2, &v, &used), -1);
	CHECK_EQ_INT(varint_of("", 0, &v, &used), -1);
	CHECK_EQ_INT(icp_pb_unzigzag64(1), -1);
	CHECK_EQ_INT(icp_pb_unzigzag64(4), 2);
	CHECK(icp_pb_unzigzag64(UINT64_MAX) == INT64_MIN);
	CHECK_EQ_INT(icp_pb_unzigzag32(UINT32_MAX), INT32_MIN);
	/* tags: number 0 and wire types */
	p = (const uint8_t *)"\x08";
	CHECK_EQ_INT(icp_pb_tag(&p, p + 1, &num, &wt), 0);
	CHECK(num == 1 && wt == 0);
	p = (const uint8_t *)"\x02";
	CHECK_EQ_INT(icp_pb_tag(&p, p + 1, &num, &wt), -2);
	/* values: LEN past the end, short fixed, groups */
	p = (const uint8_t *)"\x05xy";
	CHECK_EQ_INT(icp_pb_value(&p, p + 3, PB_LEN, &v), -1);
	p = (const uint8_t *)"\x02xy";
	CHECK_EQ_INT(icp_pb_value(&p, p + 3, PB_LEN, &v), 0);
	CHECK(v == 2 && *p == 'x');
	p = (const uint8_t *)"\x01\x02\x03";
	CHECK_EQ_INT(icp_pb_value(&p, p + 3, PB_I32, &v), -1);
	p = (const uint8_t *)"\x01\x02\x03\x04";
	CHECK_EQ_INT(icp_pb_value(&p, p + 4, PB_I32, &v), 0);
	CHECK(v == 0x04030201);
	p = (const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07";
	CHECK_EQ_INT(icp_pb_value(&p, p + 7, PB_I64, &v), -1);
	CHECK_EQ_INT(icp_pb_value(&p, p + 7, PB_SGROUP, &v), -2);
	CHECK_EQ_INT(icp_pb_value(&p, p + 7, 6, &v), -2);
}

static void test_schema(void)
{
	fixture fx;
	icp_error err;
	const icp_proto_msg *m;
	int32_t idx[3];

	icp_error_init(&err);
	CHECK_EQ_INT(fixture_init(&fx, &err), ICP_OK);
	CHECK_EQ_STR(err.msg, "");
	CHECK_EQ_INT(icp_proto_message(fx.s, NULL, 0, &m, &err), ICP_OK);
	CHECK_EQ_STR(icp_proto_msg_name(m), ".t.M");
	CHECK_EQ_INT(m->n_fields, 22);
	CHECK(m->dense != NULL);
	/* resolution: enum, nested, relative, dependency, built-ins, map */
	CHECK(m->fields[3].en && m->fields[3].type == PB_T_ENUM);
	CHECK_EQ_STR(m->fields[4].msg->full_name, ".t.M.N");
	CHECK(m->fields[20].msg == m->fields[4].msg && m->fields[20].type == PB_T_MESSAGE);
	CHECK_EQ_STR(m->fields[19].msg->full_name, ".dep.D");
	CHECK_EQ_INT(m->fields[9].wkt, PB_WKT_TIMESTAMP);
	CHECK_EQ_INT(m->fields[10].wkt, PB_WKT_STRING);
	CHECK(m->fields[5].is_map && !m->fields[2].is_map);
	/* presence: proto3 implicit; optional, oneof and messages explicit */
	CHECK(!m->fields[0].explicit_presence && m->fields[6].explicit_presence);
	CHECK(m->fields[7].explicit_presence && m->fields[4].explicit_presence);
	idx[0] = 0;
	idx[1] = 1;
	CHECK_EQ_INT(icp_proto_message(fx.s, idx, 2, &m, &err), ICP_OK);
	CHECK_EQ_STR(icp_proto_msg_name(m), ".t.M.MpEntry");
	idx[0] = 4;
	CHECK_EQ_INT(icp_proto_message(fx.s, idx, 1, &m, &err), ICP_OK);
	CHECK_EQ_STR(icp_proto_msg_name(m), ".t.U");
	CHECK(m->fields[0].msg == NULL && m->fields[0].wkt == 0); /* unresolved: later */
	idx[0] = 5;
	CHECK_EQ_INT(icp_proto_message(fx.s, idx, 1, &m, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "index 5");
	icp_error_init(&err);
	idx[0] = 0;
	idx[1] = 0;
	idx[2] = 0; /* N has no nested types */
	CHECK_EQ_INT(icp_proto_message(fx.s, idx, 3, &m, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, ".t.M.N");
	fixture_dispose(&fx);
}

static int indexes(const char *b, size_t n, int32_t *idx, size_t cap, size_t *cnt,
                   size_t *used, icp_error *err)
{
	const uint8_t *p = (const uint8_t *)b;
	int rc;

	icp_error_init(err);
	rc = icp_proto_read_indexes(&p, p + n, idx, cap, cnt, err);
	*used = (size_t)(p - (const uint8_t *)b);
	return rc;
}

static void test_indexes(void)
{
	int32_t idx[4];
	size_t n, used;
	icp_error err;

	CHECK_EQ_INT(indexes("\x00\x08", 2, idx, 4, &n, &used, &err), ICP_OK);
	CHECK(n == 1 && idx[0] == 0 && used == 1);
	CHECK_EQ_INT(indexes("\x02\x02", 2, idx, 4, &n, &used, &err), ICP_OK);
	CHECK(n == 1 && idx[0] == 1 && used == 2);
	CHECK_EQ_INT(indexes("\x04\x02\x04", 3, idx, 4, &n, &used, &err), ICP_OK);
	CHECK(n == 2 && idx[0] == 1 && idx[1] == 2 && used == 3);
	CHECK_EQ_INT(indexes("\x01", 1, idx, 4, &n, &used, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "negative");
	CHECK_EQ_INT(indexes("\x04\x02", 2, idx, 4, &n, &used, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "truncated");
	CHECK_EQ_INT(indexes("\x04\x02\x03", 3, idx, 4, &n, &used, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(indexes("\x0a\x00\x00\x00\x00\x00", 6, idx, 4, &n, &used, &err),
	             ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(indexes("", 0, idx, 4, &n, &used, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(used, 0);
}

/* Compiles one main file made of a message with the given fields. */
static int one_message(void (*fields)(icp_buf *), icp_error *err)
{
	icp_buf f, m;
	icp_slice s;
	icp_proto_schema *sc = NULL;
	int rc;

	icp_buf_init(&f, 0);
	icp_buf_init(&m, 0);
	pb_str(&m, 1, "X");
	fields(&m);
	pb_sub(&f, 4, &m);
	s = icp_slice_make(f.data, f.len);
	icp_error_init(err);
	rc = icp_proto_schema_new(&s, 1, &sc, err);
	icp_proto_schema_free(sc);
	icp_buf_dispose(&f);
	icp_buf_dispose(&m);
	return rc;
}

static void f_group(icp_buf *m)
{
	pb_field_desc(m, "g", 1, L_OPT, T_GROUP, ".X", -1, 0);
}
static void f_dup(icp_buf *m)
{
	pb_field_desc(m, "a", 3, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(m, "b", 3, L_OPT, T_INT32, NULL, -1, 0);
}
static void f_dup_sparse(icp_buf *m)
{
	pb_field_desc(m, "a", 100000, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(m, "b", 5, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(m, "c", 100000, L_OPT, T_INT32, NULL, -1, 0);
}
static void f_zero(icp_buf *m)
{
	pb_field_desc(m, "a", 0, L_OPT, T_INT32, NULL, -1, 0);
}
static void f_badtype(icp_buf *m)
{
	pb_field_desc(m, "a", 1, L_OPT, 19, NULL, -1, 0);
}
static void f_noname(icp_buf *m)
{
	icp_buf f;
	icp_buf_init(&f, 0);
	pb_uv(&f, 3, 1);
	pb_uv(&f, 5, T_INT32);
	pb_sub(m, 2, &f);
	icp_buf_dispose(&f);
}
static void f_sparse_ok(icp_buf *m)
{
	pb_field_desc(m, "a", 536870911, L_OPT, T_INT32, NULL, -1, 0);
	pb_field_desc(m, "b", 7, L_OPT, T_INT32, NULL, -1, 0);
}

static void test_bad_descriptors(void)
{
	icp_error err;
	icp_proto_schema *s = NULL;
	icp_slice sl;
	fixture fx;
	size_t cut, corrupt = 0;

	CHECK_EQ_INT(one_message(f_group, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "X.g: groups are not supported");
	CHECK_EQ_INT(one_message(f_dup, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field number 3 used twice");
	CHECK_EQ_INT(one_message(f_dup_sparse, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field number 100000 used twice");
	CHECK_EQ_INT(one_message(f_zero, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, ".X.a: bad number");
	CHECK_EQ_INT(one_message(f_badtype, &err), ICP_ERR_INVALID);
	CHECK_EQ_INT(one_message(f_noname, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field without a name");
	CHECK_EQ_INT(one_message(f_sparse_ok, &err), ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_proto_schema_new(NULL, 0, &s, &err), ICP_ERR_INVALID);
	/* every truncation of the main file fails cleanly or parses a prefix */
	fixture_files(&fx);
	for (cut = 0; cut < fx.main.len; cut++) {
		int rc;
		sl = icp_slice_make(fx.main.data, cut);
		icp_error_init(&err);
		rc = icp_proto_schema_new(&sl, 1, &s, &err);
		CHECK(rc == ICP_OK || (rc == ICP_ERR_CORRUPT && strstr(err.msg, "truncated")) ||
		      rc == ICP_ERR_INVALID);
		CHECK(rc == ICP_OK || err.msg[0]);
		if (rc == ICP_ERR_CORRUPT && strstr(err.msg, "file 0"))
			corrupt++;
		icp_proto_schema_free(s);
		s = NULL;
	}
	CHECK(corrupt > fx.main.len / 2);
	fixture_dispose(&fx);
}

int main(void)
{
	TEST_RUN(test_wire);
	TEST_RUN(test_schema);
	TEST_RUN(test_indexes);
	TEST_RUN(test_bad_descriptors);
	return TEST_DONE();
}
