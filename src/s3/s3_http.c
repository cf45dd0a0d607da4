/*
 * The libcurl transport. A small pool of easy handles: a request takes an
 * idle handle (or makes one), resets its options with curl_easy_reset —
 * which keeps the handle's live connections, DNS and TLS session caches —
 * and gives it back, so sequential requests reuse one connection and
 * concurrent ones never share a handle. Bodies are sent from memory and
 * received into a bounded icp_buf; the few response headers the client
 * needs (ETag, Content-Length, Content-Range) are captured on the way.
 */
#include "s3/s3_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#define POOL_MAX 8

struct icp_s3_http {
	pthread_mutex_t mu;
	CURL *idle[POOL_MAX];
	size_t n_idle;
	char *ca_bundle;
	long connect_ms, timeout_ms, low_speed_secs;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

icp_s3_http *icp_s3_http_new(const icp_s3_http_opts *o)
{
	icp_s3_http *h;

	pthread_once(&global_once, global_init);
	if (global_rc != 0)
		return NULL;
	h = icp_calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	pthread_mutex_init(&h->mu, NULL);
	h->connect_ms = o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
	h->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : 60000;
	h->low_speed_secs = o && o->low_speed_secs > 0 ? o->low_speed_secs : 30;
	if (o && o->ca_bundle && *o->ca_bundle && !(h->ca_bundle = icp_strdup(o->ca_bundle))) {
		icp_s3_http_free(h);
		return NULL;
	}
	return h;
}

void icp_s3_http_free(icp_s3_http *h)
{
	size_t i;
	if (!h)
		return;
	for (i = 0; i < h->n_idle; i++)
		curl_easy_cleanup(h->idle[i]);
	pthread_mutex_destroy(&h->mu);
	icp_free(h->ca_bundle);
	icp_free(h);
}

static CURL *take(icp_s3_http *h)
{
	CURL *e = NULL;
	pthread_mutex_lock(&h->mu);
	if (h->n_idle > 0)
		e = h->idle[--h->n_idle];
	pthread_mutex_unlock(&h->mu);
	if (e)
		curl_easy_reset(e);
	else
		e = curl_easy_init();
	return e;
}

static void give_back(icp_s3_http *h, CURL *e, int healthy)
{
	pthread_mutex_lock(&h->mu);
	if (healthy && h->n_idle < POOL_MAX) {
		h->idle[h->n_idle++] = e;
		e = NULL;
	}
	pthread_mutex_unlock(&h->mu);
	if (e)
		curl_easy_cleanup(e);
}

void icp_s3_http_setup(const icp_s3_http *h, void *easy, int stream)
{
	CURL *e = easy;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	if (!stream)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->low_speed_secs);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_bundle);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
}

int icp_s3_http_curl_status(int code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		return ICP_ERR_RETRYABLE;
	default:
		return ICP_ERR_IO;
	}
}

/* Copies the trimmed value of header line p[0..n) into out when its name
 * is name. */
static void header_value(const char *p, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), vl;
	const char *v;
	if (n <= nl || p[nl] != ':' || strncasecmp(p, name, nl) != 0)
		return;
	v = p + nl + 1;
	vl = n - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= cap)
		vl = cap - 1;
	memcpy(out, v, vl);
	out[vl] = 0;
}

size_t icp_s3_http_header_cb(char *p, size_t size, size_t n, void *ctx)
{
	icp_s3_http_resp *r = ctx;
	size_t len = size * n;
	char cl[32] = "";

	/* A new status line (after a 100 Continue or a redirect) starts over. */
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->etag[0] = 0;
		r->content_range[0] = 0;
		r->has_length = 0;
		return len;
	}
	header_value(p, len, "etag", r->etag, sizeof(r->etag));
	header_value(p, len, "content-range", r->content_range, sizeof(r->content_range));
	header_value(p, len, "content-length", cl, sizeof(cl));
	if (cl[0]) {
		char *end;
		unsigned long long v = strtoull(cl, &end, 10);
		if (*end == 0) {
			r->content_length = v;
			r->has_length = 1;
		}
	}
	return len;
}

static size_t body_cb(char *p, size_t size, size_t n, void *ctx)
{
	icp_s3_http_resp *r = ctx;
	size_t len = size * n;
	if (r->body && icp_buf_append(r->body, p, len) != ICP_OK)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	return len;
}

int icp_s3_http_exec(icp_s3_http *h, const char *method, const char *url,
                     const char *const *headers, size_t n_headers, const void *body,
                     size_t len, icp_s3_http_resp *resp, icp_error *err)
{
	struct curl_slist *hl = NULL, *t;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *e = take(h);
	CURLcode cc;
	size_t i;
	int rc = ICP_ERR_NOMEM;

	resp->status = 0;
	resp->etag[0] = 0;
	resp->content_range[0] = 0;
	resp->has_length = 0;
	resp->content_length = 0;
	if (!e)
		return icp_error_set(err, ICP_ERR_NOMEM, "curl_easy_init failed");
	for (i = 0; i < n_headers; i++) {
		if (!(t = curl_slist_append(hl, headers[i])))
			goto nomem;
		hl = t;
	}
	/* No "Expect: 100-continue" round trip; no form content type. */
	if (!(t = curl_slist_append(hl, "Expect:")))
		goto nomem;
	hl = t;
	for (i = 0; i < n_headers && strncasecmp(headers[i], "content-type:", 13) != 0; i++)
		;
	if (body && i == n_headers) {
		if (!(t = curl_slist_append(hl, "Content-Type: application/octet-stream")))
			goto nomem;
		hl = t;
	}
	icp_s3_http_setup(h, e, 0);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, icp_s3_http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		}
	}
	cc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	if (cc == CURLE_WRITE_ERROR && resp->body && resp->body->status != ICP_OK) {
		rc = icp_error_set(err, resp->body->status, "%s %s: response body exceeds %zu bytes",
		                   method, url, resp->body->max);
		resp->status = 0;
	} else if (cc != CURLE_OK) {
		rc = icp_error_set(err, icp_s3_http_curl_status((int)cc), "%s %s: %s", method, url,
		                   errbuf[0] ? errbuf : curl_easy_strerror(cc));
		resp->status = 0;
	} else {
		rc = ICP_OK;
	}
	curl_slist_free_all(hl);
	give_back(h, e, rc == ICP_OK);
	return rc;
nomem:
	curl_slist_free_all(hl);
	give_back(h, e, 1);
	return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
}

/* ------------------------------------------ icp_s3_http_transport adapter */

static int transport_perform(void *ctx, const icp_s3_http_request *req, int *status,
                             icp_buf *body, icp_error *err)
{
	icp_s3_http_resp r;
	int rc;
	memset(&r, 0, sizeof(r));
	r.body = body;
	rc = icp_s3_http_exec(ctx, req->method, req->url, req->headers, req->n_headers,
	                      req->body, req->body_len, &r, err);
	*status = (int)r.status;
	return rc;
}

icp_s3_http_transport icp_s3_http_transport_of(icp_s3_http *h)
{
	icp_s3_http_transport t;
	t.perform = transport_perform;
	t.ctx = h;
	return t;
}
