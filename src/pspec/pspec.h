/*
 * pspec: Iceberg partition specs and partition transforms (table spec,
 * "Partitioning", "Partition Transforms", Appendix B hashing, Appendix C
 * JSON, Appendix D single-value serialization). Pure: no I/O, no globals.
 *
 * Pieces:
 * - Expressions as users write them in `mappings[].partition_by`:
 *     col                     identity (column name as written, case kept)
 *     identity(col)           the same, spelled out
 *     year(col)  month(col)  day(col)  hour(col)   (plurals accepted too:
 *                              years, months, days, hours)
 *     bucket(N, col)  truncate(W, col)   N, W in 1..2147483647
 *     void(col)
 *   Transform names are case-insensitive; blanks (space, tab, CR, LF) are
 *   allowed around tokens. A column name is a run of bytes other than
 *   blanks, '(', ')', ',' and control characters. Only top-level columns
 *   of primitive type can be partition sources.
 * - icp_pspec: a spec (spec-id + ordered fields). Field names follow
 *   Iceberg Java's defaults: identity keeps the column name, other
 *   transforms append "_bucket", "_trunc", "_year", "_month", "_day",
 *   "_hour", and void appends "_null".
 * - Transform application on icp_pspec_value (one source value in the
 *   physical form Parquet stores it), without allocation: per-record safe.
 * - Human strings and "name=value/..." path segments, single-value binary
 *   serialization and comparison of partition values (manifest summaries),
 *   and a byte key per partition tuple for grouping records.
 *
 * Threads: nothing here is shared or mutable behind the caller's back; a
 * spec may be read (applied, printed) from several threads at once.
 *
 * Invariants of a spec built here: field ids unique; names unique and
 * non-empty; no two fields with the same source and transform; time
 * transforms (year/month/day/hour) at most once per source column
 * (Iceberg Java calls more "redundant" and refuses it); no name equal to
 * another column's name (identity and void may reuse their own source's
 * name, as in Java). A spec parsed from
 * JSON is trusted only as far as the JSON checks go (see _from_json);
 * bind it to a schema before writing with it.
 *
 * Result types: identity, truncate and void keep the source type; bucket,
 * year, month, day and hour produce int. Iceberg Java declares the day
 * result as `date` in manifests (an Avro int with logicalType date): write
 * it so there; its value and its 4-byte serialization are the same.
 *
 * Ownership: icp_pspec objects come from _build/_from_json/_copy and are
 * freed with icp_pspec_free (NULL is a no-op); their fields and strings
 * live as long as the spec. icp_pspec_value never owns memory: `bytes`
 * borrows the caller's data, except values a transform computed (decimal
 * truncate), which keep their bytes inside the struct (see
 * icp_pspec_value_bytes); such values may be copied by assignment.
 */
#ifndef ICP_PSPEC_H
#define ICP_PSPEC_H

#include "core/core.h"
#include "iceberg/iceberg.h"
#include "json/json.h"

/* ------------------------------------------------------------ transforms */

typedef enum icp_pspec_transform {
	ICP_PSPEC_IDENTITY = 1,
	ICP_PSPEC_BUCKET,   /* param = N */
	ICP_PSPEC_TRUNCATE, /* param = W */
	ICP_PSPEC_YEAR,
	ICP_PSPEC_MONTH,
	ICP_PSPEC_DAY,
	ICP_PSPEC_HOUR,
	ICP_PSPEC_VOID,
	ICP_PSPEC_UNKNOWN   /* read from JSON, not understood: kept as text */
} icp_pspec_transform;

/* 1 when transform t accepts a source column of kind k (spec's table:
 * identity any primitive, void anything, bucket/truncate/time per type). */
int icp_pspec_transform_allows(icp_pspec_transform t, icp_ice_kind k);
/* Spec text of a transform ("identity", "bucket[16]", "truncate[4]",
 * "year", ..., "void") into buf (NUL-terminated, cap >= 24 always fits).
 * Returns its length; 0 for ICP_PSPEC_UNKNOWN. */
size_t icp_pspec_transform_text(icp_pspec_transform t, int32_t param, char *buf, size_t cap);

/* One parsed expression. column points into the parsed text. */
typedef struct icp_pspec_expr {
	icp_pspec_transform transform;
	int32_t param;          /* N or W; 0 for the others */
	const char *column;     /* not NUL-terminated */
	size_t column_len;
} icp_pspec_expr;

/* Parses one expression (NUL-terminated text). ICP_ERR_INVALID with
 * 'partition expression "<text>": <reason>' where reason is e.g.
 * "syntax error at byte 7: expected ')'", "unknown transform \"foo\"",
 * "bucket count must be 1..2147483647, got 0". */
int icp_pspec_parse_expr(const char *text, icp_pspec_expr *out, icp_error *err);

/* ------------------------------------------------------------------ spec */

typedef struct icp_pspec_field {
	char *name;                    /* owned by the spec */
	char *transform_text;          /* "bucket[16]"; as read for UNKNOWN */
	icp_pspec_transform transform;
	int32_t param;
	int32_t source_id;
	int32_t field_id;
	icp_ice_type source_type;      /* primitive; kind 0 until bound */
} icp_pspec_field;

/* Read-only for users: change only through the functions below. */
typedef struct icp_pspec {
	int32_t spec_id;
	icp_pspec_field *fields;
	size_t n_fields;
} icp_pspec;

/* Builds a spec from n expressions against schema. Field ids are
 * last_partition_id+1, +2, ... (pass 999 for a new table: ids start at
 * 1000); call icp_pspec_assign_field_ids to reuse ids of earlier specs.
 * n == 0 gives the unpartitioned spec. The result is bound (source types
 * set). ICP_ERR_INVALID naming the expression ("partition_by[1]:
 * partition expression \"...\": ...") for syntax, unknown column, a
 * non-primitive column, a type the transform does not accept, duplicate
 * names, redundant fields, a name that is another column's name;
 * ICP_ERR_TOO_LARGE when ids would pass INT32_MAX; ICP_ERR_NOMEM. */
int icp_pspec_build(const icp_ice_schema *schema, const char *const *exprs, size_t n,
                    int32_t spec_id, int32_t last_partition_id, icp_pspec **out,
                    icp_error *err);
void icp_pspec_free(icp_pspec *spec);
/* Deep copy, NULL on allocation failure. */
icp_pspec *icp_pspec_copy(const icp_pspec *spec);

/* Checks every field against schema and sets its source_type: the source
 * must be a top-level primitive column the transform accepts (void fields
 * whose column is gone are allowed, with kind 0). Fields with an unknown
 * transform make it fail with ICP_ERR_UNSUPPORTED (the spec forbids
 * writing with them); other problems are ICP_ERR_INVALID, naming the
 * field. */
int icp_pspec_bind(icp_pspec *spec, const icp_ice_schema *schema, icp_error *err);

/* Type of the field's partition value: the source type for identity,
 * truncate and void, int otherwise. Needs a bound spec (else kind 0). */
icp_ice_type icp_pspec_result_type(const icp_pspec_field *f);

/* Same partitioning: same number of fields with equal source ids and
 * transforms in order. with_names also compares names (that is the
 * spec's "equivalent" test: a writer must reuse an equivalent spec rather
 * than add one). Field ids and spec ids are never compared. */
int icp_pspec_equal(const icp_pspec *a, const icp_pspec *b, int with_names);
/* Index of the first of n specs equal (with names) to wanted, or -1. */
long icp_pspec_find(const icp_pspec *const *specs, size_t n, const icp_pspec *wanted);

/* Gives every field of wanted a field id: the id of a field with the same
 * source id and transform text in existing specs (the latest such spec in
 * the array wins), else ++*last_partition_id. Never gives two fields of
 * wanted the same id. ICP_ERR_TOO_LARGE past INT32_MAX. */
int icp_pspec_assign_field_ids(icp_pspec *wanted, const icp_pspec *const *existing,
                               size_t n_existing, int32_t *last_partition_id,
                               icp_error *err);

/* ------------------------------------------------------------------ JSON */

/* {"spec-id":N,"fields":[{"name":..,"transform":..,"source-id":..,
 * "field-id":..},...]} as table metadata stores it. */
int icp_pspec_write_json(const icp_pspec *spec, icp_json_writer *w);
/* Only the fields array (manifest "partition-spec" metadata, v1 key). */
int icp_pspec_write_fields_json(const icp_pspec *spec, icp_json_writer *w);

/* Parses a spec object, or a bare fields array (spec-id 0). Unknown
 * transforms become ICP_PSPEC_UNKNOWN with their text kept; a field
 * without "field-id" (v1) gets 1000 + its index; a v3 "source-ids" list of
 * one id is read as source-id, a longer one makes the field UNKNOWN (first
 * id kept). path names the node in errors (e.g. "partition-specs.1"; NULL
 * for none). ICP_ERR_CORRUPT naming the JSON path ("partition-specs.1.
 * fields.0.source-id: expected an int") for wrong shapes, missing keys,
 * duplicate field ids; ICP_ERR_NOMEM. The result is not bound. */
int icp_pspec_from_json(const icp_json *node, const char *path, icp_pspec **out,
                        icp_error *err);

/* ---------------------------------------------------------------- values */

/* One value as Parquet stores it, or a partition value.
 *   BOOLEAN i (0/1); INT, LONG i; DATE i = days since 1970-01-01;
 *   TIME i = micros since midnight; TIMESTAMP(TZ) i = micros since epoch;
 *   FLOAT, DOUBLE d; STRING bytes = UTF-8; UUID bytes = 16 bytes
 *   big-endian; FIXED, BINARY bytes; DECIMAL bytes = unscaled value as
 *   big-endian two's complement (any length), scale = the type's scale. */
typedef struct icp_pspec_value {
	icp_ice_kind kind;
	int is_null;
	int32_t scale;
	int64_t i;
	double d;
	icp_slice bytes;     /* borrowed, unless inl_len > 0 */
	uint8_t inl_len;     /* > 0: the bytes are inl[0..inl_len) */
	uint8_t inl[16];
} icp_pspec_value;

static inline icp_slice icp_pspec_value_bytes(const icp_pspec_value *v)
{
	return v->inl_len ? icp_slice_make(v->inl, v->inl_len) : v->bytes;
}
static inline icp_pspec_value icp_pspec_value_null(icp_ice_kind k)
{
	icp_pspec_value v;
	memset(&v, 0, sizeof(v));
	v.kind = k;
	v.is_null = 1;
	return v;
}
static inline icp_pspec_value icp_pspec_value_int(icp_ice_kind k, int64_t i)
{
	icp_pspec_value v;
	memset(&v, 0, sizeof(v));
	v.kind = k;
	v.i = i;
	return v;
}
static inline icp_pspec_value icp_pspec_value_of_bytes(icp_ice_kind k, const void *p,
                                                       size_t n, int32_t scale)
{
	icp_pspec_value v;
	memset(&v, 0, sizeof(v));
	v.kind = k;
	v.bytes = icp_slice_make(p, n);
	v.scale = scale;
	return v;
}

/* The partition value of field f for source value in (out may not alias
 * in). Null in gives null out; void always gives null. out borrows in's
 * bytes for identity/truncate of strings and binaries. Year/month/day/hour
 * count from 1970 with floor division (1969-12-31 is year -1, month -1,
 * day -1). ICP_ERR_INVALID when in's kind does not fit the field (bound
 * type or transform), a uuid is not 16 bytes, or a result leaves its
 * type's range (hour of a timestamp beyond int, truncate overflow);
 * ICP_ERR_UNSUPPORTED for unknown transforms and decimals over 16 bytes. */
int icp_pspec_apply(const icp_pspec_field *f, const icp_pspec_value *in,
                    icp_pspec_value *out, icp_error *err);

/* 32-bit Murmur3 (x86, seed 0) as Appendix B defines per type; the bucket
 * is (hash & INT32_MAX) % N. ICP_ERR_INVALID for unhashable kinds. */
uint32_t icp_pspec_murmur3(const uint8_t *p, size_t n);
int icp_pspec_hash(const icp_pspec_value *v, int32_t *hash, icp_error *err);

/* Appendix D binary form: int/date 4 bytes LE, long/time/timestamps 8 LE,
 * boolean 1 byte, float 4 LE, double 8 LE, string/fixed/binary/uuid the
 * bytes, decimal the minimal big-endian two's complement. Writes into
 * scratch when needed; *out may point into v's borrowed bytes or into
 * scratch. ICP_ERR_INVALID for null or non-primitive values. */
int icp_pspec_value_serialize(const icp_pspec_value *v, uint8_t scratch[16], icp_slice *out);
/* The reverse for a value of kind k (scale for decimals); bytes borrowed
 * from b. ICP_ERR_CORRUPT on a wrong length. */
int icp_pspec_value_deserialize(icp_ice_kind k, int32_t scale, icp_slice b,
                                icp_pspec_value *out, icp_error *err);
/* Orders two values of one partition field: <0, 0, >0. Nulls first;
 * signed numbers; floats as Java's Float/Double.compare (-0.0 < 0.0, NaN
 * last); decimals numerically on unscaled values (same scale assumed);
 * strings, binaries, fixed and uuids as unsigned bytes (UTF-8 byte order
 * is code point order). */
int icp_pspec_value_cmp(const icp_pspec_value *a, const icp_pspec_value *b);
/* Appends a byte key of the partition tuple values[0..spec->n_fields):
 * per field 0x00 for null, or 0x01, the serialized length (4 bytes LE)
 * and the serialized bytes. Equal tuples give equal keys and different
 * tuples different keys (floats by bit pattern), so records can be
 * grouped by partition with a hash map on the key. Status of the buffer,
 * or ICP_ERR_INVALID for a value with no serialization. */
int icp_pspec_tuple_key(const icp_pspec *spec, const icp_pspec_value *values, icp_buf *out);

/* ---------------------------------------------------------- human / path */

/* Appends the value as Iceberg Java's toHumanString writes it for field
 * f: null -> "null"; year "2017", month "2017-11", day "2017-11-16",
 * hour "2017-11-16-22"; bucket the number; otherwise by kind: date
 * yyyy-mm-dd, time as java.time.LocalTime prints it ("22:31",
 * "22:31:08", "22:31:08.500"), timestamp "2017-11-16T22:31:08[.f]"
 * (fraction without trailing zeros), timestamptz the same + "+00:00",
 * uuid lowercase canonical, fixed/binary base64, decimal as
 * BigDecimal.toString, booleans "true"/"false", float/double as Java's
 * toString, strings as they are. Years outside 0000..9999 are written
 * as Java writes them: String.format("%04d") for year/month/day/hour and
 * dates ("-001", "10000"), ISO for timestamps ("-0001", "+10000").
 * Status of the buffer. */
int icp_pspec_human(const icp_pspec_field *f, const icp_pspec_value *v, icp_buf *out);
/* Appends "name=value/name2=value2" (no leading or trailing '/') for the
 * spec's fields and their partition values (values[i] for fields[i]),
 * names and human values escaped as java.net.URLEncoder does (UTF-8; keep
 * A-Z a-z 0-9 . - * _, space as '+', every other byte as %XX). Nothing for
 * an unpartitioned spec. Status of the buffer. */
int icp_pspec_path(const icp_pspec *spec, const icp_pspec_value *values, icp_buf *out);

#endif
