/* Tests for src/avro/avro_default.c: reader fields the writer lacks get
 * their default, of every kind (null, boolean, int, long, float, double,
 * bytes as ISO-8859-1, string, enum, fixed, array, map, nested record with
 * its own defaults, optional and multi-branch unions, decimal, timestamp),
 * emitted as nodes of the reader's type and rebased datum after datum; and
 * defaults that do not fit, refused naming the field. */
#include "avro_datum_test.h"

#define REC(fields) "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" fields "]}"
#define F(name, type) "{\"name\":\"" name "\",\"type\":" type "}"
#define FD(name, type, def) "{\"name\":\"" name "\",\"type\":" type ",\"default\":" def "}"

static void test_defaults_of_every_kind(void)
{
	const char *w = REC(F("keep", "\"int\""));
	const char *r = REC(
		F("keep", "\"int\"") ","
		FD("n", "\"null\"", "null") ","
		FD("b", "\"boolean\"", "true") ","
		FD("i", "\"int\"", "-3") ","
		FD("l", "\"long\"", "12345678901") ","
		FD("f", "\"float\"", "1.5") ","
		FD("d", "\"double\"", "2") ","
		FD("by", "\"bytes\"", "\"\\u00ff\\u0001A\"") ","
		FD("s", "\"string\"", "\"d\\u00e9f\"") ","
		FD("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}", "\"Y\"") ","
		FD("fx", "{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}", "\"ab\"") ","
		FD("a", "{\"type\":\"array\",\"items\":\"long\"}", "[1,2]") ","
		FD("m", "{\"type\":\"map\",\"values\":\"boolean\"}", "{\"k\":false}") ","
		FD("r", "{\"type\":\"record\",\"name\":\"In\",\"fields\":[" F("x", "\"long\"") ","
		        FD("y", "\"string\"", "\"yy\"") "]}", "{\"x\":9}") ","
		FD("o", "[\"null\",\"string\"]", "null") ","
		FD("o2", "[\"string\",\"null\"]", "\"s\"") ","
		FD("u", "[\"int\",\"string\"]", "4") ","
		FD("dec", "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"scale\":1}", "\"\\u0000\\u000f\"") ","
		FD("ts", "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", "5"));
	icp_avro_schema *ws = NULL, *rs = NULL;
	icp_avro_decoder *dec = NULL;
	icp_vt_doc doc;
	icp_error err;
	const icp_vt_node *v;
	dat d = {{0}, 0};
	int round;

	L(&d, 1);
	CHECK_DECODES(w, r, &d,
	              "{\"keep\":1,\"n\":null,\"b\":true,\"i\":-3,\"l\":12345678901,\"f\":1.5,\"d\":2,"
	              "\"by\":\"/wFB\",\"s\":\"d\xc3\xa9" "f\",\"e\":\"Y\",\"fx\":\"YWI=\",\"a\":[1,2],"
	              "\"m\":{\"k\":false},\"r\":{\"x\":9,\"y\":\"yy\"},\"o\":null,\"o2\":\"s\","
	              "\"u\":{\"member0\":4},\"dec\":\"AA8=\",\"ts\":5000}");
	/* node kinds, and a second datum in the same doc (templates rebased) */
	memset(&doc, 0, sizeof(doc));
	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr(w), &ws, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr(r), &rs, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_decoder_new(ws, rs, &dec, &err), ICP_OK);
	for (round = 0; round < 2 && dec; round++) {
		CHECK_EQ_INT(icp_avro_decode(dec, d.b, d.n, &doc, &err), ICP_OK);
		v = icp_vt_member(&doc, &doc.nodes[0], "ts", 2);
		CHECK(v && v->type == ICP_VT_TIMESTAMP && v->i == 5000);
		v = icp_vt_member(&doc, &doc.nodes[0], "dec", 3);
		CHECK(v && v->type == ICP_VT_DECIMAL && v->scale == 1 && v->len == 2);
		v = icp_vt_member(&doc, &doc.nodes[0], "r", 1);
		CHECK(v && v->type == ICP_VT_OBJ && v->n == 2 && v->end == (uint32_t)(v - doc.nodes) + 3);
		CHECK_EQ_INT(doc.nodes[0].end, doc.n);
	}
	icp_vt_doc_dispose(&doc);
	icp_avro_decoder_free(dec);
	icp_avro_schema_free(ws);
	icp_avro_schema_free(rs);
}

static void test_default_failures(void)
{
	dat d = {{0}, 0};

	L(&d, 1);
	CHECK_FAILS(REC(F("a", "\"int\"")),
	            REC(F("a", "\"int\"") "," F("address", "{\"type\":\"record\",\"name\":\"A\","
	                "\"fields\":[" F("zip", "\"long\"") "]}")),
	            &d, ICP_ERR_INVALID, "field address: the writer lacks this field and the reader gives no default");
	/* nested: the writer has address without zip */
	CHECK_FAILS(REC(F("address", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[" F("street", "\"string\"") "]}")),
	            REC(F("address", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[" F("street", "\"string\"") "," F("zip", "\"long\"") "]}")),
	            &d, ICP_ERR_INVALID, "avro resolve: field address.zip: the writer lacks this field");
	CHECK_FAILS(REC(F("a", "\"int\"")), REC(F("a", "\"int\"") "," FD("b", "\"int\"", "\"x\"")),
	            &d, ICP_ERR_INVALID, "field b: default: not an integer in range for type int");
	CHECK_FAILS(REC(F("a", "\"int\"")), REC(F("a", "\"int\"") "," FD("b", "\"bytes\"", "\"\\u0100\"")),
	            &d, ICP_ERR_INVALID, "field b: default: a character above U+00FF");
	CHECK_FAILS(REC(F("a", "\"int\"")),
	            REC(F("a", "\"int\"") "," FD("b", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}", "\"Z\"")),
	            &d, ICP_ERR_INVALID, "field b: default: not a symbol for type E");
	CHECK_FAILS(REC(F("a", "\"int\"")), REC(F("a", "\"int\"") "," FD("b", "[\"null\",\"int\"]", "\"s\"")),
	            &d, ICP_ERR_INVALID, "field b: default: the value fits no branch");
	CHECK_FAILS(REC(F("a", "\"int\"")),
	            REC(F("a", "\"int\"") "," FD("b", "{\"type\":\"fixed\",\"name\":\"G\",\"size\":3}", "\"ab\"")),
	            &d, ICP_ERR_INVALID, "field b: default: not of the fixed size");
}

int main(void)
{
	TEST_RUN(test_defaults_of_every_kind);
	TEST_RUN(test_default_failures);
	return TEST_DONE();
}
