/* Unit tests for the jsonschema validator: failure messages (keyword,
 * instance path, schema path), compile errors, number edge cases, limits. */
#include "jsonschema/jsonschema.h"
#include "test.h"

static icp_jsonschema *compile(const char *schema)
{
	icp_jsonschema *v = NULL;
	icp_error err;
	icp_error_init(&err);
	if (icp_jsonschema_compile(schema, strlen(schema), NULL, &v, &err) != ICP_OK)
		fprintf(stderr, "compile failed: %s\n", err.msg);
	return v;
}

/* Validates text against schema; returns the status, fills res. */
static int check(const char *schema, const char *inst, icp_jsonschema_result *res)
{
	icp_jsonschema *v = compile(schema);
	icp_arena *a = icp_arena_new(0);
	int rc = ICP_ERR_INVALID;
	memset(res, 0, sizeof(*res));
	if (v && a)
		rc = icp_jsonschema_validate_text(v, inst, strlen(inst), a, res);
	icp_arena_free(a);
	icp_jsonschema_free(v);
	return rc;
}

static const char *k_order_schema =
	"{\"type\":\"object\",\"required\":[\"id\",\"items\"],"
	"\"properties\":{\"id\":{\"type\":\"integer\"},"
	"\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	"\"properties\":{\"price\":{\"type\":\"number\",\"minimum\":0},"
	"\"sku\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}-[0-9]+$\"}}}}},"
	"\"additionalProperties\":false}";

static void test_message_nested(void)
{
	icp_jsonschema_result r;
	int rc = check(k_order_schema,
	               "{\"id\":1,\"items\":[{\"price\":1},{},{},{\"price\":-3}]}", &r);
	CHECK_EQ_INT(rc, ICP_ERR_INVALID);
	CHECK_EQ_INT(r.valid, 0);
	CHECK_EQ_STR(r.keyword, "minimum");
	CHECK_EQ_STR(r.instance_path, "/items/3/price");
	CHECK_EQ_STR(r.schema_path, "#/properties/items/items/properties/price/minimum");
	CHECK_EQ_STR(r.message, "/items/3/price: minimum 0 violated "
	                        "(schema #/properties/items/items/properties/price/minimum)");
}

static void test_message_kinds(void)
{
	icp_jsonschema_result r;
	CHECK_EQ_INT(check(k_order_schema, "{\"id\":1}", &r), ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "required");
	CHECK_EQ_STR(r.message, "(root): required property \"items\" missing (schema #/required)");
	CHECK_EQ_INT(check(k_order_schema, "{\"id\":1,\"items\":[],\"x/y\":2}", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "additionalProperties");
	CHECK_CONTAINS(r.message, "additional property \"x/y\" not allowed");
	CHECK_EQ_INT(check(k_order_schema, "{\"id\":\"1\",\"items\":[]}", &r), ICP_ERR_INVALID);
	CHECK_EQ_STR(r.message, "/id: type integer expected, got string "
	                        "(schema #/properties/id/type)");
	CHECK_EQ_INT(check(k_order_schema, "{\"id\":1,\"items\":[{\"sku\":\"AB-1\"}]}", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "pattern");
	CHECK_EQ_STR(r.instance_path, "/items/0/sku");
	CHECK_CONTAINS(r.message, "pattern \"^[A-Z]{3}-[0-9]+$\" not matched");
	/* valid */
	CHECK_EQ_INT(check(k_order_schema,
	                   "{\"id\":1,\"items\":[{\"sku\":\"ABC-1\",\"price\":0.5}]}", &r),
	             ICP_OK);
	CHECK_EQ_INT(r.valid, 1);
	/* keys with ~ and / are escaped in the pointer */
	CHECK_EQ_INT(check("{\"properties\":{\"a~b/c\":{\"maxLength\":2}}}",
	                   "{\"a~b/c\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.instance_path, "/a~0b~1c");
	CHECK_EQ_STR(r.schema_path, "#/properties/a~0b~1c/maxLength");
	CHECK_CONTAINS(r.message, "maxLength 2 violated (length 3)");
	/* code points, not bytes */
	CHECK_EQ_INT(check("{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "3", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.message, "(root): oneOf: subschemas 0 and 1 both matched (schema #/oneOf)");
	CHECK_EQ_INT(check("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "3", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "anyOf");
	CHECK_EQ_INT(check("{\"format\":\"date-time\"}", "\"2024-02-30T00:00:00Z\"", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "format");
	CHECK_EQ_INT(check("{\"format\":\"date-time\"}", "\"2024-02-29T23:59:59.123+01:00\"", &r),
	             ICP_OK);
	CHECK_EQ_INT(check("{\"format\":\"uuid\"}", "\"123e4567-e89b-12d3-a456-426614174000\"", &r),
	             ICP_OK);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@b\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a.@b\"", &r), ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@[IPv6:::1]\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@[IPv6:1::2:3]\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@[IPv6::1]\"", &r), ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@[IPv6:1:]\"", &r), ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@[1.2.3.4]\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"format\":\"email\"}", "\"a@[1.2.3.256]\"", &r), ICP_ERR_INVALID);
	/* $ref target path is the target's own location */
	CHECK_EQ_INT(check("{\"$defs\":{\"p\":{\"minimum\":1}},\"items\":{\"$ref\":\"#/$defs/p\"}}",
	                   "[1,0]", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.instance_path, "/1");
	CHECK_EQ_STR(r.schema_path, "#/$defs/p/minimum");
	CHECK_EQ_INT(check("false", "1", &r), ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "false");
	CHECK_EQ_STR(r.schema_path, "#");
	/* malformed instance text */
	CHECK_EQ_INT(check("true", "{\"a\":", &r), ICP_ERR_CORRUPT);
	CHECK_EQ_STR(r.keyword, "json");
	CHECK(r.message[0] != 0);
}

static void test_compile_errors(void)
{
	static const struct {
		const char *schema, *msg;
	} cases[] = {
		{"{\"properties\":{\"a\":{\"pattern\":\"(\"}}}",
		 "jsonschema: #/properties/a/pattern: invalid regex \"(\": missing closing "
		 "parenthesis at offset 1"},
		{"{\"$ref\":\"http://example.com/s.json\"}",
		 "jsonschema: #/$ref: remote $ref \"http://example.com/s.json\" is not supported"},
		{"{\"items\":{\"$ref\":\"#/$defs/nope\"}}",
		 "jsonschema: #/items/$ref: $ref \"#/$defs/nope\" does not resolve in this document"},
		{"{\"minLength\":-1}", "jsonschema: #/minLength: must be a non-negative integer"},
		{"{\"minimum\":\"0\"}", "jsonschema: #/minimum: must be a number"},
		{"{\"type\":\"int\"}", "jsonschema: #/type: unknown type \"int\""},
		{"{\"allOf\":[]}", "jsonschema: #/allOf: must be a non-empty array of schemas"},
		{"{\"properties\":{\"a\":3}}", "jsonschema: #/properties/a: a schema must be an "
		                               "object or a boolean"},
		{"{\"multipleOf\":0}", "jsonschema: #/multipleOf: must be greater than 0"},
		{"{\"patternProperties\":{\"[\":true}}",
		 "jsonschema: #/patternProperties: invalid regex \"[\""},
	};
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_jsonschema *v = (icp_jsonschema *)1;
		icp_error err;
		icp_error_init(&err);
		CHECK_EQ_INT(icp_jsonschema_compile(cases[i].schema, strlen(cases[i].schema), NULL,
		                                    &v, &err),
		             ICP_ERR_INVALID);
		CHECK(v == NULL);
		CHECK_CONTAINS(err.msg, cases[i].msg);
	}
	{
		icp_jsonschema *v = NULL;
		icp_error err;
		icp_error_init(&err);
		CHECK(icp_jsonschema_compile("{\"a\":", 5, NULL, &v, &err) == ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "jsonschema: json:");
	}
}

static void test_numbers(void)
{
	icp_jsonschema_result r;
	/* exact 64-bit comparisons: a double detour would call these equal */
	CHECK_EQ_INT(check("{\"maximum\":9007199254740992}", "9007199254740993", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"minimum\":9223372036854775807}", "9223372036854775806", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"exclusiveMaximum\":9007199254740993}", "9007199254740992.0", &r),
	             ICP_OK);
	CHECK_EQ_INT(check("{\"type\":\"integer\"}", "1.0", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"type\":\"integer\"}", "1.5", &r), ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"multipleOf\":0.01}", "19.99", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"multipleOf\":7}", "-9223372036854775807", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"multipleOf\":2}", "-9223372036854775807", &r), ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"const\":1}", "1.0", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"enum\":[{\"a\":[1,2]}]}", "{\"a\":[1.0,2]}", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"uniqueItems\":true}", "[1,{\"a\":1},1.0]", &r), ICP_ERR_INVALID);
	CHECK_CONTAINS(r.message, "items 0 and 2 are equal");
}

/* Large arrays take the hash path of uniqueItems: same answers, no
 * quadratic time (100000 items would take minutes pairwise). */
static void test_unique_large(void)
{
	icp_jsonschema_result r;
	icp_buf b;
	size_t i;
	uint64_t t0;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	icp_buf_append_str(&b, "[");
	for (i = 0; i < 100000; i++)
		icp_buf_printf(&b, "%s{\"k\":%zu,\"v\":[%zu]}", i ? "," : "", i, i % 7);
	icp_buf_append_str(&b, "]");
	CHECK_EQ_INT(b.status, ICP_OK);
	t0 = icp_mono_ns();
	CHECK_EQ_INT(check("{\"uniqueItems\":true}", (const char *)b.data, &r), ICP_OK);
	CHECK(icp_mono_ns() - t0 < 5000000000ull);
	/* the same member set in another order, and 7 vs 7.0, is a duplicate */
	b.len--;
	icp_buf_append_str(&b, ",{\"v\":[5],\"k\":4.0e1}]");
	CHECK_EQ_INT(check("{\"uniqueItems\":true}", (const char *)b.data, &r), ICP_ERR_INVALID);
	CHECK_CONTAINS(r.message, "items 40 and 100000 are equal");
	icp_buf_dispose(&b);
	CHECK_EQ_INT(check("{\"uniqueItems\":true}",
	                   "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,"
	                   "25,26,27,28,29,30,31,32,33,-0.0]",
	                   &r),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(r.message, "items 0 and 34 are equal");
}

/* ECMA-262 regex flavour on PCRE2: long category names, "$" only at the
 * end, \\uXXXX escapes, unanchored matching. */
static void test_regex(void)
{
	icp_jsonschema_result r;
	CHECK_EQ_INT(check("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"\xc3\xa9t\xc3\xa9\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"42\"", &r), ICP_ERR_INVALID);
	/* an escaped backslash keeps "p{Letter}" literal */
	CHECK_EQ_INT(check("{\"pattern\":\"^\\\\\\\\p{Letter}$\"}", "\"\\\\p{Letter}\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"pattern\":\"^a$\"}", "\"a\\n\"", &r), ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"pattern\":\"\\\\u00e9\"}", "\"caf\xc3\xa9\"", &r), ICP_OK);
	CHECK_EQ_INT(check("{\"pattern\":\"b\"}", "\"abc\"", &r), ICP_OK);
	/* catastrophic backtracking ends in a limit error, not a stall */
	CHECK_EQ_INT(check("{\"pattern\":\"^(a|a)*$\"}",
	                   "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"", &r),
	             ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(r.message, "regex backtracking limit");
}

static void test_limits(void)
{
	icp_jsonschema_result r;
	icp_jsonschema *v;
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_jsonschema_opts o = {0};
	int i;
	/* a schema that recurses on the same instance forever */
	CHECK_EQ_INT(check("{\"$ref\":\"#\"}", "1", &r), ICP_ERR_TOO_LARGE);
	CHECK_EQ_STR(r.keyword, "depth");
	CHECK_EQ_STR(r.schema_path, "#");
	CHECK_EQ_STR(r.message, "(root): validation depth limit exceeded (schema #)");
	CHECK_EQ_INT(check("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"not\":{\"$ref\":"
	                   "\"#/$defs/a\"}}},\"$ref\":\"#/$defs/a\"}",
	                   "1", &r),
	             ICP_ERR_TOO_LARGE);
	/* a 5000-long chain of $refs is refused, not a stack overflow */
	{
		icp_buf b;
		icp_jsonschema *dv = (icp_jsonschema *)1;
		icp_buf_init(&b, ICP_BUF_UNLIMITED);
		icp_buf_append_str(&b, "{\"$ref\":\"#/$defs/d0\",\"$defs\":{");
		for (i = 0; i < 5000; i++)
			icp_buf_printf(&b, "\"d%d\":{\"$ref\":\"#/$defs/d%d\"},", i, i + 1);
		icp_buf_append_str(&b, "\"d5000\":true}}");
		icp_error_init(&err);
		CHECK_EQ_INT(icp_jsonschema_compile((const char *)b.data, b.len, NULL, &dv, &err),
		             ICP_ERR_TOO_LARGE);
		CHECK(dv == NULL);
		CHECK_CONTAINS(err.msg, "$ref chains nest deeper than 512");
		/* NULL err is allowed */
		CHECK_EQ_INT(icp_jsonschema_compile((const char *)b.data, b.len, NULL, &dv, NULL),
		             ICP_ERR_TOO_LARGE);
		icp_buf_dispose(&b);
	}
	/* deep but legal recursion through the instance */
	o.max_depth = 16;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_jsonschema_compile("{\"items\":{\"$ref\":\"#\"}}", 22, &o, &v, &err),
	             ICP_OK);
	if (!v)
		return;
	CHECK_EQ_INT(icp_jsonschema_validate_text(v, "[[[[1]]]]", 9, a, &r), ICP_OK);
	CHECK_EQ_INT(icp_jsonschema_validate_text(v, "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
	                                          41, a, &r),
	             ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(r.message, "depth limit");
	icp_jsonschema_free(v);
	/* the validator is reusable and the scratch arena is all it needs */
	v = compile(k_order_schema);
	CHECK(v != NULL);
	for (i = 0; v && i < 1000; i++) {
		static const char rec[] = "{\"id\":1,\"items\":[{\"sku\":\"ABC-1\",\"price\":2}]}";
		CHECK_EQ_INT(icp_jsonschema_validate_text(v, rec, sizeof(rec) - 1, a, &r), ICP_OK);
		icp_arena_reset(a);
	}
	/* without a scratch arena too */
	{
		icp_json *root = NULL;
		static const char rec[] = "{\"id\":1,\"items\":[{\"sku\":\"abc\"}]}";
		icp_error_init(&err);
		CHECK_EQ_INT(icp_json_parse(a, rec, sizeof(rec) - 1, NULL, &root, &err), ICP_OK);
		CHECK_EQ_INT(icp_jsonschema_validate(v, root, NULL, &r), ICP_ERR_INVALID);
		CHECK_EQ_STR(r.keyword, "pattern");
	}
	icp_jsonschema_free(v);
	icp_jsonschema_free(NULL);
	icp_arena_free(a);
}

/* Every allocation of compile (DOM, nodes, regexes via PCRE2's context,
 * maps) may fail: the result is NOMEM with a message, nothing leaks
 * (ASan build), and validation without a scratch arena survives too. */
static void test_alloc_failures(void)
{
	long n;
	int done = 0;
	size_t live0 = icp_alloc_live_bytes();
	for (n = 1; n < 2000 && !done; n++) {
		icp_jsonschema *v = NULL;
		icp_jsonschema_result r;
		icp_json *root = NULL;
		icp_arena *a = icp_arena_new(0);
		icp_error err;
		int rc;
		static const char rec[] = "{\"id\":1,\"items\":[{\"sku\":\"abc\"}]}";
		icp_error_init(&err);
		CHECK(a != NULL);
		if (!a || icp_json_parse(a, rec, sizeof(rec) - 1, NULL, &root, &err) != ICP_OK)
			break;
		icp_alloc_fail_after(n);
		rc = icp_jsonschema_compile(k_order_schema, strlen(k_order_schema), NULL, &v, &err);
		if (rc == ICP_OK) {
			rc = icp_jsonschema_validate(v, root, NULL, &r);
			CHECK(rc == ICP_ERR_INVALID || rc == ICP_ERR_NOMEM);
			CHECK(r.message[0] != 0);
		} else {
			CHECK_EQ_INT(rc, ICP_ERR_NOMEM);
			if (rc != ICP_ERR_NOMEM)
				fprintf(stderr, "n=%ld: %s\n", n, err.msg);
			CHECK(err.msg[0] != 0);
			CHECK(v == NULL);
		}
		icp_alloc_fail_after(0);
		done = rc == ICP_ERR_INVALID;
		icp_jsonschema_free(v);
		icp_arena_free(a);
	}
	CHECK(done);
	CHECK_EQ_INT(icp_alloc_live_bytes(), live0);
}

static void test_drafts(void)
{
	icp_jsonschema_result r;
	icp_jsonschema *v;
	/* draft-07: items array + additionalItems; $ref overrides siblings */
	const char *d7 = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
	                 "\"items\":[{\"type\":\"integer\"}],\"additionalItems\":false}";
	CHECK_EQ_INT(check(d7, "[1]", &r), ICP_OK);
	CHECK_EQ_INT(check(d7, "[1,2]", &r), ICP_ERR_INVALID);
	CHECK_EQ_STR(r.schema_path, "#/additionalItems");
	v = compile(d7);
	CHECK(v && icp_jsonschema_draft(v) == ICP_JSONSCHEMA_DRAFT_07);
	icp_jsonschema_free(v);
	CHECK_EQ_INT(check("{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
	                   "\"definitions\":{\"a\":{}},\"$ref\":\"#/definitions/a\",\"type\":"
	                   "\"string\"}",
	                   "1", &r),
	             ICP_OK);
	/* 2020-12 (the default): prefixItems + items, $ref with siblings */
	CHECK_EQ_INT(check("{\"prefixItems\":[{\"type\":\"integer\"}],\"items\":false}", "[1,2]",
	                   &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.instance_path, "/1");
	CHECK_EQ_INT(check("{\"$defs\":{\"a\":{}},\"$ref\":\"#/$defs/a\",\"type\":\"string\"}",
	                   "1", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_INT(check("{\"contains\":{\"type\":\"string\"},\"minContains\":2}", "[\"a\",1]",
	                   &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.keyword, "minContains");
	CHECK_EQ_INT(check("{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"a\":1}", &r),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(r.message, "property \"b\" required by \"a\" missing");
	CHECK_EQ_INT(check("{\"$defs\":{\"x\":{\"$anchor\":\"pos\",\"minimum\":0}},"
	                   "\"$ref\":\"#pos\"}",
	                   "-1", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.schema_path, "#/$defs/x/minimum");
	/* $id-relative resolution inside one document (embedded resources) */
	CHECK_EQ_INT(check("{\"$id\":\"http://example.com/root.json\",\"$defs\":{\"a\":{\"$id\":"
	                   "\"sub/a.json\",\"$defs\":{\"b\":{\"$anchor\":\"B\",\"type\":"
	                   "\"string\"}},\"$ref\":\"#B\"}},\"items\":{\"$ref\":\"sub/a.json\"}}",
	                   "[\"x\",1]", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.instance_path, "/1");
	CHECK_EQ_STR(r.schema_path, "#/$defs/a/$defs/b/type");
	{
		static const char remote[] = "{\"$id\":\"http://example.com/a/root.json\","
		                             "\"items\":{\"$ref\":\"../b/other.json\"}}";
		icp_error err;
		icp_error_init(&err);
		v = NULL;
		CHECK_EQ_INT(icp_jsonschema_compile(remote, sizeof(remote) - 1, NULL, &v, &err),
		             ICP_ERR_INVALID);
		CHECK_EQ_STR(err.msg, "jsonschema: #/items/$ref: remote $ref \"../b/other.json\" "
		                      "is not supported");
		icp_jsonschema_free(v);
	}
	CHECK_EQ_INT(check("{\"$id\":\"http://example.com/a/root.json\",\"$defs\":{\"o\":{\"$id\":"
	                   "\"/b/other.json\",\"minimum\":2}},\"items\":{\"$ref\":"
	                   "\"../b/other.json\"}}",
	                   "[1]", &r),
	             ICP_ERR_INVALID);
	CHECK_EQ_STR(r.schema_path, "#/$defs/o/minimum");
}

int main(void)
{
	TEST_RUN(test_message_nested);
	TEST_RUN(test_message_kinds);
	TEST_RUN(test_compile_errors);
	TEST_RUN(test_numbers);
	TEST_RUN(test_unique_large);
	TEST_RUN(test_regex);
	TEST_RUN(test_limits);
	TEST_RUN(test_drafts);
	TEST_RUN(test_alloc_failures);
	return TEST_DONE();
}
