#!/usr/bin/env bash
# The whole test suite: installs the system packages the tests need, builds once, checks the
# module dependency rule, runs every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need=(libsqlite3-dev zlib1g-dev python3)
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

# One build configuration for build and test: changing flags between them rebuilds everything.
swift build --build-tests --explicit-target-dependency-import-check error
python3 scripts/check-dependency-rule.py
swift test --skip-build
