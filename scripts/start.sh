#!/usr/bin/env bash
# npm start: builds the package (dist/) and runs the demo under Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh package >/dev/null
node examples/demo.mjs
