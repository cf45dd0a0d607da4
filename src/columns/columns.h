/*
 * columns: typed columns extracted from record values (issues 8, 18).
 *
 * Role: turn a mapping's column list (or a registry JSON Schema, or type
 * trees built by the Avro/Protobuf modules) into Iceberg schema fields
 * after the eight base columns, decide schema evolution against an
 * existing table (at every depth), and per batch shred each record's
 * value (JSON text, or a decoded vtree) into Parquet leaves (flat and
 * nested: struct, list, map) with definition/repetition levels. The
 * coercion tables (what JSON or binary kind becomes what column value,
 * and what becomes null) are documented in docs/internals/columns.md and
 * implemented in columns_coerce.c (JSON) and columns_binary.c (binary
 * kinds).
 *
 * Invariants:
 * - Field ids: base columns 1..8; new columns get ids above the schema's
 *   highest id (nested ids included), in declaration order, depth first.
 * - Extraction never allocates per record: the extractor owns growable
 *   arrays (nodes, levels, values, text) reused from batch to batch; they
 *   only grow when a batch is larger than any before.
 * - A required column (at any depth) that is missing or cannot be coerced
 *   makes the record invalid: icp_columns_add() returns 0 and appends
 *   nothing, so a null never reaches a required Parquet column.
 *
 * - Rows of a batch are indexed in the order they were added (invalid
 *   records take no index); they can be written all to one writer
 *   (_write) or split among writers (_write_rows).
 *
 * Ownership: schemas and types returned are the caller's (icp_ice_*_free);
 * an extractor (_new/_free) copies what it needs from the schema it is
 * built from. Definition arrays from _defs_from_json_schema live in the
 * caller's arena.
 */
#ifndef ICP_COLUMNS_H
#define ICP_COLUMNS_H

#include "config/config.h"
#include "core/core.h"
#include "iceberg/iceberg.h"
#include "json/json.h"
#include "parquet/parquet.h"
#include "pspec/pspec.h"
#include "vtree/vtree.h"

/* ------------------------------------------------------------ type text */

/* Parses a column type string: a primitive (boolean int long float double
 * string binary timestamp date, and timestamptz time uuid decimal(P,S)
 * with 1 <= P <= 38, 0 <= S <= P; case-insensitive, as compatibility.md) or
 * struct<name:type,...>, list<type>, map<keytype,type> nested up to 16
 * deep. Whitespace around tokens is allowed. Field ids are 0 (assigned by
 * icp_columns_schema). ICP_ERR_INVALID with "at byte N: what was
 * expected" in err; *out is freed with icp_ice_type_free. */
int icp_columns_parse_type(const char *text, icp_ice_type **out, icp_error *err);

/* Type as text in the grammar above (round-trips through _parse_type). */
int icp_columns_type_text(const icp_ice_type *t, icp_buf *out);

/* ------------------------------------------------------------- schemas */

/* How a time column (timestamp, timestamptz, date, time) reads JSON
 * values (docs/internals/columns.md). 0 is the rule without a format, so
 * zeroed state keeps it. The other values are config.h's ICP_TIME_FMT_*
 * + 1 (the config keeps -1 for an absent key). */
typedef enum icp_columns_format {
	ICP_COLUMNS_FMT_DEFAULT = 0, /* strings RFC 3339; integers epoch ms
	                              * (timestamps only) */
	ICP_COLUMNS_FMT_RFC3339,     /* strings only */
	ICP_COLUMNS_FMT_EPOCH_S,     /* numbers in seconds, strings RFC 3339 */
	ICP_COLUMNS_FMT_EPOCH_MS,
	ICP_COLUMNS_FMT_EPOCH_US
} icp_columns_format;

/* One wanted column: name, type text, required. (A column's format is
 * not part of it: positional initialisers of defs stay valid; the
 * mapping gives formats to the extractor, icp_columns_set_formats.)
 * itype, when not NULL, is the column's type given as a tree (the Avro
 * and Protobuf modules build it from their schemas; JSON Schema nested
 * columns too): it is used instead of parsing `type` (which is then only
 * a label for messages, may be NULL), copied by icp_columns_schema, which
 * gives it fresh ids depth first as for parsed types and keeps its
 * nested requiredness (parsed types have every nested value optional).
 * Its ids are ignored. Borrowed: must outlive the defs' use. */
typedef struct icp_columns_def {
	const char *name;
	const char *type;
	int required;
	const icp_ice_type *itype;
} icp_columns_def;

/* The columns of a mapping (schema.source mapping: its columns; registry
 * and none: no columns here). *out is an icp_malloc'd array (icp_free). */
int icp_columns_defs_from_mapping(const icp_config_mapping *m, icp_columns_def **out,
                                  size_t *n, icp_error *err);

/* How a JSON Schema becomes columns (zeroed: the schema.source registry
 * rules, which existing tables were made with). */
typedef struct icp_columns_js_opts {
	/* strings with "format" date-time, date, time, uuid become
	 * timestamptz, date, time, uuid columns (else string: an existing
	 * table's string column could not become one of those) */
	int formats;
	/* a $ref that nests itself is ICP_ERR_INVALID naming the property
	 * path (else that column or field is skipped) */
	int strict_refs;
} icp_columns_js_opts;

/* Registry JSON Schema to columns: each top-level property with a column
 * type: integer->long, number->double, boolean, string; an object with
 * "properties" -> struct (recursively), with only an
 * "additionalProperties" schema -> map<string,V>; an array with "items"
 * -> list; "type": [T, "null"] takes T; "$ref" to "#/definitions/x" or
 * "#/$defs/x" followed; oneOf/anyOf with one non-null branch takes it.
 * Other constructs are skipped (the property, or the nested field).
 * Top-level names in "required" are marked required (the processor makes
 * registry columns optional anyway); nested fields are always optional
 * (docs/internals/columns.md). Names point into doc; types and the array
 * are allocated in a. ICP_ERR_INVALID when doc is not an object schema
 * (or a recursive $ref with opts.strict_refs); ICP_ERR_TOO_LARGE for a
 * column type text past 1 MiB. o may be NULL (zeroed). */
int icp_columns_defs_from_json_schema_with(const icp_json *doc, const icp_columns_js_opts *o,
                                           icp_arena *a, icp_columns_def **out, size_t *n,
                                           icp_error *err);
/* The same with zeroed options (schema.source registry). */
int icp_columns_defs_from_json_schema(const icp_json *doc, icp_arena *a,
                                      icp_columns_def **out, size_t *n, icp_error *err);

/* The schema a mapping wants: the base columns (1..8), then defs with
 * fresh ids. ICP_ERR_INVALID naming the column for a bad type, a name
 * clash with a base column or a duplicate. */
int icp_columns_schema(const icp_columns_def *defs, size_t n, icp_ice_schema **out,
                       icp_error *err);

/* The LFS metadata columns of compatibility.md (lfs_content_type,
 * lfs_blob_size, lfs_checksum, lfs_checksum_alg, lfs_bucket, lfs_key),
 * optional, appended to s with fresh ids when m->lfs.store_metadata (a
 * column of s with one of those names wins: it is not added). */
int icp_columns_add_lfs(const icp_config_mapping *m, icp_ice_schema *s, icp_error *err);
/* 1 when name is one of those six names. */
int icp_columns_is_lfs_name(const char *name);

/* The schema mapping m wants for a new table, in this order (so field
 * ids are stable): the base columns (1..8); m->timestamp_column when set,
 * an optional timestamptz (id 9); defs (the mapping's or registry's
 * columns, fresh ids); the LFS metadata columns (store_metadata). Errors
 * as icp_columns_schema (a clash of the timestamp column with a def or a
 * base column: ICP_ERR_INVALID; the config refuses it earlier). */
int icp_columns_mapping_schema(const icp_config_mapping *m, const icp_columns_def *defs,
                               size_t n, icp_ice_schema **out, icp_error *err);

/* How icp_columns_evolve_with decides (zeroed: the JSON mapping's rules
 * without widening; messages say "the mapping"). */
typedef struct icp_columns_evolve_opts {
	/* int->long, float->double, decimal(P,S)->decimal(P',S) with P' > P,
	 * at any depth. A JSON mapping gates them with
	 * schema.allow_type_widening; the registry formats (Avro, Protobuf),
	 * whose compatible schema versions widen by design, pass 1. */
	int allow_widening;
	/* A field required in the table and optional in the wanted schema
	 * becomes optional (a registry schema version made it nullable).
	 * Without it (the JSON mapping's rule) requiredness is kept: the
	 * mapping's optional record-time column, registry JSON columns
	 * (always optional) must not relax a column a mapping made required. */
	int relax_required;
	/* Who wants the change, in messages ("the registry schema"); NULL:
	 * "the mapping". */
	const char *wanted_by;
} icp_columns_evolve_opts;

/* Schema evolution of table `table` from its current schema `cur` to what
 * is wanted, at every depth (struct fields, list elements, map keys and
 * values; docs/internals/columns.md):
 * - every field of cur keeps its id; fields want lacks stay as they are;
 * - fields of want absent from cur (at any depth) are appended to their
 *   struct as optional, with ids above cur's highest_field_id, the
 *   field's own nested ids depth first after it;
 * - with relax_required, required in cur and optional in want becomes
 *   optional (top-level fields, nested fields, list elements, map
 *   values; not the base columns 1..8); optional never becomes required;
 * - widening (opts above) only when allowed;
 * - anything else (narrowing, a decimal scale change, another kind,
 *   struct<->primitive, list<->map, a map key change) is ICP_ERR_INVALID
 *   "table T: column PATH is OLD in the table, the mapping wants NEW:
 *   why", PATH being the full field path (`address.geo.lat`,
 *   `tags.element`, `attrs.key`, `attrs.value`).
 * *out is NULL when nothing changes, else a new schema (the caller's:
 * icp_ice_schema_free) with schema_id = cur's + 1 and highest_field_id
 * covering the new ids. o may be NULL (zeroed options). */
int icp_columns_evolve_with(const char *table, const icp_ice_schema *cur,
                            const icp_ice_schema *want, const icp_columns_evolve_opts *o,
                            icp_ice_schema **out, icp_error *err);
/* The same with only allow_widening set (the JSON mapping's rules:
 * requiredness kept). */
int icp_columns_evolve(const char *table, const icp_ice_schema *cur,
                       const icp_ice_schema *want, int allow_widening,
                       icp_ice_schema **out, icp_error *err);

/* ----------------------------------------------------------- extraction */

typedef struct icp_columns icp_columns;

/* Extractor for every top-level column of `schema` with an id above 8.
 * `want` (may be NULL) marks columns that are required by the mapping
 * although optional in the table (added by evolution): a record missing
 * them is invalid too. Every Iceberg type can be filled (fixed[N] too:
 * Parquet FIXED_LEN_BYTE_ARRAY(N)). */
int icp_columns_new(const icp_ice_schema *schema, const icp_ice_schema *want,
                    icp_columns **out, icp_error *err);
/* The same for a subset of the top-level columns: with include, only
 * those whose name starts with prefix; without, all but those (prefix
 * NULL: every column). Two extractors over one schema (e.g. the record's
 * JSON for most columns, the LFS envelope for "lfs_" ones) write disjoint
 * leaves of the same file. */
int icp_columns_new_subset(const icp_ice_schema *schema, const icp_ice_schema *want,
                           const char *prefix, int include, icp_columns **out,
                           icp_error *err);
/* As _new_subset, also leaving out the top-level column named skip (NULL:
 * none): a column the caller fills itself, not from the JSON value (the
 * record-time column, mappings[].timestamp_column). */
int icp_columns_new_except(const icp_ice_schema *schema, const icp_ice_schema *want,
                           const char *prefix, int include, const char *skip,
                           icp_columns **out, icp_error *err);
void icp_columns_free(icp_columns *x);

/* Applies the formats of mapping m's columns (schema.columns[].format)
 * to the extracted top-level columns of the same name, and to every time
 * leaf nested below them: the table schema has no place for a reading
 * rule, so it comes from the mapping. Other columns keep the default
 * rule. m may be NULL (nothing changes). */
void icp_columns_set_formats(icp_columns *x, const icp_config_mapping *m);
/* Sets one top-level column's format (tests, callers without a config).
 * ICP_ERR_NOT_FOUND when no extracted column has that name. */
int icp_columns_set_format(icp_columns *x, const char *name, icp_columns_format fmt);

/* Number of extracted top-level columns (0: nothing to do). */
size_t icp_columns_count(const icp_columns *x);

/* Starts a batch: forgets the rows of the previous one. */
void icp_columns_begin(icp_columns *x);

/* Shreds one record value (value_null: a null value). Returns 1 when the
 * row was added, 0 when the record is invalid (a required column missing
 * or not coercible; nothing appended: icp_columns_invalid_column() names
 * it), ICP_ERR_NOMEM, ICP_ERR_TOO_LARGE (a leaf past 2^32 - 1 entries in
 * one batch). A value that is not a JSON object (or not JSON) is
 * a row of nulls (counted), or invalid when a column is required. */
int icp_columns_add(icp_columns *x, const uint8_t *value, size_t len, int value_null);
const char *icp_columns_invalid_column(const icp_columns *x);

/* As _add, from a value a decoder already turned into a tree (vtree.h:
 * Avro, Protobuf): its root must be an OBJ (anything else is a row of
 * nulls, counted as not_object). Binary kinds are coerced natively
 * (docs/internals/columns.md). d is the caller's and only read; its byte
 * ranges must stay valid until this call returns. */
int icp_columns_add_tree(icp_columns *x, const icp_vt_doc *d);

/* Hands the rows added since _begin to the writer, one batch per leaf
 * (the caller then ends the rows with the base columns). */
int icp_columns_write(icp_columns *x, icp_parquet_writer *pw, icp_error *err);

/* Hands only rows rows[0..n) to the writer, one batch per leaf, exactly
 * as _write would hand those rows alone: the processor routes the rows of
 * one batch to one writer per partition tuple. Row indices count the rows
 * added since _begin (icp_columns_add returned 1; invalid records take no
 * index) and may come in any order (a sorted file takes them in sort
 * order; ascending runs are copied at once); one past the rows is
 * ICP_ERR_INVALID (nothing written). n == 0 writes empty batches. May be called several times per
 * batch, for disjoint or overlapping sets, to different writers; the rows
 * stay until _begin. rows is the caller's; the levels and values are
 * copied into scratch arrays the extractor keeps (no allocation once
 * they are as large as the largest selection). Errors as _write. */
int icp_columns_write_rows(icp_columns *x, icp_parquet_writer *pw, const uint32_t *rows,
                           size_t n, icp_error *err);

/* The value of the top-level primitive column with Iceberg field id
 * field_id in the most recently added row (the partition source value a
 * caller routes that row by), as icp_pspec_value: kind = the column's
 * kind; null when the row has no value (or no row was added since
 * _begin). Decimals of up to 18 digits (kept as int32/int64) come back as
 * the precision's big-endian byte width in out->inl, wider ones as their
 * stored bytes; scale is the type's. String, binary, uuid and wide
 * decimal bytes borrow the extractor's text buffer: valid until the next
 * _add or _begin. ICP_OK, or ICP_ERR_NOT_FOUND when no extracted
 * top-level primitive column has that id (nested fields, columns of
 * another extractor, base columns). Looks the column up linearly. */
int icp_columns_last_value(const icp_columns *x, int32_t field_id, icp_pspec_value *out);

/* Counters since _new, for metrics. per-column: values that were present
 * in the JSON but of a kind (or range) the column cannot take, so were
 * written as null; index i < icp_columns_count(). */
typedef struct icp_columns_stats {
	uint64_t rows;        /* rows added */
	uint64_t not_object;  /* values that were not a JSON object */
	uint64_t invalid;     /* records refused (required column) */
} icp_columns_stats;
void icp_columns_get_stats(const icp_columns *x, icp_columns_stats *out);
const char *icp_columns_name(const icp_columns *x, size_t i);
uint64_t icp_columns_coerce_nulls(const icp_columns *x, size_t i);

/* ------------------------------------------------------------ coercion
 * Exposed for tests and for the JSON Schema "format" checks. */

/* RFC 3339 date-time ("2024-01-02T03:04:05.123456789+02:00", 'T' or 't'
 * or ' ', 'Z'/'z' or +-hh:mm; up to 9 fractional digits, truncated to
 * micros) to UTC microseconds since the epoch. ICP_ERR_INVALID when the
 * text is not one, or out of range. */
int icp_columns_parse_timestamp(const char *s, size_t n, int64_t *micros);
/* "YYYY-MM-DD", or an RFC 3339 date-time whose date part (in its own
 * offset) is taken, to days since 1970-01-01. */
int icp_columns_parse_date(const char *s, size_t n, int32_t *days);
/* "HH:MM:SS[.f{1,9}]" (no offset) to microseconds since midnight,
 * fraction truncated. ICP_ERR_INVALID otherwise. */
int icp_columns_parse_time(const char *s, size_t n, int64_t *micros);
/* Decimal text (a JSON number, or the same with a leading '+', ".5",
 * "5.") to the unscaled value of decimal(precision,scale), exactly;
 * digits past the scale rounded HALF_UP (away from zero at .5). be: 16
 * big-endian two's-complement bytes. ICP_ERR_INVALID: not a number (or
 * a bad precision/scale); ICP_ERR_TOO_LARGE: more than precision digits. */
int icp_columns_parse_decimal(const char *s, size_t n, int precision, int scale,
                              uint8_t be[16]);
/* Canonical 8-4-4-4-12 hex text (either case) to 16 bytes. */
int icp_columns_parse_uuid(const char *s, size_t n, uint8_t out[16]);
/* A JSON integer literal's text to int64 exactly (no fraction, exponent
 * or overflow: ICP_ERR_INVALID). */
int icp_columns_parse_long(const char *s, size_t n, int64_t *out);

#endif
