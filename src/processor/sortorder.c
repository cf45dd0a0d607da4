/*
 * Sort order of a mapped table: evolution of the table's default sort
 * order to mappings[].sort_by when the table is opened (after the schema
 * and the partition spec, so the columns exist), as its own commit; and
 * which order the rows written by this processor are sorted by.
 *
 * sort_by only says what the default order should be: empty or absent
 * keeps the table's order, whoever set it. Otherwise the wanted order is
 * the sort_by columns (top-level columns of the current schema, by name)
 * with the identity transform, ascending, nulls first. When the default
 * order has exactly those fields nothing is done; an order of the table
 * equal to it is made default by its id (REST catalogs on Iceberg Java
 * refuse set-default-sort-order -1 when add-sort-order only matched an
 * existing order); else the order is added (id max+1) and made default.
 * Old orders are kept: files already written keep the id they were
 * written with.
 *
 * The commit asserts the table uuid and the default sort order id; after
 * a conflict the table is reloaded and the decision made again (usually
 * another worker did the same: nothing left to do), at most
 * SORT_ATTEMPTS times.
 *
 * icp_sort_order_of() says which order id data files are tagged with: the
 * default order only when it is exactly the one sort_by asks for (so what
 * the files claim is what rows.c did); else 0 (the processor does not sort
 * by an order another engine chose).
 */
#include "processor/proc_int.h"
#include "log/log.h"

#include <stdio.h>

#define SORT_ATTEMPTS 5

/* "col, col" (identity, asc, nulls-first each) for the log. */
static void fields_text(const icp_config_mapping *m, icp_buf *out)
{
	size_t i;

	for (i = 0; i < m->sort_by.n; i++)
		icp_buf_printf(out, "%s%s", i ? ", " : "", m->sort_by.items[i]);
}

/* The order sort_by asks for against schema (fields into the caller's
 * array of m->sort_by.n). ICP_ERR_INVALID naming the missing column. */
static int wanted_order(const icp_config_mapping *m, const icp_ice_schema *schema,
                        icp_ice_sort_field *fields, icp_ice_sort_order *out, icp_error *err)
{
	static char identity[] = "identity";
	size_t i;

	for (i = 0; i < m->sort_by.n; i++) {
		const icp_ice_field *f = icp_ice_schema_find(schema, m->sort_by.items[i]);
		if (!f)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "table %s: mappings[topic=%s].sort_by: the table has no "
			                     "column %s",
			                     m->table, m->topic, m->sort_by.items[i]);
		fields[i].source_id = f->id;
		fields[i].transform = identity;
		fields[i].descending = 0;
		fields[i].nulls_last = 0;
	}
	out->order_id = 0;
	out->fields = fields;
	out->n_fields = m->sort_by.n;
	return ICP_OK;
}

int32_t icp_sort_order_of(const icp_table *t, const icp_ice_metadata *meta)
{
	const icp_config_mapping *m = t->map;
	const icp_ice_schema *schema = icp_ice_metadata_schema(meta);
	const icp_ice_sort_order *def;
	icp_ice_sort_field *fields;
	icp_ice_sort_order want;
	icp_error e;
	int32_t id = 0;

	if (!m->sort_by.n || !schema)
		return 0;
	def = icp_ice_metadata_sort_order(meta, icp_ice_metadata_default_sort_order_id(meta));
	if (!def || def->n_fields != m->sort_by.n)
		return 0;
	fields = icp_calloc(m->sort_by.n, sizeof(*fields));
	if (!fields)
		return 0; /* out of memory: files claim no order, which is never wrong */
	icp_error_init(&e);
	if (wanted_order(m, schema, fields, &want, &e) == ICP_OK &&
	    icp_ice_sort_order_equal(def, &want))
		id = def->order_id;
	icp_free(fields);
	return id;
}

/* One decision against *meta, committed. *done = 1 when the table needs
 * nothing (more) or was left alone; 0 after a conflict (reloaded). */
static int evolve_once(icp_processor *p, icp_table *t, icp_ice_metadata **meta,
                       icp_ice_sort_field *fields, int *done, icp_error *err)
{
	const icp_config_mapping *m = t->map;
	const icp_ice_schema *schema = icp_ice_metadata_schema(*meta);
	const icp_ice_sort_order *orders, *def;
	icp_ice_sort_order want;
	icp_ice_commit c;
	int32_t def_id = icp_ice_metadata_default_sort_order_id(*meta), max_id = 0;
	size_t n, i;
	long found = -1;
	int rc;

	*done = 1;
	if (!schema)
		return icp_error_set(err, ICP_ERR_CORRUPT, "table %s: no current schema", m->table);
	rc = wanted_order(m, schema, fields, &want, err);
	if (rc == ICP_ERR_INVALID && m->schema.source == ICP_SOURCE_REGISTRY &&
	    t->registry_gen == 0) {
		/* as for partition_by: the registry's columns are not in the
		 * table yet; the recheck after the registry answers comes back */
		ICP_WARN("sort_by names columns the table does not have yet; keeping its sort "
		         "order", "table", m->table, "error", err->msg);
		icp_error_clear(err);
		return ICP_OK;
	}
	if (rc != ICP_OK)
		return rc;
	def = icp_ice_metadata_sort_order(*meta, def_id);
	if (def && icp_ice_sort_order_equal(def, &want))
		return ICP_OK; /* already sorted that way */
	orders = icp_ice_metadata_sort_orders(*meta, &n);
	for (i = 0; i < n; i++) {
		if (orders[i].order_id > max_id)
			max_id = orders[i].order_id;
		if (found < 0 && icp_ice_sort_order_equal(&orders[i], &want))
			found = (long)i;
	}

	memset(&c, 0, sizeof(c));
	c.assert_uuid = icp_ice_metadata_uuid(*meta);
	c.assert_default_sort_order = 1;
	c.assert_default_sort_order_id = def_id;
	c.snapshot_schema_id = -1;
	c.main_snapshot_id = -1;
	c.set_default_sort_order = 1;
	if (found >= 0) {
		c.default_sort_order_id = orders[found].order_id;
	} else {
		want.order_id = max_id + 1; /* what the catalog assigns too */
		c.add_sort_order = &want;
	}
	rc = icp_evolve_commit(p, t, meta, &c, done, err);
	if (rc == ICP_OK && *done) {
		char from[16], to[16];
		icp_buf f;
		icp_buf_init(&f, 0);
		fields_text(m, &f);
		snprintf(from, sizeof(from), "%d", (int)def_id);
		snprintf(to, sizeof(to), "%d", (int)icp_ice_metadata_default_sort_order_id(*meta));
		ICP_INFO("sort order evolved", "table", m->table, "old_sort_order_id", from,
		         "new_sort_order_id", to, "fields", f.data ? (const char *)f.data : "");
		icp_buf_dispose(&f);
	}
	return rc;
}

int icp_evolve_sort_order(icp_processor *p, icp_table *t, icp_ice_metadata **meta,
                          icp_error *err)
{
	icp_ice_sort_field *fields;
	int attempt, done = 0, rc = ICP_OK;

	if (!t->map->sort_by.n)
		return ICP_OK; /* the table's order, whoever set it */
	fields = icp_calloc(t->map->sort_by.n, sizeof(*fields));
	if (!fields)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (attempt = 0; rc == ICP_OK && !done; attempt++) {
		if (attempt > SORT_ATTEMPTS) {
			rc = icp_error_set(err, ICP_ERR_CONFLICT,
			                   "table %s: sort order evolution still conflicting after "
			                   "%d attempts", t->map->table, SORT_ATTEMPTS);
			break;
		}
		rc = evolve_once(p, t, meta, fields, &done, err);
	}
	icp_free(fields);
	return rc;
}
