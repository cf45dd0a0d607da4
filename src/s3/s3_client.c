/*
 * The S3 client: addressing, credentials cache, signing, retries and
 * request counters around the HTTP layer (s3_http.c), and the object
 * operations (s3_ops.c) on top of one request primitive,
 * icp_s3_client_exec().
 *
 * Retries: every attempt is signed afresh (new x-amz-date, possibly new
 * credentials). Transient failures — no response (connect failure, reset,
 * cut, timeout), 5xx, 429, SlowDown/RequestTimeout and friends — are
 * retried up to max_retries times after a "full jitter" delay; anything
 * else is reported at once. A refusal names the operation, bucket, key,
 * HTTP status and S3's code and message.
 *
 * Credentials: resolved from the chain at first use and cached; when they
 * come within ICP_S3_REFRESH_MARGIN_MS of expiry one thread refreshes
 * while the others keep signing with the still-valid old ones, and a
 * failed refresh keeps them until they actually expire.
 */
#include "s3/s3_int.h"

#include <pthread.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#define ERR_BODY_MAX (256 * 1024)

struct icp_s3_client {
	icp_s3_http *http;
	icp_s3_cred_chain *chain;
	char *endpoint, *region;
	int path_style, max_retries;
	long backoff_base, backoff_cap;
	icp_s3_count_fn on_request;
	void *on_request_ctx;
	icp_s3_env env;

	pthread_mutex_t mu; /* guards everything below */
	icp_s3_credentials cr;
	int have_cr, refreshing;
	uint64_t counts[ICP_S3_OP_COUNT][ICP_S3_CLASS_COUNT];
	uint64_t retries;
};

/* ------------------------------------------------------------ pure parts */

const char *icp_s3_op_name(icp_s3_op op)
{
	static const char *const n[] = {"list", "get", "head", "put", "multipart", "delete"};
	return (unsigned)op < ICP_ARRAY_LEN(n) ? n[op] : "?";
}

const char *icp_s3_class_name(icp_s3_class cls)
{
	static const char *const n[] = {"none", "2xx", "3xx", "4xx", "5xx"};
	return (unsigned)cls < ICP_ARRAY_LEN(n) ? n[cls] : "?";
}

icp_s3_class icp_s3_class_of(long status)
{
	if (status >= 200 && status < 300)
		return ICP_S3_CLASS_2XX;
	if (status >= 300 && status < 400)
		return ICP_S3_CLASS_3XX;
	if (status >= 400 && status < 500)
		return ICP_S3_CLASS_4XX;
	if (status >= 500)
		return ICP_S3_CLASS_5XX;
	return ICP_S3_CLASS_NONE;
}

long icp_s3_backoff_ms(int attempt, long base_ms, long cap_ms, uint64_t rnd)
{
	long ceil = base_ms;
	int i;
	if (attempt < 1 || base_ms <= 0)
		return 0;
	for (i = 1; i < attempt && ceil < cap_ms; i++)
		ceil *= 2;
	if (ceil > cap_ms)
		ceil = cap_ms;
	return (long)(rnd % ((uint64_t)ceil + 1));
}

int icp_s3_retryable(long status, const char *code)
{
	static const char *const codes[] = {"SlowDown", "RequestTimeout", "InternalError",
	                                    "ServiceUnavailable", "RequestTimeTooSkewed",
	                                    "OperationAborted", "Throttling",
	                                    "ThrottlingException", "RequestLimitExceeded"};
	size_t i;
	if (status == 0 || icp_http_outcome_of_status(status) == ICP_HTTP_RETRY_STATUS)
		return 1; /* 408, 429, 5xx: the transport's one rule */
	for (i = 0; code && i < ICP_ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* Splits endpoint into scheme and host[:port]. */
static int split_endpoint(const char *endpoint, const char *region, char *scheme, size_t scap,
                          icp_buf *hostport, icp_error *err)
{
	const char *rest, *slash;
	if (!endpoint || !*endpoint) {
		snprintf(scheme, scap, "https");
		icp_buf_printf(hostport, "s3.%s.amazonaws.com", region && *region ? region : "us-east-1");
		return hostport->status;
	}
	if (strncasecmp(endpoint, "https://", 8) == 0) {
		snprintf(scheme, scap, "https");
		rest = endpoint + 8;
	} else if (strncasecmp(endpoint, "http://", 7) == 0) {
		snprintf(scheme, scap, "http");
		rest = endpoint + 7;
	} else {
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "s3 endpoint \"%s\" must start with http:// or https://", endpoint);
	}
	slash = strchr(rest, '/');
	if (slash == rest || (slash && strcmp(slash, "/") != 0) || !*rest)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "s3 endpoint \"%s\" must be scheme://host[:port] without a path",
		                     endpoint);
	icp_buf_append(hostport, rest, slash ? (size_t)(slash - rest) : strlen(rest));
	return hostport->status;
}

int icp_s3_address(const char *endpoint, const char *region, int path_style,
                   const char *bucket, const char *key, icp_buf *host, icp_buf *path,
                   icp_buf *url, icp_error *err)
{
	char scheme[8];
	icp_buf hp;
	const char *b;
	int rc;

	icp_buf_init(&hp, 1024);
	rc = split_endpoint(endpoint, region, scheme, sizeof(scheme), &hp, err);
	if (rc != ICP_OK)
		goto out;
	rc = ICP_ERR_INVALID;
	if (!bucket || !*bucket) {
		icp_error_set(err, rc, "s3: empty bucket name");
		goto out;
	}
	if (!path_style) {
		for (b = bucket; *b; b++)
			if (!((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') || *b == '-' ||
			      (*b == '.' && strcmp(scheme, "http") == 0))) {
				icp_error_set(err, rc,
				              "s3 bucket \"%s\" cannot be addressed as a virtual host "
				              "(use path_style)", bucket);
				goto out;
			}
		icp_buf_printf(host, "%s.%s", bucket, (const char *)hp.data);
		icp_buf_append_byte(path, '/');
	} else {
		icp_buf_append(host, hp.data, hp.len);
		icp_buf_printf(path, "/%s/", bucket);
		if (!key || !*key)
			path->len--, path->data[path->len] = 0;
	}
	if (key)
		icp_buf_append_str(path, key);
	icp_buf_printf(url, "%s://%s", scheme, (const char *)host->data);
	icp_s3_canonical_uri(url, (const char *)path->data);
	rc = host->status ? host->status : path->status ? path->status : url->status;
	if (rc)
		icp_error_set(err, rc, "s3: address of %s/%s too long", bucket, key ? key : "");
out:
	icp_buf_dispose(&hp);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int icp_s3_url_decode(const char *s, icp_buf *out, icp_error *err)
{
	for (; *s; s++) {
		if (*s == '+') {
			icp_buf_append_byte(out, ' ');
		} else if (*s == '%') {
			int h = hexval(s[1]), l = h < 0 ? -1 : hexval(s[2]);
			if (h < 0 || l < 0)
				return icp_error_set(err, ICP_ERR_CORRUPT, "s3: bad %%-escape in \"%s\"", s);
			icp_buf_append_byte(out, (uint8_t)(h * 16 + l));
			s += 2;
		} else {
			icp_buf_append_byte(out, (uint8_t)*s);
		}
	}
	return out->status;
}

/* ---------------------------------------------------------------- client */

void icp_s3_client_opts_init(icp_s3_client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_retries = -1;
}

int icp_s3_client_new(const icp_s3_client_opts *o, icp_s3_client **out, icp_error *err)
{
	icp_s3_client *c;
	icp_s3_http_opts ho;
	icp_buf probe;
	char scheme[8];
	int rc;

	*out = NULL;
	icp_buf_init(&probe, 1024);
	rc = split_endpoint(o->endpoint, o->region, scheme, sizeof(scheme), &probe, err);
	icp_buf_dispose(&probe);
	if (rc)
		return rc;
	if (!o->access_key_id != !o->secret_access_key)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "s3: access key id and secret access key go together");
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	icp_s3_credentials_init(&c->cr);
	c->path_style = o->path_style;
	c->max_retries = o->max_retries < 0 ? 5 : o->max_retries;
	c->backoff_base = o->backoff_base_ms > 0 ? o->backoff_base_ms : 100;
	c->backoff_cap = o->backoff_cap_ms > 0 ? o->backoff_cap_ms : 10000;
	c->on_request = o->on_request;
	c->on_request_ctx = o->on_request_ctx;
	if (o->env)
		c->env = *o->env;
	memset(&ho, 0, sizeof(ho));
	ho.ca_bundle = o->ca_bundle;
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.timeout_ms = o->timeout_ms;
	ho.low_speed_secs = o->low_speed_secs;
	c->http = icp_s3_http_new(&ho);
	c->endpoint = icp_strdup(o->endpoint ? o->endpoint : "");
	c->region = icp_strdup(o->region && *o->region ? o->region : "us-east-1");
	if (c->http) {
		if (o->access_key_id) {
			c->chain = icp_s3_cred_chain_new();
			if (c->chain && icp_s3_cred_chain_add(
			                    c->chain,
			                    icp_s3_cred_static_new(o->access_key_id, o->secret_access_key,
			                                           o->session_token),
			                    NULL) != ICP_OK) {
				icp_s3_cred_chain_free(c->chain);
				c->chain = NULL;
			}
		} else {
			icp_s3_http_transport t = icp_s3_http_transport_of(c->http);
			c->chain = icp_s3_cred_chain_default_net(&c->env, &t, o->sts_endpoint);
		}
	}
	if (!c->http || !c->chain || !c->endpoint || !c->region) {
		icp_s3_client_free(c);
		return icp_error_set(err, ICP_ERR_NOMEM, "s3: cannot create client (out of memory)");
	}
	*out = c;
	return ICP_OK;
}

void icp_s3_client_free(icp_s3_client *c)
{
	if (!c)
		return;
	icp_s3_cred_chain_free(c->chain);
	icp_s3_http_free(c->http);
	icp_s3_credentials_dispose(&c->cr);
	pthread_mutex_destroy(&c->mu);
	icp_free(c->endpoint);
	icp_free(c->region);
	icp_free(c);
}

void icp_s3_client_counts(icp_s3_client *c, uint64_t out[ICP_S3_OP_COUNT][ICP_S3_CLASS_COUNT],
                          uint64_t *retries)
{
	pthread_mutex_lock(&c->mu);
	if (out)
		memcpy(out, c->counts, sizeof(c->counts));
	if (retries)
		*retries = c->retries;
	pthread_mutex_unlock(&c->mu);
}

void icp_s3_client_count(icp_s3_client *c, icp_s3_op op, long status, int is_retry)
{
	pthread_mutex_lock(&c->mu);
	c->counts[op][icp_s3_class_of(status)]++;
	if (is_retry)
		c->retries++;
	pthread_mutex_unlock(&c->mu);
	if (c->on_request)
		c->on_request(c->on_request_ctx, op, status);
}

static void sleep_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

void icp_s3_client_backoff(icp_s3_client *c, int attempt)
{
	uint64_t r;
	icp_random_bytes(&r, sizeof(r));
	sleep_ms(icp_s3_backoff_ms(attempt, c->backoff_base, c->backoff_cap, r));
}

int icp_s3_client_max_retries(const icp_s3_client *c)
{
	return c->max_retries;
}

icp_s3_http *icp_s3_client_http(icp_s3_client *c)
{
	return c->http;
}

/* A private copy of current credentials, refreshing them when due. */
static int creds_get(icp_s3_client *c, icp_s3_credentials *out, icp_error *err)
{
	int rc = ICP_OK;
	for (;;) {
		int64_t now = icp_now_ms();
		int due, valid;
		pthread_mutex_lock(&c->mu);
		due = !c->have_cr || icp_s3_credentials_expiring(&c->cr, now, ICP_S3_REFRESH_MARGIN_MS);
		valid = c->have_cr && !icp_s3_credentials_expiring(&c->cr, now, 0);
		if (due && !c->refreshing) {
			icp_s3_credentials fresh;
			c->refreshing = 1;
			pthread_mutex_unlock(&c->mu);
			icp_s3_credentials_init(&fresh);
			rc = icp_s3_cred_chain_resolve(c->chain, &fresh, valid ? NULL : err);
			pthread_mutex_lock(&c->mu);
			c->refreshing = 0;
			if (rc == ICP_OK) {
				icp_s3_credentials_dispose(&c->cr);
				c->cr = fresh;
				c->have_cr = 1;
			} else {
				icp_s3_credentials_dispose(&fresh);
				if (!valid) {
					pthread_mutex_unlock(&c->mu);
					if (rc == ICP_ERR_NOT_FOUND)
						icp_error_prefix(err, "s3: no credentials");
					return rc;
				}
			}
			valid = 1;
		}
		if (valid) {
			rc = icp_s3_credentials_set(out, c->cr.access_key_id, c->cr.secret_access_key,
			                            c->cr.session_token);
			out->expires_ms = c->cr.expires_ms;
			out->source = c->cr.source;
			pthread_mutex_unlock(&c->mu);
			return rc ? icp_error_set(err, rc, "out of memory") : ICP_OK;
		}
		/* Another thread is fetching the first credentials: wait. */
		pthread_mutex_unlock(&c->mu);
		sleep_ms(10);
	}
}

int icp_s3_client_sign(icp_s3_client *c, const char *method, const char *bucket,
                       const char *key, const icp_s3_param *q, size_t nq,
                       const char *payload_hash, icp_s3_signed *out, icp_error *err)
{
	icp_s3_credentials cr;
	icp_buf path;
	icp_s3_header h;
	icp_s3_request rq;
	char date[17];
	size_t i;
	const char *line;
	int rc;

	icp_buf_init(&path, 64 * 1024);
	icp_s3_credentials_init(&cr);
	icp_buf_reset(&out->url);
	icp_buf_reset(&out->host);
	out->n_lines = 0;
	rc = icp_s3_address(c->endpoint, c->region, c->path_style, bucket, key, &out->host, &path,
	                    &out->url, err);
	if (rc)
		goto out;
	if (nq) {
		icp_buf_append_byte(&out->url, '?');
		if ((rc = icp_s3_canonical_query(&out->url, q, nq, err)) != ICP_OK)
			goto out;
	}
	if ((rc = creds_get(c, &cr, err)) != ICP_OK)
		goto out;
	icp_s3_amz_date(icp_now_ms(), date);
	h.name = "Host";
	h.value = (const char *)out->host.data;
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = (const char *)path.data;
	rq.query = q;
	rq.n_query = nq;
	rq.headers = &h;
	rq.n_headers = 1;
	rq.payload_hash = payload_hash;
	rq.region = c->region;
	rq.service = "s3";
	rq.amz_date = date;
	rq.add_content_sha256 = 1;
	if ((rc = icp_s3_sign(&rq, &cr, &out->sig, err)) != ICP_OK)
		goto out;
	icp_buf_reset(&out->hostline);
	icp_buf_printf(&out->hostline, "Host: %s", (const char *)out->host.data);
	out->lines[out->n_lines++] = (const char *)out->hostline.data;
	line = (const char *)out->sig.extra.data;
	for (i = 0; i < out->sig.n_extra && out->n_lines < ICP_ARRAY_LEN(out->lines); i++) {
		out->lines[out->n_lines++] = line;
		line += strlen(line) + 1;
	}
	rc = out->url.status ? out->url.status : out->hostline.status;
	if (rc)
		icp_error_set(err, rc, "s3: request for %s/%s too large", bucket, key ? key : "");
out:
	icp_s3_credentials_dispose(&cr);
	icp_buf_dispose(&path);
	return rc;
}

void icp_s3_signed_init(icp_s3_signed *s)
{
	memset(s, 0, sizeof(*s));
	icp_buf_init(&s->url, 64 * 1024);
	icp_buf_init(&s->host, 4096);
	icp_buf_init(&s->hostline, 4096);
	icp_s3_signature_init(&s->sig);
}

void icp_s3_signed_dispose(icp_s3_signed *s)
{
	icp_buf_dispose(&s->url);
	icp_buf_dispose(&s->host);
	icp_buf_dispose(&s->hostline);
	icp_s3_signature_dispose(&s->sig);
}

int icp_s3_client_fail(const char *method, const char *bucket, const char *key, long status,
                       const void *body, size_t n, int *retry, icp_error *err)
{
	icp_s3_error_body eb;
	const char *code;
	int rc;

	icp_s3_error_body_init(&eb);
	if (n > 0)
		icp_s3_xml_parse_error(body, n, &eb, NULL);
	code = eb.code ? eb.code : status == 404 ? "NotFound" : status == 412 ? "PreconditionFailed"
	                                                                   : "(no code)";
	*retry = icp_s3_retryable(status, eb.code);
	if (*retry)
		rc = ICP_ERR_RETRYABLE;
	else if (status == 404)
		rc = ICP_ERR_NOT_FOUND;
	else if (status == 412 || status == 409)
		rc = ICP_ERR_CONFLICT;
	else
		rc = ICP_ERR_IO;
	icp_error_set(err, rc, "s3 %s bucket \"%s\" key \"%s\": HTTP %ld %s%s%s%s%s%s", method, bucket,
	              key ? key : "", status, code, eb.message ? ": " : "",
	              eb.message ? eb.message : "", eb.request_id ? " (request id " : "",
	              eb.request_id ? eb.request_id : "", eb.request_id ? ")" : "");
	icp_s3_error_body_dispose(&eb);
	return rc;
}

int icp_s3_client_exec(icp_s3_client *c, const icp_s3_call *call, icp_buf *body,
                       icp_s3_http_resp *resp, icp_error *err)
{
	icp_s3_signed sg;
	icp_buf errbody;
	icp_error last;
	const char *lines[ICP_S3_MAX_HEADERS];
	char hash[65];
	int attempt, rc = ICP_ERR_IO;

	icp_s3_signed_init(&sg);
	icp_buf_init(&errbody, ERR_BODY_MAX);
	icp_error_init(&last);
	if (call->body)
		icp_s3_sha256_hex(call->body, call->len, hash);
	for (attempt = 0;; attempt++) {
		size_t nl, i, base = body ? body->len : 0;
		int retry = 0;

		icp_error_init(&last);
		if (attempt > 0)
			icp_s3_client_backoff(c, attempt);
		rc = icp_s3_client_sign(c, call->method, call->bucket, call->key, call->q, call->nq,
		                        call->body ? hash : ICP_S3_EMPTY_SHA256, &sg, &last);
		if (rc)
			break;
		nl = sg.n_lines;
		memcpy(lines, sg.lines, nl * sizeof(lines[0]));
		for (i = 0; i < call->nh && nl < ICP_ARRAY_LEN(lines); i++)
			lines[nl++] = call->hdrs[i];
		icp_buf_reset(&errbody);
		resp->body = body ? body : &errbody;
		rc = icp_s3_http_exec(c->http, call->method, (const char *)sg.url.data, lines, nl,
		                      call->body, call->len, resp, &last);
		icp_s3_client_count(c, call->op, resp->status, attempt > 0);
		if (rc == ICP_OK && resp->status >= 200 && resp->status < 300 &&
		    !(call->error_in_200 && resp->body->len > 0 &&
		      memmem(resp->body->data, resp->body->len, "<Error>", 7)))
			break;
		if (rc == ICP_OK) {
			/* The error body went into the caller's buffer: parse it there
			 * and drop it, the caller's content stays as it was. */
			rc = icp_s3_client_fail(call->method, call->bucket, call->key, resp->status,
			                        resp->body->data ? resp->body->data + base : NULL,
			                        resp->body->len - base, &retry,
			                        &last);
			if (body) {
				body->len = base;
				body->status = ICP_OK;
			}
		} else {
			retry = rc == ICP_ERR_RETRYABLE;
			if (body) {
				body->len = base;
				body->status = ICP_OK;
			}
		}
		if (!retry)
			break;
		if (attempt >= c->max_retries) {
			icp_error_prefix(&last, "after %d attempts", attempt + 1);
			break;
		}
	}
	if (rc)
		icp_error_set(err, last.status ? last.status : rc, "%s", last.msg);
	icp_buf_dispose(&errbody);
	icp_s3_signed_dispose(&sg);
	return rc;
}
