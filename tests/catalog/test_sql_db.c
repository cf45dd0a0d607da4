/* SQL layer of the sql catalog, without metadata files: URI forms and file
 * creation, the JDBC/PyIceberg table layout (checked through the sqlite3
 * CLI), namespaces, insert/get, the compare-and-swap of the metadata
 * location with two connections and with several processes, busy
 * databases (RETRYABLE), PyIceberg-made databases without iceberg_type. */
#include "catalog/catalog_int.h"
#include "test.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static void path_in_root(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", root, name);
}

static icp_catalog_db *open_db(const char *name, const char *catalog)
{
	char uri[400];
	icp_catalog_db *db = NULL;
	icp_error err;

	icp_error_init(&err);
	snprintf(uri, sizeof(uri), "sqlite://%s/%s", root, name);
	CHECK_EQ_INT(icp_catalog_db_open(uri, catalog, &db, &err), ICP_OK);
	if (err.status)
		fprintf(stderr, "open: %s\n", err.msg);
	return db;
}

/* Runs the sqlite3 CLI on db with one SQL statement; output into out. */
static int cli(const char *db, const char *sql, char *out, size_t cap)
{
	char cmd[1200];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "sqlite3 -readonly '%s' \"%s\"", db, sql);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	return pclose(p);
}

static void test_open_and_schema(void)
{
	icp_catalog_db *db;
	icp_error err;
	char path[400], out[4096];
	struct stat sb;

	db = open_db("deep/er/catalog.db", NULL);
	path_in_root(path, sizeof(path), "deep/er/catalog.db");
	CHECK_EQ_INT(stat(path, &sb), 0);
	CHECK(db && icp_catalog_db_has_type_column(db));
	icp_catalog_db_free(db);

	/* Exactly the columns of the JDBC catalog (V1) and PyIceberg. */
	CHECK_EQ_INT(cli(path, "PRAGMA table_info(iceberg_tables)", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "0|catalog_name|VARCHAR(255)|1||1\n"
	                  "1|table_namespace|VARCHAR(255)|1||2\n"
	                  "2|table_name|VARCHAR(255)|1||3\n"
	                  "3|metadata_location|VARCHAR(1000)|0||0\n"
	                  "4|previous_metadata_location|VARCHAR(1000)|0||0\n"
	                  "5|iceberg_type|VARCHAR(5)|0||0\n");
	CHECK_EQ_INT(cli(path, "PRAGMA table_info(iceberg_namespace_properties)", out,
	                 sizeof(out)), 0);
	CHECK_EQ_STR(out, "0|catalog_name|VARCHAR(255)|1||1\n"
	                  "1|namespace|VARCHAR(255)|1||2\n"
	                  "2|property_key|VARCHAR(255)|0||3\n"
	                  "3|property_value|VARCHAR(1000)|0||0\n");
	CHECK_EQ_INT(cli(path, "PRAGMA journal_mode", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "wal\n");

	/* Reopening an existing database changes nothing. */
	db = open_db("deep/er/catalog.db", NULL);
	CHECK(db != NULL);
	icp_catalog_db_free(db);

	/* Bad URIs. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_open("postgres://h/db", NULL, &db, &err), ICP_ERR_INVALID);
	CHECK(db == NULL);
	CHECK_CONTAINS(err.msg, "postgres://h/db");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_open("sqlite://", NULL, &db, &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_open("sqlite:///x.db?mode=ro", NULL, &db, &err),
	             ICP_ERR_INVALID);
	/* Not a database: IO (the catalog's state, not corrupt input data)
	 * naming the URI and the file. */
	path_in_root(path, sizeof(path), "junk.db");
	{
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fputs("this is not a database, not even close; padding padding padding "
			      "padding padding padding padding padding padding padding\n", f);
			fclose(f);
		}
	}
	icp_error_init(&err);
	{
		char uri[500];
		snprintf(uri, sizeof(uri), "sqlite://%s", path);
		CHECK_EQ_INT(icp_catalog_db_open(uri, NULL, &db, &err), ICP_ERR_IO);
		CHECK_CONTAINS(err.msg, uri);
		CHECK_CONTAINS(err.msg, "is damaged or not a SQLite database");
	}
}

static void test_relative_uri(void)
{
	char cwd[4096], path[400];
	icp_catalog_db *db = NULL;
	icp_error err;
	struct stat sb;

	icp_error_init(&err);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_EQ_INT(chdir(root), 0);
	CHECK_EQ_INT(icp_catalog_db_open("sqlite://rel/sub/c.db", "x", &db, &err), ICP_OK);
	CHECK_EQ_INT(chdir(cwd), 0);
	icp_catalog_db_free(db);
	path_in_root(path, sizeof(path), "rel/sub/c.db");
	CHECK_EQ_INT(stat(path, &sb), 0);
}

static void test_namespaces(void)
{
	icp_catalog_db *db = open_db("ns.db", NULL), *other = open_db("ns.db", "other");
	icp_error err;
	char path[400], out[4096];

	if (!db || !other)
		goto out;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_namespace_exists(db, "prod", &err), ICP_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.msg, "namespace prod does not exist");
	CHECK_CONTAINS(err.msg, "ns.db");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "prod", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "prod", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "a.b", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_namespace_exists(db, "prod", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_namespace_exists(db, "a.b", &err), ICP_OK);
	/* Catalog names separate namespaces. */
	CHECK_EQ_INT(icp_catalog_db_namespace_exists(other, "prod", NULL), ICP_ERR_NOT_FOUND);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "a..b", &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "", &err), ICP_ERR_INVALID);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, ".x", &err), ICP_ERR_INVALID);

	/* What the JDBC and PyIceberg catalogs write: one ('exists','true') row. */
	path_in_root(path, sizeof(path), "ns.db");
	CHECK_EQ_INT(cli(path, "SELECT * FROM iceberg_namespace_properties ORDER BY namespace",
	                 out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "default|a.b|exists|true\n"
	                  "default|prod|exists|true\n");
out:
	icp_catalog_db_free(db);
	icp_catalog_db_free(other);
}

static void test_insert_get_swap(void)
{
	icp_catalog_db *db = open_db("t.db", "cat");
	icp_error err;
	char *loc = NULL, path[400], out[4096];

	if (!db)
		return;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "prod", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "prod", "t", &loc, &err), ICP_ERR_NOT_FOUND);
	CHECK(loc == NULL);
	CHECK_CONTAINS(err.msg, "prod.t does not exist");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "prod", "t", "file:///w/m/00000-a.metadata.json",
	                                   &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "prod", "t", "file:///w/m/00000-b.metadata.json",
	                                   &err), ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "prod.t already exists");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "prod", "t", &loc, &err), ICP_OK);
	CHECK_EQ_STR(loc, "file:///w/m/00000-a.metadata.json");
	icp_free(loc);
	loc = NULL;

	CHECK_EQ_INT(icp_catalog_db_swap(db, "prod", "t", "file:///w/m/00000-a.metadata.json",
	                                 "file:///w/m/00001-c.metadata.json", &err), ICP_OK);
	/* A stale base loses, and the message says where the table is now. */
	CHECK_EQ_INT(icp_catalog_db_swap(db, "prod", "t", "file:///w/m/00000-a.metadata.json",
	                                 "file:///w/m/00001-d.metadata.json", &err),
	             ICP_ERR_CONFLICT);
	CHECK_CONTAINS(err.msg, "now at file:///w/m/00001-c.metadata.json");
	CHECK_CONTAINS(err.msg, "prod.t");
	CHECK_CONTAINS(err.msg, "t.db");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_swap(db, "prod", "gone", "a", "b", &err), ICP_ERR_NOT_FOUND);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "prod", "t", &loc, &err), ICP_OK);
	CHECK_EQ_STR(loc, "file:///w/m/00001-c.metadata.json");
	icp_free(loc);

	path_in_root(path, sizeof(path), "t.db");
	CHECK_EQ_INT(cli(path, "SELECT * FROM iceberg_tables", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "cat|prod|t|file:///w/m/00001-c.metadata.json|"
	                  "file:///w/m/00000-a.metadata.json|TABLE\n");
	icp_catalog_db_free(db);
}

/* Two connections commit on the same base: exactly one wins. */
static void test_two_writers(void)
{
	icp_catalog_db *a = open_db("two.db", NULL), *b = open_db("two.db", NULL);
	icp_error err;
	char *la = NULL, *lb = NULL, *now = NULL;

	if (!a || !b)
		goto out;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(a, "n", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_insert(a, "n", "t", "v0", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_get_location(a, "n", "t", &la, &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_get_location(b, "n", "t", &lb, &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_swap(a, "n", "t", la, "v1-a", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_swap(b, "n", "t", lb, "v1-b", &err), ICP_ERR_CONFLICT);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_get_location(b, "n", "t", &now, &err), ICP_OK);
	CHECK_EQ_STR(now, "v1-a");
out:
	icp_free(la);
	icp_free(lb);
	icp_free(now);
	icp_catalog_db_free(a);
	icp_catalog_db_free(b);
}

/* Another connection holds the write lock: BEGIN IMMEDIATE times out and
 * nothing changes (RETRYABLE); once released, the same swap succeeds. */
static void test_busy(void)
{
	icp_catalog_db *db = open_db("busy.db", NULL);
	sqlite3 *raw = NULL;
	icp_error err;
	char path[400], *loc = NULL;

	if (!db)
		return;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "n", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "n", "t", "v0", &err), ICP_OK);
	path_in_root(path, sizeof(path), "busy.db");
	CHECK_EQ_INT(sqlite3_open(path, &raw), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	icp_catalog_db_set_busy_timeout(db, 50);
	CHECK_EQ_INT(icp_catalog_db_swap(db, "n", "t", "v0", "v1", &err), ICP_ERR_RETRYABLE);
	CHECK_CONTAINS(err.msg, "busy.db");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "n", "u", "x", &err), ICP_ERR_RETRYABLE);
	icp_error_init(&err);
	/* Readers are not blocked by a writer in WAL mode. */
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "n", "t", &loc, &err), ICP_OK);
	CHECK_EQ_STR(loc, "v0");
	icp_free(loc);
	loc = NULL;
	CHECK_EQ_INT(sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	CHECK_EQ_INT(icp_catalog_db_swap(db, "n", "t", "v0", "v1", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "n", "t", &loc, &err), ICP_OK);
	CHECK_EQ_STR(loc, "v1");
	icp_free(loc);
	icp_catalog_db_free(db);
}

static int veto_commit(void *ctx)
{
	ICP_UNUSED(ctx);
	return 1; /* turns the COMMIT into a rollback and an error */
}

/* COMMIT itself fails: the outcome is reported as UNKNOWN (the caller must
 * reload), never as a plain failure; here it was in fact rolled back. */
static void test_commit_fails(void)
{
	icp_catalog_db *db = open_db("cfail.db", NULL);
	icp_error err;
	char *loc = NULL;

	if (!db)
		return;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "n", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "n", "t", "v0", &err), ICP_OK);
	sqlite3_commit_hook(icp_catalog_db_handle(db), veto_commit, NULL);
	CHECK_EQ_INT(icp_catalog_db_swap(db, "n", "t", "v0", "v1", &err), ICP_ERR_UNKNOWN);
	CHECK_CONTAINS(err.msg, "n.t");
	CHECK_CONTAINS(err.msg, "v1");
	CHECK_CONTAINS(err.msg, "cfail.db");
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "n", "u", "x", &err), ICP_ERR_UNKNOWN);
	sqlite3_commit_hook(icp_catalog_db_handle(db), NULL, NULL);
	/* The connection is usable again and not left inside a transaction. */
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "n", "t", &loc, &err), ICP_OK);
	CHECK_EQ_STR(loc, "v0");
	icp_free(loc);
	CHECK_EQ_INT(icp_catalog_db_swap(db, "n", "t", "v0", "v1", &err), ICP_OK);
	icp_catalog_db_free(db);
}

/* A database made by PyIceberg has no iceberg_type column: used as it is
 * (not altered); views of the JDBC catalog are not tables. */
static void test_pyiceberg_layout_and_views(void)
{
	sqlite3 *raw = NULL;
	icp_catalog_db *db;
	icp_error err;
	char path[400], out[4096], *loc = NULL;

	path_in_root(path, sizeof(path), "py.db");
	CHECK_EQ_INT(sqlite3_open(path, &raw), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(raw,
	                          "CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, "
	                          "table_namespace VARCHAR(255) NOT NULL, table_name VARCHAR(255) "
	                          "NOT NULL, metadata_location VARCHAR(1000), "
	                          "previous_metadata_location VARCHAR(1000), PRIMARY KEY "
	                          "(catalog_name, table_namespace, table_name))",
	                          NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	db = open_db("py.db", NULL);
	if (!db)
		return;
	CHECK_EQ_INT(icp_catalog_db_has_type_column(db), 0);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "n", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "n", "t", "v0", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_swap(db, "n", "t", "v0", "v1", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "n", "t", &loc, &err), ICP_OK);
	CHECK_EQ_STR(loc, "v1");
	icp_free(loc);
	icp_catalog_db_free(db);
	CHECK_EQ_INT(cli(path, "SELECT * FROM iceberg_tables", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "default|n|t|v1|v0\n");

	/* A JDBC view row under the same kind of key is not a table. */
	db = open_db("views.db", NULL);
	if (!db)
		return;
	path_in_root(path, sizeof(path), "views.db");
	CHECK_EQ_INT(sqlite3_open(path, &raw), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(raw,
	                          "INSERT INTO iceberg_tables VALUES "
	                          "('default','n','v','file:///x/v.metadata.json',NULL,'VIEW')",
	                          NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "n", "v", &loc, &err), ICP_ERR_NOT_FOUND);
	icp_catalog_db_free(db);
}

/* Several processes increment a counter kept in the metadata location by
 * load + compare-and-swap, retrying on CONFLICT/RETRYABLE: no increment is
 * lost or doubled, which is what the catalog's CAS promises. */
#define PROCS 4
#define INCS 25

static int child_increments(void)
{
	icp_catalog_db *db;
	char uri[400];
	int i, failures = 0;
	icp_error err;

	icp_error_init(&err);
	snprintf(uri, sizeof(uri), "sqlite://%s/procs.db", root);
	if (icp_catalog_db_open(uri, NULL, &db, &err) != ICP_OK)
		return 1;
	for (i = 0; i < INCS && failures < 10000;) {
		char *loc = NULL, next[32];
		long v;
		int rc;

		icp_error_init(&err);
		if (icp_catalog_db_get_location(db, "n", "c", &loc, &err) != ICP_OK) {
			failures++;
			continue;
		}
		v = strtol(loc, NULL, 10);
		snprintf(next, sizeof(next), "%ld", v + 1);
		rc = icp_catalog_db_swap(db, "n", "c", loc, next, &err);
		icp_free(loc);
		if (rc == ICP_OK)
			i++;
		else if (rc == ICP_ERR_CONFLICT || rc == ICP_ERR_RETRYABLE)
			failures++;
		else
			break;
	}
	icp_catalog_db_free(db);
	return i == INCS ? 0 : 1;
}

static void test_processes(void)
{
	icp_catalog_db *db = open_db("procs.db", NULL);
	pid_t pids[PROCS];
	icp_error err;
	char *loc = NULL, want[16];
	int i;

	if (!db)
		return;
	icp_error_init(&err);
	CHECK_EQ_INT(icp_catalog_db_create_namespace(db, "n", &err), ICP_OK);
	CHECK_EQ_INT(icp_catalog_db_insert(db, "n", "c", "0", &err), ICP_OK);
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(child_increments());
	}
	for (i = 0; i < PROCS; i++) {
		int status = -1;
		CHECK(pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_EQ_INT(icp_catalog_db_get_location(db, "n", "c", &loc, &err), ICP_OK);
	snprintf(want, sizeof(want), "%d", PROCS * INCS);
	CHECK_EQ_STR(loc, want);
	icp_free(loc);
	icp_catalog_db_free(db);
}

int main(void)
{
	char cmd[300];
	snprintf(root, sizeof(root), "/tmp/icp-test-catalog-db-%d", (int)getpid());
	TEST_RUN(test_open_and_schema);
	TEST_RUN(test_relative_uri);
	TEST_RUN(test_namespaces);
	TEST_RUN(test_insert_get_swap);
	TEST_RUN(test_two_writers);
	TEST_RUN(test_busy);
	TEST_RUN(test_commit_fails);
	TEST_RUN(test_pyiceberg_layout_and_views);
	TEST_RUN(test_processes);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
	return TEST_DONE();
}
