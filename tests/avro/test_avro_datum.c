/* Tests for src/avro/avro_datum.c: every Avro type and logical type decoded
 * into vtree nodes (writer = reader), zero copy, doc reuse, and hostile
 * datums (truncation, trailing bytes, bad varints, union indexes, lengths,
 * UTF-8, depth, node and block limits), each error naming its byte offset
 * and field path. */
#include "avro_datum_test.h"

static const char *ALL =
	"{\"type\":\"record\",\"name\":\"T\",\"namespace\":\"ns\",\"fields\":["
	"{\"name\":\"n\",\"type\":\"null\"},"
	"{\"name\":\"b\",\"type\":\"boolean\"},"
	"{\"name\":\"i\",\"type\":\"int\"},"
	"{\"name\":\"l\",\"type\":\"long\"},"
	"{\"name\":\"f\",\"type\":\"float\"},"
	"{\"name\":\"d\",\"type\":\"double\"},"
	"{\"name\":\"by\",\"type\":\"bytes\"},"
	"{\"name\":\"s\",\"type\":\"string\"},"
	"{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
	"{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
	"{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
	"{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
	"{\"name\":\"o\",\"type\":[\"null\",\"string\"]},"
	"{\"name\":\"o2\",\"type\":[\"string\",\"null\"]},"
	"{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"]},"
	"{\"name\":\"u2\",\"type\":[\"int\",\"null\",\"string\"]},"
	"{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}},"
	"{\"name\":\"r2\",\"type\":\"ns.In\"},"
	"{\"name\":\"e2\",\"type\":\"E\"}"
	"]}";

static void all_datum(dat *d)
{
	d->n = 0;
	d->b[d->n++] = 1;        /* b */
	L(d, -5);                /* i */
	L(d, (int64_t)1 << 40);  /* l */
	FL(d, 1.5f);
	DB(d, -2.25);
	L(d, 2);
	RAW(d, "\x01\x02", 2);   /* by */
	S(d, "h\xc3\xa9");       /* s */
	L(d, 2);                 /* e = C */
	RAW(d, "abcd", 4);       /* fx */
	L(d, 2), L(d, 1), L(d, 2), L(d, 1), L(d, 3), L(d, 0); /* a: two blocks */
	L(d, -1), L(d, 4), S(d, "k"), S(d, "v"), L(d, 0);     /* m: sized block */
	L(d, 1), S(d, "x");      /* o */
	L(d, 1);                 /* o2 = null */
	L(d, 1), L(d, 7);        /* u = int 7 */
	L(d, 2), S(d, "s");      /* u2 = string */
	L(d, 3);                 /* r */
	L(d, 4);                 /* r2 */
	L(d, 0);                 /* e2 = A */
}

static void test_every_type(void)
{
	dat d;
	all_datum(&d);
	CHECK_DECODES(ALL, NULL, &d,
	              "{\"n\":null,\"b\":true,\"i\":-5,\"l\":1099511627776,\"f\":1.5,\"d\":-2.25,"
	              "\"by\":\"AQI=\",\"s\":\"h\xc3\xa9\",\"e\":\"C\",\"fx\":\"YWJjZA==\","
	              "\"a\":[1,2,3],\"m\":{\"k\":\"v\"},\"o\":\"x\",\"o2\":null,"
	              "\"u\":{\"member0\":7},\"u2\":{\"member1\":\"s\"},\"r\":{\"x\":3},"
	              "\"r2\":{\"x\":4},\"e2\":\"A\"}");
}

/* Node kinds, zero copy into the payload, and reuse of one doc. */
static void test_nodes_zero_copy_reuse(void)
{
	icp_avro_schema *s = NULL;
	icp_avro_decoder *dec = NULL;
	icp_vt_doc doc;
	icp_error err;
	const icp_vt_node *v;
	dat d;
	int round;

	memset(&doc, 0, sizeof(doc));
	icp_error_init(&err);
	all_datum(&d);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr(ALL), &s, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_decoder_new(s, NULL, &dec, &err), ICP_OK);
	for (round = 0; round < 3; round++) {
		CHECK_EQ_INT(icp_avro_decode(dec, d.b, d.n, &doc, &err), ICP_OK);
		CHECK_EQ_INT(doc.nodes[0].type, ICP_VT_OBJ);
		CHECK_EQ_INT(doc.nodes[0].n, 19);
		v = icp_vt_member(&doc, &doc.nodes[0], "s", 1);
		CHECK(v && v->type == ICP_VT_STR && v->len == 3);
		CHECK(v && (const uint8_t *)v->s > d.b && (const uint8_t *)v->s < d.b + d.n);
		v = icp_vt_member(&doc, &doc.nodes[0], "fx", 2);
		CHECK(v && v->type == ICP_VT_BYTES && v->len == 4);
		v = icp_vt_member(&doc, &doc.nodes[0], "f", 1);
		CHECK(v && v->type == ICP_VT_DOUBLE && v->d == 1.5);
		v = icp_vt_member(&doc, &doc.nodes[0], "i", 1);
		CHECK(v && v->type == ICP_VT_LONG && v->i == -5);
		v = icp_vt_member(&doc, &doc.nodes[0], "m", 1);
		CHECK(v && v->type == ICP_VT_MAP && v->n == 1 && v[1].type == ICP_VT_STR);
		CHECK_EQ_INT(doc.nodes[0].end, doc.n);
	}
	icp_vt_doc_dispose(&doc);
	icp_avro_decoder_free(dec);
	icp_avro_schema_free(s);
}

static const char *LOGICAL =
	"{\"type\":\"record\",\"name\":\"L\",\"fields\":["
	"{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
	"{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"D8\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":18,\"scale\":3}},"
	"{\"name\":\"dec0\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4}},"
	"{\"name\":\"uuid\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
	"{\"name\":\"date\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
	"{\"name\":\"tms\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
	"{\"name\":\"tus\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
	"{\"name\":\"tsms\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
	"{\"name\":\"tsus\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
	"{\"name\":\"tsns\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}},"
	"{\"name\":\"ltms\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
	"{\"name\":\"ltus\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
	"{\"name\":\"ltns\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}},"
	"{\"name\":\"unk\",\"type\":{\"type\":\"long\",\"logicalType\":\"whatever\"}},"
	"{\"name\":\"bad\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":0}},"
	"{\"name\":\"wrongbase\",\"type\":{\"type\":\"string\",\"logicalType\":\"date\"}}"
	"]}";

static const icp_vt_node *member(const icp_vt_doc *doc, const char *k)
{
	return icp_vt_member(doc, &doc->nodes[0], k, strlen(k));
}

static void test_logical_types(void)
{
	icp_avro_schema *s = NULL;
	icp_avro_decoder *dec = NULL;
	icp_vt_doc doc;
	icp_error err;
	const icp_vt_node *v;
	dat d = {{0}, 0};

	L(&d, 2), RAW(&d, "\xff\x38", 2);                  /* dec = -200 -> -2.00 */
	RAW(&d, "\x00\x00\x00\x00\x00\x00\x30\x39", 8);  /* decf = 12345 -> 12.345 */
	L(&d, 0);                                          /* dec0: no bytes = 0 */
	S(&d, "123e4567-e89b-12d3-a456-426614174000");
	L(&d, 19000);
	L(&d, 3723004);                                    /* 01:02:03.004 */
	L(&d, 3723004005LL);
	L(&d, 1700000000123LL);
	L(&d, 1700000000123456LL);
	L(&d, -1501);                                      /* -1.501 us -> -2 us */
	L(&d, -1);                                         /* -1 ms */
	L(&d, 42);
	L(&d, 1999);                                       /* 1.999 us -> 1 us */
	L(&d, 77);
	L(&d, 1), RAW(&d, "\x07", 1);
	S(&d, "2020");

	memset(&doc, 0, sizeof(doc));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr(LOGICAL), &s, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_decoder_new(s, NULL, &dec, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_decode(dec, d.b, d.n, &doc, &err), ICP_OK);
	if (doc.n) {
		v = member(&doc, "dec");
		CHECK(v && v->type == ICP_VT_DECIMAL && v->scale == 2 && v->len == 2 &&
		      memcmp(v->s, "\xff\x38", 2) == 0);
		v = member(&doc, "decf");
		CHECK(v && v->type == ICP_VT_DECIMAL && v->scale == 3 && v->len == 8);
		v = member(&doc, "dec0");
		CHECK(v && v->type == ICP_VT_DECIMAL && v->scale == 0 && v->len == 1 && v->s[0] == 0);
		v = member(&doc, "uuid");
		CHECK(v && v->type == ICP_VT_STR && v->len == 36);
		v = member(&doc, "date");
		CHECK(v && v->type == ICP_VT_DATE && v->i == 19000);
		v = member(&doc, "tms");
		CHECK(v && v->type == ICP_VT_TIME && v->i == 3723004000LL);
		v = member(&doc, "tus");
		CHECK(v && v->type == ICP_VT_TIME && v->i == 3723004005LL);
		v = member(&doc, "tsms");
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == 1700000000123000LL);
		v = member(&doc, "tsus");
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == 1700000000123456LL);
		v = member(&doc, "tsns");
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == -2);
		v = member(&doc, "ltms");
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == -1000);
		v = member(&doc, "ltus");
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == 42);
		v = member(&doc, "ltns");
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == 1);
		v = member(&doc, "unk");
		CHECK(v && v->type == ICP_VT_LONG && v->i == 77);
		v = member(&doc, "bad");
		CHECK(v && v->type == ICP_VT_BYTES && v->len == 1);
		v = member(&doc, "wrongbase");
		CHECK(v && v->type == ICP_VT_STR && v->len == 4);
	}
	icp_vt_doc_dispose(&doc);
	icp_avro_decoder_free(dec);
	icp_avro_schema_free(s);
}

static void test_decimal_width(void)
{
	const char *w = "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":38,\"scale\":0}";
	dat d = {{0}, 0};

	/* 18 bytes: two leading sign bytes are fine, anything else is not */
	L(&d, 18), RAW(&d, "\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 18);
	CHECK_DECODES(w, NULL, &d, "\"////AAAAAAAAAAAAAAAAAAAB\"");
	d.n = 0;
	L(&d, 18), RAW(&d, "\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 18);
	CHECK_FAILS(w, NULL, &d, ICP_ERR_CORRUPT, "at byte 1: decimal beyond 38 digits");
}

static void test_timestamp_overflow(void)
{
	dat d = {{0}, 0};
	L(&d, INT64_MAX / 100);
	CHECK_FAILS("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"t\",\"type\":"
	            "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}",
	            NULL, &d, ICP_ERR_CORRUPT, "at byte 0, field t: time out of the microsecond range");
}

static const char *ADDR =
	"{\"type\":\"record\",\"name\":\"P\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"long\"},"
	"{\"name\":\"address\",\"type\":{\"type\":\"record\",\"name\":\"A\",\"fields\":["
	"{\"name\":\"street\",\"type\":\"string\"},"
	"{\"name\":\"zip\",\"type\":\"long\"},"
	"{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
	"{\"name\":\"kind\",\"type\":[\"null\",\"int\",{\"type\":\"enum\",\"name\":\"K\",\"symbols\":[\"X\"]}]},"
	"{\"name\":\"ok\",\"type\":\"boolean\"}"
	"]}}]}";

static void test_errors_name_offset_and_path(void)
{
	dat d = {{0}, 0};
	uint8_t ff[11];

	/* truncated long inside a nested record */
	L(&d, 1), S(&d, "main"), d.b[d.n++] = 0x80;
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "at byte 6, field address.zip: truncated long");
	/* bad varint: 11 continuation bytes */
	d.n = 0;
	memset(ff, 0xff, sizeof(ff));
	RAW(&d, ff, sizeof(ff));
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "at byte 0, field id: malformed long");
	/* negative length */
	d.n = 0;
	L(&d, 1), L(&d, -3);
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "at byte 1, field address.street: negative length");
	/* length past the end */
	d.n = 0;
	L(&d, 1), L(&d, 30), RAW(&d, "ab", 2);
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "field address.street: length beyond the end");
	/* invalid UTF-8 in an array element: the path names the field */
	d.n = 0;
	L(&d, 1), S(&d, "m"), L(&d, 9), L(&d, 1), S(&d, "\xc3\x28");
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT,
	            "at byte 6, field address.tags: string is not valid UTF-8");
	/* bad union index */
	d.n = 0;
	L(&d, 1), S(&d, "m"), L(&d, 9), L(&d, 0), L(&d, 3);
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT,
	            "at byte 5, field address.kind: union branch index out of range");
	d.n = 0;
	L(&d, 1), S(&d, "m"), L(&d, 9), L(&d, 0), L(&d, -1);
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "union branch index out of range");
	/* enum index */
	d.n = 0;
	L(&d, 1), S(&d, "m"), L(&d, 9), L(&d, 0), L(&d, 2), L(&d, 1);
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "field address.kind: enum index out of range");
	/* boolean 2 */
	d.n = 0;
	L(&d, 1), S(&d, "m"), L(&d, 9), L(&d, 0), L(&d, 0), d.b[d.n++] = 2;
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "at byte 6, field address.ok: boolean not 0 or 1");
	/* trailing bytes */
	d.n = 0;
	L(&d, 1), S(&d, "m"), L(&d, 9), L(&d, 0), L(&d, 0), d.b[d.n++] = 1, d.b[d.n++] = 0;
	CHECK_FAILS(ADDR, NULL, &d, ICP_ERR_CORRUPT, "at byte 7: trailing bytes");
	d.n--;
	CHECK_DECODES(ADDR, NULL, &d,
	              "{\"id\":1,\"address\":{\"street\":\"m\",\"zip\":9,\"tags\":[],\"kind\":null,\"ok\":true}}");
	/* truncated everywhere: every prefix of a valid datum fails cleanly */
	{
		size_t full = d.n, cut;
		for (cut = 0; cut < full; cut++) {
			int rc;
			d.n = cut;
			(void)run(ADDR, NULL, &d, &rc);
			CHECK_EQ_INT(rc, ICP_ERR_CORRUPT);
		}
	}
}

static void test_int_range_and_blocks(void)
{
	const char *w = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"i\",\"type\":\"int\"}]}";
	const char *arr = "{\"type\":\"array\",\"items\":\"long\"}";
	const char *nulls = "{\"type\":\"array\",\"items\":\"null\"}";
	dat d = {{0}, 0};

	L(&d, (int64_t)INT32_MAX + 1);
	CHECK_FAILS(w, NULL, &d, ICP_ERR_CORRUPT, "field i: int out of 32-bit range");
	d.n = 0;
	L(&d, 1000), L(&d, 1);
	CHECK_FAILS(arr, NULL, &d, ICP_ERR_CORRUPT, "at byte 0: block count beyond the end");
	d.n = 0;
	L(&d, -2), L(&d, 100), L(&d, 1), L(&d, 2);
	CHECK_FAILS(arr, NULL, &d, ICP_ERR_CORRUPT, "block byte size beyond the end");
	d.n = 0;
	L(&d, INT64_MIN);
	CHECK_FAILS(arr, NULL, &d, ICP_ERR_CORRUPT, "block count out of range");
	d.n = 0;
	L(&d, 3), L(&d, 0);
	CHECK_DECODES(nulls, NULL, &d, "[null,null,null]");
	d.n = 0;
	L(&d, 100000), L(&d, 0);
	CHECK_FAILS(nulls, NULL, &d, ICP_ERR_TOO_LARGE, "too many empty items");
	/* top-level primitives */
	d.n = 0;
	DB(&d, 0.5);
	CHECK_DECODES("\"double\"", NULL, &d, "0.5");
	d.n = 0;
	CHECK_DECODES("\"null\"", NULL, &d, "null");
	CHECK_FAILS("\"int\"", NULL, &d, ICP_ERR_CORRUPT, "at byte 0: truncated long");
}

static void test_depth_and_nodes(void)
{
	const char *rec = "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
	                  "{\"name\":\"next\",\"type\":[\"null\",\"N\"]}]}";
	icp_avro_schema *s = NULL;
	icp_avro_decoder *dec = NULL;
	icp_vt_doc doc;
	icp_error err;
	dat d = {{0}, 0};
	int i;

	/* 10 levels decode; 100 levels hit the depth bound */
	for (i = 0; i < 10; i++)
		L(&d, i), L(&d, 1);
	L(&d, 10), L(&d, 0);
	CHECK_DECODES(rec, NULL, &d, "{\"v\":0,\"next\":{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":3,"
	              "\"next\":{\"v\":4,\"next\":{\"v\":5,\"next\":{\"v\":6,\"next\":{\"v\":7,"
	              "\"next\":{\"v\":8,\"next\":{\"v\":9,\"next\":{\"v\":10,\"next\":null}}}}}}}}}}}");
	d.n = 0;
	for (i = 0; i < 100; i++)
		L(&d, i), L(&d, 1);
	L(&d, 10), L(&d, 0);
	CHECK_FAILS(rec, NULL, &d, ICP_ERR_TOO_LARGE, "nested too deep");

	/* node bound: a doc limited to 10 nodes */
	memset(&doc, 0, sizeof(doc));
	doc.max_nodes = 10;
	icp_error_init(&err);
	d.n = 0;
	L(&d, 20);
	for (i = 0; i < 20; i++)
		L(&d, i);
	L(&d, 0);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr("{\"type\":\"array\",\"items\":\"int\"}"),
	                                   &s, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_decoder_new(s, NULL, &dec, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_decode(dec, d.b, d.n, &doc, &err), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "too many values");
	icp_error_init(&err);
	doc.max_nodes = 0;
	CHECK_EQ_INT(icp_avro_decode(dec, d.b, d.n, &doc, &err), ICP_OK);
	CHECK_EQ_INT(doc.n, 21);
	icp_vt_doc_dispose(&doc);
	icp_avro_decoder_free(dec);
	icp_avro_schema_free(s);
}

static void test_schema_errors_and_refs(void)
{
	icp_avro_schema *s = NULL;
	icp_error err;
	icp_slice refs[2];
	dat d = {{0}, 0};
	int rc;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr("{\"type\":"), &s, &err),
	             ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr("\"Nope\""), &s, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "unknown type \"Nope\"");
	/* references: a.Money used by b.Item used by the main schema */
	refs[0] = icp_slice_cstr("{\"type\":\"fixed\",\"name\":\"Money\",\"namespace\":\"a\",\"size\":2}");
	refs[1] = icp_slice_cstr("{\"type\":\"record\",\"name\":\"Item\",\"namespace\":\"b\","
	                         "\"fields\":[{\"name\":\"price\",\"type\":\"a.Money\"}]}");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(refs, 2,
	                                   icp_slice_cstr("{\"type\":\"record\",\"name\":\"Order\","
	                                                  "\"fields\":[{\"name\":\"item\",\"type\":\"b.Item\"}]}"),
	                                   &s, &err), ICP_OK);
	icp_avro_schema_free(s);
	s = NULL;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(refs + 1, 1, icp_slice_cstr("\"b.Item\""), &s, &err),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "schema reference 0");
	icp_avro_schema_free(s);
	/* namespaces: a short name inside a namespace resolves to the full one */
	RAW(&d, "xy", 2);
	L(&d, 0);
	CHECK_DECODES("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n.s\",\"fields\":["
	              "{\"name\":\"a\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}},"
	              "{\"name\":\"b\",\"type\":{\"type\":\"record\",\"name\":\"o.Q\",\"fields\":["
	              "{\"name\":\"c\",\"type\":{\"type\":\"array\",\"items\":\"n.s.F\"}}]}}]}",
	              NULL, &d, "{\"a\":\"eHk=\",\"b\":{\"c\":[]}}");
	(void)rc;
}

int main(void)
{
	TEST_RUN(test_every_type);
	TEST_RUN(test_nodes_zero_copy_reuse);
	TEST_RUN(test_logical_types);
	TEST_RUN(test_decimal_width);
	TEST_RUN(test_timestamp_overflow);
	TEST_RUN(test_errors_name_offset_and_path);
	TEST_RUN(test_int_range_and_blocks);
	TEST_RUN(test_depth_and_nodes);
	TEST_RUN(test_schema_errors_and_refs);
	return TEST_DONE();
}
