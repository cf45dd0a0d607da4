#!/usr/bin/env bash
# Decode throughput, single thread, CRC checks on, for 100-byte and 10 KiB
# records, uncompressed and per codec; each beside peers measured in the
# same run on the same bytes:
#   - "bare": the codec library decompressing the same batch payloads in
#     process, with no CRC and no record parsing (target: ours <= 1.2x);
#   - the codec's own CLI decompressor on those payloads (zstd -d, lz4 -d,
#     gzip -d; libsnappy has no CLI in Debian) and `cat` for uncompressed.
# Usage: bench/run_decode.sh BUILD_DIR
set -euo pipefail
B=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best_of() { # best wall time in seconds of 3 runs of "$@" (stdout discarded)
  local best=999999999999 i s e
  for i in 1 2 3; do
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    best=$(( (e - s) < best ? (e - s) : best ))
  done
  awk -v ns="$best" 'BEGIN{printf "%.6f", ns/1e9}'
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
printf '%-7s %6s %10s %9s %8s %9s %7s %-9s %9s %7s\n' codec value "records/s" "MB/s" "ours_s" "bare_s" "x_bare" peer "peer_s" "x_peer"
for size in 100 10240; do
  if [ "$size" = 100 ]; then n=1000000; else n=10000; fi
  for codec in none gzip snappy lz4 zstd; do
    d="$tmp/$codec-$size"
    "$B/icp-seggen" --out "$d" --topics bench --partitions 1 --records-per-partition "$n" \
      --segment-bytes 2000000000 --codec "$codec" --value-bytes "$size" --seed 7 --quiet >/dev/null
    files=$(find "$d" -name '*.kfs' | sort)
    ours=$("$B/bench_decode" decode 5 $files)
    bare=$("$B/bench_decode" bare 5 $files)
    rec=$(echo "$ours" | field records); bytes=$(echo "$ours" | field bytes)
    os=$(echo "$ours" | field seconds); bs=$(echo "$bare" | field seconds)
    peer=-; ps=-; xp=-
    case $codec in
      none) peer=cat; ps=$(best_of cat $files) ;;
      gzip|lz4|zstd)
        f=$(echo $files | cut -d' ' -f1); "$B/bench_decode" extract "$f" "$tmp/payload"
        case $codec in gzip) peer="gzip -d";; lz4) peer="lz4 -d";; zstd) peer="zstd -d";; esac
        ps=$(best_of $peer -c "$tmp/payload") ;;
      snappy) peer="(no CLI)";;
    esac
    [ "$ps" != - ] && xp=$(awk -v a="$os" -v b="$ps" 'BEGIN{printf "%.2f", a/b}')
    awk -v c="$codec" -v s="$size" -v r="$rec" -v by="$bytes" -v o="$os" -v b="$bs" \
        -v p="$peer" -v ps="$ps" -v xp="$xp" 'BEGIN{
      printf "%-7s %6s %10.0f %9.1f %8.4f %9.4f %7.2f %-9s %9s %7s\n", c, s, r/o, by/o/1e6, o, b,
             (c=="none" ? 0 : o/b), p, ps, xp }'
    rm -rf "$d"
  done
done
