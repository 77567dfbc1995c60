#!/usr/bin/env bash
# Configures and builds one of the CMake builds, after scripts/setup.sh.
#   scripts/build.sh wasm [target...]    WebAssembly SIMD (emcmake), build/wasm
#   scripts/build.sh native [target...]  native with ASan + UBSan, build/native
#   scripts/build.sh bench                the native benchmark (-O3 -march=native), build/bench
#   scripts/build.sh package              the npm package's dist/: wasm modules + dist/index.cjs
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

kind=${1:?usage: scripts/build.sh wasm|native|bench|package [target...]}
shift
targets=()
for t in "$@"; do targets+=(--target "$t"); done
jobs=$(nproc 2>/dev/null || echo 2)

case "$kind" in
  wasm)
    # emcc finds acorn only through NODE_PATH; emcmake's default emulator
    # passes --experimental-wasm-threads, which Node 20 rejects.
    export NODE_PATH=/usr/share/nodejs
    # emcmake echoes its cmake command line on stderr: dropped, errors still show.
    emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node > /dev/null 2> >(grep -v "^configure: " >&2)
    cmake --build build/wasm -j"$jobs" "${targets[@]}"
    ;;
  native)
    cmake -S . -B build/native -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEBAG_SANITIZE=ON >/dev/null
    cmake --build build/native -j"$jobs" "${targets[@]}"
    ;;
  bench)
    cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DEBAG_BENCH=ON -DBUILD_TESTING=OFF >/dev/null
    cmake --build build/bench -j"$jobs" --target bench_native
    ;;
  package)
    bash scripts/build.sh wasm embedding_bag_simd_node embedding_bag_simd_web \
      embedding_bag_simd_threaded_node embedding_bag_simd_threaded_web >/dev/null
    mkdir -p dist
    for variant in simd simd_threaded; do
      for f in "$variant.node.js" "$variant.node.wasm" "$variant.web.mjs" "$variant.web.wasm"; do
        cp "build/wasm/embedding_bag_$f" dist/
      done
    done
    # The pthread worker scripts of the threaded variant. The web one ships as
    # .txt: the wrapper fetches it and starts workers from a blob: URL, and a
    # non-JS name keeps dev servers (Vite) from rewriting it as a module.
    rm -f dist/embedding_bag_simd_threaded.web.worker.js
    cp build/wasm/embedding_bag_simd_threaded.node.worker.js dist/
    cp build/wasm/embedding_bag_simd_threaded.web.worker.js dist/embedding_bag_simd_threaded.web.worker.txt
    # require() entry: the ESM Node entry bundled as CommonJS, with
    # import.meta.url supplied from __filename.
    node_modules/.bin/esbuild js/index.node.mjs --bundle --platform=node --format=cjs \
      --target=node18 --log-level=warning --outfile=dist/index.cjs \
      --inject:scripts/cjs-import-meta-url.mjs --define:import.meta.url=import_meta_url
    ;;
  *) echo "scripts/build.sh: unknown build '$kind' (wasm, native, bench or package)" >&2; exit 2 ;;
esac
