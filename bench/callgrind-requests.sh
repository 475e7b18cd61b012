#!/usr/bin/env bash
# Instructions per keep-alive request through the gateway, counted by valgrind's callgrind:
# exact and repeatable whatever else the machine runs (the same binary gives the same count to
# within ~0.2 %), so it compares two builds where a timed A/B drowns in a shared machine's noise.
# User space only (the kernel's socket work is not counted), one connection (wrk -c1), the same
# configuration as bench/meshbox-gateway.sh in front of an nginx backend answering 64 bytes.
#
#   bench/callgrind-requests.sh BINARY [OUTDIR] [seconds=5]
#   bench/callgrind-requests.sh nginx  [OUTDIR]        # nginx as the proxy, for comparison
#   HEADERS=browser bench/callgrind-requests.sh ...    # requests with a browser's 11 fields
#
# wrk's requests carry one field (Host); HEADERS=browser sends what a browser sends for a page
# (User-Agent, Accept, Accept-Language, Accept-Encoding, a cookie, Sec-Fetch-*, ...), where the
# cost of each field forwarded shows.
#
# Prints the requests counted and instructions per request; OUTDIR keeps callgrind.out.* for
# callgrind_annotate (`--inclusive=yes`, `--tree=caller`). valgrind cannot read the debug info
# of the static production binary, so a copy without it (`objcopy --strip-debug`; symbols stay)
# is what runs. Uses 127.0.0.1 ports 18480 (backend) and 18490 (proxy); needs valgrind, nginx, wrk.
set -euo pipefail
target=$1
out=${2:-$(mktemp -d)}
seconds=${3:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mkdir -p "$work/tmp" "$out"
rm -f "$out"/callgrind.out.*  # a profile left from an earlier run would be read instead
proxy_pid=""
cleanup() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null || true
  [[ -f $work/backend.pid ]] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

source "$here/bench/nginx-confs.sh"
write_backend_conf "$work"
nginx -c "$work/backend.conf" &

valgrind=(valgrind --tool=callgrind --instr-atstart=no "--callgrind-out-file=$out/callgrind.out.%p")
if [[ $target == nginx ]]; then
  write_proxy_conf "$work"
  "${valgrind[@]}" nginx -c "$work/proxy.conf" >"$out/valgrind.log" 2>&1 &
  proxy_pid=$!
else
  objcopy --strip-debug "$target" "$work/meshbox"
  export PROXY_PORT=18490 LISTEN_HOST=127.0.0.1 BACKEND_HOST=127.0.0.1 BACKEND_PORT=18480 THREADS=1 BENCH_TMP=$work
  # The wrapper writes the configuration; /bin/true stands in for the binary it would start.
  MESHBOX_BIN=/bin/true "$here/bench/meshbox-gateway.sh" >/dev/null
  "${valgrind[@]}" "$work/meshbox" serve --roles config,registry,gateway --data-dir "$work/meshbox-gateway/data" \
    --apply "$work/meshbox-gateway/bench.yaml" --gateway-listen 127.0.0.1 --gateway-threads 1 --access-log off \
    --log-level warning >"$out/valgrind.log" 2>&1 &
  proxy_pid=$!
fi
for _ in $(seq 600); do curl -sf http://127.0.0.1:18490/64b >/dev/null && break; sleep 0.2; done
fields=()
if [[ ${HEADERS:-} == browser ]]; then
  fields=(
    -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    -H "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    -H "Accept-Language: en-GB,en;q=0.9" -H "Accept-Encoding: gzip, deflate, br, zstd"
    -H "Cookie: session=3f2a9c1e8b7d4a6f; theme=dark" -H "Upgrade-Insecure-Requests: 1"
    -H "Sec-Fetch-Dest: document" -H "Sec-Fetch-Mode: navigate" -H "Sec-Fetch-Site: none" -H "Sec-Fetch-User: ?1"
    -H "Connection: keep-alive"
  )
fi
wrk -t1 -c1 -d2s "${fields[@]}" http://127.0.0.1:18490/64b >/dev/null            # warm-up, not counted
callgrind_control -i on "$proxy_pid" >/dev/null 2>&1
requests=$(wrk -t1 -c1 -d"${seconds}s" "${fields[@]}" http://127.0.0.1:18490/64b | grep -oP '\d+(?= requests in)')
callgrind_control -i off "$proxy_pid" >/dev/null 2>&1
callgrind_control -d "$proxy_pid" >/dev/null 2>&1
sleep 1
profile=$(ls -S "$out"/callgrind.out.* | head -1)
total=$(callgrind_annotate "$profile" 2>/dev/null | awk '/PROGRAM TOTALS/ && !found { gsub(",", "", $1); print $1; found = 1 }')
echo "$requests" >"$out/requests"
echo "requests $requests, instructions $total, per request $((total / requests)) ($profile)"
