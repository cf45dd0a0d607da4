#!/usr/bin/env bash
# S3 backend against s3rver (tests/s3/lib.sh) behind tests/s3/faultproxy.py
# with no faults: the proxy checks every SigV4 signature (s3rver itself only
# checks the access key) and counts requests. Runs tests/s3/s3drive.c:
# put/get/range/suffix/head, keys needing encoding, listing with pages,
# start-after and delimiter, a 40 MiB multipart writer read back byte-exact
# with ONE streaming GET in bounded memory, errors naming bucket/key/code;
# then checks that a bad signature is refused and that an aborted multipart
# writer leaves neither an object nor an open upload.
# $1 = path of the built iceberg-processor; s3drive sits next to it.
set -euo pipefail
BIN_DIR=$(cd "$(dirname "$1")" && pwd)
DRIVE="$BIN_DIR/s3drive"
[ -x "$DRIVE" ] || { echo "it_s3rver: $DRIVE not built"; exit 1; }
cd "$(dirname "$0")/../.."
. tests/s3/lib.sh
fail() { echo "it_s3rver: FAIL: $*"; tail -20 "$S3_LOG" || true; exit 1; }

s3_start it-bucket
s3_proxy_start 0
echo "it_s3rver: s3rver at $S3_ENDPOINT, proxy at $S3_PROXY_ENDPOINT"

"$DRIVE" suite "$S3_PROXY_ENDPOINT" it-bucket || fail "s3drive suite"
[ "$(s3_proxy_count sig_rejected)" = 0 ] || fail "the proxy rejected signatures of the suite"
[ "$(s3_proxy_count open_uploads)" = 0 ] || fail "multipart uploads left open by the suite"

"$DRIVE" badsig "$S3_PROXY_ENDPOINT" it-bucket || fail "bad signature not refused"
[ "$(s3_proxy_count sig_rejected)" = 1 ] || fail "the proxy did not see the bad signature"

before=$(s3_proxy_count requests "DELETE abort")
"$DRIVE" abort "$S3_PROXY_ENDPOINT" it-bucket || fail "s3drive abort"
[ "$(s3_proxy_count requests "DELETE abort")" = $((before + 1)) ] || fail "no AbortMultipartUpload sent"
[ "$(s3_proxy_count open_uploads)" = 0 ] || fail "aborted writer left an open upload"
echo "it_s3rver: PASS"
