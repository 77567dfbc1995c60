#!/usr/bin/env bash
# npm test: every test. Builds the Catch2 suite natively (ASan + UBSan) and as
# WebAssembly SIMD (single-threaded and pthreads), runs them through ctest and
# prints the counts; then
# builds the package (dist/) and runs the node:test suite, the browser tests
# (Chromium via playwright-core) and the benchmark on tiny sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh native
bash scripts/build.sh wasm

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
passed=0
failed=0
tally() { if [[ $1 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi; }
for kind in native wasm; do
  echo "=== Catch2 suite, $kind ==="
  rc=0
  ctest --preset "$kind" >"$logs/$kind.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || cat "$logs/$kind.log"
  tally $rc
  grep -E "^([0-9]+: )?(All tests passed|test cases:|assertions:|  vec128 kernels run on)" "$logs/$kind.log" | sed "s/^[0-9]*: /  /"
  grep -E "tests passed, [0-9]+ tests failed" "$logs/$kind.log" | sed "s/^/  ctest: /"
done

bash scripts/build.sh package >/dev/null
# --expose-gc: the FinalizationRegistry test collects forgotten bags.
echo "=== node:test suite of the package, simd-threaded variant (2 threads) ==="
variant_tests=(api errors fuzz leaks golden weights quantized registry hostile)
variant_files=("${variant_tests[@]/#/tests/node/}")
rc=0
EBAG_TEST_THREADS=2 node --expose-gc --test "${variant_files[@]/%/.test.mjs}" tests/node/require.test.cjs \
  >"$logs/threaded.log" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || cat "$logs/threaded.log"
tally $rc
grep -E "^# (tests|pass|fail)" "$logs/threaded.log" | sed "s/^/  /"
echo "=== node:test suite of the package, simd variant, packaging, types, threads ==="
rc=0
node --expose-gc --test tests/node/*.test.mjs tests/node/*.test.cjs || rc=$?
tally $rc
echo "=== browser tests in Chromium: demo page, Vite / webpack / esbuild apps, fetched weights (isolated and not) ==="
rc=0
node --test tests/browser/*.test.mjs || rc=$?
tally $rc
echo "  screenshots of the demo: test-artifacts/"
echo "=== the benchmark, once on tiny sizes (no timing asserted) ==="
rc=0
{ bash scripts/build.sh bench >/dev/null && node bench/bench.mjs --quick; } || rc=$?
tally $rc
echo "suites: $passed passed, $failed failed"
exit $status
