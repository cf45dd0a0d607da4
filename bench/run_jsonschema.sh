#!/usr/bin/env bash
# JSON Schema validation throughput, single thread: records/s for ~300-byte
# order records against a 10-property schema, with and without the JSON
# parse (bench/bench_jsonschema.c). No peer: there is no C validator in
# Debian to compare with.
# Usage: bench/run_jsonschema.sh BUILD_DIR [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
"$B/bench_jsonschema" "${2:-500000}"
