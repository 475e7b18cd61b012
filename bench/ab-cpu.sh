#!/usr/bin/env bash
# A/B of the gateway's CPU per request: runs two meshbox binaries in turn (same config as
# bench/meshbox-gateway.sh, one worker thread) in front of an nginx backend answering 64 bytes,
# drives each with wrk for the same time, and prints the proxy's own CPU (utime+stime from
# /proc) per request and wrk's median latency (with connections=1: the latency a proxy adds). Alternating rounds cancel most of a shared machine's drift; compare the two
# columns of one run, not numbers across runs.
#
#   bench/ab-cpu.sh OLD_BINARY NEW_BINARY [rounds=2] [seconds=8] [connections=32]
#
# Uses 127.0.0.1 ports 18480 (backend) and 18490 (gateway); needs nginx and wrk.
set -euo pipefail
old=$1 new=$2 rounds=${3:-2} seconds=${4:-8} conns=${5:-32}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
gateway_pid=""
cleanup() {
  [[ -n $gateway_pid ]] && kill "$gateway_pid" 2>/dev/null || true
  [[ -f $work/backend.pid ]] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
source "$here/bench/nginx-confs.sh"
write_backend_conf "$work"
nginx -c "$work/backend.conf" &
for _ in $(seq 50); do curl -sf http://127.0.0.1:18480/64b >/dev/null && break; sleep 0.1; done

run() {  # binary -> prints "req/s cpu_us_per_request"
  export PROXY_PORT=18490 LISTEN_HOST=127.0.0.1 BACKEND_HOST=127.0.0.1 BACKEND_PORT=18480 THREADS=1 BENCH_TMP=$work
  MESHBOX_BIN=$1 "$here/bench/meshbox-gateway.sh" >"$work/gateway.log" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18490/64b >/dev/null && break; sleep 0.1; done
  local pid
  pid=$(pgrep -P "$gateway_pid" -x meshbox || echo "$gateway_pid")
  wrk -t1 -c"$conns" -d2s http://127.0.0.1:18490/64b >/dev/null
  local c0 c1 out
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency http://127.0.0.1:18490/64b)
  c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=""
  local n rps ticks p50
  n=$(grep -oP '\d+(?= requests in)' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  rps=$(grep -oP '(?<=Requests/sec:)\s*[\d.]+' <<<"$out" | tr -d ' ')
  ticks=$(getconf CLK_TCK)
  awk -v n="$n" -v r="$rps" -v d="$((c1 - c0))" -v t="$ticks" -v p="$p50" \
    'BEGIN { printf "%8.0f req/s %6.1f us/req p50 %s", r, d * 1e6 / t / n, p }'
}

printf '%-6s %-42s %-42s\n' round "A: $(basename "$old")" "B: $(basename "$new")"
for round in $(seq "$rounds"); do
  a=$(run "$old"); b=$(run "$new")
  printf '%-6s %-42s %-42s\n' "$round" "$a" "$b"
done
