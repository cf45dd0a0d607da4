/*
 * The schema a mapping wants, in one place for the processor (new tables,
 * schema evolution, the extractor's required marks) and the config's
 * checks (partition_by, sort_by against the columns a table will have):
 *
 *   base columns 1..8 | timestamp_column (timestamptz) | mapping or
 *   registry columns | lfs_* metadata columns (lfs.store_metadata)
 *
 * The record-time column comes right after the base columns so that a
 * new table gives it id 9 whatever the other columns are; an existing
 * table that lacks it gets it appended by evolution (a fresh id), as any
 * new column.
 */
#include "columns/columns.h"

/* lfs.store_metadata: the envelope's columns of compatibility.md, after
 * the mapping's (optional: records that are not envelopes have none). */
static const struct {
	const char *name;
	icp_ice_kind kind;
} lfs_cols[] = {
	{"lfs_content_type", ICP_ICE_STRING}, {"lfs_blob_size", ICP_ICE_LONG},
	{"lfs_checksum", ICP_ICE_STRING},     {"lfs_checksum_alg", ICP_ICE_STRING},
	{"lfs_bucket", ICP_ICE_STRING},       {"lfs_key", ICP_ICE_STRING},
};

int icp_columns_is_lfs_name(const char *name)
{
	size_t i;
	for (i = 0; i < ICP_ARRAY_LEN(lfs_cols); i++)
		if (strcmp(name, lfs_cols[i].name) == 0)
			return 1;
	return 0;
}

int icp_columns_add_lfs(const icp_config_mapping *m, icp_ice_schema *s, icp_error *err)
{
	size_t i;
	if (!m->lfs.store_metadata)
		return ICP_OK; /* with mode off too: envelopes written as values still fill them */
	for (i = 0; i < ICP_ARRAY_LEN(lfs_cols); i++) {
		icp_ice_type t;
		if (icp_ice_schema_find(s, lfs_cols[i].name))
			continue; /* a mapping column of that name wins */
		memset(&t, 0, sizeof(t));
		t.kind = lfs_cols[i].kind;
		if (icp_ice_schema_add(s, s->highest_field_id + 1, lfs_cols[i].name, 0, &t) != ICP_OK)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
	return ICP_OK;
}

int icp_columns_mapping_schema(const icp_config_mapping *m, const icp_columns_def *defs,
                               size_t n, icp_ice_schema **out, icp_error *err)
{
	icp_columns_def *all = NULL;
	const char *ts = m->timestamp_column;
	size_t k = 0, i;
	int rc;

	*out = NULL;
	if (!ts || !*ts) {
		rc = icp_columns_schema(defs, n, out, err);
	} else {
		all = icp_calloc(n + 1, sizeof(*all));
		if (!all)
			return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		all[k].name = ts;
		all[k].type = "timestamptz";
		all[k++].required = 0;
		for (i = 0; i < n; i++)
			all[k++] = defs[i];
		rc = icp_columns_schema(all, k, out, err);
	}
	if (rc == ICP_OK)
		rc = icp_columns_add_lfs(m, *out, err);
	if (rc != ICP_OK) {
		icp_ice_schema_free(*out);
		*out = NULL;
	}
	icp_free(all);
	return rc;
}
