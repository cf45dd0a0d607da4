/* Type strings, wanted schemas, registry schemas, evolution decisions and
 * the config's validation of column types. */
#include "columns/columns.h"
#include "test.h"

static char msg[1024];

static int parse(const char *text, char *canon, size_t cap)
{
	icp_ice_type *t = NULL;
	icp_error err;
	icp_buf b;
	int rc;

	icp_error_init(&err);
	rc = icp_columns_parse_type(text, &t, &err);
	snprintf(msg, sizeof(msg), "%s", err.msg);
	if (rc == ICP_OK && canon) {
		icp_buf_init(&b, 0);
		icp_columns_type_text(t, &b);
		icp_buf_append_byte(&b, 0);
		snprintf(canon, cap, "%s", (char *)b.data);
		icp_buf_dispose(&b);
	}
	icp_ice_type_free(t);
	return rc;
}

static void test_grammar(void)
{
	char c[256];
	CHECK_EQ_INT(parse("long", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "long");
	CHECK_EQ_INT(parse("TimeStamp", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "timestamp");
	CHECK_EQ_INT(parse(" struct< a : long , b:string > ", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "struct<a:long,b:string>");
	CHECK_EQ_INT(parse("list<struct<x:double,tags:list<string>>>", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "list<struct<x:double,tags:list<string>>>");
	CHECK_EQ_INT(parse("map<string,list<map<string,date>>>", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "map<string,list<map<string,date>>>");

	CHECK_EQ_INT(parse("list<", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "at byte 5: expected a type");
	CHECK_EQ_INT(parse("list<long", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "at byte 9: expected '>' closing list<...>");
	CHECK_EQ_INT(parse("struct<>", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected a field name");
	CHECK_EQ_INT(parse("struct<a long>", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected ':' after the field name");
	CHECK_EQ_INT(parse("struct<a:long,a:int>", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "duplicate struct field \"a\"");
	CHECK_EQ_INT(parse("map<long,string>", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "map keys must be string");
	CHECK_EQ_INT(parse("map<string>", NULL, 0), ICP_ERR_INVALID);
	CHECK_EQ_INT(parse("money", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "unknown type \"money\"");
	CHECK_EQ_INT(parse("long>", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected the end of the type");
	CHECK_EQ_INT(parse("", NULL, 0), ICP_ERR_INVALID);
	CHECK_EQ_INT(parse("list<list<list<list<list<list<list<list<list<list<list<list<list<"
	                   "list<list<list<list<long>>>>>>>>>>>>>>>>>", NULL, 0),
	             ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "deeper than 16");
	/* the types analysts expect */
	CHECK_EQ_INT(parse("Decimal( 10 , 2 )", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "decimal(10,2)");
	CHECK_EQ_INT(parse("decimal(38,38)", c, sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "decimal(38,38)");
	CHECK_EQ_INT(parse("struct<t:TIMESTAMPTZ,u:uuid,d:time,m:list<decimal(1,0)>>", c,
	                   sizeof(c)), ICP_OK);
	CHECK_EQ_STR(c, "struct<t:timestamptz,u:uuid,d:time,m:list<decimal(1,0)>>");
	CHECK_EQ_INT(parse("decimal(39,2)", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "at byte 8: decimal precision 39 is not in 1..38");
	CHECK_EQ_INT(parse("decimal(0,0)", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "precision 0 is not in 1..38");
	CHECK_EQ_INT(parse("decimal(5,6)", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "at byte 10: decimal scale 6 is larger than the precision 5");
	CHECK_EQ_INT(parse("decimal", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected '(' after decimal");
	CHECK_EQ_INT(parse("decimal(10)", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected ',' after the decimal precision");
	CHECK_EQ_INT(parse("decimal(10,)", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected the scale");
	CHECK_EQ_INT(parse("decimal(10,2", NULL, 0), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "expected ')' closing decimal(P,S)");
	CHECK_EQ_INT(parse("decimal(99999999999999999999,2)", NULL, 0), ICP_ERR_INVALID);
	CHECK_EQ_INT(parse("fixed[16]", NULL, 0), ICP_ERR_INVALID);
}

static void test_schema_ids(void)
{
	icp_columns_def defs[] = {{"order_id", "long", 1, NULL},
	                          {"addr", "struct<city:string,geo:list<double>>", 0, NULL},
	                          {"attrs", "map<string,long>", 0, NULL},
	                          {"ts", "timestamp", 0, NULL}};
	icp_ice_schema *s = NULL;
	const icp_ice_field *f;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(defs, 4, &s, &err), ICP_OK);
	if (!s)
		return;
	CHECK_EQ_INT(s->root.n_fields, 12);
	f = icp_ice_schema_find(s, "order_id");
	CHECK(f && f->id == 9 && f->required);
	f = icp_ice_schema_find(s, "addr");
	CHECK(f && f->id == 10 && !f->required && f->type->fields[0].id == 11 &&
	      f->type->fields[1].id == 12 && f->type->fields[1].type->element_id == 13);
	f = icp_ice_schema_find(s, "attrs");
	CHECK(f && f->id == 14 && f->type->key_id == 15 && f->type->value_id == 16);
	f = icp_ice_schema_find(s, "ts");
	CHECK(f && f->id == 17 && f->type->kind == ICP_ICE_TIMESTAMP);
	CHECK_EQ_INT(s->highest_field_id, 17);
	icp_ice_schema_free(s);

	defs[0].name = "offset";
	CHECK_EQ_INT(icp_columns_schema(defs, 1, &s, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "\"offset\" clashes");
	icp_error_init(&err);
	defs[0].name = "x";
	defs[0].type = "list<";
	CHECK_EQ_INT(icp_columns_schema(defs, 1, &s, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "column \"x\": type \"list<\" is not a valid type: at byte 5");
}

static void test_registry(void)
{
	const char *js = "{\"type\":\"object\",\"required\":[\"id\",\"nope\"],\"properties\":{"
	                 "\"id\":{\"type\":\"integer\"},\"price\":{\"type\":[\"number\",\"null\"]},"
	                 "\"ok\":{\"type\":\"boolean\"},\"name\":{\"type\":[\"null\",\"string\"]},"
	                 "\"obj\":{\"type\":\"object\"},\"two\":{\"type\":[\"string\",\"integer\"]},"
	                 "\"arr\":{\"type\":\"array\"},\"none\":{}}}";
	icp_arena *a = icp_arena_new(0);
	icp_json *doc = NULL;
	icp_columns_def *d = NULL;
	size_t n = 0;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_json_parse(a, js, strlen(js), NULL, &doc, &err), ICP_OK);
	CHECK_EQ_INT(icp_columns_defs_from_json_schema(doc, a, &d, &n, &err), ICP_OK);
	CHECK_EQ_INT(n, 4);
	if (n == 4) {
		CHECK_EQ_STR(d[0].name, "id");
		CHECK_EQ_STR(d[0].type, "long");
		CHECK_EQ_INT(d[0].required, 1);
		CHECK_EQ_STR(d[1].type, "double");
		CHECK_EQ_INT(d[1].required, 0);
		CHECK_EQ_STR(d[2].type, "boolean");
		CHECK_EQ_STR(d[3].name, "name");
		CHECK_EQ_STR(d[3].type, "string");
	}
	icp_arena_free(a);
}

static icp_ice_schema *want1(const char *name, const char *type)
{
	icp_columns_def d[] = {{"a", "int", 0, NULL}, {"f", "float", 0, NULL}, {name, type, 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_error err;
	icp_error_init(&err);
	icp_columns_schema(d, name ? 3 : 2, &s, &err);
	return s;
}

static void test_evolve(void)
{
	icp_ice_schema *cur = want1(NULL, NULL), *w, *out = NULL;
	const icp_ice_field *f;
	icp_error err;

	CHECK(cur != NULL);
	if (!cur)
		return;
	cur->highest_field_id = 20; /* ids of dropped columns are not reused */
	/* same: nothing */
	icp_error_init(&err);
	w = want1(NULL, NULL);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 0, &out, &err), ICP_OK);
	CHECK(out == NULL);
	icp_ice_schema_free(w);
	/* add a column: new id above the highest, optional, old ids kept */
	w = want1("b", "struct<x:long>");
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 0, &out, &err), ICP_OK);
	CHECK(out != NULL);
	if (out) {
		f = icp_ice_schema_find(out, "b");
		CHECK(f && f->id == 21 && !f->required && f->type->fields[0].id == 22);
		CHECK(icp_ice_schema_find(out, "a")->id == 9);
		CHECK_EQ_INT(out->schema_id, cur->schema_id + 1);
		icp_ice_schema_free(out);
		out = NULL;
	}
	icp_ice_schema_free(w);
	/* widening int->long: refused without the flag, done with it */
	w = want1("a", "long");
	icp_ice_schema_free(w);
	{
		icp_columns_def d[] = {{"a", "long", 0, NULL}, {"f", "double", 0, NULL}};
		icp_columns_schema(d, 2, &w, &err);
	}
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 0, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "table n.t: column a is int in the table, the mapping wants long");
	CHECK_CONTAINS(err.msg, "allow_type_widening");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_OK);
	if (out) {
		CHECK(icp_ice_schema_find(out, "a")->type->kind == ICP_ICE_LONG);
		CHECK(icp_ice_schema_find(out, "a")->id == 9);
		CHECK(icp_ice_schema_find(out, "f")->type->kind == ICP_ICE_DOUBLE);
		/* narrowing back: refused even with the flag */
		icp_ice_schema *narrow = want1(NULL, NULL);
		icp_ice_schema *o2 = NULL;
		icp_error_init(&err);
		CHECK_EQ_INT(icp_columns_evolve("n.t", out, narrow, 1, &o2, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "column a is long in the table, the mapping wants int");
		icp_ice_schema_free(narrow);
		icp_ice_schema_free(out);
		out = NULL;
	}
	icp_ice_schema_free(w);
	/* other type changes: refused */
	{
		icp_columns_def d[] = {{"a", "string", 0, NULL}};
		icp_error_init(&err);
		icp_columns_schema(d, 1, &w, &err);
		CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "column a is int in the table, the mapping wants string");
		icp_ice_schema_free(w);
	}
	{
		icp_columns_def d[] = {{"a", "list<int>", 0, NULL}};
		icp_error_init(&err);
		icp_columns_schema(d, 1, &w, &err);
		CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, "mapping wants list<int>");
		icp_ice_schema_free(w);
	}
	icp_ice_schema_free(cur);
}

static icp_ice_schema *dec(const char *type)
{
	icp_columns_def d[] = {{"amount", "long", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_error err;
	d[0].type = type;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_schema(d, 1, &s, &err), ICP_OK);
	return s;
}

/* decimal: the precision may grow with the same scale (Iceberg's
 * promotion); narrowing or another scale is refused. */
static void test_evolve_decimal(void)
{
	icp_ice_schema *cur = dec("decimal(9,2)"), *w, *out = NULL;
	icp_error err;

	if (!cur)
		return;
	w = dec("decimal(20,2)");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 0, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "table n.t: column amount is decimal(9,2) in the table, the "
	                        "mapping wants decimal(20,2): widening needs "
	                        "schema.allow_type_widening: true");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_OK);
	CHECK(out != NULL);
	if (out) {
		const icp_ice_field *f = icp_ice_schema_find(out, "amount");
		CHECK(f && f->id == 9 && f->type->kind == ICP_ICE_DECIMAL &&
		      f->type->precision == 20 && f->type->scale == 2);
		icp_ice_schema_free(out);
		out = NULL;
	}
	icp_ice_schema_free(w);
	/* same type: nothing to do */
	w = dec("decimal(9,2)");
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_OK);
	CHECK(out == NULL);
	icp_ice_schema_free(w);
	/* narrowing, a scale change, another kind: refused even with the flag */
	w = dec("decimal(8,2)");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "table n.t: column amount is decimal(9,2) in the table, the "
	                        "mapping wants decimal(8,2): only int->long, float->double and "
	                        "a larger decimal precision with the same scale");
	icp_ice_schema_free(w);
	w = dec("decimal(12,4)");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "column amount is decimal(9,2) in the table, the mapping wants "
	                        "decimal(12,4)");
	icp_ice_schema_free(w);
	w = dec("double");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_evolve("n.t", cur, w, 1, &out, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "mapping wants double");
	icp_ice_schema_free(w);
	icp_ice_schema_free(cur);
}

#define BASE "s3: {bucket: b}\niceberg: {catalog: {type: rest, uri: 'http://cat'}, warehouse: 's3://w/wh'}\n" \
             "etcd: {endpoints: [http://etcd:2379]}\n"

static int load(const char *extra, icp_config **cfg)
{
	char yaml[2048];
	icp_error err;
	int rc;
	icp_error_init(&err);
	snprintf(yaml, sizeof(yaml), "%s%s", BASE, extra);
	rc = icp_config_load_string(yaml, strlen(yaml), NULL, cfg, &err);
	snprintf(msg, sizeof(msg), "%s", err.msg);
	return rc;
}

static void test_config(void)
{
	icp_config *cfg = NULL;
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: LONG}, {name: b, type: 'map<string, list<long>>'}]}}]",
	                  &cfg), ICP_OK);
	if (cfg) {
		CHECK_EQ_INT(cfg->mappings[0].schema.columns[0].type, ICP_COL_LONG);
		CHECK_EQ_INT(cfg->mappings[0].schema.columns[1].type, ICP_COL_NESTED);
		CHECK_EQ_STR(cfg->mappings[0].schema.columns[1].type_text, "map<string, list<long>>");
		icp_config_free(cfg);
	}
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: long}, {name: b, type: int}, {name: c, type: 'list<'}]}}]",
	                  &cfg), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "mappings[0].schema.columns[2].type \"list<\" is not a valid type: "
	                    "at byte 5: expected a type");
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: money}]}}]", &cfg), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "mappings[0].schema.columns[0].type \"money\" is not supported");
	/* the new types and format */
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: timestamptz, format: epoch_s}, {name: b, type: uuid},"
	                  "{name: c, type: 'decimal(10,2)', required: true},"
	                  "{name: d, type: time, format: epoch_ms},"
	                  "{name: e, type: 'list<timestamp>', format: rfc3339}]}}]",
	                  &cfg), ICP_OK);
	if (cfg) {
		const icp_config_column *col = cfg->mappings[0].schema.columns;
		CHECK_EQ_INT(col[0].type, ICP_COL_TIMESTAMPTZ);
		CHECK_EQ_INT(col[0].format, ICP_TIME_FMT_EPOCH_S);
		CHECK_EQ_INT(col[1].type, ICP_COL_UUID);
		CHECK_EQ_INT(col[1].format, ICP_TIME_FMT_DEFAULT);
		CHECK_EQ_INT(col[2].type, ICP_COL_NESTED);
		CHECK_EQ_INT(col[3].type, ICP_COL_TIME);
		CHECK_EQ_INT(col[3].format, ICP_TIME_FMT_EPOCH_MS);
		CHECK_EQ_INT(col[4].format, ICP_TIME_FMT_RFC3339);
		icp_config_free(cfg);
	}
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: long}, {name: ts, type: timestamp, format: epoch_ns}]}}]",
	                  &cfg), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "mappings[0].schema.columns[1].format \"epoch_ns\" is not supported "
	                    "(expected rfc3339|epoch_s|epoch_ms|epoch_us)");
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: long, format: epoch_ms}]}}]", &cfg), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "mappings[0].schema.columns[0].format \"epoch_ms\": column \"a\" is "
	                    "long; format applies to timestamp, timestamptz, date and time");
	CHECK_EQ_INT(load("mappings: [{topic: t, table: n.t, schema: {columns: ["
	                  "{name: a, type: 'decimal(40,2)'}]}}]", &cfg), ICP_ERR_INVALID);
	CHECK_CONTAINS(msg, "mappings[0].schema.columns[0].type \"decimal(40,2)\" is not a valid "
	                    "type: at byte 8: decimal precision 40 is not in 1..38");
}

int main(void)
{
	TEST_RUN(test_grammar);
	TEST_RUN(test_schema_ids);
	TEST_RUN(test_registry);
	TEST_RUN(test_evolve);
	TEST_RUN(test_evolve_decimal);
	TEST_RUN(test_config);
	return TEST_DONE();
}
