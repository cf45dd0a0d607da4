#!/usr/bin/env bash
# Interop of the sql catalog's database: after a create + commit (done by
# the catalog unit test in --scenario mode, built next to the binary), an
# independent reader (Python's sqlite3 module) checks the tables, columns,
# keys and rows exactly as Iceberg's JDBC catalog (V1 schema) and
# PyIceberg's SQL catalog expect them, runs their lookup queries, and
# follows metadata_location to a metadata file whose table-uuid matches.
# $1 = path of the built iceberg-processor binary.
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/catalog_test_sql"
[ -x "$helper" ] || { echo "it_sqlite_schema: $helper not built" >&2; exit 1; }

work=$(mktemp -d /tmp/icp-it-sqlite-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$helper" --scenario "$work"

/usr/bin/python3 - "$work" <<'EOF'
import json, os, sqlite3, sys
from urllib.parse import urlparse

work = sys.argv[1]
db = sqlite3.connect(os.path.join(work, "cat.db"))
fails = []

def check(cond, what):
    if not cond:
        fails.append(what)

def columns(table):
    # (name, declared type, notnull, primary key position)
    return [(r[1], r[2], r[3], r[5]) for r in db.execute(f"PRAGMA table_info({table})")]

check(columns("iceberg_tables") == [
    ("catalog_name", "VARCHAR(255)", 1, 1),
    ("table_namespace", "VARCHAR(255)", 1, 2),
    ("table_name", "VARCHAR(255)", 1, 3),
    ("metadata_location", "VARCHAR(1000)", 0, 0),
    ("previous_metadata_location", "VARCHAR(1000)", 0, 0),
    ("iceberg_type", "VARCHAR(5)", 0, 0),
], f"iceberg_tables columns: {columns('iceberg_tables')}")
check(columns("iceberg_namespace_properties") == [
    ("catalog_name", "VARCHAR(255)", 1, 1),
    ("namespace", "VARCHAR(255)", 1, 2),
    ("property_key", "VARCHAR(255)", 0, 3),
    ("property_value", "VARCHAR(1000)", 0, 0),
], f"iceberg_namespace_properties columns: {columns('iceberg_namespace_properties')}")
check(db.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "journal mode is not wal")

rows = db.execute("SELECT * FROM iceberg_tables").fetchall()
check(len(rows) == 1, f"iceberg_tables rows: {rows}")
cat, ns, name, loc, prev, typ = rows[0]
check((cat, ns, name, typ) == ("default", "prod", "events", "TABLE"), f"row: {rows[0]}")
ns_rows = db.execute("SELECT * FROM iceberg_namespace_properties").fetchall()
check(ns_rows == [("default", "prod", "exists", "true")], f"namespace rows: {ns_rows}")

# PyIceberg SqlCatalog.load_table / _namespace_exists / list_namespaces.
r = db.execute("SELECT catalog_name, table_namespace, table_name, metadata_location, "
               "previous_metadata_location FROM iceberg_tables WHERE catalog_name = ? "
               "AND table_namespace = ? AND table_name = ?",
               ("default", "prod", "events")).fetchall()
check(len(r) == 1 and r[0][3] == loc, f"pyiceberg load_table query: {r}")
r = db.execute("SELECT DISTINCT table_namespace FROM iceberg_tables WHERE catalog_name = ? "
               "UNION SELECT DISTINCT namespace FROM iceberg_namespace_properties "
               "WHERE catalog_name = ?", ("default", "default")).fetchall()
check(r == [("prod",)], f"pyiceberg list_namespaces: {r}")
# JDBC catalog (V1 schema) table lookup.
r = db.execute("SELECT * FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? "
               "AND table_name = ? AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)",
               ("default", "prod", "events")).fetchall()
check(len(r) == 1, f"jdbc load_table query: {r}")
r = db.execute("SELECT property_value FROM iceberg_namespace_properties WHERE "
               "catalog_name = ? AND namespace = ? AND property_key = 'exists'",
               ("default", "prod")).fetchall()
check(r == [("true",)], f"jdbc namespace exists query: {r}")

def read_meta(url):
    u = urlparse(url)
    check(u.scheme == "file" and os.path.isabs(u.path), f"not an absolute file URL: {url}")
    check(os.path.isfile(u.path), f"metadata file missing: {url}")
    with open(u.path) as f:
        return json.load(f)

cur, old = read_meta(loc), read_meta(prev)
check(os.path.basename(urlparse(loc).path).startswith("00001-"), f"current name: {loc}")
check(os.path.basename(urlparse(prev).path).startswith("00000-"), f"previous name: {prev}")
check(cur["table-uuid"] == old["table-uuid"], "table-uuid changed between versions")
check(cur["format-version"] == 2, "format-version is not 2")
check(loc.startswith(cur["location"] + "/metadata/"), f"{loc} not under {cur['location']}")
check([e["metadata-file"] for e in cur.get("metadata-log", [])] == [prev],
      f"metadata-log: {cur.get('metadata-log')}")
snaps = {s["snapshot-id"] for s in cur.get("snapshots", [])}
check(cur.get("current-snapshot-id") in snaps, "current-snapshot-id is not a snapshot")
check(cur["refs"]["main"]["snapshot-id"] == cur["current-snapshot-id"], "main ref")

if fails:
    for f in fails:
        print("it_sqlite_schema: FAIL:", f, file=sys.stderr)
    sys.exit(1)
print("it_sqlite_schema: ok")
EOF
