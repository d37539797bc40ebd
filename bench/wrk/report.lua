-- Shared by the bench/wrk scripts: one JSON line with the run's figures
-- (microseconds), read by bench/web.py.
function bench_report(summary, latency, requests)
  local e = summary.errors
  local function p(q)
    if summary.requests == 0 then return 0 end
    return math.floor(latency:percentile(q))
  end
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, '
      .. '"p95_us": %d, "p99_us": %d, "max_us": %d, "errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes, p(50), p(95), p(99),
    summary.requests == 0 and 0 or latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
