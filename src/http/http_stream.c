/*
 * Streaming responses: libcurl's multi interface drives the transfer from
 * icp_http_stream_read(); the write callback copies into a bounded buffer
 * and returns CURL_WRITEFUNC_PAUSE when it is full, so at most
 * ICP_HTTP_STREAM_BUF bytes (plus one curl chunk) are held whatever the
 * body size. The stream borrows its client's easy handle (its TLS and
 * timeout options included) for its lifetime.
 */
#include "http/http_int.h"

struct icp_http_stream {
	icp_http *h;
	CURLM *m;
	struct curl_slist *hl;
	icp_http_response *resp; /* the caller's, only while opening */
	char *method, *url;       /* for messages */
	uint8_t *buf;
	size_t cap, off, len;     /* unread bytes are buf[off, off+len) */
	uint64_t received;        /* body bytes handed over so far */
	long status;
	int paused, done, added;
	CURLcode result;
	char ebuf[CURL_ERROR_SIZE];
};

static int ok_status(long status)
{
	return status >= 200 && status < 300;
}

static size_t write_cb(char *p, size_t size, size_t n, void *ctx)
{
	icp_http_stream *s = ctx;
	size_t len = size * n;

	curl_easy_getinfo(s->h->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (!ok_status(s->status)) {
		/* An error body: kept (bounded, excess dropped) for the caller. */
		if (s->resp)
			icp_buf_append(&s->resp->body, p, len);
		return len;
	}
	if (s->cap - s->off - s->len < len && s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	if (s->cap - s->len < len) {
		uint8_t *nb;
		if (s->len > 0) {
			s->paused = 1;
			return CURL_WRITEFUNC_PAUSE; /* curl keeps the chunk for later */
		}
		/* A chunk bigger than the whole buffer (after a pause curl may
		 * hand over what it kept at once): grow to fit it. */
		nb = icp_realloc(s->buf, len);
		if (!nb)
			return 0;
		s->buf = nb;
		s->cap = len;
	}
	memcpy(s->buf + s->off + s->len, p, len);
	s->len += len;
	return len;
}

/* Headers go to the caller's response while opening; trailers after
 * that are ignored. */
static size_t header_cb(char *p, size_t size, size_t n, void *ctx)
{
	icp_http_stream *s = ctx;
	size_t len = size * n;

	if (!s->resp)
		return len;
	icp_http_headers_add(&s->resp->headers, p, len);
	return s->resp->headers.status == ICP_OK ? len : 0;
}

/* One round of the multi loop; waits up to a second for the socket. */
static void pump(icp_http_stream *s)
{
	int running = 0, left;
	CURLMsg *msg;

	if (s->paused && s->len == 0) {
		s->paused = 0;
		curl_easy_pause(s->h->curl, CURLPAUSE_CONT); /* may call write_cb now */
	}
	curl_multi_perform(s->m, &running);
	while ((msg = curl_multi_info_read(s->m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->h->curl) {
			s->done = 1;
			s->result = msg->data.result;
		}
	if (!s->done && !(s->len > 0 && ok_status(s->status)) && !s->paused)
		curl_multi_poll(s->m, NULL, 0, 1000, NULL);
}

void icp_http_stream_close(icp_http_stream *s)
{
	if (!s)
		return;
	if (s->added)
		curl_multi_remove_handle(s->m, s->h->curl);
	/* No option may keep pointing into this stream. */
	curl_easy_reset(s->h->curl);
	if (s->m)
		curl_multi_cleanup(s->m);
	curl_slist_free_all(s->hl);
	s->h->busy = 0;
	icp_free(s->method);
	icp_free(s->url);
	icp_free(s->buf);
	icp_free(s);
}

/* The outcome and error of a transfer that ended without a status. */
static int transfer_failed(icp_http_stream *s, icp_http_outcome *outcome, const char *when,
                           icp_error *err)
{
	long req_size = 0;
	icp_http_outcome o;

	curl_easy_getinfo(s->h->curl, CURLINFO_REQUEST_SIZE, &req_size);
	if (s->result == CURLE_WRITE_ERROR && s->resp && s->resp->headers.status != ICP_OK)
		o = ICP_HTTP_LOCAL;
	else if (s->result == CURLE_WRITE_ERROR)
		o = ICP_HTTP_LOCAL; /* the buffer could not grow */
	else
		o = icp_http_classify(s->result, req_size);
	if (outcome)
		*outcome = o;
	if (o == ICP_HTTP_LOCAL)
		return icp_error_set(err, s->resp && s->resp->headers.status ? s->resp->headers.status
		                                                              : ICP_ERR_NOMEM,
		                     "%s %s: %s", s->method, s->url,
		                     s->resp && s->resp->headers.status ? "response headers too large"
		                                                        : "out of memory");
	return icp_error_set(err, icp_http_default_status(o, ICP_ERR_NOMEM), "%s %s: %s%s",
	                     s->method, s->url,
	                     s->ebuf[0] ? s->ebuf : curl_easy_strerror(s->result), when);
}

int icp_http_stream_open(icp_http *h, const char *method, const char *url,
                         const char *const *headers, icp_http_response *resp, icp_http_stream **out, icp_error *err)
{
	icp_http_stream *s = NULL;
	uint64_t t0 = icp_mono_ns();
	int rc;

	*out = NULL;
	icp_buf_reset(&resp->body);
	/* error bodies only: a few KiB of XML or JSON */
	resp->body.max = h->o.max_response < ICP_HTTP_STREAM_ERR_MAX ? h->o.max_response
	                                                              : ICP_HTTP_STREAM_ERR_MAX;
	icp_http_headers_reset(&resp->headers);
	resp->status = 0;
	resp->outcome = ICP_HTTP_LOCAL;
	if (h->busy)
		return icp_error_set(err, ICP_ERR_INVALID, "%s %s: http client lent to a stream",
		                     method, url);
	s = icp_calloc(1, sizeof(*s));
	if (!s)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s %s: out of memory", method, url);
	s->h = h;
	h->busy = 1;
	s->resp = resp;
	s->cap = ICP_HTTP_STREAM_BUF;
	s->buf = icp_malloc(s->cap);
	s->method = icp_strdup(method);
	s->url = icp_strdup(url);
	s->hl = icp_http_header_list(headers);
	s->m = curl_multi_init();
	if (!s->buf || !s->method || !s->url || !s->hl || !s->m) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "%s %s: out of memory", method, url);
		goto fail;
	}
	icp_http_setup(h, method, url, s->hl, 1, &resp->headers, s->ebuf);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, s);
	if (curl_multi_add_handle(s->m, h->curl) != CURLM_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "%s %s: curl_multi_add_handle failed", method,
		                   url);
		goto fail;
	}
	s->added = 1;
	/* Until the first body bytes of a 2xx, or the end (error bodies are
	 * small and wanted whole). */
	while (!s->done && !(s->len > 0 && ok_status(s->status)))
		pump(s);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status == 0 || (s->done && s->result == CURLE_WRITE_ERROR)) {
		s->status = 0;
		rc = transfer_failed(s, &resp->outcome, "", err);
	} else {
		resp->status = s->status;
		resp->outcome = icp_http_outcome_of_status(s->status);
		rc = ICP_OK;
	}
	if (h->o.debug)
		h->o.debug(h->o.debug_ud, method, url, s->status,
		           (int64_t)((icp_mono_ns() - t0) / 1000000u));
	if (rc != ICP_OK)
		goto fail;
	s->resp = NULL; /* from here on the caller may reuse it */
	*out = s;
	return ICP_OK;
fail:
	icp_http_stream_close(s);
	return rc;
}

int icp_http_stream_complete(const icp_http_stream *s)
{
	return s->done && s->result == CURLE_OK;
}

int icp_http_stream_read(icp_http_stream *s, uint8_t *buf, size_t n, size_t *got,
                         icp_http_outcome *outcome, icp_error *err)
{
	*got = 0;
	if (outcome)
		*outcome = icp_http_outcome_of_status(s->status);
	for (;;) {
		if (s->len > 0) {
			size_t k = n < s->len ? n : s->len;
			memcpy(buf, s->buf + s->off, k);
			s->off += k;
			s->len -= k;
			s->received += k;
			if (s->len == 0)
				s->off = 0;
			*got = k;
			return ICP_OK;
		}
		if (n == 0 || !ok_status(s->status))
			return ICP_OK;
		if (s->done) {
			if (s->result == CURLE_OK)
				return ICP_OK;
			if (s->result == CURLE_WRITE_ERROR) {
				if (outcome)
					*outcome = ICP_HTTP_LOCAL;
				return icp_error_set(err, ICP_ERR_NOMEM, "%s %s: out of memory",
				                     s->method, s->url);
			}
			/* The request was answered: whatever broke, it was sent. */
			if (outcome)
				*outcome = ICP_HTTP_UNKNOWN;
			return icp_error_set(err, ICP_ERR_UNKNOWN,
			                     "%s %s: transfer broke after %llu body bytes: %s",
			                     s->method, s->url, (unsigned long long)s->received,
			                     s->ebuf[0] ? s->ebuf : curl_easy_strerror(s->result));
		}
		pump(s);
	}
}
