#!/usr/bin/env bash
# Load benchmark with wrk on a generated data set: /healthz as the yardstick,
# the person status API, a person page, the people search, the compliance
# report, the lecturers-wanted board and the split preview, each alone and
# then mixed (at 8, 32 and 256 connections), and the pages again while 100
# connections send wrong passwords. Every line counts the errors (non-2xx/3xx
# answers and socket errors), which must be 0. Prints wrk's figures and the
# server's peak memory; BENCHMARKS.md records a run.
#
#   bash scripts/load.sh [DB] [SECONDS]
#
# DB defaults to /tmp/gen2.db, made when missing with
# `oncotrack generate --people 300000 --seed 1`. The run works on a copy.
# Needs wrk (Debian: apt-get install wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

source_db=${1:-/tmp/gen2.db}
seconds=${2:-20}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --quiet --release
bin=$PWD/target/release/oncotrack
[ -f "$source_db" ] || "$bin" generate --db "$source_db" --people 300000 --seed 1
cp "$source_db" "$work/load.db"
db=$work/load.db

password='korvgubbe-Tändsticka-hylla-97'
printf '%s' "$password" | "$bin" user add --db "$db" --email load@load.example --name "Load Test" \
    --role coordinator --role study_director --role lecturer --password-stdin >/dev/null
token=$("$bin" token create --db "$db" --email load@load.example --label load)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Addresses come from X-Forwarded-For so the wrong-password storm is spread
# over many addresses, as from many clients, instead of being throttled at once.
ONCOTRACK_TRUST_PROXY=1 "$bin" serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
base="http://127.0.0.1:$port"

# A signed-in browser session for the pages.
jar=$work/cookies
csrf=$(curl -fs -c "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=load@load.example" \
    --data-urlencode "password=$password" --data-urlencode "csrf_token=$csrf" "$base/login"
session=$(awk '$6 == "ot_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "could not sign in" >&2; exit 1; }
anon_csrf=$(curl -fs -c "$work/anon" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
anon=$(awk '$6 == "ot_anon" {print $7}' "$work/anon")

# Rows to ask about: people with an HSA-id, and people's ids for their pages.
python3 - "$db" "$work" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
with open(sys.argv[2] + "/hsa.txt", "w") as f:
    for (h,) in c.execute("SELECT hsa_id FROM person WHERE hsa_id IS NOT NULL ORDER BY random() LIMIT 5000"):
        f.write(h + "\n")
with open(sys.argv[2] + "/people.txt", "w") as f:
    for (i,) in c.execute("SELECT id FROM person ORDER BY random() LIMIT 5000"):
        f.write(f"{i}\n")
PY

cat >"$work/requests.lua" <<LUA
local hsa, people, words = {}, {}, {"anna", "sj%C3%B6", "berg", "lind", "SE2321", "karl", "str%C3%B6m"}
for l in io.lines("$work/hsa.txt") do hsa[#hsa + 1] = l end
for l in io.lines("$work/people.txt") do people[#people + 1] = l end
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Cookie"] = "ot_session=$session"
local preview = '{"kind":"radiotherapy","start":"2026-01-31","end":"2026-09-30",'
    .. '"salary":[{"from":"2025-01-01","monthly_cost_ore":6543210},{"from":"2026-04-01","monthly_cost_ore":6712345}],'
    .. '"extent_percent":80,"home_periods":[{"from":"2026-03-02","to":"2026-03-13","reason":"called home"}]}'
local kinds = {}
for k in string.gmatch(os.getenv("KINDS") or "status", "[^,]+") do kinds[#kinds + 1] = k end
local function one(kind)
    if kind == "healthz" then
        return wrk.format("GET", "/healthz")
    elseif kind == "search" then
        return wrk.format("GET", "/people?q=" .. words[math.random(#words)])
    elseif kind == "status" then
        return wrk.format("GET", "/api/v1/licences/status?licence=CYTO&hsa_id=" .. hsa[math.random(#hsa)])
    elseif kind == "person" then
        return wrk.format("GET", "/people/" .. people[math.random(#people)])
    elseif kind == "compliance" then
        return wrk.format("GET", "/compliance?licence=CYTO&by=region")
    elseif kind == "board" then
        return wrk.format("GET", "/lecturers-wanted")
    elseif kind == "preview" then
        -- Headers given here replace wrk.headers, so they carry the token too.
        return wrk.format("POST", "/api/v1/rotations/split-preview",
            {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"}, preview)
    end
end
request = function() return one(kinds[math.random(#kinds)]) end
done = function(summary, latency, requests)
    io.write(string.format("  %-28s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d\n",
        os.getenv("KINDS"), summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
LUA

cat >"$work/logins.lua" <<LUA
wrk.headers["Cookie"] = "ot_anon=$anon"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
    wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    return wrk.format("POST", "/login", nil,
        "csrf_token=$anon_csrf&email=load" .. math.random(1, 100000) .. "@load.example&password=wrong-password")
end
done = function(summary, latency, requests)
    io.write(string.format("  %-28s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms\n", "wrong-password logins",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

run() { KINDS=$1 wrk -t2 -c"${2:-32}" -d"${seconds}s" --latency -s "$work/requests.lua" "$base" | sed -n '/req\/s/p' | sed "s/^/ ${2:-32} conn/"; }
mix=status,person,search,compliance,board,preview

# Warm the caches once.
KINDS=$mix wrk -t2 -c8 -d3s -s "$work/requests.lua" "$base" >/dev/null
echo "each alone, 32 connections, ${seconds} s:"
for kind in healthz status person search compliance board preview; do run "$kind"; done
echo "mixed, 32, 8 and 256 connections:"
run $mix 32
run $mix 8
run $mix 256
run healthz 256
echo "mixed while 100 connections send wrong passwords (from random addresses):"
wrk -t1 -c100 -d"$((2 * seconds + 6))s" -s "$work/logins.lua" "$base" | sed -n '/req\/s/p' &
storm=$!
sleep 3
run $mix 8
run $mix 32
wait $storm
echo "server peak resident memory: $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
