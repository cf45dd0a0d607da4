#!/usr/bin/python3
"""A test Confluent Schema Registry (Python stdlib + protoc), following the
REST API of Confluent's Schema Registry rather than canned answers.

API (content types application/vnd.schemaregistry.v1+json and
application/json both accepted; answers are application/vnd.schemaregistry.v1+json):
  POST /subjects/{s}/versions {schema, schemaType?, references?} -> {"id": N}
      The same schema (type + text + references) has one global id across
      subjects; registering it again under a subject that has it returns
      the existing id and adds no version. AVRO and JSON texts must be JSON
      (compared in compact form); PROTOBUF texts are compiled with protoc
      (references written into a temp dir under their names, recursively;
      google/protobuf/*.proto come from /usr/include). Invalid schema or
      unknown reference: 422 {"error_code": 42201}.
  POST /subjects/{s}  (lookup) -> {subject, id, version, schema, ...};
      40401 subject not found, 40403 schema not found under it.
  GET /subjects, GET /subjects/{s}/versions -> [1, 2, ...]
  GET /subjects/{s}/versions/{v|latest|-1}[?format=serialized]
      -> {subject, id, version, schema, schemaType (omitted for AVRO),
          references (omitted when empty)}
  GET /schemas/ids/{id}[?format=serialized] -> {schema, schemaType?, references?}
  GET /schemas/ids/{id}/versions -> [{"subject": s, "version": v}, ...]
  GET /schemas/types -> ["JSON", "PROTOBUF", "AVRO"]
  GET/PUT /config, GET/PUT /config/{s}  (compatibility is stored, not enforced;
      GET /config/{s} without a subject setting: 404 40408 as Confluent
      answers)
  ?format=serialized (PROTOBUF only): "schema" is the base64 of the
  FileDescriptorProto of the schema's file, taken from protoc's
  FileDescriptorSet (parsed by hand here). The main file is named after
  the first subject it was registered under ("<subject>" when it ends in
  ".proto", else "<subject>.proto"), so a schema registered under the
  subject "common/money.proto" (Confluent's reference subject naming)
  describes the file other schemas import under that name.
  Errors: {"error_code": N, "message": M}: 404 40401 subject, 40402
  version, 40403 schema not found; 422 42201 invalid schema, 42202
  invalid version; 401 {"error_code": 401} without the right credentials.

Auth: --basic USER:PASS and/or --token T; when either is given, every API
request needs a matching Authorization header (Basic or Bearer). The
admin endpoints below never need one.

Admin endpoints (tests):
  POST /_admin/faults  one object, any of:
      {"status": 503, "count": 3}  the next 3 API requests answer 503
                                   (error_code 50001)
      {"latency_ms": 200}          every API request waits 200 ms (0 stops)
      {"drop_connection": 2}       the next 2 API requests get the
                                   connection closed without an answer
  POST /_admin/reset   clears faults and counters
  GET  /_admin/stats   {"total": N, "kinds": {kind: n}, "ids": {id: n}}
      kinds: schemas_ids, schemas_ids_versions, schemas_types, subjects,
      subject_versions, subject_version, subject_latest, register, lookup,
      config, other, fault; "ids" counts GET /schemas/ids/{id} per id.

State (schemas, subjects, configs) persists in the JSON file --state
(written after every change, read at start), so a restarted server keeps
its ids. The port is written to --port-file once the server listens.

Usage: sr_server.py --port-file F [--port 0] [--state FILE]
       [--basic USER:PASS] [--token T]
"""
import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = ("AVRO", "PROTOBUF", "JSON")
WKT_DIRS = ["/usr/include"]


class Fail(Exception):
    def __init__(self, status, code, msg):
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


# ---------------------------------------------------------------- protobuf

def varint(b, i):
    v = shift = 0
    while True:
        if i >= len(b) or shift > 63:
            raise ValueError("truncated varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def fields(b):
    """(field number, wire type, value) of one message: value is the int of
    a varint/fixed field, the bytes of a length-delimited one."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wt)
        if i > len(b):
            raise ValueError("truncated field")
        yield num, wt, v


def enc_varint(v):
    out = bytearray()
    while True:
        if v < 0x80:
            out.append(v)
            return bytes(out)
        out.append(v & 0x7F | 0x80)
        v >>= 7


def file_descriptor(fds, name):
    """The FileDescriptorProto named name out of a FileDescriptorSet
    (FileDescriptorSet.file = 1; FileDescriptorProto.name = 1)."""
    for num, wt, fd in fields(fds):
        if num != 1 or wt != 2:
            continue
        for n2, w2, v in fields(fd):
            if n2 == 1 and w2 == 2 and v.decode() == name:
                return fd
    raise ValueError("no file %s in the descriptor set" % name)


def safe_name(name):
    if (not name or name.startswith("/") or "\\" in name or "\0" in name
            or any(p in ("", ".", "..") for p in name.split("/"))):
        raise Fail(422, 42201, "invalid reference name %r" % name)
    return name


# ------------------------------------------------------------------ state

class Registry:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.st = {"next_id": 1, "schemas": {}, "subjects": {}, "config": {},
                   "global": "BACKWARD"}
        if path and os.path.exists(path):
            with open(path) as f:
                self.st = json.load(f)
        self.reset_admin()

    def reset_admin(self):
        self.stats = {"total": 0, "kinds": {}, "ids": {}}
        self.fail_status = 0
        self.fail_count = 0
        self.latency_ms = 0
        self.drop = 0

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.st, f)
        os.replace(tmp, self.path)

    # a schema as stored: {"id", "type", "schema", "references", "key",
    #                      "descriptor": base64 (PROTOBUF)}
    def schema(self, sid):
        return self.st["schemas"].get(str(sid))

    def version_of(self, subject, v):
        vs = self.st["subjects"].get(subject)
        if not vs:
            raise Fail(404, 40401, "Subject '%s' not found." % subject)
        if v in ("latest", "-1"):
            return vs[-1]
        try:
            n = int(v)
        except ValueError:
            raise Fail(422, 42202, "The specified version '%s' is not a valid version id. "
                       "Allowed values are between [1, 2^31-1] and the string \"latest\"" % v)
        if n < 1:
            raise Fail(422, 42202, "The specified version '%s' is not a valid version id." % v)
        for e in vs:
            if e["version"] == n:
                return e
        raise Fail(404, 40402, "Version %d not found." % n)

    def canonical(self, typ, text, refs):
        if typ in ("AVRO", "JSON"):
            try:
                text = json.dumps(json.loads(text), separators=(",", ":"))
            except ValueError as e:
                raise Fail(422, 42201, "Invalid schema: %s" % e)
        return json.dumps([typ, text, [[r["name"], r["subject"], r["version"]] for r in refs]])

    def check_refs(self, refs):
        out = []
        for r in refs:
            if not isinstance(r, dict) or not isinstance(r.get("name"), str) \
                    or not isinstance(r.get("subject"), str):
                raise Fail(422, 42201, "Invalid schema reference %r" % (r,))
            try:
                e = self.version_of(r["subject"], str(r.get("version", "latest")))
            except Fail:
                raise Fail(422, 42201, "Invalid schema: reference %s (subject %s version %s) "
                           "not found" % (r["name"], r["subject"], r.get("version")))
            out.append({"name": r["name"], "subject": r["subject"], "version": e["version"]})
        return out

    def write_refs(self, d, refs, seen):
        for r in refs:
            name = safe_name(r["name"])
            if name in seen:
                continue
            seen.add(name)
            s = self.schema(self.version_of(r["subject"], str(r["version"]))["id"])
            p = os.path.join(d, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(s["schema"])
            self.write_refs(d, s.get("references") or [], seen)

    def compile_proto(self, text, refs, main):
        d = tempfile.mkdtemp(prefix="sr-proto-")
        try:
            self.write_refs(d, refs, {main})
            p = os.path.join(d, main)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
            out = os.path.join(d, "set.pb")
            cmd = ["protoc", "--descriptor_set_out=" + out, "--include_imports", "-I", d]
            for w in WKT_DIRS:
                cmd += ["-I", w]
            r = subprocess.run(cmd + [main], capture_output=True, text=True)
            if r.returncode != 0:
                raise Fail(422, 42201, "Invalid schema: %s" % r.stderr.strip().replace(d + "/", ""))
            with open(out, "rb") as f:
                fd = file_descriptor(f.read(), main)
            return base64.b64encode(fd).decode()
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def register(self, subject, body):
        typ = body.get("schemaType") or "AVRO"
        text = body.get("schema")
        if typ not in TYPES:
            raise Fail(422, 42201, "Invalid schema type %s" % typ)
        if not isinstance(text, str):
            raise Fail(422, 42201, "Invalid schema: \"schema\" must be a string")
        refs = self.check_refs(body.get("references") or [])
        key = self.canonical(typ, text, refs)
        vs = self.st["subjects"].get(subject, [])
        sid = next((int(k) for k, s in self.st["schemas"].items() if s["key"] == key), None)
        if sid is not None and any(e["id"] == sid for e in vs):
            return sid
        if sid is None:
            s = {"type": typ, "schema": text, "references": refs, "key": key}
            if typ == "PROTOBUF":
                main = subject if subject.endswith(".proto") else subject + ".proto"
                s["descriptor"] = self.compile_proto(text, refs, safe_name(main))
            if typ == "AVRO" and not isinstance(json.loads(text), (dict, list, str)):
                raise Fail(422, 42201, "Invalid schema: not an Avro schema")
            sid = self.st["next_id"]
            self.st["next_id"] += 1
            s["id"] = sid
            self.st["schemas"][str(sid)] = s
        vs.append({"version": (vs[-1]["version"] + 1) if vs else 1, "id": sid})
        self.st["subjects"][subject] = vs
        self.save()
        return sid

    def describe(self, sid, serialized, subject=None, version=None):
        s = self.schema(sid)
        out = {}
        if subject is not None:
            out.update({"subject": subject, "version": version, "id": sid})
        if s["type"] != "AVRO":
            out["schemaType"] = s["type"]
        if s.get("references"):
            out["references"] = s["references"]
        out["schema"] = s["descriptor"] if serialized and s["type"] == "PROTOBUF" else s["schema"]
        return out


# ---------------------------------------------------------------- handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body are written separately: with Nagle on, the body
    # waits for the client's delayed ACK (about 40 ms per request)
    disable_nagle_algorithm = True
    reg = None
    auth = set()

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return {}
        try:
            b = json.loads(raw)
        except ValueError:
            raise Fail(400, 400, "malformed JSON body")
        if not isinstance(b, dict):
            raise Fail(422, 422, "body must be a JSON object")
        return b

    def count(self, kind):
        st = self.reg.stats
        st["total"] += 1
        st["kinds"][kind] = st["kinds"].get(kind, 0) + 1

    def admin(self, parts):
        reg = self.reg
        with reg.lock:
            if parts == ["stats"] and self.command == "GET":
                return 200, reg.stats
            if parts == ["reset"] and self.command == "POST":
                self.body()
                reg.reset_admin()
                return 200, {}
            if parts == ["faults"] and self.command == "POST":
                b = self.body()
                if "status" in b:
                    reg.fail_status, reg.fail_count = int(b["status"]), int(b.get("count", 1))
                if "latency_ms" in b:
                    reg.latency_ms = int(b["latency_ms"])
                if "drop_connection" in b:
                    reg.drop = int(b["drop_connection"])
                return 200, {}
        raise Fail(404, 404, "no admin route")

    def kind(self, parts):
        if parts[:2] == ["schemas", "ids"]:
            return "schemas_ids_versions" if len(parts) == 4 else "schemas_ids"
        if parts[:2] == ["schemas", "types"]:
            return "schemas_types"
        if parts[:1] == ["subjects"]:
            if len(parts) == 1:
                return "subjects"
            if len(parts) == 2:
                return "lookup" if self.command == "POST" else "other"
            if len(parts) == 3:
                return "register" if self.command == "POST" else "subject_versions"
            return "subject_latest" if parts[3] in ("latest", "-1") else "subject_version"
        if parts[:1] == ["config"]:
            return "config"
        return "other"

    def authorized(self):
        if not self.auth:
            return True
        return self.headers.get("Authorization", "") in self.auth

    def route(self, parts, query):
        reg = self.reg
        cmd = self.command
        serialized = query.get("format", [""])[0] == "serialized"
        if parts[:2] == ["schemas", "types"] and cmd == "GET":
            return 200, list(reversed(TYPES))
        if parts[:2] == ["schemas", "ids"] and len(parts) in (3, 4) and cmd == "GET":
            with reg.lock:
                if len(parts) == 3:
                    st = reg.stats["ids"]
                    st[parts[2]] = st.get(parts[2], 0) + 1
                s = reg.schema(parts[2]) if re.fullmatch(r"[0-9]+", parts[2]) else None
                if s is None:
                    raise Fail(404, 40403, "Schema %s not found" % parts[2])
                if len(parts) == 4:
                    if parts[3] != "versions":
                        raise Fail(404, 404, "HTTP 404 Not Found")
                    return 200, [{"subject": subj, "version": e["version"]}
                                 for subj, vs in reg.st["subjects"].items()
                                 for e in vs if e["id"] == s["id"]]
                return 200, reg.describe(s["id"], serialized)
        if parts == ["subjects"] and cmd == "GET":
            with reg.lock:
                return 200, [s for s, vs in reg.st["subjects"].items() if vs]
        if parts[:1] == ["subjects"] and len(parts) >= 2:
            subject = parts[1]
            with reg.lock:
                if len(parts) == 2 and cmd == "POST":
                    b = self.body()
                    if not reg.st["subjects"].get(subject):
                        raise Fail(404, 40401, "Subject '%s' not found." % subject)
                    key = reg.canonical(b.get("schemaType") or "AVRO", b.get("schema") or "",
                                        reg.check_refs(b.get("references") or []))
                    for e in reg.st["subjects"][subject]:
                        if reg.schema(e["id"])["key"] == key:
                            return 200, reg.describe(e["id"], False, subject, e["version"])
                    raise Fail(404, 40403, "Schema not found")
                if len(parts) == 3 and parts[2] == "versions":
                    if cmd == "POST":
                        return 200, {"id": reg.register(subject, self.body())}
                    if cmd == "GET":
                        if not reg.st["subjects"].get(subject):
                            raise Fail(404, 40401, "Subject '%s' not found." % subject)
                        return 200, [e["version"] for e in reg.st["subjects"][subject]]
                if len(parts) == 4 and parts[2] == "versions" and cmd == "GET":
                    e = reg.version_of(subject, parts[3])
                    return 200, reg.describe(e["id"], serialized, subject, e["version"])
        if parts[:1] == ["config"] and len(parts) <= 2:
            with reg.lock:
                if cmd == "PUT":
                    c = self.body().get("compatibility")
                    if not isinstance(c, str):
                        raise Fail(422, 42203, "Invalid compatibility level")
                    if len(parts) == 2:
                        reg.st["config"][parts[1]] = c.upper()
                    else:
                        reg.st["global"] = c.upper()
                    reg.save()
                    return 200, {"compatibility": c.upper()}
                if cmd == "GET":
                    if len(parts) == 1:
                        return 200, {"compatibilityLevel": reg.st["global"]}
                    c = reg.st["config"].get(parts[1])
                    if c is None:
                        raise Fail(404, 40408, "Subject '%s' does not have subject-level "
                                   "compatibility configured" % parts[1])
                    return 200, {"compatibilityLevel": c}
        raise Fail(404, 404, "HTTP 404 Not Found")

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/") if p != ""]
        query = urllib.parse.parse_qs(url.query)
        try:
            if parts[:1] == ["_admin"]:
                code, obj = self.admin(parts[1:])
                return self.send_json(code, obj)
            reg = self.reg
            with reg.lock:
                self.count(self.kind(parts))
                latency = reg.latency_ms
                drop = status = 0
                if reg.drop > 0:
                    reg.drop -= 1
                    drop = 1
                elif reg.fail_count > 0:
                    reg.fail_count -= 1
                    status = reg.fail_status
                if drop or status:
                    self.count("fault")
            if latency:
                time.sleep(latency / 1000.0)
            if drop:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if status:
                raise Fail(status, status * 100 + 1, "injected fault")
            if not self.authorized():
                raise Fail(401, 401, "Unauthorized")
            code, obj = self.route(parts, query)
            self.send_json(code, obj)
        except Fail as f:
            self.send_json(f.status, {"error_code": f.code, "message": f.msg})
        except (KeyError, ValueError, TypeError) as e:
            self.send_json(422, {"error_code": 422, "message": "Unprocessable entity: %r" % e})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state", default="")
    ap.add_argument("--basic", default="")
    ap.add_argument("--token", default="")
    args = ap.parse_args()
    Handler.reg = Registry(args.state)
    auth = set()
    if args.basic:
        auth.add("Basic " + base64.b64encode(args.basic.encode()).decode())
    if args.token:
        auth.add("Bearer " + args.token)
    Handler.auth = auth
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
