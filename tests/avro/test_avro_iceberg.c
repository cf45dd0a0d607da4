/* Tests for src/avro/avro_iceberg.c: the Iceberg columns of a nested
 * reader schema (every type and logical type, unions, ids depth-first,
 * everything optional) and the refusals naming the path (recursion,
 * decimal precision, top level not a record). */
#include "avro/avro.h"
#include "columns/columns.h"
#include "iceberg/iceberg.h"
#include "test.h"

static const char *NESTED =
	"{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"long\"},"
	"{\"name\":\"n\",\"type\":\"int\"},"
	"{\"name\":\"ok\",\"type\":\"boolean\"},"
	"{\"name\":\"f\",\"type\":\"float\"},"
	"{\"name\":\"d\",\"type\":\"double\"},"
	"{\"name\":\"s\",\"type\":[\"null\",\"string\"]},"
	"{\"name\":\"raw\",\"type\":\"bytes\"},"
	"{\"name\":\"hash\",\"type\":{\"type\":\"fixed\",\"name\":\"H\",\"size\":16}},"
	"{\"name\":\"st\",\"type\":{\"type\":\"enum\",\"name\":\"St\",\"symbols\":[\"A\"]}},"
	"{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
	"{\"name\":\"pf\",\"type\":{\"type\":\"fixed\",\"name\":\"P\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":18,\"scale\":0}},"
	"{\"name\":\"uid\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
	"{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
	"{\"name\":\"t1\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
	"{\"name\":\"t2\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
	"{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
	"{\"name\":\"tsn\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}},"
	"{\"name\":\"lts\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
	"{\"name\":\"nothing\",\"type\":\"null\"},"
	"{\"name\":\"addr\",\"type\":{\"type\":\"record\",\"name\":\"Addr\",\"fields\":["
	"  {\"name\":\"zip\",\"type\":\"string\"},"
	"  {\"name\":\"geo\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"double\"}]}]}},"
	"{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Line\",\"fields\":["
	"  {\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"at\",\"type\":\"Addr\"}]}}},"
	"{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"long\"]}},"
	"{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\",\"Addr\"]}"
	"]}";

static void test_nested_schema(void)
{
	icp_avro_schema *s = NULL;
	icp_ice_schema *is = NULL;
	icp_error err;
	icp_buf b;
	size_t i;

	icp_error_init(&err);
	icp_buf_init(&b, 1 << 20);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr(NESTED), &s, &err), ICP_OK);
	CHECK_EQ_INT(icp_avro_schema_to_iceberg(s, &is, &err), ICP_OK);
	if (!is)
		goto out;
	icp_columns_type_text(&is->root, &b);
	icp_buf_append_byte(&b, 0);
	CHECK_EQ_STR((const char *)b.data,
	             "struct<id:long,n:int,ok:boolean,f:float,d:double,s:string,raw:binary,"
	             "hash:fixed[16],st:string,price:decimal(10,2),pf:decimal(18,0),uid:uuid,"
	             "day:date,t1:time,t2:time,ts:timestamptz,tsn:timestamptz,lts:timestamp,"
	             "addr:struct<zip:string,geo:list<double>>,"
	             "lines:list<struct<sku:string,at:struct<zip:string,geo:list<double>>>>,"
	             "attrs:map<string,long>,"
	             "u:struct<member0:int,member1:string,member2:struct<zip:string,geo:list<double>>>>");
	/* everything optional; ids depth-first */
	for (i = 0; i < is->root.n_fields; i++)
		CHECK_EQ_INT(is->root.fields[i].required, 0);
	CHECK_EQ_INT(is->root.fields[0].id, 1);
	CHECK_EQ_INT(is->root.fields[17].id, 18); /* lts */
	{
		const icp_ice_field *addr = icp_ice_schema_find(is, "addr");
		const icp_ice_field *lines = icp_ice_schema_find(is, "lines");
		const icp_ice_field *attrs = icp_ice_schema_find(is, "attrs");
		CHECK(addr && addr->id == 19 && addr->type->fields[0].id == 20 &&
		      addr->type->fields[0].required == 0 && addr->type->fields[1].id == 21 &&
		      addr->type->fields[1].type->element_id == 22 &&
		      addr->type->fields[1].type->element_required == 0);
		CHECK(lines && lines->id == 23 && lines->type->element_id == 24 &&
		      lines->type->element_required == 0 &&
		      lines->type->element->fields[1].type->fields[0].required == 0);
		CHECK(attrs && attrs->type->kind == ICP_ICE_MAP && attrs->type->value_required == 0 &&
		      attrs->type->key_id + 1 == attrs->type->value_id);
	}
	CHECK(icp_ice_schema_find(is, "nothing") == NULL);
	CHECK(is->highest_field_id >= 30);
out:
	icp_buf_dispose(&b);
	icp_ice_schema_free(is);
	icp_avro_schema_free(s);
}

static void refused(const char *text, const char *msg)
{
	icp_avro_schema *s = NULL;
	icp_ice_schema *is = NULL;
	icp_error err;

	icp_error_init(&err);
	CHECK_EQ_INT(icp_avro_schema_parse(NULL, 0, icp_slice_cstr(text), &s, &err), ICP_OK);
	if (!s)
		return;
	CHECK_EQ_INT(icp_avro_schema_to_iceberg(s, &is, &err), ICP_ERR_INVALID);
	CHECK(is == NULL);
	CHECK_CONTAINS(err.msg, msg);
	icp_avro_schema_free(s);
}

static void test_refusals(void)
{
	refused("{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
	        "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"K\","
	        "\"fields\":[{\"name\":\"node\",\"type\":[\"null\",\"Node\"]}]}}}]}",
	        "field kids.element.node: recursive record Node");
	refused("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"record\","
	        "\"name\":\"A\",\"fields\":[{\"name\":\"big\",\"type\":{\"type\":\"bytes\",\"logicalType\":"
	        "\"decimal\",\"precision\":39,\"scale\":2}}]}}]}",
	        "field a.big: decimal precision 39");
	refused("{\"type\":\"array\",\"items\":\"int\"}", "the top-level schema is not a record");
	refused("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\","
	        "\"items\":\"null\"}}]}",
	        "field a: array of nulls");
}

int main(void)
{
	TEST_RUN(test_nested_schema);
	TEST_RUN(test_refusals);
	return TEST_DONE();
}
