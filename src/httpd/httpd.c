/*
 * The server: libmicrohttpd with one internal polling thread on a socket
 * we bound (httpd_addr.c), and one request handler that routes by exact
 * path. Bodies are built in an icp_buf and handed to libmicrohttpd, which
 * frees them with icp_free once sent.
 */
#include <stdio.h>
#include <unistd.h>

#include <microhttpd.h>

#include "httpd/httpd_int.h"
#include "log/log.h"

#define HTTPD_DEFAULT_MAX_BODY (64u << 20)
#define HTTPD_REASON_MAX 1024

struct icp_httpd {
	struct MHD_Daemon *daemon;
	icp_metrics_registry *metrics;
	icp_httpd_ready_fn ready;
	void *ready_arg;
	icp_httpd_status_fn status;
	void *status_arg;
	size_t max_body;
	uint16_t port;
};

/* libmicrohttpd's own complaints (accept failures, ...) go to our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	ICP_UNUSED(cls);
	if (!icp_log_enabled(ICP_LOG_LEVEL_WARN))
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	ICP_WARN("httpd", "detail", line);
}

static enum MHD_Result send_static(struct MHD_Connection *c, unsigned code,
                                   const char *type, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	                                    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

/* Sends b's content (taking it) or, if b has a sticky error, a 500. */
static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned code,
                                const char *type, icp_buf *b)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	uint8_t *data;
	size_t len;

	if (b->status != ICP_OK || b->len == 0) {
		const char *why = b->status == ICP_ERR_TOO_LARGE
			? "response too large\n" : "internal error\n";
		icp_buf_dispose(b);
		return send_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                   "text/plain; charset=utf-8", why);
	}
	data = icp_buf_detach(b, &len);
	r = MHD_create_response_from_buffer_with_free_callback(len, data, icp_free);
	if (!r) {
		icp_free(data);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result serve_metrics(icp_httpd *h, struct MHD_Connection *c)
{
	icp_buf b;
	icp_buf_init(&b, h->max_body);
	icp_metrics_expose(h->metrics, &b);
	return send_buf(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b);
}

static enum MHD_Result serve_ready(icp_httpd *h, struct MHD_Connection *c)
{
	icp_buf reason, b;
	int ready;

	if (!h->ready)
		return send_static(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok");
	icp_buf_init(&reason, HTTPD_REASON_MAX);
	ready = h->ready(h->ready_arg, &reason);
	if (ready) {
		icp_buf_dispose(&reason);
		return send_static(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok");
	}
	icp_buf_init(&b, HTTPD_REASON_MAX + 64);
	icp_buf_append_str(&b, "not ready");
	if (reason.len && reason.status == ICP_OK) {
		icp_buf_append_str(&b, ": ");
		icp_buf_append(&b, reason.data, reason.len);
	}
	icp_buf_append_byte(&b, '\n');
	icp_buf_dispose(&reason);
	return send_buf(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", &b);
}

static enum MHD_Result serve_status(icp_httpd *h, struct MHD_Connection *c)
{
	icp_buf b;
	if (!h->status)
		return send_static(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
		                   "no status here\n");
	icp_buf_init(&b, h->max_body);
	if (h->status(h->status_arg, &b) != ICP_OK && b.status == ICP_OK)
		b.status = ICP_ERR_IO; /* any failure becomes a 500 */
	return send_buf(c, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
	icp_httpd *h = cls;
	ICP_UNUSED(version);
	ICP_UNUSED(upload_data);
	ICP_UNUSED(upload_data_size);
	ICP_UNUSED(con_cls);

	/* Answering on the first call is allowed; a request body, if any, is
	 * then discarded by libmicrohttpd and the connection closed. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
		                   "method not allowed\n");
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(h, c);
	if (strcmp(url, "/healthz") == 0)
		return send_static(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok");
	if (strcmp(url, "/readyz") == 0)
		return serve_ready(h, c);
	if (strcmp(url, "/status") == 0)
		return serve_status(h, c);
	return send_static(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
}

int icp_httpd_new(const icp_httpd_config *cfg, icp_httpd **out, icp_error *err)
{
	icp_httpd *h = NULL;
	icp_httpd_addr addr;
	int fd = -1, rc;

	*out = NULL;
	if (!cfg || !cfg->addr)
		return icp_error_set(err, ICP_ERR_INVALID, "httpd: no listen address");
	if ((rc = icp_httpd_parse_addr(cfg->addr, &addr, err)) != ICP_OK)
		return rc;
	h = icp_calloc(1, sizeof *h);
	if (!h)
		return icp_error_set(err, ICP_ERR_NOMEM, "httpd: out of memory");
	h->metrics = cfg->metrics ? cfg->metrics : icp_metrics_global();
	if (!h->metrics) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "httpd: no metrics registry (out of memory)");
		goto out;
	}
	h->ready = cfg->ready;
	h->ready_arg = cfg->ready_arg;
	h->status = cfg->status;
	h->status_arg = cfg->status_arg;
	h->max_body = cfg->max_body ? cfg->max_body : HTTPD_DEFAULT_MAX_BODY;
	if ((rc = icp_httpd_listen(&addr, cfg->addr, &fd, err)) != ICP_OK)
		goto out;
	h->port = icp_httpd_bound_port(fd);
	h->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0,
		NULL, NULL, handle, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, or MHD warns */
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
		MHD_OPTION_END);
	if (!h->daemon) {
		rc = icp_error_set(err, ICP_ERR_IO, "httpd on \"%s\": libmicrohttpd did not start",
		                   cfg->addr);
		goto out;
	}
	fd = -1; /* the daemon owns and closes it */
	*out = h;
	h = NULL;
	rc = ICP_OK;
out:
	if (fd >= 0)
		close(fd);
	icp_free(h);
	return rc;
}

void icp_httpd_free(icp_httpd *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	icp_free(h);
}

uint16_t icp_httpd_port(const icp_httpd *h)
{
	return h ? h->port : 0;
}
