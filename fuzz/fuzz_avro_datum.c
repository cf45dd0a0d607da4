/* Fuzz target: the Avro datum decoder with schema resolution (avro.h,
 * "datums"). The first byte picks one of a few built-in writer/reader
 * schema pairs (every type, an evolved reader with defaults, promotions,
 * enum default and unions, a recursive list, logical types) and a node
 * limit; the rest is the datum. A decoded tree must be well formed (ends
 * nest, strings are UTF-8) and print as JSON. */
#include "avro/avro.h"

#define R(name, fields) "{\"type\":\"record\",\"name\":\"" name "\",\"fields\":[" fields "]}"
#define F(n, t) "{\"name\":\"" n "\",\"type\":" t "}"
#define FD(n, t, d) "{\"name\":\"" n "\",\"type\":" t ",\"default\":" d "}"

static const char *const pairs[][2] = {
	{R("T", F("n", "\"null\"") "," F("b", "\"boolean\"") "," F("i", "\"int\"") ","
	        F("l", "\"long\"") "," F("f", "\"float\"") "," F("d", "\"double\"") ","
	        F("by", "\"bytes\"") "," F("s", "\"string\"") ","
	        F("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}") ","
	        F("fx", "{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}") ","
	        F("a", "{\"type\":\"array\",\"items\":[\"null\",\"int\",\"string\"]}") ","
	        F("m", "{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"E\"}}")),
	 NULL},
	{R("V", F("id", "\"int\"") ","
	        F("gone", "{\"type\":\"map\",\"values\":[\"null\",{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}]}") ","
	        F("f2", "\"F2\"") ","
	        F("st", "{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"X\",\"Y\",\"Z\"]}") ","
	        F("u", "[\"null\",\"int\",\"string\",\"bytes\"]") "," F("sc", "\"float\"") ","
	        F("in", R("In", F("a", "\"string\"") "," F("b", "\"int\"")))),
	 R("V", F("sc", "\"double\"") "," F("id", "\"long\"") ","
	        F("st", "{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"Y\",\"X\",\"Q\"],\"default\":\"Q\"}") ","
	        F("u", "[\"null\",\"string\",\"double\"]") ","
	        F("in", R("In", F("b", "[\"null\",\"long\"]") "," FD("c", "\"bytes\"", "\"\\u00ff\"") ","
	                  F("a", "\"bytes\""))) ","
	        FD("newrec", R("NR", FD("x", "\"long\"", "1") "," FD("y", "[\"string\",\"null\"]", "\"s\"")), "{}") ","
	        FD("newarr", "{\"type\":\"array\",\"items\":\"int\"}", "[1,2,3]"))},
	{R("N", F("v", "\"int\"") "," F("next", "[\"null\",\"N\"]") ","
	        F("kids", "{\"type\":\"array\",\"items\":\"N\"}")),
	 NULL},
	{R("L", F("d", "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}") ","
	        F("df", "{\"type\":\"fixed\",\"name\":\"D4\",\"size\":4,\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}") ","
	        F("day", "{\"type\":\"int\",\"logicalType\":\"date\"}") ","
	        F("tm", "{\"type\":\"int\",\"logicalType\":\"time-millis\"}") ","
	        F("ts", "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}") ","
	        F("tn", "{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}") ","
	        F("u", "{\"type\":\"string\",\"logicalType\":\"uuid\"}")),
	 NULL},
};

static int well_formed(const icp_vt_doc *d, uint32_t i, uint32_t end)
{
	const icp_vt_node *v = &d->nodes[i];
	uint32_t c = i + 1, k, kids;

	if (v->end <= i || v->end > end)
		return 0;
	if (v->type == ICP_VT_STR && !icp_utf8_valid((const uint8_t *)v->s, v->len))
		return 0;
	if (v->type != ICP_VT_ARR && v->type != ICP_VT_OBJ && v->type != ICP_VT_MAP)
		return v->end == i + 1;
	kids = v->type == ICP_VT_MAP ? 2 * v->n : v->n;
	for (k = 0; k < kids; k++) {
		if (c >= v->end || !well_formed(d, c, v->end))
			return 0;
		if (v->type == ICP_VT_OBJ && !d->nodes[c].key)
			return 0;
		c = d->nodes[c].end;
	}
	return c == v->end;
}

/* The decoders of the pairs, compiled on first use and kept for the
 * process (the fuzzer's speed; the schemas are fixed, not fuzzed). */
static icp_avro_decoder *decoders[ICP_ARRAY_LEN(pairs)];
static icp_avro_schema *schemas[2 * ICP_ARRAY_LEN(pairs)]; /* they must outlive them */

static icp_avro_decoder *decoder(size_t pick)
{
	icp_avro_schema *w = NULL, *r = NULL;
	icp_error err;

	if (decoders[pick])
		return decoders[pick];
	icp_error_init(&err);
	if (icp_avro_schema_parse(NULL, 0, icp_slice_cstr(pairs[pick][0]), &w, &err) != ICP_OK ||
	    (pairs[pick][1] &&
	     icp_avro_schema_parse(NULL, 0, icp_slice_cstr(pairs[pick][1]), &r, &err) != ICP_OK) ||
	    icp_avro_decoder_new(w, r, &decoders[pick], &err) != ICP_OK)
		__builtin_trap(); /* the built-in pairs must resolve */
	schemas[2 * pick] = w;
	schemas[2 * pick + 1] = r;
	return decoders[pick];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_avro_decoder *dec;
	icp_vt_doc doc;
	icp_error err;
	icp_buf out;

	if (size < 1)
		return 0;
	dec = decoder(data[0] % ICP_ARRAY_LEN(pairs));
	memset(&doc, 0, sizeof(doc));
	doc.max_nodes = data[0] & 0x80 ? 50 : 0;
	icp_error_init(&err);
	icp_buf_init(&out, 1 << 26);
	if (icp_avro_decode(dec, data + 1, size - 1, &doc, &err) == ICP_OK) {
		if (doc.n == 0 || !well_formed(&doc, 0, (uint32_t)doc.n) ||
		    doc.nodes[0].end != doc.n || icp_vt_to_json(&doc, 0, &out) != ICP_OK)
			__builtin_trap();
	} else if (err.status == ICP_OK || !err.msg[0]) {
		__builtin_trap(); /* a failure always says why */
	}
	icp_buf_dispose(&out);
	icp_vt_doc_dispose(&doc);
	return 0;
}
