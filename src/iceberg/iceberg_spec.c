/*
 * Partition specs of table metadata: parsing "partition-specs" (v1's
 * "partition-spec" too), "default-spec-id" and "last-partition-id", and
 * the accessors.
 *
 * A spec must parse (ICP_ERR_CORRUPT naming its JSON path otherwise: we
 * would write wrong manifests with it) but need not bind: a table may
 * keep old specs on columns that were dropped since, or with transforms
 * newer than this processor. Binding is tried once against the current
 * schema; icp_ice_metadata_spec() reports the binding error of a spec
 * that failed, only when someone asks to write with it.
 */
#include "iceberg/iceberg_int.h"

#include <stdio.h>

int32_t icp_ice_spec_max_field_id(const icp_pspec *spec)
{
	int32_t m = 0;

	for (size_t i = 0; spec && i < spec->n_fields; i++)
		if (spec->fields[i].field_id > m)
			m = spec->fields[i].field_id;
	return m;
}

static int add_spec(icp_ice_metadata *m, icp_pspec *s, icp_error *err)
{
	icp_error e2;

	for (size_t i = 0; i < m->n_specs; i++)
		if (m->specs[i]->spec_id == s->spec_id) {
			icp_pspec_free(s);
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg metadata: partition spec id %d appears twice",
			                     (int)m->specs[i]->spec_id);
		}
	m->specs[m->n_specs] = s;
	icp_error_init(&e2);
	m->spec_bound[m->n_specs] = icp_pspec_bind(s, m->schema, &e2) == ICP_OK;
	if (e2.status == ICP_ERR_NOMEM)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
	if (s->spec_id > m->max_spec_id)
		m->max_spec_id = s->spec_id;
	m->n_specs++;
	return ICP_OK;
}

static int parse_one(icp_ice_metadata *m, const icp_json *node, const char *path,
                     icp_error *err)
{
	icp_pspec *s = NULL;
	int rc = icp_pspec_from_json(node, path, &s, err);

	if (rc != ICP_OK) {
		icp_error_prefix(err, "iceberg metadata");
		return rc;
	}
	if (s->spec_id < 0) {
		icp_pspec_free(s);
		return icp_error_set(err, ICP_ERR_CORRUPT, "iceberg metadata: %s has a negative spec-id",
		                     path);
	}
	return add_spec(m, s, err);
}

int icp_ice_specs_parse(icp_ice_metadata *m, icp_error *err)
{
	const icp_json *r = m->root;
	const icp_json *specs = icp_json_get(r, "partition-specs");
	const icp_json *v1 = icp_json_get(r, "partition-spec");
	size_t n = 1;
	int64_t v;
	int rc;

	if (specs && (specs->type != ICP_JSON_ARRAY || specs->u.arr.n == 0))
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "iceberg metadata: \"partition-specs\" is not a non-empty array");
	if (specs)
		n = specs->u.arr.n;
	m->specs = icp_calloc(n, sizeof(*m->specs));
	m->spec_bound = icp_calloc(n, sizeof(*m->spec_bound));
	if (!m->specs || !m->spec_bound)
		return icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
	m->max_spec_id = -1;
	if (specs) {
		for (size_t i = 0; i < n; i++) {
			char path[48];
			snprintf(path, sizeof(path), "partition-specs.%zu", i);
			if ((rc = parse_one(m, &specs->u.arr.items[i], path, err)) != ICP_OK)
				return rc;
		}
	} else if (v1) {
		/* v1 wrote the default spec's fields only; its id is 0 */
		if ((rc = parse_one(m, v1, "partition-spec", err)) != ICP_OK)
			return rc;
	} else {
		icp_pspec *s = NULL;
		if ((rc = icp_pspec_build(m->schema, NULL, 0, 0, 999, &s, err)) != ICP_OK)
			return rc;
		if ((rc = add_spec(m, s, err)) != ICP_OK)
			return rc;
	}
	m->default_spec_id = m->specs[0]->spec_id;
	if (icp_json_get(r, "default-spec-id")) {
		if (icp_json_as_int64(icp_json_get(r, "default-spec-id"), &v) != ICP_OK || v < 0 ||
		    v > INT32_MAX)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg metadata: \"default-spec-id\" is not a valid id");
		m->default_spec_id = (int32_t)v;
	}
	{
		int found = 0;
		for (size_t i = 0; i < m->n_specs; i++)
			found |= m->specs[i]->spec_id == m->default_spec_id;
		if (!found)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg metadata: default-spec-id %d is not in "
			                     "\"partition-specs\"",
			                     (int)m->default_spec_id);
	}
	m->last_partition_id = 999;
	for (size_t i = 0; i < m->n_specs; i++)
		if (icp_ice_spec_max_field_id(m->specs[i]) > m->last_partition_id)
			m->last_partition_id = icp_ice_spec_max_field_id(m->specs[i]);
	if (icp_json_get(r, "last-partition-id")) {
		if (icp_json_as_int64(icp_json_get(r, "last-partition-id"), &v) != ICP_OK ||
		    v < 0 || v > INT32_MAX)
			return icp_error_set(err, ICP_ERR_CORRUPT,
			                     "iceberg metadata: \"last-partition-id\" is not a valid id");
		/* as written, even when lower than a field id: the requirement
		 * assert-last-assigned-partition-id compares with this value */
		m->last_partition_id = (int32_t)v;
	}
	return ICP_OK;
}

void icp_ice_specs_free(icp_ice_metadata *m)
{
	for (size_t i = 0; m->specs && i < m->n_specs; i++)
		icp_pspec_free(m->specs[i]);
	icp_free(m->specs);
	icp_free(m->spec_bound);
	m->specs = NULL;
	m->spec_bound = NULL;
	m->n_specs = 0;
}

int32_t icp_ice_metadata_default_spec_id(const icp_ice_metadata *m)
{
	return m->default_spec_id;
}

int32_t icp_ice_metadata_last_partition_id(const icp_ice_metadata *m)
{
	return m->last_partition_id;
}

const icp_pspec *const *icp_ice_metadata_specs(const icp_ice_metadata *m, size_t *n)
{
	*n = m->n_specs;
	return (const icp_pspec *const *)m->specs;
}

int icp_ice_metadata_spec(const icp_ice_metadata *m, int32_t spec_id, const icp_pspec **out,
                          icp_error *err)
{
	*out = NULL;
	for (size_t i = 0; i < m->n_specs; i++) {
		icp_pspec *copy;
		int rc;
		if (m->specs[i]->spec_id != spec_id)
			continue;
		if (m->spec_bound[i]) {
			*out = m->specs[i];
			return ICP_OK;
		}
		/* bind a copy again, for the message of why it does not bind */
		copy = icp_pspec_copy(m->specs[i]);
		if (!copy)
			return icp_error_set(err, ICP_ERR_NOMEM, "iceberg metadata: out of memory");
		rc = icp_pspec_bind(copy, m->schema, err);
		icp_pspec_free(copy);
		if (rc == ICP_OK) /* cannot happen: binding is deterministic */
			rc = icp_error_set(err, ICP_ERR_INVALID, "partition spec %d is not bound",
			                   (int)spec_id);
		icp_error_prefix(err, "iceberg metadata: partition spec %d", (int)spec_id);
		return rc;
	}
	return icp_error_set(err, ICP_ERR_NOT_FOUND, "iceberg metadata: no partition spec %d",
	                     (int)spec_id);
}
