# Shared by scripts/build-image, scripts/test-containers and scripts/test-compose.
# Source it; it defines names and functions and runs nothing.

# shellcheck disable=SC2034 # the names are for the scripts that source this
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MUSL_TARGET=x86_64-unknown-linux-musl
RELEASE_DIR=$ROOT/target/$MUSL_TARGET/release
ARM64_TARGET=aarch64-unknown-linux-musl
ARM64_RELEASE_DIR=$ROOT/target/$ARM64_TARGET/release
DEPLOY_IMAGE=${DEPLOY_IMAGE:-connect-deploy:dev} # a session of its own: DEPLOY_IMAGE=connect-deploy:NAME
FAKE_IMAGE=${FAKE_IMAGE:-connect-deploy-fake-connect:dev}

# Build tools, pinned (the Dockerfile's builder stage pins the same), installed once
# under CACHE by cross_tools.
CACHE=${CONNECT_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/connect-deploy}
AUDITABLE_VERSION=0.7.7 # cargo-auditable (crates.io): the dependency list inside the binary
CARGO_AUDIT_VERSION=0.22.2 # cargo-audit (crates.io): reads that list (scripts/audit)
ZIGBUILD_VERSION=0.24.1 # cargo-zigbuild (PyPI): zig as C compiler and linker for arm64
ZIGLANG_VERSION=0.17.1  # ziglang (PyPI): zig itself

# cargo_musl ARGS...: a static release build for the image's target.
cargo_musl() {
    (cd "$ROOT" && cargo build --release --locked --target "$MUSL_TARGET" "$@")
}

# cross_tools: puts cargo-auditable and cargo-zigbuild (with zig) on PATH, installing
# what is missing (cached under CACHE), and the two musl targets.
cross_tools() {
    local auditable=$CACHE/cargo-auditable-$AUDITABLE_VERSION venv=$CACHE/zigbuild-$ZIGBUILD_VERSION-zig-$ZIGLANG_VERSION
    if [ ! -x "$auditable/bin/cargo-auditable" ]; then
        echo "installing cargo-auditable $AUDITABLE_VERSION under $auditable" >&2
        cargo install --locked --quiet cargo-auditable --version "$AUDITABLE_VERSION" --root "$auditable"
    fi
    if [ ! -x "$venv/bin/cargo-zigbuild" ]; then
        echo "installing cargo-zigbuild $ZIGBUILD_VERSION and zig $ZIGLANG_VERSION under $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check \
            "cargo-zigbuild==$ZIGBUILD_VERSION" "ziglang==$ZIGLANG_VERSION"
    fi
    # cargo-zigbuild runs zig as `python3 -m ziglang`: the venv's python comes first.
    PATH=$auditable/bin:$venv/bin:$PATH
    export PATH
    local installed
    installed=$(rustup target list --installed)
    for target in "$MUSL_TARGET" "$ARM64_TARGET"; do
        grep -qx "$target" <<<"$installed" || rustup target add "$target" >&2
    done
}

# install_cargo_audit: cargo-audit under $CACHE, built once (a few minutes).
install_cargo_audit() {
    [ -x "$CACHE/cargo-audit-$CARGO_AUDIT_VERSION/bin/cargo-audit" ] && return
    echo "installing cargo-audit $CARGO_AUDIT_VERSION under $CACHE (a few minutes, once)" >&2
    cargo install --locked --quiet cargo-audit --version "$CARGO_AUDIT_VERSION" \
        --root "$CACHE/cargo-audit-$CARGO_AUDIT_VERSION"
}

# release_binaries [amd64] [arm64]: connect-deploy for those images, static, with its
# dependency list embedded (cargo auditable). amd64 as every other musl build here
# both linked by zig (through cargo-zigbuild), whose lld drops 120 KB that GNU ld
# keeps: the TLS binary must stay under 2.25 MB.
release_binaries() {
    cross_tools
    local arch
    for arch in "$@"; do
        case $arch in
            amd64) (cd "$ROOT" && cargo auditable zigbuild --release --locked --target "$MUSL_TARGET" --bin connect-deploy) ;;
            arm64) (cd "$ROOT" && cargo auditable zigbuild --release --locked --target "$ARM64_TARGET" --bin connect-deploy) ;;
        esac
    done
}

# elf_arch FILE: amd64 or arm64 from the ELF header (e_machine), else "unknown".
elf_arch() {
    case $(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n') in
        3e00) echo amd64 ;;
        b700) echo arm64 ;;
        *) echo unknown ;;
    esac
}

# image_from_binary TAG DOCKERFILE BINARY [docker build options...]
# Builds DOCKERFILE with a throw-away context that holds only BINARY (under its
# own file name), so nothing is pulled and no .dockerignore is involved.
image_from_binary() {
    local tag=$1 dockerfile=$2 binary=$3
    shift 3
    local context previous
    context=$(mktemp -d)
    previous=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
    (
        trap 'rm -rf "$context"' EXIT
        install -m 0755 "$binary" "$context/"
        docker build --quiet -f "$dockerfile" -t "$tag" "$@" "$context" >/dev/null
    )
    # The image the tag named before is left untagged: drop it unless still in use.
    if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]; then
        docker image rm "$previous" >/dev/null 2>&1 || true
    fi
}

image_size() {
    docker image inspect -f '{{.Size}}' "$1"
}

# build_fake_image: the project's fake Kafka Connect, alone in a FROM scratch image.
build_fake_image() {
    cargo_musl -p fake-connect
    image_from_binary "$FAKE_IMAGE" "$ROOT/tests/fake-connect/Dockerfile" "$RELEASE_DIR/fake-connect"
}

# docker_or_skip TOTAL: when no engine answers, the TOTAL tests did not run: alone,
# the script says why and ends (0) with them counted as skipped; under scripts/test
# (CONNECT_DEPLOY_NO_SKIPS=1) that is a failure. An engine that answers must pass.
docker_or_skip() {
    local why
    if ! why=$(docker info 2>&1 >/dev/null); then
        skip "all $1 tests" "docker info failed: $(printf '%s' "$why" | head -n 1)"
        summary
        exit
    fi
}

# Test reporting: one "ok - " / "not ok - " line per test, then "N passed, M failed",
# with the skipped and not checked ones when there are any. A test that did not run
# is never counted as passed; it is one of:
#   skip WHAT WHY         this machine lacks something the tests need and could have
#                         (an engine, a build): "skip - WHAT: WHY". Under scripts/test
#                         (CONNECT_DEPLOY_NO_SKIPS=1) it is a failure instead.
#   not_checked WHAT WHY  something this machine truly cannot do (no network for the
#                         advisory database, no root, no binfmt_misc): "NOT checked -
#                         WHAT: WHY", which scripts/test lists at its end. With
#                         CONNECT_DEPLOY_REQUIRE_ALL=1 it is a failure too.
PASSED=0
FAILED=0
SKIPPED=0
NOT_CHECKED=0

skip() {
    if [ "${CONNECT_DEPLOY_NO_SKIPS:-}" = 1 ]; then
        FAILED=$((FAILED + 1))
        echo "not ok - $1: did not run ($2); scripts/test allows no skips"
    else
        SKIPPED=$((SKIPPED + 1))
        echo "skip - $1: $2"
    fi
}

not_checked() {
    if [ "${CONNECT_DEPLOY_REQUIRE_ALL:-}" = 1 ]; then
        FAILED=$((FAILED + 1))
        echo "not ok - $1: cannot run here ($2); CONNECT_DEPLOY_REQUIRE_ALL=1 requires it"
    else
        NOT_CHECKED=$((NOT_CHECKED + 1))
        echo "NOT checked - $1: $2"
    fi
}

# check NAME FUNCTION [ARGS...]: runs the function in a subshell with errexit on,
# its output kept aside and shown (as "# " lines) only when it fails; lines it
# starts with "note: " (measurements) are shown either way.
check() {
    local name=$1
    shift
    local log rc
    log=$(mktemp)
    set +e
    (set -e; "$@") >"$log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        echo "ok - $name"
        sed -n 's/^note: /#   /p' "$log"
    else
        FAILED=$((FAILED + 1))
        echo "not ok - $name"
        sed 's/^/#   /' "$log"
    fi
    rm -f "$log"
}

summary() {
    local line="$PASSED passed, $FAILED failed"
    [ "$SKIPPED" -eq 0 ] || line+=", $SKIPPED skipped"
    [ "$NOT_CHECKED" -eq 0 ] || line+=", $NOT_CHECKED NOT checked"
    echo "$line"
    [ "$FAILED" -eq 0 ]
}

# Assertions for use inside check: each prints why and fails.
fail() {
    echo "$*"
    return 1
}

expect_eq() { # WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

expect_in() { # WHAT FILE NEEDLE
    grep -qF -- "$3" "$2" && return 0
    echo "$1 lacks '$3'; it was:"
    sed 's/^/    /' "$2"
    return 1
}

expect_line() { # WHAT FILE REGEX: some line matches the extended regex
    grep -qE -- "$3" "$2" && return 0
    echo "$1 has no line matching '$3'; it was:"
    sed 's/^/    /' "$2"
    return 1
}

expect_not_in() { # WHAT FILE NEEDLE
    ! grep -qF -- "$3" "$2" || fail "$1 shows '$3'"
}

# arm64_emulation: makes this machine run aarch64 binaries if it can (Debian's
# qemu-user-static, and its binfmt_misc entry, with the F flag so that containers
# use it too; needs root), then sets ARM64_RUNNER and ARM64_HOW:
#   binfmt  the kernel runs aarch64 binaries (and arm64 containers) through qemu
#   runner  binfmt_misc is not to be had: ARM64_RUNNER=qemu-aarch64-static runs them
#   none    no emulation; ARM64_HOW_WHY says why
# and ARM64_CONTAINERS_WHY, empty when the engine can run arm64 containers, else why not.
# On an arm64 machine it is native: binfmt, nothing installed.
arm64_emulation() {
    ARM64_RUNNER=
    ARM64_HOW=none
    ARM64_HOW_WHY=
    ARM64_CONTAINERS_WHY=
    if [ "$(uname -m)" = aarch64 ]; then
        ARM64_HOW=binfmt
        return 0
    fi
    local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64 conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    if ! command -v qemu-aarch64-static >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing qemu-user-static (Debian) for arm64 emulation" >&2
        apt-get install -y -qq qemu-user-static >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq qemu-user-static >/dev/null; } || true
    fi
    if ! command -v qemu-aarch64-static >/dev/null; then
        ARM64_HOW_WHY="qemu-aarch64-static is not installed (Debian qemu-user-static) and could not be"
        ARM64_CONTAINERS_WHY=$ARM64_HOW_WHY
        return 0
    fi
    if [ ! -e "$entry" ] && [ "$(id -u)" = 0 ]; then
        [ -e /proc/sys/fs/binfmt_misc/register ] ||
            mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
        if [ -w /proc/sys/fs/binfmt_misc/register ] && [ -f "$conf" ]; then
            cat "$conf" >/proc/sys/fs/binfmt_misc/register 2>/dev/null || true
        fi
    fi
    if [ -e "$entry" ] && grep -qx enabled "$entry"; then
        ARM64_HOW=binfmt
        # Without F the kernel looks for the interpreter inside each container.
        grep -q '^flags:.*F' "$entry" ||
            ARM64_CONTAINERS_WHY="the binfmt_misc entry for aarch64 lacks the F flag (Debian's qemu-user-binfmt?): containers cannot reach qemu"
    else
        ARM64_HOW=runner
        ARM64_RUNNER=qemu-aarch64-static
        ARM64_HOW_WHY="no enabled binfmt_misc entry for aarch64 (not root, or the kernel refused it)"
    fi
    [ "$ARM64_HOW" = binfmt ] || ARM64_CONTAINERS_WHY="containers need binfmt_misc: $ARM64_HOW_WHY"
}
