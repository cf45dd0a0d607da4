/* Unit tests for src/iceberg/iceberg_schema*.c: primitive names, the base
 * columns, JSON round trips with nested types, parse errors, and the
 * conversion to Parquet fields. */
#include "iceberg/iceberg.h"
#include "test.h"

static void test_primitives(void)
{
	icp_ice_type t;
	char name[64];

	CHECK_EQ_INT(icp_ice_parse_primitive("long", &t), ICP_OK);
	CHECK_EQ_INT(t.kind, ICP_ICE_LONG);
	CHECK_EQ_INT(icp_ice_parse_primitive("timestamptz", &t), ICP_OK);
	CHECK_EQ_INT(t.kind, ICP_ICE_TIMESTAMPTZ);
	CHECK_EQ_INT(icp_ice_parse_primitive("decimal(10, 2)", &t), ICP_OK);
	CHECK_EQ_INT(t.kind, ICP_ICE_DECIMAL);
	CHECK_EQ_INT(t.precision, 10);
	CHECK_EQ_INT(t.scale, 2);
	icp_ice_type_name(&t, name, sizeof(name));
	CHECK_EQ_STR(name, "decimal(10,2)");
	CHECK_EQ_INT(icp_ice_parse_primitive("fixed[16]", &t), ICP_OK);
	CHECK_EQ_INT(t.length, 16);
	icp_ice_type_name(&t, name, sizeof(name));
	CHECK_EQ_STR(name, "fixed[16]");
	CHECK_EQ_INT(icp_ice_parse_primitive("decimal(39,2)", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_ice_parse_primitive("decimal(5,6)", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_ice_parse_primitive("decimal(5,2", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_ice_parse_primitive("fixed[0]", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_ice_parse_primitive("struct", &t), ICP_ERR_INVALID);
	CHECK_EQ_INT(icp_ice_parse_primitive("Long", &t), ICP_ERR_INVALID);
	CHECK_EQ_STR(icp_ice_kind_name(ICP_ICE_UUID), "uuid");
}

static void test_base(void)
{
	static const char *names[] = {"record_id", "topic", "partition", "offset",
	                              "timestamp_ms", "key", "value", "headers"};
	static const int kinds[] = {ICP_ICE_STRING, ICP_ICE_STRING, ICP_ICE_INT, ICP_ICE_LONG,
	                            ICP_ICE_LONG, ICP_ICE_BINARY, ICP_ICE_BINARY, ICP_ICE_STRING};
	icp_ice_schema *s = icp_ice_schema_base();
	icp_buf b;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(s->root.n_fields, 8);
	CHECK_EQ_INT(s->highest_field_id, 8);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ_INT(s->root.fields[i].id, i + 1);
		CHECK_EQ_STR(s->root.fields[i].name, names[i]);
		CHECK_EQ_INT(s->root.fields[i].type->kind, kinds[i]);
		CHECK_EQ_INT(s->root.fields[i].required, i < 5);
	}
	CHECK(icp_ice_schema_find(s, "offset") == &s->root.fields[3]);
	CHECK(icp_ice_schema_find(s, "nope") == NULL);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_schema_to_json(s, &b), ICP_OK);
	CHECK_CONTAINS((char *)b.data,
	               "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":"
	               "\"record_id\",\"required\":true,\"type\":\"string\"}");
	CHECK_CONTAINS((char *)b.data, "{\"id\":6,\"name\":\"key\",\"required\":false,\"type\":\"binary\"}");
	icp_buf_dispose(&b);
	icp_ice_schema_free(s);
}

static const char nested_json[] =
	"{\"type\":\"struct\",\"schema-id\":3,\"identifier-field-ids\":[1],\"fields\":["
	"{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\",\"doc\":\"the key\"},"
	"{\"id\":2,\"name\":\"price\",\"required\":false,\"type\":\"decimal(9,2)\"},"
	"{\"id\":3,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
	"\"element-id\":6,\"element\":\"string\",\"element-required\":true}},"
	"{\"id\":4,\"name\":\"attrs\",\"required\":true,\"type\":{\"type\":\"map\",\"key-id\":7,"
	"\"key\":\"string\",\"value-id\":8,\"value\":{\"type\":\"struct\",\"fields\":["
	"{\"id\":9,\"name\":\"v\",\"required\":false,\"type\":\"fixed[4]\"}]},"
	"\"value-required\":false}},"
	"{\"id\":5,\"name\":\"loc\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
	"{\"id\":10,\"name\":\"lat\",\"required\":true,\"type\":\"double\"},"
	"{\"id\":11,\"name\":\"points\",\"required\":false,\"type\":{\"type\":\"list\","
	"\"element-id\":12,\"element\":{\"type\":\"struct\",\"fields\":[{\"id\":13,\"name\":\"x\","
	"\"required\":true,\"type\":\"int\"}]},\"element-required\":false}}]}}]}";

static icp_ice_schema *parse_schema(const char *text, icp_arena *a, icp_error *err)
{
	icp_json *root = NULL;
	icp_ice_schema *s = NULL;

	if (icp_json_parse(a, text, strlen(text), NULL, &root, err) != ICP_OK)
		return NULL;
	icp_ice_schema_from_json(root, &s, err);
	return s;
}

static void test_nested_roundtrip(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_ice_schema *s, *s2, *c;
	icp_buf b;
	const icp_ice_type *m;

	icp_error_init(&err);
	s = parse_schema(nested_json, a, &err);
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		icp_arena_free(a);
		return;
	}
	CHECK_EQ_INT(s->schema_id, 3);
	CHECK_EQ_INT(s->highest_field_id, 13);
	CHECK_EQ_STR(s->root.fields[0].doc, "the key");
	m = s->root.fields[3].type;
	CHECK_EQ_INT(m->kind, ICP_ICE_MAP);
	CHECK_EQ_INT(m->key_id, 7);
	CHECK_EQ_INT(m->value_id, 8);
	CHECK_EQ_INT(m->value->fields[0].type->length, 4);
	CHECK_EQ_INT(s->root.fields[2].type->element_required, 1);

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_schema_to_json(s, &b), ICP_OK);
	CHECK_CONTAINS((char *)b.data, "{\"type\":\"list\",\"element-id\":6,\"element\":\"string\","
	                               "\"element-required\":true}");
	CHECK_CONTAINS((char *)b.data, "\"key-id\":7,\"key\":\"string\",\"value-id\":8");
	s2 = parse_schema((const char *)b.data, a, &err);
	CHECK(s2 != NULL);
	CHECK(icp_ice_schema_equal(s, s2));
	c = icp_ice_schema_copy(s);
	CHECK(icp_ice_schema_equal(s, c));
	/* a different requiredness deep inside makes them differ */
	c->root.fields[4].type->fields[1].type->element->fields[0].required = 0;
	CHECK(!icp_ice_schema_equal(s, c));
	icp_ice_schema_free(c);
	icp_ice_schema_free(s2);
	icp_ice_schema_free(s);
	icp_buf_dispose(&b);
	icp_arena_free(a);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,"
		 "\"type\":\"varchar\"}]}",
		 "unknown type \"varchar\" at fields.0.type"},
		{"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"required\":true,\"type\":\"int\"}]}",
		 "missing or invalid integer at fields.0.id"},
		{"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,"
		 "\"type\":{\"type\":\"list\",\"element-id\":2,\"element-required\":true}}]}",
		 "missing type at fields.0.type.element"},
		{"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":\"yes\","
		 "\"type\":\"int\"}]}",
		 "missing or invalid boolean at fields.0.required"},
		{"{\"type\":\"struct\"}", "missing fields array at fields"},
	};
	icp_arena *a = icp_arena_new(0);

	for (size_t i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_error err;
		icp_ice_schema *s;
		icp_error_init(&err);
		s = parse_schema(cases[i].json, a, &err);
		CHECK(s == NULL);
		CHECK_EQ_INT(err.status, ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, cases[i].msg);
		icp_ice_schema_free(s);
	}
	icp_arena_free(a);
}

static void test_to_parquet(void)
{
	icp_arena *a = icp_arena_new(0);
	icp_error err;
	icp_ice_schema *s;
	icp_parquet_field *f = NULL;
	size_t n = 0;

	icp_error_init(&err);
	s = parse_schema(nested_json, a, &err);
	CHECK(s != NULL);
	if (!s) {
		icp_arena_free(a);
		return;
	}
	CHECK_EQ_INT(icp_ice_schema_to_parquet(s, &f, &n), ICP_OK);
	/* id price tags element attrs key value v loc lat points element x */
	CHECK_EQ_INT(n, 13);
	if (n == 13) {
		static const int ids[] = {1, 2, 3, 6, 4, 7, 8, 9, 5, 10, 11, 12, 13};
		static const int parents[] = {-1, -1, -1, 2, -1, 4, 4, 6, -1, 8, 8, 10, 11};
		for (size_t i = 0; i < n; i++) {
			CHECK_EQ_INT(f[i].field_id, ids[i]);
			CHECK_EQ_INT(f[i].parent, parents[i]);
		}
		CHECK_EQ_INT(f[1].kind, ICP_PARQUET_DECIMAL);
		CHECK_EQ_INT(f[1].precision, 9);
		CHECK_EQ_INT(f[2].kind, ICP_PARQUET_LIST);
		CHECK_EQ_STR(f[3].name, "element");
		CHECK_EQ_INT(f[3].required, 1);
		CHECK_EQ_INT(f[4].kind, ICP_PARQUET_MAP);
		CHECK_EQ_INT(f[4].required, 1);
		CHECK_EQ_STR(f[5].name, "key");
		CHECK_EQ_INT(f[5].required, 1);
		CHECK_EQ_INT(f[6].kind, ICP_PARQUET_STRUCT);
		CHECK_EQ_INT(f[6].required, 0);
		CHECK_EQ_INT(f[7].kind, ICP_PARQUET_FIXED);
		CHECK_EQ_INT(f[7].length, 4);
		CHECK_EQ_INT(f[11].required, 0);
	}
	icp_free(f);
	icp_ice_schema_free(s);
	icp_arena_free(a);
}

static void test_build(void)
{
	icp_ice_schema *s = icp_ice_schema_new(1);
	icp_ice_type *l = icp_ice_type_new(ICP_ICE_LIST);
	icp_ice_type prim;
	icp_buf b;

	l->element_id = 20;
	l->element_required = 0;
	l->element = icp_ice_type_new(ICP_ICE_STRING);
	CHECK_EQ_INT(icp_ice_schema_add_type(s, 9, "names", 0, l), ICP_OK);
	CHECK_EQ_INT(s->highest_field_id, 20);
	icp_ice_parse_primitive("uuid", &prim);
	CHECK_EQ_INT(icp_ice_schema_add(s, 21, "u", 1, &prim), ICP_OK);
	CHECK_EQ_INT(s->highest_field_id, 21);
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	CHECK_EQ_INT(icp_ice_schema_to_json(s, &b), ICP_OK);
	CHECK_EQ_STR((char *)b.data,
	             "{\"type\":\"struct\",\"schema-id\":1,\"fields\":[{\"id\":9,\"name\":\"names\","
	             "\"required\":false,\"type\":{\"type\":\"list\",\"element-id\":20,\"element\":"
	             "\"string\",\"element-required\":false}},{\"id\":21,\"name\":\"u\","
	             "\"required\":true,\"type\":\"uuid\"}]}");
	icp_buf_dispose(&b);
	icp_ice_schema_free(s);
	icp_ice_schema_free(NULL);
	icp_ice_type_free(NULL);
}

int main(void)
{
	TEST_RUN(test_primitives);
	TEST_RUN(test_base);
	TEST_RUN(test_nested_roundtrip);
	TEST_RUN(test_parse_errors);
	TEST_RUN(test_to_parquet);
	TEST_RUN(test_build);
	return TEST_DONE();
}
