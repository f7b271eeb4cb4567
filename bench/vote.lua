-- wrk script for bench/load: every request is a new kiosk vote (a fresh UUID, received now) from one
-- of the simulated kiosks, whose device tokens come after "--" on wrk's command line. The kiosks
-- take turns request by request. At the end one JSON line gives the rate, the latency
-- percentiles, and how many votes were answered 201 and how many otherwise.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Per thread. ``id`` is set by setup(), and ``ok`` and ``other`` are read by done(), through
-- the thread's globals.
local tokens, sent, prefix

function init(args)
   tokens = args
   sent, ok, other = 0, 0, 0
   math.randomseed(os.time() * 1000 + id)
   -- Random high bits, then the thread and a counter: no two votes of a run, or of two runs,
   -- share a UUID.
   prefix = string.format("%08x-%04x", math.random(0, 0x7fffffff), math.random(0, 0xffff))
end

function request()
   sent = sent + 1
   local token = tokens[(sent % #tokens) + 1]
   local uuid = string.format("%s-4%03x-8%03x-%012x", prefix, id % 0x1000, math.random(0, 0xfff), sent)
   -- No cast_at: the server takes the time it received the vote. A kiosk sends its clock to the
   -- millisecond, one citizen after another, so its votes arrive in cast order; wrk's clock has
   -- whole seconds only, and votes of one desk sharing a second would arrive out of cast order
   -- (each then judged again with the votes around it: the offline queue's path, not this one).
   local body = '{"uuid":"' .. uuid .. '","value":3,"reasons":["R_WAKTU"]}'
   return wrk.format("POST", "/kiosk/vote",
      {["Content-Type"] = "application/json", ["Cookie"] = "kiosk_token=" .. token}, body)
end

function response(status, headers, body)
   if status == 201 then ok = ok + 1 else other = other + 1 end
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
