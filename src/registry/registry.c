/*
 * Registry client: one cache entry per topic, GETs through the one HTTP
 * transport (src/http), whose outcomes are mapped to statuses in fetch().
 */
#include "registry/registry.h"

#include "http/http.h"
#include "log/log.h"

#include <stdio.h>
#include <string.h>

typedef struct entry {
	char *topic;
	uint8_t *doc;        /* last good document, NUL-terminated */
	size_t len;
	uint64_t generation;
	int64_t fetched_ms;  /* last attempt (good or not) */
	int have;
	int warned;          /* outage already logged */
} entry;

struct icp_registry {
	char *base;
	long timeout_ms;
	int64_t cache_ms;
	size_t max_doc;
	int64_t (*now_ms)(void *);
	void *clock_ctx;
	icp_http *http;
	entry *e;
	size_t n, cap;
	uint64_t fetches;
	uint64_t next_generation;
};

static int64_t mono_ms(void *ctx)
{
	(void)ctx;
	return (int64_t)(icp_mono_ns() / 1000000u);
}

int icp_registry_new(const icp_registry_opts *o, icp_registry **out, icp_error *err)
{
	icp_registry *r;
	icp_http_opts ho;
	size_t n;
	int rc;

	*out = NULL;
	if (!o->base_url || (strncmp(o->base_url, "http://", 7) != 0 &&
	                     strncmp(o->base_url, "https://", 8) != 0))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "schema.registry.base_url \"%s\" is not an http(s) URL",
		                     o->base_url ? o->base_url : "");
	r = icp_calloc(1, sizeof(*r));
	if (!r)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	r->base = icp_strdup(o->base_url);
	if (!r->base) {
		icp_registry_free(r);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	n = strlen(r->base);
	while (n && r->base[n - 1] == '/')
		r->base[--n] = 0;
	r->timeout_ms = (long)(o->timeout_seconds > 0 ? o->timeout_seconds : 5) * 1000;
	r->max_doc = o->max_document ? o->max_document : (4u << 20);
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = r->timeout_ms;
	ho.connect_timeout_ms = r->timeout_ms < 2000 ? r->timeout_ms : 2000L;
	ho.max_response = r->max_doc;
	ho.max_redirects = 3;
	if ((rc = icp_http_new(&ho, &r->http, err)) != ICP_OK) {
		icp_registry_free(r);
		return rc;
	}
	r->cache_ms = o->cache_seconds * 1000;
	r->now_ms = o->now_ms ? o->now_ms : mono_ms;
	r->clock_ctx = o->clock_ctx;
	*out = r;
	return ICP_OK;
}

void icp_registry_free(icp_registry *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		icp_free(r->e[i].topic);
		icp_free(r->e[i].doc);
	}
	icp_free(r->e);
	icp_http_free(r->http);
	icp_free(r->base);
	icp_free(r);
}

uint64_t icp_registry_fetches(const icp_registry *r)
{
	return r->fetches;
}

static entry *find(icp_registry *r, const char *topic, icp_error *err)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->e[i].topic, topic) == 0)
			return &r->e[i];
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		entry *ne = icp_realloc(r->e, ncap * sizeof(*ne));
		if (!ne) {
			icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			return NULL;
		}
		r->e = ne;
		r->cap = ncap;
	}
	memset(&r->e[r->n], 0, sizeof(entry));
	r->e[r->n].topic = icp_strdup(topic);
	if (!r->e[r->n].topic) {
		icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return &r->e[r->n++];
}

/* One GET. ICP_OK with the body in b when 200 and a JSON object. The
 * registry's mapping of the transport's outcomes: any failure to get an
 * answer is ICP_ERR_RETRYABLE (the cached document is kept), a document
 * over max_document ICP_ERR_TOO_LARGE; 404 ICP_ERR_NOT_FOUND, any other
 * non-200 status ICP_ERR_RETRYABLE. */
static int fetch(icp_registry *r, const char *url, icp_buf *b, icp_error *err)
{
	icp_http_response resp;
	icp_error e;
	size_t i;
	int rc;

	r->fetches++;
	icp_http_response_init(&resp);
	resp.append_to = b;
	icp_error_init(&e);
	rc = icp_http_request(r->http, "GET", url, NULL, icp_slice_make(NULL, 0), &resp, &e);
	if (rc != ICP_OK) {
		if (resp.outcome == ICP_HTTP_LOCAL && rc == ICP_ERR_TOO_LARGE)
			rc = icp_error_set(err, ICP_ERR_TOO_LARGE,
			                   "schema registry %s: document over %zu bytes", url, r->max_doc);
		else if (resp.outcome == ICP_HTTP_LOCAL)
			rc = icp_error_set(err, rc, "schema registry %s", e.msg);
		else
			rc = icp_error_set(err, ICP_ERR_RETRYABLE, "schema registry %s", e.msg);
		goto out;
	}
	rc = ICP_ERR_RETRYABLE;
	if (resp.status == 404) {
		rc = icp_error_set(err, ICP_ERR_NOT_FOUND,
		                   "schema registry %s: 404 (no schema for the topic)", url);
		goto out;
	}
	if (resp.status != 200) {
		rc = icp_error_set(err, ICP_ERR_RETRYABLE, "schema registry %s: HTTP %ld", url,
		                   resp.status);
		goto out;
	}
	for (i = 0; i < b->len && (b->data[i] == ' ' || b->data[i] == '\n' || b->data[i] == '\r' ||
	                           b->data[i] == '\t'); i++)
		;
	if (i == b->len || b->data[i] != '{') {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "schema registry %s: not a JSON object", url);
		goto out;
	}
	rc = ICP_OK;
out:
	icp_http_response_dispose(&resp);
	return rc;
}

int icp_registry_get(icp_registry *r, const char *topic, icp_slice *doc, uint64_t *generation,
                     int *stale, icp_error *err)
{
	int64_t now = r->now_ms(r->clock_ctx);
	entry *e = find(r, topic, err);
	icp_buf url, body;
	icp_error fe;
	int rc;

	*stale = 0;
	if (!e)
		return ICP_ERR_NOMEM;
	if (e->have && now - e->fetched_ms < r->cache_ms)
		goto hit;
	icp_buf_init(&url, 0);
	icp_buf_printf(&url, "%s/", r->base);
	icp_http_escape(&url, topic, strlen(topic));
	icp_buf_append_str(&url, ".json");
	if (url.status) {
		icp_buf_dispose(&url);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	icp_buf_init(&body, r->max_doc);
	icp_error_init(&fe);
	rc = fetch(r, (char *)url.data, &body, &fe);
	e->fetched_ms = now;
	if (rc == ICP_OK) {
		if (!e->have || e->len != body.len || memcmp(e->doc, body.data, body.len) != 0) {
			icp_buf_append_byte(&body, 0);
			if (body.status == ICP_OK) {
				icp_free(e->doc);
				e->len = body.len - 1;
				e->doc = icp_buf_detach(&body, NULL);
				e->generation = ++r->next_generation;
				e->have = 1;
			}
		}
		if (e->warned)
			ICP_INFO("schema registry answers again", "topic", topic);
		e->warned = 0;
	} else if (e->have) {
		if (!e->warned)
			ICP_WARN("schema registry unreachable; keeping the last good schema", "topic",
			         topic, "err", fe.msg);
		e->warned = 1;
		*stale = 1;
	} else {
		icp_buf_dispose(&body);
		icp_buf_dispose(&url);
		return icp_error_set(err, fe.status, "%s", fe.msg);
	}
	icp_buf_dispose(&body);
	icp_buf_dispose(&url);
hit:
	*doc = icp_slice_make(e->doc, e->len);
	*generation = e->generation;
	return ICP_OK;
}
