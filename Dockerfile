# iceberg-processor container image: build on Debian 12, run on Debian 12
# slim with only the shared libraries the binary links (plus CA
# certificates for TLS to S3, the catalog and etcd).
# tests/deploy/it_dockerfile.sh checks the runtime package list below
# against `ldd` of the built binary, so a new library dependency that is
# not added here fails `make test`.
#
#   docker build -t iceberg-processor .
#   docker run -v $PWD/configs:/config iceberg-processor   # -config=/config/config.yaml

# ---------------------------------------------------------------- build
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libyaml-dev \
      libcurl4-openssl-dev libssl-dev libsqlite3-dev libmicrohttpd-dev libpcre2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .git is not in the build context (.dockerignore), so build_info's git
# label reads "unknown" in images; the version comes from VERSION.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc \
 && cmake --build /build --target iceberg-processor -j "$(nproc)" \
 && strip --strip-debug /build/iceberg-processor \
 && /build/iceberg-processor version

# -------------------------------------------------------------- runtime
FROM debian:12-slim
# runtime-packages-begin: the package of every library the binary links
# directly (their own dependencies come with them), one per line; libcurl4
# is for the S3 and etcd clients, libpcre2-8-0 for JSON Schema "pattern",
# libgcc-s1 for clang builds. Checked by
# tests/deploy/it_dockerfile.sh.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libc6 \
      libgcc-s1 \
      zlib1g \
      libsnappy1v5 \
      liblz4-1 \
      libzstd1 \
      libyaml-0-2 \
      libsqlite3-0 \
      libssl3 \
      libcurl4 \
      libmicrohttpd12 \
      libpcre2-8-0 \
 && rm -rf /var/lib/apt/lists/*
# runtime-packages-end
COPY --from=build /build/iceberg-processor /app/iceberg-processor
# A numeric user (the "nonroot" uid of distroless images) so that
# Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
WORKDIR /app
EXPOSE 9093
ENTRYPOINT ["/app/iceberg-processor"]
CMD ["-config=/config/config.yaml"]
