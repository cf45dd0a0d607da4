/*
 * S3 over the one HTTP transport (src/http). A small pool of icp_http
 * clients: a request takes an idle client (or makes one) and gives it
 * back, so sequential requests reuse one connection and concurrent ones
 * never share a client (an icp_http is single-threaded). This file is
 * also where S3 maps the transport's outcomes to its status codes.
 */
#include "s3/s3_int.h"

#include <pthread.h>
#include <strings.h>

/* Idle clients kept: enough for every upload thread of a writer at the
 * largest s3.upload_concurrency plus a few readers, so concurrent parts
 * keep their connections (an idle client is a handle and one socket). */
#define POOL_MAX (ICP_S3_UPLOAD_CONCURRENCY_MAX + 8)
#define MAX_LINES 48

struct icp_s3_http {
	pthread_mutex_t mu;
	icp_http *idle[POOL_MAX];
	size_t n_idle;
	icp_http_opts o; /* ca_file points at ca_bundle */
	char *ca_bundle;
};

icp_s3_http *icp_s3_http_new(const icp_s3_http_opts *o)
{
	icp_s3_http *h;
	icp_http *first = NULL;

	h = icp_calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	pthread_mutex_init(&h->mu, NULL);
	h->o.connect_timeout_ms = o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
	h->o.timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : 60000;
	h->o.low_speed_secs = o && o->low_speed_secs > 0 ? o->low_speed_secs : 30;
	/* S3 calls are safe to repeat or guarded (If-None-Match); keep the
	 * connection for multipart POSTs as well. */
	h->o.reuse_for_mutations = 1;
	if (o && o->ca_bundle && *o->ca_bundle && !(h->ca_bundle = icp_strdup(o->ca_bundle)))
		goto fail;
	h->o.ca_file = h->ca_bundle;
	/* One client up front: reports a libcurl that cannot start now. */
	if (icp_http_new(&h->o, &first, NULL) != ICP_OK)
		goto fail;
	h->idle[h->n_idle++] = first;
	return h;
fail:
	icp_s3_http_free(h);
	return NULL;
}

void icp_s3_http_free(icp_s3_http *h)
{
	size_t i;
	if (!h)
		return;
	for (i = 0; i < h->n_idle; i++)
		icp_http_free(h->idle[i]);
	pthread_mutex_destroy(&h->mu);
	icp_free(h->ca_bundle);
	icp_free(h);
}

int icp_s3_http_take(icp_s3_http *h, icp_http **out, icp_error *err)
{
	*out = NULL;
	pthread_mutex_lock(&h->mu);
	if (h->n_idle > 0)
		*out = h->idle[--h->n_idle];
	pthread_mutex_unlock(&h->mu);
	if (*out)
		return ICP_OK;
	return icp_http_new(&h->o, out, err);
}

void icp_s3_http_give_back(icp_s3_http *h, icp_http *c, int healthy)
{
	if (!c)
		return;
	pthread_mutex_lock(&h->mu);
	if (healthy && h->n_idle < POOL_MAX) {
		h->idle[h->n_idle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&h->mu);
	icp_http_free(c);
}

int icp_s3_http_status(icp_http_outcome o, int transport_rc)
{
	switch (o) {
	case ICP_HTTP_NOT_SENT:
	case ICP_HTTP_UNKNOWN: /* S3 requests are idempotent or guarded */
		return ICP_ERR_RETRYABLE;
	case ICP_HTTP_LOCAL:
		return transport_rc ? transport_rc : ICP_ERR_NOMEM;
	case ICP_HTTP_OK:
	case ICP_HTTP_RETRY_STATUS:
	case ICP_HTTP_FINAL_STATUS:
		return ICP_OK;
	default: /* bad setup: TLS verification, CA file, URL */
		return ICP_ERR_IO;
	}
}

void icp_s3_http_resp_fill(icp_s3_http_resp *r, const icp_http_headers *hd)
{
	const char *v;
	size_t n;

	r->etag[0] = 0;
	r->content_range[0] = 0;
	if ((v = icp_http_header(hd, "etag")) != NULL) {
		n = strlen(v) < sizeof(r->etag) - 1 ? strlen(v) : sizeof(r->etag) - 1;
		memcpy(r->etag, v, n);
		r->etag[n] = 0;
	}
	if ((v = icp_http_header(hd, "content-range")) != NULL) {
		n = strlen(v) < sizeof(r->content_range) - 1 ? strlen(v)
		                                              : sizeof(r->content_range) - 1;
		memcpy(r->content_range, v, n);
		r->content_range[n] = 0;
	}
	r->has_length = icp_http_header_u64(hd, "content-length", &r->content_length);
	if (!r->has_length)
		r->content_length = 0;
}

int icp_s3_http_exec(icp_s3_http *h, const char *method, const char *url,
                     const char *const *headers, size_t n_headers, const void *body,
                     size_t len, icp_s3_http_resp *resp, icp_error *err)
{
	const char *lines[MAX_LINES];
	icp_http_response r;
	icp_http *c = NULL;
	icp_slice send = icp_slice_make(NULL, 0);
	icp_error e;
	size_t i, n = 0;
	int rc, has_type = 0;

	resp->status = 0;
	resp->etag[0] = 0;
	resp->content_range[0] = 0;
	resp->has_length = 0;
	resp->content_length = 0;
	if (n_headers > MAX_LINES - 2)
		return icp_error_set(err, ICP_ERR_INVALID, "%s %s: %zu header lines", method, url,
		                     n_headers);
	for (i = 0; i < n_headers; i++) {
		lines[n++] = headers[i];
		has_type |= strncasecmp(headers[i], "content-type:", 13) == 0;
	}
	/* No form content type (curl's default for a body). */
	if (body && !has_type)
		lines[n++] = "Content-Type: application/octet-stream";
	/* PUT and POST always carry a length, if only 0. */
	if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		send = icp_slice_make(body ? body : "", len);
	lines[n] = NULL;
	if ((rc = icp_s3_http_take(h, &c, err)) != ICP_OK)
		return rc;
	icp_http_response_init(&r);
	r.append_to = resp->body;
	icp_error_init(&e);
	rc = icp_http_request(c, method, url, lines, send, &r, &e);
	if (rc == ICP_OK) {
		resp->status = r.status;
		icp_s3_http_resp_fill(resp, &r.headers);
	} else {
		rc = icp_error_set(err, icp_s3_http_status(r.outcome, rc), "%s", e.msg);
	}
	icp_http_response_dispose(&r);
	icp_s3_http_give_back(h, c, rc == ICP_OK);
	return rc;
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
