/* Tests for src/avro/avro_resolve.c: schema resolution of a writer against
 * a reader (promotions, writer fields skipped, reordered fields, enums with
 * and without default, unions on either side, aliases) and the failures,
 * each naming the field path. Defaults: test_avro_default.c. */
#include "avro_datum_test.h"
#include "iceberg/iceberg.h"

#define REC(fields) "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" fields "]}"
#define F(name, type) "{\"name\":\"" name "\",\"type\":" type "}"
#define FD(name, type, def) "{\"name\":\"" name "\",\"type\":" type ",\"default\":" def "}"

static void test_promotions(void)
{
	const char *w = REC(F("a", "\"int\"") "," F("b", "\"int\"") "," F("c", "\"int\"") ","
	                    F("d", "\"long\"") "," F("e", "\"long\"") "," F("f", "\"float\"") ","
	                    F("g", "\"string\"") "," F("h", "\"bytes\""));
	const char *r = REC(F("a", "\"long\"") "," F("b", "\"float\"") "," F("c", "\"double\"") ","
	                    F("d", "\"float\"") "," F("e", "\"double\"") "," F("f", "\"double\"") ","
	                    F("g", "\"bytes\"") "," F("h", "\"string\""));
	dat d = {{0}, 0};

	L(&d, -7), L(&d, 16777217), L(&d, 3), L(&d, (int64_t)1 << 53 | 1), L(&d, 5);
	FL(&d, 0.25f), S(&d, "hi"), S(&d, "yo");
	CHECK_DECODES(w, r, &d,
	              "{\"a\":-7,\"b\":16777216,\"c\":3,\"d\":9007199254740992,\"e\":5,\"f\":0.25,"
	              "\"g\":\"aGk=\",\"h\":\"yo\"}");
	/* bytes read as a string are checked as UTF-8 */
	d.n = 0;
	L(&d, -7), L(&d, 1), L(&d, 3), L(&d, 1), L(&d, 5), FL(&d, 0.25f), S(&d, "hi"), S(&d, "\xff");
	CHECK_FAILS(w, r, &d, ICP_ERR_CORRUPT, "field h: string is not valid UTF-8");
	/* no demotions */
	CHECK_FAILS(REC(F("a", "\"long\"")), REC(F("a", "\"int\"")), &d, ICP_ERR_INVALID,
	            "avro resolve: field a: the writer's long cannot be read");
	CHECK_FAILS(REC(F("a", "\"double\"")), REC(F("a", "\"float\"")), &d, ICP_ERR_INVALID,
	            "field a");
}

static void test_skip_and_reorder(void)
{
	const char *w = REC(F("drop1", "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"X\",\"fields\":["
	                                F("p", "\"string\"") "," F("q", "\"double\"") "]}}") ","
	                    F("b", "\"string\"") ","
	                    F("drop2", "{\"type\":\"map\",\"values\":[\"null\",\"float\",\"X\"]}") ","
	                    F("a", "\"long\"") ","
	                    F("drop3", "{\"type\":\"fixed\",\"name\":\"F3\",\"size\":3}") ","
	                    F("drop4", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}") ","
	                    F("drop5", "\"boolean\""));
	const char *r = REC(F("a", "\"long\"") "," F("b", "\"string\""));
	dat d = {{0}, 0};

	L(&d, 2), S(&d, "p1"), DB(&d, 1), S(&d, "p2"), DB(&d, 2);
	L(&d, -1), L(&d, 11), S(&d, "p3"), DB(&d, 3), L(&d, 0); /* sized block: jumped over */
	S(&d, "bee");
	L(&d, 3), S(&d, "k1"), L(&d, 0), S(&d, "k2"), L(&d, 1), FL(&d, 1), S(&d, "k3"), L(&d, 2),
		S(&d, "pp"), DB(&d, 4), L(&d, 0);
	L(&d, 42);
	RAW(&d, "xyz", 3);
	L(&d, 0);
	d.b[d.n++] = 1;
	CHECK_DECODES(w, r, &d, "{\"b\":\"bee\",\"a\":42}");
	/* a skipped field is still checked */
	d.b[d.n - 1] = 3;
	CHECK_FAILS(w, r, &d, ICP_ERR_CORRUPT, "boolean not 0 or 1");
	d.n--;
	CHECK_FAILS(w, r, &d, ICP_ERR_CORRUPT, "truncated boolean");
}

static void test_enums(void)
{
	const char *w = REC(F("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"NEW\"]}"));
	const char *r_def = REC(F("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"B\",\"A\",\"UNKNOWN\"],\"default\":\"UNKNOWN\"}"));
	const char *r_nodef = REC(F("e", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"B\",\"A\"]}"));
	dat d = {{0}, 0};

	L(&d, 0);
	CHECK_DECODES(w, r_def, &d, "{\"e\":\"A\"}");
	CHECK_DECODES(w, r_nodef, &d, "{\"e\":\"A\"}");
	d.n = 0;
	L(&d, 2);
	CHECK_DECODES(w, r_def, &d, "{\"e\":\"UNKNOWN\"}");
	CHECK_FAILS(w, r_nodef, &d, ICP_ERR_CORRUPT,
	            "at byte 0, field e: enum symbol unknown to the reader");
	CHECK_FAILS(w, REC(F("e", "{\"type\":\"enum\",\"name\":\"Other\",\"symbols\":[\"A\"]}")), &d,
	            ICP_ERR_INVALID, "field e: the writer's type E does not match");
	/* an alias makes the names match */
	d.n = 0;
	L(&d, 1);
	CHECK_DECODES(w, REC(F("e", "{\"type\":\"enum\",\"name\":\"Other\",\"aliases\":[\"x.E\"],\"symbols\":[\"B\"]}")),
	              &d, "{\"e\":\"B\"}");
}

static void test_unions(void)
{
	dat d = {{0}, 0};

	/* writer union -> reader non-union: the null branch fails at decode */
	L(&d, 1), L(&d, 5);
	CHECK_DECODES(REC(F("u", "[\"null\",\"int\"]")), REC(F("u", "\"long\"")), &d, "{\"u\":5}");
	d.n = 0;
	L(&d, 0);
	CHECK_FAILS(REC(F("u", "[\"null\",\"int\"]")), REC(F("u", "\"long\"")), &d, ICP_ERR_CORRUPT,
	            "at byte 0, field u: writer union branch 0 taken: avro resolve: field u: the writer's null cannot be read");
	/* reader union from writer non-union: exact branch first, else promotion */
	d.n = 0;
	L(&d, 9);
	CHECK_DECODES(REC(F("u", "\"int\"")), REC(F("u", "[\"null\",\"long\"]")), &d, "{\"u\":9}");
	CHECK_DECODES(REC(F("u", "\"int\"")), REC(F("u", "[\"string\",\"long\",\"int\"]")), &d,
	              "{\"u\":{\"member2\":9}}");
	CHECK_DECODES(REC(F("u", "\"int\"")), REC(F("u", "[\"null\",\"string\",\"double\"]")), &d,
	              "{\"u\":{\"member1\":9}}");
	CHECK_FAILS(REC(F("u", "\"int\"")), REC(F("u", "[\"null\",\"string\"]")), &d, ICP_ERR_INVALID,
	            "field u: the writer's int matches no branch of the reader's union");
	/* union -> union: branches reordered, one the reader lacks */
	d.n = 0;
	L(&d, 2), S(&d, "s");
	CHECK_DECODES(REC(F("u", "[\"null\",\"int\",\"string\"]")), REC(F("u", "[\"string\",\"null\"]")),
	              &d, "{\"u\":\"s\"}");
	d.n = 0;
	L(&d, 1), L(&d, 3);
	CHECK_FAILS(REC(F("u", "[\"null\",\"int\",\"string\"]")), REC(F("u", "[\"string\",\"null\"]")),
	            &d, ICP_ERR_CORRUPT, "matches no branch");
	CHECK_FAILS(REC(F("u", "[\"int\",\"string\"]")), REC(F("u", "\"boolean\"")), &d,
	            ICP_ERR_INVALID, "field u: no branch of the writer's union resolves");
	/* record in a union, names matched */
	d.n = 0;
	L(&d, 1), L(&d, 4);
	CHECK_DECODES(REC(F("u", "[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[" F("x", "\"int\"") "]}]")),
	              REC(F("u", "[\"null\",{\"type\":\"record\",\"name\":\"P\",\"fields\":[" F("x", "\"long\"") ","
	                  FD("y", "\"int\"", "1") "]}]")),
	              &d, "{\"u\":{\"x\":4,\"y\":1}}");
}

static void test_mismatches(void)
{
	dat d = {{0}, 0};

	L(&d, 1);
	CHECK_FAILS(REC(F("a", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[" F("z", "\"string\"") "]}")),
	            REC(F("a", "{\"type\":\"record\",\"name\":\"A\",\"fields\":[" F("z", "\"int\"") "]}")),
	            &d, ICP_ERR_INVALID, "avro resolve: field a.z: the writer's string cannot be read");
	CHECK_FAILS(REC(F("a", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}")),
	            REC(F("a", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}")), &d, ICP_ERR_INVALID,
	            "field a: the writer's type F does not match");
	CHECK_FAILS(REC(F("a", "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"scale\":1}")),
	            REC(F("a", "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"scale\":2}")),
	            &d, ICP_ERR_INVALID, "field a: the writer's decimal scale differs");
	CHECK_FAILS("{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}",
	            "{\"type\":\"record\",\"name\":\"B\",\"fields\":[]}", &d, ICP_ERR_INVALID,
	            "the writer's type A does not match");
	CHECK_FAILS("{\"type\":\"array\",\"items\":\"string\"}", "{\"type\":\"array\",\"items\":\"int\"}",
	            &d, ICP_ERR_INVALID, "the writer's string cannot be read");
	/* field aliases and record aliases */
	d.n = 0;
	L(&d, 3);
	CHECK_DECODES("{\"type\":\"record\",\"name\":\"Old\",\"fields\":[" F("old_name", "\"int\"") "]}",
	              "{\"type\":\"record\",\"name\":\"New\",\"aliases\":[\"Old\"],\"fields\":["
	              "{\"name\":\"new_name\",\"aliases\":[\"old_name\"],\"type\":\"long\"}]}",
	              &d, "{\"new_name\":3}");
}

/* Every allocation of parse, resolve (defaults included), decode and
 * to_iceberg failing in turn: NOMEM or success, never a crash or a leak
 * (ASan checks the leaks). */
static void test_alloc_failures(void)
{
	const char *w = REC(F("a", "\"int\"") "," F("u", "[\"null\",\"int\",\"string\"]") ","
	                    F("arr", "{\"type\":\"array\",\"items\":\"string\"}"));
	const char *r = REC(F("u", "[\"null\",\"long\",\"string\"]") "," F("a", "\"double\"") ","
	                    F("arr", "{\"type\":\"array\",\"items\":\"bytes\"}") ","
	                    FD("rec", "{\"type\":\"record\",\"name\":\"In\",\"fields\":["
	                              FD("m", "{\"type\":\"map\",\"values\":\"long\"}", "{\"k\":1}") "]}",
	                       "{}") ","
	                    FD("by", "\"bytes\"", "\"\\u00e9\""));
	dat d = {{0}, 0};
	long n;
	int done = 0;

	L(&d, 1), L(&d, 2), S(&d, "s"), L(&d, 40);
	for (n = 0; n < 40; n++)
		S(&d, "x");
	L(&d, 0);
	for (n = 1; n < 5000 && !done; n++) {
		icp_avro_schema *ws = NULL, *rs = NULL;
		icp_avro_decoder *dec = NULL;
		struct icp_ice_schema *is = NULL;
		icp_vt_doc doc;
		icp_error err;
		int rc;

		memset(&doc, 0, sizeof(doc));
		icp_error_init(&err);
		icp_alloc_fail_after(n);
		rc = icp_avro_schema_parse(NULL, 0, icp_slice_cstr(w), &ws, &err);
		if (rc == ICP_OK)
			rc = icp_avro_schema_parse(NULL, 0, icp_slice_cstr(r), &rs, &err);
		if (rc == ICP_OK)
			rc = icp_avro_decoder_new(ws, rs, &dec, &err);
		if (rc == ICP_OK)
			rc = icp_avro_decode(dec, d.b, d.n, &doc, &err);
		if (rc == ICP_OK)
			rc = icp_avro_schema_to_iceberg(rs, &is, &err);
		icp_alloc_fail_after(0);
		if (rc != ICP_OK && rc != ICP_ERR_NOMEM) {
			fprintf(stderr, "allocation %ld: %s\n", n, err.msg);
			CHECK(0);
		}
		done = rc == ICP_OK;
		icp_ice_schema_free(is);
		icp_vt_doc_dispose(&doc);
		icp_avro_decoder_free(dec);
		icp_avro_schema_free(ws);
		icp_avro_schema_free(rs);
	}
	CHECK(done);
	CHECK(n > 20); /* it did fail some */
}

int main(void)
{
	TEST_RUN(test_promotions);
	TEST_RUN(test_skip_and_reorder);
	TEST_RUN(test_enums);
	TEST_RUN(test_unions);
	TEST_RUN(test_mismatches);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
