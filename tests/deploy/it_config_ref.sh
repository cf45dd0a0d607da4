#!/usr/bin/env bash
# docs/config-reference.md must be exactly what scripts/gen-config-ref makes
# from this binary's key table: a key added, removed or re-documented in
# src/config/config_table.c without regenerating the doc fails here, with
# the diff. Also checks the reference lists the keys of the compatibility
# contract, so an empty or truncated table cannot pass either.
set -uo pipefail
bin=${1:?usage: it_config_ref.sh PATH-TO-iceberg-processor}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/gen-config-ref "$bin" "$tmp/config-reference.md" || { echo "FAIL: gen-config-ref failed"; exit 1; }
if ! diff -u docs/config-reference.md "$tmp/config-reference.md"; then
  echo "FAIL: docs/config-reference.md is stale; run: scripts/gen-config-ref $bin"
  exit 1
fi
fail=0
for key in s3.bucket s3.namespace s3.endpoint s3.region s3.path_style iceberg.catalog.type \
           iceberg.catalog.uri iceberg.catalog.token iceberg.catalog.username \
           iceberg.catalog.password iceberg.warehouse offsets.backend offsets.lease_ttl_seconds \
           offsets.key_prefix processor.poll_interval_seconds processor.shutdown_timeout_seconds \
           discovery.mode etcd.endpoints etcd.username etcd.password schema.mode \
           schema.registry.base_url schema.registry.timeout_seconds schema.registry.cache_seconds \
           'mappings[].topic' 'mappings[].table' 'mappings[].mode' \
           'mappings[].create_table_if_missing' 'mappings[].schema.source' \
           'mappings[].schema.columns' 'mappings[].schema.allow_type_widening' \
           'mappings[].lfs.mode' 'mappings[].lfs.max_inline_size' 'mappings[].lfs.store_metadata' \
           'mappings[].lfs.validate_checksum' 'mappings[].lfs.resolve_concurrency' \
           'mappings[].schema.columns[].name' 'mappings[].schema.columns[].type' \
           'mappings[].schema.columns[].required'; do
  grep -qF "| \`$key\` |" docs/config-reference.md || { echo "FAIL: reference lacks $key"; fail=1; }
done
# The reference is the only copy: internals/config.md points to it.
if grep -q '^| `s3.bucket`' docs/internals/config.md; then
  echo "FAIL: docs/internals/config.md carries its own copy of the key table again"; fail=1
fi
[ $fail -eq 0 ] && echo "ok: docs/config-reference.md is current"
exit $fail
