-- wrk script for bench/load's survey: every request is a new phone-survey response (a fresh UUID,
-- every question answered) sent to one of the desks' poster codes, which come after "--" on wrk's
-- command line after the session cookie, its CSRF token and the form's question fields
-- (comma-separated). The codes take turns request by request. At the end one JSON line gives the
-- rate, the latency percentiles, and how many were answered 200 (the thank-you) and how many
-- otherwise.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Per thread, as in bench/vote.lua: ``id`` from setup(), ``ok`` and ``other`` read by done().
local codes, cookie, token, fields, sent, prefix

function init(args)
   cookie, token = args[1], args[2]
   fields = {}
   for name in string.gmatch(args[3], "[^,]+") do table.insert(fields, name) end
   codes = {}
   for i = 4, #args do table.insert(codes, args[i]) end
   sent, ok, other = 0, 0, 0
   math.randomseed(os.time() * 1000 + id)
   prefix = string.format("%08x-%04x", math.random(0, 0x7fffffff), math.random(0, 0xffff))
end

function request()
   sent = sent + 1
   local code = codes[(sent % #codes) + 1]
   local uuid = string.format("%s-4%03x-8%03x-%012x", prefix, id % 0x1000, math.random(0, 0xfff), sent)
   local parts = {"csrf_token=" .. token, "uuid=" .. uuid}
   for i, name in ipairs(fields) do
      table.insert(parts, name .. "=" .. tostring(1 + (sent + i) % 4))
   end
   table.insert(parts, "gender=P")
   table.insert(parts, "comment=Pelayanan+cepat")
   return wrk.format("POST", "/s/" .. code,
      {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie,
       ["HX-Request"] = "true"}, table.concat(parts, "&"))
end

function response(status, headers, body)
   if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
   local answered, refused = 0, 0
   for _, thread in ipairs(threads) do
      answered = answered + thread:get("ok")
      refused = refused + thread:get("other")
   end
   local errors = summary.errors
   io.write(string.format(
      '{"rate": %.2f, "p50_ms": %.3f, "p99_ms": %.3f, "requests": %d, "answered": %d, "refused": %d, '
      .. '"socket_errors": %d}\n',
      summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, answered, refused,
      errors.connect + errors.read + errors.write + errors.timeout))
end
