-- A fixed offered load: each connection is one user who reads a random page
-- (BENCH_PATHS, comma-separated) and thinks 1-3 s before the next one. The
-- latencies wrk reports leave the think time out.
--
-- Only with `bench.web --fixed-client wrk`: wrk reconnects as soon as a
-- response closes its connection and thinks on the open one, and a gunicorn
-- sync worker that accepts it waits in recv() for the whole think time, so
-- the idle users hold the workers (docs/benchmarks.md, "The fixed load").
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local cookie = os.getenv("BENCH_COOKIE")
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS"), "[^,]+") do
  paths[#paths + 1] = path
end

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

init = function(args)
  math.randomseed(os.time() * 100 + thread_id)
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)], { Cookie = cookie })
end

delay = function()
  return math.random(1000, 3000)
end

done = bench_report
