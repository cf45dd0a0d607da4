/*
 * Internals of the catalog module: the backends' open functions and
 * vtables (catalog.c keeps the table of them), and the SQL layer of the
 * `sql` backend (catalog_sql_db.c), kept apart from the metadata-file
 * handling (catalog_sql.c) so that it can be tested on its own.
 *
 * SQL layer. One SQLite connection to a database holding the tables of
 * Iceberg's JDBC catalog and PyIceberg's SQL catalog:
 *   iceberg_tables(catalog_name, table_namespace, table_name,
 *                  metadata_location, previous_metadata_location,
 *                  [iceberg_type])            -- one row per table
 *   iceberg_namespace_properties(catalog_name, namespace, property_key,
 *                  property_value)            -- ('exists','true') per ns
 * iceberg_type is the JDBC catalog's V1 column ('TABLE' or 'VIEW'); a
 * database created by PyIceberg lacks it and is used as it is. Every
 * statement is prepared with bound parameters; writes run in BEGIN
 * IMMEDIATE transactions so that a busy database surfaces at BEGIN, before
 * anything changed (ICP_ERR_RETRYABLE), not half-way.
 * Strings returned through char ** are the caller's (icp_free).
 */
#ifndef ICP_CATALOG_INT_H
#define ICP_CATALOG_INT_H

#include "catalog/catalog.h"
#include "json/json.h"

/* A backend: open makes the state handed to every vtable call. */
typedef int (*icp_catalog_open_fn)(const icp_catalog_opts *opts, void **st,
                                   icp_error *err);

/* The backend state of an open catalog (for tests of one backend). */
void *icp_catalog_state(icp_catalog *c);

extern const icp_catalog_vtable icp_catalog_sql_vtable;
int icp_catalog_sql_open(const icp_catalog_opts *opts, void **st, icp_error *err);
/* The SQL layer under an open sql backend state (tests tune its timeout). */
struct icp_catalog_db *icp_catalog_sql_db(void *st);

/* ------------------------------------------------------------ SQL layer */

#define ICP_CATALOG_DB_BUSY_MS 10000

typedef struct icp_catalog_db icp_catalog_db;

/* Opens (creating file, parent directory and tables when missing) the
 * database of a `sqlite:///abs/path.db` or `sqlite://rel/path.db` URI, in
 * WAL mode with a busy timeout of ICP_CATALOG_DB_BUSY_MS. catalog_name NULL
 * means "default". ICP_ERR_INVALID (bad URI), ICP_ERR_IO, ICP_ERR_CORRUPT
 * (not a database), ICP_ERR_RETRYABLE (locked past the timeout). */
int icp_catalog_db_open(const char *uri, const char *catalog_name,
                        icp_catalog_db **out, icp_error *err);
void icp_catalog_db_free(icp_catalog_db *db);
/* How long a statement waits for another connection's lock. */
void icp_catalog_db_set_busy_timeout(icp_catalog_db *db, int ms);
const char *icp_catalog_db_uri(const icp_catalog_db *db);
/* The connection (tests install hooks on it to inject failures). */
struct sqlite3 *icp_catalog_db_handle(icp_catalog_db *db);
/* 1 when iceberg_tables has the JDBC V1 iceberg_type column. */
int icp_catalog_db_has_type_column(const icp_catalog_db *db);

/* Adds the ('exists','true') row of ns unless ns exists (idempotent). */
int icp_catalog_db_create_namespace(icp_catalog_db *db, const char *ns, icp_error *err);
/* ICP_OK when ns has a property row or a table, else ICP_ERR_NOT_FOUND. */
int icp_catalog_db_namespace_exists(icp_catalog_db *db, const char *ns, icp_error *err);
/* Current metadata location of a table (views are not tables):
 * ICP_ERR_NOT_FOUND when there is no row (or its location is NULL). */
int icp_catalog_db_get_location(icp_catalog_db *db, const char *ns, const char *name,
                                char **location, icp_error *err);
/* Inserts the row of a new table: ICP_ERR_CONFLICT when the name is taken,
 * ICP_ERR_RETRYABLE when busy, ICP_ERR_UNKNOWN when COMMIT failed. */
int icp_catalog_db_insert(icp_catalog_db *db, const char *ns, const char *name,
                          const char *location, icp_error *err);
/* Compare-and-swap of the metadata location, in one transaction:
 *   ICP_OK             the row moved from old_loc to new_loc
 *   ICP_ERR_CONFLICT   the row is not at old_loc (another writer won)
 *   ICP_ERR_NOT_FOUND  the row is gone
 *   ICP_ERR_RETRYABLE  busy/locked past the timeout; nothing changed
 *   ICP_ERR_UNKNOWN    COMMIT failed: it may or may not have happened
 *   ICP_ERR_IO         other failure before COMMIT; nothing changed */
int icp_catalog_db_swap(icp_catalog_db *db, const char *ns, const char *name,
                        const char *old_loc, const char *new_loc, icp_error *err);

/* ----------------------------------------------------------- REST layer
 * The `rest` backend (catalog_rest.c: requests, auth, vtable) and its pure
 * helpers (catalog_rest_util.c), kept apart so that tests reach them. */

extern const icp_catalog_vtable icp_catalog_rest_vtable;
int icp_catalog_rest_open(const icp_catalog_opts *opts, void **st, icp_error *err);

/* Appends a dotted namespace ("a.b") as one REST path segment: each part
 * percent-encoded, parts joined by %1F (the unit separator, as the REST
 * spec says). ICP_ERR_INVALID for an empty namespace or part. */
int icp_catalog_rest_ns_path(icp_buf *out, const char *ns);
/* Writes the namespace as the JSON array of its parts. */
int icp_catalog_rest_ns_json(icp_json_writer *w, const char *ns);
/* Parses an OAuth2 token response ({"access_token":..,"token_type":..,
 * "expires_in":..}): *token (icp_free) and *expires_in seconds (0 when
 * absent). ICP_ERR_CORRUPT (not JSON, no access_token, bad token_type). */
int icp_catalog_rest_parse_token(const char *body, size_t len, char **token,
                                 int64_t *expires_in, icp_error *err);
/* The effective value of a catalog property after GET /v1/config:
 * overrides win over the client's value, which wins over defaults. cfg is
 * the parsed config response (may be NULL); client may be NULL or "". */
const char *icp_catalog_rest_config_pick(const icp_json *cfg, const char *key,
                                         const char *client);
/* The human text of an ErrorModel body ({"error":{"message","type",
 * "code"}}) appended to out: "Type: message", else the raw body (first 300
 * bytes, control characters dropped). */
void icp_catalog_rest_error_text(const char *body, size_t len, icp_buf *out);

#endif
