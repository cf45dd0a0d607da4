/*
 * registry internals shared by csr.c and its unit test: the parsers of a
 * Confluent Schema Registry's answers (no HTTP in them, so they are tested
 * without a server).
 */
#ifndef ICP_REGISTRY_INT_H
#define ICP_REGISTRY_INT_H

#include "registry/registry.h"

/* A reference as the registry lists it: {"name","subject","version"}. */
typedef struct icp_csr_ref {
	const char *name;
	const char *subject;
	int32_t version;
} icp_csr_ref;

/* One answer of GET /schemas/ids/{id} or GET /subjects/{s}/versions/{v}. */
typedef struct icp_csr_answer {
	int32_t id;        /* -1 when the answer has none (/schemas/ids/) */
	int32_t version;   /* 0 when the answer has none */
	icp_csr_type type; /* schemaType; absent = AVRO */
	icp_slice text;    /* the schema; base64-decoded when serialized and PROTOBUF */
	icp_csr_ref *refs;
	size_t n_refs;
} icp_csr_answer;

/* Parses a 200 answer body. The DOM goes to scratch (reset by the
 * caller), the results (text, refs, their strings) to keep. serialized: the
 * request asked ?format=serialized, so a PROTOBUF schema is base64. where
 * names the request in messages (the URL). ICP_ERR_CORRUPT for a body that
 * is not such an answer (not JSON, "schema" missing or not a string, an
 * unknown schemaType, bad base64, a malformed reference, an id or version
 * out of range), ICP_ERR_NOMEM. */
int icp_csr_parse_answer(icp_arena *scratch, icp_arena *keep, const uint8_t *body, size_t len,
                         int serialized, const char *where, icp_csr_answer *out,
                         icp_error *err);

/* The error_code of a Confluent error body ({"error_code":N,"message":M}),
 * 0 when the body is not one. msg (cap >= 1) gets the message, cut to fit
 * and with control characters replaced, or "" when absent. */
int64_t icp_csr_error_code(icp_arena *scratch, const uint8_t *body, size_t len, char *msg,
                           size_t cap);

#endif
