#!/usr/bin/env bash
# npm start: builds the WebAssembly SIMD demo and runs it under Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh wasm embedding_bag_demo >/dev/null
node build/wasm/embedding_bag_demo.js
