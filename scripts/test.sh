#!/usr/bin/env bash
# npm test: every test, in tiers.
#   scripts/test.sh           the whole matrix (README, CI): the Catch2 suite
#                             natively (ASan + UBSan) and as WebAssembly SIMD
#                             (single-threaded and pthreads) through ctest; then
#                             the package (dist/): the node:test files that
#                             concern Node on both variants on the machine's
#                             Node and on Node 22, 24 and 26 (scripts/runtimes.sh),
#                             the version-independent files (packaging, types,
#                             documents, the largest tables, workers) once; the
#                             README example and golden cases in Bun and Deno;
#                             the browser tests in Chromium (playwright-core) and
#                             Firefox (puppeteer-core); the benchmark on tiny sizes.
#   scripts/test.sh --quick   the inner loop (npm run test:quick), well under a
#                             minute after a build: the native Catch2 suite
#                             without its [slow] cases, and the node:test files
#                             that run on either variant, on the simd variant on
#                             the machine's Node.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "scripts/test.sh: unknown argument '$arg' (--quick)" >&2; exit 2 ;;
  esac
done

# The node:test files, by what they depend on.
# On every Node, on both variants (each run with EBAG_TEST_THREADS=1 and 2):
variant_tests=(api results errors fuzz leaks golden weights streamed-loads quantized registry hostile hostile-surfaces hostile-sweep torch dlrm inputs sources dispose
  collection fasttext fasttext-dtype training fasttext-train layers)
# On every Node, simd variant: the threaded build and the host process, in child processes.
node_tests=(threads)
# Once, on the machine's Node: what does not depend on the Node version.
once_tests=(pack types docs large-tables workers torch-python)
# On Node 24 and 26 with V8's revectorizer on (and every function optimised):
# the golden files, and the digest of a randomised workload against no flag.
revectorize_tests=(revectorize golden quantized collection fasttext)
files() { local name; for name in "$@"; do echo "tests/node/$name.test.mjs"; done; }
# A file in no list would never run.
for file in tests/node/*.test.mjs; do
  case " ${variant_tests[*]} ${node_tests[*]} ${once_tests[*]} ${revectorize_tests[*]} " in
    *" $(basename "$file" .test.mjs) "*) ;;
    *) echo "scripts/test.sh: $file is in none of its lists (variant_tests, node_tests, once_tests, revectorize_tests)" >&2; exit 2 ;;
  esac
done

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
passed=0
failed=0
started=$SECONDS
tally() { if [[ $1 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi; }
took() { echo "  ($((SECONDS - $1)) s)"; }

catch2() {  # catch2 <native|wasm> [test spec]: through ctest, or (with a spec) the native binary
  local kind=$1 spec=${2:-} rc=0 t=$SECONDS
  echo "=== Catch2 suite, $kind${spec:+ ($spec)} ==="
  if [[ -n $spec ]]; then
    build/native/tests/cpp/embedding_bag_tests --order rand --rng-seed 20261126 --use-colour no "$spec" \
      >"$logs/$kind.log" 2>&1 || rc=$?
  else
    ctest --preset "$kind" >"$logs/$kind.log" 2>&1 || rc=$?
  fi
  [[ $rc -eq 0 ]] || cat "$logs/$kind.log"
  tally $rc
  grep -E "^([0-9]+: )?(All tests passed|test cases:|assertions:|  vec128 kernels run on)" "$logs/$kind.log" | sed "s/^[0-9]*: /  /" || true
  grep -E "tests passed, [0-9]+ tests failed" "$logs/$kind.log" | sed "s/^/  ctest: /" || true
  took "$t"
}

node_test() {  # node_test <node binary> <label> <threads> <files...>; $node_flags: more flags for that Node
  local node=$1 label=$2 threads=$3 rc=0 t=$SECONDS
  shift 3
  echo "=== node:test on $label ==="
  # shellcheck disable=SC2086  # node_flags: words
  EBAG_TEST_THREADS=$threads PATH="$(dirname "$node"):$PATH" "$node" --expose-gc ${node_flags:-} --test --test-reporter=tap "$@" \
    >"$logs/run.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || grep -vE "^ *(ok|#|---|\.\.\.|duration_ms|1\.\.)" "$logs/run.log" | tail -80
  tally $rc
  grep -E "^# (tests|pass|fail)" "$logs/run.log" | sed "s/^/  /" || true
  took "$t"
}

if (( quick )); then
  bash scripts/build.sh native >/dev/null
  bash scripts/build.sh package >/dev/null
  catch2 native "~[slow]"
  node_test "$(command -v node)" "Node $(node --version), simd variant" 1 $(files "${variant_tests[@]}") tests/node/require.test.cjs
  echo "suites: $passed passed, $failed failed ($((SECONDS - started)) s)"
  exit $status
fi

bash scripts/setup.sh --browsers --runtimes --bench --torch
bash scripts/build.sh native
bash scripts/build.sh wasm
catch2 native
catch2 wasm

bash scripts/build.sh package >/dev/null
source scripts/runtimes.sh
# Node's own versions: the variant files on both variants (simd-threaded with
# 2 threads, every call split however small) and the threaded build's
# process checks; the version-independent files once, on the machine's Node.
# --expose-gc: the FinalizationRegistry tests collect forgotten bags.
for name in system node22 node24 node26; do
  node=$([[ $name == system ]] && command -v node || runtime_binary "$name")
  label="Node $("$node" --version)"
  node_test "$node" "$label, simd variant" 1 $(files "${variant_tests[@]}" "${node_tests[@]}") tests/node/require.test.cjs
  node_test "$node" "$label, simd-threaded variant (2 threads)" 2 $(files "${variant_tests[@]}") tests/node/require.test.cjs
  if [[ $name == system ]]; then
    node_test "$node" "$label, once: packaging, types, documents, the largest tables, workers" 1 $(files "${once_tests[@]}")
  fi
  if [[ $name == node24 || $name == node26 ]]; then
    node_flags="--experimental-wasm-revectorize --no-liftoff" \
      node_test "$node" "$label, --experimental-wasm-revectorize: golden files, simd variant" 1 $(files "${revectorize_tests[@]}")
    node_flags="--experimental-wasm-revectorize --no-liftoff" \
      node_test "$node" "$label, --experimental-wasm-revectorize: golden files, simd-threaded variant (2 threads)" 2 $(files "${revectorize_tests[@]:1}")
  fi
done
echo "=== Bun and Deno: the README example, golden cases and errors, one thread and two ==="
rc=0
t=$SECONDS
node --test tests/runtimes/*.test.mjs || rc=$?
tally $rc
took "$t"
echo "=== browser tests in Chromium and Firefox: demo page, page policies (CSP), Vite / webpack / esbuild apps, fetched weights (isolated and not) ==="
rc=0
t=$SECONDS
node --test tests/browser/*.test.mjs || rc=$?
tally $rc
echo "  screenshots of the demo: test-artifacts/"
took "$t"
echo "=== the benchmark, once on tiny sizes (no timing asserted) ==="
rc=0
t=$SECONDS
{ bash scripts/build.sh bench >/dev/null && node bench/bench.mjs --quick; } || rc=$?
tally $rc
took "$t"
echo "suites: $passed passed, $failed failed ($((SECONDS - started)) s)"
exit $status
