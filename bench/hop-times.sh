#!/usr/bin/env bash
# Where a request's time goes at one connection, seen from the proxy's event-loop thread: the
# syscall tracepoints (`perf record -e raw_syscalls:*`, no PMU needed) give, per request, the time
# from epoll_wait's return to the write that forwards (a "hop" through the proxy, once towards
# the backend and once back), the write itself and what follows it, and the time asleep. Medians
# with quartiles. Tracing every syscall slows both directions alike; compare proxies in one run.
#
#   bench/hop-times.sh BINARY|nginx [seconds=2]
#
# Same setup as bench/ab-cpu.sh (nginx backend on 127.0.0.1:18480, proxy on 18490); needs perf.
set -euo pipefail
target=$1
seconds=${2:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mkdir -p "$work/tmp"
proxy_pid=""
cleanup() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null || true
  [[ -f $work/backend.pid ]] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

source "$here/bench/nginx-confs.sh"
write_backend_conf "$work"
nginx -c "$work/backend.conf" &

if [[ $target == nginx ]]; then
  write_proxy_conf "$work"
  nginx -c "$work/proxy.conf" &
  proxy_pid=$!
else
  export PROXY_PORT=18490 LISTEN_HOST=127.0.0.1 BACKEND_HOST=127.0.0.1 BACKEND_PORT=18480 THREADS=1 BENCH_TMP=$work
  MESHBOX_BIN=$target "$here/bench/meshbox-gateway.sh" >"$work/gateway.log" 2>&1 &
  proxy_pid=$!
fi
for _ in $(seq 100); do curl -sf http://127.0.0.1:18490/64b >/dev/null && break; sleep 0.1; done
wrk -t1 -c1 -d1s http://127.0.0.1:18490/64b >/dev/null
thread=$proxy_pid
if [[ $target != nginx ]]; then
  for task in /proc/"$proxy_pid"/task/*; do
    [[ $(cat "$task/comm") == NIO-ELT-* ]] && thread=$(basename "$task") && break
  done
fi
perf record -q -e raw_syscalls:sys_enter -e raw_syscalls:sys_exit -t "$thread" -o "$work/perf.data" \
  -- sleep $((seconds + 1)) >/dev/null 2>&1 &
perf_pid=$!
sleep 0.3
wrk -t1 -c1 -d"${seconds}s" --latency http://127.0.0.1:18490/64b | awk '/ 50%/ { print "wrk p50 " $2 " (traced)" }'
wait "$perf_pid"
perf script -i "$work/perf.data" 2>/dev/null | python3 -c '
import collections, re, sys
# Per request the thread: wakes (epoll_wait returns), writes to one socket, sleeps; wakes,
# writes to the other, sleeps. Segments are named after the socket written.
events = []
for line in sys.stdin:
    m = re.search(r"\s(\d+\.\d+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+)(?: \(([0-9a-f]+))?", line)
    if m:
        events.append((float(m.group(1)) * 1e6, m.group(2), int(m.group(3)), m.group(4)))
EPOLL_WAIT, WRITES = 232, (1, 20)
woke, hops = None, []
for t, kind, nr, arg in events:
    if kind == "exit" and nr == EPOLL_WAIT:
        woke = t
    elif kind == "enter" and nr in WRITES:
        hops.append([int(arg, 16), woke, t, None])
    elif kind == "enter" and nr == EPOLL_WAIT and hops and hops[-1][3] is None:
        hops[-1][3] = t
segments = collections.defaultdict(list)
for before, hop in zip(hops, hops[1:]):
    if None in before or None in hop:
        continue
    fd, woke, wrote, slept = hop
    segments[f"fd {fd}: wake-up to write (work in the proxy)"].append(wrote - woke)
    segments[f"fd {fd}: write and what follows it"].append(slept - wrote)
    segments[f"fd {fd}: asleep before this hop"].append(woke - before[3])
for name in sorted(segments):
    values = sorted(segments[name])
    n = len(values)
    if n > 100:
        print(f"  {name:48s} p50 {values[n // 2]:5.0f} us  (p25 {values[n // 4]:.0f}, p75 {values[3 * n // 4]:.0f})")
'
