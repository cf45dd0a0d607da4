# Sourceable helpers for tests that need an S3 server: s3rver (npm, from
# tools/node_modules, installed by scripts/bootstrap) on 127.0.0.1 with a
# free port and a temporary data directory, access key S3RVER / secret
# S3RVER (s3rver 3.7 does not check SigV4 signatures: the proxy below does).
# With S3_TLS_KEY and S3_TLS_CERT set it serves https.
#
#   . tests/s3/lib.sh
#   s3_start bucket1 bucket2 ...   # starts s3rver, creates the buckets,
#                                  # installs an EXIT trap that stops it
#   ... use $S3_ENDPOINT (http://127.0.0.1:PORT), $S3_REGION, path style,
#       $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY (exported) ...
#   s3_stop                        # optional; also run by the trap
#
#   s3_proxy_start [RATE [SEED [PROXY-OPTIONS...]]]
#                                  # tests/s3/faultproxy.py in front of it:
#       checks SigV4 signatures, injects faults at RATE (0..1), counts
#       requests into $S3_PROXY_COUNTS (JSON); sets $S3_PROXY_ENDPOINT.
#       Point clients at $S3_PROXY_ENDPOINT to get signature checking.
# Also: s3_free_port, s3_wait_port PORT, and $S3_DIR
# (s3rver's data directory), $S3_LOG. The caller's own EXIT trap, if it
# sets one after s3_start, must call s3_stop itself.

S3_LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
S3RVER_BIN="$S3_LIB_ROOT/tools/node_modules/.bin/s3rver"
S3_PID=
S3_TMP=
S3_PROXY_PID=

s3_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something accepts connections on 127.0.0.1:$1 (10 s).
s3_wait_port() {
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys, time
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}


s3_stop() {
  if [ -n "$S3_PROXY_PID" ]; then
    kill "$S3_PROXY_PID" 2>/dev/null || true
    wait "$S3_PROXY_PID" 2>/dev/null || true
    S3_PROXY_PID=
  fi
  if [ -n "$S3_PID" ]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    S3_PID=
  fi
  if [ -n "$S3_TMP" ]; then rm -rf "$S3_TMP"; S3_TMP=; fi
}

s3_start() {
  [ -x "$S3RVER_BIN" ] || { echo "s3_start: $S3RVER_BIN missing (run scripts/bootstrap)" >&2; return 1; }
  S3_TMP=$(mktemp -d)
  S3_DIR="$S3_TMP/data"
  S3_LOG="$S3_TMP/s3rver.log"
  mkdir -p "$S3_DIR"
  S3_PORT=$(s3_free_port)
  local b args=() scheme=http
  # Buckets are created at startup (--configure-bucket), before any request.
  for b in "$@"; do args+=(--configure-bucket "$b"); done
  # S3_TLS_KEY/S3_TLS_CERT set: s3rver serves https with that certificate.
  if [ -n "${S3_TLS_CERT:-}" ]; then args+=(--key "$S3_TLS_KEY" --cert "$S3_TLS_CERT"); scheme=https; fi
  # s3rver encrypts continuation tokens with a cipher OpenSSL 3 keeps in
  # its legacy provider.
  NODE_OPTIONS="${NODE_OPTIONS:-} --openssl-legacy-provider" "$S3RVER_BIN" -d "$S3_DIR" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets "${args[@]}" >"$S3_LOG" 2>&1 &
  S3_PID=$!
  trap s3_stop EXIT
  export S3_ENDPOINT="$scheme://127.0.0.1:$S3_PORT" S3_REGION=us-east-1 S3_PATH_STYLE=true
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
  unset AWS_SESSION_TOKEN AWS_PROFILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  export AWS_EC2_METADATA_DISABLED=true
  s3_wait_port "$S3_PORT" || { echo "s3_start: s3rver did not listen on $S3_PORT" >&2; cat "$S3_LOG" >&2; return 1; }
}

s3_proxy_start() {
  local rate=${1:-0} seed=${2:-1} port
  shift 2 2>/dev/null || shift $#
  [ -n "$S3_PID" ] || { echo "s3_proxy_start: call s3_start first" >&2; return 1; }
  if [ -n "$S3_PROXY_PID" ]; then kill "$S3_PROXY_PID" 2>/dev/null || true; wait "$S3_PROXY_PID" 2>/dev/null || true; fi
  port=$(s3_free_port)
  S3_PROXY_COUNTS="$S3_TMP/proxy-counts-$port.json"
  /usr/bin/python3 "$S3_LIB_ROOT/tests/s3/faultproxy.py" --listen "$port" \
    --upstream "$S3_ENDPOINT" --rate "$rate" --seed "$seed" --stall 5 \
    --secret "$AWS_SECRET_ACCESS_KEY" --counts "$S3_PROXY_COUNTS" "$@" >"$S3_TMP/proxy-$port.log" 2>&1 &
  S3_PROXY_PID=$!
  s3_wait_port "$port" || { echo "s3_proxy_start: proxy did not listen" >&2; cat "$S3_TMP/proxy-$port.log" >&2; return 1; }
  export S3_PROXY_ENDPOINT="http://127.0.0.1:$port" S3_PROXY_COUNTS
}

# Prints one value of the proxy's counts: s3_proxy_count requests "GET list"
s3_proxy_count() {
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d[sys.argv[2]]
v = v.get(sys.argv[3], 0) if len(sys.argv) > 3 else v
print(len(v) if isinstance(v, list) else v)' "$S3_PROXY_COUNTS" "$@"
}

# s3_check_table DIR WAREHOUSE_BUCKET EXPECTED_JSONL: the one table of the
# SQLite catalog DIR/catalog-BUCKET.db, downloaded from the S3 warehouse,
# read by icebird + DuckDB (tools/iceberg-check.mjs) equals EXPECTED. The
# checker's output goes to DIR/check-BUCKET and, on a difference, to stdout
# (status 1).
s3_check_table() {
  local dl=$1/dl-$2 url file
  rm -rf "$dl"
  /usr/bin/python3 "$S3_LIB_ROOT/tests/s3/s3sync.py" down "$S3_ENDPOINT" "$2" "$dl/$2" > /dev/null
  read -r url file < <(/usr/bin/python3 - "$1/catalog-$2.db" <<'PY'
import sqlite3, sys, os
loc = sqlite3.connect(sys.argv[1]).execute("SELECT metadata_location FROM iceberg_tables").fetchone()[0]
print(os.path.dirname(os.path.dirname(loc)), os.path.basename(loc))
PY
)
  ICEBERG_CHECK_S3_ROOT=$dl node "$S3_LIB_ROOT/tools/iceberg-check.mjs" "$url" "$file" "$3" \
    > "$1/check-$2" || { cat "$1/check-$2"; return 1; }
}
