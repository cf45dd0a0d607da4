/*
 * Catalog front end: picks the backend by opts->type from a static table
 * and forwards every call to its vtable.
 */
#include "catalog/catalog_int.h"

#include <strings.h>

struct icp_catalog {
	const icp_catalog_vtable *vt;
	void *st;
};

static const struct catalog_backend {
	const char *type;
	icp_catalog_open_fn open;
	const icp_catalog_vtable *vt;
} backends[] = {
	{"sql", icp_catalog_sql_open, &icp_catalog_sql_vtable},
	{"rest", icp_catalog_rest_open, &icp_catalog_rest_vtable},
};

int icp_catalog_open(const icp_catalog_opts *opts, icp_catalog **out, icp_error *err)
{
	const struct catalog_backend *b = NULL;
	icp_catalog *c;
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; opts->type && i < ICP_ARRAY_LEN(backends); i++)
		if (strcasecmp(backends[i].type, opts->type) == 0)
			b = &backends[i];
	if (!b)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog type \"%s\" is unknown (expected sql or rest)",
		                     opts->type ? opts->type : "");
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	rc = b->open(opts, &c->st, err);
	if (rc != ICP_OK) {
		icp_free(c);
		return rc;
	}
	c->vt = b->vt;
	*out = c;
	return ICP_OK;
}

icp_catalog *icp_catalog_from_vtable(const icp_catalog_vtable *vt, void *st)
{
	icp_catalog *c = icp_calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->vt = vt;
	c->st = st;
	return c;
}

void icp_catalog_free(icp_catalog *c)
{
	if (!c)
		return;
	c->vt->close(c->st);
	icp_free(c);
}

void *icp_catalog_state(icp_catalog *c)
{
	return c->st;
}

int icp_catalog_create_namespace(icp_catalog *c, const char *ns, icp_error *err)
{
	return c->vt->create_namespace(c->st, ns, err);
}

int icp_catalog_load_table(icp_catalog *c, const char *ns, const char *name,
                           icp_ice_metadata **out, icp_error *err)
{
	*out = NULL;
	return c->vt->load_table(c->st, ns, name, out, err);
}

int icp_catalog_create_table(icp_catalog *c, const char *ns, const char *name,
                             const icp_ice_schema *schema, const char *location,
                             const char *const *props, icp_ice_metadata **out,
                             icp_error *err)
{
	*out = NULL;
	return c->vt->create_table(c->st, ns, name, schema, location, props, out, err);
}

int icp_catalog_commit_table(icp_catalog *c, const char *ns, const char *name,
                             const icp_ice_metadata *base, const icp_ice_commit *commit,
                             icp_ice_metadata **out, icp_error *err)
{
	*out = NULL;
	return c->vt->commit_table(c->st, ns, name, base, commit, out, err);
}

const char *icp_catalog_config(icp_catalog *c, const char *key)
{
	return c->vt->config_get ? c->vt->config_get(c->st, key) : NULL;
}
