/* Registry columns against a tiny local HTTP server (python3 http.server
 * on an ephemeral port over a temp dir): columns, caching by time,
 * refresh on expiry, outage keeps the last good schema (stale), 404
 * without a good schema is an error. */
#include "columns/columns.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/icp-registry-XXXXXX";
static pid_t server = -1;
static int port;

static void put(const char *name, const char *text)
{
	char p[256];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int start_server(void)
{
	static const char *py =
	        "import http.server, socketserver, sys, os, functools\n"
	        "class Q(http.server.SimpleHTTPRequestHandler):\n"
	        "    def log_message(self, *a): pass\n"
	        "h = functools.partial(Q, directory=sys.argv[1])\n"
	        "s = socketserver.TCPServer(('127.0.0.1', 0), h)\n"
	        "open(sys.argv[1] + '/port.tmp', 'w').write(str(s.server_address[1]))\n"
	        "os.rename(sys.argv[1] + '/port.tmp', sys.argv[1] + '/port')\n"
	        "s.serve_forever()\n";
	char p[256];
	int i;

	server = fork();
	if (server == 0) {
		execl("/usr/bin/python3", "python3", "-c", py, dir, (char *)NULL);
		_exit(127);
	}
	snprintf(p, sizeof(p), "%s/port", dir);
	for (i = 0; i < 200; i++) {
		FILE *f = fopen(p, "r");
		if (f) {
			int ok = fscanf(f, "%d", &port) == 1;
			fclose(f);
			if (ok)
				return 1;
		}
		usleep(50000);
	}
	return 0;
}

static void stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = -1;
	}
}

static void test_registry(void)
{
	icp_columns_registry *r = NULL;
	const icp_columns_def *d = NULL;
	char url[128];
	size_t n = 0;
	int stale = -1;
	icp_error err;

	put("orders.json", "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{"
	                   "\"id\":{\"type\":\"integer\"},\"price\":{\"type\":[\"number\",\"null\"]}}}");
	CHECK(start_server());
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_registry_new(url, 2, 60, &r, &err), ICP_OK);
	if (!r)
		return;
	CHECK_EQ_INT(icp_columns_registry_get(r, "orders", 1000, &d, &n, &stale, &err), ICP_OK);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(stale, 0);
	if (n == 2) {
		CHECK_EQ_STR(d[0].name, "id");
		CHECK_EQ_STR(d[0].type, "long");
		CHECK_EQ_INT(d[0].required, 1);
		CHECK_EQ_STR(d[1].type, "double");
	}
	/* changed on the server: still the cached one within cache_seconds */
	put("orders.json", "{\"properties\":{\"id\":{\"type\":\"integer\"},\"ok\":{\"type\":"
	                   "\"boolean\"},\"s\":{\"type\":\"string\"}}}");
	CHECK_EQ_INT(icp_columns_registry_get(r, "orders", 60999, &d, &n, &stale, &err), ICP_OK);
	CHECK_EQ_INT(n, 2);
	/* expired: refreshed */
	CHECK_EQ_INT(icp_columns_registry_get(r, "orders", 61000, &d, &n, &stale, &err), ICP_OK);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(stale, 0);
	/* unknown topic: 404 and no good schema: an error */
	CHECK_EQ_INT(icp_columns_registry_get(r, "nope", 61000, &d, &n, &stale, &err),
	             ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "nope.json: HTTP 404");
	/* a broken document after expiry: the last good one, stale */
	icp_error_init(&err);
	put("orders.json", "{not json");
	CHECK_EQ_INT(icp_columns_registry_get(r, "orders", 200000, &d, &n, &stale, &err), ICP_OK);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(stale, 1);
	CHECK_CONTAINS(err.msg, "schema registry");
	/* registry down: the last good one, stale, and why */
	stop_server();
	icp_error_init(&err);
	CHECK_EQ_INT(icp_columns_registry_get(r, "orders", 400000, &d, &n, &stale, &err), ICP_OK);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(stale, 1);
	CHECK_CONTAINS(err.msg, "schema registry: GET http://127.0.0.1:");
	icp_columns_registry_free(r);
}

int main(void)
{
	char p[256];
	if (!mkdtemp(dir))
		return 1;
	TEST_RUN(test_registry);
	stop_server();
	snprintf(p, sizeof(p), "%s/orders.json", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/port", dir);
	unlink(p);
	rmdir(dir);
	return TEST_DONE();
}
