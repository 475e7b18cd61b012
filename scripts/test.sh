#!/usr/bin/env bash
# The whole test suite: installs the system packages the tests need, builds once, checks the
# module dependency rule, runs every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# One build configuration for build and test: changing flags between them rebuilds everything.
swift build --build-tests --explicit-target-dependency-import-check error
python3 scripts/check-dependency-rule.py
# The tests run in a process group of their own (job control on), and whatever is left in it
# when they end is stopped: a test process that crashes leaves no meshbox, openssl or python
# children behind. (Tests start children with MeshTesting's ChildProcess, posix_spawn, not
# Foundation's Process, whose run() can fault reading /proc/self/fd in Swift 6.3.1,
# swiftlang/swift-corelibs-foundation#5472.)
# A test process that crashes prints a symbolicated backtrace that names the test's frames (a full
# run once died with signal 11 and no name; docs/security.md#races).
export SWIFT_BACKTRACE=enable=yes,symbolicate=fast,interactive=no
# Swift Testing starts every test at once by default. With about 1,000 tests, many of which start
# real servers, namespaces and Envoy, two cores were so loaded in the first seconds that 10 s
# readiness waits timed out (ProxyRole, DNS, console streams, each passing alone). Eight at a
# time takes the same total time here (40 s for the tests) and every wait is met.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=8
set -m
swift test --skip-build &
tests=$!
trap 'kill -TERM -- "-$tests" 2>/dev/null || true' EXIT
wait "$tests"
trap - EXIT
kill -TERM -- "-$tests" 2>/dev/null || true
set +m
bash scripts/browser-test.sh
# A short, repeatable fuzz run of the input parsers (libFuzzer + ASan, its own build folder).
bash scripts/fuzz.sh smoke
