/*
 * iceberg internals shared by the module's files: the parsed metadata
 * object and the JSON writers of schemas and snapshots that metadata
 * creation, metadata apply and the REST request body all use.
 */
#ifndef ICP_ICEBERG_INT_H
#define ICP_ICEBERG_INT_H

#include "avro/avro.h"
#include "iceberg/iceberg.h"
#include "json/json.h"
#include "pspec/pspec.h"

/* One parsed metadata file. Everything the accessors return lives in the
 * arena (the DOM) or in this struct. */
struct icp_ice_metadata {
	icp_arena *arena;           /* owns the DOM */
	const icp_json *root;
	char *file_location;        /* icp_malloc'd; may be NULL */
	int format_version;
	const char *uuid;           /* NULL when absent (v1) */
	const char *location;
	int64_t last_sequence;      /* 0 for v1 */
	int64_t last_updated_ms;
	int32_t last_column_id;
	int32_t current_schema_id;
	int32_t max_schema_id;
	int64_t main_snapshot;      /* -1: none */
	icp_ice_schema *schema;     /* current schema, owned */
	/* partition specs (iceberg_spec.c): owned, bound when spec_bound[i] */
	icp_pspec **specs;
	int *spec_bound;
	size_t n_specs;
	int32_t default_spec_id;
	int32_t last_partition_id;
	int32_t max_spec_id;
	/* sort orders (iceberg_sort.c): owned */
	icp_ice_sort_order *sort_orders;
	size_t n_sort_orders;
	int32_t default_sort_order_id;
	int32_t max_sort_order_id;
};

/* Parses "sort-orders" and "default-sort-order-id" of m->root.
 * ICP_ERR_CORRUPT naming the JSON path, ICP_ERR_NOMEM. Freed by
 * icp_ice_sort_orders_free. */
int icp_ice_sort_orders_parse(icp_ice_metadata *m, icp_error *err);
void icp_ice_sort_orders_free(icp_ice_metadata *m);
/* What a commit's sort-order updates do to base: *new_id = the id an
 * added order gets when it is new (-1: nothing to append, reused or none),
 * *def = default-sort-order-id afterwards. schema: the current schema
 * after the commit, which the added order's sources must be in. */
int icp_ice_sort_plan(const icp_ice_metadata *base, const icp_ice_commit *c,
                      const icp_ice_schema *schema, int32_t *new_id, int32_t *def,
                      icp_error *err);

/* Parses the specs of m->root (after the schemas). ICP_ERR_CORRUPT naming
 * the key, ICP_ERR_NOMEM. Freed by icp_ice_specs_free. */
int icp_ice_specs_parse(icp_ice_metadata *m, icp_error *err);
void icp_ice_specs_free(icp_ice_metadata *m);
/* Highest field id of a spec (0 when it has none). */
int32_t icp_ice_spec_max_field_id(const icp_pspec *spec);

/* Writes a type as spec JSON (a string for primitives). */
int icp_ice_write_type(icp_json_writer *w, const icp_ice_type *t);
/* Writes the schema object with the given schema id. */
int icp_ice_write_schema(icp_json_writer *w, const icp_ice_schema *s, int32_t schema_id);
/* Writes the commit's snapshot object (schema_id < 0: omitted). */
int icp_ice_write_snapshot(icp_json_writer *w, const icp_ice_commit *c, int32_t schema_id);
/* Highest id used anywhere inside t (0 when none). */
int32_t icp_ice_type_max_id(const icp_ice_type *t);

/* remove-snapshots (iceberg_expire.c): ICP_ERR_INVALID when a removed id
 * is main's snapshot (or the one this commit adds) or a ref's. */
int icp_ice_remove_check(const icp_ice_metadata *b, const icp_ice_commit *c, icp_error *err);
/* 1 when item (an object with "snapshot-id") is one the commit removes. */
int icp_ice_removed(const icp_ice_commit *c, const icp_json *item);
/* Writes the items of arr that the commit does not remove. */
void icp_ice_write_kept(icp_json_writer *w, const icp_ice_commit *c, const icp_json *arr);
/* Writes the snapshot-log items after the last removed one. */
void icp_ice_write_snapshot_log_kept(icp_json_writer *w, const icp_ice_commit *c,
                                     const icp_json *log);

/* Avro schemas of files others wrote are matched by Iceberg field id, not
 * by name (v1 and v2 name some fields differently). Returns the name of
 * the field with that "field-id" in a record schema node (an object with
 * "fields"), and its type node in *type (may be NULL); NULL when absent. */
const char *icp_ice_avro_field(const icp_json *record, int64_t id, const icp_json **type);
/* The record schema inside a field type: the type itself, or the non-null
 * branch of a union; NULL when it is not a record. */
const icp_json *icp_ice_avro_record(const icp_json *type);
/* An optional long/int of a datum: *out = value, or dflt when the name is
 * NULL or the value is null/absent. ICP_ERR_CORRUPT for another type. */
int icp_ice_avro_long(const icp_json *datum, const char *name, int64_t dflt, int64_t *out);

/* Starts a v2 data manifest for spec (NULL: unpartitioned) in out: its
 * Avro schema text (the spec's manifest_entry schema, left in avsc, which
 * must outlive nothing: the writer copies it) and file metadata; entries
 * are then written by the caller. Used by the manifest writer and by the
 * merge (iceberg_merge.c) so that both write the same schema. */
int icp_ice_manifest_open(const icp_ice_schema *schema, const icp_pspec *spec, icp_buf *out,
                          icp_buf *avsc, icp_avro_writer **w, icp_error *err);

/* ------------------------------------------ partition tuples (Avro side) */

/* Appends the data_file.partition record schema for spec (NULL or no
 * fields: the empty record r102). Checks that the spec can be written. */
int icp_ice_part_schema(const icp_pspec *spec, icp_buf *out, icp_error *err);
/* Checks each file's tuple against the spec (kinds, lengths). */
int icp_ice_part_check(const icp_pspec *spec, const icp_ice_data_file *files, size_t n,
                       icp_error *err);
/* Encodes one tuple (checked) as the partition record. */
void icp_ice_part_write(icp_avro_writer *w, const icp_pspec *spec, const icp_pspec_value *v);
/* Fills info->partitions with the summaries of the files' tuples. */
int icp_ice_part_summarize(const icp_pspec *spec, const icp_ice_data_file *files, size_t n,
                           icp_ice_manifest_info *info, icp_error *err);

/* The partition record of a manifest others wrote, resolved by field id. */
typedef struct icp_ice_part_field {
	int32_t field_id;
	const char *name;
	int avro;                   /* ICE_AVRO_* of iceberg_partition.c */
	int decimal;                /* logicalType decimal */
} icp_ice_part_field;

typedef struct icp_ice_part_layout {
	icp_ice_part_field *f;      /* in the arena given to _init */
	size_t n;
} icp_ice_part_layout;

/* Resolves the fields of the partition record type (NULL: none). */
int icp_ice_part_layout_init(const icp_json *type, icp_arena *a, icp_ice_part_layout *out,
                             icp_error *err);
/* Reads one datum's partition record into Appendix D values (arena). */
int icp_ice_part_read(const icp_ice_part_layout *l, const icp_json *rec, icp_arena *a,
                      const icp_ice_partition_value **out, icp_error *err);

#endif
