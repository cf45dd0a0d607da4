/*
 * etcd_http: the client object and its transport: one libcurl easy handle
 * (so keep-alive connections are reused), POSTs of JSON bodies, endpoint
 * failover and the auth token.
 *
 * Failover rule (see etcd.h): an attempt that provably sent nothing
 * (CURLINFO_REQUEST_SIZE == 0, e.g. connection refused) may always go to
 * the next endpoint; an attempt that sent its request and then failed may
 * only if the call is idempotent, otherwise the outcome is unknown.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "etcd/etcd_int.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_MAX_RESPONSE ((size_t)64 << 20)
#define GRPC_UNAUTHENTICATED 16

/* Normalises "host:port" or "http://host:port/" to "http://host:port". */
static char *norm_url(const char *s)
{
	icp_buf b;
	size_t n = strlen(s);

	while (n && s[n - 1] == '/')
		n--;
	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	if (!strstr(s, "://"))
		icp_buf_append_str(&b, "http://");
	icp_buf_append(&b, s, n);
	icp_buf_append_byte(&b, 0);
	return (char *)icp_buf_detach(&b, NULL);
}

/* Copies a TLS file path after checking it can be read, so a wrong path
 * is reported at start-up by name rather than as a handshake failure. */
static int tls_file(const char *path, const char *what, char **out, icp_error *err)
{
	FILE *f;

	*out = NULL;
	if (!path || !path[0])
		return ICP_OK;
	f = fopen(path, "rb");
	if (!f)
		return icp_error_set(err, ICP_ERR_INVALID, "etcd: tls %s \"%s\": %s", what, path,
		                     strerror(errno));
	fclose(f);
	*out = icp_strdup(path);
	return *out ? ICP_OK : icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory");
}

int icp_etcd_new(const icp_etcd_opts *opts, icp_etcd **out, icp_error *err)
{
	icp_etcd *c = NULL;
	int rc;
	size_t i;

	*out = NULL;
	if (!opts || opts->n_endpoints == 0 || !opts->endpoints)
		return icp_error_set(err, ICP_ERR_INVALID, "etcd: no endpoints given");
	for (i = 0; i < opts->n_endpoints; i++)
		if (!opts->endpoints[i] || !opts->endpoints[i][0])
			return icp_error_set(err, ICP_ERR_INVALID, "etcd: endpoints[%zu] is empty", i);
	if (opts->timeout_ms < 0 || opts->connect_timeout_ms < 0)
		return icp_error_set(err, ICP_ERR_INVALID, "etcd: negative timeout");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return icp_error_set(err, ICP_ERR_IO, "etcd: curl_global_init failed");
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->urls = icp_calloc(opts->n_endpoints, sizeof(*c->urls));
	if (!c->urls)
		goto nomem;
	c->n_urls = opts->n_endpoints;
	for (i = 0; i < c->n_urls; i++)
		if (!(c->urls[i] = norm_url(opts->endpoints[i])))
			goto nomem;
	if (opts->username && opts->username[0]) {
		c->username = icp_strdup(opts->username);
		c->password = icp_strdup(opts->password ? opts->password : "");
		if (!c->username || !c->password)
			goto nomem;
	}
	if ((rc = tls_file(opts->ca_file, "ca_file", &c->ca_file, err)) != ICP_OK ||
	    (rc = tls_file(opts->cert_file, "cert_file", &c->cert_file, err)) != ICP_OK ||
	    (rc = tls_file(opts->key_file, "key_file", &c->key_file, err)) != ICP_OK)
		goto fail;
	if (!c->cert_file != !c->key_file) {
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "etcd: tls cert_file and key_file go together (got only %s)",
		                   c->cert_file ? "cert_file" : "key_file");
		goto fail;
	}
	c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms
	                                                 : DEFAULT_CONNECT_MS;
	if (c->connect_timeout_ms > c->timeout_ms)
		c->connect_timeout_ms = c->timeout_ms;
	c->max_response = opts->max_response ? opts->max_response : DEFAULT_MAX_RESPONSE;
	c->curl = curl_easy_init();
	if (!c->curl)
		goto nomem;
	*out = c;
	return ICP_OK;
nomem:
	rc = icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory creating the client");
fail:
	if (c)
		icp_etcd_free(c);
	else
		curl_global_cleanup();
	return rc;
}

void icp_etcd_free(icp_etcd *c)
{
	size_t i;

	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	for (i = 0; i < c->n_urls; i++)
		icp_free(c->urls[i]);
	icp_free(c->urls);
	icp_free(c->username);
	if (c->password) /* do not leave the secret in freed memory */
		memset(c->password, 0, strlen(c->password));
	icp_free(c->password);
	icp_free(c->token);
	icp_free(c->ca_file);
	icp_free(c->cert_file);
	icp_free(c->key_file);
	icp_free(c);
	curl_global_cleanup();
}

const char *icp_etcd_current_endpoint(const icp_etcd *c)
{
	return c->urls[c->cur];
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	icp_buf *b = ud;

	/* A short count makes curl fail with CURLE_WRITE_ERROR; b->status
	 * then says TOO_LARGE. size is 1 by libcurl's contract. */
	if (icp_buf_append(b, p, size * n) != ICP_OK)
		return 0;
	return size * n;
}

/* One HTTP exchange with one endpoint. Returns ICP_OK with *http set and
 * the reply in reply, or a transport failure (err set) with *sent telling
 * whether any request bytes left. */
static int post_once(icp_etcd *c, const char *url, const icp_buf *body,
                     icp_buf *reply, long *http, int *sent, icp_error *err)
{
	CURL *h = c->curl;
	struct curl_slist *hdrs = NULL, *t;
	char ebuf[CURL_ERROR_SIZE];
	icp_buf auth;
	CURLcode cc;
	long req_size = 0;
	int rc = ICP_OK;

	*http = 0;
	*sent = 0;
	ebuf[0] = 0;
	icp_buf_init(&auth, ICP_BUF_UNLIMITED);
	t = curl_slist_append(hdrs, "Content-Type: application/json");
	if (t)
		hdrs = t;
	t = t ? curl_slist_append(hdrs, "Expect:") : NULL; /* no 100-continue wait */
	if (t)
		hdrs = t;
	if (t && c->token) {
		icp_buf_printf(&auth, "Authorization: %s", c->token);
		t = auth.status == ICP_OK ? curl_slist_append(hdrs, (char *)auth.data) : NULL;
		if (t)
			hdrs = t;
	}
	if (!t) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "etcd %s: out of memory for headers", url);
		goto out;
	}
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body->data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req_size);
	*sent = req_size > 0;
	if (cc == CURLE_WRITE_ERROR && reply->status != ICP_OK) {
		rc = icp_error_set(err, reply->status == ICP_ERR_TOO_LARGE ? ICP_ERR_TOO_LARGE
		                                                           : ICP_ERR_NOMEM,
		                   "etcd %s: reply larger than %zu bytes", url, c->max_response);
		*sent = 1; /* not a reason to try elsewhere */
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = icp_error_set(err, ICP_ERR_IO, "%s: %s", url,
		                   ebuf[0] ? ebuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
out:
	curl_slist_free_all(hdrs);
	icp_buf_dispose(&auth);
	return rc;
}

/* Collects each endpoint's failure into one message. */
static void note_failure(icp_buf *why, const icp_error *e)
{
	if (why->len)
		icp_buf_append_str(why, "; ");
	icp_buf_append_str(why, e->msg);
}

/* POST with failover; on ICP_OK, *root is the parsed non-error reply. */
static int call_raw(icp_etcd *c, icp_arena *a, const char *path, const icp_buf *body,
                    int kind, const icp_json **root, int64_t *grpc_code, icp_error *err)
{
	icp_buf reply, url, why;
	size_t tries, idx;
	int rc = ICP_ERR_IO;

	*root = NULL;
	*grpc_code = 0;
	icp_buf_init(&reply, c->max_response);
	icp_buf_init(&url, ICP_BUF_UNLIMITED);
	icp_buf_init(&why, 4096);
	for (tries = 0; tries < c->n_urls; tries++) {
		icp_error e;
		icp_json *doc = NULL;
		long http = 0;
		int sent = 0;

		idx = (c->cur + tries) % c->n_urls;
		icp_buf_reset(&url);
		icp_buf_reset(&reply);
		icp_buf_printf(&url, "%s%s", c->urls[idx], path);
		if (url.status != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory for URL");
			goto out;
		}
		icp_error_init(&e);
		rc = post_once(c, (const char *)url.data, body, &reply, &http, &sent, &e);
		if (rc == ICP_ERR_IO && (!sent || kind == ICP_ETCD_IDEMPOTENT)) {
			note_failure(&why, &e);
			continue; /* next endpoint */
		}
		if (rc == ICP_ERR_IO) {
			rc = icp_error_set(err, ICP_ERR_UNKNOWN,
			                   "etcd: request sent, outcome unknown: %s", e.msg);
			goto out;
		}
		if (rc != ICP_OK) {
			icp_error_set(err, rc, "%s", e.msg);
			goto out;
		}
		rc = icp_json_parse(a, (const char *)reply.data, reply.len, NULL, &doc, &e);
		if (rc != ICP_OK) {
			/* Not the gateway talking (a proxy page, a truncated
			 * reply): an HTTP error status says "try elsewhere". */
			if (http >= 500 && kind == ICP_ETCD_IDEMPOTENT) {
				icp_error_set(&e, ICP_ERR_IO, "%s: HTTP %ld", (const char *)url.data, http);
				note_failure(&why, &e);
				continue;
			}
			rc = icp_error_set(err, http >= 500 ? ICP_ERR_UNKNOWN : ICP_ERR_CORRUPT,
			                   "etcd %s: HTTP %ld, reply is not JSON: %s",
			                   (const char *)url.data, http, e.msg);
			goto out;
		}
		rc = icp_etcd_dec_error(doc, kind == ICP_ETCD_MUTATION, (const char *)url.data,
		                        grpc_code, &e);
		if (rc == ICP_ERR_RETRYABLE && kind == ICP_ETCD_IDEMPOTENT) {
			note_failure(&why, &e); /* e.g. this member lost its leader */
			continue;
		}
		if (rc != ICP_OK) {
			icp_error_set(err, rc, "%s", e.msg);
			goto out;
		}
		if (http != 200) {
			rc = icp_error_set(err, ICP_ERR_CORRUPT, "etcd %s: HTTP %ld without an error body",
			                   (const char *)url.data, http);
			goto out;
		}
		c->cur = idx; /* stick with what works */
		*root = doc;
		rc = ICP_OK;
		goto out;
	}
	rc = icp_error_set(err, ICP_ERR_RETRYABLE, "etcd: no endpoint answered: %s",
	                   why.len ? (const char *)why.data : "(no endpoints)");
out:
	icp_buf_dispose(&reply);
	icp_buf_dispose(&url);
	icp_buf_dispose(&why);
	return rc;
}

static int authenticate(icp_etcd *c, icp_arena *a, icp_error *err)
{
	icp_buf body;
	const icp_json *root, *tok;
	int64_t code;
	int rc;

	icp_free(c->token);
	c->token = NULL;
	icp_buf_init(&body, ICP_BUF_UNLIMITED);
	rc = icp_etcd_enc_auth(&body, c->username, c->password);
	if (rc != ICP_OK) {
		rc = icp_error_set(err, rc, "etcd: cannot encode the auth request");
		goto out;
	}
	rc = call_raw(c, a, "/v3/auth/authenticate", &body, ICP_ETCD_IDEMPOTENT, &root, &code, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "etcd: authenticate as \"%s\"", c->username);
		goto out;
	}
	tok = icp_json_get(root, "token");
	if (!tok || tok->type != ICP_JSON_STRING || tok->u.str.len == 0 ||
	    memchr(tok->u.str.ptr, '\n', tok->u.str.len) || memchr(tok->u.str.ptr, '\r', tok->u.str.len)) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "etcd: authenticate reply has no usable token");
		goto out;
	}
	c->token = icp_strndup(tok->u.str.ptr, tok->u.str.len);
	if (!c->token)
		rc = icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory for the token");
out:
	icp_buf_dispose(&body);
	return rc;
}

int icp_etcd_call(icp_etcd *c, icp_arena *a, const char *path, const icp_buf *body,
                  int kind, const icp_json **root, icp_error *err)
{
	int64_t code = 0;
	icp_error e;
	int rc;

	if (body->status != ICP_OK)
		return icp_error_set(err, body->status, "etcd %s: cannot encode the request", path);
	if (c->username && !c->token && (rc = authenticate(c, a, err)) != ICP_OK)
		return rc;
	icp_error_init(&e);
	rc = call_raw(c, a, path, body, kind, root, &code, &e);
	/* An expired token is refused before anything runs, so even a
	 * mutation may be repeated once with a fresh one. */
	if (rc != ICP_OK && c->username && code == GRPC_UNAUTHENTICATED) {
		if ((rc = authenticate(c, a, err)) != ICP_OK)
			return rc;
		icp_error_init(&e);
		rc = call_raw(c, a, path, body, kind, root, &code, &e);
	}
	if (rc != ICP_OK)
		icp_error_set(err, rc, "%s", e.msg);
	return rc;
}
