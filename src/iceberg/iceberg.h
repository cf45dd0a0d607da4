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
/* Snapshot by id, or NULL. */
int icp_ice_metadata_snapshot(const icp_ice_metadata *m, int64_t id, icp_ice_snapshot *out);
/* A summary property of a snapshot, or NULL. */
const char *icp_ice_metadata_summary(const icp_ice_metadata *m, int64_t snapshot_id,
                                     const char *key);
/* A table property, or NULL. */
const char *icp_ice_metadata_property(const icp_ice_metadata *m, const char *key);

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
 * failed one) and writes the next metadata version as JSON text into out:
 * everything of base kept, plus the updates, the snapshot-log and
 * metadata-log entries, last-updated-ms, trimmed per
 * write.metadata.previous-versions-max. */
int icp_ice_metadata_apply(const icp_ice_metadata *base, const icp_ice_commit *c,
                           icp_buf *out, icp_error *err);

/* Appends the commit as a REST CommitTableRequest body
 * ({"requirements":[...],"updates":[...]}). */
int icp_ice_commit_to_rest_json(const icp_ice_commit *c, icp_buf *out);

/* A random v4 UUID in canonical text form (37 bytes with NUL). */
void icp_ice_uuid(char out[37]);
/* A positive random 63-bit snapshot id. */
int64_t icp_ice_snapshot_id(void);

#endif
