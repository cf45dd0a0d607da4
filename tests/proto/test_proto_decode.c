/*
 * src/proto/proto_decode.c: every type, defaults and presence, packed and
 * unpacked repeated fields, out-of-order and repeated occurrences, unknown
 * fields, maps with integer keys, Timestamp and wrappers, nested and
 * imported messages; corrupt payloads naming the byte offset and the
 * field path; limits (depth, node count).
 */
#include "proto_fixture.h"
#include "test.h"

#include <math.h>

static fixture fx;
static icp_proto_decoder *dec;
static icp_vt_doc doc;
static char json[4096];

/* Decodes b as message idx[0..n) of the fixture; the JSON goes to `json`. */
static int run(const int32_t *idx, size_t n, const icp_buf *b, icp_error *err)
{
	const icp_proto_msg *m;
	icp_buf out;
	int rc;

	icp_error_init(err);
	json[0] = 0;
	if ((rc = icp_proto_message(fx.s, idx, n, &m, err)) != ICP_OK)
		return rc;
	rc = icp_proto_decode(dec, m, b->data, b->len, &doc, err);
	if (rc != ICP_OK)
		return rc;
	icp_buf_init(&out, 0);
	icp_vt_to_json(&doc, 0, &out);
	if (out.len < sizeof(json)) {
		memcpy(json, out.data, out.len);
		json[out.len] = 0;
	}
	icp_buf_dispose(&out);
	return rc;
}

static int run_m(const icp_buf *b, icp_error *err)
{
	return run(NULL, 0, b, err);
}

static void test_defaults(void)
{
	icp_buf b;
	icp_error err;
	int32_t idx = 4;

	icp_buf_init(&b, 0);
	CHECK_EQ_INT(run_m(&b, &err), ICP_OK);
	CHECK_EQ_STR(json, "{\"a\":0,\"s\":\"\",\"r\":[],\"e\":\"Z\",\"n\":null,\"mp\":{},\"o\":null,"
	                   "\"c1\":null,\"c2\":null,\"ts\":null,\"ws\":null,\"b\":\"\",\"bo\":false,"
	                   "\"d\":0,\"f\":0,\"u\":0,\"z\":0,\"fx\":0,\"sf\":0,\"dd\":null,"
	                   "\"rel\":null,\"wr\":[]}");
	CHECK_EQ_INT(doc.nodes[0].type, ICP_VT_OBJ);
	CHECK_EQ_INT(doc.nodes[0].n, 22);
	/* an unresolved message type is fine while absent (NULL) */
	CHECK_EQ_INT(run(&idx, 1, &b, &err), ICP_OK);
	CHECK_EQ_STR(json, "{\"x\":null}");
	pb_bytes(&b, 1, "", 0);
	CHECK_EQ_INT(run(&idx, 1, &b, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "field x: unresolvable message type .nope.X");
	icp_buf_dispose(&b);
}

static void test_all_types(void)
{
	icp_buf b, s;
	icp_error err;
	const icp_vt_node *n;

	icp_buf_init(&b, 0);
	icp_buf_init(&s, 0);
	/* out of declaration order, with unknown fields between */
	pb_f64(&b, 19, (uint64_t)(int64_t)-5);
	pb_uv(&b, 99, 12345);
	pb_uv(&b, 1, (uint64_t)(int64_t)-7);
	pb_bytes(&b, 3, "\x01\x02", 2);          /* packed [1, 2] */
	pb_uv(&b, 3, 3);                         /* unpacked 3 */
	pb_str(&b, 2, "h\xc3\xa9llo");
	pb_bytes(&b, 100, "junk", 4);
	pb_uv(&b, 4, 1);
	pb_uv(&s, 1, 1);
	pb_sub(&b, 5, &s);                       /* n {x: 1}, replaced below */
	pb_uv(&s, 1, 5);
	pb_str(&s, 2, "five");
	pb_sub(&b, 6, &s);                       /* mp {5: "five"} */
	pb_uv(&s, 1, (uint64_t)(int64_t)-1);
	pb_sub(&b, 6, &s);                       /* mp {-1: ""} (value absent) */
	pb_uv(&b, 7, 0);
	pb_f32(&b, 101, 7);
	pb_uv(&b, 9, 77);
	pb_uv(&s, 1, 1);
	pb_uv(&s, 2, 5000);
	pb_sub(&b, 10, &s);                      /* ts 1 s + 5000 ns */
	pb_bytes(&b, 11, "", 0);                 /* ws present, value absent */
	pb_bytes(&b, 12, "\x00\x01", 2);
	pb_uv(&b, 13, 1);
	pb_f64(&b, 14, 0x3ff8000000000000ULL);   /* 1.5 */
	pb_f32(&b, 15, 0x3e800000);              /* 0.25f */
	pb_f64(&b, 102, 0);
	pb_uv(&b, 16, (uint64_t)INT64_MAX);
	pb_uv(&b, 17, 5);                        /* zigzag -3 */
	pb_f32(&b, 18, 0xffffffffu);
	pb_str(&s, 1, "dep");
	pb_sub(&b, 20, &s);
	pb_bytes(&b, 21, "", 0);
	pb_uv(&s, 1, 3);
	pb_sub(&b, 22, &s);
	pb_bytes(&b, 22, "", 0);
	pb_bytes(&b, 3, "\x04", 1);              /* packed again: [.., 4] */
	pb_uv(&s, 1, 9);
	pb_sub(&b, 5, &s);                       /* n again: the last wins */
	CHECK_EQ_INT(run_m(&b, &err), ICP_OK);
	CHECK_EQ_STR(json, "{\"a\":-7,\"s\":\"h\xc3\xa9llo\",\"r\":[1,2,3,4],\"e\":\"ONE\","
	                   "\"n\":{\"x\":9},\"mp\":[[5,\"five\"],[-1,\"\"]],\"o\":0,\"c1\":null,"
	                   "\"c2\":77,\"ts\":1000005,\"ws\":\"\",\"b\":\"AAE=\",\"bo\":true,"
	                   "\"d\":1.5,\"f\":0.25,\"u\":9223372036854775807,\"z\":-3,"
	                   "\"fx\":4294967295,\"sf\":-5,\"dd\":{\"y\":\"dep\"},\"rel\":{\"x\":0},"
	                   "\"wr\":[3,0]}");
	/* node kinds the column extractor sees; strings point into the payload */
	n = icp_vt_member(&doc, &doc.nodes[0], "s", 1);
	CHECK(n && n->type == ICP_VT_STR && (const uint8_t *)n->s > b.data &&
	      (const uint8_t *)n->s < b.data + b.len);
	n = icp_vt_member(&doc, &doc.nodes[0], "ts", 2);
	CHECK(n && n->type == ICP_VT_TIMESTAMP && n->i == 1000005);
	n = icp_vt_member(&doc, &doc.nodes[0], "f", 1);
	CHECK(n && n->type == ICP_VT_DOUBLE && n->d == 0.25);
	n = icp_vt_member(&doc, &doc.nodes[0], "mp", 2);
	CHECK(n && n->type == ICP_VT_MAP && n->n == 2 && n[1].type == ICP_VT_LONG);
	n = icp_vt_member(&doc, &doc.nodes[0], "b", 1);
	CHECK(n && n->type == ICP_VT_BYTES && n->len == 2);
	icp_buf_dispose(&b);
	icp_buf_dispose(&s);
}

static void test_enums_oneof_reuse(void)
{
	icp_buf b, b2;
	icp_error err;
	const icp_vt_node *n;

	icp_buf_init(&b, 0);
	icp_buf_init(&b2, 0);
	pb_uv(&b, 4, 7);         /* undeclared enum number: its text */
	pb_str(&b, 8, "card");   /* oneof: the other member stays NULL */
	CHECK_EQ_INT(run_m(&b, &err), ICP_OK);
	CHECK_CONTAINS(json, "\"e\":\"7\"");
	CHECK_CONTAINS(json, "\"c1\":\"card\",\"c2\":null");
	pb_uv(&b2, 4, (uint64_t)(int64_t)-2);
	pb_uv(&b2, 3, 1);
	CHECK_EQ_INT(run_m(&b2, &err), ICP_OK); /* the decoder and doc reused */
	CHECK_CONTAINS(json, "\"r\":[1],\"e\":\"-2\"");
	n = icp_vt_member(&doc, &doc.nodes[0], "e", 1);
	CHECK(n && n->len == 2 && memcmp(n->s, "-2", 2) == 0);
	icp_buf_dispose(&b);
	icp_buf_dispose(&b2);
}

static void test_recursive_data(void)
{
	icp_buf b, s, t;
	icp_error err;
	int32_t idx = 2, i;

	icp_buf_init(&b, 0);
	icp_buf_init(&s, 0);
	icp_buf_init(&t, 0);
	pb_bytes(&t, 1, "", 0);  /* A {b {}} */
	pb_uv(&s, 1, 1);
	pb_sub(&s, 2, &t);
	pb_sub(&b, 1, &s);       /* A {b {k 1, a {b {}}}} */
	CHECK_EQ_INT(run(&idx, 1, &b, &err), ICP_OK);
	CHECK_EQ_STR(json, "{\"b\":{\"k\":1,\"a\":{\"b\":{\"k\":0,\"a\":null}}}}");
	/* R nested 70 deep: past the depth limit */
	icp_buf_reset(&b);
	idx = 1;
	for (i = 0; i < 70; i++) {
		icp_buf_reset(&s);
		pb_bytes(&s, 1, b.data, b.len);
		icp_buf_reset(&b);
		icp_buf_append(&b, s.data, s.len);
	}
	CHECK_EQ_INT(run(&idx, 1, &b, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "deeper than 64");
	CHECK_CONTAINS(err.msg, "field self.self.self");
	icp_buf_dispose(&b);
	icp_buf_dispose(&s);
	icp_buf_dispose(&t);
}

/* Runs payload (n bytes) expecting status and a message with each needle. */
static void bad(const char *p, size_t n, int status, const char *n1, const char *n2)
{
	icp_buf b;
	icp_error err;

	icp_buf_init(&b, 0);
	icp_buf_append(&b, p, n);
	CHECK_EQ_INT(run_m(&b, &err), status);
	CHECK_CONTAINS(err.msg, n1);
	if (n2)
		CHECK_CONTAINS(err.msg, n2);
	icp_buf_dispose(&b);
}

static void test_corrupt(void)
{
	icp_buf b;
	icp_error err;
	size_t cut;

	bad("\x08", 1, ICP_ERR_CORRUPT, "byte 0, field a: truncated", NULL);
	bad("\x0a\x00", 2, ICP_ERR_CORRUPT, "byte 0, field a: wire type 2", NULL);
	bad("\x08\x01\x2a\x02\x0a\x00", 6, ICP_ERR_CORRUPT, "byte 4, field n.x: wire type 2", NULL);
	bad("\x12\x01\xff", 3, ICP_ERR_CORRUPT, "byte 2, field s: string is not valid UTF-8",
	    NULL);
	bad("\x80\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12, ICP_ERR_CORRUPT, "field u",
	    "9223372036854775808 exceeds the long range");
	bad("\x52\x06\x08\x80\x80\x80\x80\x80", 8, ICP_ERR_CORRUPT, "byte 2, field ts: truncated",
	    NULL);
	bad("\x52\x0b\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 13, ICP_ERR_CORRUPT,
	    "field ts: Timestamp out of range (seconds 0, nanos -1)", NULL);
	bad("\x52\x07\x08\x80\x83\xd1\xff\xaf\x07", 9, ICP_ERR_CORRUPT,
	    "field ts: Timestamp out of range (seconds 253402300800", NULL);
	bad("\x52\x07\x08\xff\x82\xd1\xff\xaf\x07", 9, ICP_OK, "", NULL);
	CHECK_CONTAINS(json, "\"ts\":253402300799000000,");
	bad("\x0b", 1, ICP_ERR_CORRUPT, "byte 0", "malformed");
	bad("\xfb\x07\x00", 3, ICP_ERR_CORRUPT, "byte 0", "malformed"); /* unknown group */
	bad("\x1a\x02\x80\x80", 4, ICP_ERR_CORRUPT, "byte 2, field r: truncated", NULL);
	bad("\x32\x02\x0a\x00", 4, ICP_ERR_CORRUPT, "field mp: field 1 has wire type 2", NULL);
	bad("\x32\x03\x12\x01\xfe", 5, ICP_ERR_CORRUPT, "field mp.value: string is not valid",
	    NULL);
	bad("\x5a\x02\x0a\x01", 4, ICP_ERR_CORRUPT, "byte 2, field ws: truncated", NULL);
	bad("\x00", 1, ICP_ERR_CORRUPT, "byte 0", "malformed");
	/* every truncation of a good payload fails cleanly or decodes */
	icp_buf_init(&b, 0);
	pb_uv(&b, 1, 1);
	pb_str(&b, 2, "abc");
	pb_bytes(&b, 3, "\x01\x02\x03", 3);
	pb_bytes(&b, 5, "\x08\x09", 2);
	pb_bytes(&b, 6, "\x08\x01\x12\x01x", 5);
	pb_f64(&b, 14, 1);
	for (cut = 0; cut <= b.len; cut++) {
		icp_buf c;
		int rc;
		icp_buf_init(&c, 0);
		icp_buf_append(&c, b.data, cut);
		rc = run_m(&c, &err);
		CHECK(rc == ICP_OK || (rc == ICP_ERR_CORRUPT && strstr(err.msg, "byte ")));
		icp_buf_dispose(&c);
	}
	/* the node limit */
	doc.max_nodes = 10;
	CHECK_EQ_INT(run_m(&b, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "limit");
	doc.max_nodes = 0;
	icp_buf_dispose(&b);
}

static void test_float_bits(void)
{
	icp_buf b;
	icp_error err;
	const icp_vt_node *n;

	icp_buf_init(&b, 0);
	pb_f32(&b, 15, 0x7f800000); /* +inf */
	pb_f64(&b, 14, 0xfff0000000000000ULL);
	CHECK_EQ_INT(run_m(&b, &err), ICP_OK);
	n = icp_vt_member(&doc, &doc.nodes[0], "f", 1);
	CHECK(n && isinf(n->d) && n->d > 0);
	n = icp_vt_member(&doc, &doc.nodes[0], "d", 1);
	CHECK(n && isinf(n->d) && n->d < 0);
	icp_buf_dispose(&b);
}

int main(void)
{
	icp_error err;

	icp_error_init(&err);
	if (fixture_init(&fx, &err) != ICP_OK) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		return 1;
	}
	dec = icp_proto_decoder_new();
	TEST_RUN(test_defaults);
	TEST_RUN(test_all_types);
	TEST_RUN(test_enums_oneof_reuse);
	TEST_RUN(test_recursive_data);
	TEST_RUN(test_corrupt);
	TEST_RUN(test_float_bits);
	icp_proto_decoder_free(dec);
	icp_vt_doc_dispose(&doc);
	fixture_dispose(&fx);
	return TEST_DONE();
}
