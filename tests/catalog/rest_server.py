#!/usr/bin/python3
"""A test Iceberg REST catalog (Python stdlib only) with the semantics of
Apache Iceberg's rest-catalog-open-api.yaml, not canned answers.

State (namespaces, tables -> current metadata-location) persists in
STATE_DIR/catalog.json; metadata files are written by this server under the
table's metadata folder (file:// warehouses), named NNNNN-<uuid>.metadata.json
with the metadata-log kept, as real catalogs do. Commits check every
requirement type of the spec (409 CommitFailedException on failure), apply
the updates and are serialized by one lock. Partition specs follow Iceberg
Java's TableMetadata.Builder: add-spec reuses an equal spec (same source
ids, transforms, names) or takes the highest spec id + 1 and raises
last-partition-id; set-default-spec -1 means the spec added by this commit
(400 when the add-spec only matched a spec the table already had); a create
request's "partition-spec" becomes spec 0. Sort orders likewise
(addSortOrder): add-sort-order reuses an equal order (same fields; order
ids ignored; an unsorted one is order 0) or takes the highest order id + 1;
set-default-sort-order -1 means the order added by this commit (400 when it
only matched an existing order), an unknown id is 400.

Auth: --token T (static bearer) and/or --oauth ID:SECRET (client credentials
at /v1/oauth/tokens, tokens expiring after --token-ttl seconds); 401 on a
missing, invalid or expired token.

Faults (commits only), set with --faults JSON or POST /test/faults:
  {"queue": ["409", "500-before", "503-after", "cut-after", "cut-before",
             "latency"], "random": {"500-after": 0.2, ...}, "latency_ms": 300,
   "seed": 1}
The queue is consumed first, one fault per commit; then each commit draws
from "random". "NNN-before" answers NNN without applying; "NNN-after"
applies the commit and then answers NNN; "cut-after" applies and closes the
connection without an answer. "blind_loads": N makes the N table loads
that follow each "-after" fault answer 503 too, so the client cannot see
what happened for a while. GET /test/stats returns the counters; POST /test/revoke invalidates every
OAuth2 token issued so far (the next request with one answers 401).

Usage: rest_server.py --state DIR --port-file F [--port 0] [--prefix P]
       [--token T] [--oauth ID:SECRET] [--token-ttl S] [--faults JSON]
       [--table-config JSON]
"""
import argparse
import copy
import json
import os
import random
import secrets
import socket
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEP = "\x1f"


class Fail(Exception):
    def __init__(self, code, typ, msg):
        super().__init__(msg)
        self.code, self.typ, self.msg = code, typ, msg


class Cut(Exception):
    pass


def url_to_path(url):
    if url.startswith("file://"):
        return urllib.parse.unquote(url[len("file://"):])
    if url.startswith("file:/"):
        return url[len("file:"):]
    raise Fail(400, "BadRequestException", "only file:// locations are supported: " + url)


class Catalog:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.state_file = os.path.join(args.state, "catalog.json")
        os.makedirs(args.state, exist_ok=True)
        if os.path.exists(self.state_file):
            with open(self.state_file) as f:
                self.state = json.load(f)
        else:
            self.state = {"namespaces": {}, "tables": {}}
        self.tokens = {}
        self.faults = {"queue": [], "random": {}, "latency_ms": 200, "blind_loads": 0}
        self.blind = 0
        self.rng = random.Random()
        self.stats = {"commits": 0, "commits_applied": 0, "requirement_failed": 0,
                      "faults": {}, "loads": 0, "creates": 0, "tokens_issued": 0,
                      "unauthorized": 0, "requests": 0}
        if args.faults:
            self.set_faults(json.loads(args.faults))

    def set_faults(self, f):
        self.faults = {"queue": list(f.get("queue", [])), "random": dict(f.get("random", {})),
                       "latency_ms": int(f.get("latency_ms", 200)),
                       "blind_loads": int(f.get("blind_loads", 0))}
        self.blind = 0
        if "seed" in f:
            self.rng.seed(f["seed"])

    def save(self):
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.state_file)

    def draw_fault(self):
        if self.faults["queue"]:
            return self.faults["queue"].pop(0)
        for name, p in self.faults["random"].items():
            if self.rng.random() < p:
                return name
        return None

    # ------------------------------------------------------------ metadata
    def read_md(self, loc):
        if loc.startswith("s3://"):
            # s3:// warehouses: the object store given by --s3-endpoint
            # (s3rver in the tests: path-style, anonymous access)
            with urllib.request.urlopen(self.s3_url(loc)) as r:
                return json.load(r)
        with open(url_to_path(loc)) as f:
            return json.load(f)

    def s3_url(self, loc):
        if not self.args.s3_endpoint:
            raise Fail(400, "BadRequestException", "s3:// location without --s3-endpoint: " + loc)
        return self.args.s3_endpoint.rstrip("/") + "/" + urllib.parse.quote(loc[len("s3://"):])

    def write_md(self, md, version):
        mdir = md.get("properties", {}).get("write.metadata.path") or \
            md["location"].rstrip("/") + "/metadata"
        loc = "%s/%05d-%s.metadata.json" % (mdir.rstrip("/"), version, uuid.uuid4())
        if loc.startswith("s3://"):
            req = urllib.request.Request(self.s3_url(loc), data=json.dumps(md).encode(), method="PUT")
            urllib.request.urlopen(req).read()
            return loc
        path = url_to_path(loc)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(md, f)
        os.replace(path + ".tmp", path)
        return loc

    def result(self, loc, md):
        cfg = json.loads(self.args.table_config) if self.args.table_config else {}
        # test-only: "s3.session-token-expires-in-ms" becomes the spec's
        # absolute "s3.session-token-expires-at-ms", so vended credentials
        # expire for real
        if "s3.session-token-expires-in-ms" in cfg:
            cfg["s3.session-token-expires-at-ms"] = str(int(time.time() * 1000) +
                                                        int(cfg.pop("s3.session-token-expires-in-ms")))
        self.stats["vended"] = self.stats.get("vended", 0) + (1 if cfg else 0)
        return {"metadata-location": loc, "metadata": md, "config": cfg}

    def new_metadata(self, ident, req):
        schema = copy.deepcopy(req["schema"])
        schema.setdefault("schema-id", 0)
        last_col = max_field_id(schema)
        loc = req.get("location") or "%s/%s/%s" % (self.args.warehouse.rstrip("/"),
                                                   "/".join(ident[0]), ident[1])
        now = int(time.time() * 1000)
        # CreateTableRequest's "partition-spec" becomes spec 0 (field ids
        # from 1000 where the request has none, as Iceberg Java assigns them)
        fields, last_part = [], 999
        for f in (req.get("partition-spec") or {}).get("fields", []):
            f = dict(f)
            if f.get("field-id") is None:
                f["field-id"] = last_part + 1
            last_part = max(last_part, f["field-id"])
            fields.append(f)
        check_spec_sources(fields, schema)
        return {
            "format-version": 2, "table-uuid": str(uuid.uuid4()), "location": loc.rstrip("/"),
            "last-sequence-number": 0, "last-updated-ms": now, "last-column-id": last_col,
            "current-schema-id": schema["schema-id"], "schemas": [schema],
            "default-spec-id": 0, "partition-specs": [{"spec-id": 0, "fields": fields}],
            "last-partition-id": last_part, "default-sort-order-id": 0,
            "sort-orders": [{"order-id": 0, "fields": []}],
            "properties": dict(req.get("properties") or {}), "current-snapshot-id": -1,
            "refs": {}, "snapshots": [], "snapshot-log": [], "metadata-log": [],
        }

    # ------------------------------------------------------- requirements
    def check(self, md, r):
        t = r.get("type")

        def fail(msg):
            self.stats["requirement_failed"] += 1
            raise Fail(409, "CommitFailedException", "Requirement failed: " + msg)
        if t == "assert-create":
            if md is not None:
                fail("table already exists")
        elif md is None:
            raise Fail(404, "NoSuchTableException", "table does not exist")
        elif t == "assert-table-uuid":
            if md.get("table-uuid") != r.get("uuid"):
                fail("UUID does not match: expected %s != %s" % (md.get("table-uuid"), r.get("uuid")))
        elif t == "assert-ref-snapshot-id":
            ref = md.get("refs", {}).get(r["ref"])
            if ref is None and r["ref"] == "main" and md.get("current-snapshot-id", -1) not in (-1, None):
                ref = {"snapshot-id": md["current-snapshot-id"]}
            want = r.get("snapshot-id")
            if want is None:
                if ref is not None:
                    fail("reference %s was created concurrently" % r["ref"])
            elif ref is None or ref["snapshot-id"] != want:
                fail("%s has changed: expected id %s != %s" % (r["ref"], want, ref and ref["snapshot-id"]))
        elif t == "assert-last-assigned-field-id":
            if md.get("last-column-id") != r.get("last-assigned-field-id"):
                fail("last assigned field id changed: expected %s != %s" % (r.get("last-assigned-field-id"), md.get("last-column-id")))
        elif t == "assert-current-schema-id":
            if md.get("current-schema-id") != r.get("current-schema-id"):
                fail("current schema changed: expected %s != %s" % (r.get("current-schema-id"), md.get("current-schema-id")))
        elif t == "assert-last-assigned-partition-id":
            if md.get("last-partition-id") != r.get("last-assigned-partition-id"):
                fail("last assigned partition id changed")
        elif t == "assert-default-spec-id":
            if md.get("default-spec-id") != r.get("default-spec-id"):
                fail("default partition spec changed")
        elif t == "assert-default-sort-order-id":
            if md.get("default-sort-order-id") != r.get("default-sort-order-id"):
                fail("default sort order changed")
        else:
            raise Fail(400, "BadRequestException", "unknown requirement type %r" % t)

    # ------------------------------------------------------------ updates
    def apply(self, md, updates):
        now = int(time.time() * 1000)
        last_schema = None
        last_spec, added_specs = None, set()
        last_order, added_orders = None, set()
        for u in updates:
            a = u.get("action")
            if a == "assign-uuid":
                md["table-uuid"] = u["uuid"]
            elif a == "upgrade-format-version":
                if u["format-version"] < md["format-version"]:
                    raise Fail(400, "BadRequestException", "cannot downgrade format version")
                md["format-version"] = u["format-version"]
            elif a == "add-schema":
                s = copy.deepcopy(u["schema"])
                same = [x for x in md["schemas"] if x.get("fields") == s.get("fields")]
                if same:
                    last_schema = same[0]["schema-id"]
                else:
                    s["schema-id"] = max(x["schema-id"] for x in md["schemas"]) + 1
                    md["schemas"].append(s)
                    last_schema = s["schema-id"]
                md["last-column-id"] = max(md["last-column-id"],
                                           u.get("last-column-id", max_field_id(s)))
            elif a == "set-current-schema":
                sid = u["schema-id"]
                if sid == -1:
                    if last_schema is None:
                        raise Fail(400, "BadRequestException", "no schema added in this commit")
                    sid = last_schema
                if not any(x["schema-id"] == sid for x in md["schemas"]):
                    raise Fail(400, "BadRequestException", "unknown schema %s" % sid)
                md["current-schema-id"] = sid
            elif a == "add-snapshot":
                s = u["snapshot"]
                if any(x["snapshot-id"] == s["snapshot-id"] for x in md["snapshots"]):
                    raise Fail(400, "BadRequestException", "snapshot %s exists" % s["snapshot-id"])
                if s.get("sequence-number", 0) <= md.get("last-sequence-number", 0):
                    raise Fail(400, "BadRequestException", "sequence number %s not above %s" % (s.get("sequence-number"), md.get("last-sequence-number")))
                md["snapshots"].append(s)
                md["last-sequence-number"] = s.get("sequence-number", 0)
            elif a == "set-snapshot-ref":
                sid = u["snapshot-id"]
                if not any(x["snapshot-id"] == sid for x in md["snapshots"]):
                    raise Fail(400, "BadRequestException", "unknown snapshot %s" % sid)
                md.setdefault("refs", {})[u["ref-name"]] = {"snapshot-id": sid, "type": u.get("type", "branch")}
                if u["ref-name"] == "main":
                    md["current-snapshot-id"] = sid
                    md.setdefault("snapshot-log", []).append({"timestamp-ms": now, "snapshot-id": sid})
            elif a == "remove-snapshots":
                self.remove_snapshots(md, set(u["snapshot-ids"]))
            elif a == "set-properties":
                md.setdefault("properties", {}).update(u["updates"])
            elif a == "remove-properties":
                for k in u["removals"]:
                    md.get("properties", {}).pop(k, None)
            elif a == "set-location":
                md["location"] = u["location"]
            elif a == "add-spec":
                last_spec = self.add_spec(md, u["spec"], added_specs)
            elif a == "set-default-spec":
                sid = u["spec-id"]
                if sid == -1:
                    # Iceberg Java: -1 is the spec added by this commit; an
                    # add-spec that only matched a spec the table already
                    # had added nothing
                    if last_spec is None:
                        raise Fail(400, "BadRequestException",
                                   "Cannot set last added spec: no spec has been added")
                    sid = last_spec
                if not any(x["spec-id"] == sid for x in md["partition-specs"]):
                    raise Fail(400, "BadRequestException", "Cannot set default partition spec to unknown spec: %s" % sid)
                md["default-spec-id"] = sid
            elif a == "add-sort-order":
                last_order = self.add_sort_order(md, u["sort-order"], added_orders)
            elif a == "set-default-sort-order":
                oid = u["sort-order-id"]
                if oid == -1:
                    # as for specs: -1 is the order added by this commit
                    if last_order is None:
                        raise Fail(400, "BadRequestException",
                                   "Cannot set last added sort order: no sort order has been added")
                    oid = last_order
                if not any(x["order-id"] == oid for x in md.setdefault("sort-orders", [{"order-id": 0, "fields": []}])):
                    raise Fail(400, "BadRequestException", "Cannot set default sort order to unknown order: %s" % oid)
                md["default-sort-order-id"] = oid
            else:
                raise Fail(400, "BadRequestException", "unsupported update %r" % a)
        md["last-updated-ms"] = now

    def remove_snapshots(self, md, ids):
        """Snapshot expiry. Refused (400) for a snapshot a ref points at:
        Iceberg Java would drop the dangling ref instead, but no writer of
        ours means to lose a branch or tag. Unknown ids are ignored (as
        Java does). The snapshot-log loses every entry up to the last
        removed one (Java's updateSnapshotLog: no hole in the history);
        statistics of removed snapshots go too."""
        for name, ref in md.get("refs", {}).items():
            if ref.get("snapshot-id") in ids:
                raise Fail(400, "BadRequestException",
                           "Cannot remove snapshot %s: ref %s points at it" % (ref["snapshot-id"], name))
        if md.get("current-snapshot-id") in ids:
            raise Fail(400, "BadRequestException",
                       "Cannot remove the current snapshot %s" % md["current-snapshot-id"])
        md["snapshots"] = [x for x in md.get("snapshots", []) if x["snapshot-id"] not in ids]
        log = md.get("snapshot-log", [])
        cut = max([i + 1 for i, e in enumerate(log) if e.get("snapshot-id") in ids] or [0])
        md["snapshot-log"] = log[cut:]
        for key in ("statistics", "partition-statistics"):
            if key in md:
                md[key] = [x for x in md[key] if x.get("snapshot-id") not in ids]

    def add_spec(self, md, spec, added_specs):
        """Iceberg Java's TableMetadata.Builder.addPartitionSpec: an equal
        spec (same source ids, transforms and names in order; field ids
        ignored) is reused, else the spec gets the highest spec id + 1;
        last-partition-id covers its field ids (missing ones are assigned).
        Returns the id "set-default-spec -1" refers to, or None when the
        spec matched one the table had before this commit."""
        def key(fields):
            return [(f.get("source-id"), str(f.get("transform")).lower(), f.get("name")) for f in fields]
        fields = [dict(f) for f in spec.get("fields", [])]
        cur = [x for x in md["schemas"] if x["schema-id"] == md["current-schema-id"]][0]
        check_spec_sources(fields, cur)
        for x in md["partition-specs"]:
            if key(x.get("fields", [])) == key(fields):
                return x["spec-id"] if x["spec-id"] in added_specs else None
        last = md.get("last-partition-id", 999)
        for f in fields:
            if f.get("field-id") is None:
                last += 1
                f["field-id"] = last
            last = max(last, f["field-id"])
        sid = max([x["spec-id"] for x in md["partition-specs"]] + [-1]) + 1
        md["partition-specs"].append({"spec-id": sid, "fields": fields})
        md["last-partition-id"] = last
        added_specs.add(sid)
        return sid

    def add_sort_order(self, md, order, added_orders):
        """Iceberg Java's TableMetadata.Builder.addSortOrder: an equal order
        (same source ids, transforms, directions and null orders in order)
        is reused, an unsorted one is order 0, else the order gets the
        highest order id + 1 (at least 1). Returns the id
        "set-default-sort-order -1" refers to, or None when the order
        matched one the table had before this commit."""
        def key(fields):
            return [(f.get("source-id"), str(f.get("transform")).lower(), f.get("direction"),
                     f.get("null-order")) for f in fields]
        fields = [dict(f) for f in order.get("fields", [])]
        cur = [x for x in md["schemas"] if x["schema-id"] == md["current-schema-id"]][0]
        ids = field_ids(cur.get("fields", []), set())
        for f in fields:
            if f.get("source-id") not in ids:
                raise Fail(400, "BadRequestException", "Cannot find source column for sort field: %s" % f.get("source-id"))
            if f.get("direction") not in ("asc", "desc") or f.get("null-order") not in ("nulls-first", "nulls-last"):
                raise Fail(400, "BadRequestException", "Invalid sort field: %r" % f)
        orders = md.setdefault("sort-orders", [{"order-id": 0, "fields": []}])
        for x in orders:
            if key(x.get("fields", [])) == key(fields):
                return x["order-id"] if x["order-id"] in added_orders else None
        oid = 0 if not fields else max([x["order-id"] for x in orders] + [0]) + 1
        orders.append({"order-id": oid, "fields": fields})
        added_orders.add(oid)
        return oid

    def commit(self, ident, body, handler):
        key = SEP.join(ident[0]) + SEP + ident[1]
        self.stats["commits"] += 1
        fault = self.draw_fault()
        if fault:
            self.stats["faults"][fault] = self.stats["faults"].get(fault, 0) + 1
        if fault == "latency":
            time.sleep(self.faults["latency_ms"] / 1000.0)
        if fault == "409":
            raise Fail(409, "CommitFailedException", "injected conflict")
        if fault and fault.endswith("-before"):
            if fault == "cut-before":
                raise Cut()
            raise Fail(int(fault[:3]), "ServiceFailureException", "injected failure before applying")
        with self.lock:
            loc = self.state["tables"].get(key)
            md = self.read_md(loc) if loc else None
            for r in body.get("requirements", []):
                self.check(md, r)
            if md is None:
                raise Fail(404, "NoSuchTableException", "table %s does not exist" % ".".join(ident[0] + [ident[1]]))
            base_updated = md["last-updated-ms"]
            self.apply(md, body.get("updates", []))
            md.setdefault("metadata-log", []).append({"timestamp-ms": base_updated, "metadata-file": loc})
            keep = int(md.get("properties", {}).get("write.metadata.previous-versions-max", "100"))
            md["metadata-log"] = md["metadata-log"][-keep:]
            name = os.path.basename(loc)
            version = int(name.split("-")[0]) + 1 if name[:5].isdigit() else 0
            new_loc = self.write_md(md, version)
            self.state["tables"][key] = new_loc
            self.save()
            self.stats["commits_applied"] += 1
        if fault and fault.endswith("-after"):
            self.blind = self.faults["blind_loads"]
        if fault == "cut-after":
            raise Cut()
        if fault and fault.endswith("-after"):
            raise Fail(int(fault[:3]), "ServiceFailureException", "injected failure after applying")
        return self.result(new_loc, md)


def field_ids(t, out):
    if isinstance(t, dict):
        if isinstance(t.get("id"), int):
            out.add(t["id"])
        for v in t.values():
            field_ids(v, out)
    elif isinstance(t, list):
        for v in t:
            field_ids(v, out)
    return out


def check_spec_sources(fields, schema):
    ids = field_ids(schema.get("fields", []), set())
    for f in fields:
        if f.get("source-id") not in ids:
            raise Fail(400, "BadRequestException", "Cannot find source column for partition field: %s" % f.get("name"))


def max_field_id(t):
    best = 0
    if isinstance(t, dict):
        for k in ("id", "element-id", "key-id", "value-id"):
            if isinstance(t.get(k), int):
                best = max(best, t[k])
        for v in t.values():
            best = max(best, max_field_id(v))
    elif isinstance(t, list):
        for v in t:
            best = max(best, max_field_id(v))
    return best


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cat = None

    def log_message(self, fmt, *args):
        if os.environ.get("REST_SERVER_LOG"):
            super().log_message(fmt, *args)

    def send_json(self, code, obj):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error(self, code, typ, msg):
        self.send_json(code, {"error": {"message": msg, "type": typ, "code": code}})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorized(self, path):
        a = self.cat.args
        if path in ("/v1/oauth/tokens",) or path.startswith("/test/"):
            return True
        if not a.token and not a.oauth:
            return True
        h = self.headers.get("Authorization", "")
        if not h.startswith("Bearer "):
            return False
        tok = h[len("Bearer "):]
        if a.token and tok == a.token:
            return True
        exp = self.cat.tokens.get(tok)
        return exp is not None and exp > time.time()

    def route(self):
        cat = self.cat
        u = urllib.parse.urlsplit(self.path)
        path, query = u.path, urllib.parse.parse_qs(u.query)
        raw = self.body()
        cat.stats["requests"] += 1
        d = self.headers.get("X-Iceberg-Access-Delegation")
        if d:
            cat.stats.setdefault("delegation", {})[d] = cat.stats.get("delegation", {}).get(d, 0) + 1
        if not self.authorized(path):
            cat.stats["unauthorized"] += 1
            raise Fail(401, "NotAuthorizedException", "not authorized: missing, invalid or expired token")
        if path == "/test/stats":
            return 200, cat.stats
        if path == "/test/revoke" and self.command == "POST":
            cat.tokens.clear()
            return 200, {"ok": True}
        if path == "/test/faults" and self.command == "POST":
            cat.set_faults(json.loads(raw or b"{}"))
            return 200, {"ok": True}
        if path == "/v1/oauth/tokens" and self.command == "POST":
            f = urllib.parse.parse_qs(raw.decode())
            want = (cat.args.oauth or "").split(":", 1)
            if f.get("grant_type") != ["client_credentials"]:
                raise Fail(400, "unsupported_grant_type", "grant_type must be client_credentials")
            if not cat.args.oauth or [f.get("client_id", [""])[0], f.get("client_secret", [""])[0]] != want:
                raise Fail(401, "invalid_client", "bad client credentials")
            tok = secrets.token_hex(16)
            cat.tokens[tok] = time.time() + cat.args.token_ttl
            cat.stats["tokens_issued"] += 1
            return 200, {"access_token": tok, "token_type": "bearer", "expires_in": cat.args.token_ttl,
                         "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"}
        if path == "/v1/config" and self.command == "GET":
            cat.stats["config_warehouse"] = query.get("warehouse", [None])[0]
            ov = {"prefix": cat.args.prefix} if cat.args.prefix else {}
            return 200, {"defaults": {"clients": "4"}, "overrides": ov}
        pre = "/v1/" + (cat.args.prefix + "/" if cat.args.prefix else "")
        if not path.startswith(pre):
            raise Fail(404, "NoSuchEndpointException", "no route " + path)
        parts = [urllib.parse.unquote(p) for p in path[len(pre):].split("/")]
        if parts[0] != "namespaces":
            raise Fail(404, "NoSuchEndpointException", "no route " + path)
        body = json.loads(raw) if raw else {}
        if len(parts) == 1:
            return self.namespaces(body)
        ns = parts[1].split(SEP)
        nkey = SEP.join(ns)
        if len(parts) == 2:
            return self.namespace(ns, nkey)
        if parts[2] != "tables":
            raise Fail(404, "NoSuchEndpointException", "no route " + path)
        if nkey not in cat.state["namespaces"]:
            raise Fail(404, "NoSuchNamespaceException", "namespace %s does not exist" % ".".join(ns))
        if len(parts) == 3:
            if self.command == "POST":
                return self.create_table(ns, body)
            return 200, {"identifiers": [{"namespace": k.split(SEP)[:-1], "name": k.split(SEP)[-1]}
                                         for k in cat.state["tables"] if k.rsplit(SEP, 1)[0] == nkey]}
        ident = (ns, parts[3])
        key = nkey + SEP + parts[3]
        if self.command == "POST":
            return 200, cat.commit(ident, body, self)
        with cat.lock:
            loc = cat.state["tables"].get(key)
            if loc is None:
                raise Fail(404, "NoSuchTableException", "table %s does not exist" % ".".join(ns + [parts[3]]))
            if self.command == "HEAD":
                return 204, None
            if self.command == "DELETE":
                del cat.state["tables"][key]
                cat.save()
                return 204, None
            cat.stats["loads"] += 1
            if cat.blind > 0:
                cat.blind -= 1
                cat.stats["blind_loads"] = cat.stats.get("blind_loads", 0) + 1
                raise Fail(503, "ServiceUnavailableException", "injected: loads fail after a commit fault")
            return 200, cat.result(loc, cat.read_md(loc))

    def namespaces(self, body):
        cat = self.cat
        if self.command == "GET":
            return 200, {"namespaces": [k.split(SEP) for k in cat.state["namespaces"]]}
        ns = body.get("namespace")
        if not ns or not all(isinstance(p, str) and p for p in ns):
            raise Fail(400, "BadRequestException", "bad namespace %r" % ns)
        with cat.lock:
            k = SEP.join(ns)
            if k in cat.state["namespaces"]:
                raise Fail(409, "AlreadyExistsException", "namespace already exists: " + ".".join(ns))
            if len(ns) > 1 and SEP.join(ns[:-1]) not in cat.state["namespaces"]:
                raise Fail(404, "NoSuchNamespaceException", "parent namespace does not exist")
            cat.state["namespaces"][k] = body.get("properties") or {}
            cat.save()
        return 200, {"namespace": ns, "properties": body.get("properties") or {}}

    def namespace(self, ns, nkey):
        cat = self.cat
        with cat.lock:
            if nkey not in cat.state["namespaces"]:
                raise Fail(404, "NoSuchNamespaceException", "namespace does not exist: " + ".".join(ns))
            if self.command == "HEAD":
                return 204, None
            if self.command == "DELETE":
                del cat.state["namespaces"][nkey]
                cat.save()
                return 204, None
            return 200, {"namespace": ns, "properties": cat.state["namespaces"][nkey]}

    def create_table(self, ns, body):
        cat = self.cat
        name = body.get("name")
        if not name or "schema" not in body:
            raise Fail(400, "BadRequestException", "name and schema are required")
        key = SEP.join(ns) + SEP + name
        with cat.lock:
            if key in cat.state["tables"]:
                raise Fail(409, "AlreadyExistsException", "table already exists: " + ".".join(ns + [name]))
            md = cat.new_metadata((ns, name), body)
            loc = cat.write_md(md, 0)
            cat.state["tables"][key] = loc
            cat.save()
            cat.stats["creates"] += 1
        return 200, cat.result(loc, md)

    def handle_any(self):
        try:
            code, obj = self.route()
            self.send_json(code, obj)
        except Fail as f:
            self.error(f.code, f.typ, f.msg)
        except Cut:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except (KeyError, ValueError, TypeError) as e:
            self.error(400, "BadRequestException", "malformed request: %r" % e)

    do_GET = do_POST = do_HEAD = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--warehouse", default="file:///tmp/rest-warehouse")
    ap.add_argument("--token", default="")
    ap.add_argument("--oauth", default="")
    ap.add_argument("--token-ttl", type=int, default=3600)
    ap.add_argument("--faults", default="")
    ap.add_argument("--table-config", default="")
    ap.add_argument("--s3-endpoint", default="",
                    help="object store for s3:// locations (path style, unsigned)")
    args = ap.parse_args()
    Handler.cat = Catalog(args)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
