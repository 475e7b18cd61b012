#!/usr/bin/env bash
# The whole test suite: installs the system packages the tests need, builds once, checks the
# module dependency rule, runs every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# One build configuration for build and test: changing flags between them rebuilds everything.
swift build --build-tests --explicit-target-dependency-import-check error
python3 scripts/check-dependency-rule.py
# swift-corelibs-foundation's Process.run (Swift 6.3.1) copies 256 bytes from each readdir entry
# while it lists /proc/self/fd (swiftlang/swift-corelibs-foundation#5472, fixed upstream): an
# entry at the end of a buffer that ends a thread's malloc heap reads unmapped memory, and the
# test process, which spawns meshbox, openssl and python often, dies with signal 11 about one run
# in five. With one arena every buffer is in the main heap, whose top is always padded.
MALLOC_ARENA_MAX=1 swift test --skip-build
bash scripts/browser-test.sh
