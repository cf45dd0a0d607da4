/* The generic HTTP client: percent-encoding, option checks, and the
 * error class of a request that never left (connection refused ->
 * ICP_ERR_RETRYABLE, naming the URL). Exchanges with a real server are
 * covered by tests/catalog/it_rest_*.sh. */
#include "http/http.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_escape(void)
{
	icp_buf b;
	icp_buf_init(&b, 64);
	CHECK_EQ_INT(icp_http_escape(&b, "aZ09-._~ /?&=%\x1f\xff", 16), ICP_OK);
	CHECK_EQ_STR((const char *)b.data, "aZ09-._~%20%2F%3F%26%3D%25%1F%FF");
	icp_buf_dispose(&b);
	icp_buf_init(&b, 4); /* bounded: the sticky error comes back */
	CHECK_EQ_INT(icp_http_escape(&b, "////", 4), ICP_ERR_TOO_LARGE);
	icp_buf_dispose(&b);
}

/* A port nothing listens on: bind, read the port, close. */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &l) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int calls;
static long last_status = -1;
static void on_debug(void *ud, const char *method, const char *url, long status, int64_t ms)
{
	ICP_UNUSED(ud);
	ICP_UNUSED(url);
	ICP_UNUSED(ms);
	CHECK_EQ_STR(method, "POST");
	calls++;
	last_status = status;
}

static void test_refused(void)
{
	icp_http_opts o;
	icp_http *h = NULL;
	icp_http_response r;
	icp_error err;
	char url[64];
	const char *hdr[] = {"Authorization: Bearer sekrit", NULL};

	memset(&o, 0, sizeof(o));
	o.timeout_ms = -1;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_new(&o, &h, &err), ICP_ERR_INVALID);
	o.timeout_ms = 2000;
	o.debug = on_debug;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_new(&o, &h, &err), ICP_OK);
	icp_http_response_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/x", closed_port());
	CHECK_EQ_INT(icp_http_request(h, "POST", url, hdr, icp_slice_cstr("{}"), &r, &err),
	             ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, url);
	CHECK(strstr(err.msg, "sekrit") == NULL);
	CHECK_EQ_INT(calls, 1);
	CHECK(last_status == 0);
	icp_http_response_dispose(&r);
	icp_http_free(h);
	icp_http_free(NULL);
}

int main(void)
{
	TEST_RUN(test_escape);
	TEST_RUN(test_refused);
	return TEST_DONE();
}
