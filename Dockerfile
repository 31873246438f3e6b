# connect-deploy: one static binary in an otherwise empty image.
#
# Standard build (needs BuildKit, the default builder since Docker 23):
#   docker build -t connect-deploy .
# Offline build from a binary compiled on the host (works with the legacy builder too):
#   scripts/build-image            # -> connect-deploy:dev, uses --target prebuilt
#
# Stage order matters for the legacy builder, which builds every stage before the
# target: the offline path (--target prebuilt) must not need the Rust image.

# 1. What every runtime image shares: labels, user, entrypoint. No files.
FROM scratch AS runtime-base
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="connect-deploy" \
      org.opencontainers.image.description="Apply Kafka Connect connector definitions idempotently, wait for Connect, exit with honest codes" \
      org.opencontainers.image.source="https://github.com/connect-deploy/connect-deploy" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
# Numeric, since scratch has no /etc/passwd; the same uid as distroless "nonroot".
USER 65532:65532
# Exec form: the binary is PID 1 and receives SIGTERM/SIGINT itself.
ENTRYPOINT ["/connect-deploy"]

# 2. Offline: the build context holds only a static binary named connect-deploy
#    (scripts/build-image prepares such a context).
FROM runtime-base AS prebuilt
COPY connect-deploy /connect-deploy

# 3. Compile the static musl binary from the sources.
FROM rust:1.95-alpine AS builder
# ring (rustls' crypto) compiles C. Alpine's own gcc targets musl, so it replaces
# the musl-gcc that .cargo/config.toml names for Debian hosts (a variable set in
# the environment wins over cargo's [env]); musl-dev gives it and the static link
# libc.a and the crt files (newer rust:alpine tags already have it).
RUN apk add --no-cache musl-dev
ENV CC_x86_64_unknown_linux_musl=gcc
WORKDIR /src
# The whole (.dockerignore'd) tree: cargo resolves the workspace, including its
# second member tests/fake-connect and every target the manifest declares, even
# for --bin connect-deploy.
COPY . .
RUN cargo build --release --locked --target x86_64-unknown-linux-musl --bin connect-deploy

# 4. Default target: the runtime image built from the sources above.
FROM runtime-base AS runtime
COPY --from=builder /src/target/x86_64-unknown-linux-musl/release/connect-deploy /connect-deploy
