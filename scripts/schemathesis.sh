#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against a real server on demo data, with the
# OpenAPI description the server serves at /api/v1/openapi.json.
#
#   bash scripts/schemathesis.sh [CHECKS]
#
# CHECKS defaults to not_a_server_error (no 5xx for any generated request);
# `all` adds conformance to the description, which the loose response schemas
# of most endpoints do not meet yet.
set -euo pipefail
cd "$(dirname "$0")/.."
checks=${1:-not_a_server_error}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet schemathesis
cargo build --quiet --release
bin=target/release/oncotrack
"$bin" demo --db "$work/demo.db" >/dev/null
token=$("$bin" token create --db "$work/demo.db" --email admin@demo.oncotrack.example --label schemathesis)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --db "$work/demo.db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
"$work/venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" --checks "$checks" --max-examples 50 --phases examples,fuzzing
