/* Registry JSON Schema -> column definitions, nested (columns_jschema.c):
 * the type text of each column, what is skipped, $ref handling, formats
 * with the option only, and that every produced type makes a schema. */
#include "columns/columns.h"
#include "test.h"

#include <stdio.h>

static icp_arena *a;
static icp_columns_def *d;
static size_t n;
static icp_error err;

static int defs(const char *js, const icp_columns_js_opts *o)
{
	icp_json *doc = NULL;
	icp_error_init(&err);
	icp_arena_reset(a);
	d = NULL;
	n = 0;
	if (icp_json_parse(a, js, strlen(js), NULL, &doc, &err) != ICP_OK)
		return -100;
	return icp_columns_defs_from_json_schema_with(doc, o, a, &d, &n, &err);
}

static const char *type_of(const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(d[i].name, name) == 0)
			return d[i].type;
	return "(none)";
}

static void schema_ok(void)
{
	icp_ice_schema *s = NULL;
	icp_error e;
	icp_error_init(&e);
	CHECK_EQ_INT(icp_columns_schema(d, n, &s, &e), ICP_OK);
	if (e.status)
		fprintf(stderr, "  %s\n", e.msg);
	icp_ice_schema_free(s);
}

static void test_nested(void)
{
	const char *js =
	    "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{"
	    "\"id\":{\"type\":\"integer\"},"
	    "\"address\":{\"type\":[\"object\",\"null\"],\"required\":[\"city\"],\"properties\":{"
	    "  \"city\":{\"type\":\"string\"},\"geo\":{\"type\":\"object\",\"properties\":{"
	    "    \"lat\":{\"type\":\"number\"},\"lon\":{\"type\":\"number\"}}},"
	    "  \"bad-name\":{\"type\":\"string\"},\"any\":{},"
	    "  \"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}},"
	    "\"lines\":{\"type\":\"array\",\"items\":{\"properties\":{"
	    "  \"sku\":{\"type\":\"string\"},\"n\":{\"type\":\"integer\"}}}},"
	    "\"attrs\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}},"
	    "\"bag\":{\"type\":\"object\",\"additionalProperties\":true},"
	    "\"empty\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"null\"}}},"
	    "\"tuple\":{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]},"
	    "\"arr\":{\"type\":\"array\"},"
	    "\"one\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"boolean\"}]},"
	    "\"two\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]},"
	    "\"ts\":{\"type\":\"string\",\"format\":\"date-time\"}}}";

	CHECK_EQ_INT(defs(js, NULL), ICP_OK);
	CHECK_EQ_INT(n, 6);
	CHECK_EQ_STR(type_of("id"), "long");
	CHECK_EQ_INT(d[0].required, 1);
	CHECK_EQ_STR(type_of("address"),
	             "struct<city:string,geo:struct<lat:double,lon:double>,tags:list<string>>");
	CHECK_EQ_STR(type_of("lines"), "list<struct<sku:string,n:long>>");
	CHECK_EQ_STR(type_of("attrs"), "map<string,long>");
	CHECK_EQ_STR(type_of("one"), "boolean");
	CHECK_EQ_STR(type_of("ts"), "string"); /* formats: only with the option */
	CHECK_EQ_STR(type_of("bag"), "(none)");
	CHECK_EQ_STR(type_of("empty"), "(none)");
	CHECK_EQ_STR(type_of("tuple"), "(none)");
	CHECK_EQ_STR(type_of("two"), "(none)");
	schema_ok();
}

static void test_formats(void)
{
	const char *js = "{\"properties\":{"
	                 "\"a\":{\"type\":\"string\",\"format\":\"date-time\"},"
	                 "\"b\":{\"type\":\"string\",\"format\":\"date\"},"
	                 "\"c\":{\"type\":[\"string\",\"null\"],\"format\":\"time\"},"
	                 "\"d\":{\"type\":\"string\",\"format\":\"uuid\"},"
	                 "\"e\":{\"type\":\"string\",\"format\":\"email\"},"
	                 "\"f\":{\"type\":\"object\",\"properties\":{\"at\":{\"type\":\"string\","
	                 "\"format\":\"date-time\"}}}}}";
	icp_columns_js_opts o;

	memset(&o, 0, sizeof(o));
	o.formats = 1;
	CHECK_EQ_INT(defs(js, &o), ICP_OK);
	CHECK_EQ_INT(n, 6);
	CHECK_EQ_STR(type_of("a"), "timestamptz");
	CHECK_EQ_STR(type_of("b"), "date");
	CHECK_EQ_STR(type_of("c"), "time");
	CHECK_EQ_STR(type_of("d"), "uuid");
	CHECK_EQ_STR(type_of("e"), "string");
	CHECK_EQ_STR(type_of("f"), "struct<at:timestamptz>");
	schema_ok();
}

static void test_refs(void)
{
	const char *js = "{\"definitions\":{\"geo\":{\"type\":\"object\",\"properties\":{"
	                 "\"lat\":{\"type\":\"number\"}}},\"node\":{\"type\":\"object\","
	                 "\"properties\":{\"v\":{\"type\":\"integer\"},\"next\":{\"$ref\":"
	                 "\"#/definitions/node\"}}},\"alias\":{\"$ref\":\"#/$defs/id\"}},"
	                 "\"$defs\":{\"id\":{\"type\":\"integer\"}},"
	                 "\"properties\":{\"at\":{\"$ref\":\"#/definitions/geo\"},"
	                 "\"both\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/geo\"}},"
	                 "\"k\":{\"$ref\":\"#/definitions/alias\"},"
	                 "\"ext\":{\"$ref\":\"other.json#/x\"},"
	                 "\"missing\":{\"$ref\":\"#/definitions/nope\"},"
	                 "\"list\":{\"type\":\"object\",\"properties\":{\"head\":"
	                 "{\"$ref\":\"#/definitions/node\"}}}}}";
	icp_columns_js_opts o;

	CHECK_EQ_INT(defs(js, NULL), ICP_OK);
	CHECK_EQ_STR(type_of("at"), "struct<lat:double>");
	CHECK_EQ_STR(type_of("both"), "list<struct<lat:double>>");
	CHECK_EQ_STR(type_of("k"), "long");
	CHECK_EQ_STR(type_of("ext"), "(none)");
	CHECK_EQ_STR(type_of("missing"), "(none)");
	/* recursion: without strict_refs the recursive field is left out */
	CHECK_EQ_STR(type_of("list"), "struct<head:struct<v:long>>");
	schema_ok();
	memset(&o, 0, sizeof(o));
	o.strict_refs = 1;
	CHECK_EQ_INT(defs(js, &o), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "registry schema: property list.head.next: $ref "
	                        "\"#/definitions/node\" is recursive");
}

/* Nesting past the grammar's 16 levels is left out; exponential $ref
 * fan-out stops at the 1 MiB type text cap, quickly. */
static void test_limits(void)
{
	char js[8192];
	size_t i, len = 0;

	len += (size_t)snprintf(js + len, sizeof(js) - len, "{\"properties\":{\"deep\":");
	for (i = 0; i < 20; i++)
		len += (size_t)snprintf(js + len, sizeof(js) - len,
		                        "{\"type\":\"array\",\"items\":");
	len += (size_t)snprintf(js + len, sizeof(js) - len, "{\"type\":\"integer\"}");
	for (i = 0; i < 20; i++)
		len += (size_t)snprintf(js + len, sizeof(js) - len, "}");
	len += (size_t)snprintf(js + len, sizeof(js) - len, ",\"ok\":{\"type\":\"boolean\"}}}");
	CHECK_EQ_INT(defs(js, NULL), ICP_OK);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(type_of("ok"), "boolean");

	len = (size_t)snprintf(js, sizeof(js), "{\"definitions\":{\"d0\":{\"type\":\"integer\"}");
	for (i = 1; i < 16; i++)
		len += (size_t)snprintf(js + len, sizeof(js) - len,
		                        ",\"d%zu\":{\"properties\":{\"a\":{\"$ref\":\"#/definitions/"
		                        "d%zu\"},\"b\":{\"$ref\":\"#/definitions/d%zu\"},\"c\":{\"$ref\":"
		                        "\"#/definitions/d%zu\"},\"e\":{\"$ref\":\"#/definitions/d%zu\"}}}",
		                        i, i - 1, i - 1, i - 1, i - 1);
	snprintf(js + len, sizeof(js) - len,
	         "},\"properties\":{\"x\":{\"$ref\":\"#/definitions/d15\"}}}");
	CHECK_EQ_INT(defs(js, NULL), ICP_ERR_TOO_LARGE);
	CHECK_CONTAINS(err.msg, "column type longer than 1 MiB");
}

int main(void)
{
	a = icp_arena_new(0);
	TEST_RUN(test_nested);
	TEST_RUN(test_formats);
	TEST_RUN(test_refs);
	TEST_RUN(test_limits);
	icp_arena_free(a);
	return TEST_DONE();
}
