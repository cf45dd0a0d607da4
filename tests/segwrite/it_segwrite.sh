#!/usr/bin/env bash
# Writes datasets with icp-seggen (src/segwrite/), one per codec plus a
# mixed one with transaction markers, and has an independent reader
# (check_segments.py: Debian's python3-kafka DefaultRecordBatch + its
# CRC32C) verify every batch CRC, record, count, header, footer and index.
# Also checks that output is deterministic for a seed and that
# `iceberg-processor dump-segment` reads every segment.
#   $1  path of the built iceberg-processor; icp-seggen sits next to it.
set -uo pipefail

bin=${1:?usage: it_segwrite.sh ICEBERG_PROCESSOR_BINARY}
seggen=$(dirname "$bin")/icp-seggen
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
if [ ! -x "$seggen" ]; then
  echo "it_segwrite: $seggen not found (built by tools/seggen/seggen.cmake)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

run() { # name codec extra-args...
  local name=$1 codec=$2 control=false
  shift 2
  case " $* " in *" --control-every "*) control=true ;; esac
  local out=$tmp/$name
  if ! "$seggen" --quiet --out "$out" --namespace ns --topics orders,clicks,payments,audit \
      --partitions 2 --records-per-partition 1200 --segment-bytes 40K \
      --codec "$codec" --seed 42 --batch-records 150 --index-interval 100 "$@"; then
    echo "FAIL $name: icp-seggen failed"
    failed=$((failed + 1))
    return
  fi
  # Our reader must accept every segment; record the lines it prints.
  local dump="{" sep="" f n
  for f in $(find "$out" -name '*.kfs' | sort); do
    if ! n=$("$bin" dump-segment "$f" --index "${f%.kfs}.index" | wc -l) ||
       ! "$bin" dump-segment "$f" --index "${f%.kfs}.index" >/dev/null; then
      echo "FAIL $name: dump-segment rejects $f"
      failed=$((failed + 1))
    fi
    dump="$dump$sep\"$f\":$n"
    sep=","
  done
  dump="$dump}"
  cat >"$tmp/$name.json" <<JSON
{"namespace":"ns","topics":["orders","clicks","payments","audit"],"partitions":2,
 "records":1200,"codec":"$codec","index_interval":100,"control":$control,"dump":$dump}
JSON
  if ! "$py" "$here/check_segments.py" "$out" "$tmp/$name.json"; then
    failed=$((failed + 1))
  fi
}

run none none
run gzip gzip
run snappy snappy
run lz4 lz4
run zstd zstd --value-bytes 700
run mixed mixed --control-every 4

# Same seed, same bytes.
"$seggen" --quiet --out "$tmp/again" --namespace ns --topics orders,clicks,payments,audit \
  --partitions 2 --records-per-partition 1200 --segment-bytes 40K --codec mixed \
  --seed 42 --batch-records 150 --index-interval 100 --control-every 4
if ! diff -r "$tmp/mixed" "$tmp/again" >/dev/null; then
  echo "FAIL determinism: two runs with --seed 42 differ"
  failed=$((failed + 1))
fi

# No temporary files left behind, and a bad option is refused.
if find "$tmp" -name '*.tmp' | grep -q .; then
  echo "FAIL: .tmp files left behind"
  failed=$((failed + 1))
fi
if "$seggen" --out "$tmp/x" --codec brotli 2>/dev/null; then
  echo "FAIL: icp-seggen accepted --codec brotli"
  failed=$((failed + 1))
fi

if [ $failed -ne 0 ]; then
  echo "it_segwrite: $failed failures"
  exit 1
fi
echo "it_segwrite: ok"
