/*
 * json: a strict RFC 8259 parser into a read-only DOM, and a streaming
 * writer over icp_buf.
 *
 * Parser
 * - icp_json_parse() builds the whole tree in a caller-owned icp_arena: every
 *   node, string and array lives there and dies with icp_arena_free/reset.
 *   Nothing in the DOM points into the input text, which may be freed right
 *   after the call. No heap allocation per node (one scratch stack per
 *   parse, freed before returning).
 * - Strict: exactly one value, optionally surrounded by the four RFC
 *   whitespace characters; no comments, no trailing commas, no leading
 *   zeros, no NaN/Infinity, no byte-order mark, no raw control characters
 *   in strings. Input must be valid UTF-8 (overlong forms, encoded
 *   surrogates and code points above U+10FFFF are rejected with their byte
 *   offset).
 * - Numbers: an integer literal (no fraction, no exponent) that fits int64
 *   (-2^63 .. 2^63-1) becomes ICP_JSON_INT with the exact value, no float
 *   detour. Everything else becomes ICP_JSON_DOUBLE (parsed with strtod_l in
 *   the C locale, correctly rounded); "-0" is a DOUBLE -0.0 so its sign
 *   survives. Numbers whose magnitude overflows a double are rejected
 *   (ICP_ERR_TOO_LARGE). Every number keeps its raw text (NUL-terminated,
 *   in the arena) so callers can re-parse it, e.g. as a big decimal.
 * - Strings are unescaped to UTF-8 and NUL-terminated in the arena; they
 *   keep their length because "\u0000" may put NULs inside. \uXXXX
 *   surrogate pairs are combined; a lone surrogate escape is an error
 *   (ICP_ERR_CORRUPT), never silently replaced.
 * - Objects keep member order and duplicates; lookup returns the LAST
 *   member with the key (as ECMAScript JSON.parse does). Lookup is linear:
 *   the objects we read (Iceberg metadata, REST replies) have few members.
 * - Limits: nesting depth (default 64, at most ICP_JSON_DEPTH_LIMIT) and
 *   input size (default 64 MiB). Errors go to icp_error as
 *   "json: <what was expected> at byte B (line L, column C)" with
 *   ICP_ERR_CORRUPT (syntax, encoding) or ICP_ERR_TOO_LARGE (limits).
 *
 * Writer
 * - icp_json_writer is a caller-owned struct over a caller-owned icp_buf;
 *   it inserts commas and colons, checks nesting (misuse sets a sticky
 *   ICP_ERR_INVALID) and produces compact output, or indented output when
 *   asked. Calls return the sticky status; icp_json_writer_finish() says
 *   whether the whole document is complete and every append succeeded.
 * - Doubles are written in the shortest form that reads back to the same
 *   bits, with ".0" added when that form looks like an integer so the value
 *   parses back as a DOUBLE. NaN and infinities are not JSON: ICP_ERR_INVALID.
 */
#ifndef ICP_JSON_H
#define ICP_JSON_H

#include "core/core.h"

#define ICP_JSON_DEPTH_LIMIT 512

typedef enum icp_json_type {
	ICP_JSON_NULL = 0,
	ICP_JSON_BOOL,
	ICP_JSON_INT,
	ICP_JSON_DOUBLE,
	ICP_JSON_STRING,
	ICP_JSON_ARRAY,
	ICP_JSON_OBJECT
} icp_json_type;

typedef struct icp_json icp_json;
typedef struct icp_json_member icp_json_member;

/* A node. Read-only for users of the parser; the fields are public so loops
 * over arrays and objects need no call per item. Nodes built by other
 * modules (e.g. the Avro reader) follow the same rules; their numbers may
 * have raw == NULL. */
struct icp_json {
	icp_json_type type;
	union {
		int boolean;                   /* ICP_JSON_BOOL: 0 or 1 */
		struct {
			int64_t i;             /* INT: exact value; DOUBLE: 0 */
			double d;              /* INT: (double)i; DOUBLE: value */
			const char *raw;       /* text as written, NUL-terminated */
			size_t raw_len;
		} num;                         /* ICP_JSON_INT, ICP_JSON_DOUBLE */
		struct {
			const char *ptr;       /* NUL-terminated, may contain NUL */
			size_t len;
		} str;                         /* ICP_JSON_STRING */
		struct {
			icp_json *items;       /* n nodes, contiguous */
			size_t n;
		} arr;                         /* ICP_JSON_ARRAY */
		struct {
			icp_json_member *members; /* n members, in input order */
			size_t n;
		} obj;                         /* ICP_JSON_OBJECT */
	} u;
};

struct icp_json_member {
	const char *key; /* unescaped, NUL-terminated, may contain NUL */
	size_t key_len;
	icp_json value;
};

typedef struct icp_json_opts {
	int max_depth;    /* 0 = 64; clamped to ICP_JSON_DEPTH_LIMIT */
	size_t max_input; /* 0 = 64 MiB */
} icp_json_opts;

/* Parses text[0..len) into *root (allocated in a). opts may be NULL.
 * Returns ICP_OK, ICP_ERR_CORRUPT (syntax/encoding), ICP_ERR_TOO_LARGE
 * (depth, size, number range) or ICP_ERR_NOMEM; on error *root is NULL and
 * whatever was allocated stays in the arena until the caller resets it. */
int icp_json_parse(icp_arena *a, const char *text, size_t len,
                   const icp_json_opts *opts, icp_json **root, icp_error *err);
/* The 4 hex digits of a \uXXXX escape at p (p[0..3] must be readable):
 * 1 and *out on success, 0 for a non-hex digit. */
int icp_json_hex4(const uint8_t *p, uint32_t *out);

/* Short name of a type ("null", "bool", "int", "double", "string", ...). */
const char *icp_json_type_name(icp_json_type t);

/* ------------------------------------------------------------ accessors */

/* Member value by key (last one wins), or NULL when obj is NULL, not an
 * object, or has no such key. */
const icp_json *icp_json_get(const icp_json *obj, const char *key);
const icp_json *icp_json_get_n(const icp_json *obj, const char *key, size_t len);
/* Follows a dotted path: each segment is an object key, or a decimal index
 * when the node at that point is an array ("schemas.0.fields"). Keys that
 * contain '.' cannot be reached this way: use icp_json_get. NULL if any
 * step is missing. */
const icp_json *icp_json_get_path(const icp_json *root, const char *path);
/* Array item i, or NULL when not an array or out of range. */
const icp_json *icp_json_at(const icp_json *arr, size_t i);
/* Items of an array, members of an object, bytes of a string; else 0. */
size_t icp_json_len(const icp_json *node);

/* Typed reads. Return ICP_OK, ICP_ERR_INVALID when node is NULL or of
 * another type (out is left alone), or ICP_ERR_TOO_LARGE for as_int64 on a
 * value it cannot represent exactly.
 * as_int64 accepts INT, and DOUBLE values that are integral with magnitude
 * at most 2^53 (so "1e3" or "5.0" read as 1000 and 5, while
 * 12345678901234567.0, which a double cannot hold exactly, is refused).
 * as_double accepts INT and DOUBLE (INT beyond 2^53 is rounded).
 * as_str gives the arena string (NUL-terminated); len may be NULL. */
int icp_json_as_int64(const icp_json *node, int64_t *out);
int icp_json_as_double(const icp_json *node, double *out);
int icp_json_as_bool(const icp_json *node, int *out);
int icp_json_as_str(const icp_json *node, const char **s, size_t *len);

/* --------------------------------------------------------------- writer */

typedef struct icp_json_writer {
	icp_buf *buf;     /* borrowed; appends go here */
	int indent;       /* spaces per level; 0 = compact */
	int status;       /* sticky: ICP_OK or ICP_ERR_INVALID (misuse) */
	int depth;
	int after_key;    /* a key was written, its value is due */
	int top_done;     /* the top-level value has been started */
	uint8_t level[ICP_JSON_DEPTH_LIMIT]; /* per open container: flags */
} icp_json_writer;

/* Caller-owned; nothing to dispose (the buffer stays the caller's). */
void icp_json_writer_init(icp_json_writer *w, icp_buf *buf, int indent);

int icp_json_write_begin_object(icp_json_writer *w);
int icp_json_write_end_object(icp_json_writer *w);
int icp_json_write_begin_array(icp_json_writer *w);
int icp_json_write_end_array(icp_json_writer *w);
int icp_json_write_key(icp_json_writer *w, const char *key);
int icp_json_write_key_n(icp_json_writer *w, const char *key, size_t len);
int icp_json_write_string(icp_json_writer *w, const char *s);
int icp_json_write_string_n(icp_json_writer *w, const char *s, size_t len);
int icp_json_write_int64(icp_json_writer *w, int64_t v);
int icp_json_write_double(icp_json_writer *w, double v);
int icp_json_write_bool(icp_json_writer *w, int v);
int icp_json_write_null(icp_json_writer *w);
/* Appends already-serialized JSON as one value, unchecked. */
int icp_json_write_raw(icp_json_writer *w, const char *json, size_t len);
/* Writes a DOM subtree (numbers from their raw text when they have one, so
 * a parse/write round trip keeps every digit). */
int icp_json_write_value(icp_json_writer *w, const icp_json *node);
/* ICP_OK when exactly one complete value was written and the buffer has no
 * sticky error; else that error (ICP_ERR_INVALID for an unfinished
 * document, or the buffer's TOO_LARGE/NOMEM). */
int icp_json_writer_finish(icp_json_writer *w);

/* Shortest text that strtod reads back to exactly v (as the writer emits it,
 * ".0" included). buf should hold 32 bytes. Returns the length, or 0 for
 * NaN/infinity. */
size_t icp_json_format_double(double v, char *buf, size_t cap);

#endif
