#!/usr/bin/env bash
# What an operator sees during a run: /metrics scraped mid-run and parsed by
# Prometheus' own parser (promtool), values checked against what the run
# did (records per topic, offsets per partition, segments, files, commits,
# lag back to 0); /healthz; /readyz flipping to 503 while the warehouse
# cannot be read and back to 200; /status naming every partition; SIGTERM
# exits 0 well within the shutdown deadline.
source "$(dirname "$0")/lib.sh"
D=$WORK/obs; mkdir -p "$D"
"$SEGGEN" --out "$D/segments/bucket" --namespace prod --topics orders,clicks,payments \
  --partitions 2 --records-per-partition 2000 --segment-bytes 40000 --codec mixed \
  --value-bytes 100 --seed 21 --quiet
write_config "$D"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KAFSCALE_METRICS_ADDR=127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
"$BIN" -config="$D/config.yaml" 2> "$D/log" & pid=$!
fail() { echo "FAIL: $*"; echo "--- log"; tail -30 "$D/log"; kill -9 $pid 2>/dev/null; exit 1; }

# wait until every partition is committed to the end and lag is 0
for i in $(seq 1 120); do
  if curl -sf "$URL/status" -o "$D/status.json" 2>/dev/null &&
     $PY - "$D/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
parts = s.get("partitions", [])
ok = len(parts) == 6 and all(p["committed_offset"] == 1999 and p["lag_offsets"] == 0 for p in parts)
sys.exit(0 if ok else 1)
PY
  then break; fi
  sleep 0.5
done
[ $i -lt 120 ] || fail "partitions not committed in 60 s: $(cat "$D/status.json" 2>/dev/null)"

[ "$(curl -s "$URL/healthz")" = ok ] || fail "/healthz"
for i in $(seq 1 40); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz"); [ "$code" = 200 ] && break; sleep 0.25
done
[ "$code" = 200 ] || fail "/readyz $code while everything answers"

curl -sf "$URL/metrics" -o "$D/metrics.txt" || fail "scrape"
rc=0
promtool check metrics < "$D/metrics.txt" > "$D/lint" 2>&1 || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "promtool rejects the scrape (rc $rc): $(cat "$D/lint")"
unexpected=$(grep -v -e 'metric names should not contain abbreviated units' "$D/lint" || true)
[ -z "$unexpected" ] || fail "promtool findings: $unexpected"

# expected figures from the segments themselves
nseg=$(find "$D/segments" -name '*.kfs' | wc -l)
$PY - "$D/metrics.txt" "$D/status.json" "$nseg" <<'PY' || fail "metric values"
import re, sys, json
text = open(sys.argv[1]).read()
status = json.load(open(sys.argv[2]))
nseg = int(sys.argv[3])
vals = {}
for line in text.splitlines():
    if not line or line.startswith("#"):
        continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$', line)
    assert m, line
    labels = dict(re.findall(r'([a-zA-Z_]+)="([^"]*)"', m.group(2) or ""))
    vals[(m.group(1), tuple(sorted(labels.items())))] = float(m.group(3))
def get(name, **lab):
    return vals.get((name, tuple(sorted(lab.items()))))
def total(name, **lab):
    return sum(v for (n, l), v in vals.items() if n == name and all(x in l for x in lab.items()))
errs = []
def check(what, got, want):
    if got != want:
        errs.append(f"{what}: got {got}, want {want}")
P = "kafscale_processor_"
for t in ("orders", "clicks", "payments"):
    check(f"records written {t}", get(P + "records_total", topic=t, result="written"), 4000.0)
    for p in ("0", "1"):
        check(f"last_offset {t}/{p}", get(P + "last_offset", topic=t, partition=p), 1999.0)
        check(f"watermark_offset {t}/{p}", get(P + "watermark_offset", topic=t, partition=p), 1999.0)
        check(f"lag_offsets {t}/{p}", get(P + "lag_offsets", topic=t, partition=p), 0.0)
        if not (get(P + "watermark_timestamp_ms", topic=t, partition=p) or 0) > 1e12:
            errs.append(f"watermark_timestamp_ms {t}/{p} not an epoch ms")
    if not (get(P + "batches_total", topic=t) or 0) > 0:
        errs.append(f"batches_total {t}")
    if not (get(P + "segment_bytes_read_total", topic=t) or 0) > 0:
        errs.append(f"bytes read {t}")
check("segments read", total(P + "segments_read_total"), float(nseg))
check("owned partitions", get(P + "owned_partitions"), 6.0)
files = total(P + "data_files_total")
check("file size histogram count", total(P + "data_file_size_bytes_count"), files)
if files < 3:
    errs.append(f"data_files_total {files} < 3")
if total(P + "catalog_commits_total", outcome="ok") < 3:
    errs.append("fewer than 3 ok commits")
check("failed commits", total(P + "catalog_commits_total", outcome="failed"), 0.0)
check("errors", total(P + "errors_total"), 0.0)
# every label value of compatibility.md scrapes from the start (as 0)
for st in ("discover", "decode", "checkpoint", "schema", "lfs", "sink"):
    if get(P + "errors_total", stage=st) is None:
        errs.append(f"errors_total stage={st} missing")
for t in ("orders", "clicks", "payments"):
    for res in ("written", "dropped", "invalid", "skipped_lfs"):
        if get(P + "records_total", topic=t, result=res) is None:
            errs.append(f"records_total {t} result={res} missing")
if total(P + "write_latency_ms_count") <= 0:
    errs.append("write latency histogram empty")
if not any(n == P + "build_info" for (n, _) in vals):
    errs.append("build_info missing")
check("status owned", status["owned_partitions"], 6)
check("status tables", sorted(t["table"] for t in status["tables"]), ["shop.clicks", "shop.orders", "shop.payments"])
if errs:
    print("\n".join(errs))
    sys.exit(1)
print("metrics match the run")
PY

# readiness: the warehouse (where the catalog's metadata lives) goes away
mv "$D/warehouse" "$D/warehouse.off"
for i in $(seq 1 80); do
  code=$(curl -s -o "$D/ready" -w '%{http_code}' "$URL/readyz"); [ "$code" = 503 ] && break; sleep 0.25
done
[ "$code" = 503 ] || fail "/readyz stayed $code with the warehouse gone"
grep -q catalog "$D/ready" || fail "/readyz reason does not name the catalog: $(cat "$D/ready")"
[ "$(curl -s "$URL/healthz")" = ok ] || fail "/healthz while not ready"
mv "$D/warehouse.off" "$D/warehouse"
for i in $(seq 1 80); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz"); [ "$code" = 200 ] && break; sleep 0.25
done
[ "$code" = 200 ] || fail "/readyz did not recover ($code)"

t0=$(date +%s%N)
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc = 0 ] || fail "exit $rc after SIGTERM"
[ $ms -lt 5000 ] || fail "SIGTERM took $ms ms"
expected "$D"
for t in orders clicks payments; do check_table "$D" $t shop.$t; done
echo "observe: scrape ok, readiness flipped, SIGTERM exit in $ms ms"
echo "1 passed, 0 failed"
