#!/usr/bin/env bash
# check-config end to end: exit codes, JSON on stdout (parsed by Python),
# secrets redacted, errors and warnings on stderr, option spellings.
set -uo pipefail
bin=${1:?usage: it_check_config.sh PATH-TO-iceberg-processor}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }

export ICEBERG_CATALOG_TOKEN=tok-secret-123 ETCD_PASSWORD=etcd-secret-456

# valid configs, every option spelling
for args in "--config configs/example-production.yaml" \
            "-config=configs/example-production.yaml" \
            "-config configs/example-production.yaml" \
            "--config=configs/local.yaml"; do
  # shellcheck disable=SC2086
  if ! "$bin" check-config $args >"$tmp/out.json" 2>"$tmp/err"; then
    die "check-config $args exited non-zero: $(cat "$tmp/err")"
  fi
  /usr/bin/python3 -m json.tool "$tmp/out.json" >/dev/null || die "$args: output is not JSON"
done

"$bin" check-config --config configs/example-production.yaml >"$tmp/out.json" 2>"$tmp/err" || die "production config"
grep -q 'tok-secret-123\|etcd-secret-456' "$tmp/out.json" && die "a secret leaked into the output"
/usr/bin/python3 - "$tmp/out.json" <<'PY' || fail=1
import json, sys
c = json.load(open(sys.argv[1]))
assert c["iceberg"]["catalog"]["token"] == "***", c["iceberg"]["catalog"]
assert c["etcd"]["password"] == "***"
assert c["iceberg"]["catalog"]["password"] == ""
assert c["s3"]["bucket"] == "kafscale-data"
assert c["mappings"][0]["schema"]["columns"][0]["type"] == "long"
assert c["mappings"][0]["lfs"]["validate_checksum"] is True
assert c["offsets"]["lease_ttl_seconds"] == 30
PY
[ -s "$tmp/err" ] && die "unexpected stderr: $(cat "$tmp/err")"

# an invalid config: exit 1, the documented message on stderr, no stdout
cat >"$tmp/bad.yaml" <<'YAML'
s3: {bucket: b}
iceberg: {catalog: {type: rest, uri: "http://c"}, warehouse: 's3://w/wh'}
etcd: {endpoints: [http://etcd:2379]}
mappings:
  - {topic: a, table: n.a}
  - topic: b
    table: n.b
    schema: {columns: [{name: x, type: money}]}
YAML
"$bin" check-config --config "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || die "bad config: exit $rc, want 1"
grep -q '^iceberg-processor: config error: .*mappings\[1\]\.schema\.columns\[0\]\.type "money" is not supported' "$tmp/err" \
  || die "bad config: stderr was: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && die "bad config: stdout not empty"

# unknown keys: a warning by default, an error with --strict
cat >"$tmp/unknown.yaml" <<'YAML'
s3: {bucket: b, bukket: c}
iceberg: {catalog: {type: rest, uri: "http://c"}, warehouse: 's3://w/wh'}
offsets: {backend: local}
mappings: [{topic: a, table: n.a}]
YAML
"$bin" check-config --config "$tmp/unknown.yaml" >"$tmp/out.json" 2>"$tmp/err" || die "unknown key should only warn"
grep -q '^warning: unknown key "s3.bukket" (line 1)' "$tmp/err" || die "warning missing: $(cat "$tmp/err")"
/usr/bin/python3 -m json.tool "$tmp/out.json" >/dev/null || die "unknown-key output is not JSON"
"$bin" check-config --config "$tmp/unknown.yaml" --strict >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || die "--strict should fail on unknown keys"
grep -q 'config error: .*unknown key "s3.bukket"' "$tmp/err" || die "strict: $(cat "$tmp/err")"

# unset ${VAR}: names the key and the variable
unset ETCD_PASSWORD
"$bin" check-config --config configs/example-production.yaml >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || die "unset variable should fail"
grep -q 'etcd.password: environment variable ETCD_PASSWORD is not set' "$tmp/err" || die "unset var: $(cat "$tmp/err")"

# usage errors and help
"$bin" check-config >/dev/null 2>&1; [ $? -eq 1 ] || die "missing --config should exit 1"
"$bin" check-config --config >/dev/null 2>&1; [ $? -eq 1 ] || die "--config without value should exit 1"
"$bin" check-config --config "$tmp/none.yaml" >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] || die "missing file should exit 1"
grep -q 'cannot open config file' "$tmp/err" || die "missing file: $(cat "$tmp/err")"
"$bin" check-config --help | grep -q 'check-config --config PATH' || die "--help"
ref=$("$bin" check-config --reference) || die "--reference exit"
grep -qF '`mappings[].lfs.mode`' <<< "$ref" || die "--reference"  # not a pipe: grep -q would SIGPIPE it

[ $fail -eq 0 ] && echo "it_check_config: ok"
exit $fail
