#!/usr/bin/env bash
# Heavy traffic through tests/s3/faultproxy.py injecting faults into 20% of
# the requests (500, 503, SlowDown, stalls, cuts before the response and in
# the middle of the body, seeded): every object written (single PUTs and
# multipart) and read back (streaming GETs resumed with ranges, ranged GETs)
# must be byte-exact, and no multipart upload may be left open.
# $1 = path of the built iceberg-processor; s3drive sits next to it.
set -euo pipefail
BIN_DIR=$(cd "$(dirname "$1")" && pwd)
DRIVE="$BIN_DIR/s3drive"
[ -x "$DRIVE" ] || { echo "it_faults: $DRIVE not built"; exit 1; }
cd "$(dirname "$0")/../.."
. tests/s3/lib.sh
fail() { echo "it_faults: FAIL: $*"; cat "$S3_PROXY_COUNTS" || true; exit 1; }

s3_start it-bucket
s3_proxy_start 0.2 42
"$DRIVE" traffic "$S3_PROXY_ENDPOINT" it-bucket 40 42 || fail "traffic not byte-exact"
for f in 500 503 slowdown cut_before cut_mid; do
  [ "$(s3_proxy_count faults "$f")" -gt 0 ] || fail "no '$f' fault was injected"
done
[ "$(s3_proxy_count open_uploads)" = 0 ] || fail "multipart uploads left open"
cat "$S3_PROXY_COUNTS"

# A streaming read whose GET is cut in the middle of the body resumes with
# one ranged GET from where it broke: two requests, byte-exact.
s3_proxy_start 0 1 --cut-object-gets
out=$("$DRIVE" stream "$S3_PROXY_ENDPOINT" it-bucket 24) || fail "stream with a cut not byte-exact"
echo "$out" | grep -q '^gets 2$' || fail "cut stream: $(echo "$out" | grep ^gets), want 'gets 2'"
[ "$(s3_proxy_count faults cut_mid)" = 1 ] || fail "the stream was not cut"
[ "$(s3_proxy_count requests "GET range")" = 1 ] || fail "no single ranged resume"
echo "it_faults: PASS"
