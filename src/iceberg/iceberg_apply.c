/*
 * icp_ice_metadata_apply: requirements, then the next metadata version.
 *
 * Output = the base document with these keys rewritten (everything else
 * copied as it was, in the base's order):
 *   last-sequence-number, last-updated-ms, current-snapshot-id, snapshots
 *   (+1), snapshot-log (+1), refs (main set; other refs kept, and main's
 *   other attributes such as retention kept), metadata-log (+ the base
 *   file, trimmed to write.metadata.previous-versions-max), schemas,
 *   current-schema-id, last-column-id (when a schema is added), properties
 *   (merged), partition-specs (+ an added spec), default-spec-id,
 *   last-partition-id, and only when the commit touches sort orders,
 *   sort-orders (+ an added order) and default-sort-order-id (so that a
 *   commit without them writes exactly what it wrote before they existed).
 * Removed snapshots (expiry) leave snapshots, snapshot-log, statistics and
 * partition-statistics (iceberg_expire.c).
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>
#include <stdlib.h>

enum {
	HK_LAST_SEQ,
	HK_UPDATED,
	HK_CUR_SNAP,
	HK_SNAPSHOTS,
	HK_SNAP_LOG,
	HK_REFS,
	HK_META_LOG,
	HK_SCHEMAS,
	HK_CUR_SCHEMA,
	HK_LAST_COL,
	HK_PROPS,
	HK_SPECS,
	HK_DEFAULT_SPEC,
	HK_LAST_PART,
	HK_SORT_ORDERS,
	HK_DEFAULT_SORT,
	HK__COUNT
};

static const char *const hk_names[HK__COUNT] = {
	"last-sequence-number", "last-updated-ms", "current-snapshot-id", "snapshots",
	"snapshot-log",         "refs",            "metadata-log",        "schemas",
	"current-schema-id",    "last-column-id",  "properties",          "partition-specs",
	"default-spec-id",      "last-partition-id",   "sort-orders",         "default-sort-order-id",
};

typedef struct apply_ctx {
	const icp_ice_metadata *base;
	const icp_ice_commit *c;
	int64_t now;
	int add_schema_entry;        /* 1: append c->add_schema to schemas */
	int32_t new_schema_id;       /* current schema id afterwards */
	int32_t last_col;
	int keep_versions;
	icp_pspec *new_spec;         /* owned: add_spec with its new id, to append */
	int32_t default_spec;        /* default-spec-id afterwards */
	int32_t last_part;           /* last-partition-id afterwards */
	int sort_touched;            /* 1: the commit adds or sets a sort order */
	int32_t new_sort_id;         /* id of add_sort_order to append; -1: none */
	int32_t default_sort;        /* default-sort-order-id afterwards */
} apply_ctx;

static const char *snap_str(int64_t id, char *buf, size_t cap)
{
	if (id < 0)
		return "none";
	snprintf(buf, cap, "%lld", (long long)id);
	return buf;
}

static int check_requirements(const apply_ctx *x, icp_error *err)
{
	const icp_ice_metadata *b = x->base;
	const icp_ice_commit *c = x->c;
	char e[24], a[24];

	if (c->assert_uuid && (!b->uuid || strcmp(c->assert_uuid, b->uuid) != 0))
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-table-uuid failed: expected %s, "
		                     "table has %s",
		                     c->assert_uuid, b->uuid ? b->uuid : "none");
	if (c->assert_main && b->main_snapshot != (c->main_snapshot_id < 0 ? -1 : c->main_snapshot_id))
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-ref-snapshot-id failed for ref "
		                     "main: expected %s, table has %s",
		                     snap_str(c->main_snapshot_id, e, sizeof(e)),
		                     snap_str(b->main_snapshot, a, sizeof(a)));
	if (c->assert_schema && b->current_schema_id != c->current_schema_id)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-current-schema-id failed: "
		                     "expected %d, table has %d",
		                     (int)c->current_schema_id, (int)b->current_schema_id);
	if (c->assert_schema && b->last_column_id != c->last_assigned_field_id)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-last-assigned-field-id failed: "
		                     "expected %d, table has %d",
		                     (int)c->last_assigned_field_id, (int)b->last_column_id);
	if (c->assert_default_spec && b->default_spec_id != c->assert_default_spec_id)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-default-spec-id failed: "
		                     "expected %d, table has %d",
		                     (int)c->assert_default_spec_id, (int)b->default_spec_id);
	if (c->assert_last_partition && b->last_partition_id != c->last_assigned_partition_id)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-last-assigned-partition-id "
		                     "failed: expected %d, table has %d",
		                     (int)c->last_assigned_partition_id, (int)b->last_partition_id);
	if (c->assert_default_sort_order &&
	    b->default_sort_order_id != c->assert_default_sort_order_id)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: requirement assert-default-sort-order-id failed: "
		                     "expected %d, table has %d",
		                     (int)c->assert_default_sort_order_id,
		                     (int)b->default_sort_order_id);
	return ICP_OK;
}

/* Decides what add_spec becomes (an existing equal spec, or a new entry
 * with id max+1), the default spec and last-partition-id. The spec must
 * bind to the schema that is current after this commit. */
static int plan_spec(apply_ctx *x, icp_error *err)
{
	const icp_ice_metadata *b = x->base;
	const icp_ice_commit *c = x->c;
	int32_t added = -1, m;
	icp_pspec *copy;
	long found;
	int rc;

	x->default_spec = b->default_spec_id;
	x->last_part = b->last_partition_id;
	if (c->add_spec) {
		copy = icp_pspec_copy(c->add_spec);
		if (!copy)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg commit: out of memory");
		rc = icp_pspec_bind(copy, c->add_schema ? c->add_schema : b->schema, err);
		if (rc != ICP_OK) {
			icp_pspec_free(copy);
			icp_error_prefix(err, "iceberg commit: add-spec");
			return rc;
		}
		/* a field id names one partition field across all specs (v2):
		 * reusing an id for another source or transform would make old
		 * manifests' values read as the new field's */
		for (size_t i = 0; i < copy->n_fields; i++)
			for (size_t k = 0; k < b->n_specs; k++)
				for (size_t j = 0; j < b->specs[k]->n_fields; j++) {
					const icp_pspec_field *o = &b->specs[k]->fields[j];
					const icp_pspec_field *f = &copy->fields[i];
					if (o->field_id != f->field_id ||
					    (o->source_id == f->source_id && o->transform_text &&
					     f->transform_text &&
					     strcmp(o->transform_text, f->transform_text) == 0))
						continue;
					rc = icp_error_set(err, ICP_ERR_INVALID,
					                   "iceberg commit: add-spec: field %s has field id "
					                   "%d, which spec %d gives to %s",
					                   f->name, (int)f->field_id,
					                   (int)b->specs[k]->spec_id, o->name);
					icp_pspec_free(copy);
					return rc;
				}
		found = icp_pspec_find((const icp_pspec *const *)b->specs, b->n_specs, copy);
		if (found >= 0) {
			added = b->specs[found]->spec_id;
			icp_pspec_free(copy);
		} else {
			added = copy->spec_id = b->max_spec_id + 1;
			x->new_spec = copy;
		}
		m = icp_ice_spec_max_field_id(c->add_spec);
		if (m > x->last_part)
			x->last_part = m;
	}
	if (!c->set_default_spec)
		return ICP_OK;
	if (c->add_spec) {
		x->default_spec = added;
		return ICP_OK;
	}
	for (size_t i = 0; i < b->n_specs; i++)
		if (b->specs[i]->spec_id == c->default_spec_id) {
			x->default_spec = c->default_spec_id;
			return ICP_OK;
		}
	return icp_error_set(err, ICP_ERR_INVALID,
	                     "iceberg commit: set-default-spec: the table has no partition spec %d",
	                     (int)c->default_spec_id);
}

static int check_snapshot(const apply_ctx *x, icp_error *err)
{
	const icp_ice_commit *c = x->c;
	icp_ice_snapshot s;

	if (!c->has_snapshot)
		return ICP_OK;
	if (c->snapshot_id <= 0 || !c->manifest_list)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "iceberg commit: a snapshot needs a positive id and a manifest list");
	if (icp_ice_metadata_snapshot(x->base, c->snapshot_id, &s) == ICP_OK)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: snapshot %lld already exists in the table",
		                     (long long)c->snapshot_id);
	if (c->sequence_number <= x->base->last_sequence)
		return icp_error_set(err, ICP_ERR_CONFLICT,
		                     "iceberg commit: snapshot sequence-number %lld is not above the "
		                     "table's last-sequence-number %lld",
		                     (long long)c->sequence_number, (long long)x->base->last_sequence);
	return ICP_OK;
}

/* Decides what add_schema becomes: an existing identical schema made
 * current, or a new entry with id max+1. */
static int plan_schema(apply_ctx *x, icp_error *err)
{
	const icp_json *schemas = icp_json_get(x->base->root, "schemas");
	const icp_ice_schema *add = x->c->add_schema;
	int32_t m;

	x->new_schema_id = x->base->current_schema_id;
	x->last_col = x->base->last_column_id;
	if (!add)
		return ICP_OK;
	m = icp_ice_type_max_id(&add->root);
	if (add->highest_field_id > m)
		m = add->highest_field_id;
	if (m > x->last_col)
		x->last_col = m;
	for (size_t i = 0; schemas && i < icp_json_len(schemas); i++) {
		icp_ice_schema *s = NULL;
		int same;
		icp_error e2;
		icp_error_init(&e2);
		if (icp_ice_schema_from_json(icp_json_at(schemas, i), &s, &e2) != ICP_OK) {
			if (e2.status == ICP_ERR_NOMEM)
				return icp_error_set(err, ICP_ERR_NOMEM, "iceberg commit: out of memory");
			continue; /* a schema we cannot read cannot be ours */
		}
		same = icp_ice_schema_equal(s, add);
		if (same)
			x->new_schema_id = s->schema_id;
		icp_ice_schema_free(s);
		if (same)
			return ICP_OK;
	}
	x->add_schema_entry = 1;
	x->new_schema_id = x->base->max_schema_id + 1;
	return ICP_OK;
}

static const char *new_prop(const icp_ice_commit *c, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < c->n_set_props; i++)
		if (c->set_props[i].key && c->set_props[i].value && strcmp(c->set_props[i].key, key) == 0)
			v = c->set_props[i].value;
	return v;
}

static int keep_versions(const apply_ctx *x)
{
	const char *v = new_prop(x->c, "write.metadata.previous-versions-max");
	char *end;
	long n;

	if (!v)
		v = icp_ice_metadata_property(x->base, "write.metadata.previous-versions-max");
	if (!v)
		return 100;
	n = strtol(v, &end, 10);
	if (end == v || *end)
		return 100; /* unreadable: the default, as other engines do */
	return n < 1 ? 1 : n > 1000000 ? 1000000 : (int)n;
}

static void write_items(icp_json_writer *w, const icp_json *arr, size_t from)
{
	for (size_t i = from; arr && arr->type == ICP_JSON_ARRAY && i < arr->u.arr.n; i++)
		icp_json_write_value(w, &arr->u.arr.items[i]);
}

static void write_refs(icp_json_writer *w, const apply_ctx *x, const icp_json *refs)
{
	const icp_json *main = icp_json_get(refs, "main");
	int done = 0;

	icp_json_write_begin_object(w);
	for (size_t i = 0; refs && refs->type == ICP_JSON_OBJECT && i < refs->u.obj.n; i++) {
		const icp_json_member *mb = &refs->u.obj.members[i];
		if (icp_json_get_n(refs, mb->key, mb->key_len) != &mb->value)
			continue; /* an earlier duplicate */
		icp_json_write_key_n(w, mb->key, mb->key_len);
		if (&mb->value != main) {
			icp_json_write_value(w, &mb->value);
			continue;
		}
		done = 1;
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "snapshot-id");
		icp_json_write_int64(w, x->c->snapshot_id);
		icp_json_write_key(w, "type");
		icp_json_write_string(w, "branch");
		for (size_t j = 0; main->type == ICP_JSON_OBJECT && j < main->u.obj.n; j++) {
			const icp_json_member *a = &main->u.obj.members[j];
			if (strcmp(a->key, "snapshot-id") == 0 || strcmp(a->key, "type") == 0 ||
			    icp_json_get_n(main, a->key, a->key_len) != &a->value)
				continue;
			icp_json_write_key_n(w, a->key, a->key_len);
			icp_json_write_value(w, &a->value);
		}
		icp_json_write_end_object(w);
	}
	if (!done) {
		icp_json_write_key(w, "main");
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "snapshot-id");
		icp_json_write_int64(w, x->c->snapshot_id);
		icp_json_write_key(w, "type");
		icp_json_write_string(w, "branch");
		icp_json_write_end_object(w);
	}
	icp_json_write_end_object(w);
}

static void write_props(icp_json_writer *w, const apply_ctx *x, const icp_json *props)
{
	const icp_ice_commit *c = x->c;

	icp_json_write_begin_object(w);
	for (size_t i = 0; props && props->type == ICP_JSON_OBJECT && i < props->u.obj.n; i++) {
		const icp_json_member *mb = &props->u.obj.members[i];
		const char *nv = new_prop(c, mb->key);
		if (icp_json_get_n(props, mb->key, mb->key_len) != &mb->value)
			continue;
		icp_json_write_key_n(w, mb->key, mb->key_len);
		if (nv)
			icp_json_write_string(w, nv);
		else
			icp_json_write_value(w, &mb->value);
	}
	for (size_t i = 0; i < c->n_set_props; i++) {
		const char *k = c->set_props[i].key;
		int later = 0;
		if (!k || !c->set_props[i].value || icp_json_get(props, k))
			continue;
		for (size_t j = i + 1; j < c->n_set_props; j++)
			if (c->set_props[j].key && strcmp(c->set_props[j].key, k) == 0)
				later = 1;
		if (later)
			continue; /* the last value of a repeated key wins */
		icp_json_write_key(w, k);
		icp_json_write_string(w, c->set_props[i].value);
	}
	icp_json_write_end_object(w);
}

static void write_meta_log(icp_json_writer *w, const apply_ctx *x, const icp_json *log)
{
	size_t n = log && log->type == ICP_JSON_ARRAY ? log->u.arr.n : 0;
	size_t add = x->base->file_location ? 1 : 0, keep = (size_t)x->keep_versions;
	size_t from = n + add > keep ? n + add - keep : 0;

	icp_json_write_begin_array(w);
	write_items(w, log, from);
	if (add) {
		icp_json_write_begin_object(w);
		icp_json_write_key(w, "timestamp-ms");
		icp_json_write_int64(w, x->base->last_updated_ms);
		icp_json_write_key(w, "metadata-file");
		icp_json_write_string(w, x->base->file_location);
		icp_json_write_end_object(w);
	}
	icp_json_write_end_array(w);
}

static void write_key_value(icp_json_writer *w, const apply_ctx *x, int hk, const icp_json *old)
{
	const icp_ice_commit *c = x->c;
	int snap = c->has_snapshot;

	switch (hk) {
	case HK_LAST_SEQ:
		icp_json_write_int64(w, snap && c->sequence_number > x->base->last_sequence
		                            ? c->sequence_number
		                            : x->base->last_sequence);
		return;
	case HK_UPDATED:
		icp_json_write_int64(w, x->now);
		return;
	case HK_CUR_SNAP:
		if (snap)
			icp_json_write_int64(w, c->snapshot_id);
		else if (old)
			icp_json_write_value(w, old);
		else
			icp_json_write_null(w);
		return;
	case HK_SNAPSHOTS:
		icp_json_write_begin_array(w);
		icp_ice_write_kept(w, c, old);
		if (snap)
			icp_ice_write_snapshot(w, c, c->add_schema ? x->new_schema_id
			                                           : c->snapshot_schema_id);
		icp_json_write_end_array(w);
		return;
	case HK_SNAP_LOG:
		icp_json_write_begin_array(w);
		icp_ice_write_snapshot_log_kept(w, c, old);
		if (snap) {
			icp_json_write_begin_object(w);
			icp_json_write_key(w, "timestamp-ms");
			icp_json_write_int64(w, c->timestamp_ms);
			icp_json_write_key(w, "snapshot-id");
			icp_json_write_int64(w, c->snapshot_id);
			icp_json_write_end_object(w);
		}
		icp_json_write_end_array(w);
		return;
	case HK_REFS:
		if (snap)
			write_refs(w, x, old);
		else if (old)
			icp_json_write_value(w, old);
		else
			icp_json_write_raw(w, "{}", 2);
		return;
	case HK_META_LOG:
		write_meta_log(w, x, old);
		return;
	case HK_SCHEMAS:
		icp_json_write_begin_array(w);
		write_items(w, old, 0);
		if (x->add_schema_entry)
			icp_ice_write_schema(w, c->add_schema, x->new_schema_id);
		icp_json_write_end_array(w);
		return;
	case HK_CUR_SCHEMA:
		icp_json_write_int64(w, x->new_schema_id);
		return;
	case HK_LAST_COL:
		icp_json_write_int64(w, x->last_col);
		return;
	case HK_PROPS:
		write_props(w, x, old);
		return;
	case HK_SPECS:
		icp_json_write_begin_array(w);
		if (old && old->type == ICP_JSON_ARRAY) {
			write_items(w, old, 0);
		} else { /* absent: the specs the base was read with */
			for (size_t i = 0; i < x->base->n_specs; i++)
				icp_pspec_write_json(x->base->specs[i], w);
		}
		if (x->new_spec)
			icp_pspec_write_json(x->new_spec, w);
		icp_json_write_end_array(w);
		return;
	case HK_DEFAULT_SPEC:
		icp_json_write_int64(w, x->default_spec);
		return;
	case HK_LAST_PART:
		icp_json_write_int64(w, x->last_part);
		return;
	case HK_SORT_ORDERS:
		icp_json_write_begin_array(w);
		if (old && old->type == ICP_JSON_ARRAY) {
			write_items(w, old, 0);
		} else { /* absent: the orders the base was read with */
			for (size_t i = 0; i < x->base->n_sort_orders; i++)
				icp_ice_sort_order_write_json(&x->base->sort_orders[i],
				                              x->base->sort_orders[i].order_id, w);
		}
		if (x->new_sort_id >= 0)
			icp_ice_sort_order_write_json(c->add_sort_order, x->new_sort_id, w);
		icp_json_write_end_array(w);
		return;
	case HK_DEFAULT_SORT:
		icp_json_write_int64(w, x->default_sort);
		return;
	}
}

int icp_ice_metadata_apply(const icp_ice_metadata *base, const icp_ice_commit *c,
                           icp_buf *out, icp_error *err)
{
	const icp_json *root;
	icp_json_writer w;
	apply_ctx x;
	int done[HK__COUNT] = {0};
	int rc;

	if (!base || !c || !out)
		return icp_error_set(err, ICP_ERR_INVALID, "iceberg commit: missing argument");
	if (base->format_version != 2)
		return icp_error_set(err, ICP_ERR_UNSUPPORTED,
		                     "iceberg commit: table %s is format v%d; this processor writes v2 "
		                     "tables only (upgrade the table to format-version 2 first)",
		                     base->location, base->format_version);
	memset(&x, 0, sizeof(x));
	x.base = base;
	x.c = c;
	if ((rc = check_requirements(&x, err)) != ICP_OK || (rc = check_snapshot(&x, err)) != ICP_OK ||
	    (rc = icp_ice_remove_check(base, c, err)) != ICP_OK ||
	    (rc = plan_schema(&x, err)) != ICP_OK || (rc = plan_spec(&x, err)) != ICP_OK)
		goto out;
	x.sort_touched = c->add_sort_order || c->set_default_sort_order;
	rc = icp_ice_sort_plan(base, c, c->add_schema ? c->add_schema : base->schema, &x.new_sort_id,
	                       &x.default_sort, err);
	if (rc != ICP_OK)
		goto out;
	x.keep_versions = keep_versions(&x);
	x.now = icp_now_ms();
	if (c->has_snapshot && c->timestamp_ms > x.now)
		x.now = c->timestamp_ms;
	if (base->last_updated_ms > x.now)
		x.now = base->last_updated_ms; /* never go back in time */

	root = base->root;
	icp_json_writer_init(&w, out, 0);
	icp_json_write_begin_object(&w);
	for (size_t i = 0; i < root->u.obj.n; i++) {
		const icp_json_member *mb = &root->u.obj.members[i];
		int hk = -1;
		if (icp_json_get_n(root, mb->key, mb->key_len) != &mb->value)
			continue;
		for (int k = 0; k < HK__COUNT; k++)
			if (strlen(hk_names[k]) == mb->key_len && strcmp(hk_names[k], mb->key) == 0)
				hk = k;
		if ((hk == HK_SORT_ORDERS || hk == HK_DEFAULT_SORT) && !x.sort_touched)
			hk = -1; /* untouched: copied as it was */
		icp_json_write_key_n(&w, mb->key, mb->key_len);
		if (hk < 0 && c->n_remove_snapshots && mb->value.type == ICP_JSON_ARRAY &&
		    (strcmp(mb->key, "statistics") == 0 ||
		     strcmp(mb->key, "partition-statistics") == 0)) {
			/* statistics of a removed snapshot would dangle (Java drops them) */
			icp_json_write_begin_array(&w);
			icp_ice_write_kept(&w, c, &mb->value);
			icp_json_write_end_array(&w);
			continue;
		}
		if (hk < 0) {
			icp_json_write_value(&w, &mb->value);
			continue;
		}
		done[hk] = 1;
		write_key_value(&w, &x, hk, &mb->value);
	}
	for (int k = 0; k < HK__COUNT; k++) {
		if (done[k] || ((k == HK_SORT_ORDERS || k == HK_DEFAULT_SORT) && !x.sort_touched))
			continue;
		icp_json_write_key(&w, hk_names[k]);
		write_key_value(&w, &x, k, NULL);
	}
	icp_json_write_end_object(&w);
	rc = icp_json_writer_finish(&w);
	if (rc != ICP_OK)
		icp_error_set(err, rc, "iceberg commit: cannot write the new metadata (%s)",
		              icp_status_name(rc));
out:
	icp_pspec_free(x.new_spec);
	return rc;
}
