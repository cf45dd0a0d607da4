/*
 * Rules on a mapping's table layout: mappings[].timestamp_column,
 * partition_by and sort_by. They need the columns the table will have,
 * so they run after the column checks (config_validate.c) and build the
 * schema exactly as the processor does (icp_columns_mapping_schema: base
 * columns, the timestamp column, mapping columns, lfs_* columns).
 *
 * With schema.source registry the columns are only known when the table
 * is opened: partition_by is checked for syntax only, sort_by for
 * duplicates only.
 *
 * Every message names the key path (mappings[i].partition_by[j]), the
 * value, the reason (src/pspec gives it for expressions) and the topic.
 */
#include "config/config_int.h"
#include "columns/columns.h"
#include "pspec/pspec.h"

#include <stdio.h>

static int check_timestamp_column(icp_cfg_ctx *c, const icp_config_mapping *m, size_t i,
                                  const icp_ice_schema *base)
{
	const char *ts = m->timestamp_column;
	size_t j;

	if (!*ts)
		return ICP_OK;
	if (icp_ice_schema_find(base, ts))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].timestamp_column \"%.200s\" clashes with a "
		                     "built-in column (topic %s)", i, ts, m->topic);
	for (j = 0; j < m->schema.n_columns; j++)
		if (strcmp(ts, m->schema.columns[j].name) == 0)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "mappings[%zu].timestamp_column \"%.200s\" clashes with "
			                     "mappings[%zu].schema.columns[%zu] (topic %s)",
			                     i, ts, i, j, m->topic);
	/* refused with or without lfs.store_metadata: turning it on later
	 * must not change what the column holds */
	if (icp_columns_is_lfs_name(ts))
		return icp_error_set(c->err, ICP_ERR_INVALID,
		                     "mappings[%zu].timestamp_column \"%.200s\" clashes with an LFS "
		                     "metadata column (lfs.store_metadata) (topic %s)",
		                     i, ts, m->topic);
	return ICP_OK;
}

static int is_nested(icp_ice_kind k)
{
	return k == ICP_ICE_STRUCT || k == ICP_ICE_LIST || k == ICP_ICE_MAP;
}

static int check_sort_by(icp_cfg_ctx *c, const icp_config_mapping *m, size_t i,
                         const icp_ice_schema *s)
{
	size_t j, k;

	for (j = 0; j < m->sort_by.n; j++) {
		const char *name = m->sort_by.items[j];
		const icp_ice_field *f;
		for (k = 0; k < j; k++)
			if (strcmp(name, m->sort_by.items[k]) == 0)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "mappings[%zu].sort_by[%zu] \"%.200s\" duplicates "
				                     "sort_by[%zu] (topic %s)", i, j, name, k, m->topic);
		if (!s)
			continue; /* registry: the columns are known at table open */
		f = icp_ice_schema_find(s, name);
		if (!f)
			return icp_error_set(c->err, ICP_ERR_INVALID,
			                     "mappings[%zu].sort_by[%zu] \"%.200s\" is not a column "
			                     "of the table (topic %s)", i, j, name, m->topic);
		if (is_nested(f->type->kind)) {
			icp_buf t;
			int rc;
			icp_buf_init(&t, 4096);
			icp_columns_type_text(f->type, &t);
			rc = icp_error_set(c->err, ICP_ERR_INVALID,
			                   "mappings[%zu].sort_by[%zu] \"%.200s\" is a %.200s column; "
			                   "sort_by takes top-level primitive columns (topic %s)",
			                   i, j, name,
			                   t.status == ICP_OK && t.data ? (const char *)t.data : "nested",
			                   m->topic);
			icp_buf_dispose(&t);
			return rc;
		}
	}
	return ICP_OK;
}

static int check_partition_by(icp_cfg_ctx *c, const icp_config_mapping *m, size_t i,
                              const icp_ice_schema *s)
{
	const char *const *items = (const char *const *)m->partition_by.items;
	icp_pspec *spec = NULL;
	icp_error e;
	size_t j;
	int rc;

	icp_error_init(&e);
	if (!s) {
		/* registry: syntax only */
		for (j = 0; j < m->partition_by.n; j++) {
			icp_pspec_expr x;
			if (icp_pspec_parse_expr(items[j], &x, &e) != ICP_OK)
				return icp_error_set(c->err, ICP_ERR_INVALID,
				                     "mappings[%zu].partition_by[%zu]: %s (topic %s)",
				                     i, j, e.msg, m->topic);
		}
		return ICP_OK;
	}
	rc = icp_pspec_build(s, items, m->partition_by.n, 0, 999, &spec, &e);
	icp_pspec_free(spec);
	if (rc == ICP_ERR_NOMEM)
		return icp_error_set(c->err, rc, "config: out of memory");
	if (rc != ICP_OK) /* e.msg: "partition_by[j]: partition expression ...: why" */
		return icp_error_set(c->err, ICP_ERR_INVALID, "mappings[%zu].%s (topic %s)", i,
		                     e.msg, m->topic);
	return ICP_OK;
}

int icp_cfg_check_layout(icp_cfg_ctx *c, icp_config_mapping *m, size_t i)
{
	icp_ice_schema *base = icp_ice_schema_base(), *s = NULL;
	icp_columns_def *defs = NULL;
	size_t n = 0;
	icp_error e;
	int rc;

	/* the loader leaves items NULL only when the key is absent (or null) */
	m->has_partition_by = m->partition_by.items != NULL;
	if (!base)
		return icp_error_set(c->err, ICP_ERR_NOMEM, "config: out of memory");
	if ((rc = check_timestamp_column(c, m, i, base)) != ICP_OK)
		goto out;
	if (m->schema.source != ICP_SOURCE_REGISTRY && m->schema.source != ICP_SOURCE_CONFLUENT &&
	    (m->has_partition_by || m->sort_by.n)) {
		icp_error_init(&e);
		rc = icp_columns_defs_from_mapping(m, &defs, &n, &e);
		if (rc == ICP_OK)
			rc = icp_columns_mapping_schema(m, defs, n, &s, &e);
		if (rc != ICP_OK) { /* the column checks ran first: only NOMEM is left */
			rc = icp_error_set(c->err, rc, "mappings[%zu]: %s", i, e.msg);
			goto out;
		}
	}
	if ((rc = check_partition_by(c, m, i, s)) != ICP_OK)
		goto out;
	rc = check_sort_by(c, m, i, s);
out:
	icp_ice_schema_free(s);
	icp_ice_schema_free(base);
	icp_free(defs);
	return rc;
}
