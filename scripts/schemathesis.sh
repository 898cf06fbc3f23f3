#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against a real server on demo data, with the
# OpenAPI description the server serves at /api/v1/openapi.json, and every
# check: no 5xx, every status, content type, header and body as described,
# requests that break the description refused, and requests that keep it
# accepted (schemathesis.toml says which answers count as accepted).
#
#   bash scripts/schemathesis.sh install     # only install schemathesis
#   bash scripts/schemathesis.sh [EXAMPLES]  # install when missing, then run
#
# Schemathesis goes into a virtual environment in target/schemathesis/venv.
# EXAMPLES (default 50) is the number of generated requests per operation and
# phase; SCHEMATHESIS_SEED (default 1) fixes the generated requests so that
# a run can be repeated. ONCOTRACK_BIN names the server binary; by default the
# debug build, built first. The JUnit report goes to target/schemathesis/.
# tests/it/schemathesis.rs runs this within `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/schemathesis/venv

install() {
    if [ -x "$venv/bin/schemathesis" ]; then
        return
    fi
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
}

if [ "${1:-}" = install ]; then
    install
    exit 0
fi
install
examples=${1:-50}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

bin=${ONCOTRACK_BIN:-target/debug/oncotrack}
if [ -z "${ONCOTRACK_BIN:-}" ]; then
    cargo build --quiet --bin oncotrack
fi
"$bin" demo --db "$work/demo.db" >/dev/null
ONCOTRACK_TOKEN=$("$bin" token create --db "$work/demo.db" --email admin@demo.oncotrack.example --label schemathesis)
ONCOTRACK_LECTURER_TOKEN=$("$bin" token create --db "$work/demo.db" --email forelasare@demo.oncotrack.example --label schemathesis)
export ONCOTRACK_TOKEN ONCOTRACK_LECTURER_TOKEN
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --db "$work/demo.db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
mkdir -p target/schemathesis
status=0
# use_after_free is left out: DELETE on a sign-up or an enrolment withdraws or
# cancels it, and the record stays, with its new status, as the history that
# coordinators and audits need, so reading it afterwards answers 200.
"$venv/bin/schemathesis" --config-file schemathesis.toml run \
    "http://127.0.0.1:$port/api/v1/openapi.json" \
    --checks all --exclude-checks use_after_free \
    --max-examples "$examples" --seed "${SCHEMATHESIS_SEED:-1}" \
    --report junit --report-dir target/schemathesis || status=$?
if [ "$status" -ne 0 ]; then
    echo "== server log (last 40 lines)"
    tail -40 "$work/serve.log"
fi
exit "$status"
