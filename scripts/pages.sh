#!/usr/bin/env bash
# Times single page requests, three of each, on a generated data set: the
# staff list and its searches, a person page, compliance by unit for every
# region (the first request after the start, then again), the cost report
# and /healthz. Prints status, time and size; BENCHMARKS.md records a run.
#
#   bash scripts/pages.sh [DB]
#
# DB defaults to /tmp/gen2.db, made when missing with
# `oncotrack generate --people 300000 --seed 1`. The run works on a copy.
set -euo pipefail
cd "$(dirname "$0")/.."

source_db=${1:-/tmp/gen2.db}
cargo build --quiet --release
bin=$PWD/target/release/oncotrack
[ -f "$source_db" ] || "$bin" generate --db "$source_db" --people 300000 --seed 1
work=$(mktemp -d)
cp "$source_db" "$work/m.db"
password='korvgubbe-Tändsticka-hylla-97'
printf '%s' "$password" | "$bin" user add --db "$work/m.db" --email pages@load.example --name "Pages" \
    --role coordinator --role study_director --password-stdin >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --db "$work/m.db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
jar=$work/cookies
csrf=$(curl -fs -c "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=pages@load.example" \
    --data-urlencode "password=$password" --data-urlencode "csrf_token=$csrf" "$base/login"
person=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT id FROM person ORDER BY random() LIMIT 1').fetchone()[0])" "$work/m.db")
for path in "/compliance?licence=CYTO&by=unit" "/people" "/people?q=anna" "/people?q=sj%C3%B6" "/people?q=son" \
    "/people?q=berg" "/people?q=xyz" "/people?q=an" "/people?q=%C3%B6h" "/people?q=qx" "/people?q=k" \
    "/people?q=G0012345" "/people/$person" "/compliance?licence=CYTO&by=unit" "/rotations/reports/costs" "/healthz"; do
    for _ in 1 2 3; do
        curl -s -b "$jar" -o /dev/null -w "%{http_code} %{time_total}s %{size_download}B  $path\n" "$base$path"
    done
done
