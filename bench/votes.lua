-- wrk script: POST one distinct vote per request, read from a file of JSON bodies (one a line).
--   wrk -t1 -c8 -d20s -s bench/votes.lua http://127.0.0.1:PORT/api/contests/2024/votes -- BODIES THREADS OFFSET
-- Thread t of THREADS sends lines OFFSET+t, OFFSET+t+THREADS, ... so no body is sent twice. If a thread runs out
-- of lines it starts again (those would be repeats: counted as "exhausted", and the run should be made longer).
-- At the end it prints one line "BENCHJSON {...}" with statuses, socket errors and latency percentiles (µs).

local next_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads, offset = args[1], tonumber(args[2] or "1"), tonumber(args[3] or "0")
  bodies = {}
  local i = 0
  for line in io.lines(file) do
    if i >= offset and (i - offset) % nthreads == tid then
      bodies[#bodies + 1] = line
    end
    i = i + 1
  end
  sent = 0
  exhausted = 0
  statuses = {}
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  sent = sent + 1
  if sent > #bodies then
    exhausted = exhausted + 1
  end
  local body = bodies[(sent - 1) % #bodies + 1]
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged, gone = {}, 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for k, v in pairs(counts) do
      merged[k] = (merged[k] or 0) + v
    end
    gone = gone + (thread:get("exhausted") or 0)
  end
  local parts = {}
  for k, v in pairs(merged) do
    parts[#parts + 1] = string.format('"%s":%d', k, v)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"exhausted":%d}\n',
    summary.requests, summary.duration, table.concat(parts, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean, gone))
end
