/* The REST backend's pure helpers: namespace encoding in paths and bodies,
 * OAuth2 token responses, the /v1/config merge, error texts. */
#include "catalog/catalog_int.h"
#include "test.h"

static const char *ns_path(icp_buf *b, const char *ns, int *rc)
{
	icp_buf_reset(b);
	*rc = icp_catalog_rest_ns_path(b, ns);
	return b->data ? (const char *)b->data : "";
}

static void test_ns_path(void)
{
	icp_buf b;
	int rc;
	icp_buf_init(&b, 1024);
	CHECK_EQ_STR(ns_path(&b, "shop", &rc), "shop");
	CHECK_EQ_INT(rc, ICP_OK);
	CHECK_EQ_STR(ns_path(&b, "a.b.c", &rc), "a%1Fb%1Fc");
	CHECK_EQ_STR(ns_path(&b, "sp ace/x%", &rc), "sp%20ace%2Fx%25");
	CHECK_EQ_STR(ns_path(&b, "d\xc3\xa9j-_.~", &rc), "d%C3%A9j-_%1F~");
	ns_path(&b, "a..b", &rc);
	CHECK_EQ_INT(rc, ICP_ERR_INVALID);
	ns_path(&b, "", &rc);
	CHECK_EQ_INT(rc, ICP_ERR_INVALID);
	ns_path(&b, "a.", &rc);
	CHECK_EQ_INT(rc, ICP_ERR_INVALID);
	icp_buf_dispose(&b);
}

static void test_ns_json(void)
{
	icp_buf b;
	icp_json_writer w;
	icp_buf_init(&b, 1024);
	icp_json_writer_init(&w, &b, 0);
	icp_catalog_rest_ns_json(&w, "a.b\"c");
	CHECK_EQ_INT(icp_json_writer_finish(&w), ICP_OK);
	CHECK_EQ_STR((const char *)b.data, "[\"a\",\"b\\\"c\"]");
	icp_buf_dispose(&b);
}

static int token(const char *body, char **tok, int64_t *exp, icp_error *err)
{
	icp_error_init(err);
	return icp_catalog_rest_parse_token(body, strlen(body), tok, exp, err);
}

static void test_token(void)
{
	icp_error err;
	char *tok = NULL;
	int64_t exp = -1;

	CHECK_EQ_INT(token("{\"access_token\":\"abc\",\"token_type\":\"Bearer\","
	                   "\"expires_in\":3600}", &tok, &exp, &err), ICP_OK);
	CHECK_EQ_STR(tok, "abc");
	CHECK(exp == 3600);
	icp_free(tok);
	CHECK_EQ_INT(token("{\"access_token\":\"t\",\"token_type\":\"N_A\","
	                   "\"issued_token_type\":\"urn:x\"}", &tok, &exp, &err), ICP_OK);
	CHECK(exp == 0);
	icp_free(tok);
	CHECK_EQ_INT(token("{\"token_type\":\"bearer\"}", &tok, &exp, &err), ICP_ERR_CORRUPT);
	CHECK_CONTAINS(err.msg, "access_token");
	CHECK(tok == NULL);
	CHECK_EQ_INT(token("{\"access_token\":\"a\\nb\"}", &tok, &exp, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("{\"access_token\":\"\"}", &tok, &exp, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("{\"access_token\":\"a\",\"token_type\":\"mac\"}", &tok, &exp, &err),
	             ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("{\"access_token\":\"a\",\"expires_in\":-5}", &tok, &exp, &err),
	             ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("{\"access_token\":\"a\",\"expires_in\":\"60\"}", &tok, &exp, &err),
	             ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("[1]", &tok, &exp, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("{\"access_token\":", &tok, &exp, &err), ICP_ERR_CORRUPT);
	CHECK_EQ_INT(token("", &tok, &exp, &err), ICP_ERR_CORRUPT);
}

static void test_config_pick(void)
{
	const char *doc = "{\"defaults\":{\"prefix\":\"d\",\"scope\":\"s\",\"n\":1},"
	                  "\"overrides\":{\"warehouse\":\"ow\"}}";
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;

	CHECK_EQ_INT(icp_json_parse(a, doc, strlen(doc), NULL, &root, NULL), ICP_OK);
	CHECK_EQ_STR(icp_catalog_rest_config_pick(root, "prefix", NULL), "d");
	CHECK_EQ_STR(icp_catalog_rest_config_pick(root, "prefix", "mine"), "mine");
	CHECK_EQ_STR(icp_catalog_rest_config_pick(root, "prefix", ""), "d");
	CHECK_EQ_STR(icp_catalog_rest_config_pick(root, "warehouse", "mine"), "ow");
	CHECK(icp_catalog_rest_config_pick(root, "n", NULL) == NULL); /* not a string */
	CHECK(icp_catalog_rest_config_pick(root, "absent", NULL) == NULL);
	CHECK(icp_catalog_rest_config_pick(NULL, "prefix", NULL) == NULL);
	CHECK_EQ_STR(icp_catalog_rest_config_pick(NULL, "prefix", "c"), "c");
	icp_arena_free(a);
}

static const char *etext(icp_buf *b, const char *body)
{
	icp_buf_reset(b);
	icp_catalog_rest_error_text(body, strlen(body), b);
	return (const char *)b->data;
}

static void test_error_text(void)
{
	icp_buf b;
	icp_buf_init(&b, 4096);
	CHECK_EQ_STR(etext(&b, "{\"error\":{\"message\":\"Requirement failed\",\"type\":"
	                       "\"CommitFailedException\",\"code\":409}}"),
	             "CommitFailedException: Requirement failed");
	CHECK_EQ_STR(etext(&b, "{\"error\":{\"message\":\"m\\nx\"}}"), "m x");
	CHECK_EQ_STR(etext(&b, "<html>bad\r\ngateway"), "<html>bad  gateway");
	CHECK_EQ_STR(etext(&b, ""), "(empty response)");
	icp_buf_dispose(&b);
}

int main(void)
{
	TEST_RUN(test_ns_path);
	TEST_RUN(test_ns_json);
	TEST_RUN(test_token);
	TEST_RUN(test_config_pick);
	TEST_RUN(test_error_text);
	return TEST_DONE();
}
