#!/usr/bin/env bash
# The credential chain with the libcurl transport: each source hands out
# the keys s3rver knows, and s3drive (no static keys) must sign requests
# that tests/s3/faultproxy.py accepts. Sources: environment, shared files
# with AWS_PROFILE, web identity against a test STS, the container endpoint
# with an authorization token file, IMDSv2 (tests/s3/credserver.py). Web
# identity credentials expiring within the refresh margin are fetched again
# before the second request.
# $1 = path of the built iceberg-processor; s3drive sits next to it.
set -euo pipefail
BIN_DIR=$(cd "$(dirname "$1")" && pwd)
DRIVE="$BIN_DIR/s3drive"
[ -x "$DRIVE" ] || { echo "it_creds: $DRIVE not built"; exit 1; }
cd "$(dirname "$0")/../.."
. tests/s3/lib.sh
s3_start it-bucket
s3_proxy_start 0
T="$S3_TMP/creds"
mkdir -p "$T/home"
CRED_PID=
stop_all() {
  if [ -n "$CRED_PID" ]; then kill "$CRED_PID" 2>/dev/null || true; wait "$CRED_PID" 2>/dev/null || true; fi
  s3_stop
}
trap stop_all EXIT
fail() { echo "it_creds: FAIL: $*"; cat "$T/counts.json" 2>/dev/null || true; exit 1; }

start_cred() { # $1 = seconds until the credentials expire
  if [ -n "$CRED_PID" ]; then kill "$CRED_PID"; wait "$CRED_PID" 2>/dev/null || true; fi
  CPORT=$(s3_free_port)
  /usr/bin/python3 tests/s3/credserver.py --listen "$CPORT" --counts "$T/counts.json" \
    --expires "$1" >"$T/cred.log" 2>&1 &
  CRED_PID=$!
  s3_wait_port "$CPORT" || fail "credserver did not start"
}
count() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/counts.json" "$1"; }

# Runs s3drive with only the given variables (plus PATH and an empty HOME).
drive() {
  env -i PATH="$PATH" HOME="$T/home" AWS_EC2_METADATA_DISABLED=true "$@" \
    "$DRIVE" creds "$S3_PROXY_ENDPOINT" it-bucket ${SLEEP:-}
}

# 1. Environment.
drive AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER >/dev/null || fail "env source"
echo "it_creds: env ok"

# 2. Shared files with a profile.
printf '[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n[it]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$T/credentials"
drive AWS_SHARED_CREDENTIALS_FILE="$T/credentials" AWS_PROFILE=it >/dev/null || fail "profile source"
echo "it_creds: profile ok"

# 3. Web identity against the test STS; credentials expire 5 min + 3 s
#    from now, inside the refresh margin after a 4 s sleep: two fetches.
start_cred 303
printf 'web-identity-jwt\n' >"$T/web-token"
SLEEP=4 drive AWS_WEB_IDENTITY_TOKEN_FILE="$T/web-token" AWS_ROLE_ARN=arn:aws:iam::1:role/it \
  S3DRIVE_STS="http://127.0.0.1:$CPORT/sts" >/dev/null || fail "web identity source"
[ "$(count sts)" = 2 ] || fail "web identity: $(count sts) STS calls, want 2 (refresh before expiry)"
echo "it_creds: web identity ok (refreshed before expiry)"

# 4. Container endpoint with an authorization token file; long-lived
#    credentials are fetched once for both rounds.
start_cred 3600
printf 'container-auth-token' >"$T/auth-token"
SLEEP=1 drive AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$CPORT/container" \
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/auth-token" >/dev/null || fail "container source"
[ "$(count container)" = 1 ] || fail "container: $(count container) fetches, want 1"
[ "$(count refused)" = 0 ] || fail "container: credserver refused a request"
echo "it_creds: container ok"

# 5. IMDSv2: token, role, document.
start_cred 3600
env -i PATH="$PATH" HOME="$T/home" AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$CPORT" \
  "$DRIVE" creds "$S3_PROXY_ENDPOINT" it-bucket >/dev/null || fail "imds source"
[ "$(count imds_token)" -ge 1 ] && [ "$(count imds_creds)" = 1 ] || fail "imds: wrong calls"
[ "$(count refused)" = 0 ] || fail "imds: credserver refused a request"
echo "it_creds: imds ok"

# 6. No source at all: a clear error, no request signed.
if drive >"$T/none.out" 2>&1; then fail "ran without credentials"; fi
grep -q "no credentials" "$T/none.out" || fail "no-credentials error unclear: $(cat "$T/none.out")"
[ "$(s3_proxy_count sig_rejected)" = 0 ] || fail "the proxy rejected signatures"
echo "it_creds: PASS"
