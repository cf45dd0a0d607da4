/*
 * Registry columns: GET {base_url}/{topic}.json (a JSON Schema), cached per
 * topic for cache_seconds. When a refresh fails (unreachable, HTTP error,
 * not JSON), the last good schema is kept and the caller is told it is
 * stale, with why; without any good schema yet the error is returned.
 * Uses libcurl directly (src/http did not exist when this was written;
 * switch to it once it does). One registry object is used by one thread.
 */
#include "columns/columns.h"

#include <curl/curl.h>
#include <stdio.h>

#define REG_MAX_BODY (4u << 20)

typedef struct reg_entry {
	char *topic;
	uint64_t fetched_ms;     /* last successful fetch; 0: never */
	uint64_t tried_ms;       /* last attempt */
	icp_arena *arena;        /* doc + defs of the last good schema */
	icp_columns_def *defs;
	size_t n_defs;
} reg_entry;

struct icp_columns_registry {
	char *base_url;
	long timeout_ms;
	uint64_t cache_ms;
	CURL *curl;
	reg_entry *e;
	size_t n, cap;
};

int icp_columns_registry_new(const char *base_url, int64_t timeout_s, int64_t cache_s,
                             icp_columns_registry **out, icp_error *err)
{
	icp_columns_registry *r = icp_calloc(1, sizeof(*r));
	size_t n;

	*out = NULL;
	if (!r || !(r->base_url = icp_strdup(base_url ? base_url : ""))) {
		icp_free(r);
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	n = strlen(r->base_url);
	while (n && r->base_url[n - 1] == '/')
		r->base_url[--n] = '\0';
	r->timeout_ms = (long)(timeout_s > 0 ? timeout_s * 1000 : 5000);
	r->cache_ms = (uint64_t)(cache_s > 0 ? cache_s : 0) * 1000;
	if (!(r->curl = curl_easy_init())) {
		icp_columns_registry_free(r);
		return icp_error_set(err, ICP_ERR_IO, "schema registry: curl_easy_init failed");
	}
	*out = r;
	return ICP_OK;
}

void icp_columns_registry_free(icp_columns_registry *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		icp_free(r->e[i].topic);
		icp_arena_free(r->e[i].arena);
	}
	icp_free(r->e);
	if (r->curl)
		curl_easy_cleanup(r->curl);
	icp_free(r->base_url);
	icp_free(r);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	icp_buf *b = ctx;
	size_t n = size * nmemb;

	return icp_buf_append(b, p, n) == ICP_OK ? n : 0;
}

/* Fetches and parses the topic's schema into a new arena (*a). */
static int fetch(icp_columns_registry *r, const char *topic, icp_arena **a,
                 icp_columns_def **defs, size_t *n, icp_error *err)
{
	icp_buf url, body;
	icp_json *doc = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	long http = 0;
	CURLcode cc;
	int rc;

	*a = NULL;
	icp_buf_init(&url, 0);
	icp_buf_init(&body, REG_MAX_BODY);
	icp_buf_printf(&url, "%s/%s.json", r->base_url, topic);
	if (url.status) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_reset(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_URL, (char *)url.data);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(r->curl);
	if (cc != CURLE_OK) {
		rc = icp_error_set(err, body.status == ICP_ERR_TOO_LARGE ? ICP_ERR_TOO_LARGE
		                                                          : ICP_ERR_RETRYABLE,
		                   "schema registry: GET %s: %s", (char *)url.data,
		                   body.status == ICP_ERR_TOO_LARGE ? "reply larger than 4 MiB"
		                   : ebuf[0]                        ? ebuf
		                                                    : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &http);
	if (http != 200) {
		rc = icp_error_set(err, http >= 500 ? ICP_ERR_RETRYABLE : ICP_ERR_NOT_FOUND,
		                   "schema registry: GET %s: HTTP %ld", (char *)url.data, http);
		goto out;
	}
	if (!(*a = icp_arena_new(0))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = icp_json_parse(*a, (const char *)body.data, body.len, NULL, &doc, err);
	if (rc == ICP_OK)
		rc = icp_columns_defs_from_json_schema(doc, *a, defs, n, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "schema registry: %s", (char *)url.data);
		icp_arena_free(*a);
		*a = NULL;
	}
out:
	icp_buf_dispose(&url);
	icp_buf_dispose(&body);
	return rc;
}

int icp_columns_registry_get(icp_columns_registry *r, const char *topic, uint64_t now_ms,
                             const icp_columns_def **defs, size_t *n, int *stale,
                             icp_error *err)
{
	reg_entry *e = NULL;
	icp_columns_def *nd = NULL;
	icp_arena *a = NULL;
	size_t i, nn = 0;
	int rc;

	*stale = 0;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->e[i].topic, topic) == 0)
			e = &r->e[i];
	if (!e) {
		if (r->n == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : 8;
			reg_entry *ne = icp_realloc(r->e, nc * sizeof(*ne));
			if (!ne)
				return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
			r->e = ne;
			r->cap = nc;
		}
		e = &r->e[r->n];
		memset(e, 0, sizeof(*e));
		if (!(e->topic = icp_strdup(topic)))
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		r->n++;
	}
	if (e->arena && now_ms - e->fetched_ms < r->cache_ms)
		goto give; /* fresh enough */
	e->tried_ms = now_ms;
	rc = fetch(r, topic, &a, &nd, &nn, err);
	if (rc != ICP_OK) {
		if (!e->arena)
			return rc;
		*stale = 1; /* keep the last good one; err says why */
		goto give;
	}
	icp_arena_free(e->arena);
	e->arena = a;
	e->defs = nd;
	e->n_defs = nn;
	e->fetched_ms = now_ms;
give:
	*defs = e->defs;
	*n = e->n_defs;
	return ICP_OK;
}
