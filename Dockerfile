# connect-deploy: one static binary in an otherwise empty image, for linux/amd64
# and linux/arm64.
#
# Standard build (BuildKit): one multi-platform image, both binaries cross-compiled
# on the build machine (no emulation):
#   docker buildx build --platform linux/amd64,linux/arm64 \
#       --build-arg REVISION="$(git rev-parse HEAD)" -t REGISTRY/connect-deploy:0.1.0 --push .
# Offline build from binaries compiled on the host (works with the legacy builder too):
#   scripts/build-image            # -> connect-deploy:dev (amd64), connect-deploy:dev-arm64,
#                                  #    and an OCI image index of both; uses --target prebuilt
#
# Stage order matters for the legacy builder, which builds every stage before the
# target: the offline path (--target prebuilt) must not need the Rust image.

# 1. What every runtime image shares: labels, user, entrypoint. No files.
FROM scratch AS runtime-base
ARG VERSION=0.1.0
# The commit the binary was built from (.git is not in the build context).
ARG REVISION=unknown
LABEL org.opencontainers.image.title="connect-deploy" \
      org.opencontainers.image.description="Apply Kafka Connect connector definitions idempotently, wait for Connect, exit with honest codes" \
      org.opencontainers.image.source="https://github.com/connect-deploy/connect-deploy" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# Numeric, since scratch has no /etc/passwd; the same uid as distroless "nonroot".
USER 65532:65532
# Exec form: the binary is PID 1 and receives SIGTERM/SIGINT itself.
ENTRYPOINT ["/connect-deploy"]

# 2. Offline: the build context holds only a static binary named connect-deploy,
#    for the platform given with --platform (scripts/build-image prepares it).
FROM runtime-base AS prebuilt
COPY connect-deploy /connect-deploy

# 3. Cross-compile the static musl binary for TARGETARCH, on the build machine's
#    own platform. ring (rustls' crypto) compiles C: zig (through cargo-zigbuild)
#    is the C compiler and linker for either target, and it wins over the
#    musl-gcc that .cargo/config.toml names for Debian hosts. cargo auditable
#    embeds the dependency list (cargo audit bin, syft and trivy read it).
#    The same pinned tools as scripts/lib.sh (scripts/test-arm64 checks it).
FROM --platform=$BUILDPLATFORM rust:1.95-slim-bookworm AS builder
ARG AUDITABLE_VERSION=0.7.7
ARG ZIGBUILD_VERSION=0.24.1
ARG ZIGLANG_VERSION=0.17.1
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv \
    && rm -rf /var/lib/apt/lists/*
# cargo-zigbuild runs zig as `python3 -m ziglang`: the venv's python comes first.
RUN python3 -m venv /opt/zigbuild \
    && /opt/zigbuild/bin/pip install --no-cache-dir \
        "cargo-zigbuild==${ZIGBUILD_VERSION}" "ziglang==${ZIGLANG_VERSION}"
ENV PATH=/opt/zigbuild/bin:$PATH
RUN cargo install --locked cargo-auditable --version "${AUDITABLE_VERSION}" \
    && rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl
WORKDIR /src
# The whole (.dockerignore'd) tree: cargo resolves the workspace, including its
# second member tests/fake-connect and every target the manifest declares, even
# for --bin connect-deploy.
COPY . .
ARG TARGETARCH
RUN case "$TARGETARCH" in \
        amd64) target=x86_64-unknown-linux-musl ;; \
        arm64) target=aarch64-unknown-linux-musl ;; \
        *) echo "connect-deploy builds for linux/amd64 and linux/arm64, not '$TARGETARCH'" >&2; exit 1 ;; \
    esac \
    && cargo auditable zigbuild --release --locked --target "$target" --bin connect-deploy \
    && cp "target/$target/release/connect-deploy" /connect-deploy

# 4. Default target: the runtime image built from the sources above.
FROM runtime-base AS runtime
COPY --from=builder /connect-deploy /connect-deploy
