#!/usr/bin/env bash
# Partition spec commits against the project's test REST catalog
# (tests/catalog/rest_server.py), with the body our icp_ice_commit_to_rest_json
# writes (ice_manifest_gen restspec): a table created with a partition spec
# gets it as spec 0 (field ids from 1000); add-spec + set-default-spec -1
# with assert-default-spec-id and assert-last-assigned-partition-id adds
# spec 1 and raises last-partition-id; the same body again fails its
# requirements (409) without changing anything; an add-spec equal to a
# spec the table already has adds nothing, so set-default-spec -1 after
# it is refused (400, as Iceberg Java does), while set-default-spec by id
# works; every old spec is kept in every metadata version.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/ice_manifest_gen"
[ -x "$helper" ] || { echo "it_rest_spec: $helper not built"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-ice-rest.XXXXXX")
pid=
cleanup() {
  [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
/usr/bin/python3 "$root/tests/catalog/rest_server.py" --state "$work/state" \
  --port-file "$work/port" --warehouse "file://$work/wh" 2> "$work/server.log" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/server.log"; echo "it_rest_spec: server did not start"; exit 1; }

/usr/bin/python3 - "http://127.0.0.1:$(cat "$work/port")" "$helper" <<'PY'
import json, subprocess, sys, urllib.error, urllib.request

url, helper = sys.argv[1], sys.argv[2]
failures = []

def expect(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))

def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def restspec(last):
    out = subprocess.run([helper, "restspec", str(last)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)

def specs(md):
    return [(s["spec-id"], [(f["name"], f["transform"], f["source-id"], f["field-id"])
                            for f in s["fields"]]) for s in md["partition-specs"]]

T = "/v1/namespaces/db/tables/t"
expect("namespace", call("POST", "/v1/namespaces", {"namespace": ["db"]})[0], 200)
schema = {"type": "struct", "fields": [
    {"id": 1, "name": "id", "required": False, "type": "long"},
    {"id": 2, "name": "name", "required": False, "type": "string"},
    {"id": 3, "name": "ts", "required": False, "type": "timestamptz"}]}
st, res = call("POST", "/v1/namespaces/db/tables", {
    "name": "t", "schema": schema,
    "partition-spec": {"spec-id": 0, "fields": [
        {"name": "name", "transform": "identity", "source-id": 2}]}})
expect("create", st, 200)
md = res["metadata"]
spec0 = (0, [("name", "identity", 2, 1000)])
expect("created specs", specs(md), [spec0])
expect("created last-partition-id", md["last-partition-id"], 1000)
expect("created default", md["default-spec-id"], 0)

body = restspec(1000)
st, res = call("POST", T, body)
expect("add-spec commit", st, 200)
md = res["metadata"] if st == 200 else {}
spec1 = (1, [("id_bucket", "bucket[8]", 1, 1001), ("ts_day", "day", 3, 1002)])
expect("specs after add", specs(md) if md else None, [spec0, spec1])
expect("default after add", md.get("default-spec-id"), 1)
expect("last-partition-id after add", md.get("last-partition-id"), 1002)

# the same request again: the table's default spec is no longer 0
st, res = call("POST", T, body)
expect("stale default spec", st, 409)
expect("stale default message", "default partition spec changed" in json.dumps(res), True)
body2 = dict(body)
body2["requirements"] = [{"type": "assert-default-spec-id", "default-spec-id": 1},
                         {"type": "assert-last-assigned-partition-id", "last-assigned-partition-id": 1000}]
st, res = call("POST", T, body2)
expect("stale last-partition-id", st, 409)
st, res = call("GET", T)
expect("unchanged after 409", (specs(res["metadata"]), res["metadata"]["default-spec-id"]),
       ([spec0, spec1], 1))

# add-spec equal to spec 0 (field ids differ: ignored) adds nothing
again0 = {"requirements": [], "updates": [
    {"action": "add-spec", "spec": {"spec-id": 0, "fields": [
        {"name": "name", "transform": "identity", "source-id": 2, "field-id": 1005}]}},
    {"action": "set-default-spec", "spec-id": -1}]}
st, res = call("POST", T, again0)
expect("set-default -1 after a reused spec", st, 400)
st, res = call("POST", T, {"requirements": [{"type": "assert-default-spec-id", "default-spec-id": 1}],
                           "updates": [{"action": "set-default-spec", "spec-id": 0}]})
expect("set-default by id", st, 200)
md = res["metadata"] if st == 200 else {}
expect("default by id", md.get("default-spec-id"), 0)
expect("specs kept", specs(md) if md else None, [spec0, spec1])
st, res = call("POST", T, {"requirements": [], "updates": [
    {"action": "set-default-spec", "spec-id": 7}]})
expect("unknown default spec", st, 400)
# a spec without field ids, then made default in the same commit
st, res = call("POST", T, {"requirements": [], "updates": [
    {"action": "add-spec", "spec": {"fields": [
        {"name": "ts_hour", "transform": "hour", "source-id": 3}]}},
    {"action": "set-default-spec", "spec-id": -1}]})
expect("spec without field ids", st, 200)
md = res["metadata"] if st == 200 else {}
expect("spec 2", specs(md)[-1] if md else None, (2, [("ts_hour", "hour", 3, 1003)]))
expect("default 2", md.get("default-spec-id"), 2)
expect("last-partition-id 1003", md.get("last-partition-id"), 1003)
st, res = call("POST", T, {"requirements": [], "updates": [
    {"action": "add-spec", "spec": {"fields": [
        {"name": "nope", "transform": "identity", "source-id": 42, "field-id": 1100}]}}]})
expect("unknown source column", st, 400)

if failures:
    for f in failures:
        print("FAIL", f)
    sys.exit(1)
print("REST add-spec / set-default-spec / spec requirements ok")
PY
