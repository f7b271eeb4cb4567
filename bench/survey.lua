-- wrk script for bench/load's survey: every request is a new phone-survey response (a fresh UUID,
-- every question answered) sent to one of the desks' poster codes, which come after "--" on wrk's
-- command line after the session cookie, its CSRF token and the form's question fields
-- (comma-separated). The codes take turns request by request. What it reports:
-- bench/wrk_common.lua (answered: the thank-you, 200).

dofile("wrk_common.lua")
expected = 200

local codes, cookie, token, fields

function init(args)
   cookie, token = args[1], args[2]
   fields = {}
   for name in string.gmatch(args[3], "[^,]+") do table.insert(fields, name) end
   codes = {}
   for i = 4, #args do table.insert(codes, args[i]) end
   start()
end

function request()
   sent = sent + 1
   local code = codes[(sent % #codes) + 1]
   local parts = {"csrf_token=" .. token, "uuid=" .. new_uuid()}
   for i, name in ipairs(fields) do
      table.insert(parts, name .. "=" .. tostring(1 + (sent + i) % 4))
   end
   table.insert(parts, "gender=P")
   table.insert(parts, "comment=Pelayanan+cepat")
   return wrk.format("POST", "/s/" .. code,
      {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie,
       ["HX-Request"] = "true"}, table.concat(parts, "&"))
end
