/*
 * Commits: checking requirements and writing the next metadata version
 * (the SQL catalog's path), the REST CommitTableRequest body, and the
 * random ids a commit needs.
 *
 * The next version is the base DOM re-serialized member by member, in the
 * base's order, with only the keys this processor changes rewritten (see
 * the `hk_*` list); every other key, whatever engine wrote it, is copied
 * verbatim (numbers keep their digits). Keys that must exist afterwards but
 * were absent in the base (refs, snapshot-log, ...) are appended at the
 * end. When the base holds a key twice, only the last copy (the one a
 * lookup sees) is written.
 */
#include "iceberg/iceberg_int.h"

#include <errno.h>
#include <stdio.h>

/* ---------------------------------------------------------- random ids */

void icp_ice_uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	size_t o = 0;

	icp_random_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0xF];
	}
	out[o] = '\0';
}

int64_t icp_ice_snapshot_id(void)
{
	uint8_t b[8];
	int64_t v;

	do {
		icp_random_bytes(b, sizeof(b));
		v = (int64_t)(icp_load_be64(b) & (uint64_t)INT64_MAX);
	} while (v == 0);
	return v;
}

/* ------------------------------------------------------------ snapshot */

int icp_ice_write_snapshot(icp_json_writer *w, const icp_ice_commit *c, int32_t schema_id)
{
	int has_op = 0;

	for (size_t i = 0; i < c->n_summary; i++)
		if (c->summary[i].key && strcmp(c->summary[i].key, "operation") == 0)
			has_op = 1;
	icp_json_write_begin_object(w);
	icp_json_write_key(w, "snapshot-id");
	icp_json_write_int64(w, c->snapshot_id);
	if (c->parent_snapshot_id >= 0) {
		icp_json_write_key(w, "parent-snapshot-id");
		icp_json_write_int64(w, c->parent_snapshot_id);
	}
	icp_json_write_key(w, "sequence-number");
	icp_json_write_int64(w, c->sequence_number);
	icp_json_write_key(w, "timestamp-ms");
	icp_json_write_int64(w, c->timestamp_ms);
	icp_json_write_key(w, "manifest-list");
	icp_json_write_string(w, c->manifest_list ? c->manifest_list : "");
	icp_json_write_key(w, "summary");
	icp_json_write_begin_object(w);
	if (!has_op) { /* required by the spec; a fast append is an append */
		icp_json_write_key(w, "operation");
		icp_json_write_string(w, "append");
	}
	for (size_t i = 0; i < c->n_summary; i++) {
		if (!c->summary[i].key || !c->summary[i].value)
			continue;
		icp_json_write_key(w, c->summary[i].key);
		icp_json_write_string(w, c->summary[i].value);
	}
	icp_json_write_end_object(w);
	if (schema_id >= 0) {
		icp_json_write_key(w, "schema-id");
		icp_json_write_int64(w, schema_id);
	}
	return icp_json_write_end_object(w);
}

/* ----------------------------------------------------------- REST body */

int icp_ice_commit_to_rest_json(const icp_ice_commit *c, icp_buf *out)
{
	icp_json_writer w;

	if (!c || !out)
		return ICP_ERR_INVALID;
	icp_json_writer_init(&w, out, 0);
	icp_json_write_begin_object(&w);
	icp_json_write_key(&w, "requirements");
	icp_json_write_begin_array(&w);
	if (c->assert_uuid) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-table-uuid");
		icp_json_write_key(&w, "uuid");
		icp_json_write_string(&w, c->assert_uuid);
		icp_json_write_end_object(&w);
	}
	if (c->assert_main) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-ref-snapshot-id");
		icp_json_write_key(&w, "ref");
		icp_json_write_string(&w, "main");
		icp_json_write_key(&w, "snapshot-id");
		if (c->main_snapshot_id < 0)
			icp_json_write_null(&w); /* the ref must not exist */
		else
			icp_json_write_int64(&w, c->main_snapshot_id);
		icp_json_write_end_object(&w);
	}
	if (c->assert_schema) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-current-schema-id");
		icp_json_write_key(&w, "current-schema-id");
		icp_json_write_int64(&w, c->current_schema_id);
		icp_json_write_end_object(&w);
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-last-assigned-field-id");
		icp_json_write_key(&w, "last-assigned-field-id");
		icp_json_write_int64(&w, c->last_assigned_field_id);
		icp_json_write_end_object(&w);
	}
	if (c->assert_default_spec) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-default-spec-id");
		icp_json_write_key(&w, "default-spec-id");
		icp_json_write_int64(&w, c->assert_default_spec_id);
		icp_json_write_end_object(&w);
	}
	if (c->assert_last_partition) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-last-assigned-partition-id");
		icp_json_write_key(&w, "last-assigned-partition-id");
		icp_json_write_int64(&w, c->last_assigned_partition_id);
		icp_json_write_end_object(&w);
	}
	if (c->assert_default_sort_order) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "assert-default-sort-order-id");
		icp_json_write_key(&w, "default-sort-order-id");
		icp_json_write_int64(&w, c->assert_default_sort_order_id);
		icp_json_write_end_object(&w);
	}
	icp_json_write_end_array(&w);
	icp_json_write_key(&w, "updates");
	icp_json_write_begin_array(&w);
	if (c->add_schema) {
		int32_t last = icp_ice_type_max_id(&c->add_schema->root);
		if (c->add_schema->highest_field_id > last)
			last = c->add_schema->highest_field_id;
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "add-schema");
		icp_json_write_key(&w, "schema");
		icp_ice_write_schema(&w, c->add_schema, c->add_schema->schema_id);
		icp_json_write_key(&w, "last-column-id");
		icp_json_write_int64(&w, last);
		icp_json_write_end_object(&w);
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "set-current-schema");
		icp_json_write_key(&w, "schema-id");
		icp_json_write_int64(&w, -1); /* -1: the schema added just before */
		icp_json_write_end_object(&w);
	}
	/* specs after the schema (a spec may use a column added just before),
	 * before the snapshot (written with the new default spec) */
	if (c->add_spec) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "add-spec");
		icp_json_write_key(&w, "spec");
		icp_pspec_write_json(c->add_spec, &w);
		icp_json_write_end_object(&w);
	}
	if (c->set_default_spec) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "set-default-spec");
		icp_json_write_key(&w, "spec-id");
		/* -1: the spec added just before (REST spec) */
		icp_json_write_int64(&w, c->add_spec ? -1 : c->default_spec_id);
		icp_json_write_end_object(&w);
	}
	/* sort orders after the schema too (an order may use a new column) */
	if (c->add_sort_order) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "add-sort-order");
		icp_json_write_key(&w, "sort-order");
		icp_ice_sort_order_write_json(c->add_sort_order, c->add_sort_order->order_id, &w);
		icp_json_write_end_object(&w);
	}
	if (c->set_default_sort_order) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "set-default-sort-order");
		icp_json_write_key(&w, "sort-order-id");
		/* -1: the order added just before (REST spec) */
		icp_json_write_int64(&w, c->add_sort_order ? -1 : c->default_sort_order_id);
		icp_json_write_end_object(&w);
	}
	if (c->has_snapshot) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "add-snapshot");
		icp_json_write_key(&w, "snapshot");
		icp_ice_write_snapshot(&w, c, c->snapshot_schema_id);
		icp_json_write_end_object(&w);
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "set-snapshot-ref");
		icp_json_write_key(&w, "ref-name");
		icp_json_write_string(&w, "main");
		icp_json_write_key(&w, "type");
		icp_json_write_string(&w, "branch");
		icp_json_write_key(&w, "snapshot-id");
		icp_json_write_int64(&w, c->snapshot_id);
		icp_json_write_end_object(&w);
	}
	if (c->n_set_props) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "set-properties");
		icp_json_write_key(&w, "updates");
		icp_json_write_begin_object(&w);
		for (size_t i = 0; i < c->n_set_props; i++) {
			if (!c->set_props[i].key || !c->set_props[i].value)
				continue;
			icp_json_write_key(&w, c->set_props[i].key);
			icp_json_write_string(&w, c->set_props[i].value);
		}
		icp_json_write_end_object(&w);
		icp_json_write_end_object(&w);
	}
	if (c->n_remove_snapshots) {
		icp_json_write_begin_object(&w);
		icp_json_write_key(&w, "action");
		icp_json_write_string(&w, "remove-snapshots");
		icp_json_write_key(&w, "snapshot-ids");
		icp_json_write_begin_array(&w);
		for (size_t i = 0; i < c->n_remove_snapshots; i++)
			icp_json_write_int64(&w, c->remove_snapshot_ids[i]);
		icp_json_write_end_array(&w);
		icp_json_write_end_object(&w);
	}
	icp_json_write_end_array(&w);
	icp_json_write_end_object(&w);
	return icp_json_writer_finish(&w);
}
