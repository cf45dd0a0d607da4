/*
 * registry: the module's two schema registry clients.
 * - icp_registry (registry.c), the schema registry of compatibility.md:
 *   `GET {base_url}/{topic}.json` returns the topic's JSON Schema. The
 *   processor validates record values against it (schema.mode
 *   lenient/strict) and may take columns from it (schema.source registry).
 * - icp_csr (csr.c, csr_parse.c), a Confluent Schema Registry client:
 *   schemas by id for Confluent-framed values, and a subject's latest
 *   version; described with its declarations below.
 *
 * What follows up to the Confluent section is about icp_registry.
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

/* ------------------------------------------------- Confluent Schema Registry
 *
 * icp_csr: a client of a Confluent-compatible Schema Registry (csr.c), for
 * record values framed as Confluent serializers write them: magic byte 0,
 * a 4-byte big-endian schema id, then (Protobuf) a message-index array,
 * then the datum. Requests (all GETs through src/http, one connection
 * kept alive):
 *   GET {url}/schemas/ids/{id}                      by id (Avro, JSON)
 *   GET {url}/schemas/ids/{id}?format=serialized    by id (Protobuf, after
 *       the first answer said schemaType PROTOBUF)
 *   GET {url}/subjects/{subject}/versions/{version}[?format=serialized]
 *       each reference, recursively
 *   GET {url}/subjects/{subject}/versions/latest    latest version
 * Subjects are percent-encoded in URLs.
 *
 * Invariants
 * - Schemas by id are cached forever (ids are immutable), and so are
 *   references by (subject, version): 1000 lookups of one id make one
 *   request (two for Protobuf: the plain answer tells the type, then the
 *   serialized one), plus one per reference, once.
 * - An unknown id (404 with error_code 40403) is remembered as absent for
 *   cache_seconds (1 s when cache_seconds is 0), so a flood of records
 *   with an unknown id does not hammer the registry (at most 1024 unknown
 *   ids are remembered at a time); any other failure is not cached.
 * - refs hold the transitive references of a schema, dependencies before
 *   dependents, each schema (by id) once; reference cycles are cut (a
 *   schema already being visited is not entered again).
 * - icp_csr_latest caches a subject's answer for cache_seconds; when a
 *   refresh fails with ICP_ERR_RETRYABLE (unreachable, timeout, 5xx) or
 *   ICP_ERR_CORRUPT (an unreadable answer) and there is a last good answer,
 *   that answer is returned with *stale = 1 (one warning per outage) and
 *   the registry is asked again only after cache_seconds.
 *
 * Status codes: ICP_ERR_NOT_FOUND (unknown id: 40403; unknown subject or
 * version: 40401/40402, also for a reference), ICP_ERR_RETRYABLE (no
 * answer, timeout, 408/429/5xx), ICP_ERR_INVALID (401/403: credentials;
 * a 404 without a 404xx error_code: no registry API at the URL; other
 * 4xx; a TLS or URL setup problem), ICP_ERR_CORRUPT (a negative id; an
 * answer that is not what the API says: bad JSON, missing fields, bad
 * base64, over 16 MiB, references nested deeper than 64),
 * ICP_ERR_NOMEM. Messages name the URL (never credentials: those travel
 * in the Authorization header) and the schema id or subject.
 *
 * Ownership: the client owns every schema it returns; the pointers (and
 * the slices and strings inside) stay valid until icp_csr_free, even
 * after a later answer for the same subject replaced them (schemas are
 * small; an unchanged answer allocates nothing). Not thread-safe: one
 * thread uses a client (the processor's poll thread).
 */
typedef struct icp_csr icp_csr;

typedef struct icp_csr_opts {
	const char *url;                 /* http(s)://host[:port][/path] */
	const char *username, *password; /* basic auth, or */
	const char *token;               /* bearer (token wins when both) */
	const char *ca_bundle;           /* PEM file; NULL or "" = system CAs */
	int64_t timeout_seconds;         /* whole request; 0 = 5 */
	int64_t cache_seconds;           /* latest-version cache; 0 = every time */
	int64_t (*now_ms)(void *ctx);    /* tests; NULL = monotonic clock */
	void *clock_ctx;
} icp_csr_opts;

typedef enum icp_csr_type { ICP_CSR_AVRO, ICP_CSR_PROTOBUF, ICP_CSR_JSON } icp_csr_type;

typedef struct icp_csr_schema {
	int32_t id;
	icp_csr_type type;     /* schemaType; absent = AVRO */
	icp_slice text;        /* Avro/JSON: the schema text; Protobuf: the serialized
	                        * FileDescriptorProto (base64-decoded from ?format=serialized) */
	const icp_slice *refs; /* the transitive references' texts/descriptors,
	                        * dependencies before dependents, each once */
	size_t n_refs;
	const char *subject;   /* icp_csr_latest: the subject and its version; */
	int32_t version;       /* icp_csr_by_id: NULL and 0 */
} icp_csr_schema;

/* ICP_ERR_INVALID for a missing or non-http(s) url or a username without
 * a password; ICP_ERR_NOMEM; ICP_ERR_IO when the transport cannot start. */
int icp_csr_new(const icp_csr_opts *o, icp_csr **out, icp_error *err);
void icp_csr_free(icp_csr *c);

/* The schema with this id, with its references. */
int icp_csr_by_id(icp_csr *c, int32_t id, const icp_csr_schema **out, icp_error *err);

/* The subject's latest version (cached for cache_seconds; *stale as above). */
int icp_csr_latest(icp_csr *c, const char *subject, const icp_csr_schema **out, int *stale,
                   icp_error *err);

/* Makes the next icp_csr_latest for subject ask the registry (the cached
 * answer stays as the fallback during an outage): a record naming a
 * schema id never seen before may come from a version registered since. */
void icp_csr_expire_latest(icp_csr *c, const char *subject);

/* HTTP requests made so far (tests, benchmarks). */
uint64_t icp_csr_fetches(const icp_csr *c);

/* The text name of a type ("AVRO", "PROTOBUF", "JSON"). */
const char *icp_csr_type_name(icp_csr_type t);

#endif
