/* Unit tests of the coord JSON values (src/coord/codec.c): lease and
 * offset values exactly as compatibility.md documents them, and the
 * KafScale metadata snapshot parser. */
#include "coord/coord.h"
#include "test.h"

static icp_slice S(const char *s)
{
	return icp_slice_cstr(s);
}

static void test_lease_value(void)
{
	icp_coord_lease_value v = {"host-1", 1700000000123LL, 7}, back;
	icp_arena *a = icp_arena_new(0);
	icp_buf b;
	icp_error err;

	icp_buf_init(&b, 4096);
	CHECK_EQ_INT(icp_coord_lease_encode(&v, &b), ICP_OK);
	CHECK_EQ_STR((const char *)b.data,
	             "{\"owner_id\":\"host-1\",\"lease_expires_at\":1700000000123,\"generation\":7}");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_lease_decode(a, icp_slice_make(b.data, b.len), &back, &err), ICP_OK);
	CHECK_EQ_STR(back.owner_id, "host-1");
	CHECK_EQ_INT(back.lease_expires_at, 1700000000123LL);
	CHECK_EQ_INT(back.generation, 7);
	/* What the Go processor writes decodes too (extra members ignored). */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_lease_decode(a, S("{\"owner_id\":\"h\",\"lease_expires_at\":5,"
	                                         "\"generation\":1,\"x\":[]}"), &back, &err),
	             ICP_OK);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_lease_decode(a, S("{\"owner_id\":1,\"lease_expires_at\":5,"
	                                         "\"generation\":1}"), &back, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "owner_id");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_lease_decode(a, S("{\"owner_id\":\"h\",\"generation\":1}"), &back,
	                                    &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "lease_expires_at");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_lease_decode(a, S("[1]"), &back, &err), ICP_ERR_CORRUPT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_lease_decode(a, S("{\"owner_id\":\"h\""), &back, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "lease value");
	icp_buf_dispose(&b);
	icp_arena_free(a);
}

static void test_offset_value(void)
{
	icp_coord_offset v = {41, 1700000000000LL, 1700000000500LL}, back;
	icp_buf b;
	icp_error err;

	icp_buf_init(&b, 4096);
	CHECK_EQ_INT(icp_coord_offset_encode(&v, &b), ICP_OK);
	CHECK_EQ_STR((const char *)b.data,
	             "{\"offset\":41,\"last_timestamp_ms\":1700000000000,"
	             "\"updated_at\":1700000000500}");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_offset_decode(icp_slice_make(b.data, b.len), &back, &err), ICP_OK);
	CHECK_EQ_INT(back.offset, 41);
	CHECK_EQ_INT(back.last_timestamp_ms, 1700000000000LL);
	CHECK_EQ_INT(back.updated_at, 1700000000500LL);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_offset_decode(S("{\"offset\":\"41\",\"last_timestamp_ms\":1,"
	                                       "\"updated_at\":2}"), &back, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "\"offset\" is a string");
	icp_buf_dispose(&b);
}

static const char snap[] =
	"{\"Brokers\":[{\"NodeID\":1,\"Host\":\"b\",\"Port\":9092}],\"ControllerID\":1,"
	"\"Topics\":[{\"ErrorCode\":0,\"Topic\":\"orders\",\"IsInternal\":false,"
	"\"Partitions\":[{\"ErrorCode\":0,\"Partition\":2,\"Leader\":1},"
	"{\"ErrorCode\":0,\"Partition\":0,\"Leader\":1},"
	"{\"ErrorCode\":5,\"Partition\":1,\"Leader\":-1},"
	"{\"Partition\":0,\"Leader\":1}]},"
	"{\"ErrorCode\":3,\"Topic\":\"gone\",\"Partitions\":[{\"ErrorCode\":0,\"Partition\":0}]},"
	"{\"ErrorCode\":0,\"Topic\":\"audit\",\"Partitions\":null},"
	"{\"Topic\":\"clicks\",\"Partitions\":[{\"Partition\":0}]}],"
	"\"ClusterName\":null,\"ClusterID\":\"abc\"}";

static void test_snapshot(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_coord_tp_list l;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S(snap), 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 3); /* clicks/0, orders/0 (once), orders/2 */
	if (l.n == 3) {
		CHECK_EQ_STR(l.v[0].topic, "clicks");
		CHECK_EQ_INT(l.v[0].partition, 0);
		CHECK_EQ_STR(l.v[1].topic, "orders");
		CHECK_EQ_INT(l.v[1].partition, 0);
		CHECK_EQ_STR(l.v[2].topic, "orders");
		CHECK_EQ_INT(l.v[2].partition, 2);
	}
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S(snap), 2, &l, &err), ICP_ERR_TOO_LARGE);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{\"Topics\":null}"), 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 0);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{}"), 0, &l, &err), ICP_OK);
	CHECK_EQ_INT(l.n, 0);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{\"Topics\":{}}"), 0, &l, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "Topics is a object");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{\"Topics\":[{\"Topic\":\"a/b\"}]}"), 0, &l,
	                                      &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "Topics[0].Topic");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{\"Topics\":[{\"Topic\":\"a\",\"Partitions\":"
	                                           "[{\"Partition\":-1}]}]}"), 0, &l, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "Topics[0].Partitions[0].Partition");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{\"Topics\":[{\"Topic\":\"a\",\"Partitions\":"
	                                           "[{\"Partition\":1,\"ErrorCode\":\"x\"}]}]}"),
	                                      0, &l, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "ErrorCode");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("[]"), 0, &l, &err), ICP_ERR_CORRUPT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_coord_parse_snapshot(a, S("{\"Topics\":[1"), 0, &l, &err),
	             ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "metadata snapshot");
	icp_arena_free(a);
}

int main(void)
{
	TEST_RUN(test_lease_value);
	TEST_RUN(test_offset_value);
	TEST_RUN(test_snapshot);
	return TEST_DONE();
}
