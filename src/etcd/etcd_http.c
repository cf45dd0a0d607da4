/*
 * etcd_http: the client object over the one HTTP transport (src/http; one
 * client, so keep-alive connections are reused), POSTs of JSON bodies,
 * endpoint failover and the auth token.
 *
 * Failover rule (see etcd.h), from the transport's outcome: an attempt
 * that provably sent nothing (not sent, bad setup: e.g. connection
 * refused) may always go to the next endpoint; an attempt that sent its
 * request and then failed may only if the call is idempotent, otherwise
 * the outcome is unknown.
 */
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
	icp_http_opts ho;
	char *ca = NULL, *cert = NULL, *key = NULL;
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
	if ((rc = tls_file(opts->ca_file, "ca_file", &ca, err)) != ICP_OK ||
	    (rc = tls_file(opts->cert_file, "cert_file", &cert, err)) != ICP_OK ||
	    (rc = tls_file(opts->key_file, "key_file", &key, err)) != ICP_OK)
		goto fail;
	if (!cert != !key) {
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "etcd: tls cert_file and key_file go together (got only %s)",
		                   cert ? "cert_file" : "key_file");
		goto fail;
	}
	c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms
	                                                 : DEFAULT_CONNECT_MS;
	c->max_response = opts->max_response ? opts->max_response : DEFAULT_MAX_RESPONSE;
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = c->timeout_ms;
	ho.connect_timeout_ms = c->connect_timeout_ms;
	ho.max_response = c->max_response;
	ho.ca_file = ca;
	ho.cert_file = cert;
	ho.key_file = key;
	ho.reuse_for_mutations = 1; /* failover, not curl, decides on repeats */
	if ((rc = icp_http_new(&ho, &c->http, err)) != ICP_OK) {
		icp_error_prefix(err, "etcd");
		goto fail;
	}
	icp_free(ca);
	icp_free(cert);
	icp_free(key);
	*out = c;
	return ICP_OK;
nomem:
	rc = icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory creating the client");
fail:
	icp_free(ca);
	icp_free(cert);
	icp_free(key);
	icp_etcd_free(c);
	return rc;
}

void icp_etcd_free(icp_etcd *c)
{
	size_t i;

	if (!c)
		return;
	icp_http_free(c->http);
	for (i = 0; i < c->n_urls; i++)
		icp_free(c->urls[i]);
	icp_free(c->urls);
	icp_free(c->username);
	if (c->password) /* do not leave the secret in freed memory */
		memset(c->password, 0, strlen(c->password));
	icp_free(c->password);
	icp_free(c->token);
	icp_free(c);
}

const char *icp_etcd_current_endpoint(const icp_etcd *c)
{
	return c->urls[c->cur];
}

/* etcd's one reading of a transport failure: ICP_ERR_RETRYABLE means
 * "try the next endpoint" (nothing was sent, or the call may be
 * repeated), ICP_ERR_UNKNOWN that a mutation may have been applied; local
 * failures (NOMEM, reply over max_response) stay what they are. */
static int transport_status(icp_http_outcome o, int kind, int rc)
{
	if (o == ICP_HTTP_LOCAL)
		return rc;
	if (icp_http_outcome_not_sent(o) || kind == ICP_ETCD_IDEMPOTENT)
		return ICP_ERR_RETRYABLE;
	return ICP_ERR_UNKNOWN;
}

/* One HTTP exchange with one endpoint. ICP_OK with the status and reply
 * in r, or the transport's failure (err set, r->outcome says which). */
static int post_once(icp_etcd *c, const char *url, const icp_buf *body,
                     icp_http_response *r, icp_error *err)
{
	const char *hdrs[3];
	icp_buf auth;
	size_t n = 0;
	int rc;

	icp_buf_init(&auth, ICP_BUF_UNLIMITED);
	hdrs[n++] = "Content-Type: application/json";
	if (c->token) {
		icp_buf_printf(&auth, "Authorization: %s", c->token);
		if (auth.status != ICP_OK) {
			icp_buf_dispose(&auth);
			r->outcome = ICP_HTTP_LOCAL;
			return icp_error_set(err, ICP_ERR_NOMEM, "etcd %s: out of memory for headers",
			                     url);
		}
		hdrs[n++] = (const char *)auth.data;
	}
	hdrs[n] = NULL;
	rc = icp_http_request(c->http, "POST", url, hdrs,
	                      icp_slice_make(body->data ? (const void *)body->data : "", body->len),
	                      r, err);
	icp_buf_dispose(&auth);
	return rc;
}

/* Collects each endpoint's failure into one message. */
static void note_failure(icp_buf *why, const icp_error *e)
{
	const char *m = e->msg;

	if (why->len)
		icp_buf_append_str(why, "; ");
	if (strncmp(m, "POST ", 5) == 0)
		m += 5; /* every etcd call is a POST: "<url>: <reason>" */
	icp_buf_append_str(why, m);
}

/* POST with failover; on ICP_OK, *root is the parsed non-error reply. */
static int call_raw(icp_etcd *c, icp_arena *a, const char *path, const icp_buf *body,
                    int kind, const icp_json **root, int64_t *grpc_code, icp_error *err)
{
	icp_http_response r;
	icp_buf url, why;
	size_t tries, idx;
	int rc = ICP_ERR_IO;

	*root = NULL;
	*grpc_code = 0;
	icp_http_response_init(&r);
	icp_buf_init(&url, ICP_BUF_UNLIMITED);
	icp_buf_init(&why, 4096);
	for (tries = 0; tries < c->n_urls; tries++) {
		icp_error e;
		icp_json *doc = NULL;
		long http;

		idx = (c->cur + tries) % c->n_urls;
		icp_buf_reset(&url);
		icp_buf_printf(&url, "%s%s", c->urls[idx], path);
		if (url.status != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_NOMEM, "etcd: out of memory for URL");
			goto out;
		}
		icp_error_init(&e);
		rc = post_once(c, (const char *)url.data, body, &r, &e);
		if (rc != ICP_OK)
			rc = transport_status(r.outcome, kind, rc);
		if (rc == ICP_ERR_RETRYABLE) {
			note_failure(&why, &e);
			continue; /* next endpoint */
		}
		if (rc == ICP_ERR_UNKNOWN) {
			rc = icp_error_set(err, ICP_ERR_UNKNOWN,
			                   "etcd: request sent, outcome unknown: %s", e.msg);
			goto out;
		}
		if (rc != ICP_OK) {
			icp_error_set(err, rc, "etcd %s", e.msg);
			goto out;
		}
		http = r.status;
		rc = icp_json_parse(a, (const char *)r.body.data, r.body.len, NULL, &doc, &e);
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
	icp_http_response_dispose(&r);
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
