/*
 * The `sql` catalog backend: Iceberg's JDBC / PyIceberg SQL catalog on
 * SQLite. The database (catalog_sql_db.c) maps each table to the URL of its
 * current metadata file; the files themselves live in the warehouse store.
 *
 * Commit protocol (what makes a commit atomic and safe with several
 * writers):
 *   1. the next metadata JSON is computed from the base the caller loaded
 *      (icp_ice_metadata_apply: requirements first);
 *   2. it is written as a NEW file <table>/metadata/<NNNNN>-<uuid>.metadata.json
 *      with if-absent, NNNNN = base version + 1 (Iceberg's Java naming);
 *   3. one UPDATE ... WHERE metadata_location = <base> swaps the pointer.
 * Until step 3 nobody references the new file, so every failure before or
 * at the swap that is known to have changed nothing removes it again;
 * only an unknown COMMIT outcome keeps it (it may be the table's state).
 * After a successful swap, files that fell out of the metadata-log are
 * deleted when write.metadata.delete-after-commit.enabled is true.
 */
#include "catalog/catalog_int.h"
#include "json/json.h"

#include <stdio.h>
#include <strings.h>

#define METADATA_MAX (64u << 20) /* as the JSON parser's default input cap */

typedef struct sql_cat {
	icp_catalog_db *db;
	icp_storage *store; /* borrowed: the warehouse */
	const char *uri;    /* the db's */
} sql_cat;

static int nomem(icp_error *err)
{
	return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
}

int icp_catalog_sql_open(const icp_catalog_opts *opts, void **st, icp_error *err)
{
	sql_cat *c;
	int rc;

	*st = NULL;
	if (!opts->warehouse_store)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog %s: the sql catalog needs the warehouse store "
		                     "(iceberg.warehouse)", opts->uri ? opts->uri : "");
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		return nomem(err);
	rc = icp_catalog_db_open(opts->uri, opts->name, &c->db, err);
	if (rc != ICP_OK) {
		icp_free(c);
		return rc;
	}
	c->store = opts->warehouse_store;
	c->uri = icp_catalog_db_uri(c->db);
	*st = c;
	return ICP_OK;
}

struct icp_catalog_db *icp_catalog_sql_db(void *st)
{
	return ((sql_cat *)st)->db;
}

static void sql_close(void *st)
{
	sql_cat *c = st;
	if (!c)
		return;
	icp_catalog_db_free(c->db);
	icp_free(c);
}

static int sql_create_namespace(void *st, const char *ns, icp_error *err)
{
	sql_cat *c = st;
	return icp_catalog_db_create_namespace(c->db, ns, err);
}

/* Key of a URL in the warehouse, or ICP_ERR_INVALID naming both. */
static int key_of(sql_cat *c, const char *ns, const char *name, const char *url,
                  const char **key, icp_error *err)
{
	int rc = url ? icp_storage_key_of_url(c->store, url, key) : ICP_ERR_INVALID;
	if (rc == ICP_ERR_INVALID)
		return icp_error_set(err, rc, "catalog %s: table %s.%s: %s is not under the "
		                     "warehouse %s", c->uri, ns, name, url ? url : "(no location)",
		                     icp_storage_root(c->store));
	return rc ? nomem(err) : ICP_OK;
}

/* Reads the whole object at url into out. */
static int read_url(sql_cat *c, const char *ns, const char *name, const char *url,
                    icp_buf *out, icp_error *err)
{
	const char *key;
	icp_error e2;
	int rc = key_of(c, ns, name, url, &key, err);

	if (rc)
		return rc;
	icp_error_init(&e2);
	rc = icp_storage_get(c->store, key, out, &e2);
	if (rc == ICP_OK)
		return ICP_OK;
	/* A catalog row whose file is gone is a broken table, not a missing
	 * one: NOT_FOUND would make the caller create it again. */
	return icp_error_set(err, rc == ICP_ERR_NOT_FOUND ? ICP_ERR_IO : rc,
	                     "catalog %s: table %s.%s: read metadata %s: %s", c->uri, ns, name,
	                     url, e2.msg);
}

static int parse_at(sql_cat *c, const char *ns, const char *name, const char *url,
                    const icp_buf *json, icp_ice_metadata **out, icp_error *err)
{
	int rc = icp_ice_metadata_parse((const char *)json->data, json->len, url, out, err);
	if (rc)
		icp_error_prefix(err, "catalog %s: table %s.%s", c->uri, ns, name); /* names url */
	return rc;
}

static int sql_load_table(void *st, const char *ns, const char *name,
                          icp_ice_metadata **out, icp_error *err)
{
	sql_cat *c = st;
	char *loc = NULL;
	icp_buf json;
	int rc;

	*out = NULL;
	icp_buf_init(&json, METADATA_MAX);
	rc = icp_catalog_db_get_location(c->db, ns, name, &loc, err);
	if (rc == ICP_OK)
		rc = read_url(c, ns, name, loc, &json, err);
	if (rc == ICP_OK)
		rc = parse_at(c, ns, name, loc, &json, out, err);
	icp_buf_dispose(&json);
	icp_free(loc);
	return rc;
}

/* The warehouse key of the metadata folder: the table location's
 * "metadata" or write.metadata.path when set (as Iceberg's Java). */
static int metadata_dir(sql_cat *c, const char *ns, const char *name, const char *table_loc,
                        const char *path_prop, icp_buf *out, icp_error *err)
{
	const char *key;
	int rc = key_of(c, ns, name, path_prop ? path_prop : table_loc, &key, err);
	if (rc)
		return rc;
	icp_buf_append_str(out, key);
	while (out->len > 0 && out->data[out->len - 1] == '/')
		out->data[--out->len] = 0;
	if (!path_prop)
		icp_buf_append_str(out, "/metadata");
	return out->status ? nomem(err) : ICP_OK;
}

/* Writes json as <dir>/<NNNNN>-<uuid>.metadata.json (if absent); sets key
 * (the object key) and url (its location). */
static int write_metadata(sql_cat *c, const char *ns, const char *name, const char *dir,
                          int version, const icp_buf *json, icp_buf *key, icp_buf *url,
                          icp_error *err)
{
	char uuid[37];
	int rc;

	icp_ice_uuid(uuid);
	icp_buf_printf(key, "%s/%05d-%s.metadata.json", dir, version, uuid);
	if (key->status || icp_storage_url(c->store, (const char *)key->data, url) != ICP_OK)
		return nomem(err);
	rc = icp_storage_put(c->store, (const char *)key->data,
	                     icp_slice_make(json->data, json->len), 1, err);
	if (rc)
		icp_error_prefix(err, "catalog %s: table %s.%s: write metadata %s", c->uri, ns,
		                 name, (const char *)url->data);
	return rc;
}

/* Removes a metadata file nobody references (best effort: an orphan file
 * is harmless, a failed removal must not hide the real error). */
static void drop_file(sql_cat *c, const icp_buf *key)
{
	icp_storage_remove(c->store, (const char *)key->data, NULL);
}

static const char *prop_of(const char *const *props, const char *k)
{
	const char *v = NULL;
	size_t i;
	for (i = 0; props && props[i] && props[i + 1]; i += 2)
		if (strcmp(props[i], k) == 0)
			v = props[i + 1];
	return v;
}

static int sql_create_table(void *st, const char *ns, const char *name,
                            const icp_ice_schema *schema, const char *location,
                            const char *const *props, icp_ice_metadata **out,
                            icp_error *err)
{
	sql_cat *c = st;
	icp_buf table_url, json, dir, key, url;
	const char *tkey;
	char *existing = NULL;
	int rc, written = 0;

	*out = NULL;
	icp_buf_init(&table_url, ICP_BUF_UNLIMITED);
	icp_buf_init(&json, METADATA_MAX);
	icp_buf_init(&dir, ICP_BUF_UNLIMITED);
	icp_buf_init(&key, ICP_BUF_UNLIMITED);
	icp_buf_init(&url, ICP_BUF_UNLIMITED);
	rc = icp_catalog_db_namespace_exists(c->db, ns, err);
	if (rc) {
		icp_error_prefix(err, "cannot create table %s.%s", ns, name);
		goto out;
	}
	rc = icp_catalog_db_get_location(c->db, ns, name, &existing, NULL);
	if (rc == ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_CONFLICT, "catalog %s: table %s.%s already exists "
		                   "(metadata %s)", c->uri, ns, name, existing);
		goto out;
	}
	/* The location goes into the metadata in the store's absolute form so
	 * that other engines (run from elsewhere) can follow it. */
	if ((rc = key_of(c, ns, name, location, &tkey, err)) != ICP_OK)
		goto out;
	icp_buf_append_str(&dir, tkey);
	while (dir.len > 0 && dir.data[dir.len - 1] == '/')
		dir.data[--dir.len] = 0;
	if (dir.status || dir.len == 0 ||
	    icp_storage_url(c->store, (const char *)dir.data, &table_url) != ICP_OK) {
		rc = dir.len == 0 ? icp_error_set(err, ICP_ERR_INVALID, "catalog %s: table %s.%s: "
		                                  "location %s is the warehouse root", c->uri, ns,
		                                  name, location)
		                  : nomem(err);
		goto out;
	}
	rc = icp_ice_metadata_create(schema, (const char *)table_url.data, props, &json, err);
	if (rc) {
		icp_error_prefix(err, "catalog %s: table %s.%s", c->uri, ns, name);
		goto out;
	}
	icp_buf_reset(&dir);
	rc = metadata_dir(c, ns, name, (const char *)table_url.data,
	                  prop_of(props, "write.metadata.path"), &dir, err);
	if (rc == ICP_OK)
		rc = write_metadata(c, ns, name, (const char *)dir.data, 0, &json, &key, &url, err);
	if (rc)
		goto out;
	written = 1;
	/* Parsed before the row exists so that a failure here leaves nothing. */
	rc = parse_at(c, ns, name, (const char *)url.data, &json, out, err);
	if (rc == ICP_OK)
		rc = icp_catalog_db_insert(c->db, ns, name, (const char *)url.data, err);
	if (rc == ICP_ERR_UNKNOWN)
		written = 0; /* the row may point at it */
out:
	if (rc && written)
		drop_file(c, &key);
	if (rc) {
		icp_ice_metadata_free(*out);
		*out = NULL;
	}
	icp_free(existing);
	icp_buf_dispose(&table_url);
	icp_buf_dispose(&json);
	icp_buf_dispose(&dir);
	icp_buf_dispose(&key);
	icp_buf_dispose(&url);
	return rc;
}

/* Version number of a metadata file named <NNNNN>-<uuid>.metadata.json,
 * or -1 for other names (then the next one is 0, as in Java). */
static int version_of(const char *url)
{
	const char *base = strrchr(url, '/'), *p;
	int v = 0;

	base = base ? base + 1 : url;
	for (p = base; *p >= '0' && *p <= '9'; p++) {
		if (v > 99999999)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return p > base && *p == '-' ? v : -1;
}

/* The "metadata-file" URLs of a metadata document's metadata-log, with
 * one free slot after them. */
static int log_files(icp_arena *a, const icp_json *root, const char ***set, size_t *n)
{
	const icp_json *log = icp_json_get(root, "metadata-log");
	size_t i, k = icp_json_len(log);

	*set = icp_arena_alloc(a, (k + 1) * sizeof(**set));
	if (!*set)
		return ICP_ERR_NOMEM;
	*n = 0;
	for (i = 0; i < k; i++) {
		const char *f;
		if (icp_json_as_str(icp_json_get(icp_json_at(log, i), "metadata-file"), &f,
		                    NULL) == ICP_OK)
			(*set)[(*n)++] = f;
	}
	return ICP_OK;
}

static int in_set(const char *const *set, size_t n, const char *s)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(set[i], s) == 0)
			return 1;
	return 0;
}

/* write.metadata.delete-after-commit.enabled: deletes the metadata files
 * the base listed (or was) that the new version no longer lists, as
 * Iceberg's Java does. Best effort: the commit has happened; a file left
 * behind is harmless. */
static void delete_old_metadata(sql_cat *c, const icp_ice_metadata *base,
                                const icp_ice_metadata *next)
{
	icp_arena *a = icp_arena_new(0);
	const char **before = NULL, **after = NULL;
	const char *old_url = icp_ice_metadata_file_location(base);
	const char *new_url = icp_ice_metadata_file_location(next);
	size_t nb = 0, na = 0, i;

	if (!a || log_files(a, icp_ice_metadata_json(base), &before, &nb) != ICP_OK ||
	    log_files(a, icp_ice_metadata_json(next), &after, &na) != ICP_OK)
		goto out;
	before[nb++] = old_url; /* log_files left room for it */
	for (i = 0; i < nb; i++) {
		const char *key;
		if (in_set(after, na, before[i]) || strcmp(before[i], new_url) == 0)
			continue;
		if (icp_storage_key_of_url(c->store, before[i], &key) == ICP_OK)
			icp_storage_remove(c->store, key, NULL);
	}
out:
	icp_arena_free(a);
}

static int sql_commit_table(void *st, const char *ns, const char *name,
                            const icp_ice_metadata *base, const icp_ice_commit *commit,
                            icp_ice_metadata **out, icp_error *err)
{
	sql_cat *c = st;
	const char *old_url = icp_ice_metadata_file_location(base), *del;
	icp_buf json, dir, key, url;
	int rc, written = 0;

	*out = NULL;
	icp_buf_init(&json, METADATA_MAX);
	icp_buf_init(&dir, ICP_BUF_UNLIMITED);
	icp_buf_init(&key, ICP_BUF_UNLIMITED);
	icp_buf_init(&url, ICP_BUF_UNLIMITED);
	if (!old_url || !*old_url) {
		rc = icp_error_set(err, ICP_ERR_INVALID, "catalog %s: commit to %s.%s: the base "
		                   "metadata has no file location (not loaded from the catalog)",
		                   c->uri, ns, name);
		goto out;
	}
	rc = icp_ice_metadata_apply(base, commit, &json, err);
	if (rc) {
		icp_error_prefix(err, "catalog %s: commit to %s.%s based on %s", c->uri, ns, name,
		                 old_url);
		goto out;
	}
	rc = metadata_dir(c, ns, name, icp_ice_metadata_table_location(base),
	                  icp_ice_metadata_property(base, "write.metadata.path"), &dir, err);
	if (rc == ICP_OK)
		rc = write_metadata(c, ns, name, (const char *)dir.data, version_of(old_url) + 1,
		                    &json, &key, &url, err);
	if (rc)
		goto out;
	written = 1;
	rc = parse_at(c, ns, name, (const char *)url.data, &json, out, err);
	if (rc == ICP_OK)
		rc = icp_catalog_db_swap(c->db, ns, name, old_url, (const char *)url.data, err);
	if (rc == ICP_ERR_UNKNOWN) {
		written = 0; /* the table may point at it now */
		goto out;
	}
	if (rc)
		goto out;
	del = icp_ice_metadata_property(*out, "write.metadata.delete-after-commit.enabled");
	if (del && strcasecmp(del, "true") == 0)
		delete_old_metadata(c, base, *out);
out:
	if (rc && written)
		drop_file(c, &key);
	if (rc) {
		icp_ice_metadata_free(*out);
		*out = NULL;
	}
	icp_buf_dispose(&json);
	icp_buf_dispose(&dir);
	icp_buf_dispose(&key);
	icp_buf_dispose(&url);
	return rc;
}

const icp_catalog_vtable icp_catalog_sql_vtable = {
	.type = "sql",
	.create_namespace = sql_create_namespace,
	.load_table = sql_load_table,
	.create_table = sql_create_table,
	.commit_table = sql_commit_table,
	.close = sql_close,
};
