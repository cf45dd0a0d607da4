/*
 * Streaming GET: one request for a whole object, its body pulled as the
 * caller reads. libcurl's multi interface drives the transfer from
 * icp_s3_stream_read(); the write callback copies into a bounded buffer
 * and returns CURL_WRITEFUNC_PAUSE when it is full, so at most
 * STREAM_BUF bytes (plus one curl chunk) are held whatever the object
 * size. A transfer that breaks mid-body (reset, cut, low-speed timeout)
 * is resumed with "Range: bytes=<pos>-" from the first byte not yet
 * received, counted as a retry; resumptions without progress are bounded
 * by max_retries.
 */
#include "s3/s3_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#define STREAM_BUF (1024 * 1024)
#define ERR_BODY_MAX (64 * 1024)

struct icp_s3_stream {
	icp_s3_client *c;
	char *bucket, *key;
	CURL *e;
	CURLM *m;
	struct curl_slist *hl;
	icp_s3_signed sg;
	icp_s3_http_resp resp;
	uint8_t *buf;
	size_t cap, off, len; /* unread bytes are buf[off, off+len) */
	uint64_t pos;         /* offset of buf[off] in the object */
	uint64_t size;
	uint64_t req_from;    /* first byte asked for by the current request */
	long status;
	int paused, done, eof;
	CURLcode result;
	icp_buf errbody;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t write_cb(char *p, size_t size, size_t n, void *ctx)
{
	icp_s3_stream *s = ctx;
	size_t len = size * n;

	curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status < 200 || s->status >= 300) {
		icp_buf_append(&s->errbody, p, len); /* bounded; excess dropped */
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

static void stop_transfer(icp_s3_stream *s)
{
	if (s->e) {
		curl_multi_remove_handle(s->m, s->e);
		curl_easy_cleanup(s->e);
		s->e = NULL;
	}
	curl_slist_free_all(s->hl);
	s->hl = NULL;
}

/* Starts a GET from s->pos + s->len (the first byte not yet received). */
static int start_transfer(icp_s3_stream *s, icp_error *err)
{
	uint64_t from = s->pos + s->len;
	char range[64];
	size_t i;
	int rc;

	s->req_from = from;
	stop_transfer(s);
	rc = icp_s3_client_sign(s->c, "GET", s->bucket, s->key, NULL, 0, ICP_S3_EMPTY_SHA256,
	                        &s->sg, err);
	if (rc)
		return rc;
	for (i = 0; i < s->sg.n_lines; i++) {
		struct curl_slist *t = curl_slist_append(s->hl, s->sg.lines[i]);
		if (!t)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		s->hl = t;
	}
	if (from > 0) {
		struct curl_slist *t;
		snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)from);
		if (!(t = curl_slist_append(s->hl, range)))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		s->hl = t;
	}
	if (!(s->e = curl_easy_init()))
		return icp_error_set(err, ICP_ERR_NOMEM, "curl_easy_init failed");
	icp_s3_http_setup(icp_s3_client_http(s->c), s->e, 1);
	curl_easy_setopt(s->e, CURLOPT_URL, (const char *)s->sg.url.data);
	curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->hl);
	curl_easy_setopt(s->e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->e, CURLOPT_HEADERFUNCTION, icp_s3_http_header_cb);
	curl_easy_setopt(s->e, CURLOPT_HEADERDATA, &s->resp);
	curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(s->e, CURLOPT_WRITEDATA, s);
	memset(&s->resp, 0, sizeof(s->resp));
	icp_buf_reset(&s->errbody);
	s->errbuf[0] = 0;
	s->status = 0;
	s->paused = 0;
	s->done = 0;
	s->result = CURLE_OK;
	if (curl_multi_add_handle(s->m, s->e) != CURLM_OK)
		return icp_error_set(err, ICP_ERR_IO, "curl_multi_add_handle failed");
	return ICP_OK;
}

/* One round of the multi loop; waits up to a second for the socket. */
static void pump(icp_s3_stream *s)
{
	int running = 0, left;
	CURLMsg *msg;

	if (s->paused && s->len == 0) {
		s->paused = 0;
		curl_easy_pause(s->e, CURLPAUSE_CONT); /* may call write_cb now */
	}
	curl_multi_perform(s->m, &running);
	while ((msg = curl_multi_info_read(s->m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->e) {
			s->done = 1;
			s->result = msg->data.result;
		}
	if (!s->done && !(s->len > 0 && s->status >= 200 && s->status < 300) && !s->paused)
		curl_multi_poll(s->m, NULL, 0, 1000, NULL);
}

/* Connects at the current position: waits for the first body bytes (or
 * the end), retrying transient failures. is_resume counts every request
 * as a retry. */
static int connect_at(icp_s3_stream *s, int is_resume, icp_error *err)
{
	int attempt, rc = ICP_ERR_IO;
	icp_error last;

	for (attempt = 0;; attempt++) {
		int retry = 0;
		icp_error_init(&last);
		if (attempt > 0 || is_resume)
			icp_s3_client_backoff(s->c, attempt + (is_resume ? 1 : 0));
		rc = start_transfer(s, &last);
		if (rc) {
			icp_error_set(err, rc, "%s", last.msg);
			return rc;
		}
		while (!s->done && !(s->len > 0 && s->status >= 200 && s->status < 300))
			pump(s);
		curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &s->status);
		icp_s3_client_count(s->c, ICP_S3_OP_GET, s->status, attempt > 0 || is_resume);
		if (s->status >= 200 && s->status < 300) {
			uint64_t from = s->req_from;
			unsigned long long a = 0;
			/* A ranged GET must answer with exactly that range, or the
			 * bytes would land at the wrong position. */
			if (from > 0 && (s->status != 206 ||
			                 sscanf(s->resp.content_range, "bytes %llu-", &a) != 1 ||
			                 a != from)) {
				stop_transfer(s);
				return icp_error_set(err, ICP_ERR_IO,
				                     "s3 GET bucket \"%s\" key \"%s\": asked for bytes "
				                     "from %llu, got HTTP %ld \"%s\"",
				                     s->bucket, s->key, (unsigned long long)from, s->status,
				                     s->resp.content_range);
			}
			return ICP_OK;
		}
		if (s->status == 416 && s->pos > 0) {
			s->eof = 1; /* start at or past the end */
			return ICP_OK;
		}
		if (s->status == 0) {
			rc = icp_error_set(&last, icp_s3_http_curl_status((int)s->result),
			                   "s3 GET bucket \"%s\" key \"%s\": %s", s->bucket, s->key,
			                   s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result));
			retry = rc == ICP_ERR_RETRYABLE;
		} else {
			rc = icp_s3_client_fail("GET", s->bucket, s->key, s->status, s->errbody.data,
			                        s->errbody.len, &retry, &last);
		}
		if (!retry || attempt >= icp_s3_client_max_retries(s->c)) {
			if (retry)
				icp_error_prefix(&last, "after %d attempts", attempt + 1);
			icp_error_set(err, rc, "%s", last.msg);
			return rc;
		}
	}
}

int icp_s3_stream_open(icp_s3_client *c, const char *bucket, const char *key,
                       uint64_t start, icp_s3_stream **out, icp_error *err)
{
	icp_s3_stream *s;
	unsigned long long a, b, total;
	int rc;

	*out = NULL;
	s = icp_calloc(1, sizeof(*s));
	if (!s)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	s->c = c;
	s->pos = start;
	icp_s3_signed_init(&s->sg);
	icp_buf_init(&s->errbody, ERR_BODY_MAX);
	s->bucket = icp_strdup(bucket);
	s->key = icp_strdup(key);
	s->cap = STREAM_BUF;
	s->buf = icp_malloc(s->cap);
	s->m = curl_multi_init();
	if (!s->bucket || !s->key || !s->buf || !s->m) {
		icp_s3_stream_close(s);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = connect_at(s, 0, err);
	if (rc) {
		icp_s3_stream_close(s);
		return rc;
	}
	if (s->eof)
		s->size = start;
	else if (s->resp.content_range[0] &&
	         sscanf(s->resp.content_range, "bytes %llu-%llu/%llu", &a, &b, &total) == 3)
		s->size = total;
	else if (s->resp.has_length)
		s->size = start + s->resp.content_length;
	else
		s->size = UINT64_MAX; /* chunked: read to the end */
	*out = s;
	return ICP_OK;
}

uint64_t icp_s3_stream_size(const icp_s3_stream *s)
{
	return s->size;
}

int icp_s3_stream_read(icp_s3_stream *s, uint8_t *buf, size_t n, size_t *got,
                       icp_error *err)
{
	int stalls = 0;

	*got = 0;
	for (;;) {
		if (s->len > 0) {
			size_t k = n < s->len ? n : s->len;
			memcpy(buf, s->buf + s->off, k);
			s->off += k;
			s->len -= k;
			s->pos += k;
			if (s->len == 0)
				s->off = 0;
			*got = k;
			return ICP_OK;
		}
		if (s->eof || s->pos >= s->size || n == 0)
			return ICP_OK;
		if (s->done) {
			uint64_t before = s->pos;
			int rc;
			if (s->result == CURLE_OK && s->size == UINT64_MAX) {
				s->eof = 1;
				return ICP_OK;
			}
			/* Cut short: resume from here. */
			if (++stalls > icp_s3_client_max_retries(s->c) + 1)
				return icp_error_set(err, ICP_ERR_RETRYABLE,
				                     "s3 GET bucket \"%s\" key \"%s\": transfer broke at "
				                     "byte %llu (%s), resumptions exhausted",
				                     s->bucket, s->key, (unsigned long long)s->pos,
				                     curl_easy_strerror(s->result));
			rc = connect_at(s, 1, err);
			if (rc)
				return rc;
			if (s->len > 0 || s->pos != before)
				stalls = 0;
			continue;
		}
		pump(s);
	}
}

void icp_s3_stream_close(icp_s3_stream *s)
{
	if (!s)
		return;
	stop_transfer(s);
	if (s->m)
		curl_multi_cleanup(s->m);
	icp_s3_signed_dispose(&s->sg);
	icp_buf_dispose(&s->errbody);
	icp_free(s->buf);
	icp_free(s->bucket);
	icp_free(s->key);
	icp_free(s);
}
