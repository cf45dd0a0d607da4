/*
 * Streaming GET: one request for a whole object, its body pulled as the
 * caller reads through the transport's streaming API (icp_http_stream:
 * bounded buffer, paused transfer). A transfer that breaks mid-body
 * (reset, cut, low-speed timeout) is resumed with "Range: bytes=<pos>-"
 * from the first byte not yet received, counted as a retry; resumptions
 * without progress are bounded by max_retries. The stream holds one
 * client of the S3 pool for its lifetime.
 */
#include "s3/s3_int.h"

#include <stdio.h>
#include <stdlib.h>

struct icp_s3_stream {
	icp_s3_client *c;
	char *bucket, *key;
	icp_http *http;         /* from the client's pool */
	icp_http_stream *hs;    /* the current transfer, NULL between */
	icp_http_response resp; /* status and headers of the current one */
	icp_s3_signed sg;
	uint64_t pos;           /* offset of the next byte to hand out */
	uint64_t size;
	int eof;
};

static void stop_transfer(icp_s3_stream *s)
{
	icp_http_stream_close(s->hs);
	s->hs = NULL;
}

/* Starts a GET from s->pos (the first byte not yet handed out): ICP_OK
 * when a response arrived (any status), else the transport's error. */
static int start_transfer(icp_s3_stream *s, icp_http_outcome *outcome, int *sign_failed,
                          icp_error *err)
{
	const char *lines[20];
	char range[64];
	size_t i, n = 0;
	int rc;

	stop_transfer(s);
	*sign_failed = 0;
	*outcome = ICP_HTTP_LOCAL;
	rc = icp_s3_client_sign(s->c, "GET", s->bucket, s->key, NULL, 0, ICP_S3_EMPTY_SHA256,
	                        &s->sg, err);
	if (rc) {
		*sign_failed = 1;
		return rc;
	}
	for (i = 0; i < s->sg.n_lines && n < ICP_ARRAY_LEN(lines) - 2; i++)
		lines[n++] = s->sg.lines[i];
	if (s->pos > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)s->pos);
		lines[n++] = range;
	}
	lines[n] = NULL;
	rc = icp_http_stream_open(s->http, "GET", (const char *)s->sg.url.data, lines, &s->resp,
	                          &s->hs, err);
	*outcome = s->resp.outcome;
	return rc;
}

/* Connects at the current position: waits for the first body bytes (or
 * the end), retrying transient failures. is_resume counts every request
 * as a retry. */
static int connect_at(icp_s3_stream *s, int is_resume, icp_error *err)
{
	int attempt, rc = ICP_ERR_IO;
	icp_error last;

	for (attempt = 0;; attempt++) {
		icp_http_outcome o;
		int retry = 0, sign_failed;
		long status;
		icp_error_init(&last);
		if (attempt > 0 || is_resume)
			icp_s3_client_backoff(s->c, attempt + (is_resume ? 1 : 0));
		rc = start_transfer(s, &o, &sign_failed, &last);
		if (sign_failed) {
			icp_error_set(err, rc, "%s", last.msg);
			return rc;
		}
		status = rc == ICP_OK ? s->resp.status : 0;
		icp_s3_client_count(s->c, ICP_S3_OP_GET, status, attempt > 0 || is_resume);
		if (status >= 200 && status < 300) {
			const char *cr = icp_http_header(&s->resp.headers, "content-range");
			unsigned long long a = 0;
			/* A ranged GET must answer with exactly that range, or the
			 * bytes would land at the wrong position. */
			if (s->pos > 0 && (status != 206 || !cr || sscanf(cr, "bytes %llu-", &a) != 1 ||
			                   a != s->pos)) {
				stop_transfer(s);
				return icp_error_set(err, ICP_ERR_IO,
				                     "s3 GET bucket \"%s\" key \"%s\": asked for bytes "
				                     "from %llu, got HTTP %ld \"%s\"",
				                     s->bucket, s->key, (unsigned long long)s->pos, status,
				                     cr ? cr : "");
			}
			return ICP_OK;
		}
		if (status == 416 && s->pos > 0) {
			stop_transfer(s);
			s->eof = 1; /* start at or past the end */
			return ICP_OK;
		}
		if (status == 0) {
			rc = icp_s3_http_status(o, rc);
			icp_error_prefix(&last, "s3 GET bucket \"%s\" key \"%s\"", s->bucket, s->key);
			retry = rc == ICP_ERR_RETRYABLE;
		} else {
			rc = icp_s3_client_fail("GET", s->bucket, s->key, status, s->resp.body.data,
			                        s->resp.body.len, &retry, &last);
			stop_transfer(s);
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
	const char *cr;
	uint64_t len;
	int rc;

	*out = NULL;
	s = icp_calloc(1, sizeof(*s));
	if (!s)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	s->c = c;
	s->pos = start;
	icp_s3_signed_init(&s->sg);
	icp_http_response_init(&s->resp);
	s->bucket = icp_strdup(bucket);
	s->key = icp_strdup(key);
	if (!s->bucket || !s->key) {
		icp_s3_stream_close(s);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	rc = icp_s3_http_take(icp_s3_client_http(c), &s->http, err);
	if (rc == ICP_OK)
		rc = connect_at(s, 0, err);
	if (rc) {
		icp_s3_stream_close(s);
		return rc;
	}
	cr = icp_http_header(&s->resp.headers, "content-range");
	if (s->eof)
		s->size = start;
	else if (cr && sscanf(cr, "bytes %llu-%llu/%llu", &a, &b, &total) == 3)
		s->size = total;
	else if (icp_http_header_u64(&s->resp.headers, "content-length", &len))
		s->size = start + len;
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
		icp_http_outcome o = ICP_HTTP_OK;
		icp_error e;
		size_t k = 0;
		int rc;

		if (s->eof || s->pos >= s->size || n == 0)
			return ICP_OK;
		icp_error_init(&e);
		if (s->hs) {
			rc = icp_http_stream_read(s->hs, buf, n, &k, &o, &e);
			if (rc == ICP_OK && k > 0) {
				s->pos += k;
				*got = k;
				return ICP_OK;
			}
			if (rc == ICP_OK && s->size == UINT64_MAX) {
				s->eof = 1; /* a chunked body ended normally */
				return ICP_OK;
			}
			if (rc != ICP_OK && o == ICP_HTTP_LOCAL)
				return icp_error_set(err, rc, "%s", e.msg);
			if (rc == ICP_OK)
				icp_error_set(&e, ICP_ERR_UNKNOWN, "the body ended early");
		} else {
			icp_error_set(&e, ICP_ERR_UNKNOWN, "no transfer");
		}
		/* Cut short: resume from here. */
		if (++stalls > icp_s3_client_max_retries(s->c) + 1)
			return icp_error_set(err, ICP_ERR_RETRYABLE,
			                     "s3 GET bucket \"%s\" key \"%s\": transfer broke at "
			                     "byte %llu (%s), resumptions exhausted",
			                     s->bucket, s->key, (unsigned long long)s->pos, e.msg);
		rc = connect_at(s, 1, err);
		if (rc)
			return rc;
	}
}

void icp_s3_stream_close(icp_s3_stream *s)
{
	int healthy;

	if (!s)
		return;
	healthy = s->hs && icp_http_stream_complete(s->hs);
	stop_transfer(s);
	if (s->http)
		icp_s3_http_give_back(icp_s3_client_http(s->c), s->http, healthy);
	icp_http_response_dispose(&s->resp);
	icp_s3_signed_dispose(&s->sg);
	icp_free(s->bucket);
	icp_free(s->key);
	icp_free(s);
}
