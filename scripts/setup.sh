#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test embedding-bag-wasm.
# Idempotent: every step checks first and does nothing when the tool is already there.
#   scripts/setup.sh              what a build needs: emscripten, catch2, cmake, g++, npm ci
#                                 (scripts/build.sh runs this)
#   scripts/setup.sh --browsers   also chromium and firefox-esr (the browser tests)
#   scripts/setup.sh --runtimes   also Node 22 / 24 / 26, Bun and Deno (below)
#   scripts/setup.sh --bench      also fastText (the benchmark's baseline), Chromium and
#                                 the runtimes (the benchmark runs on Node 24 and in a page)
#   scripts/setup.sh --torch      also python3-torch (tests/torch: torch.load reads toTorch's files)
#   scripts/setup.sh --golden     also python3-torch (tests/golden/generate*.py), fastText and word
#                                 lists (tests/golden/generate_fasttext.py)
# npm test asks for --browsers --runtimes --bench --torch; npm run test:quick for nothing more
# than a build. The runtimes come from the npm registry into a cache folder,
# $EBAG_RUNTIMES (default ~/.cache/embedding-bag-wasm/runtimes), never into
# the package's dependencies: scripts/runtimes.sh lists them.
set -euo pipefail

want_golden=0
want_torch=0
want_browsers=0
want_runtimes=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --golden) want_golden=1; want_torch=1 ;;
    --torch) want_torch=1 ;;
    --browsers) want_browsers=1 ;;
    --runtimes) want_runtimes=1 ;;
    --bench) want_bench=1; want_browsers=1; want_runtimes=1 ;;
    *) echo "setup.sh: unknown argument '$arg' (--browsers, --runtimes, --bench, --golden, --torch)" >&2; exit 2 ;;
  esac
done

missing=()
need_pkg() {  # need_pkg <debian-package> <file-or-command that proves it is installed>
  local pkg=$1 probe=$2
  if [[ $probe == /* ]]; then [[ -e $probe ]] && return 0
  else command -v "$probe" >/dev/null 2>&1 && return 0; fi
  missing+=("$pkg")
}

need_pkg emscripten /usr/bin/em++
need_pkg catch2 /usr/include/catch2/catch.hpp
need_pkg cmake cmake
need_pkg g++ g++
need_pkg make make
need_pkg nodejs node
need_pkg nlohmann-json3-dev /usr/include/nlohmann/json.hpp
if (( want_browsers )); then
  need_pkg chromium /usr/bin/chromium  # browser tests (driven by playwright-core)
  need_pkg firefox-esr /usr/bin/firefox-esr  # browser tests (driven by puppeteer-core, WebDriver BiDi)
fi
if (( want_bench )); then
  need_pkg fasttext fasttext  # the benchmark's baseline for embedding-bag-wasm/fasttext (bench/fasttext.mjs)
fi
if (( want_torch )); then
  need_pkg python3-torch /usr/lib/python3/dist-packages/torch/__init__.py
  need_pkg python3-numpy /usr/lib/python3/dist-packages/numpy/__init__.py
fi
if (( want_golden )); then
  # tests/golden/generate_fasttext.py: fastText 0.9.2's Python binding and word lists.
  need_pkg python3-fasttext /usr/lib/python3/dist-packages/fasttext/__init__.py
  for list in american-english:wamerican ngerman:wngerman french:wfrench spanish:wspanish italian:witalian \
              polish:wpolish ukrainian:wukrainian dutch:wdutch swedish:wswedish portuguese:wportuguese; do
    need_pkg "${list#*:}" "/usr/share/dict/${list%%:*}"
  done
fi

install_node_modules() {
  # npm ci when node_modules is missing or older than the lock file.
  cd "$(dirname "$0")/.."
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "setup.sh: npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}

install_runtimes() {
  # Each runtime at the version the suites were last checked on, in a folder
  # of its own; skipped when its binary is there.
  source "$(dirname "$0")/runtimes.sh"
  local name
  for name in "${EBAG_RUNTIME_NAMES[@]}"; do
    [[ -x $(runtime_binary "$name") ]] && continue
    echo "setup.sh: installing $name ($(runtime_packages "$name")) into $EBAG_RUNTIMES/$name" >&2
    mkdir -p "$EBAG_RUNTIMES/$name"
    # shellcheck disable=SC2046
    npm install --prefix "$EBAG_RUNTIMES/$name" --no-save --no-package-lock --ignore-scripts \
      --no-audit --no-fund --loglevel=error $(runtime_packages "$name") >&2
    [[ -x $(runtime_binary "$name") ]] || { echo "setup.sh: $name did not install" >&2; exit 1; }
  done
}

if (( ${#missing[@]} == 0 )); then
  install_node_modules
  if (( want_runtimes )); then install_runtimes; fi
  exit 0
fi

echo "setup.sh: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup.sh: need root to apt-get install: ${missing[*]}" >&2
    echo "          run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else SUDO=""; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup.sh: done" >&2
install_node_modules
if (( want_runtimes )); then install_runtimes; fi
