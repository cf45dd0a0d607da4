/*
 * Partition spec of a mapped table: evolution to mappings[].partition_by
 * when the table is opened (after the schema's, so the record-time column
 * and the mapping's or registry's columns exist), as its own commit.
 *
 * Appends always use the table's current default spec, whoever made it.
 * partition_by only says what that default should be: absent keeps the
 * table's spec; [] is unpartitioned; otherwise, when it partitions
 * differently from the default, the wanted spec becomes the default. A
 * spec the table already has (equal with names) is made default by its id;
 * a new one is added with field ids reused from earlier specs (same source
 * and transform) or above last-partition-id. Old specs are kept: files
 * already written stay under the spec they were written with.
 *
 * The commit asserts the table uuid, the default spec id and
 * last-partition-id, so two workers evolving at once cannot both add a
 * spec with the same field ids; after a conflict the table is reloaded and
 * the decision made again (usually the other worker did the same: nothing
 * left to do).
 */
#include "processor/proc_int.h"
#include "log/log.h"
#include "pspec/pspec.h"

#include <stdio.h>

#define SPEC_ATTEMPTS 5

/* "name=transform, ..." for the log. */
static void fields_text(const icp_pspec *s, icp_buf *out)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++)
		icp_buf_printf(out, "%s%s=%s", i ? ", " : "", s->fields[i].name,
		               s->fields[i].transform_text);
	if (!s->n_fields)
		icp_buf_printf(out, "unpartitioned");
}

/* One decision against *meta, committed. *done = 1 when the table needs
 * nothing (more) or was left alone; 0 after a conflict (reloaded). */
static int evolve_once(icp_processor *p, icp_table *t, icp_ice_metadata **meta, int *done,
                       icp_error *err)
{
	const icp_config_mapping *m = t->map;
	const icp_ice_schema *schema = icp_ice_metadata_schema(*meta);
	const icp_pspec *const *specs;
	const icp_pspec *def = NULL;
	icp_pspec *want = NULL;
	icp_ice_commit c;
	icp_error e;
	int32_t def_id = icp_ice_metadata_default_spec_id(*meta);
	int32_t last = icp_ice_metadata_last_partition_id(*meta), max_id = -1;
	size_t n_specs, i;
	long found;
	int rc;

	*done = 1;
	if (!schema)
		return icp_error_set(err, ICP_ERR_CORRUPT, "table %s: no current schema", m->table);
	specs = icp_ice_metadata_specs(*meta, &n_specs);
	for (i = 0; i < n_specs; i++)
		if (specs[i]->spec_id > max_id)
			max_id = specs[i]->spec_id;
	rc = icp_pspec_build(schema, (const char *const *)m->partition_by.items, m->partition_by.n,
	                     max_id + 1, last, &want, err);
	if (rc == ICP_ERR_INVALID && m->schema.source == ICP_SOURCE_REGISTRY &&
	    t->registry_gen == 0) {
		/* The registry could not be reached, so its columns are not in
		 * the table yet: keep the spec until they are (the recheck after
		 * the registry answers evolves again). */
		ICP_WARN("partition_by names columns the table does not have yet; keeping its "
		         "partition spec", "table", m->table, "error", err->msg);
		icp_error_clear(err);
		return ICP_OK;
	}
	if (rc != ICP_OK) {
		icp_error_prefix(err, "table %s: mappings[topic=%s].partition_by", m->table, m->topic);
		return rc;
	}
	/* A default spec that does not bind (a column gone, an unknown
	 * transform) cannot be compared meaningfully; commit.c refuses to
	 * write with it and says why, so it is left alone here. */
	icp_error_init(&e);
	if (icp_ice_metadata_spec(*meta, def_id, &def, &e) != ICP_OK) {
		ICP_WARN("default partition spec unusable; not evolving it", "table", m->table,
		         "error", e.msg);
		goto out;
	}
	if (icp_pspec_equal(def, want, 0))
		goto out; /* same partitioning (names may differ): nothing to do */

	memset(&c, 0, sizeof(c));
	c.assert_uuid = icp_ice_metadata_uuid(*meta);
	c.assert_default_spec = 1;
	c.assert_default_spec_id = def_id;
	c.assert_last_partition = 1;
	c.last_assigned_partition_id = last;
	c.snapshot_schema_id = -1;
	c.main_snapshot_id = -1;
	c.set_default_spec = 1;
	found = icp_pspec_find(specs, n_specs, want);
	if (found >= 0) {
		/* Made default by id: REST catalogs on Iceberg Java refuse
		 * set-default-spec -1 when add-spec only matched a spec. */
		c.default_spec_id = specs[found]->spec_id;
	} else {
		rc = icp_pspec_assign_field_ids(want, specs, n_specs, &last, err);
		if (rc != ICP_OK) {
			icp_error_prefix(err, "table %s: mappings[topic=%s].partition_by", m->table,
			                 m->topic);
			goto out;
		}
		c.add_spec = want;
	}
	rc = icp_evolve_commit(p, t, meta, &c, done, err);
	if (rc == ICP_OK && *done) {
		char from[16], to[16];
		icp_buf f;
		icp_buf_init(&f, 0);
		fields_text(want, &f);
		snprintf(from, sizeof(from), "%d", (int)def_id);
		snprintf(to, sizeof(to), "%d", (int)icp_ice_metadata_default_spec_id(*meta));
		ICP_INFO("partition spec evolved", "table", m->table, "old_spec_id", from,
		         "new_spec_id", to, "fields", f.data ? (const char *)f.data : "");
		icp_buf_dispose(&f);
	}
out:
	icp_pspec_free(want);
	return rc;
}

int icp_evolve_spec(icp_processor *p, icp_table *t, icp_ice_metadata **meta, icp_error *err)
{
	int attempt, done = 0, rc = ICP_OK;

	if (!t->map->has_partition_by)
		return ICP_OK; /* absent: the table's spec, whoever set it */
	for (attempt = 0; rc == ICP_OK && !done; attempt++) {
		if (attempt > SPEC_ATTEMPTS)
			return icp_error_set(err, ICP_ERR_CONFLICT,
			                     "table %s: partition spec evolution still conflicting "
			                     "after %d attempts", t->map->table, SPEC_ATTEMPTS);
		rc = evolve_once(p, t, meta, &done, err);
	}
	return rc;
}
