/* Tests for src/httpd: listen-address parsing (the KAFSCALE_METRICS_ADDR
 * forms and their errors) and one in-process round trip over a raw socket
 * (tests/httpd/it_httpd.sh does the full check with curl and promtool). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd/httpd.h"
#include "test.h"

static void test_parse_ok(void)
{
	static const struct {
		const char *in, *host;
		unsigned port;
	} cases[] = {
		{":9093", "", 9093},
		{"127.0.0.1:9093", "127.0.0.1", 9093},
		{"[::1]:9093", "::1", 9093},
		{"[::]:0", "::", 0},
		{"localhost:65535", "localhost", 65535},
		{"0.0.0.0:00080", "0.0.0.0", 80},
	};
	for (size_t i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_httpd_addr a;
		icp_error err;
		icp_error_init(&err);
		CHECK_EQ_INT(icp_httpd_parse_addr(cases[i].in, &a, &err), ICP_OK);
		CHECK_EQ_STR(a.host, cases[i].host);
		CHECK_EQ_INT(a.port, cases[i].port);
	}
}

static void test_parse_errors(void)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{"", "empty"},
		{"9093", "\"9093\": missing port"},
		{"localhost", "missing port"},
		{"127.0.0.1:", "missing port"},
		{":http", "port \"http\" is not a number from 0 to 65535"},
		{":65536", "port \"65536\" is not a number"},
		{":123456", "is not a number"},
		{":-1", "is not a number"},
		{"::1:9093", "IPv6 address must be in brackets"},
		{"[::1:9093", "missing ']'"},
		{"[::1]9093", "missing port after ']'"},
		{"[::1]:", "missing port"},
		{"[nope]:80", "\"nope\" is not an IPv6 address"},
	};
	for (size_t i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		icp_httpd_addr a;
		icp_error err;
		icp_error_init(&err);
		CHECK_EQ_INT(icp_httpd_parse_addr(cases[i].in, &a, &err), ICP_ERR_INVALID);
		CHECK_CONTAINS(err.msg, cases[i].msg);
	}
	icp_error err;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_httpd_parse_addr(NULL, &(icp_httpd_addr){{0}, 0}, &err), ICP_ERR_INVALID);
}

/* GET path over HTTP/1.0 on 127.0.0.1:port; returns the whole reply. */
static char *get(uint16_t port, const char *path)
{
	struct sockaddr_in sa = {0};
	char req[256];
	icp_buf b;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	icp_buf_init(&b, 1 << 20);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0);
	CHECK_EQ_INT(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
	CHECK_EQ_INT(write(fd, req, strlen(req)), (long)strlen(req));
	while (icp_buf_reserve(&b, 4096) == ICP_OK &&
	       (n = read(fd, b.data + b.len, 4096)) > 0)
		b.len += (size_t)n;
	close(fd);
	icp_buf_append_byte(&b, 0);
	return (char *)icp_buf_detach(&b, NULL);
}

static int not_ready(void *arg, icp_buf *reason)
{
	icp_buf_append_str(reason, (const char *)arg);
	return 0;
}

static void test_round_trip(void)
{
	icp_metrics_registry *r = NULL;
	icp_metrics_family *f = NULL;
	icp_metrics_desc d = {ICP_METRICS_COUNTER, "rt_total", "Round trips.", {NULL}, NULL, 0};
	icp_httpd_config cfg = {"127.0.0.1:0", NULL, not_ready, "catalog unreachable", NULL, NULL, 0};
	icp_httpd *h = NULL, *h2 = NULL;
	icp_error err;
	char *reply, addr[32];

	icp_error_init(&err);
	CHECK_EQ_INT(icp_metrics_registry_new(&r, &err), ICP_OK);
	CHECK_EQ_INT(icp_metrics_declare(r, &d, &f, &err), ICP_OK);
	icp_metrics_counter_add(icp_metrics_counter_get(f, NULL, 0, NULL), 7);
	cfg.metrics = r;
	CHECK_EQ_INT(icp_httpd_new(&cfg, &h, &err), ICP_OK);
	CHECK(icp_httpd_port(h) != 0);
	if (!h) {
		icp_metrics_registry_free(r);
		return;
	}

	reply = get(icp_httpd_port(h), "/metrics");
	CHECK_CONTAINS(reply, " 200 OK\r\n");
	CHECK_CONTAINS(reply, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
	CHECK_CONTAINS(reply, "\r\n\r\n# HELP rt_total Round trips.\n# TYPE rt_total counter\nrt_total 7\n");
	icp_free(reply);
	reply = get(icp_httpd_port(h), "/readyz");
	CHECK_CONTAINS(reply, " 503 ");
	CHECK_CONTAINS(reply, "\r\n\r\nnot ready: catalog unreachable\n");
	icp_free(reply);
	reply = get(icp_httpd_port(h), "/status");
	CHECK_CONTAINS(reply, " 404 ");
	icp_free(reply);

	/* The same port again: a clear error naming the address. */
	snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)icp_httpd_port(h));
	cfg.addr = addr;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_httpd_new(&cfg, &h2, &err), ICP_ERR_IO);
	CHECK(h2 == NULL);
	CHECK_CONTAINS(err.msg, addr);
	CHECK_CONTAINS(err.msg, "Address already in use");
	/* A bad address fails before binding anything. */
	cfg.addr = "nope";
	icp_error_init(&err);
	CHECK_EQ_INT(icp_httpd_new(&cfg, &h2, &err), ICP_ERR_INVALID);
	CHECK_CONTAINS(err.msg, "missing port");

	icp_httpd_free(h);
	icp_httpd_free(NULL);
	icp_metrics_registry_free(r);
}

int main(void)
{
	TEST_RUN(test_parse_ok);
	TEST_RUN(test_parse_errors);
	TEST_RUN(test_round_trip);
	return TEST_DONE();
}
