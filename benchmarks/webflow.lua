-- wrk script: the sell screen's requests for one sale, again and again, one member per
-- connection (run with -tN -cN: one wrk thread, hence one Lua state, per connection).
-- Usage: wrk -tN -cN -d5s -s webflow.lua URL -- LOGINS_FILE
-- LOGINS_FILE has one line per connection, tab-separated: the cookies, the page's CSRF token
-- (the X-CSRFToken header htmx sends from <body hx-headers>), the tile forms' CSRF token, the
-- version of the tiles on screen (#sell-v), the two products tapped.
-- The flow, with the headers and form fields Chromium sends (htmx 2):
--   1. POST /sell/cart/add/A   HX-Target: cart      seen (hx-include), csrf_token (the tile's form)
--   2. POST /sell/cart/add/B   HX-Target: cart      seen, csrf_token
--      (the first tap of a cart is answered with the whole cart, the second, on a cart the
--      screen shows as it is, with its own parts only: the line, `seen`, the total)
--   3. POST /sell/cart/act     HX-Target: result    v, csrf_token, key, channel, seen, act=pay:…
--      (HX-Trigger-Name: act; key, seen and csrf_token read from the cart just answered, v
--      (hx-include) from the last payment's answer; card and a 20 € note alternate; the answer
--      brings the two tiles the sale changed, or all of them if anything else changed)
--   4. GET  /sell/tiles        HX-Target: tiles, HX-Trigger: tiles, only when the payment's
--      answer says `HX-Trigger: stock-changed` (the tiles refresh themselves); not when the
--      answer brings the tiles itself (out of band)
-- Prints one JSON line at the end (parsed by webflow_bench.py).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } etal_timespec;
int clock_gettime(int clk_id, etal_timespec *tp);
]])
local ts = ffi.new("etal_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local function split(line)
  local out = {}
  for field in string.gmatch(line, "[^\t]+") do
    table.insert(out, field)
  end
  return out
end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function unescape_html(s)
  return (s:gsub("&#34;", '"'):gsub("&#39;", "'"):gsub("&lt;", "<"):gsub("&gt;", ">")
    :gsub("&amp;", "&"))
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local n = 0
  for line in file:lines() do
    n = n + 1
    if n == tid then
      local f = split(line)
      device, session, header_token, tile_token, version = f[1], f[2], f[3], f[4], f[5]
      product_a, product_b = f[6], f[7]
    end
  end
  file:close()
  host = wrk.host .. ":" .. wrk.port
  origin = "http://" .. host
  step = 1
  sales = 0
  paid_sent = 0
  errors = 0
  errors_text = ""
  -- What done() reads back is kept as strings: wrk's thread:get() crashes on nested tables.
  lat_text = ""
  numbers_text = ""
  cart = { key = "", seen = "0;", csrf = tile_token } -- the empty cart after logging in
  kinds = { "tile", "tile", "pay", "tiles" }
end

local function headers(target)
  local h = {
    ["Host"] = host,
    ["Accept"] = "*/*",
    ["Accept-Language"] = "fr-FR",
    ["Cookie"] = "etal_device=" .. device .. "; session=" .. session,
    ["HX-Current-URL"] = origin .. "/sell",
    ["HX-Request"] = "true",
    ["HX-Target"] = target,
    ["Referer"] = origin .. "/sell",
    ["X-CSRFToken"] = header_token,
  }
  return h
end

local function post(path, target, body)
  local h = headers(target)
  h["Content-Type"] = "application/x-www-form-urlencoded"
  h["Origin"] = origin
  return wrk.format("POST", path, h, body)
end

local function tile_body()
  return "seen=" .. urlencode(cart.seen) .. "&csrf_token=" .. urlencode(tile_token)
end

function request()
  sent_at = now_us()
  if step == 1 then
    sale_began = sent_at
    return post("/sell/cart/add/" .. product_a, "cart", tile_body())
  elseif step == 2 then
    return post("/sell/cart/add/" .. product_b, "cart", tile_body())
  elseif step == 3 then
    paid_sent = paid_sent + 1
    local act = (paid_sent % 2 == 0) and "pay:note:20" or "pay:card"
    local h = headers("result")
    h["Content-Type"] = "application/x-www-form-urlencoded"
    h["Origin"] = origin
    h["HX-Trigger-Name"] = "act"
    local body = "v=" .. urlencode(version) .. "&csrf_token=" .. urlencode(cart.csrf)
      .. "&key=" .. urlencode(cart.key) .. "&channel=stall&seen=" .. urlencode(cart.seen)
      .. "&act=" .. urlencode(act)
    return wrk.format("POST", "/sell/cart/act", h, body)
  else
    local h = headers("tiles")
    h["HX-Trigger"] = "tiles"
    return wrk.format("GET", "/sell/tiles", h)
  end
end

local function failed(what, status, body)
  errors = errors + 1
  if #errors_text < 600 then
    errors_text = errors_text .. what .. " " .. status .. ": " .. string.sub(body or "", 1, 120) .. " | "
  end
  step = 1 -- start a new sale; the cart keeps what it holds, `seen` follows it
end

-- A response header by name, whatever its case (waitress sends "Hx-Trigger").
local function header(hdrs, name)
  for key, value in pairs(hdrs) do
    if string.lower(key) == name then
      return value
    end
  end
  return nil
end

function response(status, hdrs, body)
  local took = now_us() - sent_at
  local cookie = header(hdrs, "set-cookie")
  if cookie then
    local value = string.match(cookie, "session=([^;]*)")
    if value then
      session = value
    end
  end
  local kind = kinds[step]
  lat_text = lat_text .. kind .. "=" .. string.format("%d", took) .. " "
  if status ~= 200 then
    return failed(kind, status, body)
  end
  if step <= 2 then
    -- A whole cart brings its key and CSRF token; a tap's own parts only `seen`.
    local key = string.match(body, 'name="key" value="(%w+)"')
    local seen = string.match(body, 'name="seen" id="seen" value="([^"]*)"')
    local csrf = string.match(body, 'name="csrf_token" value="([^"]+)"')
    if not seen or not (key or cart.key ~= "") then
      return failed("cart", status, body)
    end
    cart.seen = unescape_html(seen)
    if key then
      cart.key, cart.csrf = key, csrf or cart.csrf
    end
    step = step + 1
  elseif step == 3 then
    local number = string.match(body, "Vente n° (%d+) enregistr")
    if not number then
      return failed("pay", status, body)
    end
    sales = sales + 1
    cart.seen = unescape_html(string.match(body, 'name="seen" id="seen" value="([^"]*)"') or "0;")
    version = string.match(body, 'name="v" id="sell%-v" value="([^"]*)"') or version
    numbers_text = numbers_text .. number .. ","
    lat_text = lat_text .. "sale=" .. string.format("%d", now_us() - sale_began) .. " "
    local trigger = header(hdrs, "hx-trigger") or ""
    step = string.find(trigger, "stock-changed", 1, true) and 4 or 1
  else
    if not string.find(body, 'id="tiles"', 1, true) then
      return failed("tiles", status, body)
    end
    step = 1
  end
end

local function percentile(values, p)
  if #values == 0 then
    return 0
  end
  table.sort(values)
  local rank = math.max(1, math.min(#values, math.ceil(p / 100 * #values)))
  return values[rank]
end

function done(summary, latency, requests)
  local all = { tile = {}, pay = {}, tiles = {}, sale = {} }
  local made, sent, errs, texts, nums = 0, 0, 0, "", {}
  for _, thread in ipairs(threads) do
    made = made + thread:get("sales")
    sent = sent + thread:get("paid_sent")
    errs = errs + thread:get("errors")
    texts = texts .. thread:get("errors_text")
    table.insert(nums, thread:get("numbers_text"))
    for kind, value in string.gmatch(thread:get("lat_text"), "(%a+)=(%d+)") do
      table.insert(all[kind], tonumber(value))
    end
  end
  local parts = {}
  for _, kind in ipairs({ "tile", "pay", "tiles", "sale" }) do
    table.insert(parts, string.format('"%s": [%d, %d, %d, %d]', kind, #all[kind],
      percentile(all[kind], 50), percentile(all[kind], 99), percentile(all[kind], 100)))
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "sales": %d, "payments_sent": %d, "errors": %d, '
      .. '"errors_socket": %d, "latency_us": {%s}, "numbers": "%s", "errors_text": "%s"}\n',
    summary.requests, summary.duration, made, sent, errs,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", "), table.concat(nums, ","),
    string.gsub(texts, '["\\\n]', " ")))
end
