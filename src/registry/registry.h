/*
 * registry: the schema registry of compatibility.md: `GET
 * {base_url}/{topic}.json` returns the topic's JSON Schema. The processor
 * validates record values against it (schema.mode lenient/strict) and
 * may take columns from it (schema.source registry).
 *
 * Invariants
 * - A document is cached per topic for cache_seconds and fetched again
 *   on expiry (a conditional re-fetch is not needed: documents are small).
 * - An unreachable registry (no answer, timeout, 5xx) or an answer that is
 *   not a JSON object never replaces a good document: the last good one is
 *   kept and used, *stale says so, and one warning per outage is logged.
 *   Only when there never was a good document does the call fail:
 *   ICP_ERR_NOT_FOUND for 404, ICP_ERR_RETRYABLE otherwise, naming the URL.
 * - *generation changes exactly when the document text changes, so
 *   callers recompile validators/columns only then.
 *
 * Ownership: the registry owns the documents; a slice returned by _get is
 * valid until the next _get for the same topic or _free. Not thread-safe
 * (the processor's poll thread uses it). One client of the HTTP transport
 * (src/http): connections are reused.
 */
#ifndef ICP_REGISTRY_H
#define ICP_REGISTRY_H

#include "core/core.h"

typedef struct icp_registry icp_registry;

typedef struct icp_registry_opts {
	const char *base_url;     /* http(s)://host[:port][/path], no trailing '/' needed */
	int64_t timeout_seconds;  /* whole request; 0 = 5 */
	int64_t cache_seconds;    /* 0 = fetch every time */
	size_t max_document;      /* 0 = 4 MiB */
	int64_t (*now_ms)(void *ctx); /* tests; NULL = icp_mono_ns()/1e6 */
	void *clock_ctx;
} icp_registry_opts;

/* ICP_ERR_INVALID for a missing or non-http(s) base_url. */
int icp_registry_new(const icp_registry_opts *o, icp_registry **out, icp_error *err);
void icp_registry_free(icp_registry *r);

int icp_registry_get(icp_registry *r, const char *topic, icp_slice *doc, uint64_t *generation,
                     int *stale, icp_error *err);

/* Fetches done so far (tests check the cache with it). */
uint64_t icp_registry_fetches(const icp_registry *r);

#endif
