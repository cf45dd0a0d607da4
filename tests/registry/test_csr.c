/* The Confluent Schema Registry client without a server: its answer and
 * error parsers (registry_int.h), option checks, and an unreachable
 * registry. The HTTP side is tests/registry/it_csr.sh. */
#include "registry/registry_int.h"
#include "test.h"

static icp_arena *scratch, *keep;

static int parse(const char *body, int serialized, icp_csr_answer *a, icp_error *err)
{
	icp_error_init(err);
	icp_arena_reset(scratch);
	return icp_csr_parse_answer(scratch, keep, (const uint8_t *)body, strlen(body), serialized,
	                            "http://r/x", a, err);
}

static void test_answers(void)
{
	icp_csr_answer a;
	icp_error err;

	CHECK_EQ_INT(parse("{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}", 0, &a, &err), ICP_OK);
	CHECK_EQ_INT(a.type, ICP_CSR_AVRO);
	CHECK_EQ_INT(a.id, -1);
	CHECK_EQ_INT(a.version, 0);
	CHECK_EQ_INT((int)a.n_refs, 0);
	CHECK_EQ_STR((const char *)a.text.ptr, "{\"type\":\"string\"}");

	CHECK_EQ_INT(parse("{\"subject\":\"s\",\"id\":7,\"version\":3,\"schemaType\":\"JSON\","
	                   "\"schema\":\"{}\",\"references\":[{\"name\":\"m.json\",\"subject\":"
	                   "\"money\",\"version\":2},{\"name\":\"n\",\"subject\":\"a/b c\","
	                   "\"version\":-1}]}",
	                   0, &a, &err),
	             ICP_OK);
	CHECK_EQ_INT(a.type, ICP_CSR_JSON);
	CHECK_EQ_INT(a.id, 7);
	CHECK_EQ_INT(a.version, 3);
	CHECK_EQ_INT((int)a.n_refs, 2);
	if (a.n_refs == 2) {
		CHECK_EQ_STR(a.refs[0].name, "m.json");
		CHECK_EQ_STR(a.refs[0].subject, "money");
		CHECK_EQ_INT(a.refs[0].version, 2);
		CHECK_EQ_STR(a.refs[1].subject, "a/b c");
		CHECK_EQ_INT(a.refs[1].version, -1);
	}

	/* serialized Protobuf: base64 of the descriptor bytes */
	CHECK_EQ_INT(parse("{\"schemaType\":\"PROTOBUF\",\"schema\":\"CgV4LnByb3Rv\"}", 1, &a, &err),
	             ICP_OK);
	CHECK_EQ_INT(a.type, ICP_CSR_PROTOBUF);
	CHECK_EQ_INT((int)a.text.len, 9);
	CHECK(a.text.len == 9 && memcmp(a.text.ptr, "\x0a\x05x.proto", 9) == 0);
	/* not serialized: the .proto text as it is */
	CHECK_EQ_INT(parse("{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax\"}", 0, &a, &err),
	             ICP_OK);
	CHECK_EQ_STR((const char *)a.text.ptr, "syntax");
	/* null references = none */
	CHECK_EQ_INT(parse("{\"schema\":\"\\\"int\\\"\",\"references\":null}", 0, &a, &err), ICP_OK);
}

static void test_bad_answers(void)
{
	static const struct {
		const char *body;
		int serialized;
		const char *msg;
	} bad[] = {
		{"", 0, "json:"},
		{"[1]", 0, "not a JSON object"},
		{"{}", 0, "\"schema\" is missing"},
		{"{\"schema\":5}", 0, "\"schema\" is missing or not a string"},
		{"{\"schema\":\"x\",\"schemaType\":\"XML\"}", 0, "unknown schemaType \"XML\""},
		{"{\"schema\":\"x\",\"schemaType\":1}", 0, "not a string"},
		{"{\"schema\":\"x\",\"id\":-1}", 0, "\"id\""},
		{"{\"schema\":\"x\",\"id\":4294967296}", 0, "\"id\""},
		{"{\"schema\":\"x\",\"id\":\"1\"}", 0, "\"id\""},
		{"{\"schema\":\"x\",\"version\":0}", 0, "\"version\""},
		{"{\"schemaType\":\"PROTOBUF\",\"schema\":\"abc\"}", 1, "not base64"},
		{"{\"schemaType\":\"PROTOBUF\",\"schema\":\"\"}", 1, "empty"},
		{"{\"schema\":\"x\",\"references\":{}}", 0, "not an array"},
		{"{\"schema\":\"x\",\"references\":[1]}", 0, "reference 0"},
		{"{\"schema\":\"x\",\"references\":[{\"name\":\"a\",\"subject\":\"\",\"version\":1}]}", 0,
		 "reference 0"},
		{"{\"schema\":\"x\",\"references\":[{\"name\":\"a\",\"subject\":\"s\"}]}", 0,
		 "reference 0"},
		{"{\"schema\":\"x\",\"references\":[{\"name\":\"a\",\"subject\":\"s\",\"version\":1},"
		 "{\"name\":2,\"subject\":\"s\",\"version\":1}]}",
		 0, "reference 1"},
		{"{\"schema\":\"x\",\"references\":[{\"subject\":\"s\",\"version\":0}]}", 0,
		 "reference 0"},
	};
	icp_csr_answer a;
	icp_error err;
	size_t i;

	for (i = 0; i < ICP_ARRAY_LEN(bad); i++) {
		CHECK_EQ_INT(parse(bad[i].body, bad[i].serialized, &a, &err), ICP_ERR_CORRUPT);
		CHECK_CONTAINS(err.msg, "schema registry http://r/x");
		CHECK_CONTAINS(err.msg, bad[i].msg);
	}
}

static void test_error_code(void)
{
	char msg[16];
	const char *b = "{\"error_code\":40403,\"message\":\"Schema 9\\nnot found at all\"}";
	CHECK_EQ_INT((int)icp_csr_error_code(scratch, (const uint8_t *)b, strlen(b), msg, sizeof(msg)),
	             40403);
	CHECK_EQ_STR(msg, "Schema 9 not fo");
	b = "<html>502</html>";
	CHECK_EQ_INT((int)icp_csr_error_code(scratch, (const uint8_t *)b, strlen(b), msg, sizeof(msg)),
	             0);
	CHECK_EQ_STR(msg, "");
	b = "{\"error_code\":\"x\"}";
	CHECK_EQ_INT((int)icp_csr_error_code(scratch, (const uint8_t *)b, strlen(b), msg, sizeof(msg)),
	             0);
	icp_arena_reset(scratch);
}

static void test_client(void)
{
	icp_csr_opts o;
	icp_csr *c = NULL;
	const icp_csr_schema *s;
	icp_error err;
	int stale;

	icp_csr_free(NULL);
	memset(&o, 0, sizeof(o));
	icp_error_init(&err);
	o.url = "ftp://x";
	CHECK_EQ_INT(icp_csr_new(&o, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "ftp://x");
	icp_error_init(&err);
	o.url = "http://127.0.0.1:1/";
	o.username = "u";
	CHECK_EQ_INT(icp_csr_new(&o, &c, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "password");
	icp_error_init(&err);
	o.password = "p";
	o.timeout_seconds = 1;
	CHECK_EQ_INT(icp_csr_new(&o, &c, &err), ICP_OK);
	if (!c)
		return;
	/* nothing listens on port 1: unreachable, naming the URL, not cached */
	CHECK_EQ_INT(icp_csr_by_id(c, 5, &s, &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "http://127.0.0.1:1/schemas/ids/5");
	CHECK(!strstr(err.msg, "Basic")); /* no credential in messages */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_csr_by_id(c, 5, &s, &err), ICP_ERR_RETRYABLE);
	CHECK_EQ_INT((int)icp_csr_fetches(c), 2);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_csr_by_id(c, -3, &s, &err), ICP_ERR_CORRUPT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_csr_latest(c, "a b/c", &s, &stale, &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "/subjects/a%20b%2Fc/versions/latest");
	CHECK_EQ_STR(icp_csr_type_name(ICP_CSR_PROTOBUF), "PROTOBUF");
	icp_csr_free(c);
}

int main(void)
{
	scratch = icp_arena_new(0);
	keep = icp_arena_new(0);
	TEST_RUN(test_answers);
	TEST_RUN(test_bad_answers);
	TEST_RUN(test_error_code);
	TEST_RUN(test_client);
	icp_arena_free(scratch);
	icp_arena_free(keep);
	return TEST_DONE();
}
