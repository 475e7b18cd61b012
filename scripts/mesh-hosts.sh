#!/usr/bin/env bash
# N hosts as network namespaces on one bridge, by hand: the layout MeshTesting's MeshHosts makes
# for the multi-node tests. Run as root.
#
#   scripts/mesh-hosts.sh up 3     # meshbox-hub (bridge mesh0) and meshbox-host1..3,
#                                  # eth0 = 10.78.0.<n>/24 in host n, named host<n>.mesh.test
#                                  # there (/etc/netns/<ns>/hosts, mounted by ip netns exec)
#   ip netns exec meshbox-host2 curl http://10.78.0.3:8080/
#   scripts/mesh-hosts.sh down 3   # deletes them (and whatever ran in them loses its network)
#
# Addresses exist inside the namespaces only; the machine's own namespace is not touched.
set -euo pipefail
export PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH

usage() { echo "usage: $0 up|down N" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
count=$2
[[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 250 ] || usage
hub=meshbox-hub

down() {
    for n in $(seq 1 "$count"); do
        ip netns delete "meshbox-host$n" 2>/dev/null || true
        rm -rf "/etc/netns/meshbox-host$n"
    done
    ip netns delete "$hub" 2>/dev/null || true
}

case "$action" in
up)
    trap 'echo "failed; removing what was made" >&2; down' ERR
    ip netns add "$hub"
    ip -n "$hub" link set lo up
    ip -n "$hub" link add mesh0 type bridge
    ip -n "$hub" link set mesh0 up
    for n in $(seq 1 "$count"); do
        host="meshbox-host$n"
        ip netns add "$host"
        ip -n "$host" link set lo up
        ip -n "$hub" link add "port$n" type veth peer name eth0 netns "$host"
        ip -n "$hub" link set "port$n" master mesh0 up
        ip -n "$host" addr add "10.78.0.$n/24" dev eth0
        ip -n "$host" link set eth0 up
        echo "$host 10.78.0.$n host$n.mesh.test"
    done
    for n in $(seq 1 "$count"); do
        mkdir -p "/etc/netns/meshbox-host$n"
        {
            printf '127.0.0.1 localhost\n::1 localhost\n'
            for m in $(seq 1 "$count"); do printf '10.78.0.%s host%s.mesh.test host%s\n' "$m" "$m" "$m"; done
        } > "/etc/netns/meshbox-host$n/hosts"
    done
    ;;
down)
    down
    ;;
*)
    usage
    ;;
esac
