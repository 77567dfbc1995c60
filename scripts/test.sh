#!/usr/bin/env bash
# npm test: every test. Builds the Catch2 suite natively (ASan + UBSan) and as
# WebAssembly SIMD (single-threaded and pthreads), runs them through ctest and
# prints the counts; then builds the package (dist/) and runs the node:test
# suite on both variants on the machine's Node and on Node 22, 24 and 26
# (scripts/runtimes.sh), the README example and golden cases in Bun and Deno,
# the browser tests in Chromium (playwright-core) and Firefox (puppeteer-core),
# and the benchmark on tiny sizes.
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
source scripts/runtimes.sh
# The node:test suite on one Node: every file on the simd variant (packaging,
# types and threads included), then the files that run on either variant on
# simd-threaded with 2 threads, every call split however small.
# --expose-gc: the FinalizationRegistry test collects forgotten bags.
variant_tests=(api results errors fuzz leaks golden weights quantized registry hostile inputs sources dispose collection fasttext training fasttext-train)
variant_files=("${variant_tests[@]/#/tests/node/}")
node_suites() {  # node_suites <node binary> <label>
  local node=$1 label=$2 rc
  echo "=== node:test suite of the package on $label, simd variant, packaging, types, threads ==="
  rc=0
  PATH="$(dirname "$node"):$PATH" "$node" --expose-gc --test --test-reporter=tap tests/node/*.test.mjs tests/node/*.test.cjs \
    >"$logs/$label-simd.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || grep -vE "^ *(ok|#|---|\.\.\.|duration_ms|1\.\.)" "$logs/$label-simd.log" | tail -80
  tally $rc
  grep -E "^# (tests|pass|fail)" "$logs/$label-simd.log" | sed "s/^/  /"
  echo "=== node:test suite of the package on $label, simd-threaded variant (2 threads) ==="
  rc=0
  EBAG_TEST_THREADS=2 "$node" --expose-gc --test --test-reporter=tap "${variant_files[@]/%/.test.mjs}" tests/node/require.test.cjs \
    >"$logs/$label-threaded.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || grep -vE "^ *(ok|#|---|\.\.\.|duration_ms|1\.\.)" "$logs/$label-threaded.log" | tail -80
  tally $rc
  grep -E "^# (tests|pass|fail)" "$logs/$label-threaded.log" | sed "s/^/  /"
}
node_suites "$(command -v node)" "Node $(node --version)"
for name in node22 node24 node26; do
  node_suites "$(runtime_binary "$name")" "Node $("$(runtime_binary "$name")" --version)"
done
echo "=== Bun and Deno: the README example, golden cases and errors, one thread and two ==="
rc=0
node --test tests/runtimes/*.test.mjs || rc=$?
tally $rc
echo "=== browser tests in Chromium and Firefox: demo page, page policies (CSP), Vite / webpack / esbuild apps, fetched weights (isolated and not) ==="
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
