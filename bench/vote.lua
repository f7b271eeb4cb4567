-- wrk script for bench/load: every request is a new kiosk vote (a fresh UUID, received now) from one
-- of the simulated kiosks, whose device tokens come after "--" on wrk's command line. The kiosks
-- take turns request by request. What it reports: bench/wrk_common.lua.

dofile("wrk_common.lua")
expected = 201

local tokens

function init(args)
   tokens = args
   start()
end

function request()
   sent = sent + 1
   local token = tokens[(sent % #tokens) + 1]
   -- No cast_at: the server takes the time it received the vote. A kiosk sends its clock to the
   -- millisecond, one citizen after another, so its votes arrive in cast order; wrk's clock has
   -- whole seconds only, and votes of one desk sharing a second would arrive out of cast order
   -- (each then judged again with the votes around it: the offline queue's path, not this one).
   local body = '{"uuid":"' .. new_uuid() .. '","value":3,"reasons":["R_WAKTU"]}'
   return wrk.format("POST", "/kiosk/vote",
      {["Content-Type"] = "application/json", ["Cookie"] = "kiosk_token=" .. token}, body)
end
