/* The rest catalog backend through the catalog API against the test REST
 * server (tests/catalog/rest_server.py, started here on a free port):
 * /v1/config prefix, nested namespaces, create/load, table config,
 * requirement failures -> CONFLICT, other 4xx -> INVALID with the
 * catalog's message, 5xx after applying -> UNKNOWN, 404 -> NOT_FOUND. */
#include "catalog/catalog_int.h"
#include "http/http.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256], url[128];
static pid_t server = -1;

static int start_server(void)
{
	char state[300], portf[300], wh[300], port[32] = {0};
	FILE *f = NULL;

	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(portf, sizeof(portf), "%s/port", root);
	snprintf(wh, sizeof(wh), "file://%s/wh", root);
	server = fork();
	if (server == 0) {
		execl("/usr/bin/python3", "python3", "tests/catalog/rest_server.py", "--state", state,
		      "--port-file", portf, "--prefix", "p1", "--warehouse", wh, "--table-config",
		      "{\"s3.endpoint\": \"http://vended:9000\"}", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !port[0]; i++) {
		usleep(100000);
		if ((f = fopen(portf, "r")) != NULL) {
			if (!fgets(port, sizeof(port), f))
				port[0] = 0;
			fclose(f);
		}
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%s", port);
	return port[0] ? 0 : -1;
}

static void set_faults(const char *json)
{
	icp_http *h = NULL;
	icp_http_response r;
	icp_error err;
	char u[200];

	icp_error_init(&err);
	icp_http_response_init(&r);
	snprintf(u, sizeof(u), "%s/test/faults", url);
	CHECK_EQ_INT(icp_http_new(NULL, &h, &err), ICP_OK);
	CHECK_EQ_INT(icp_http_request(h, "POST", u, NULL, icp_slice_cstr(json), &r, &err), ICP_OK);
	CHECK(r.status == 200);
	icp_http_response_dispose(&r);
	icp_http_free(h);
}

static void make_commit(const icp_ice_metadata *base, icp_ice_commit *c, icp_ice_kv *sum)
{
	memset(c, 0, sizeof(*c));
	c->assert_uuid = icp_ice_metadata_uuid(base);
	c->assert_main = 1;
	c->main_snapshot_id = icp_ice_metadata_main_snapshot(base);
	c->has_snapshot = 1;
	c->snapshot_id = icp_ice_snapshot_id();
	c->parent_snapshot_id = c->main_snapshot_id;
	c->sequence_number = icp_ice_metadata_last_sequence(base) + 1;
	c->timestamp_ms = icp_now_ms();
	c->manifest_list = "file:///nowhere/snap-list.avro";
	c->snapshot_schema_id = 0;
	sum[0].key = "operation";
	sum[0].value = "append";
	c->summary = sum;
	c->n_summary = 1;
}

static void test_catalog(void)
{
	icp_storage *store = NULL;
	icp_catalog *c = NULL;
	icp_catalog_opts o;
	icp_ice_metadata *m = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;
	icp_ice_schema *s = icp_ice_schema_base(), *s2;
	icp_ice_commit cm;
	icp_ice_kv sum[1];
	icp_ice_type t = {0};
	icp_error err;
	char wh[300], loc[400];
	const char *props[] = {"write.format.default", "parquet", NULL};

	icp_error_init(&err);
	snprintf(wh, sizeof(wh), "file://%s/wh", root);
	snprintf(loc, sizeof(loc), "%s/a/b/t", wh);
	CHECK_EQ_INT(icp_storage_open(wh, &store, &err), ICP_OK);
	memset(&o, 0, sizeof(o));
	o.type = "rest";
	o.uri = url;
	o.warehouse = wh;
	o.warehouse_store = store;
	CHECK_EQ_INT(icp_catalog_open(&o, &c, &err), ICP_OK);
	if (!c) {
		fprintf(stderr, "open: %s\n", err.msg);
		icp_storage_free(store);
		return;
	}
	CHECK_EQ_INT(icp_catalog_load_table(c, "a.b", "t", &m, &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "/v1/p1/namespaces/a%1Fb/tables/t");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_create_namespace(c, "a.b", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_create_namespace(c, "a.b", &err), ICP_OK); /* idempotent */
	CHECK_EQ_INT(icp_catalog_create_table(c, "a.b", "t", s, loc, props, &m, &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_create_table(c, "a.b", "t", s, loc, props, &m2, &err),
	             ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "AlreadyExistsException");
	icp_error_init(&err);
	CHECK_EQ_STR(icp_catalog_config(c, "s3.endpoint"), "http://vended:9000");
	CHECK_EQ_STR(icp_catalog_config(c, "clients"), "4"); /* /v1/config defaults */
	CHECK_EQ_STR(icp_ice_metadata_table_location(m), loc);
	CHECK_EQ_STR(icp_ice_metadata_property(m, "write.format.default"), "parquet");

	/* a data commit, then the same base again: assert-ref-snapshot-id */
	make_commit(m, &cm, sum);
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m, &cm, &m2, &err), ICP_OK);
	CHECK(icp_ice_metadata_main_snapshot(m2) == cm.snapshot_id);
	CHECK_CONTAINS(icp_ice_metadata_file_location(m2), "/metadata/00001-");
	make_commit(m, &cm, sum);
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m, &cm, &m3, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "CommitFailedException");
	icp_error_init(&err);
	make_commit(m2, &cm, sum);
	cm.assert_uuid = "00000000-0000-4000-8000-000000000000";
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m2, &cm, &m3, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "UUID");
	icp_error_init(&err);

	/* schema change: a wrong last-assigned-field-id fails, the right one
	 * adds the schema and makes it current */
	s2 = icp_ice_schema_copy(s);
	t.kind = ICP_ICE_STRING;
	CHECK_EQ_INT(icp_ice_schema_add(s2, 9, "extra", 0, &t), ICP_OK);
	make_commit(m2, &cm, sum);
	cm.has_snapshot = 0;
	cm.assert_schema = 1;
	cm.current_schema_id = icp_ice_metadata_current_schema_id(m2);
	cm.last_assigned_field_id = icp_ice_metadata_last_column_id(m2) + 5;
	cm.add_schema = s2;
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m2, &cm, &m3, &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "last assigned field id");
	icp_error_init(&err);
	cm.last_assigned_field_id = icp_ice_metadata_last_column_id(m2);
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m2, &cm, &m3, &err), ICP_OK);
	CHECK_EQ_INT(icp_ice_metadata_current_schema_id(m3), 1);
	CHECK_EQ_INT(icp_ice_metadata_last_column_id(m3), 9);
	icp_ice_schema_free(s2);

	/* another 4xx: a clear error with the catalog's message and the URL */
	make_commit(m3, &cm, sum);
	cm.sequence_number = 1; /* not above the table's */
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m3, &cm, &m4, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "HTTP 400: BadRequestException: sequence number");
	CHECK_CONTAINS(err.msg, url);
	icp_error_init(&err);

	/* 503 after applying: UNKNOWN, and the reload shows it landed */
	set_faults("{\"queue\": [\"503-after\"]}");
	make_commit(m3, &cm, sum);
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m3, &cm, &m4, &err), ICP_ERR_UNKNOWN);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_load_table(c, "a.b", "t", &m4, &err), ICP_OK);
	CHECK(icp_ice_metadata_main_snapshot(m4) == cm.snapshot_id);
	icp_ice_metadata_free(m4);
	m4 = NULL;
	/* 409 injected: CONFLICT; connection cut before applying: UNKNOWN */
	set_faults("{\"queue\": [\"409\", \"cut-before\"]}");
	CHECK_EQ_INT(icp_catalog_load_table(c, "a.b", "t", &m4, &err), ICP_OK);
	icp_ice_metadata_free(m); /* the create result; m is reused below */
	m = NULL;
	make_commit(m4, &cm, sum);
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m4, &cm, &m, &err), ICP_ERR_CONFLICT);
	icp_error_init(&err);
	icp_ice_metadata_free(m);
	m = NULL;
	CHECK_EQ_INT(icp_catalog_commit_table(c, "a.b", "t", m4, &cm, &m, &err), ICP_ERR_UNKNOWN);
	CHECK_CONTAINS(err.msg, "may have been received");
	icp_error_init(&err);

	icp_ice_metadata_free(m);
	icp_ice_metadata_free(m2);
	icp_ice_metadata_free(m3);
	icp_ice_metadata_free(m4);
	icp_ice_schema_free(s);
	icp_catalog_free(c);
	icp_storage_free(store);
}

int main(void)
{
	char tmpl[] = "/tmp/icp-rest-XXXXXX";
	char cmd[300];
	int rc;

	if (!mkdtemp(tmpl))
		return 1;
	snprintf(root, sizeof(root), "%s", tmpl);
	if (start_server() != 0) {
		fprintf(stderr, "the test REST server did not start\n");
		return 1;
	}
	TEST_RUN(test_catalog);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	rc = system(cmd);
	ICP_UNUSED(rc);
	return TEST_DONE();
}
