/*
 * jsonschema: a JSON Schema validator (draft-07 and 2020-12 core keywords),
 * compiled once, then run against many instances.
 *
 * - icp_jsonschema_compile() parses the schema text into the validator's own
 *   arena, checks every keyword it knows and compiles it into a tree of
 *   nodes (regexes via PCRE2, local $ref resolved to node pointers, cycles
 *   allowed). A schema it cannot honour is refused with ICP_ERR_INVALID and
 *   a message naming the schema location ("#/properties/a/pattern: ..."):
 *   bad keyword values, invalid regexes, remote or unresolvable $ref.
 *   Unknown keywords are ignored, as the specification asks.
 * - The validator is immutable after compile: any number of threads may
 *   validate with it at once. icp_jsonschema_free() releases it.
 * - icp_jsonschema_validate() walks one instance. It allocates nothing on
 *   the heap; the only memory it takes (PCRE2 match data, when the schema
 *   has patterns) comes from the caller's scratch arena, which the caller
 *   resets between records. Recursion is bounded (opts.max_depth), so a
 *   hostile schema ({"$ref": "#"}) or instance ends in an error, not a crash.
 * - On failure the caller-owned result names the first failing keyword, the
 *   instance location (JSON pointer) and the schema location, e.g.
 *   "/items/3/price: minimum 0 violated (schema
 *   #/properties/items/items/properties/price/minimum)".
 * - Draft: "$schema" containing "draft-07" (or -06/-04) selects draft-07
 *   rules (items array form + additionalItems, dependencies, $ref
 *   overriding its siblings); anything else, or none, 2020-12 unless
 *   opts.draft says otherwise.
 * - Numbers: both integers (int64 in the DOM) compare exactly; otherwise
 *   doubles, with int-vs-double comparisons exact as well. 1.0 is an
 *   "integer". Strings lengths count code points.
 * See docs/internals/jsonschema.md for the keyword list and test-suite
 * pass rates.
 */
#ifndef ICP_JSONSCHEMA_H
#define ICP_JSONSCHEMA_H

#include "core/core.h"
#include "json/json.h"

typedef struct icp_jsonschema icp_jsonschema;

enum {
	ICP_JSONSCHEMA_DRAFT_AUTO = 0, /* from $schema, else 2020-12 */
	ICP_JSONSCHEMA_DRAFT_07 = 7,
	ICP_JSONSCHEMA_DRAFT_2020_12 = 2020
};

typedef struct icp_jsonschema_opts {
	int draft;            /* ICP_JSONSCHEMA_DRAFT_*; used when $schema is absent */
	int max_depth;        /* validation nesting; 0 = 128, at most 512 */
	int format_annotate;  /* 1: "format" is only an annotation (not asserted) */
} icp_jsonschema_opts;

#define ICP_JSONSCHEMA_PATH_MAX 256
#define ICP_JSONSCHEMA_MSG_MAX 640

/* Caller-owned; filled by validate. Strings are NUL-terminated and
 * truncated (with "...") when longer than their arrays. */
typedef struct icp_jsonschema_result {
	int valid;                                 /* 1 valid, 0 not */
	char keyword[32];                          /* "minimum", "type", ... */
	char instance_path[ICP_JSONSCHEMA_PATH_MAX]; /* JSON pointer, "" = root */
	char schema_path[ICP_JSONSCHEMA_PATH_MAX];   /* "#/properties/a/minimum" */
	char message[ICP_JSONSCHEMA_MSG_MAX];        /* the whole sentence */
} icp_jsonschema_result;

/* Compiles text[0..len) into *out (free with icp_jsonschema_free). opts may
 * be NULL, err too. Returns ICP_OK; ICP_ERR_CORRUPT/TOO_LARGE when the
 * text is not JSON (or nests deeper than 256); ICP_ERR_INVALID for a schema
 * we refuse (message names where and why); ICP_ERR_TOO_LARGE when
 * subschemas and $ref chains nest deeper than 512; ICP_ERR_NOMEM. On error
 * *out is NULL. */
int icp_jsonschema_compile(const char *text, size_t len,
                           const icp_jsonschema_opts *opts,
                           icp_jsonschema **out, icp_error *err);
void icp_jsonschema_free(icp_jsonschema *v);

/* The draft in force (ICP_JSONSCHEMA_DRAFT_07 or _2020_12). */
int icp_jsonschema_draft(const icp_jsonschema *v);

/* Validates one instance. scratch may be NULL (then pattern matching takes
 * and frees a small heap buffer per call). Returns ICP_OK when valid;
 * ICP_ERR_INVALID when it is not (res says why); ICP_ERR_TOO_LARGE when
 * the depth or a regex backtracking limit was hit (res says where; treat
 * the record as invalid); ICP_ERR_NOMEM. res is always filled. */
int icp_jsonschema_validate(const icp_jsonschema *v, const icp_json *instance,
                            icp_arena *scratch, icp_jsonschema_result *res);

/* Parses text[0..len) as JSON into scratch (required) and validates it.
 * Malformed JSON returns ICP_ERR_CORRUPT (or TOO_LARGE) with the parser's
 * message in res->message and keyword "json". */
int icp_jsonschema_validate_text(const icp_jsonschema *v, const char *text,
                                 size_t len, icp_arena *scratch,
                                 icp_jsonschema_result *res);

#endif
