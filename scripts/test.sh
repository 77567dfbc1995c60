#!/usr/bin/env bash
# npm test: every test. Builds the Catch2 suite natively (ASan + UBSan) and as
# WebAssembly SIMD (single-threaded and pthreads), runs them through ctest and
# prints the counts; then
# builds the package (dist/) and runs the node:test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh native embedding_bag_tests
bash scripts/build.sh wasm embedding_bag_tests embedding_bag_tests_mt

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
for kind in native wasm; do
  echo "=== Catch2 suite, $kind ==="
  if ! ctest --test-dir "build/$kind" --output-on-failure -V >"$logs/$kind.log" 2>&1; then
    status=1
    cat "$logs/$kind.log"
  fi
  grep -E "^([0-9]+: )?(All tests passed|test cases:|assertions:|  vec128 kernels run on)" "$logs/$kind.log" | sed "s/^[0-9]*: /  /"
  grep -E "tests passed, [0-9]+ tests failed" "$logs/$kind.log" | sed "s/^/  ctest: /"
done

bash scripts/build.sh package >/dev/null
# --expose-gc: the FinalizationRegistry test collects forgotten bags.
echo "=== node:test suite of the package, simd-threaded variant (2 threads) ==="
variant_tests=(api errors fuzz leaks golden)
variant_files=("${variant_tests[@]/#/tests/node/}")
if ! EBW_TEST_THREADS=2 node --expose-gc --test "${variant_files[@]/%/.test.mjs}" tests/node/require.test.cjs \
     >"$logs/threaded.log" 2>&1; then
  status=1
  cat "$logs/threaded.log"
fi
grep -E "^# (tests|pass|fail)" "$logs/threaded.log" | sed "s/^/  /"
echo "=== node:test suite of the package, simd variant, packaging, types, threads ==="
if ! node --expose-gc --test tests/node/*.test.mjs tests/node/*.test.cjs; then status=1; fi
echo "=== the benchmark, once on tiny sizes (no timing asserted) ==="
if ! node bench/bench.mjs --quick; then status=1; fi
exit $status
