#!/usr/bin/env bash
# Render check of deploy/helm/iceberg-processor without helm (not in Debian
# 12; nothing is downloaded at test time): tools/helm-render.py renders the
# chart with the default values, a production-like values file and an
# existingConfigMap variant; tests/deploy/check_helm.py checks the rendered
# documents (kinds, probes, security context, checksum roll, selectors) and
# runs `iceberg-processor check-config --strict` on the config.yaml the
# chart's ConfigMap carries. Also proves the renderer refuses what it does
# not know, so a template outside its subset can never pass silently.
set -uo pipefail
bin=${1:?usage: it_helm.sh PATH-TO-iceberg-processor}
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/deploy/check_helm.py "$bin"
