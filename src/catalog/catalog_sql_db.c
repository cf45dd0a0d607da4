/*
 * SQL layer of the `sql` catalog: the SQLite database with the tables of
 * Iceberg's JDBC catalog and PyIceberg's SQL catalog (see catalog_int.h).
 *
 * Several processes may share one database file (tests run writers side
 * by side), hence WAL journal mode (readers never block the writer) and a
 * busy timeout. Writes take the write lock up front with BEGIN IMMEDIATE:
 * in WAL mode a deferred transaction that reads and then writes can fail
 * with SQLITE_BUSY_SNAPSHOT after another commit, which the busy handler
 * does not retry; taking the lock first makes "busy" mean "nothing done".
 */
#include "catalog/catalog_int.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>

#define NAME_MAX_LEN 255      /* VARCHAR(255) of the JDBC schema */
#define LOCATION_MAX_LEN 1000 /* VARCHAR(1000) */

struct icp_catalog_db {
	sqlite3 *db;
	char *uri;
	char *name;     /* catalog_name */
	int has_type;   /* iceberg_tables.iceberg_type exists */
};

static const char create_tables_sql[] =
	"CREATE TABLE IF NOT EXISTS iceberg_tables ("
	"catalog_name VARCHAR(255) NOT NULL, "
	"table_namespace VARCHAR(255) NOT NULL, "
	"table_name VARCHAR(255) NOT NULL, "
	"metadata_location VARCHAR(1000), "
	"previous_metadata_location VARCHAR(1000), "
	"iceberg_type VARCHAR(5), "
	"PRIMARY KEY (catalog_name, table_namespace, table_name));"
	"CREATE TABLE IF NOT EXISTS iceberg_namespace_properties ("
	"catalog_name VARCHAR(255) NOT NULL, "
	"namespace VARCHAR(255) NOT NULL, "
	"property_key VARCHAR(255), "
	"property_value VARCHAR(1000), "
	"PRIMARY KEY (catalog_name, namespace, property_key));";

/* Maps a SQLite result code to our status. A damaged database file
 * (SQLITE_CORRUPT, SQLITE_NOTADB) is ICP_ERR_IO, not ICP_ERR_CORRUPT:
 * CORRUPT means corrupt input data (segments, exit code 2), while the
 * catalog file is the catalog's own state, a runtime failure. */
static int status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ICP_ERR_RETRYABLE;
	case SQLITE_CONSTRAINT:
		return ICP_ERR_CONFLICT;
	case SQLITE_NOMEM:
		return ICP_ERR_NOMEM;
	default:
		return ICP_ERR_IO;
	}
}

static int damaged(int rc)
{
	return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* Sets err from the connection's last error; returns the status. */
static int db_fail(icp_catalog_db *db, int rc, icp_error *err, const char *what)
{
	return icp_error_set(err, status_of(rc), "catalog %s: %s: %s%s%s%s", db->uri, what,
	                     db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc),
	                     damaged(rc) ? " (the catalog file " : "",
	                     damaged(rc) ? db->uri + strlen("sqlite://") : "",
	                     damaged(rc) ? " is damaged or not a SQLite database)" : "");
}

static int prepare(icp_catalog_db *db, const char *sql, sqlite3_stmt **st, icp_error *err)
{
	int rc = sqlite3_prepare_v2(db->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_fail(db, rc, err, "prepare");
	}
	return ICP_OK;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int check_name(icp_catalog_db *db, const char *what, const char *s, icp_error *err)
{
	if (!s || !*s || strlen(s) > NAME_MAX_LEN)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog %s: %s \"%s\" is empty or longer than %d bytes",
		                     db->uri, what, s ? s : "", NAME_MAX_LEN);
	return ICP_OK;
}

static int check_ns(icp_catalog_db *db, const char *ns, icp_error *err)
{
	size_t n;
	int rc = check_name(db, "namespace", ns, err);
	if (rc)
		return rc;
	n = strlen(ns);
	if (ns[0] == '.' || ns[n - 1] == '.' || strstr(ns, ".."))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog %s: namespace \"%s\" has an empty level", db->uri, ns);
	return ICP_OK;
}

/* mkdir -p of the directory part of path (nothing when it has none). */
static int make_parent(const char *uri, const char *path, icp_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir, *p;
	int rc = ICP_OK;

	if (!slash || slash == path)
		return ICP_OK;
	dir = icp_strndup(path, (size_t)(slash - path));
	if (!dir)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	for (p = dir + 1;; p++) {
		char c = *p;
		if (c != '/' && c != 0)
			continue;
		*p = 0;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			rc = icp_error_set(err, ICP_ERR_IO, "catalog %s: mkdir %s: %s", uri, dir,
			                   strerror(errno));
			break;
		}
		*p = c;
		if (c == 0)
			break;
	}
	icp_free(dir);
	return rc;
}

static int detect_type_column(icp_catalog_db *db, icp_error *err)
{
	sqlite3_stmt *st;
	int rc = prepare(db, "SELECT name FROM pragma_table_info('iceberg_tables')", &st, err);
	if (rc)
		return rc;
	db->has_type = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *col = sqlite3_column_text(st, 0);
		if (col && strcmp((const char *)col, "iceberg_type") == 0)
			db->has_type = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ICP_OK : db_fail(db, rc, err, "read iceberg_tables columns");
}

int icp_catalog_db_open(const char *uri, const char *catalog_name, icp_catalog_db **out,
                        icp_error *err)
{
	static const char scheme[] = "sqlite://";
	icp_catalog_db *db = NULL;
	const char *path;
	int rc = ICP_ERR_NOMEM, src;

	*out = NULL;
	if (!uri || strncmp(uri, scheme, sizeof(scheme) - 1) != 0 || !uri[sizeof(scheme) - 1])
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog URI \"%s\" is not sqlite:///abs/path.db or "
		                     "sqlite://relative/path.db", uri ? uri : "");
	path = uri + sizeof(scheme) - 1;
	if (strchr(path, '?'))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog URI \"%s\": query parameters are not supported", uri);
	db = icp_calloc(1, sizeof(*db));
	if (!db || !(db->uri = icp_strdup(uri)) ||
	    !(db->name = icp_strdup(catalog_name && *catalog_name ? catalog_name : "default"))) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_name(db, "catalog name", db->name, err)) != ICP_OK)
		goto out;
	if ((rc = make_parent(uri, path, err)) != ICP_OK)
		goto out;
	src = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(db, src, err, "open");
		goto out;
	}
	sqlite3_extended_result_codes(db->db, 1);
	sqlite3_busy_timeout(db->db, ICP_CATALOG_DB_BUSY_MS);
	/* Returns the mode now in force; a file that cannot do WAL keeps its
	 * mode, which is still correct, only less concurrent. */
	src = sqlite3_exec(db->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(db->db, create_tables_sql, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(db, src, err, "create the catalog tables");
		goto out;
	}
	if ((rc = detect_type_column(db, err)) != ICP_OK)
		goto out;
	*out = db;
	db = NULL;
	rc = ICP_OK;
out:
	icp_catalog_db_free(db);
	return rc;
}

void icp_catalog_db_free(icp_catalog_db *db)
{
	if (!db)
		return;
	sqlite3_close_v2(db->db);
	icp_free(db->uri);
	icp_free(db->name);
	icp_free(db);
}

void icp_catalog_db_set_busy_timeout(icp_catalog_db *db, int ms)
{
	sqlite3_busy_timeout(db->db, ms);
}

const char *icp_catalog_db_uri(const icp_catalog_db *db)
{
	return db->uri;
}

struct sqlite3 *icp_catalog_db_handle(icp_catalog_db *db)
{
	return db->db;
}

int icp_catalog_db_has_type_column(const icp_catalog_db *db)
{
	return db->has_type;
}

/* ---------------------------------------------------------- transactions */

/* What a write is about, for messages: "commit n.t (metadata LOC)". */
typedef struct write_ctx {
	const char *action, *ns, *name, *loc; /* name, loc may be NULL */
} write_ctx;

static int write_fail(icp_catalog_db *db, const write_ctx *w, int status, const char *step,
                      icp_error *err)
{
	return icp_error_set(err, status, "catalog %s: %s %s%s%s%s%s: %s: %s%s", db->uri,
	                     w->action, w->ns, w->name ? "." : "", w->name ? w->name : "",
	                     w->loc ? " to metadata " : "", w->loc ? w->loc : "", step,
	                     sqlite3_errmsg(db->db),
	                     status == ICP_ERR_RETRYABLE ? " (busy past the timeout; nothing changed)"
	                     : status == ICP_ERR_UNKNOWN ? " (outcome unknown: reload the table)"
	                                                 : "");
}

static int begin(icp_catalog_db *db, const write_ctx *w, icp_error *err)
{
	int rc = sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	return rc == SQLITE_OK ? ICP_OK : write_fail(db, w, status_of(rc), "begin", err);
}

static void rollback(icp_catalog_db *db)
{
	if (!sqlite3_get_autocommit(db->db))
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

/* COMMIT. A busy COMMIT leaves the transaction open and undone (rolled
 * back here: RETRYABLE); any other failure may have reached the file or
 * not, so the outcome is unknown. */
static int commit(icp_catalog_db *db, const write_ctx *w, icp_error *err)
{
	int rc = sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL), st;
	if (rc == SQLITE_OK)
		return ICP_OK;
	st = (rc & 0xff) == SQLITE_BUSY && !sqlite3_get_autocommit(db->db) ? ICP_ERR_RETRYABLE
	                                                                  : ICP_ERR_UNKNOWN;
	write_fail(db, w, st, "commit", err);
	rollback(db);
	return st;
}

/* ------------------------------------------------------------ namespaces */

int icp_catalog_db_create_namespace(icp_catalog_db *db, const char *ns, icp_error *err)
{
	const write_ctx w = {"create namespace", ns, NULL, NULL};
	sqlite3_stmt *st = NULL;
	int rc = check_ns(db, ns, err), src;

	if (rc)
		return rc;
	/* A namespace that exists through another property row or a table
	 * (PyIceberg counts both) gets no 'exists' row of ours: none needed. */
	if (icp_catalog_db_namespace_exists(db, ns, NULL) == ICP_OK)
		return ICP_OK;
	if ((rc = begin(db, &w, err)) != ICP_OK)
		return rc;
	rc = prepare(db,
	             "INSERT OR IGNORE INTO iceberg_namespace_properties "
	             "(catalog_name, namespace, property_key, property_value) "
	             "VALUES (?1, ?2, 'exists', 'true')",
	             &st, err);
	if (rc)
		goto out;
	bind_text(st, 1, db->name);
	bind_text(st, 2, ns);
	src = sqlite3_step(st);
	if (src != SQLITE_DONE) {
		rc = write_fail(db, &w, status_of(src), "insert", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = commit(db, &w, err);
out:
	sqlite3_finalize(st);
	if (rc)
		rollback(db);
	return rc;
}

int icp_catalog_db_namespace_exists(icp_catalog_db *db, const char *ns, icp_error *err)
{
	sqlite3_stmt *st;
	int rc = check_ns(db, ns, err), src;

	if (rc)
		return rc;
	rc = prepare(db,
	             "SELECT 1 FROM iceberg_namespace_properties "
	             "WHERE catalog_name = ?1 AND namespace = ?2 "
	             "UNION ALL SELECT 1 FROM iceberg_tables "
	             "WHERE catalog_name = ?1 AND table_namespace = ?2 LIMIT 1",
	             &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, db->name);
	bind_text(st, 2, ns);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = ICP_OK;
	else if (src == SQLITE_DONE)
		rc = icp_error_set(err, ICP_ERR_NOT_FOUND, "catalog %s: namespace %s does not exist",
		                   db->uri, ns);
	else
		rc = icp_error_set(err, status_of(src), "catalog %s: look up namespace %s: %s",
		                   db->uri, ns, sqlite3_errmsg(db->db));
	sqlite3_finalize(st);
	return rc;
}

/* ---------------------------------------------------------------- tables */

int icp_catalog_db_get_location(icp_catalog_db *db, const char *ns, const char *name,
                                char **location, icp_error *err)
{
	sqlite3_stmt *st;
	const unsigned char *loc;
	int rc, src;

	*location = NULL;
	if ((rc = check_ns(db, ns, err)) || (rc = check_name(db, "table name", name, err)))
		return rc;
	rc = prepare(db,
	             db->has_type
	                     ? "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ?1 "
	                       "AND table_namespace = ?2 AND table_name = ?3 "
	                       "AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)"
	                     : "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ?1 "
	                       "AND table_namespace = ?2 AND table_name = ?3",
	             &st, err);
	if (rc)
		return rc;
	bind_text(st, 1, db->name);
	bind_text(st, 2, ns);
	bind_text(st, 3, name);
	src = sqlite3_step(st);
	loc = src == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (loc && *loc) {
		*location = icp_strdup((const char *)loc);
		rc = *location ? ICP_OK : icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	} else if (src == SQLITE_ROW || src == SQLITE_DONE) {
		rc = icp_error_set(err, ICP_ERR_NOT_FOUND, "catalog %s: table %s.%s does not exist",
		                   db->uri, ns, name);
	} else {
		rc = icp_error_set(err, status_of(src), "catalog %s: load table %s.%s: %s", db->uri,
		                   ns, name, sqlite3_errmsg(db->db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* Arguments of a write: namespace, table name, location length. */
static int check_write(icp_catalog_db *db, const char *ns, const char *name,
                       const char *location, icp_error *err)
{
	int rc;
	if ((rc = check_ns(db, ns, err)) || (rc = check_name(db, "table name", name, err)))
		return rc;
	if (strlen(location) > LOCATION_MAX_LEN)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "catalog %s: table %s.%s: metadata location %s is longer "
		                     "than %d bytes", db->uri, ns, name, location, LOCATION_MAX_LEN);
	return ICP_OK;
}

int icp_catalog_db_insert(icp_catalog_db *db, const char *ns, const char *name,
                          const char *location, icp_error *err)
{
	const write_ctx w = {"create table", ns, name, location};
	sqlite3_stmt *st = NULL;
	int rc, src;

	if ((rc = check_write(db, ns, name, location, err)) != ICP_OK)
		return rc;
	if ((rc = begin(db, &w, err)) != ICP_OK)
		return rc;
	rc = prepare(db,
	             db->has_type
	                     ? "INSERT INTO iceberg_tables (catalog_name, table_namespace, "
	                       "table_name, metadata_location, previous_metadata_location, "
	                       "iceberg_type) VALUES (?1, ?2, ?3, ?4, NULL, 'TABLE')"
	                     : "INSERT INTO iceberg_tables (catalog_name, table_namespace, "
	                       "table_name, metadata_location, previous_metadata_location) "
	                       "VALUES (?1, ?2, ?3, ?4, NULL)",
	             &st, err);
	if (rc)
		goto out;
	bind_text(st, 1, db->name);
	bind_text(st, 2, ns);
	bind_text(st, 3, name);
	bind_text(st, 4, location);
	src = sqlite3_step(st);
	if (src != SQLITE_DONE) {
		rc = status_of(src);
		if (rc == ICP_ERR_CONFLICT)
			icp_error_set(err, rc, "catalog %s: table %s.%s already exists", db->uri, ns,
			              name);
		else
			write_fail(db, &w, rc, "insert", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = commit(db, &w, err);
out:
	sqlite3_finalize(st);
	if (rc)
		rollback(db);
	return rc;
}

/* Inside the swap's transaction, after the UPDATE matched no row: why. */
static int swap_miss(icp_catalog_db *db, const char *ns, const char *name,
                     const char *old_loc, icp_error *err)
{
	char *now = NULL;
	icp_error e2;
	int rc;

	icp_error_init(&e2);
	rc = icp_catalog_db_get_location(db, ns, name, &now, &e2);
	if (rc == ICP_OK)
		rc = icp_error_set(err, ICP_ERR_CONFLICT,
		                   "catalog %s: commit to %s.%s: based on %s but the table is "
		                   "now at %s", db->uri, ns, name, old_loc, now);
	else if (rc == ICP_ERR_NOT_FOUND)
		rc = icp_error_set(err, rc, "catalog %s: commit to %s.%s based on %s: the table "
		                   "no longer exists", db->uri, ns, name, old_loc);
	else
		rc = icp_error_set(err, rc, "%s", e2.msg);
	icp_free(now);
	return rc;
}

int icp_catalog_db_swap(icp_catalog_db *db, const char *ns, const char *name,
                        const char *old_loc, const char *new_loc, icp_error *err)
{
	const write_ctx w = {"commit", ns, name, new_loc};
	sqlite3_stmt *st = NULL;
	int rc, src;

	if ((rc = check_write(db, ns, name, new_loc, err)) != ICP_OK)
		return rc;
	if ((rc = begin(db, &w, err)) != ICP_OK)
		return rc;
	rc = prepare(db,
	             "UPDATE iceberg_tables SET metadata_location = ?1, "
	             "previous_metadata_location = ?2 WHERE catalog_name = ?3 "
	             "AND table_namespace = ?4 AND table_name = ?5 AND metadata_location = ?2",
	             &st, err);
	if (rc)
		goto out;
	bind_text(st, 1, new_loc);
	bind_text(st, 2, old_loc);
	bind_text(st, 3, db->name);
	bind_text(st, 4, ns);
	bind_text(st, 5, name);
	src = sqlite3_step(st);
	if (src != SQLITE_DONE) {
		rc = write_fail(db, &w, status_of(src) == ICP_ERR_RETRYABLE ? ICP_ERR_RETRYABLE
		                                                            : ICP_ERR_IO,
		                "update", err);
		goto out;
	}
	if (sqlite3_changes(db->db) != 1) {
		rc = swap_miss(db, ns, name, old_loc, err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = commit(db, &w, err);
out:
	sqlite3_finalize(st);
	if (rc)
		rollback(db);
	return rc;
}
