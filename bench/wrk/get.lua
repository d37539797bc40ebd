-- One page under closed-loop load: every connection asks again as soon as it is
-- answered. The session cookie comes from the environment (BENCH_COOKIE).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local cookie = os.getenv("BENCH_COOKIE")

request = function()
  return wrk.format("GET", nil, { Cookie = cookie })
end

done = bench_report
