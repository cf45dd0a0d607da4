/*
 * Table metadata files: parsing (format v1 and v2) into typed fields while
 * keeping the whole DOM, the accessors, and the metadata of a new table.
 *
 * Parsing reads what the processor needs and checks only that: the typed
 * fields below must be present and well-typed (ICP_ERR_CORRUPT naming the
 * key otherwise); everything else stays in the DOM untouched so that
 * icp_ice_metadata_apply() can carry it into the next version. Format
 * versions above 2 are ICP_ERR_UNSUPPORTED, as the spec asks of readers.
 */
#include "iceberg/iceberg_int.h"

static int md_corrupt(icp_error *err, const char *key, const char *what)
{
	return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg metadata: \"%s\" %s", key, what);
}

static int req_i64(const icp_json *root, const char *key, int64_t *out, icp_error *err)
{
	if (icp_json_as_int64(icp_json_get(root, key), out) != ICP_OK)
		return md_corrupt(err, key, "is missing or not an integer");
	return ICP_OK;
}

static int req_str(const icp_json *root, const char *key, const char **out, icp_error *err)
{
	if (icp_json_as_str(icp_json_get(root, key), out, NULL) != ICP_OK)
		return md_corrupt(err, key, "is missing or not a string");
	return ICP_OK;
}

/* A snapshot id that may be absent, null or -1 (all: none). */
static int opt_snapshot_id(const icp_json *node, int64_t *out)
{
	if (!node || node->type == ICP_JSON_NULL) {
		*out = -1;
		return ICP_OK;
	}
	if (icp_json_as_int64(node, out) != ICP_OK)
		return ICP_ERR_CORRUPT;
	if (*out < 0)
		*out = -1;
	return ICP_OK;
}

static int parse_schemas(icp_ice_metadata *m, icp_error *err)
{
	const icp_json *schemas = icp_json_get(m->root, "schemas");
	const icp_json *cur = NULL;
	int64_t v;

	if (schemas) {
		if (schemas->type != ICP_JSON_ARRAY || schemas->u.arr.n == 0)
			return md_corrupt(err, "schemas", "is not a non-empty array");
		if (req_i64(m->root, "current-schema-id", &v, err) != ICP_OK)
			return err->status;
		if (v < 0 || v > INT32_MAX)
			return md_corrupt(err, "current-schema-id", "is out of range");
		m->current_schema_id = (int32_t)v;
		m->max_schema_id = -1;
		for (size_t i = 0; i < schemas->u.arr.n; i++) {
			const icp_json *s = &schemas->u.arr.items[i];
			int64_t id;
			if (icp_json_as_int64(icp_json_get(s, "schema-id"), &id) != ICP_OK ||
			    id < 0 || id > INT32_MAX)
				return md_corrupt(err, "schemas", "holds a schema without a valid schema-id");
			if (id > m->max_schema_id)
				m->max_schema_id = (int32_t)id;
			if (id == v)
				cur = s;
		}
		if (!cur)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg metadata: current-schema-id %d is not in \"schemas\"",
			                     (int)m->current_schema_id);
	} else if (m->format_version == 1 && (cur = icp_json_get(m->root, "schema")) != NULL) {
		/* v1 wrote only the current schema; its id is 0 when absent */
		if (icp_json_as_int64(icp_json_get(cur, "schema-id"), &v) != ICP_OK)
			v = 0;
		m->current_schema_id = (int32_t)v;
		m->max_schema_id = (int32_t)v;
	} else {
		return md_corrupt(err, "schemas", "is missing");
	}
	if (icp_ice_schema_from_json(cur, &m->schema, err) != ICP_OK) {
		icp_error_prefix(err, "iceberg metadata: schema %d", (int)m->current_schema_id);
		return err->status;
	}
	m->schema->schema_id = m->current_schema_id;
	return ICP_OK;
}

static int parse_fields(icp_ice_metadata *m, icp_error *err)
{
	const icp_json *r = m->root, *main;
	int64_t v;

	if (r->type != ICP_JSON_OBJECT)
		return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg metadata: not a JSON object");
	if (req_i64(r, "format-version", &v, err) != ICP_OK)
		return err->status;
	if (v < 1 || v > 2)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "iceberg metadata: format-version %lld is not supported (1 and 2 are)",
		                     (long long)v);
	m->format_version = (int)v;
	if (icp_json_get(r, "table-uuid")) {
		if (req_str(r, "table-uuid", &m->uuid, err) != ICP_OK)
			return err->status;
	} else if (m->format_version >= 2) {
		return md_corrupt(err, "table-uuid", "is missing");
	}
	if (req_str(r, "location", &m->location, err) != ICP_OK)
		return err->status;
	if (m->format_version >= 2) {
		if (req_i64(r, "last-sequence-number", &m->last_sequence, err) != ICP_OK)
			return err->status;
	}
	if (req_i64(r, "last-updated-ms", &m->last_updated_ms, err) != ICP_OK ||
	    req_i64(r, "last-column-id", &v, err) != ICP_OK)
		return err->status;
	if (v < 0 || v > INT32_MAX)
		return md_corrupt(err, "last-column-id", "is out of range");
	m->last_column_id = (int32_t)v;
	if (parse_schemas(m, err) != ICP_OK || icp_ice_specs_parse(m, err) != ICP_OK ||
	    icp_ice_sort_orders_parse(m, err) != ICP_OK)
		return err->status;
	main = icp_json_get_path(r, "refs.main");
	if (main) {
		if (opt_snapshot_id(icp_json_get(main, "snapshot-id"), &m->main_snapshot) != ICP_OK)
			return md_corrupt(err, "refs.main.snapshot-id", "is not an integer");
	} else if (opt_snapshot_id(icp_json_get(r, "current-snapshot-id"), &m->main_snapshot) !=
	           ICP_OK) {
		return md_corrupt(err, "current-snapshot-id", "is not an integer");
	}
	return ICP_OK;
}

int icp_ice_metadata_parse(const char *json, size_t len, const char *location,
                           icp_ice_metadata **out, icp_error *err)
{
	icp_ice_metadata *m;
	icp_json *root = NULL;
	int rc = ICP_ERR_NOMEM;

	*out = NULL;
	m = icp_calloc(1, sizeof(*m));
	if (!m || !(m->arena = icp_arena_new(0)) ||
	    (location && !(m->file_location = icp_strdup(location)))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
		goto out;
	}
	m->main_snapshot = -1;
	rc = icp_json_parse(m->arena, json, len, NULL, &root, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "iceberg metadata %s", location ? location : "");
		goto out;
	}
	m->root = root;
	rc = parse_fields(m, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "%s", location ? location : "(metadata)");
		goto out;
	}
	*out = m;
	m = NULL;
out:
	icp_ice_metadata_free(m);
	return rc;
}

void icp_ice_metadata_free(icp_ice_metadata *m)
{
	if (!m)
		return;
	icp_ice_specs_free(m);
	icp_ice_sort_orders_free(m);
	icp_ice_schema_free(m->schema);
	icp_arena_free(m->arena);
	icp_free(m->file_location);
	icp_free(m);
}

int icp_ice_metadata_format_version(const icp_ice_metadata *m) { return m->format_version; }
const char *icp_ice_metadata_uuid(const icp_ice_metadata *m) { return m->uuid; }
const char *icp_ice_metadata_table_location(const icp_ice_metadata *m) { return m->location; }
const char *icp_ice_metadata_file_location(const icp_ice_metadata *m) { return m->file_location; }
int64_t icp_ice_metadata_last_sequence(const icp_ice_metadata *m) { return m->last_sequence; }
int32_t icp_ice_metadata_last_column_id(const icp_ice_metadata *m) { return m->last_column_id; }
const icp_ice_schema *icp_ice_metadata_schema(const icp_ice_metadata *m) { return m->schema; }
int64_t icp_ice_metadata_main_snapshot(const icp_ice_metadata *m) { return m->main_snapshot; }
const icp_json *icp_ice_metadata_json(const icp_ice_metadata *m) { return m->root; }
int32_t icp_ice_metadata_current_schema_id(const icp_ice_metadata *m)
{
	return m->current_schema_id;
}
int32_t icp_ice_metadata_max_schema_id(const icp_ice_metadata *m) { return m->max_schema_id; }

static const icp_json *find_snapshot(const icp_ice_metadata *m, int64_t id)
{
	const icp_json *snaps = icp_json_get(m->root, "snapshots");
	int64_t v;

	if (!snaps || snaps->type != ICP_JSON_ARRAY || id < 0)
		return NULL;
	for (size_t i = 0; i < snaps->u.arr.n; i++)
		if (icp_json_as_int64(icp_json_get(&snaps->u.arr.items[i], "snapshot-id"), &v) ==
		            ICP_OK &&
		    v == id)
			return &snaps->u.arr.items[i];
	return NULL;
}

int icp_ice_metadata_snapshot(const icp_ice_metadata *m, int64_t id, icp_ice_snapshot *out)
{
	const icp_json *s = find_snapshot(m, id);
	int64_t v;

	if (!s)
		return ICP_ERR_NOT_FOUND;
	memset(out, 0, sizeof(*out));
	out->snapshot_id = id;
	if (opt_snapshot_id(icp_json_get(s, "parent-snapshot-id"), &out->parent_id) != ICP_OK)
		out->parent_id = -1;
	if (icp_json_as_int64(icp_json_get(s, "sequence-number"), &out->sequence_number) != ICP_OK)
		out->sequence_number = 0; /* v1 snapshots have none: 0 per spec */
	if (icp_json_as_int64(icp_json_get(s, "timestamp-ms"), &out->timestamp_ms) != ICP_OK)
		out->timestamp_ms = 0;
	if (icp_json_as_str(icp_json_get(s, "manifest-list"), &out->manifest_list, NULL) != ICP_OK)
		out->manifest_list = NULL;
	out->schema_id = -1;
	if (icp_json_as_int64(icp_json_get(s, "schema-id"), &v) == ICP_OK && v >= 0 && v <= INT32_MAX)
		out->schema_id = (int32_t)v;
	return ICP_OK;
}

const char *icp_ice_metadata_summary(const icp_ice_metadata *m, int64_t snapshot_id,
                                     const char *key)
{
	const icp_json *s = find_snapshot(m, snapshot_id);
	const char *v;

	if (!s || icp_json_as_str(icp_json_get(icp_json_get(s, "summary"), key), &v, NULL) != ICP_OK)
		return NULL;
	return v;
}

const char *icp_ice_metadata_property(const icp_ice_metadata *m, const char *key)
{
	const char *v;

	if (icp_json_as_str(icp_json_get(icp_json_get(m->root, "properties"), key), &v, NULL) !=
	    ICP_OK)
		return NULL;
	return v;
}

/* -------------------------------------------------------------- create */

static int write_raw(icp_json_writer *w, const char *json)
{
	return icp_json_write_raw(w, json, strlen(json));
}

int icp_ice_metadata_create(const icp_ice_schema *schema, const char *location,
                            const char *const *props, icp_buf *out, icp_error *err)
{
	return icp_ice_metadata_create_spec(schema, NULL, location, props, out, err);
}

/* The spec as spec 0 (a new table's first spec), checked against schema. */
static int write_first_spec(icp_json_writer *w, const icp_ice_schema *schema,
                            const icp_pspec *spec, icp_error *err)
{
	icp_pspec *copy;
	int rc;

	if (!spec) {
		write_raw(w, "{\"spec-id\":0,\"fields\":[]}");
		return ICP_OK; /* the writer's status is checked at its end */
	}
	copy = icp_pspec_copy(spec);
	if (!copy)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg: out of memory");
	rc = icp_pspec_bind(copy, schema, err);
	if (rc == ICP_OK) {
		copy->spec_id = 0;
		icp_pspec_write_json(copy, w);
	} else {
		icp_error_prefix(err, "iceberg: new table's partition spec");
	}
	icp_pspec_free(copy);
	return rc;
}

int icp_ice_metadata_create_spec(const icp_ice_schema *schema, const icp_pspec *spec,
                                 const char *location, const char *const *props,
                                 icp_buf *out, icp_error *err)
{
	icp_json_writer w;
	char uuid[37];
	int32_t last_col, last_part;
	int rc;

	if (!schema || !location || !out)
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg: create needs a schema and a location");
	for (size_t i = 0; props && props[i]; i += 2)
		if (!props[i + 1])
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "iceberg: table property \"%s\" has no value", props[i]);
	icp_ice_uuid(uuid);
	last_col = icp_ice_type_max_id(&schema->root);
	if (schema->highest_field_id > last_col)
		last_col = schema->highest_field_id;

	icp_json_writer_init(&w, out, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "format-version");
	icp_json_write_int64(&w, 2);
	icp_json_write_key(&w, "table-uuid");
	icp_json_write_string(&w, uuid);
	icp_json_write_key(&w, "location");
	icp_json_write_string(&w, location);
	icp_json_write_key(&w, "last-sequence-number");
	icp_json_write_int64(&w, 0);
	icp_json_write_key(&w, "last-updated-ms");
	icp_json_write_int64(&w, icp_now_ms());
	icp_json_write_key(&w, "last-column-id");
	icp_json_write_int64(&w, last_col);
	icp_json_write_key(&w, "current-schema-id");
	icp_json_write_int64(&w, 0);
	icp_json_write_key(&w, "schemas");
	icp_json_write_begin_array(&w);
	icp_ice_write_schema(&w, schema, 0);
	icp_json_write_end_array(&w);
	icp_json_write_key(&w, "default-spec-id");
	icp_json_write_int64(&w, 0);
	icp_json_write_key(&w, "partition-specs");
	icp_json_write_begin_array(&w);
	rc = write_first_spec(&w, schema, spec, err);
	if (rc != ICP_OK)
		return rc;
	icp_json_write_end_array(&w);
	/* partition field ids start at 1000: 999 means none assigned yet */
	last_part = icp_ice_spec_max_field_id(spec);
	icp_json_write_key(&w, "last-partition-id");
	icp_json_write_int64(&w, last_part > 999 ? last_part : 999);
	icp_json_write_key(&w, "default-sort-order-id");
	icp_json_write_int64(&w, 0);
	icp_json_write_key(&w, "sort-orders");
	write_raw(&w, "[{\"order-id\":0,\"fields\":[]}]");
	icp_json_write_key(&w, "properties");
	icp_json_write_begin_object(&w);
	for (size_t i = 0; props && props[i]; i += 2) {
		icp_json_write_key(&w, props[i]);
		icp_json_write_string(&w, props[i + 1]);
	}
	icp_json_write_end_object(&w);
	/* optional in the spec; written as null (not -1) for "no snapshot" */
	icp_json_write_key(&w, "current-snapshot-id");
	icp_json_write_null(&w);
	icp_json_write_key(&w, "refs");
	write_raw(&w, "{}");
	icp_json_write_key(&w, "snapshots");
	write_raw(&w, "[]");
	icp_json_write_key(&w, "statistics");
	write_raw(&w, "[]");
	icp_json_write_key(&w, "partition-statistics");
	write_raw(&w, "[]");
	icp_json_write_key(&w, "snapshot-log");
	write_raw(&w, "[]");
	icp_json_write_key(&w, "metadata-log");
	write_raw(&w, "[]");
	icp_json_write_end_object(&w);
	rc = icp_json_writer_finish(&w);
	if (rc != ICP_OK)
		return icp_error_set(err, rc, "iceberg: cannot write new table metadata (%s)",
		                     icp_status_name(rc));
	return ICP_OK;
}
