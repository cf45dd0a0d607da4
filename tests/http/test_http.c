/* The one HTTP transport: percent-encoding, option checks, and the
 * classification of outcomes against a tiny server this test runs on
 * 127.0.0.1 in a thread: refused port (not sent), accept-and-close and a
 * stall past the timeout (sent, unknown), 503/429/404/200 statuses, a
 * bad URL scheme (bad setup), oversized headers and bodies (local), and
 * the streaming API (whole body in bounded pieces; a cut mid-body). */
#include "http/http.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
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

/* ------------------------------------------------------- a tiny server */

enum mode { M_CLOSE, M_STATUS, M_STALL, M_BIGHDR, M_BIGBODY, M_CUT };

typedef struct server {
	int fd, port;
	enum mode mode;
	int status;      /* M_STATUS */
	int conns;       /* connections to serve */
	size_t body_len; /* M_BIGBODY, M_CUT */
	pthread_t t;
} server;

/* Reads the request head (bodies are small and ignored). */
static void read_request(int c)
{
	char buf[4096];
	size_t have = 0;
	while (have < sizeof(buf) - 1) {
		ssize_t n = recv(c, buf + have, sizeof(buf) - 1 - have, 0);
		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = 0;
		if (strstr(buf, "\r\n\r\n"))
			return;
	}
}

static void send_all(int c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(c, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void send_body(int c, size_t n)
{
	char chunk[8192];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		send_all(c, chunk, k);
		n -= k;
	}
}

static void *serve(void *ud)
{
	server *s = ud;
	char head[256];
	for (int i = 0; i < s->conns; i++) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		read_request(c);
		switch (s->mode) {
		case M_CLOSE:
			break;
		case M_STATUS:
			snprintf(head, sizeof(head),
			         "HTTP/1.1 %d X\r\nContent-Length: 2\r\nETag: \"e1\"\r\n"
			         "Connection: close\r\n\r\nhi",
			         s->status);
			send_all(c, head, strlen(head));
			break;
		case M_STALL: {
			char b[64];
			while (recv(c, b, sizeof(b), 0) > 0) /* until the client gives up */
				;
			break;
		}
		case M_BIGHDR:
			send_all(c, "HTTP/1.1 200 OK\r\nX-Big: ", 24);
			send_body(c, ICP_HTTP_HEADER_LINE_MAX + 100);
			send_all(c, "\r\nContent-Length: 0\r\n\r\n", 23);
			break;
		case M_BIGBODY:
		case M_CUT:
			snprintf(head, sizeof(head),
			         "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			         s->body_len);
			send_all(c, head, strlen(head));
			send_body(c, s->mode == M_CUT ? s->body_len / 2 : s->body_len);
			break;
		}
		close(c);
	}
	return NULL;
}

static void server_start(server *s, enum mode m, int conns)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int one = 1;

	s->mode = m;
	s->conns = conns;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(s->fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(s->fd, 8) == 0);
	CHECK(getsockname(s->fd, (struct sockaddr *)&a, &l) == 0);
	s->port = ntohs(a.sin_port);
	CHECK(pthread_create(&s->t, NULL, serve, s) == 0);
}

static void server_stop(server *s)
{
	pthread_join(s->t, NULL);
	close(s->fd);
}

static icp_http *client(long timeout_ms, size_t max_response)
{
	icp_http_opts o;
	icp_http *h = NULL;
	icp_error err;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	o.max_response = max_response;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_new(&o, &h, &err), ICP_OK);
	return h;
}

/* One request to the server; returns the transport's status. */
static int one(icp_http *h, const server *s, const char *method, icp_http_response *r,
               icp_error *err)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s->port);
	icp_error_init(err);
	return icp_http_request(h, method, url, NULL,
	                        strcmp(method, "POST") == 0 ? icp_slice_cstr("{}")
	                                                    : icp_slice_make(NULL, 0),
	                        r, err);
}

static void test_not_sent(void)
{
	icp_http *h = client(2000, 0);
	icp_http_response r;
	icp_error err;
	char url[64];

	icp_http_response_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_request(h, "PUT", url, NULL, icp_slice_cstr("x"), &r, &err),
	             ICP_ERR_RETRYABLE);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_NOT_SENT);
	CHECK(r.status == 0);
	/* a scheme the transport refuses: not sent, and not worth repeating */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_request(h, "GET", "ftp://127.0.0.1/x", NULL, icp_slice_make(NULL, 0),
	                              &r, &err),
	             ICP_ERR_IO);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_BAD_SETUP);
	CHECK(icp_http_outcome_not_sent(r.outcome));
	icp_http_response_dispose(&r);
	icp_http_free(h);
}

static void test_sent_unknown(void)
{
	icp_http *h = client(400, 0);
	icp_http_response r;
	icp_error err;
	server s;
	uint64_t t0;

	icp_http_response_init(&r);
	/* accepted, read, closed without a word */
	server_start(&s, M_CLOSE, 1);
	CHECK_EQ_INT(one(h, &s, "POST", &r, &err), ICP_ERR_UNKNOWN);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_UNKNOWN);
	CHECK_CONTAINS(err.msg, "may have been received");
	server_stop(&s);
	/* no answer within the total timeout */
	server_start(&s, M_STALL, 1);
	t0 = icp_mono_ns();
	CHECK_EQ_INT(one(h, &s, "GET", &r, &err), ICP_ERR_UNKNOWN);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_UNKNOWN);
	CHECK((icp_mono_ns() - t0) / 1000000u < 5000);
	CHECK(r.status == 0);
	server_stop(&s);
	icp_http_response_dispose(&r);
	icp_http_free(h);
}

static void test_statuses(void)
{
	static const struct {
		int status;
		icp_http_outcome o;
	} cases[] = {{200, ICP_HTTP_OK},           {503, ICP_HTTP_RETRY_STATUS},
	             {429, ICP_HTTP_RETRY_STATUS}, {408, ICP_HTTP_RETRY_STATUS},
	             {404, ICP_HTTP_FINAL_STATUS}, {403, ICP_HTTP_FINAL_STATUS}};
	icp_http *h = client(2000, 0);
	icp_http_response r;
	icp_error err;
	server s;

	icp_http_response_init(&r);
	for (size_t i = 0; i < ICP_ARRAY_LEN(cases); i++) {
		s.status = cases[i].status;
		server_start(&s, M_STATUS, 1);
		CHECK_EQ_INT(one(h, &s, "GET", &r, &err), ICP_OK);
		CHECK(r.status == cases[i].status);
		CHECK_EQ_INT(r.outcome, cases[i].o);
		CHECK_EQ_STR(icp_http_header(&r.headers, "etag"), "\"e1\"");
		CHECK(r.body.len == 2 && memcmp(r.body.data, "hi", 2) == 0);
		server_stop(&s);
	}
	icp_http_response_dispose(&r);
	icp_http_free(h);
}

static void test_local_limits(void)
{
	icp_http *h = client(5000, 1000);
	icp_http_response r;
	icp_buf into;
	icp_error err;
	server s;

	icp_http_response_init(&r);
	server_start(&s, M_BIGHDR, 1);
	CHECK_EQ_INT(one(h, &s, "GET", &r, &err), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_LOCAL);
	server_stop(&s);
	s.body_len = 5000;
	server_start(&s, M_BIGBODY, 2);
	CHECK_EQ_INT(one(h, &s, "GET", &r, &err), ICP_ERR_TOO_LARGE);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_LOCAL);
	/* append_to: the caller's buffer and its own bound */
	icp_buf_init(&into, 10000);
	icp_buf_append_str(&into, "pre");
	r.append_to = &into;
	CHECK_EQ_INT(one(h, &s, "GET", &r, &err), ICP_OK);
	CHECK(into.len == 5003 && memcmp(into.data, "preabc", 6) == 0);
	server_stop(&s);
	icp_buf_dispose(&into);
	icp_http_response_dispose(&r);
	icp_http_free(h);
}

static void test_stream(void)
{
	icp_http *h = client(2000, 0);
	icp_http_response r;
	icp_http_stream *st = NULL;
	icp_http_outcome o;
	icp_error err;
	server s;
	uint8_t buf[7000];
	size_t got, total = 0;
	int rc, bad = 0;
	char url[64];

	icp_http_response_init(&r);
	s.body_len = 3 * ICP_HTTP_STREAM_BUF + 123;
	server_start(&s, M_BIGBODY, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", s.port);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_stream_open(h, "GET", url, NULL, &r, &st, &err), ICP_OK);
	CHECK(r.status == 200);
	CHECK_EQ_STR(icp_http_header(&r.headers, "content-length"), "3145851");
	/* the client is lent to the stream meanwhile */
	CHECK_EQ_INT(icp_http_request(h, "GET", url, NULL, icp_slice_make(NULL, 0), &r, &err),
	             ICP_ERR_INVALID);
	do {
		icp_error_init(&err);
		rc = icp_http_stream_read(st, buf, sizeof(buf), &got, &o, &err);
		for (size_t i = 0; i < got; i++)
			bad |= buf[i] != (uint8_t)('a' + (total + i) % 8192 % 26);
		total += got;
	} while (rc == ICP_OK && got > 0);
	CHECK_EQ_INT(rc, ICP_OK);
	CHECK(!bad);
	CHECK(total == s.body_len);
	CHECK(icp_http_stream_complete(st));
	icp_http_stream_close(st);
	server_stop(&s);

	/* cut mid-body: the request was answered, the rest is unknown */
	s.body_len = 200000;
	server_start(&s, M_CUT, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/cut", s.port);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_stream_open(h, "GET", url, NULL, &r, &st, &err), ICP_OK);
	total = 0;
	do {
		icp_error_init(&err);
		rc = icp_http_stream_read(st, buf, sizeof(buf), &got, &o, &err);
		total += got;
	} while (rc == ICP_OK && got > 0);
	CHECK_EQ_INT(rc, ICP_ERR_UNKNOWN);
	CHECK_EQ_INT(o, ICP_HTTP_UNKNOWN);
	CHECK(total == 100000);
	CHECK(!icp_http_stream_complete(st));
	icp_http_stream_close(st);
	server_stop(&s);

	/* nothing listening: no stream */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	icp_error_init(&err);
	CHECK_EQ_INT(icp_http_stream_open(h, "GET", url, NULL, &r, &st, &err), ICP_ERR_RETRYABLE);
	CHECK(st == NULL);
	CHECK_EQ_INT(r.outcome, ICP_HTTP_NOT_SENT);
	icp_http_stream_close(NULL);
	icp_http_response_dispose(&r);
	icp_http_free(h);
}

int main(void)
{
	TEST_RUN(test_escape);
	TEST_RUN(test_refused);
	TEST_RUN(test_not_sent);
	TEST_RUN(test_sent_unknown);
	TEST_RUN(test_statuses);
	TEST_RUN(test_local_limits);
	TEST_RUN(test_stream);
	return TEST_DONE();
}
