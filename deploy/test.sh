#!/usr/bin/env bash
# Builds kith twice — normally and with AddressSanitizer + UndefinedBehaviorSanitizer — and
# runs every test in both. Installs the Debian packages first (idempotent). Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
jobs=$(nproc)

run_suite() {
    local dir=$1
    shift
    echo "== $dir: configure and build"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== $dir: tests"
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 300)
}

# Leaks are failures; a sanitizer report stops the test that triggered it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_suite build-test
run_suite build-test-asan -DKITH_SANITIZE=ON
