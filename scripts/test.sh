#!/usr/bin/env bash
# npm test: every test. Builds the Catch2 suite natively (ASan + UBSan) and as
# WebAssembly SIMD, runs both through ctest, and prints both counts.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh native embedding_bag_tests
bash scripts/build.sh wasm embedding_bag_tests

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

passed=0; failed=0
for kind in native wasm; do
  if grep -q "100% tests passed" "$logs/$kind.log"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
exit $((status || failed))
