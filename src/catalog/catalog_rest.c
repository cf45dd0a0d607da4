/*
 * The `rest` catalog backend: Apache Iceberg's REST catalog protocol
 * (open-api/rest-catalog-open-api.yaml) over src/http.
 *
 * Open: GET {uri}/v1/config?warehouse=W first; its overrides > our
 * settings > its defaults give `prefix` (and may move `uri`). Every later
 * path is {uri}/v1/{prefix}/...; docs/internals/rest-catalog.md lists the
 * endpoints.
 *
 * Auth: a static bearer token, or OAuth2 client credentials exchanged at
 * the token endpoint for a token that is refreshed a minute before
 * expires_in runs out and once when a request answers 401. Secrets appear
 * only in the Authorization header and the token request body: never in
 * errors or logs.
 *
 * Outcomes. Reads, namespace creation and table creation are idempotent
 * (or answer 409 when repeated), so they are retried a few times on
 * transport failures and 5xx. A commit is sent once: 200 -> ICP_OK,
 * 409 -> ICP_ERR_CONFLICT, 500/502/503/504 or a connection failure after
 * sending -> ICP_ERR_UNKNOWN (the processor reloads and decides), other
 * 4xx -> ICP_ERR_INVALID (404: ICP_ERR_NOT_FOUND) with the catalog's
 * message and the URL.
 *
 * Metadata is read from `metadata-location` through the warehouse store;
 * the inline `metadata` of the response is used when the location is
 * outside the store or cannot be read. The `config` of the last loaded
 * table (e.g. vended S3 endpoint or credentials) is kept and exposed
 * through icp_catalog_config().
 */
#include "catalog/catalog_int.h"
#include "http/http.h"
#include "log/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#define METADATA_MAX (64u << 20)
#define IDEMPOTENT_TRIES 4
#define REFRESH_MARGIN_MS 60000

typedef struct rest_cat {
	icp_http *http;
	icp_storage *store;   /* borrowed: the warehouse */
	pthread_mutex_t mu;   /* one request at a time on the easy handle */
	char *uri;            /* base, no trailing slash */
	char *prefix;         /* NULL: none */
	char *warehouse;      /* the ?warehouse= of /v1/config; NULL: none */
	char *static_token;   /* iceberg.catalog.token */
	char *delegation;     /* "X-Iceberg-Access-Delegation: ..." or NULL */
	char *client_id, *client_secret, *scope, *oauth_uri;
	char *token;          /* current OAuth2 access token */
	int64_t token_expiry_ms; /* 0: no expiry given */
	int64_t token_life_ms;
	icp_arena *cfg_arena; /* GET /v1/config response */
	const icp_json *cfg;
	icp_arena *tbl_arena; /* last load-table response */
	const icp_json *tbl_cfg;
	int debug;
} rest_cat;

static int nomem(icp_error *err)
{
	return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
}

static void debug_hook(void *ud, const char *method, const char *url, long status,
                       int64_t ms)
{
	char st[24], el[24];
	ICP_UNUSED(ud);
	snprintf(st, sizeof(st), "%ld", status);
	snprintf(el, sizeof(el), "%lld", (long long)ms);
	/* icp_log prints whatever the level filter: the env var asked for it. */
	icp_log(ICP_LOG_LEVEL_INFO, "rest request", "method", method, "url", url, "status",
	        status ? st : "none", "ms", el, "auth", "(redacted)", (const char *)NULL);
}

static void wipe_free(char *s)
{
	if (s) {
		volatile char *v = s;
		while (*v)
			*v++ = 0;
	}
	icp_free(s);
}

static void rest_close(void *st)
{
	rest_cat *c = st;
	if (!c)
		return;
	icp_http_free(c->http);
	pthread_mutex_destroy(&c->mu);
	icp_free(c->uri);
	icp_free(c->prefix);
	icp_free(c->warehouse);
	wipe_free(c->static_token);
	icp_free(c->delegation);
	icp_free(c->client_id);
	wipe_free(c->client_secret);
	icp_free(c->scope);
	icp_free(c->oauth_uri);
	wipe_free(c->token);
	icp_arena_free(c->cfg_arena);
	icp_arena_free(c->tbl_arena);
	icp_free(c);
}

/* ------------------------------------------------------------- requests */

/* The catalog's one mapping of transport outcomes: nothing sent (a bad
 * TLS/URL setup included) -> RETRYABLE, sent without an answer -> UNKNOWN,
 * local failures (NOMEM, TOO_LARGE) as they are; any status -> ICP_OK. */
static int send_http(rest_cat *c, const char *method, const char *url, const char *const *hdrs,
                     icp_slice body, icp_http_response *r, icp_error *err)
{
	icp_error e;
	int rc;

	icp_error_init(&e);
	rc = icp_http_request(c->http, method, url, hdrs, body, r, &e);
	if (rc != ICP_OK && r->outcome != ICP_HTTP_LOCAL)
		rc = icp_http_outcome_not_sent(r->outcome) ? ICP_ERR_RETRYABLE : ICP_ERR_UNKNOWN;
	return rc ? icp_error_set(err, rc, "%s", e.msg) : ICP_OK;
}

/* Gets a token from the token endpoint (client credentials grant). */
static int fetch_token(rest_cat *c, icp_error *err)
{
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
		NULL};
	icp_http_response r;
	icp_error e2;
	icp_buf form;
	char *tok = NULL;
	int64_t exp = 0;
	int rc;

	icp_buf_init(&form, 1 << 20);
	icp_http_response_init(&r);
	icp_buf_append_str(&form, "grant_type=client_credentials&client_id=");
	icp_http_escape(&form, c->client_id, strlen(c->client_id));
	icp_buf_append_str(&form, "&client_secret=");
	icp_http_escape(&form, c->client_secret, strlen(c->client_secret));
	icp_buf_append_str(&form, "&scope=");
	icp_http_escape(&form, c->scope, strlen(c->scope));
	if (form.status) {
		rc = nomem(err);
		goto out;
	}
	icp_error_init(&e2);
	rc = send_http(c, "POST", c->oauth_uri, hdrs, icp_slice_make(form.data, form.len), &r,
	               &e2);
	if (rc) {
		/* whatever happened to the token request, the catalog request it
		 * was for has not been sent */
		rc = icp_error_set(err, rc == ICP_ERR_UNKNOWN ? ICP_ERR_RETRYABLE : rc,
		                   "OAuth2 token request: %s", e2.msg);
		goto out;
	}
	if (r.status != 200) {
		icp_buf t;
		icp_buf_init(&t, 4096);
		icp_catalog_rest_error_text((const char *)r.body.data, r.body.len, &t);
		rc = icp_error_set(err, r.status >= 500 ? ICP_ERR_RETRYABLE : ICP_ERR_INVALID,
		                   "OAuth2 token request to %s: HTTP %ld: %s", c->oauth_uri,
		                   r.status, t.data ? (const char *)t.data : "");
		icp_buf_dispose(&t);
		goto out;
	}
	rc = icp_catalog_rest_parse_token((const char *)r.body.data, r.body.len, &tok, &exp, err);
	if (rc) {
		icp_error_prefix(err, "OAuth2 token response of %s", c->oauth_uri);
		goto out;
	}
	wipe_free(c->token);
	c->token = tok;
	c->token_life_ms = exp > 0 && exp < INT64_MAX / 2000 ? exp * 1000 : 0;
	c->token_expiry_ms = c->token_life_ms ? icp_now_ms() + c->token_life_ms : 0;
out:
	if (form.data)
		memset(form.data, 0, form.len); /* held the secret */
	icp_buf_dispose(&form);
	icp_http_response_dispose(&r);
	return rc;
}

static int token_due(const rest_cat *c)
{
	if (!c->client_id)
		return 0;
	if (!c->token)
		return 1;
	if (!c->token_expiry_ms)
		return 0;
	/* refresh a minute ahead of expiry; short-lived tokens at half life */
	return icp_now_ms() + (c->token_life_ms / 2 < REFRESH_MARGIN_MS ? c->token_life_ms / 2
	                                                                 : REFRESH_MARGIN_MS) >=
	       c->token_expiry_ms;
}

/* Builds {uri}/v1/[prefix/]path into url. */
static int make_url(rest_cat *c, const char *path, icp_buf *url)
{
	icp_buf_reset(url);
	icp_buf_printf(url, "%s/v1/", c->uri);
	if (c->prefix && *c->prefix)
		icp_buf_printf(url, "%s/", c->prefix);
	icp_buf_append_str(url, path);
	return url->status;
}

/* One request with auth; a 401 under OAuth2 refreshes the token and
 * repeats once (a 401 means the server did nothing). */
static int call(rest_cat *c, const char *method, const char *url, const icp_buf *body,
                icp_http_response *r, icp_error *err)
{
	icp_buf auth;
	const char *hdrs[5];
	int rc = ICP_OK, tries;

	icp_buf_init(&auth, 1 << 16);
	for (tries = 0; tries < 2; tries++) {
		size_t n = 0;
		if (token_due(c) || (tries == 1 && c->client_id)) {
			if ((rc = fetch_token(c, err)) != ICP_OK)
				break;
		}
		icp_buf_reset(&auth);
		if (c->token || c->static_token)
			icp_buf_printf(&auth, "Authorization: Bearer %s",
			               c->token ? c->token : c->static_token);
		if (auth.status) {
			rc = nomem(err);
			break;
		}
		if (auth.len)
			hdrs[n++] = (const char *)auth.data;
		hdrs[n++] = "Accept: application/json";
		if (c->delegation)
			hdrs[n++] = c->delegation;
		if (body)
			hdrs[n++] = "Content-Type: application/json";
		hdrs[n] = NULL;
		rc = send_http(c, method, url, hdrs,
		               body ? icp_slice_make(body->data, body->len) : icp_slice_make(NULL, 0),
		               r, err);
		if (rc || r->status != 401 || !c->client_id)
			break;
	}
	if (auth.data)
		memset(auth.data, 0, auth.len);
	icp_buf_dispose(&auth);
	return rc;
}

/* The error of a non-2xx answer: status class per the header comment. */
static int http_error(long status, const char *method, const char *url,
                      const icp_http_response *r, icp_error *err)
{
	icp_buf t;
	int st;

	if (status == 409)
		st = ICP_ERR_CONFLICT;
	else if (status == 404)
		st = ICP_ERR_NOT_FOUND;
	else if (status == 500 || status == 502 || status == 503 || status == 504)
		st = ICP_ERR_UNKNOWN;
	else if (status >= 500 || status == 429)
		st = ICP_ERR_RETRYABLE;
	else
		st = ICP_ERR_INVALID;
	icp_buf_init(&t, 4096);
	icp_catalog_rest_error_text((const char *)r->body.data, r->body.len, &t);
	st = icp_error_set(err, st, "REST catalog %s %s: HTTP %ld: %s", method, url, status,
	                   t.data ? (const char *)t.data : "");
	icp_buf_dispose(&t);
	return st;
}

/* An idempotent request: transport failures and 5xx are retried with a
 * short pause; returns ICP_OK with r->status the final status (the caller
 * maps non-2xx with http_error). */
static int call_idempotent(rest_cat *c, const char *method, const char *url,
                           const icp_buf *body, icp_http_response *r, icp_error *err)
{
	int rc = ICP_OK;
	for (int i = 0; i < IDEMPOTENT_TRIES; i++) {
		icp_error e;
		icp_error_init(&e);
		if (i) {
			struct timespec ts = {0, 100000000L * i};
			nanosleep(&ts, NULL);
		}
		rc = call(c, method, url, body, r, &e);
		if (rc == ICP_OK && (r->status < 500 || i == IDEMPOTENT_TRIES - 1))
			return ICP_OK;
		if (rc != ICP_OK && rc != ICP_ERR_RETRYABLE && rc != ICP_ERR_UNKNOWN)
			return icp_error_set(err, rc, "%s", e.msg);
		if (rc != ICP_OK && i == IDEMPOTENT_TRIES - 1)
			return icp_error_set(err, ICP_ERR_RETRYABLE, "%s", e.msg);
	}
	return rc;
}

/* Parses a successful response body into *root (allocated in a). */
static int parse_body(const char *url, const icp_http_response *r, icp_arena *a,
                      icp_json **root, icp_error *err)
{
	int rc = icp_json_parse(a, (const char *)r->body.data, r->body.len, NULL, root, err);
	if (rc == ICP_OK && (*root)->type != ICP_JSON_OBJECT)
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "not a JSON object");
	if (rc)
		icp_error_prefix(err, "REST catalog response of %s", url);
	return rc;
}

/* ---------------------------------------------------------------- open */

static char *dup_or_null(const char *s)
{
	return s && *s ? icp_strdup(s) : NULL;
}

static int load_config(rest_cat *c, icp_error *err)
{
	icp_http_response r;
	icp_buf url;
	icp_json *root = NULL;
	const char *v;
	int rc;

	icp_http_response_init(&r);
	icp_buf_init(&url, 1 << 16);
	icp_buf_printf(&url, "%s/v1/config", c->uri);
	if (c->warehouse) {
		icp_buf_append_str(&url, "?warehouse=");
		icp_http_escape(&url, c->warehouse, strlen(c->warehouse));
	}
	if (url.status || !(c->cfg_arena = icp_arena_new(0))) {
		rc = nomem(err);
		goto out;
	}
	rc = call_idempotent(c, "GET", (const char *)url.data, NULL, &r, err);
	if (rc == ICP_OK && r.status != 200)
		rc = http_error(r.status, "GET", (const char *)url.data, &r, err);
	if (rc == ICP_OK)
		rc = parse_body((const char *)url.data, &r, c->cfg_arena, &root, err);
	if (rc)
		goto out;
	c->cfg = root;
	if ((v = icp_catalog_rest_config_pick(root, "prefix", NULL)) != NULL) {
		while (*v == '/')
			v++;
		if (*v && !(c->prefix = icp_strdup(v))) {
			rc = nomem(err);
			goto out;
		}
		while (c->prefix && *c->prefix && c->prefix[strlen(c->prefix) - 1] == '/')
			c->prefix[strlen(c->prefix) - 1] = 0;
	}
	v = icp_json_as_str(icp_json_get(icp_json_get(root, "overrides"), "uri"), &v, NULL) ==
	            ICP_OK ? v : NULL;
	if (v && *v) {
		char *u = icp_strdup(v);
		if (!u) {
			rc = nomem(err);
			goto out;
		}
		icp_free(c->uri);
		c->uri = u;
		while (strlen(c->uri) > 1 && c->uri[strlen(c->uri) - 1] == '/')
			c->uri[strlen(c->uri) - 1] = 0;
	}
out:
	icp_http_response_dispose(&r);
	icp_buf_dispose(&url);
	return rc;
}

int icp_catalog_rest_open(const icp_catalog_opts *opts, void **st, icp_error *err)
{
	icp_http_opts ho;
	rest_cat *c;
	const char *dbg = getenv("ICEBERG_PROCESSOR_REST_DEBUG");
	int rc;

	*st = NULL;
	if (!opts->uri || (strncmp(opts->uri, "http://", 7) && strncmp(opts->uri, "https://", 8)))
		return icp_error_set(err, ICP_ERR_INVALID, "catalog type rest: uri \"%s\" is not "
		                     "an http:// or https:// URL", opts->uri ? opts->uri : "");
	if (!opts->warehouse_store)
		return icp_error_set(err, ICP_ERR_INVALID, "catalog %s: the rest catalog needs the "
		                     "warehouse store (iceberg.warehouse)", opts->uri);
	if (!(c = icp_calloc(1, sizeof(*c))))
		return nomem(err);
	pthread_mutex_init(&c->mu, NULL);
	c->store = opts->warehouse_store;
	c->debug = dbg && strcmp(dbg, "1") == 0;
	memset(&ho, 0, sizeof(ho));
	ho.ca_file = opts->ca_bundle;
	ho.max_response = METADATA_MAX;
	ho.timeout_ms = opts->timeout_ms;
	if (c->debug)
		ho.debug = debug_hook;
	rc = icp_http_new(&ho, &c->http, err);
	if (rc)
		goto fail;
	c->uri = icp_strdup(opts->uri);
	c->warehouse = dup_or_null(opts->rest_warehouse ? opts->rest_warehouse
	                                                : opts->warehouse);
	c->static_token = dup_or_null(opts->token);
	if (opts->access_delegation && *opts->access_delegation) {
		icp_buf d;
		icp_buf_init(&d, 4096);
		icp_buf_printf(&d, "X-Iceberg-Access-Delegation: %s", opts->access_delegation);
		c->delegation = d.status ? NULL : (char *)icp_buf_detach(&d, NULL);
		icp_buf_dispose(&d);
		if (!c->delegation)
			goto nomem;
	}
	c->scope = icp_strdup(opts->scope && *opts->scope ? opts->scope : "catalog");
	if (!c->uri || !c->scope)
		goto nomem;
	while (strlen(c->uri) > 8 && c->uri[strlen(c->uri) - 1] == '/')
		c->uri[strlen(c->uri) - 1] = 0;
	if (opts->username && *opts->username && !c->static_token) {
		icp_buf u;
		c->client_id = icp_strdup(opts->username);
		c->client_secret = icp_strdup(opts->password ? opts->password : "");
		icp_buf_init(&u, 1 << 16);
		if (opts->oauth2_server_uri && *opts->oauth2_server_uri)
			icp_buf_append_str(&u, opts->oauth2_server_uri);
		else
			icp_buf_printf(&u, "%s/v1/oauth/tokens", c->uri);
		c->oauth_uri = u.status ? NULL : (char *)icp_buf_detach(&u, NULL);
		icp_buf_dispose(&u);
		if (!c->client_id || !c->client_secret || !c->oauth_uri)
			goto nomem;
	}
	rc = load_config(c, err);
	if (rc) {
		icp_error_prefix(err, "catalog type rest");
		goto fail;
	}
	*st = c;
	return ICP_OK;
nomem:
	rc = nomem(err);
fail:
	rest_close(c);
	return rc;
}

/* ----------------------------------------------------------- namespaces */

static int rest_create_namespace_locked(rest_cat *c, const char *ns, icp_error *err)
{
	icp_http_response r;
	icp_buf path, url, body;
	icp_json_writer w;
	int rc;

	icp_http_response_init(&r);
	icp_buf_init(&path, 1 << 16);
	icp_buf_init(&url, 1 << 16);
	icp_buf_init(&body, 1 << 16);
	if (icp_catalog_rest_ns_path(&path, ns) == ICP_ERR_INVALID) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "namespace \"%s\" has an empty part", ns);
		goto out;
	}
	/* exists? (HEAD answers 204 or 404) */
	icp_buf_printf(&url, "namespaces/%s", (const char *)path.data);
	icp_buf_reset(&path);
	icp_buf_append(&path, url.data, url.len);
	if (path.status || make_url(c, (const char *)path.data, &url)) {
		rc = nomem(err);
		goto out;
	}
	rc = call_idempotent(c, "HEAD", (const char *)url.data, NULL, &r, err);
	if (rc || (r.status >= 200 && r.status < 300))
		goto out;
	if (r.status != 404) {
		rc = http_error(r.status, "HEAD", (const char *)url.data, &r, err);
		goto out;
	}
	icp_json_writer_init(&w, &body, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "namespace");
	icp_catalog_rest_ns_json(&w, ns);
	icp_json_write_key(&w, "properties");
	icp_json_write_begin_object(&w);
	icp_json_write_end_object(&w);
	icp_json_write_end_object(&w);
	if (icp_json_writer_finish(&w) || make_url(c, "namespaces", &url)) {
		rc = nomem(err);
		goto out;
	}
	rc = call_idempotent(c, "POST", (const char *)url.data, &body, &r, err);
	if (rc == ICP_OK && r.status != 200 && r.status != 409) /* 409: exists already */
		rc = http_error(r.status, "POST", (const char *)url.data, &r, err);
	if (rc == ICP_ERR_UNKNOWN) /* repeating it is harmless */
		rc = ICP_ERR_RETRYABLE;
out:
	icp_http_response_dispose(&r);
	icp_buf_dispose(&path);
	icp_buf_dispose(&url);
	icp_buf_dispose(&body);
	return rc;
}

/* Creates ns and each of its parents that is missing ("a", "a.b", ...). */
static int rest_create_namespace(void *st, const char *ns, icp_error *err)
{
	rest_cat *c = st;
	char *part = icp_strdup(ns ? ns : "");
	int rc = ICP_OK;

	if (!part)
		return nomem(err);
	pthread_mutex_lock(&c->mu);
	for (char *p = part;; p++) {
		if (*p == '.' || *p == 0) {
			char save = *p;
			*p = 0;
			rc = rest_create_namespace_locked(c, part, err);
			*p = save;
			if (rc || save == 0)
				break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	icp_free(part);
	return rc;
}

/* -------------------------------------------------------------- tables */

/* namespaces/{ns}/tables[/{name}] under the prefix. */
static int table_url(rest_cat *c, const char *ns, const char *name, icp_buf *url,
                     icp_error *err)
{
	icp_buf p;
	int rc;

	icp_buf_init(&p, 1 << 16);
	icp_buf_append_str(&p, "namespaces/");
	if (icp_catalog_rest_ns_path(&p, ns) == ICP_ERR_INVALID) {
		icp_buf_dispose(&p);
		return icp_error_set(err, ICP_ERR_INVALID, "namespace \"%s\" has an empty part", ns);
	}
	icp_buf_append_str(&p, "/tables");
	if (name) {
		icp_buf_append_byte(&p, '/');
		icp_http_escape(&p, name, strlen(name));
	}
	rc = p.status || make_url(c, (const char *)p.data, url) ? nomem(err) : ICP_OK;
	icp_buf_dispose(&p);
	return rc;
}

/* Metadata of a LoadTableResult: from metadata-location through the
 * store, else the inline copy. Keeps the response's `config`. */
static int take_result(rest_cat *c, const char *url, const icp_http_response *r,
                       icp_ice_metadata **out, icp_error *err)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	const icp_json *inline_md;
	const char *loc = NULL, *key;
	icp_buf json;
	icp_error e2;
	int rc;

	icp_buf_init(&json, METADATA_MAX);
	icp_error_init(&e2);
	if (!a) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = parse_body(url, r, a, &root, err)) != ICP_OK)
		goto out;
	if (icp_json_as_str(icp_json_get(root, "metadata-location"), &loc, NULL) != ICP_OK ||
	    !*loc) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "REST catalog response of %s has no "
		                   "metadata-location", url);
		goto out;
	}
	inline_md = icp_json_get(root, "metadata");
	rc = icp_storage_key_of_url(c->store, loc, &key);
	if (rc == ICP_OK)
		rc = icp_storage_get(c->store, key, &json, &e2);
	if (rc != ICP_OK) {
		icp_json_writer w;
		if (!inline_md || inline_md->type != ICP_JSON_OBJECT) {
			rc = icp_error_set(err, rc == ICP_ERR_INVALID ? ICP_ERR_INVALID : ICP_ERR_IO,
			                   "REST catalog %s: metadata %s: %s", url, loc,
			                   e2.msg[0] ? e2.msg : "outside the warehouse store and "
			                                       "not inline in the response");
			goto out;
		}
		icp_buf_reset(&json);
		icp_json_writer_init(&w, &json, 0);
		icp_json_write_value(&w, inline_md);
		if (icp_json_writer_finish(&w)) {
			rc = nomem(err);
			goto out;
		}
	}
	rc = icp_ice_metadata_parse((const char *)json.data, json.len, loc, out, err);
	if (rc) {
		icp_error_prefix(err, "REST catalog %s", url);
		goto out;
	}
	icp_arena_free(c->tbl_arena);
	c->tbl_arena = a;
	c->tbl_cfg = icp_json_get(root, "config");
	a = NULL;
out:
	icp_arena_free(a);
	icp_buf_dispose(&json);
	return rc;
}

static int rest_load_table(void *st, const char *ns, const char *name,
                           icp_ice_metadata **out, icp_error *err)
{
	rest_cat *c = st;
	icp_http_response r;
	icp_buf url;
	int rc;

	*out = NULL;
	icp_http_response_init(&r);
	icp_buf_init(&url, 1 << 16);
	pthread_mutex_lock(&c->mu);
	rc = table_url(c, ns, name, &url, err);
	if (rc == ICP_OK)
		rc = call_idempotent(c, "GET", (const char *)url.data, NULL, &r, err);
	if (rc == ICP_OK && r.status != 200) {
		rc = http_error(r.status, "GET", (const char *)url.data, &r, err);
		if (rc == ICP_ERR_UNKNOWN) /* a read changes nothing */
			rc = ICP_ERR_RETRYABLE;
	}
	if (rc == ICP_OK)
		rc = take_result(c, (const char *)url.data, &r, out, err);
	pthread_mutex_unlock(&c->mu);
	icp_http_response_dispose(&r);
	icp_buf_dispose(&url);
	return rc;
}

static int rest_create_table(void *st, const char *ns, const char *name,
                             const icp_ice_schema *schema, const char *location,
                             const char *const *props, icp_ice_metadata **out,
                             icp_error *err)
{
	rest_cat *c = st;
	icp_http_response r;
	icp_buf url, body, sj;
	icp_json_writer w;
	int rc;

	*out = NULL;
	icp_http_response_init(&r);
	icp_buf_init(&url, 1 << 16);
	icp_buf_init(&body, METADATA_MAX);
	icp_buf_init(&sj, METADATA_MAX);
	pthread_mutex_lock(&c->mu);
	rc = table_url(c, ns, NULL, &url, err);
	if (rc)
		goto out;
	icp_ice_schema_to_json(schema, &sj);
	icp_json_writer_init(&w, &body, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "name");
	icp_json_write_string(&w, name);
	if (location && *location) {
		icp_json_write_key(&w, "location");
		icp_json_write_string(&w, location);
	}
	icp_json_write_key(&w, "schema");
	icp_json_write_raw(&w, (const char *)sj.data, sj.len);
	icp_json_write_key(&w, "stage-create");
	icp_json_write_bool(&w, 0);
	icp_json_write_key(&w, "properties");
	icp_json_write_begin_object(&w);
	for (size_t i = 0; props && props[i] && props[i + 1]; i += 2) {
		icp_json_write_key(&w, props[i]);
		icp_json_write_string(&w, props[i + 1]);
	}
	icp_json_write_end_object(&w);
	icp_json_write_end_object(&w);
	if (sj.status || icp_json_writer_finish(&w)) {
		rc = nomem(err);
		goto out;
	}
	/* Repeating a create is safe: a create that did land answers 409. */
	rc = call_idempotent(c, "POST", (const char *)url.data, &body, &r, err);
	if (rc == ICP_OK && r.status != 200)
		rc = http_error(r.status, "POST", (const char *)url.data, &r, err);
	if (rc == ICP_ERR_UNKNOWN)
		rc = ICP_ERR_RETRYABLE;
	if (rc == ICP_OK)
		rc = take_result(c, (const char *)url.data, &r, out, err);
out:
	pthread_mutex_unlock(&c->mu);
	icp_http_response_dispose(&r);
	icp_buf_dispose(&url);
	icp_buf_dispose(&body);
	icp_buf_dispose(&sj);
	return rc;
}

static int rest_commit_table(void *st, const char *ns, const char *name,
                             const icp_ice_metadata *base, const icp_ice_commit *commit,
                             icp_ice_metadata **out, icp_error *err)
{
	rest_cat *c = st;
	icp_http_response r;
	icp_buf url, body, cj;
	icp_json_writer w;
	int rc;

	ICP_UNUSED(base);
	*out = NULL;
	icp_http_response_init(&r);
	icp_buf_init(&url, 1 << 16);
	icp_buf_init(&body, METADATA_MAX);
	icp_buf_init(&cj, METADATA_MAX);
	pthread_mutex_lock(&c->mu);
	rc = table_url(c, ns, name, &url, err);
	if (rc)
		goto out;
	/* CommitTableRequest: the identifier is optional on this path; sent
	 * so that catalogs that check it are satisfied. */
	if (icp_ice_commit_to_rest_json(commit, &cj) != ICP_OK || cj.len < 2) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "commit to %s.%s: cannot encode", ns, name);
		goto out;
	}
	icp_json_writer_init(&w, &body, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "identifier");
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "namespace");
	icp_catalog_rest_ns_json(&w, ns);
	icp_json_write_key(&w, "name");
	icp_json_write_string(&w, name);
	icp_json_write_end_object(&w);
	icp_json_write_end_object(&w);
	if (icp_json_writer_finish(&w) || body.len < 2) {
		rc = nomem(err);
		goto out;
	}
	/* splice: {"identifier":{..}} + "," + the members of the commit */
	body.len--;
	icp_buf_append_byte(&body, ',');
	icp_buf_append(&body, cj.data + 1, cj.len - 1);
	if (body.status) {
		rc = nomem(err);
		goto out;
	}
	rc = call(c, "POST", (const char *)url.data, &body, &r, err);
	if (rc == ICP_ERR_RETRYABLE) /* never sent: nothing changed */
		goto out;
	if (rc)
		goto out; /* UNKNOWN (sent, no answer) or TOO_LARGE/NOMEM */
	if (r.status != 200) {
		rc = http_error(r.status, "POST", (const char *)url.data, &r, err);
		goto out;
	}
	rc = take_result(c, (const char *)url.data, &r, out, err);
	if (rc) /* it was committed; we just cannot read the result */
		rc = icp_error_set(err, ICP_ERR_UNKNOWN, "commit answered 200 but the result "
		                   "is unreadable");
out:
	pthread_mutex_unlock(&c->mu);
	icp_http_response_dispose(&r);
	icp_buf_dispose(&url);
	icp_buf_dispose(&body);
	icp_buf_dispose(&cj);
	return rc;
}

/* Catalog-level property: the last loaded table's config, then the merged
 * /v1/config (overrides > defaults). */
static const char *rest_config_get(void *st, const char *key)
{
	rest_cat *c = st;
	const char *v = NULL;
	if (icp_json_as_str(icp_json_get(c->tbl_cfg, key), &v, NULL) == ICP_OK)
		return v;
	return icp_catalog_rest_config_pick(c->cfg, key, NULL);
}

const icp_catalog_vtable icp_catalog_rest_vtable = {
	.type = "rest",
	.create_namespace = rest_create_namespace,
	.load_table = rest_load_table,
	.create_table = rest_create_table,
	.commit_table = rest_commit_table,
	.close = rest_close,
	.config_get = rest_config_get,
};
