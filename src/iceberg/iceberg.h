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
 *   set-snapshot-ref, add-schema, set-current-schema, set-properties,
 *   add-spec, set-default-spec, add-sort-order, set-default-sort-order,
 *   remove-snapshots).
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

/* Defined in pspec/pspec.h (which includes this header). */
typedef struct icp_pspec icp_pspec;
typedef struct icp_pspec_value icp_pspec_value;

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
/* The same with a partition spec (NULL: unpartitioned). The spec is
 * written as spec-id 0 whatever its spec_id, with its field ids; it must
 * bind to schema (ICP_ERR_INVALID/UNSUPPORTED from icp_pspec_bind
 * otherwise). last-partition-id = the highest field id, at least 999. */
int icp_ice_metadata_create_spec(const icp_ice_schema *schema, const icp_pspec *spec,
                                 const char *location, const char *const *props,
                                 icp_buf *out, icp_error *err);

/* Partition specs of the table ("partition-specs"; a v1 table without it:
 * its "partition-spec" fields as spec 0; neither: one unpartitioned spec
 * 0). Each spec is bound to the current schema when it can be (source
 * columns present, transforms known); one that cannot stays unbound
 * (source_type kind 0) and icp_ice_metadata_spec reports why. */
int32_t icp_ice_metadata_default_spec_id(const icp_ice_metadata *m);
/* "last-partition-id"; absent (v1): the highest field id, at least 999. */
int32_t icp_ice_metadata_last_partition_id(const icp_ice_metadata *m);
/* Every spec in file order (n >= 1), for icp_pspec_find and
 * icp_pspec_assign_field_ids. Owned by m. */
const icp_pspec *const *icp_ice_metadata_specs(const icp_ice_metadata *m, size_t *n);
/* The bound spec with that id (owned by m): ICP_OK, ICP_ERR_NOT_FOUND,
 * or the error of binding it to the current schema (INVALID: a source
 * column is gone or has another type; UNSUPPORTED: unknown transform),
 * which means data cannot be written with it. */
int icp_ice_metadata_spec(const icp_ice_metadata *m, int32_t spec_id, const icp_pspec **out,
                          icp_error *err);

/* Sort orders ("sort-orders", spec "Sort Orders"): how the rows of data
 * files are sorted. Order id 0 is reserved for the unsorted order (no
 * fields). A table without "sort-orders" (v1) reads as one unsorted order
 * 0; "default-sort-order-id" absent means 0. A malformed order or a
 * default that is not in the list is ICP_ERR_CORRUPT at parse, naming the
 * JSON path. Transforms are kept as text ("identity", "bucket[16]", ...):
 * the processor only compares and rewrites them. */
typedef struct icp_ice_sort_field {
	int32_t source_id;
	char *transform;            /* "identity" etc. */
	int descending;             /* 0: "asc", 1: "desc" */
	int nulls_last;             /* 0: "nulls-first", 1: "nulls-last" */
} icp_ice_sort_field;

typedef struct icp_ice_sort_order {
	int32_t order_id;
	icp_ice_sort_field *fields;
	size_t n_fields;
} icp_ice_sort_order;

int32_t icp_ice_metadata_default_sort_order_id(const icp_ice_metadata *m);
/* Every sort order in file order (n >= 1); owned by m. */
const icp_ice_sort_order *icp_ice_metadata_sort_orders(const icp_ice_metadata *m, size_t *n);
/* The order with that id (owned by m), or NULL. */
const icp_ice_sort_order *icp_ice_metadata_sort_order(const icp_ice_metadata *m, int32_t id);
/* 1 when both have the same fields (source, transform, direction, null
 * order) in the same order; order ids are not compared (Java's
 * SortOrder.sameOrder). */
int icp_ice_sort_order_equal(const icp_ice_sort_order *a, const icp_ice_sort_order *b);
/* Appends the order as spec JSON with the given order id. */
int icp_ice_sort_order_write_json(const icp_ice_sort_order *o, int32_t order_id,
                                  icp_json_writer *w);

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
	/* partition specs (all 0: untouched). Requirements: */
	int assert_default_spec;          /* 1: default-spec-id must be this */
	int32_t assert_default_spec_id;
	int assert_last_partition;        /* 1: last-partition-id must be this */
	int32_t last_assigned_partition_id;
	/* Updates: add_spec is added with its field ids (spec-id max+1, or the
	 * id of an existing spec equal with names, which is then reused);
	 * last-partition-id is raised to its highest field id. With
	 * set_default_spec, the default becomes add_spec's resulting id, or
	 * default_spec_id when add_spec is NULL. Over REST, a spec equal to one
	 * the table already has must be made default by id (add_spec NULL):
	 * catalogs built on Iceberg Java refuse set-default-spec -1 when the
	 * add-spec only matched an existing spec. */
	const icp_pspec *add_spec;
	int set_default_spec;
	int32_t default_spec_id;
	/* sort orders (all 0/NULL: untouched, output byte-identical). As with
	 * specs: add_sort_order is added as order max+1, or an existing equal
	 * order (same fields) is reused (an unsorted one is order 0); with
	 * set_default_sort_order the default becomes add_sort_order's
	 * resulting id, or default_sort_order_id when add_sort_order is NULL.
	 * Over REST an order equal to an existing one must be made default by
	 * id (add_sort_order NULL), as for specs. Requirement: */
	const icp_ice_sort_order *add_sort_order; /* its order_id is ignored */
	int set_default_sort_order;
	int32_t default_sort_order_id;
	int assert_default_sort_order;    /* 1: default-sort-order-id must be this */
	int32_t assert_default_sort_order_id;
	/* snapshot expiry (NULL/0: untouched, output byte-identical): these
	 * snapshots leave "snapshots", and "snapshot-log" loses their entries
	 * and, as in Iceberg Java, every entry before the last of them (the
	 * log never skips a hole); "statistics" and "partition-statistics"
	 * entries of them go too. Ids the table does not have are ignored
	 * (a retry after an unknown outcome asks again). Removing main's
	 * snapshot or one any ref points at is ICP_ERR_INVALID. Over REST:
	 * one remove-snapshots update, after the others. */
	const int64_t *remove_snapshot_ids;
	size_t n_remove_snapshots;
} icp_ice_commit;

/* Checks the requirements against `base` (ICP_ERR_CONFLICT naming the
 * failed one, with the expected and actual values; also when the snapshot
 * id already exists or its sequence number is not above the table's;
 * ICP_ERR_INVALID when add_spec does not bind to the resulting current
 * schema or default_spec_id is not a spec of the table) and
 * writes the next metadata version as JSON text into out:
 * everything of base kept, plus the updates, the snapshot-log and
 * metadata-log entries, last-updated-ms, trimmed per
 * write.metadata.previous-versions-max (default 100).
 * add_schema gets schema-id max+1 unless an identical schema exists (which
 * then becomes current); when add_schema is set the snapshot's schema-id
 * is the resulting current schema id, else snapshot_schema_id (< 0: none).
 * Specs and sort orders: see icp_ice_commit; old ones are always kept.
 * ICP_ERR_INVALID also for an add_sort_order field whose source id is not
 * in the resulting current schema, or a default_sort_order_id the table
 * does not have.
 * A format v1 base is refused (ICP_ERR_UNSUPPORTED): this processor writes
 * v2 only and does not upgrade tables implicitly. */
int icp_ice_metadata_apply(const icp_ice_metadata *base, const icp_ice_commit *c,
                           icp_buf *out, icp_error *err);

/* Snapshot expiry plan (pure: no I/O). Keeps every snapshot a ref
 * (branch or tag) points at; for each branch (main included, also when
 * only current-snapshot-id names it) its min_keep most recent ancestors
 * and the ancestors newer than now_ms - max_age_ms up to the first older
 * one (a branch ref's "min-snapshots-to-keep"/"max-snapshot-age-ms" win
 * for its walk); and every snapshot newer than now_ms - max_age_ms.
 * Expires the rest (Iceberg Java's rule, keeping a little more: see
 * iceberg_expire.c). The table properties
 * history.expire.max-snapshot-age-ms and
 * history.expire.min-snapshots-to-keep override max_age_ms and min_keep
 * when set. min_keep below 1 counts as 1. ICP_ERR_INVALID for a negative
 * max_age_ms or an unreadable property (named), ICP_ERR_NOMEM. */
typedef struct icp_ice_expiry_plan {
	int64_t *expire;            /* ids to expire, in "snapshots" order; owned */
	size_t n_expire;
	size_t n_keep;              /* snapshots that stay */
	int64_t max_age_ms;         /* what was applied (after properties) */
	int min_keep;
} icp_ice_expiry_plan;

int icp_ice_expire_plan(const icp_ice_metadata *m, int64_t now_ms, int64_t max_age_ms,
                        int min_keep, icp_ice_expiry_plan *out, icp_error *err);
void icp_ice_expiry_plan_dispose(icp_ice_expiry_plan *p);

/* Appends the commit as a REST CommitTableRequest body
 * ({"requirements":[...],"updates":[...]}). Spec updates: add-spec with
 * the spec as given, then set-default-spec with spec-id -1 ("the spec
 * added by this commit", REST spec) or default_spec_id without add_spec.
 * Sort orders likewise: assert-default-sort-order-id, add-sort-order (the
 * order as given), set-default-sort-order with sort-order-id -1 or
 * default_sort_order_id. */
int icp_ice_commit_to_rest_json(const icp_ice_commit *c, icp_buf *out);

/* ------------------------------------------------------------ manifests
 *
 * Manifests and manifest lists are Avro OCF (deflate) per the v2 spec.
 * A manifest holds files of one partition spec; its data_file.partition
 * record (102) has one optional field per partition field (field id =
 * the partition field id, Avro type of the result type: see
 * iceberg_partition.c). Written bytes are appended to the caller's
 * icp_buf. Readers decode into caller-owned arenas: everything returned
 * lives until the arena is freed/reset. */

/* A new data file for a manifest. metrics may be NULL (no column stats).
 * partition: the file's partition tuple, one value per field of the
 * manifest's spec in spec order (nulls allowed; borrowed for the call);
 * NULL for an unpartitioned spec. */
typedef struct icp_ice_data_file {
	const char *path;           /* URL */
	uint64_t file_size;
	uint64_t record_count;
	const icp_parquet_file_metrics *metrics;
	const icp_pspec_value *partition;
	/* sort_order_id (140): written only when has_sort_order is 1, else
	 * null, so that a zero-initialised file stays "unknown order" (0 would
	 * claim the unsorted order 0). */
	int has_sort_order;
	int32_t sort_order_id;
} icp_ice_data_file;

/* Summary of one partition field over a manifest's files (manifest list
 * field_summary 508). Bounds are Appendix D serialized values of the
 * smallest and largest non-null, non-NaN value. */
typedef struct icp_ice_field_summary {
	int contains_null;
	int contains_nan;           /* 0/1; -1: unknown (null in the file) */
	int has_bounds;             /* 0: no bounds (all null/NaN): both null */
	icp_slice lower, upper;
} icp_ice_field_summary;

/* What a manifest write returns. partitions (one per spec field, bounds
 * inside the same allocation) is owned by the info: release it with
 * icp_ice_manifest_info_dispose (not needed when n_partitions is 0). */
typedef struct icp_ice_manifest_info {
	uint64_t length;            /* bytes appended to out */
	int32_t added_files;
	int64_t added_rows;
	int32_t partition_spec_id;
	icp_ice_field_summary *partitions;
	size_t n_partitions;
} icp_ice_manifest_info;

void icp_ice_manifest_info_dispose(icp_ice_manifest_info *info);

/* A manifest written by this snapshot, for the manifest list. (Its
 * partition data is a separate struct, icp_ice_manifest_parts, because
 * callers initialise this one positionally and -Wextra refuses a shorter
 * list.) */
typedef struct icp_ice_manifest_file {
	const char *path;           /* URL */
	int64_t length;             /* bytes */
	int32_t added_files;
	int64_t added_rows;
} icp_ice_manifest_file;

/* The partition side of a new manifest: its spec id and one summary per
 * field of that spec (borrowed for the call; none when unpartitioned). */
typedef struct icp_ice_manifest_parts {
	int32_t partition_spec_id;
	const icp_ice_field_summary *partitions;
	size_t n_partitions;
} icp_ice_manifest_parts;

/* The list entries of a manifest just written (borrowing path and info's
 * summaries). */
icp_ice_manifest_file icp_ice_manifest_file_of(const char *path,
                                               const icp_ice_manifest_info *info);
icp_ice_manifest_parts icp_ice_manifest_parts_of(const icp_ice_manifest_info *info);

/* Writes a v2 data manifest: one ADDED entry per file, snapshot_id set,
 * sequence numbers null (inherited), metrics from each file's metrics.
 * Unpartitioned (spec 0 without fields). info may be NULL. ICP_ERR_INVALID
 * (no files, NULL path), or the writer's errors. */
int icp_ice_manifest_write(const icp_ice_schema *schema, int64_t snapshot_id,
                           const icp_ice_data_file *files, size_t n, icp_buf *out,
                           icp_ice_manifest_info *info, icp_error *err);
/* The same for a bound spec (NULL: unpartitioned spec 0): file metadata
 * "partition-spec" = the spec's fields JSON, "partition-spec-id" = its id;
 * each file's partition tuple is written and summarised into info
 * (info->partitions, to dispose; info is overwritten, so dispose an
 * earlier result held in it first). ICP_ERR_INVALID for a spec that is not
 * bound, a file without its tuple, a value whose kind does not fit its
 * field's result type, a partition field name that is empty;
 * ICP_ERR_UNSUPPORTED for an unknown transform or a void field whose
 * source column is gone. Partition field names that are not valid Avro
 * names are escaped as Iceberg Java does (see iceberg_partition.c). */
int icp_ice_manifest_write_spec(const icp_ice_schema *schema, const icp_pspec *spec,
                                int64_t snapshot_id, const icp_ice_data_file *files,
                                size_t n, icp_buf *out, icp_ice_manifest_info *info,
                                icp_error *err);

/* Writes a v2 manifest list: the new manifests first (sequence number and
 * min sequence number = sequence_number, added by snapshot_id; spec 0
 * without summaries), then every
 * entry of parent_list (the parent snapshot's manifest list bytes, v1 or
 * v2; empty slice when there is no parent) re-encoded unchanged (v1 lists:
 * sequence numbers 0, content 0). parent_id -1: none ("null" in the file
 * metadata). ICP_ERR_CORRUPT for a malformed parent list,
 * ICP_ERR_UNSUPPORTED for a parent entry with null file/row counts. */
int icp_ice_manifest_list_write(int64_t snapshot_id, int64_t parent_id,
                                int64_t sequence_number,
                                const icp_ice_manifest_file *new_manifests, size_t n_new,
                                icp_slice parent_list, icp_buf *out, icp_error *err);
/* The same with the partition data of the new manifests: parts[i] for
 * new_manifests[i] (parts NULL: all unpartitioned, spec 0). */
int icp_ice_manifest_list_write_spec(int64_t snapshot_id, int64_t parent_id,
                                     int64_t sequence_number,
                                     const icp_ice_manifest_file *new_manifests,
                                     const icp_ice_manifest_parts *parts, size_t n_new,
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
	/* partitions (507) as read; NULL/0 when null or empty. Bounds point
	 * into the arena. */
	const icp_ice_field_summary *partitions;
	size_t n_partitions;
} icp_ice_manifest_ref;

/* Reads every entry of a manifest list into arena a (*out: n entries). */
int icp_ice_manifest_list_read(icp_slice bytes, icp_arena *a, icp_ice_manifest_ref **out,
                               size_t *n, icp_error *err);

/* One value of a data file's partition tuple as read from a manifest:
 * the partition field id, and the value in Appendix D single-value form
 * (decimals minimal two's complement, floats 4 bytes, dates 4, ...),
 * whatever Avro type the writer used; readable with
 * icp_pspec_value_deserialize given the field's result type. */
typedef struct icp_ice_partition_value {
	int32_t field_id;
	int is_null;
	icp_slice value;            /* empty when null; in the arena */
} icp_ice_partition_value;

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
	/* the partition tuple, in the order of the manifest's partition
	 * record; NULL/0 for unpartitioned manifests */
	const icp_ice_partition_value *partition;
	size_t n_partition;
	int32_t sort_order_id;      /* data_file.sort_order_id; -1: null/absent */
} icp_ice_manifest_entry;

/* Reads every entry of a manifest (v1 or v2, any partition spec) into
 * arena a. ICP_ERR_UNSUPPORTED for a partition field of a non-primitive
 * Avro type. */
int icp_ice_manifest_read(icp_slice bytes, icp_arena *a, icp_ice_manifest_entry **out,
                          size_t *n, icp_error *err);

/* ------------------------------------------------------ manifest merging
 *
 * A merge-append (Iceberg's commit.manifest.* properties) rewrites several
 * data manifests of one partition spec into one (iceberg_merge.c); a
 * replace (compaction) rewrites them marking the files it removes. */

/* One manifest to merge: its bytes and the values of its manifest-list
 * entry that its entries inherit when theirs are null (the spec's
 * "Sequence Number Inheritance"). */
typedef struct icp_ice_merge_input {
	icp_slice bytes;
	int64_t added_snapshot_id;
	int64_t sequence_number;
} icp_ice_merge_input;

/* A manifest written by this snapshot as its manifest-list entry sees it:
 * info (length, files and rows added by this snapshot, spec id, partition
 * summaries), the existing files and rows, and the smallest data sequence
 * number of its entries (-1: the snapshot's own). */
typedef struct icp_ice_merged_info {
	icp_ice_manifest_info info;
	int32_t existing_files;
	int64_t existing_rows;
	int64_t min_sequence_number;
	int32_t deleted_files;      /* entries written DELETED (a rewrite) */
	int64_t deleted_rows;
} icp_ice_merged_info;

/* Writes into out one v2 data manifest of spec (NULL: unpartitioned; the
 * schema is the table's, for the file metadata) holding every live entry
 * of in[0..n) (all data manifests of that spec, v1 or v2, any writer):
 * entries that this snapshot (snapshot_id) added stay ADDED with their
 * sequence numbers null (inherited from the new list entry, whose sequence
 * number is sequence_number); every other live entry becomes EXISTING
 * with explicit snapshot_id, sequence_number and file_sequence_number
 * (inherited values resolved from its input; 0 for a v1 manifest);
 * DELETED entries are dropped. data_file is copied field by field (matched
 * by field id) into the v2 schema, so every field v2 has keeps its value;
 * the partition tuple is re-encoded in the spec's Avro types. res is
 * filled (dispose res->info). ICP_ERR_INVALID (no inputs, a delete
 * manifest, a tuple without a field of spec), ICP_ERR_CORRUPT, ICP_ERR_
 * UNSUPPORTED (a value that does not fit the v2 type) or the writer's. */
int icp_ice_manifest_merge(const icp_ice_schema *schema, const icp_pspec *spec,
                           int64_t snapshot_id, int64_t sequence_number,
                           const icp_ice_merge_input *in, size_t n, icp_buf *out,
                           icp_ice_merged_info *res, icp_error *err);

/* icp_ice_manifest_merge, except that the live entries whose data file
 * path is one of deleted[0..n_deleted) (sorted by strcmp; borrowed) are
 * written DELETED by snapshot_id (status 2, sequence numbers resolved and
 * explicit) and counted in res->deleted_files/deleted_rows: the manifests
 * of a replace snapshot (compaction). A manifest whose entries are all
 * deleted is still written (it records the deletes). */
int icp_ice_manifest_rewrite(const icp_ice_schema *schema, const icp_pspec *spec,
                             int64_t snapshot_id, int64_t sequence_number,
                             const icp_ice_merge_input *in, size_t n,
                             const char *const *deleted, size_t n_deleted, icp_buf *out,
                             icp_ice_merged_info *res, icp_error *err);

/* A data file's partition tuple as a manifest stores it (pv[0..n), any
 * order, matched by field id) in spec's field order and result types (a
 * day as ICP_ICE_DATE; an int stored as an Avro long narrowed), for
 * icp_ice_data_file.partition and icp_pspec_tuple_key. *out (NULL for an
 * unpartitioned spec) and its bytes live in arena a. ICP_ERR_INVALID when
 * a field of spec is missing, ICP_ERR_CORRUPT/UNSUPPORTED for a value that
 * does not fit its type, ICP_ERR_NOMEM. */
int icp_ice_partition_tuple(const icp_pspec *spec, const icp_ice_partition_value *pv, size_t n,
                            icp_arena *a, icp_pspec_value **out, icp_error *err);

/* A manifest of the new list that this snapshot wrote: path and entry. */
typedef struct icp_ice_list_manifest {
	const char *path;
	const icp_ice_merged_info *m;
} icp_ice_list_manifest;

/* A v2 manifest list: written[0..n) first (sequence number and added
 * snapshot this snapshot's), then the entries of parent_list whose path
 * is not one of drop[0..n_drop) (the merged ones), re-encoded as
 * icp_ice_manifest_list_write does. */
int icp_ice_manifest_list_write_merged(int64_t snapshot_id, int64_t parent_id,
                                       int64_t sequence_number,
                                       const icp_ice_list_manifest *written, size_t n,
                                       icp_slice parent_list, const char *const *drop,
                                       size_t n_drop, icp_buf *out, icp_error *err);

/* A random v4 UUID in canonical text form (37 bytes with NUL). */
void icp_ice_uuid(char out[37]);
/* A positive random 63-bit snapshot id. */
int64_t icp_ice_snapshot_id(void);

#endif
