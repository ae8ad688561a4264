-- wrk script for bench/load.py: rotate over the requests listed in the file named by
-- RCPKG_LOAD_PATHS (one "METHOD<TAB>PATH<TAB>ACCEPT" per line), each thread starting at its
-- own offset, and print the figures load.py reads (lines starting with "RCPKG ").
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 13)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  local file = assert(io.open(os.getenv("RCPKG_LOAD_PATHS"), "r"))
  for line in file:lines() do
    local method, path, accept = line:match("^(%S+)\t(%S+)\t(.*)$")
    if method then
      table.insert(requests, wrk.format(method, path, { ["Accept"] = accept }))
    end
  end
  file:close()
  index = offset or 0
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests_done)
  local e = summary.errors
  io.write(string.format("RCPKG requests=%d duration_us=%d\n", summary.requests, summary.duration))
  io.write(string.format("RCPKG p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
  io.write(string.format("RCPKG non_2xx_3xx=%d connect=%d read=%d write=%d timeout=%d\n",
    e.status, e.connect, e.read, e.write, e.timeout))
end
