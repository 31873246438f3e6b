# Shared by scripts/build-image, scripts/test-containers and scripts/test-compose.
# Source it; it defines names and functions and runs nothing.

# shellcheck disable=SC2034 # the names are for the scripts that source this
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MUSL_TARGET=x86_64-unknown-linux-musl
RELEASE_DIR=$ROOT/target/$MUSL_TARGET/release
DEPLOY_IMAGE=connect-deploy:dev
FAKE_IMAGE=connect-deploy-fake-connect:dev

# cargo_musl ARGS...: a static release build for the image's target.
cargo_musl() {
    (cd "$ROOT" && cargo build --release --locked --target "$MUSL_TARGET" "$@")
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

# docker_or_skip TOTAL: when no engine answers, say why and end the script
# successfully with TOTAL tests skipped; an engine that answers must pass.
docker_or_skip() {
    local why
    if ! why=$(docker info 2>&1 >/dev/null); then
        echo "skip - docker info failed: $(printf '%s' "$why" | head -n 1)"
        echo "0 passed, 0 failed, $1 skipped"
        exit 0
    fi
}

# Test reporting: one "ok - " / "not ok - " line per test, then "N passed, M failed".
PASSED=0
FAILED=0

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
    echo "$PASSED passed, $FAILED failed"
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
