#!/usr/bin/env bash
# The Dockerfile's runtime stage, checked without Docker: its package list
# must provide every shared library the built binary loads (ldd, mapped to
# Debian packages with dpkg -S on this Debian 12 machine): the packages of
# the directly linked libraries (ELF NEEDED) must be listed by name, the
# others must be listed or come in as dependencies of listed ones. No -dev
# or toolchain package may be in the runtime stage. Also: multi-stage on
# Debian 12, a CMake Release build stage that installs the -dev package
# of every library CMakeLists.txt looks for, USER 65532, and the
# ENTRYPOINT/CMD/EXPOSE the chart relies on.
set -uo pipefail
bin=${1:?usage: it_dockerfile.sh PATH-TO-iceberg-processor}
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/deploy/check_dockerfile.py "$bin" Dockerfile
