#!/usr/bin/env bash
# PROXY_CMD for ../shared/bench/proxy-bench.sh: runs the real `meshbox serve` with the gateway
# role (plus the config and registry roles it needs in-process) in front of the harness's
# backend, configured the way users configure it: a Gateway, a VirtualService and a
# ServiceEntry, applied at start with --apply. Access log off, like the peers' configs.
#
#   PROXY_NAME=meshbox PROXY_PORT=18190 PROXY_CMD="$PWD/bench/meshbox-gateway.sh" \
#     ../shared/bench/proxy-bench.sh --mode both
#
# Uses the production binary (.build-release/release/meshbox; `scripts/build-release.sh` first), or
# MESHBOX_BIN. Exported by the harness: PROXY_PORT LISTEN_HOST BACKEND_HOST BACKEND_PORT THREADS
# BENCH_SCHEME TLS_CERT TLS_KEY BENCH_TMP.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${MESHBOX_BIN:-$here/.build-release/release/meshbox}
work=${BENCH_TMP:-$(mktemp -d)}/meshbox-gateway
rm -rf "$work"
mkdir -p "$work"

if [[ "${BENCH_SCHEME:-http}" == https ]]; then
  server="  - port: {number: $PROXY_PORT, name: https, protocol: HTTPS}
    hosts: [\"*\"]
    tls: {mode: SIMPLE, serverCertificate: \"$TLS_CERT\", privateKey: \"$TLS_KEY\"}"
else
  server="  - port: {number: $PROXY_PORT, name: http, protocol: HTTP}
    hosts: [\"*\"]"
fi

cat > "$work/bench.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  servers:
$server
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: backend, namespace: default}
spec:
  hosts: [backend.bench]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: $BACKEND_PORT, name: http, protocol: HTTP}]
  endpoints: [{address: $BACKEND_HOST}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bench]
  http:
  - route: [{destination: {host: backend.bench, port: {number: $BACKEND_PORT}}}]
YAML

exec "$bin" serve --roles config,registry,gateway --data-dir "$work/data" --apply "$work/bench.yaml" \
  --gateway-listen "${LISTEN_HOST:-127.0.0.1}" --gateway-threads "${THREADS:-1}" --access-log off --log-level warning
