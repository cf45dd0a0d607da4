#!/usr/bin/env bash
# The metrics/health server seen from outside: httpd_check
# (tests/httpd/httpd_check.c, built next to the binary given as $1) serves
# the process-wide registry on 127.0.0.1 with a free port; curl scrapes it.
# - /metrics: 200, Content-Type of the text format 0.0.4, accepted by
#   Prometheus' own parser (`promtool check metrics`, Debian's prometheus).
#   Its linter flags the contract's *_ms names ("abbreviated units"): those
#   names are what dashboards query, so exactly those two findings are
#   expected and anything else fails. A Python pass then checks what
#   promtool does not: every contract family with its TYPE, label names,
#   histogram buckets cumulative and +Inf == _count, and the escaped label
#   value reading back to the original bytes.
# - /healthz "ok"; /readyz 503 then 200 once the flag file exists; /status
#   JSON that follows the flag; 404 for other paths; 405 with Allow for
#   POST/PUT/DELETE; HEAD without a body.
# - A bad address and a taken port fail with clear errors; SIGTERM stops
#   the server cleanly (exit 0).
set -euo pipefail
bin_dir=$(cd "$(dirname "$1")" && pwd)
helper="$bin_dir/httpd_check"
[ -x "$helper" ] || { echo "it_httpd: $helper not built"; exit 1; }
for tool in curl promtool; do
  command -v "$tool" >/dev/null || { echo "it_httpd: $tool missing (run scripts/bootstrap)"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/icp-httpd-it.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "it_httpd: FAIL: $*"; exit 1; }

"$helper" 127.0.0.1:0 "$work" >"$work/out" 2>"$work/err" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^port=//p' "$work/out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "httpd_check exited: $(cat "$work/err")"
  sleep 0.1
done
[ -n "$port" ] || fail "httpd_check did not report its port"
base="http://127.0.0.1:$port"

# status_of METHOD PATH -> prints the HTTP status; headers/body in $work/h, $work/b
status_of() {
  curl -sS -X "$1" -D "$work/h" -o "$work/b" -w '%{http_code}' "$base$2"
}

# ---------------------------------------------------------------- /metrics
[ "$(status_of GET /metrics)" = 200 ] || fail "/metrics status"
grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$work/h" || fail "/metrics content type: $(cat "$work/h")"
cp "$work/b" "$work/metrics.txt"
rc=0
promtool check metrics <"$work/metrics.txt" >"$work/lint" 2>&1 || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "promtool rejects the scrape (rc $rc): $(cat "$work/lint")"
unexpected=$(grep -v -x -e 'kafscale_processor_write_latency_ms metric names should not contain abbreviated units' \
                      -e 'kafscale_processor_watermark_timestamp_ms metric names should not contain abbreviated units' \
                      "$work/lint" || true)
[ -z "$unexpected" ] || fail "promtool findings: $unexpected"
[ $rc -eq 0 ] || [ -s "$work/lint" ] || fail "promtool rc $rc without findings"

/usr/bin/python3 - "$work/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
failures = []
assert text.endswith("\n"), "exposition must end with a newline"
types, samples = {}, []
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, typ = line.split(" ")
        types[name] = typ
        continue
    if line.startswith("#"):
        continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
    if not m:
        failures.append("bad sample line %r" % line); continue
    labels = [(k, unescape(v)) for k, v in label_re.findall(m.group(2) or "")]
    samples.append((m.group(1), labels, float(m.group(3))))

want = {
    "kafscale_processor_records_total": ("counter", ["topic", "result"]),
    "kafscale_processor_batches_total": ("counter", ["topic"]),
    "kafscale_processor_write_latency_ms": ("histogram", ["topic"]),
    "kafscale_processor_errors_total": ("counter", ["stage"]),
    "kafscale_processor_last_offset": ("gauge", ["topic", "partition"]),
    "kafscale_processor_watermark_offset": ("gauge", ["topic", "partition"]),
    "kafscale_processor_watermark_timestamp_ms": ("gauge", ["topic", "partition"]),
    "kafscale_processor_lfs_resolved_total": ("counter", ["topic"]),
    "kafscale_processor_lfs_resolved_bytes_total": ("counter", ["topic"]),
    "kafscale_processor_lfs_resolution_errors_total": ("counter", ["topic", "reason"]),
    "kafscale_processor_lfs_resolution_duration_seconds": ("histogram", ["topic"]),
    "kafscale_processor_build_info": ("gauge", ["version", "git"]),
    "kafscale_processor_allocated_bytes": ("gauge", []),
}
for name, (typ, labels) in want.items():
    if types.get(name) != typ:
        failures.append("%s: TYPE %r, want %r" % (name, types.get(name), typ)); continue
    names = [s for s in samples if s[0] == name or (typ == "histogram" and s[0] in (name + "_sum", name + "_count"))]
    if not names:
        failures.append("%s: no samples" % name)
    for s in names:
        got = [k for k, _ in s[1]]
        if got != labels:
            failures.append("%s: labels %r, want %r" % (s[0], got, labels))
    if typ == "histogram":
        for s in [s for s in samples if s[0] == name + "_bucket"]:
            if [k for k, _ in s[1]] != labels + ["le"]:
                failures.append("%s_bucket labels %r" % (name, s[1]))
        series = {}
        for s in samples:
            if s[0] == name + "_bucket":
                key = tuple(kv for kv in s[1] if kv[0] != "le")
                series.setdefault(key, []).append((dict(s[1])["le"], s[2]))
        for key, buckets in series.items():
            les = [float(le) for le, _ in buckets]
            counts = [c for _, c in buckets]
            if les != sorted(les) or les[-1] != float("inf"):
                failures.append("%s%r: le not increasing to +Inf: %r" % (name, key, les))
            if counts != sorted(counts):
                failures.append("%s%r: buckets not cumulative: %r" % (name, key, counts))
            count = [s[2] for s in samples if s[0] == name + "_count" and tuple(s[1]) == key]
            if count != [counts[-1]]:
                failures.append("%s%r: _count %r != +Inf %r" % (name, key, count, counts[-1]))
# Values httpd_check put in.
def value(name, **labels):
    for s in samples:
        if s[0] == name and dict(s[1]) == labels:
            return s[2]
    failures.append("missing %s%r" % (name, labels))
checks = [
    (value("kafscale_processor_records_total", topic="orders", result="skipped_lfs"), 13),
    (value("kafscale_processor_records_total", topic='we"ird\\to\npic \u00e9', result="written"), 1),
    (value("kafscale_processor_errors_total", stage="sink"), 0),
    (value("kafscale_processor_write_latency_ms_bucket", topic="orders", le="10"), 1),
    (value("kafscale_processor_write_latency_ms_bucket", topic="orders", le="+Inf"), 3),
    (value("kafscale_processor_write_latency_ms_sum", topic="orders"), 90127),
    (value("kafscale_processor_watermark_timestamp_ms", topic="orders", partition="0"), 1764000000123),
    (value("kafscale_processor_lfs_resolution_duration_seconds_bucket", topic="orders", le="0.05"), 1),
]
for got, exp in checks:
    if got is not None and got != exp:
        failures.append("value %r, want %r" % (got, exp))
if value("kafscale_processor_allocated_bytes") is not None and not value("kafscale_processor_allocated_bytes") > 0:
    failures.append("allocated_bytes is not positive")
if failures:
    print("\n".join(failures)); sys.exit(1)
PY

# HEAD: headers of the GET, no body.
[ "$(curl -sS -I -o "$work/b" -w '%{http_code}' "$base/metrics")" = 200 ] || fail "HEAD /metrics status"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$work/b" || fail "HEAD /metrics headers"
[ "$(curl -sS --head -w '%{size_download}' -o /dev/null "$base/metrics")" = 0 ] || fail "HEAD /metrics sent a body"

# --------------------------------------------------- /healthz /readyz /status
[ "$(status_of GET /healthz)" = 200 ] || fail "/healthz status"
[ "$(cat "$work/b")" = ok ] || fail "/healthz body: $(cat "$work/b")"
[ "$(status_of GET /readyz)" = 503 ] || fail "/readyz before the flag"
grep -q '^not ready: flag file missing$' "$work/b" || fail "/readyz 503 body: $(cat "$work/b")"
[ "$(status_of GET /status)" = 200 ] || fail "/status status"
grep -qi '^Content-Type: application/json' "$work/h" || fail "/status content type"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d=={"ready":False,"note":"quote \" backslash \\ newline \n end"}, d' "$work/b" \
  || fail "/status JSON (not ready)"
touch "$work/ready"
[ "$(status_of GET /readyz)" = 200 ] || fail "/readyz after the flag"
[ "$(cat "$work/b")" = ok ] || fail "/readyz 200 body"
[ "$(status_of GET /status)" = 200 ] || fail "/status status (ready)"
/usr/bin/python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["ready"] is True' "$work/b" || fail "/status JSON (ready)"
rm "$work/ready"
[ "$(status_of GET /readyz)" = 503 ] || fail "/readyz did not flip back"

# --------------------------------------------------------------- 404, 405
for p in / /metrics/ /nope "/metrics?x=1x" /healthzz; do
  code=$(status_of GET "$p")
  case "$p" in
    "/metrics?x=1x") [ "$code" = 200 ] || fail "GET $p: $code (query strings are ignored)";;
    *) [ "$code" = 404 ] || fail "GET $p: $code, want 404";;
  esac
done
for m in POST PUT DELETE PATCH; do
  [ "$(status_of "$m" /metrics)" = 405 ] || fail "$m /metrics not 405"
  grep -qi '^Allow: GET, HEAD' "$work/h" || fail "$m /metrics without Allow"
done
code=$(curl -sS -X POST --data 'x=1' -o /dev/null -w '%{http_code}' "$base/healthz")
[ "$code" = 405 ] || fail "POST with a body: $code"
# Still serving after all that.
[ "$(status_of GET /healthz)" = 200 ] || fail "/healthz after errors"

# ------------------------------------------------------ start-up failures
rc=0; "$helper" 127.0.0.1 "$work" >/dev/null 2>"$work/err2" || rc=$?
[ $rc -eq 2 ] || fail "bad address: rc $rc"
grep -q 'listen address "127.0.0.1": missing port' "$work/err2" || fail "bad address message: $(cat "$work/err2")"
rc=0; "$helper" "127.0.0.1:$port" "$work" >/dev/null 2>"$work/err2" || rc=$?
[ $rc -eq 2 ] || fail "taken port: rc $rc"
grep -q "listen on \"127.0.0.1:$port\": Address already in use" "$work/err2" || fail "taken port message: $(cat "$work/err2")"

# ------------------------------------------------------------ clean stop
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=
[ $rc -eq 0 ] || fail "httpd_check exit $rc after SIGTERM: $(cat "$work/err")"
if curl -sS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then fail "still serving after stop"; fi
echo "it_httpd: ok (port $port)"
