-- wrk script: every request is GET (the target's path) with a made-up API key of the shape
-- porticod --new-key prints, different for every request (so no cache can remember it), and
-- only that header (the server's own key is not sent). The answer must be 401; any other
-- status is counted and reported by done() as "unexpected statuses: N" (lib/wrk.sh reads it).
threads = {}
local thread_id = 0

function setup(thread)
   thread:set("id", thread_id)
   thread_id = thread_id + 1
   table.insert(threads, thread)
end

function init(args)
   counter = 0
   unexpected = 0
   math.randomseed(os.time() + id)
end

function request()
   counter = counter + 1
   local key = string.format("sk-portico-wrong%02d%08x%08x%08x", id, counter, math.random(0, 0x7fffffff),
                             math.random(0, 0x7fffffff))
   return wrk.format("GET", nil, {["Host"] = wrk.host, ["Authorization"] = "Bearer " .. key})
end

function response(status, headers, body)
   if status ~= 401 then
      unexpected = unexpected + 1
   end
end

function done(summary, latency, requests)
   -- Each thread counted in its own Lua state.
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("unexpected")
   end
   io.write(string.format("unexpected statuses: %d\n", total))
end
