#!/usr/bin/env bash
# Configures and builds through the presets of CMakePresets.json, after
# scripts/setup.sh.
#   scripts/build.sh native    the Catch2 suite natively, ASan + UBSan (preset native, build/native)
#   scripts/build.sh wasm      both wasm variants and their suites (presets wasm + wasm-threads, build/wasm)
#   scripts/build.sh bench     the native benchmark, -O3 -march=native (preset bench, build/bench)
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
    ;;
  wasm)
    configure wasm
    cmake --build --preset wasm -j"$jobs"
    cmake --build --preset wasm-threads -j"$jobs"
    ;;
  package)
    configure wasm
    cmake --build --preset package -j"$jobs" >/dev/null
    # Emscripten 3.1.6 has once left a glue whose import names did not match
    # its .wasm (minified in one pass, applied in another): such a pair is
    # relinked once, and the build fails if it is still wrong.
    if ! node scripts/check-dist.mjs build/wasm; then
      echo "build.sh: relinking the wasm modules" >&2
      rm -f build/wasm/embedding_bag_simd*.{js,mjs,wasm}
      cmake --build --preset package -j"$jobs" >/dev/null
      node scripts/check-dist.mjs build/wasm
    fi
    mkdir -p dist
    rm -f dist/*.node.wasm dist/*.web.wasm
    for variant in simd simd_threaded; do
      for f in "$variant.node.js" "$variant.web.mjs"; do
        cp "build/wasm/embedding_bag_$f" dist/
      done
      # One .wasm per variant: the Node and web builds are byte-identical
      # (check-dist.mjs).
      cp "build/wasm/embedding_bag_$variant.node.wasm" "dist/embedding_bag_$variant.wasm"
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
  *) echo "scripts/build.sh: unknown build '$kind' (native, wasm, bench or package)" >&2; exit 2 ;;
esac
