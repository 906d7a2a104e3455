# The image deploy/kubernetes/ runs: the `redis-audit` binary on PATH, as the non-root user
# 65532 the manifests ask for. Build from the repository root:
#   docker build -t ghcr.io/redis-audit/redis-audit:0.1.0 .
# (plugin/tests/deploy.rs checks that this file and the manifests agree.)
FROM rust:1.90-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p redis-audit --bin redis-audit

# glibc and nothing else: no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/redis-audit /usr/local/bin/redis-audit
USER 65532:65532
ENTRYPOINT ["redis-audit"]
