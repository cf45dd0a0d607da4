/*
 * catalog: where Iceberg tables are found and committed. One interface,
 * backends as tables of function pointers: `sql` (SQLite, the tables of
 * Iceberg's JDBC catalog and PyIceberg's SQL catalog) and `rest` (the
 * Iceberg REST catalog protocol, docs/internals/rest-catalog.md).
 *
 * A table is loaded as its current metadata (icp_ice_metadata, parsed from
 * the metadata file the catalog points at). A commit sends an
 * icp_ice_commit (requirements + updates, the REST vocabulary) based on a
 * loaded table:
 *   ICP_OK            committed; *out holds the new metadata
 *   ICP_ERR_CONFLICT  a requirement failed or another writer committed
 *                     first: nothing changed; reload and decide again
 *   ICP_ERR_UNKNOWN   the outcome cannot be known (connection cut, 5xx
 *                     after sending): reload and look for the snapshot
 *   other errors      nothing changed
 * The processor never treats UNKNOWN as failure or success: it reloads and
 * checks whether its snapshot is on main (docs/internals/commit-protocol.md).
 *
 * Namespaces are dotted ("prod", "a.b"); created when missing (idempotent).
 * Ownership: metadata returned through *out is the caller's to free with
 * icp_ice_metadata_free().
 */
#ifndef ICP_CATALOG_H
#define ICP_CATALOG_H

#include "core/core.h"
#include "iceberg/iceberg.h"
#include "storage/storage.h"

typedef struct icp_catalog icp_catalog;

typedef struct icp_catalog_vtable {
	const char *type;
	int (*create_namespace)(void *st, const char *ns, icp_error *err);
	int (*load_table)(void *st, const char *ns, const char *name,
	                  icp_ice_metadata **out, icp_error *err);
	/* schema, location (URL) and NULL-terminated key/value props. */
	int (*create_table)(void *st, const char *ns, const char *name,
	                    const icp_ice_schema *schema, const char *location,
	                    const char *const *props, icp_ice_metadata **out,
	                    icp_error *err);
	int (*commit_table)(void *st, const char *ns, const char *name,
	                    const icp_ice_metadata *base, const icp_ice_commit *c,
	                    icp_ice_metadata **out, icp_error *err);
	void (*close)(void *st);
	/* Optional (NULL: none): a catalog-supplied property, see
	 * icp_catalog_config(). */
	const char *(*config_get)(void *st, const char *key);
} icp_catalog_vtable;

typedef struct icp_catalog_opts {
	const char *type;        /* "sql" or "rest" */
	const char *uri;         /* sqlite:///path/catalog.db or https://... */
	const char *name;        /* catalog name (JDBC catalog_name); "default" */
	const char *warehouse;   /* warehouse URL (file:///..., s3://...) */
	const char *token;       /* rest */
	const char *username;    /* rest: OAuth2 client id */
	const char *password;    /* rest: OAuth2 client secret */
	icp_storage *warehouse_store; /* borrowed: where metadata files live */
	/* rest only; NULL/0 = default */
	const char *oauth2_server_uri; /* token endpoint; {uri}/v1/oauth/tokens */
	const char *scope;             /* OAuth2 scope; "catalog" */
	const char *rest_warehouse;    /* ?warehouse= of /v1/config; warehouse */
	const char *ca_bundle;         /* PEM CA file for https */
	long timeout_ms;               /* per request; 30000 */
	/* X-Iceberg-Access-Delegation value sent with every request (e.g.
	 * "vended-credentials"); NULL/"" = not sent */
	const char *access_delegation;
} icp_catalog_opts;

/* Opens the backend for opts->type. Returns ICP_OK, ICP_ERR_INVALID
 * (unknown type, bad URI) or ICP_ERR_IO. */
int icp_catalog_open(const icp_catalog_opts *opts, icp_catalog **out, icp_error *err);
void icp_catalog_free(icp_catalog *c);
/* A catalog over a backend the caller supplies (tests plug in fakes):
 * vt is borrowed and must outlive the catalog; icp_catalog_free hands st
 * to vt->close. NULL when out of memory (st is then still the caller's). */
icp_catalog *icp_catalog_from_vtable(const icp_catalog_vtable *vt, void *st);

int icp_catalog_create_namespace(icp_catalog *c, const char *ns, icp_error *err);
/* ICP_ERR_NOT_FOUND when the table does not exist. */
int icp_catalog_load_table(icp_catalog *c, const char *ns, const char *name,
                           icp_ice_metadata **out, icp_error *err);
/* ICP_ERR_CONFLICT when it already exists (the caller then loads it). */
int icp_catalog_create_table(icp_catalog *c, const char *ns, const char *name,
                             const icp_ice_schema *schema, const char *location,
                             const char *const *props, icp_ice_metadata **out,
                             icp_error *err);
int icp_catalog_commit_table(icp_catalog *c, const char *ns, const char *name,
                             const icp_ice_metadata *base, const icp_ice_commit *commit,
                             icp_ice_metadata **out, icp_error *err);

/* A property the catalog supplied (rest: the `config` of the last
 * loaded/created/committed table, e.g. vended "s3.endpoint" or
 * "s3.access-key-id", else the merged GET /v1/config), or NULL. The string
 * lives until the next call on c. */
const char *icp_catalog_config(icp_catalog *c, const char *key);

#endif
