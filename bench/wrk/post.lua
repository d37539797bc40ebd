-- The log-rejection form under POST load. Each request logs a new rejection
-- (a company of its own) with a CSRF token taken from a real GET of the form
-- (BENCH_CSRF_TOKENS, fetched by bench/web.py, used in turn); the cookie
-- carries the session and the matching csrftoken.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local cookie = os.getenv("BENCH_COOKIE")
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_CSRF_TOKENS"), "[^,]+") do
  tokens[#tokens + 1] = token
end

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local sent = 0
request = function()
  sent = sent + 1
  local body = "csrfmiddlewaretoken=" .. tokens[(sent % #tokens) + 1]
    .. "&company_name=Posted+" .. thread_id .. "-" .. sent
    .. "&role=Engineer&stage_reached=40&channel=email"
    .. "&letter_text=Thank+you+for+your+time.&feedback=&cooling_off_days="
    .. "&new_contact-TOTAL_FORMS=1&new_contact-INITIAL_FORMS=0"
    .. "&new_contact-MIN_NUM_FORMS=0&new_contact-MAX_NUM_FORMS=20"
    .. "&new_contact-0-name=Robin+Posted&new_contact-0-role=recruiter"
    .. "&new_contact-0-email="
  return wrk.format("POST", nil, {
    Cookie = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

done = bench_report
