/*
 * Credential sources that ask a service: web identity (STS
 * AssumeRoleWithWebIdentity, which needs no signature) and the container
 * endpoint (ECS, EKS Pod Identity). The HTTP exchange goes through an
 * injected icp_s3_http_transport, so these are tested with a fake one
 * (production uses icp_s3_http_transport_of). Also EC2 instance metadata
 * (IMDSv2).
 * Tokens read from files are wiped after use; responses holding secrets
 * are wiped before they are freed.
 */
#include "s3/s3_int.h"

#include <strings.h>

#define TOKEN_MAX (16 * 1024)  /* web identity / authorization token files */
#define RESPONSE_MAX (64 * 1024)

typedef struct net_state {
	icp_s3_env env;
	icp_s3_http_transport t;
	char *endpoint; /* web identity: STS endpoint or NULL */
} net_state;

static void net_free(void *p)
{
	net_state *st = p;
	if (!st)
		return;
	icp_free(st->endpoint);
	icp_free(st);
}

static net_state *net_new(const icp_s3_env *env, const icp_s3_http_transport *t,
                          const char *endpoint)
{
	net_state *st;
	if (!t || !t->perform)
		return NULL;
	st = icp_calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	if (env)
		st->env = *env;
	st->t = *t;
	if (endpoint && !(st->endpoint = icp_strdup(endpoint))) {
		icp_free(st);
		return NULL;
	}
	return st;
}

static void wipe_buf(icp_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	icp_buf_dispose(b);
}

/* Reads a token file into tok (NUL-terminated, trailing blanks and
 * newlines dropped). */
static int read_token(const char *path, const char *var, icp_buf *tok, icp_error *err)
{
	int rc = icp_s3_read_file(path, tok, err);
	if (rc == ICP_ERR_NOT_FOUND)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: %s %s does not exist",
		                     var, path);
	if (rc != ICP_OK)
		return rc;
	while (tok->len && (tok->data[tok->len - 1] == '\n' || tok->data[tok->len - 1] == '\r' ||
	                    tok->data[tok->len - 1] == ' ' || tok->data[tok->len - 1] == '\t'))
		tok->len--;
	if (tok->len == 0 || memchr(tok->data, 0, tok->len) || memchr(tok->data, '\n', tok->len) ||
	    memchr(tok->data, '\r', tok->len))
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: %s %s holds no "
		                     "single-line token", var, path);
	icp_buf_append_byte(tok, 0);
	tok->len--;
	return tok->status;
}

/* Maps a non-200 answer to a status, naming the service's Code and
 * Message when the body has them. */
static int http_failure(const char *what, int status, const icp_buf *body, icp_error *err)
{
	icp_s3_error_body e;
	icp_error ignored;
	int rc = (status >= 500 || status == 429) ? ICP_ERR_RETRYABLE : ICP_ERR_IO;

	icp_s3_error_body_init(&e);
	icp_error_init(&ignored);
	if (icp_s3_xml_parse_error(body->data ? body->data : (const uint8_t *)"", body->len, &e,
	                           &ignored) == ICP_OK && e.code) {
		if (strcmp(e.code, "Throttling") == 0 || strcmp(e.code, "ThrottlingException") == 0 ||
		    strcmp(e.code, "IDPCommunicationError") == 0)
			rc = ICP_ERR_RETRYABLE;
		icp_error_set(err, rc, "%s: HTTP %d %.64s: %.200s", what, status, e.code,
		              e.message ? e.message : "");
	} else {
		icp_error_set(err, rc, "%s: HTTP %d", what, status);
	}
	icp_s3_error_body_dispose(&e);
	return rc;
}

/* ---------------------------------------------------------- web identity */

static void form_param(icp_buf *b, const char *name, const char *value)
{
	if (b->len)
		icp_buf_append_byte(b, '&');
	icp_buf_append_str(b, name);
	icp_buf_append_byte(b, '=');
	icp_s3_uri_encode(b, value, strlen(value), 0);
}

static int web_identity_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	net_state *st = state;
	const char *file = icp_s3_env_get(&st->env, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = icp_s3_env_get(&st->env, "AWS_ROLE_ARN");
	const char *session = icp_s3_env_get(&st->env, "AWS_ROLE_SESSION_NAME");
	const char *region = icp_s3_env_get(&st->env, "AWS_REGION");
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
		"Accept: application/xml",
	};
	icp_buf tok, form, url, resp;
	icp_s3_http_request req;
	int rc, status = 0;

	if (!file && !role)
		return ICP_ERR_NOT_FOUND;
	if (!file || !role)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: %s is set but %s is not",
		                     file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
		                     file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
	icp_buf_init(&tok, TOKEN_MAX);
	icp_buf_init(&form, 4 * TOKEN_MAX);
	icp_buf_init(&url, 4096);
	icp_buf_init(&resp, RESPONSE_MAX);
	rc = read_token(file, "AWS_WEB_IDENTITY_TOKEN_FILE", &tok, err);
	if (rc != ICP_OK)
		goto out;
	form_param(&form, "Action", "AssumeRoleWithWebIdentity");
	form_param(&form, "Version", "2011-06-15");
	form_param(&form, "RoleArn", role);
	form_param(&form, "RoleSessionName", session ? session : "iceberg-processor");
	form_param(&form, "WebIdentityToken", (const char *)tok.data);
	if (st->endpoint)
		icp_buf_append_str(&url, st->endpoint);
	else if (region)
		icp_buf_printf(&url, "https://sts.%s.amazonaws.com", region);
	else
		icp_buf_append_str(&url, "https://sts.amazonaws.com");
	icp_buf_append_str(&url, "/");
	icp_buf_append_byte(&url, 0);
	if (form.status != ICP_OK || url.status != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "s3 credentials: out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = (const char *)url.data;
	req.headers = hdrs;
	req.n_headers = ICP_ARRAY_LEN(hdrs);
	req.body = form.data;
	req.body_len = form.len;
	rc = st->t.perform(st->t.ctx, &req, &status, &resp, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "sts AssumeRoleWithWebIdentity");
		goto out;
	}
	if (status != 200) {
		rc = http_failure("sts AssumeRoleWithWebIdentity", status, &resp, err);
		goto out;
	}
	rc = icp_s3_xml_parse_sts_credentials(resp.data ? resp.data : (const uint8_t *)"",
	                                      resp.len, out, err);
out:
	wipe_buf(&tok);
	wipe_buf(&form);
	icp_buf_dispose(&url);
	wipe_buf(&resp);
	return rc;
}

static const icp_s3_cred_provider_vtable web_identity_vt = {
	"web-identity", web_identity_resolve, net_free};

icp_s3_cred_provider *icp_s3_cred_web_identity_new(const icp_s3_env *env,
                                                   const icp_s3_http_transport *t,
                                                   const char *sts_endpoint)
{
	net_state *st = net_new(env, t, sts_endpoint);
	return st ? icp_s3_cred_provider_new(&web_identity_vt, st) : NULL;
}

/* ------------------------------------------------------------- container */

/* Whether plain http to this URL is allowed: the host (after "http://",
 * up to ':', '/' or end; "[...]" for IPv6) must be a container or
 * loopback address. */
static int http_host_allowed(const char *url)
{
	const char *h = url + 7, *e;
	size_t n;
	if (*h == '[') {
		e = strchr(h, ']');
		if (!e)
			return 0;
		n = (size_t)(e - h - 1);
		return (n == 3 && strncmp(h + 1, "::1", 3) == 0) ||
		       (n == 12 && strncasecmp(h + 1, "fd00:ec2::23", 12) == 0);
	}
	e = h + strcspn(h, ":/?#");
	n = (size_t)(e - h);
	if ((n == 13 && strncmp(h, "169.254.170.2", 13) == 0) ||
	    (n == 14 && strncmp(h, "169.254.170.23", 14) == 0) ||
	    (n == 9 && strncasecmp(h, "localhost", 9) == 0))
		return 1;
	/* 127.0.0.0/8: "127." then digits and dots only. */
	if (n >= 7 && strncmp(h, "127.", 4) == 0) {
		size_t i;
		for (i = 4; i < n; i++)
			if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
				return 0;
		return 1;
	}
	return 0;
}

static int container_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	net_state *st = state;
	const char *rel = icp_s3_env_get(&st->env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = icp_s3_env_get(&st->env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok_file = icp_s3_env_get(&st->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok_env = icp_s3_env_get(&st->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *hdrs[2];
	icp_buf url, auth, tok, resp;
	icp_s3_http_request req;
	int rc = ICP_OK, status = 0;

	if (!rel && !full)
		return ICP_ERR_NOT_FOUND;
	if (strpbrk(rel ? rel : full, " \t\r\n"))
		return icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: container credentials "
		                     "URI holds blanks or line breaks");
	icp_buf_init(&url, 4096);
	icp_buf_init(&auth, TOKEN_MAX + 32);
	icp_buf_init(&tok, TOKEN_MAX);
	icp_buf_init(&resp, RESPONSE_MAX);
	if (rel) {
		if (rel[0] != '/') {
			rc = icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: "
			                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
			goto out;
		}
		icp_buf_printf(&url, "http://169.254.170.2%s", rel);
	} else {
		if (strncasecmp(full, "https://", 8) != 0 &&
		    !(strncasecmp(full, "http://", 7) == 0 && http_host_allowed(full))) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: "
			                   "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%.200s\" must be https, "
			                   "or http to a loopback or container address", full);
			goto out;
		}
		icp_buf_append_str(&url, full);
	}
	icp_buf_append_byte(&url, 0);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.headers = hdrs;
	hdrs[req.n_headers++] = "Accept: application/json";
	if (tok_file) {
		rc = read_token(tok_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &tok, err);
		if (rc != ICP_OK)
			goto out;
		tok_env = (const char *)tok.data;
	}
	if (tok_env) {
		if (strpbrk(tok_env, "\r\n")) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "s3 credentials: container "
			                   "authorization token holds a line break");
			goto out;
		}
		icp_buf_printf(&auth, "Authorization: %s", tok_env);
		icp_buf_append_byte(&auth, 0);
		hdrs[req.n_headers++] = (const char *)auth.data;
	}
	if (url.status != ICP_OK || auth.status != ICP_OK) {
		rc = icp_error_set(err, url.status == ICP_ERR_NOMEM || auth.status == ICP_ERR_NOMEM
		                   ? ICP_ERR_NOMEM : ICP_ERR_INVALID,
		                   "s3 credentials: container URI or token too long");
		goto out;
	}
	req.url = (const char *)url.data;
	rc = st->t.perform(st->t.ctx, &req, &status, &resp, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "container credentials %s", req.url);
		goto out;
	}
	if (status != 200) {
		rc = status >= 500 || status == 429 ? ICP_ERR_RETRYABLE : ICP_ERR_IO;
		icp_error_set(err, rc, "container credentials %s: HTTP %d", req.url, status);
		goto out;
	}
	rc = icp_s3_cred_parse_json(resp.data ? resp.data : (const uint8_t *)"", resp.len,
	                            "container credentials", out, err);
out:
	icp_buf_dispose(&url);
	wipe_buf(&auth);
	wipe_buf(&tok);
	wipe_buf(&resp);
	return rc;
}

static const icp_s3_cred_provider_vtable container_vt = {"container", container_resolve,
                                                         net_free};

icp_s3_cred_provider *icp_s3_cred_container_new(const icp_s3_env *env,
                                                const icp_s3_http_transport *t)
{
	net_state *st = net_new(env, t, NULL);
	return st ? icp_s3_cred_provider_new(&container_vt, st) : NULL;
}

/* ------------------------------------------------------------------ IMDS */

/* One IMDS exchange into resp (reset first). */
static int imds_call(net_state *st, const char *method, const char *base, const char *path,
                     const char *hdr, icp_buf *resp, int *status, icp_error *err)
{
	icp_buf url;
	icp_s3_http_request req;
	int rc;

	icp_buf_reset(resp);
	icp_buf_init(&url, 4096);
	icp_buf_printf(&url, "%s%s", base, path);
	icp_buf_append_byte(&url, 0);
	if (url.status != ICP_OK) {
		icp_buf_dispose(&url);
		return icp_error_set(err, ICP_ERR_INVALID, "imds: endpoint too long");
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = (const char *)url.data;
	req.headers = &hdr;
	req.n_headers = 1;
	rc = st->t.perform(st->t.ctx, &req, status, resp, err);
	if (rc != ICP_OK)
		icp_error_prefix(err, "imds %s", req.url);
	icp_buf_dispose(&url);
	return rc;
}

static int imds_resolve(void *state, icp_s3_credentials *out, icp_error *err)
{
	net_state *st = state;
	const char *off = icp_s3_env_get(&st->env, "AWS_EC2_METADATA_DISABLED");
	const char *ep = icp_s3_env_get(&st->env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	icp_buf base, tokhdr, resp, path;
	icp_error probe;
	int rc, status = 0;
	size_t n;

	if (off && strcasecmp(off, "true") == 0)
		return ICP_ERR_NOT_FOUND;
	icp_buf_init(&base, 2048);
	icp_buf_init(&tokhdr, 1024);
	icp_buf_init(&resp, RESPONSE_MAX);
	icp_buf_init(&path, 4096);
	icp_buf_append_str(&base, ep ? ep : "http://169.254.169.254");
	while (base.len && base.data[base.len - 1] == '/')
		base.len--;
	icp_buf_append_byte(&base, 0);
	if (base.status != ICP_OK || strpbrk((const char *)base.data, " \t\r\n")) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "imds: bad AWS_EC2_METADATA_SERVICE_ENDPOINT");
		goto out;
	}
	/* Session token. Off EC2 this fails fast (the transport's connect
	 * timeout): that is "no credentials here", not an error. */
	icp_error_init(&probe);
	rc = imds_call(st, "PUT", (const char *)base.data, "/latest/api/token",
	               "X-aws-ec2-metadata-token-ttl-seconds: 21600", &resp, &status, &probe);
	if (rc != ICP_OK) {
		rc = rc == ICP_ERR_NOMEM ? icp_error_set(err, ICP_ERR_NOMEM, "imds: out of memory")
		                         : ICP_ERR_NOT_FOUND;
		goto out;
	}
	if (status != 200) {
		rc = status >= 500 || status == 429 ? ICP_ERR_RETRYABLE : ICP_ERR_IO;
		icp_error_set(err, rc, "imds: token request: HTTP %d", status);
		goto out;
	}
	n = resp.len;
	while (n && (resp.data[n - 1] == '\n' || resp.data[n - 1] == '\r'))
		n--;
	if (n == 0 || memchr(resp.data, 0, n) || memchr(resp.data, '\n', n) ||
	    memchr(resp.data, '\r', n)) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "imds: malformed session token");
		goto out;
	}
	icp_buf_append_str(&tokhdr, "X-aws-ec2-metadata-token: ");
	icp_buf_append(&tokhdr, resp.data, n);
	icp_buf_append_byte(&tokhdr, 0);
	if (tokhdr.status != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "imds: session token too long");
		goto out;
	}
	/* Role name: the first line of the listing. */
	rc = imds_call(st, "GET", (const char *)base.data,
	               "/latest/meta-data/iam/security-credentials/", (const char *)tokhdr.data,
	               &resp, &status, err);
	if (rc != ICP_OK)
		goto out;
	if (status == 404) {
		rc = ICP_ERR_NOT_FOUND; /* no instance profile */
		goto out;
	}
	if (status != 200) {
		rc = status >= 500 || status == 429 ? ICP_ERR_RETRYABLE : ICP_ERR_IO;
		icp_error_set(err, rc, "imds: role listing: HTTP %d", status);
		goto out;
	}
	n = 0;
	while (n < resp.len && resp.data[n] != '\n' && resp.data[n] != '\r')
		n++;
	if (n == 0 || memchr(resp.data, 0, n) || memchr(resp.data, '/', n) ||
	    memchr(resp.data, ' ', n) || memchr(resp.data, '?', n) || memchr(resp.data, '#', n) ||
	    memchr(resp.data, '%', n) || (n <= 2 && resp.data[0] == '.')) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "imds: malformed role name");
		goto out;
	}
	icp_buf_append_str(&path, "/latest/meta-data/iam/security-credentials/");
	icp_buf_append(&path, resp.data, n);
	icp_buf_append_byte(&path, 0);
	if (path.status != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "imds: role name too long");
		goto out;
	}
	rc = imds_call(st, "GET", (const char *)base.data, (const char *)path.data,
	               (const char *)tokhdr.data, &resp, &status, err);
	if (rc != ICP_OK)
		goto out;
	if (status != 200) {
		rc = status >= 500 || status == 429 ? ICP_ERR_RETRYABLE : ICP_ERR_IO;
		icp_error_set(err, rc, "imds: credentials: HTTP %d", status);
		goto out;
	}
	rc = icp_s3_cred_parse_json(resp.data ? resp.data : (const uint8_t *)"", resp.len, "imds",
	                            out, err);
out:
	icp_buf_dispose(&base);
	wipe_buf(&tokhdr);
	wipe_buf(&resp);
	icp_buf_dispose(&path);
	return rc;
}

static const icp_s3_cred_provider_vtable imds_vt = {"imds", imds_resolve, net_free};

icp_s3_cred_provider *icp_s3_cred_imds_new(const icp_s3_env *env,
                                           const icp_s3_http_transport *t)
{
	net_state *st = net_new(env, t, NULL);
	return st ? icp_s3_cred_provider_new(&imds_vt, st) : NULL;
}

icp_s3_cred_chain *icp_s3_cred_chain_default_net(const icp_s3_env *env,
                                                 const icp_s3_http_transport *t,
                                                 const char *sts_endpoint)
{
	icp_s3_cred_chain *c = icp_s3_cred_chain_default(env);
	if (!c)
		return NULL;
	if (icp_s3_cred_chain_add(c, icp_s3_cred_web_identity_new(env, t, sts_endpoint), NULL) ||
	    icp_s3_cred_chain_add(c, icp_s3_cred_container_new(env, t), NULL) ||
	    icp_s3_cred_chain_add(c, icp_s3_cred_imds_new(env, t), NULL)) {
		icp_s3_cred_chain_free(c);
		return NULL;
	}
	return c;
}
