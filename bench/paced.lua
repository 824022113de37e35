-- wrk script: each connection sends one request every `interval` ms, the connections' phases
-- spread evenly over the interval, so that N connections make a steady rate of
-- N / interval requests per millisecond (less the time each answer takes). One thread: the
-- stagger counts the connections of the whole run.
-- Usage: wrk -t1 -c N -s bench/paced.lua URL -- INTERVAL_MS N
-- done() prints one line the benchmarks parse: every latency seen, in microseconds, with its
-- count (errors are in wrk's own report).

local interval = 32
local started = 0
local connections = 1

function init(args)
  interval = tonumber(args[1]) or interval
  connections = tonumber(args[2]) or connections
end

function delay()
  -- the first call of each connection comes before its first request: stagger those
  if started < connections then
    started = started + 1
    return (started - 1) * interval / connections
  end
  return interval
end

function done(summary, latency, requests)
  -- every latency seen, as microseconds:count pairs, so that runs can be pooled
  -- (latency(i) is the i-th distinct value and its count; past the last one, 0 and how many)
  local _, distinct = latency(latency.max + 2)
  local seen = {}
  for i = 1, distinct do
    local us, count = latency(i)
    seen[#seen + 1] = string.format("%d:%d", us, count)
  end
  io.write("paced: ", table.concat(seen, " "), "\n")
end
