-- wrk script for POST /api/v1/rotations/split-preview (see BENCHMARKS.md).
-- Reads the bearer token from /tmp/rot-token (or $TOKEN_FILE) and sends a
-- radiotherapy placement of about 8 months with a salary change, 80 % extent and a
-- home period, starting on a different day of 2025 on each request so that
-- the month lines differ.
local path = os.getenv("TOKEN_FILE") or "/tmp/rot-token"
local token = io.open(path):read("*l")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
math.randomseed(42)
local body = [[{"kind":"radiotherapy","start":"2025-%02d-%02d","end":"2025-%02d-%02d",
"salary":[{"from":"2025-01-01","monthly_cost_ore":5850000},{"from":"2025-10-01","monthly_cost_ore":6030000}],
"extent_percent":80,"home_periods":[{"from":"2025-07-21","to":"2025-08-01","reason":"semester"}]}]]
request = function()
  local m = math.random(1, 3)
  local d = math.random(1, 28)
  return wrk.format(nil, "/api/v1/rotations/split-preview", nil, string.format(body, m, d, m + 8, d))
end
