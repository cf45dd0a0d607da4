#!/usr/bin/python3
"""S3 test proxy between the client under test and s3rver.

* Verifies every request's AWS SigV4 header signature (and payload hash)
  with its own implementation, answering 403 SignatureDoesNotMatch like S3:
  s3rver 3.x only checks the access key id, not V4 signatures.
* Fills gaps of s3rver: suffix ranges ("bytes=-N", s3rver reads them as
  "bytes=0-N") are served by fetching the object and slicing, and
  AbortMultipartUpload (not implemented by s3rver) is answered here.
* Tracks multipart uploads (created, completed, aborted) so tests can check
  that none is left open.
* With --rate R and --seed S injects faults into a fraction R of requests
  (or of the kinds listed in --fault-kinds):
  500 InternalError, 503 SlowDown, stalls (no byte for --stall seconds),
  connection cuts before the response and in the middle of the body.
* Counts requests by method and kind, and faults, into the JSON file
  --counts after every request.
* Latency mode (tests/s3/latency_proxy.py uses it): --latency-ms adds that
  delay to every request, --bandwidth caps each connection at that many
  bytes per second in each direction (the request body is read and the
  response written in 64 KiB chunks, sleeping until each chunk is due),
  and GET bodies are streamed from the server as they come instead of
  being buffered whole.
* --log FILE appends one JSON line per request: start and end times (the
  request line arrived, the reply was written), kind, bucket, key, upload
  id and part number, bytes in and out, status, fault.

Usage: faultproxy.py --listen PORT --upstream http://127.0.0.1:P
       [--rate 0.2 --seed 1 --stall 5] [--secret S3RVER] [--cut-object-gets]
       [--latency-ms MS] [--bandwidth BYTES_PER_S] [--log FILE] [--counts FILE]
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import socket
import threading
import time
import urllib.parse

CHUNK = 64 * 1024
LOCK = threading.Lock()
COUNTS = {"requests": {}, "faults": {}, "sig_rejected": 0, "open_uploads": [],
          "completed_uploads": 0, "aborted_uploads": 0}
ARGS = None
RNG = None
LOG = None


def bump(section, key):
    d = COUNTS[section]
    d[key] = d.get(key, 0) + 1


def save():
    if not ARGS.counts:
        return
    tmp = ARGS.counts + ".tmp"
    with open(tmp, "w") as f:
        json.dump(COUNTS, f, indent=1, sort_keys=True)
    os.replace(tmp, ARGS.counts)


def aws_quote(s):
    return urllib.parse.quote(s, safe="-_.~")


def check_sigv4(method, raw_path, headers, body):
    """Returns None when the signature is right, else a reason."""
    auth = headers.get("authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,\s*"
                 r"SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$", auth)
    if not m:
        return "no or malformed SigV4 Authorization header"
    akid, date8, region, signed, sig = m.groups()
    path, _, query = raw_path.partition("?")
    cpath = "/".join(aws_quote(urllib.parse.unquote(seg)) for seg in path.split("/"))
    params = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        params.append((aws_quote(urllib.parse.unquote(k)), aws_quote(urllib.parse.unquote(v))))
    cquery = "&".join("%s=%s" % kv for kv in sorted(params))
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return "host and x-amz-date must be signed"
    chdrs = "".join("%s:%s\n" % (n, " ".join(headers.get(n, "").split())) for n in names)
    phash = headers.get("x-amz-content-sha256", "")
    if phash != "UNSIGNED-PAYLOAD" and phash != hashlib.sha256(body).hexdigest():
        return "x-amz-content-sha256 does not match the body"
    creq = "\n".join([method, cpath, cquery, chdrs, signed, phash])
    sts = "\n".join(["AWS4-HMAC-SHA256", headers.get("x-amz-date", ""),
                     "%s/%s/s3/aws4_request" % (date8, region),
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + ARGS.secret).encode()
    for part in (date8, region, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return "signature mismatch"
    return None


def kind_of(method, raw_path, headers):
    q = urllib.parse.parse_qs(raw_path.partition("?")[2], keep_blank_values=True)
    if method == "GET" and "list-type" in q:
        return "GET list"
    if method == "GET":
        return "GET range" if "range" in headers else "GET object"
    if method == "PUT":
        return "PUT part" if "partNumber" in q else "PUT object"
    if method == "POST":
        return "POST create" if "uploads" in q else "POST complete"
    if method == "DELETE":
        return "DELETE abort" if "uploadId" in q else "DELETE object"
    return method


class Pacer:
    """Caps one direction of one transfer at ARGS.bandwidth bytes/s: after
    each chunk, sleeps until that chunk would have left a link of that
    rate. No credit builds up while the peer is slow to read (a blocked
    write), so no burst follows: the cap holds at every moment."""

    def __init__(self):
        self.due = time.monotonic()

    def pace(self, n):
        if not ARGS.bandwidth:
            return
        self.due = max(self.due, time.monotonic()) + n / ARGS.bandwidth
        wait = self.due - time.monotonic()
        if wait > 0:
            time.sleep(wait)


def error_xml(code, msg):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s'
            '</Message><RequestId>proxy</RequestId></Error>' % (code, msg)).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_paced(self, data):
        pacer = Pacer()
        for i in range(0, len(data), CHUNK):
            self.wfile.write(data[i:i + CHUNK])
            self.bytes_out += min(CHUNK, len(data) - i)
            pacer.pace(min(CHUNK, len(data) - i))

    def read_paced(self, n):
        pacer, parts, left = Pacer(), [], n
        while left > 0:
            b = self.rfile.read(min(CHUNK, left))
            if not b:
                break
            parts.append(b)
            left -= len(b)
            pacer.pace(len(b))
        return b"".join(parts)

    def reply(self, status, body, headers=None, cut_at=None, length=None):
        self.status = status
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut_at is not None:
            self.send_paced(body[:cut_at])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_paced(body)

    def stream(self, r, length):
        """Forwards a response body of `length` bytes as it arrives."""
        self.status = r.status
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                 "keep-alive"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        pacer, sent = Pacer(), 0
        while sent < length:
            chunk = r.read(min(CHUNK, length - sent))
            if not chunk:
                break
            self.wfile.write(chunk)
            sent += len(chunk)
            self.bytes_out += len(chunk)  # counted as sent: the client may hang up
            pacer.pace(len(chunk))
        if sent < length:  # the server broke off: so do we
            self.close_connection = True

    def handle_any(self):
        t0 = time.time()
        self.status, self.bytes_out, self.fault = 0, 0, None
        try:
            self.handle_request()
        finally:
            if LOG:
                q = urllib.parse.parse_qs(self.path.partition("?")[2], keep_blank_values=True)
                path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
                bucket, _, key = path.partition("/")
                rec = {"start": round(t0, 6), "end": round(time.time(), 6),
                       "kind": kind_of(self.command, self.path,
                                       {k.lower(): v for k, v in self.headers.items()}),
                       "bucket": bucket, "key": key,
                       "upload": q.get("uploadId", [None])[0],
                       "part": int(q["partNumber"][0]) if "partNumber" in q else None,
                       "in": int(self.headers.get("Content-Length", "0") or 0),
                       "out": self.bytes_out, "status": self.status, "fault": self.fault}
                with LOCK:
                    LOG.write(json.dumps(rec, sort_keys=True) + "\n")
                    LOG.flush()

    def handle_request(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        body = self.read_paced(n) if n else b""
        if ARGS.latency_ms:
            time.sleep(ARGS.latency_ms / 1000.0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        kind = kind_of(self.command, self.path, headers)
        with LOCK:
            bump("requests", kind)
            # per bucket too (path style: /bucket/...), so a test can count
            # what one store costs when several share the proxy
            bucket = urllib.parse.urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
            COUNTS.setdefault("by_bucket", {}).setdefault(bucket, {})
            COUNTS["by_bucket"][bucket][kind] = COUNTS["by_bucket"][bucket].get(kind, 0) + 1
            fault = None
            if (ARGS.rate > 0 and (not ARGS.fault_kinds or kind in ARGS.fault_kinds)
                    and RNG.random() < ARGS.rate):
                fault = RNG.choice(["500", "503", "slowdown", "cut_before", "cut_mid",
                                    "500", "slowdown", "cut_mid", "stall"])
            save()
        why = check_sigv4(self.command, self.path, headers, body)
        if why:
            with LOCK:
                COUNTS["sig_rejected"] += 1
                save()
            self.reply(403, error_xml("SignatureDoesNotMatch", "proxy: " + why))
            return
        if ARGS.cut_object_gets and kind == "GET object":
            fault = "cut_mid"  # deterministic: every whole-object GET breaks
        if fault == "cut_mid" and kind not in ("GET object", "GET range"):
            fault = "cut_before"
        if fault:
            self.fault = fault
            with LOCK:
                bump("faults", fault)
                save()
        if fault == "500":
            self.reply(500, error_xml("InternalError", "injected"))
            return
        if fault == "503":
            self.reply(503, error_xml("ServiceUnavailable", "injected"))
            return
        if fault == "slowdown":
            self.reply(503, error_xml("SlowDown", "Please reduce your request rate."))
            return
        if fault == "cut_before":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "stall":
            time.sleep(ARGS.stall)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "DELETE abort":
            uid = urllib.parse.parse_qs(self.path.partition("?")[2])["uploadId"][0]
            with LOCK:
                if uid in COUNTS["open_uploads"]:
                    COUNTS["open_uploads"].remove(uid)
                COUNTS["aborted_uploads"] += 1
                save()
            self.reply(204, b"")
            return
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        suffix = re.match(r"bytes=-(\d+)$", headers.get("range", ""))
        if suffix:
            del fwd["Range"]
        conn = http.client.HTTPConnection(ARGS.up_host, ARGS.up_port, timeout=60)
        conn.request(self.command, self.path, body=body if body or n else None, headers=fwd)
        r = conn.getresponse()
        # Latency mode streams GET bodies (segments can be large) when
        # nothing needs the whole body (no fault, no suffix range).
        if ((ARGS.latency_ms or ARGS.bandwidth) and not fault and not suffix
                and kind in ("GET object", "GET range")
                and r.getheader("Content-Length") is not None):
            try:
                self.stream(r, int(r.getheader("Content-Length")))
            finally:
                conn.close()
            return
        data = r.read()
        rh = {k: v for k, v in r.getheaders()
              if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                   "keep-alive")}
        status = r.status
        length = r.getheader("Content-Length") if self.command == "HEAD" else None
        conn.close()
        if suffix and status == 200:
            total = len(data)
            want = min(int(suffix.group(1)), total)
            data = data[total - want:]
            status = 206
            rh["Content-Range"] = "bytes %d-%d/%d" % (total - want, total - 1, total)
        if kind == "POST create" and status == 200:
            m = re.search(rb"<UploadId>([^<]+)</UploadId>", data)
            if m:
                with LOCK:
                    COUNTS["open_uploads"].append(m.group(1).decode())
                    save()
        if kind == "POST complete" and status == 200:
            uid = urllib.parse.parse_qs(self.path.partition("?")[2])["uploadId"][0]
            with LOCK:
                if uid in COUNTS["open_uploads"]:
                    COUNTS["open_uploads"].remove(uid)
                COUNTS["completed_uploads"] += 1
                save()
        cut = len(data) // 2 if fault == "cut_mid" and len(data) > 1 else None
        self.reply(status, data, rh, cut_at=cut, length=length)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main(argv=None):
    global ARGS, RNG, LOG
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stall", type=float, default=5.0)
    p.add_argument("--secret", default="S3RVER")
    p.add_argument("--counts", default=None)
    p.add_argument("--cut-object-gets", action="store_true",
                   help="cut every GET without Range in the middle of its body")
    p.add_argument("--latency-ms", type=float, default=0.0,
                   help="delay added to every request")
    p.add_argument("--bandwidth", type=float, default=0.0,
                   help="bytes per second per connection and direction (0: no cap)")
    p.add_argument("--log", default=None, help="append one JSON line per request")
    p.add_argument("--fault-kinds", default="",
                   help="comma list of request kinds ('PUT part', ...) that may get "
                        "faults (default: all); only these draw from the seeded "
                        "generator, so the n-th such request always gets the same fate")
    ARGS = p.parse_args(argv)
    ARGS.fault_kinds = [k for k in ARGS.fault_kinds.split(",") if k]
    if ARGS.log:
        LOG = open(ARGS.log, "a")
    u = urllib.parse.urlparse(ARGS.upstream)
    ARGS.up_host, ARGS.up_port = u.hostname, u.port
    RNG = random.Random(ARGS.seed)
    save()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", ARGS.listen), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
