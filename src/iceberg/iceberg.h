/*
 * iceberg: the Apache Iceberg table format (v2, reading v1 too) as this
 * processor needs it: schemas with field ids, table metadata JSON,
 * snapshots with fast append, and the Avro manifest and manifest-list
 * files. The spec is the authority; docs/internals/commit-protocol.md
 * describes how the processor uses it for exactly-once.
 *
 * Model:
 * - icp_ice_schema: a struct type with field ids; columns may be nested
 *   (struct, list, map). Built by the processor or parsed from metadata.
 * - icp_ice_metadata: one parsed metadata file. It keeps the parsed JSON
 *   document so that a new version is produced by rewriting only the keys
 *   this processor changes: everything another engine wrote (statistics,
 *   other refs, properties, sort orders, ...) is carried over untouched.
 * - icp_ice_commit: requirements + updates, the vocabulary of the REST
 *   catalog spec (assert-ref-snapshot-id, assert-table-uuid, add-snapshot,
 *   set-snapshot-ref, add-schema, set-current-schema, set-properties).
 *   A REST catalog sends it; the SQL catalog applies it locally with
 *   icp_ice_metadata_apply().
 *
 * Ownership: _new/_parse results are freed with their _free. Strings
 * returned by accessors live as long as the object they came from.
 */
#ifndef ICP_ICEBERG_H
#define ICP_ICEBERG_H

#include "core/core.h"
#include "json/json.h"
#include "parquet/parquet.h"

/* ---------------------------------------------------------------- types */

typedef enum icp_ice_kind {
	ICP_ICE_BOOLEAN = 1,
	ICP_ICE_INT,
	ICP_ICE_LONG,
	ICP_ICE_FLOAT,
	ICP_ICE_DOUBLE,
	ICP_ICE_DECIMAL,
	ICP_ICE_DATE,
	ICP_ICE_TIME,
	ICP_ICE_TIMESTAMP,
	ICP_ICE_TIMESTAMPTZ,
	ICP_ICE_STRING,
	ICP_ICE_UUID,
	ICP_ICE_FIXED,
	ICP_ICE_BINARY,
	ICP_ICE_STRUCT,
	ICP_ICE_LIST,
	ICP_ICE_MAP
} icp_ice_kind;

typedef struct icp_ice_type icp_ice_type;
typedef struct icp_ice_field icp_ice_field;

struct icp_ice_field {
	int32_t id;
	char *name;
	int required;
	icp_ice_type *type;
	char *doc; /* may be NULL */
};

struct icp_ice_type {
	icp_ice_kind kind;
	int32_t precision, scale; /* decimal */
	int32_t length;           /* fixed */
	/* struct */
	icp_ice_field *fields;
	size_t n_fields;
	/* list: element; map: key and value */
	int32_t element_id, key_id, value_id;
	int element_required, value_required;
	icp_ice_type *element, *key, *value;
};

typedef struct icp_ice_schema {
	int32_t schema_id;
	icp_ice_type root; /* kind ICP_ICE_STRUCT */
	int32_t highest_field_id;
} icp_ice_schema;

/* "long", "decimal(10,2)", "fixed[16]", ... for primitives. */
const char *icp_ice_kind_name(icp_ice_kind k);
/* Parses a primitive type name as the config and the spec write it. */
int icp_ice_parse_primitive(const char *name, icp_ice_type *out);

icp_ice_schema *icp_ice_schema_new(int32_t schema_id);
void icp_ice_schema_free(icp_ice_schema *s);
/* Adds a top-level primitive column. Returns ICP_OK or ICP_ERR_NOMEM. */
int icp_ice_schema_add(icp_ice_schema *s, int32_t id, const char *name, int required,
                       const icp_ice_type *primitive);
const icp_ice_field *icp_ice_schema_find(const icp_ice_schema *s, const char *name);
/* Appends the schema as Iceberg JSON ({"type":"struct","schema-id":..}). */
int icp_ice_schema_to_json(const icp_ice_schema *s, icp_buf *out);

/* The eight base columns of compatibility.md, ids 1..8. */
icp_ice_schema *icp_ice_schema_base(void);

/* --- nested types and schema helpers (additions) ---
 * A type made with icp_ice_type_new() is owned by the caller until it is
 * handed to a struct/list/map/schema below, which then owns it (also on
 * failure: the callee frees it). */
icp_ice_type *icp_ice_type_new(icp_ice_kind kind);
void icp_ice_type_free(icp_ice_type *t);
/* Deep copy, or NULL on allocation failure. */
icp_ice_type *icp_ice_type_copy(const icp_ice_type *t);
/* Appends a field to a struct type (takes ownership of `type`). */
int icp_ice_type_add_field(icp_ice_type *st, int32_t id, const char *name, int required,
                           icp_ice_type *type);
/* Top-level column of any type (takes ownership of `type`); raises
 * highest_field_id to cover every id inside the type. */
int icp_ice_schema_add_type(icp_ice_schema *s, int32_t id, const char *name, int required,
                            icp_ice_type *type);
/* Spec type string of a primitive ("long", "decimal(10,2)", "fixed[16]")
 * into buf (NUL-terminated, truncated to cap). Returns its length, 0 for
 * nested kinds. */
size_t icp_ice_type_name(const icp_ice_type *t, char *buf, size_t cap);
icp_ice_schema *icp_ice_schema_copy(const icp_ice_schema *s);
/* 1 when both have the same fields (ids, names, requiredness, types, docs
 * ignored) in the same order; schema ids are not compared. */
int icp_ice_schema_equal(const icp_ice_schema *a, const icp_ice_schema *b);
/* 1 when the types are equal the same way; with shape_only, field/element
 * ids and requiredness are ignored too (same structure, names, kinds). */
int icp_ice_type_equal(const icp_ice_type *a, const icp_ice_type *b, int shape_only);
/* Parses a schema object as table metadata stores it ({"type":"struct",
 * "schema-id":..,"fields":[..]}, nested types included). "schema-id" absent
 * means 0. ICP_ERR_CORRUPT with the JSON path of the problem. */
int icp_ice_schema_from_json(const icp_json *node, icp_ice_schema **out, icp_error *err);
/* The schema as an icp_parquet_field array (depth-first pre-order, parent
 * indices, field ids; list elements and map keys/values carry their
 * element-id/key-id/value-id). Names point into the schema, which must
 * outlive the array; *out is freed with icp_free. ICP_ERR_NOMEM. */
int icp_ice_schema_to_parquet(const icp_ice_schema *s, icp_parquet_field **out, size_t *n);

/* ------------------------------------------------------------ metadata */

typedef struct icp_ice_metadata icp_ice_metadata;

typedef struct icp_ice_snapshot {
	int64_t snapshot_id;
	int64_t parent_id;        /* -1 when none */
	int64_t sequence_number;
	int64_t timestamp_ms;
	const char *manifest_list;
	int32_t schema_id;        /* -1 when absent */
} icp_ice_snapshot;

/* Parses metadata JSON (v1 or v2). `location` is the metadata file URL
 * (kept for the metadata-log of the next version). */
int icp_ice_metadata_parse(const char *json, size_t len, const char *location,
                           icp_ice_metadata **out, icp_error *err);
void icp_ice_metadata_free(icp_ice_metadata *m);

int icp_ice_metadata_format_version(const icp_ice_metadata *m);
const char *icp_ice_metadata_uuid(const icp_ice_metadata *m);
const char *icp_ice_metadata_table_location(const icp_ice_metadata *m);
const char *icp_ice_metadata_file_location(const icp_ice_metadata *m);
int64_t icp_ice_metadata_last_sequence(const icp_ice_metadata *m);
int32_t icp_ice_metadata_last_column_id(const icp_ice_metadata *m);
const icp_ice_schema *icp_ice_metadata_schema(const icp_ice_metadata *m);
/* Snapshot id of the main branch, -1 for an empty table. */
int64_t icp_ice_metadata_main_snapshot(const icp_ice_metadata *m);
/* Snapshot by id: ICP_OK, or ICP_ERR_NOT_FOUND. */
int icp_ice_metadata_snapshot(const icp_ice_metadata *m, int64_t id, icp_ice_snapshot *out);
/* A summary property of a snapshot, or NULL. */
const char *icp_ice_metadata_summary(const icp_ice_metadata *m, int64_t snapshot_id,
                                     const char *key);
/* A table property, or NULL. */
const char *icp_ice_metadata_property(const icp_ice_metadata *m, const char *key);

/* The parsed JSON document (owned by m) and the largest schema id. */
const icp_json *icp_ice_metadata_json(const icp_ice_metadata *m);
int32_t icp_ice_metadata_current_schema_id(const icp_ice_metadata *m);
int32_t icp_ice_metadata_max_schema_id(const icp_ice_metadata *m);

/* Metadata of a new table: v2, a fresh uuid, unpartitioned, unsorted,
 * no snapshot, with the given schema, location and properties
 * (NULL-terminated key/value pairs). The result is JSON text in out. */
int icp_ice_metadata_create(const icp_ice_schema *schema, const char *location,
                            const char *const *props, icp_buf *out, icp_error *err);

/* -------------------------------------------------------------- commit */

typedef struct icp_ice_kv {
	const char *key;
	const char *value;
} icp_ice_kv;

typedef struct icp_ice_commit {
	/* requirements */
	const char *assert_uuid;          /* NULL: none */
	int assert_main;                  /* 1: main must be at main_snapshot_id */
	int64_t main_snapshot_id;         /* -1: main must not exist */
	int assert_schema;                /* 1: schema id and last column id */
	int32_t current_schema_id;
	int32_t last_assigned_field_id;
	/* updates */
	const icp_ice_schema *add_schema; /* added and made current */
	int has_snapshot;
	int64_t snapshot_id;
	int64_t parent_snapshot_id;       /* -1: none */
	int64_t sequence_number;
	int64_t timestamp_ms;
	const char *manifest_list;        /* URL */
	int32_t snapshot_schema_id;
	const icp_ice_kv *summary;        /* operation first */
	size_t n_summary;
	const icp_ice_kv *set_props;
	size_t n_set_props;
} icp_ice_commit;

/* Checks the requirements against `base` (ICP_ERR_CONFLICT naming the
 * failed one, with the expected and actual values; also when the snapshot
 * id already exists or its sequence number is not above the table's) and
 * writes the next metadata version as JSON text into out:
 * everything of base kept, plus the updates, the snapshot-log and
 * metadata-log entries, last-updated-ms, trimmed per
 * write.metadata.previous-versions-max (default 100).
 * add_schema gets schema-id max+1 unless an identical schema exists (which
 * then becomes current); when add_schema is set the snapshot's schema-id
 * is the resulting current schema id, else snapshot_schema_id (< 0: none).
 * A format v1 base is refused (ICP_ERR_UNSUPPORTED): this processor writes
 * v2 only and does not upgrade tables implicitly. */
int icp_ice_metadata_apply(const icp_ice_metadata *base, const icp_ice_commit *c,
                           icp_buf *out, icp_error *err);

/* Appends the commit as a REST CommitTableRequest body
 * ({"requirements":[...],"updates":[...]}). */
int icp_ice_commit_to_rest_json(const icp_ice_commit *c, icp_buf *out);

/* ------------------------------------------------------------ manifests
 *
 * Manifests and manifest lists are Avro OCF (deflate) per the v2 spec, for
 * unpartitioned tables (partition spec 0 with no fields). Written bytes are
 * appended to the caller's icp_buf. Readers decode into caller-owned
 * arenas: everything returned lives until the arena is freed/reset. */

/* A new data file for a manifest. metrics may be NULL (no column stats). */
typedef struct icp_ice_data_file {
	const char *path;           /* URL */
	uint64_t file_size;
	uint64_t record_count;
	const icp_parquet_file_metrics *metrics;
} icp_ice_data_file;

typedef struct icp_ice_manifest_info {
	uint64_t length;            /* bytes appended to out */
	int32_t added_files;
	int64_t added_rows;
} icp_ice_manifest_info;

/* A manifest written by this snapshot, for the manifest list. */
typedef struct icp_ice_manifest_file {
	const char *path;           /* URL */
	int64_t length;             /* bytes */
	int32_t added_files;
	int64_t added_rows;
} icp_ice_manifest_file;

/* Writes a v2 data manifest: one ADDED entry per file, snapshot_id set,
 * sequence numbers null (inherited), metrics from each file's metrics.
 * info may be NULL. ICP_ERR_INVALID (no files, NULL path), or the
 * writer's errors. */
int icp_ice_manifest_write(const icp_ice_schema *schema, int64_t snapshot_id,
                           const icp_ice_data_file *files, size_t n, icp_buf *out,
                           icp_ice_manifest_info *info, icp_error *err);

/* Writes a v2 manifest list: the new manifests first (sequence number and
 * min sequence number = sequence_number, added by snapshot_id), then every
 * entry of parent_list (the parent snapshot's manifest list bytes, v1 or
 * v2; empty slice when there is no parent) re-encoded unchanged (v1 lists:
 * sequence numbers 0, content 0). parent_id -1: none ("null" in the file
 * metadata). ICP_ERR_CORRUPT for a malformed parent list,
 * ICP_ERR_UNSUPPORTED for a parent entry with null file/row counts. */
int icp_ice_manifest_list_write(int64_t snapshot_id, int64_t parent_id,
                                int64_t sequence_number,
                                const icp_ice_manifest_file *new_manifests, size_t n_new,
                                icp_slice parent_list, icp_buf *out, icp_error *err);

/* One entry of a manifest list as read (v1 lists: defaults per spec). */
typedef struct icp_ice_manifest_ref {
	const char *path;
	int64_t length;
	int32_t partition_spec_id;
	int32_t content;            /* 0 data, 1 deletes */
	int64_t sequence_number;
	int64_t min_sequence_number;
	int64_t added_snapshot_id;
	int64_t added_files, existing_files, deleted_files;  /* -1: null */
	int64_t added_rows, existing_rows, deleted_rows;     /* -1: null */
} icp_ice_manifest_ref;

/* Reads every entry of a manifest list into arena a (*out: n entries). */
int icp_ice_manifest_list_read(icp_slice bytes, icp_arena *a, icp_ice_manifest_ref **out,
                               size_t *n, icp_error *err);

/* One entry of a manifest as read. */
typedef struct icp_ice_manifest_entry {
	int32_t status;             /* 0 existing, 1 added, 2 deleted */
	int64_t snapshot_id;        /* -1: null (inherited) */
	int64_t sequence_number;    /* -1: null (inherited) */
	int32_t content;            /* data_file.content; 0 for v1 */
	const char *path;
	const char *file_format;
	int64_t record_count;
	int64_t file_size;
} icp_ice_manifest_entry;

/* Reads every entry of a manifest (v1 or v2) into arena a. */
int icp_ice_manifest_read(icp_slice bytes, icp_arena *a, icp_ice_manifest_entry **out,
                          size_t *n, icp_error *err);

/* A random v4 UUID in canonical text form (37 bytes with NUL). */
void icp_ice_uuid(char out[37]);
/* A positive random 63-bit snapshot id. */
int64_t icp_ice_snapshot_id(void);

#endif
