-- One wrk scenario, configured by the environment (bench/load.py sets it):
--   WRK_METHOD   GET or POST
--   WRK_PATHS    paths to rotate through, separated by newlines
--   WRK_BODIES   bodies to rotate through, separated by newlines (POST only)
--   WRK_HEADERS  "Name: value" lines
-- Each thread starts at a different place in the rotation, so concurrent connections spread
-- over different assessments. done() prints one JSON line that bench/load.py reads, with the
-- number of 2xx responses ("acked": what the server acknowledged).

local function lines(text)
  local out = {}
  for line in string.gmatch(text or "", "[^\n]+") do table.insert(out, line) end
  return out
end

local method = os.getenv("WRK_METHOD") or "GET"
local paths = lines(os.getenv("WRK_PATHS"))
local bodies = lines(os.getenv("WRK_BODIES"))
local header_lines = lines(os.getenv("WRK_HEADERS"))

local threads = {}
local counter = 0
acked = 0
refused = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  for _, line in ipairs(header_lines) do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local body = nil
  if #bodies > 0 then body = bodies[(counter % #bodies) + 1] end
  return wrk.format(method, path, nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    acked = acked + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total_acked, total_refused = 0, 0
  for _, thread in ipairs(threads) do
    total_acked = total_acked + thread:get("acked")
    total_refused = total_refused + thread:get("refused")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "acked": %d, "refused": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, total_acked, total_refused,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
