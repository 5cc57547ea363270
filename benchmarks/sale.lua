-- wrk script: POST one sale per request, each with a fresh Idempotency-Key.
-- Usage: wrk -t1 -cN -d10s -s sale.lua URL -- BODY_FILE [TOKEN]
-- Prints one JSON line on stdout at the end (parsed by wrk_bench.py).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] and args[2] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
  -- A nonce per run, so two runs on one database never reuse a key.
  nonce = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))
  sent = 0
  created = 0
end

function request()
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = nonce .. "-" .. tid .. "-" .. sent
  return wrk.format()
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  end
end

function done(summary, latency, requests)
  local made = 0
  for _, thread in ipairs(threads) do
    made = made + thread:get("created")
  end
  io.write(string.format(
    '{"requests": %d, "created": %d, "duration_us": %d, "errors_status": %d, '
      .. '"errors_socket": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, made, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
