#!/usr/bin/env bash
# Configures and builds through the presets of CMakePresets.json, after
# scripts/setup.sh.
#   scripts/build.sh native    the Catch2 suite natively, ASan + UBSan (preset native, build/native)
#   scripts/build.sh wasm      both wasm variants and their suites (presets wasm + wasm-threads, build/wasm)
#   scripts/build.sh bench     the native benchmark, -O3 -march=native (preset bench, build/bench),
#                              and the wasm limit probe (bench/probe: build/bench/gather_probe.wasm)
#   scripts/build.sh package   the npm package's dist/: the four wasm modules + dist/index.cjs
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

kind=${1:?usage: scripts/build.sh native|wasm|bench|package}
jobs=$(nproc 2>/dev/null || echo 2)

configure() {  # configure <preset>: quietly, errors still show
  cmake --preset "$1" >/dev/null
}

case "$kind" in
  native | bench)
    configure "$kind"
    cmake --build --preset "$kind" -j"$jobs"
    if [[ $kind == bench ]]; then
      # The probe as the package's kernels are built (-O3, simd128), a bare
      # module: its memory, malloc and the loop (bench/probe/probe.mjs loads it).
      NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 \
        -sMAXIMUM_MEMORY=4GB -sEXPORTED_FUNCTIONS=_probe_forward,_malloc \
        bench/probe/gather_probe.c -o build/bench/gather_probe.wasm
    fi
    ;;
  wasm)
    configure wasm
    cmake --build --preset wasm -j"$jobs"
    cmake --build --preset wasm-threads -j"$jobs"
    ;;
  package)
    # npm pack runs this (prepack), also from tests that run beside others
    # reading dist/: one package build at a time (flock), and every file of
    # dist/ replaced by a rename, only when it changed, so a reader sees the
    # old file or the new one, never a partial or missing one.
    mkdir -p build
    exec 9>build/.package.lock
    flock 9
    configure wasm
    cmake --build --preset package -j"$jobs" >/dev/null
    # A glue and a .wasm from two different links fail only when instantiated:
    # checked here, before they are shipped.
    node scripts/check-dist.mjs build/wasm
    mkdir -p dist
    put() {  # put <built file> <dist name>
      cmp -s "$1" "dist/$2" && return 0
      cp "$1" "dist/.$2.tmp" && mv -f "dist/.$2.tmp" "dist/$2"
    }
    rm -f dist/*.node.wasm dist/*.web.wasm
    for variant in simd simd_threaded; do
      put "build/wasm/embedding_bag_$variant.node.js" "embedding_bag_$variant.node.js"
      put "build/wasm/embedding_bag_$variant.web.mjs" "embedding_bag_$variant.web.mjs"
      # One .wasm per variant: the Node and web builds are byte-identical
      # (check-dist.mjs).
      put "build/wasm/embedding_bag_$variant.node.wasm" "embedding_bag_$variant.wasm"
    done
    # The pthread worker scripts of the threaded variant. The web one ships as
    # .txt: the wrapper fetches it and starts workers from a blob: URL, and a
    # non-JS name keeps dev servers (Vite) from rewriting it as a module.
    rm -f dist/embedding_bag_simd_threaded.web.worker.js
    put build/wasm/embedding_bag_simd_threaded.node.worker.js embedding_bag_simd_threaded.node.worker.js
    put build/wasm/embedding_bag_simd_threaded.web.worker.js embedding_bag_simd_threaded.web.worker.txt
    # require() entry: the ESM Node entry bundled as CommonJS, with
    # import.meta.url supplied from __filename.
    node_modules/.bin/esbuild js/index.node.mjs --bundle --platform=node --format=cjs \
      --target=node18 --log-level=warning --outfile=build/index.cjs \
      --inject:scripts/cjs-import-meta-url.mjs --define:import.meta.url=import_meta_url
    put build/index.cjs index.cjs
    ;;
  *) echo "scripts/build.sh: unknown build '$kind' (native, wasm, bench or package)" >&2; exit 2 ;;
esac
