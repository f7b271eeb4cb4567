-- What bench/vote.lua and bench/survey.lua share (loaded with dofile: bench/load runs wrk in
-- bench/). Each script sets ``expected``, the status of an answer that stored what it sent, and
-- calls start() from its init(). At the end one JSON line gives the rate, the latency
-- percentiles, and how many requests were answered with ``expected`` and how many otherwise.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- Per thread: ``id`` is set by setup(); ``sent`` counts the requests made; ``ok`` and ``other``
-- are read by done(), through the thread's globals.
local prefix

function start()
   sent, ok, other = 0, 0, 0
   math.randomseed(os.time() * 1000 + id)
   -- Random high bits, then the thread and a counter: no two requests of a run, or of two runs,
   -- share a UUID.
   prefix = string.format("%08x-%04x", math.random(0, 0x7fffffff), math.random(0, 0xffff))
end

function new_uuid()
   return string.format("%s-4%03x-8%03x-%012x", prefix, id % 0x1000, math.random(0, 0xfff), sent)
end

function response(status, headers, body)
   if status == expected then ok = ok + 1 else other = other + 1 end
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
