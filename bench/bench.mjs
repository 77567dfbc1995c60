// npm run bench: EmbeddingBag forward (and sparse backward) on the issue's
// workloads, one process per variant (1 thread: simd; N threads:
// simd-threaded), plus a plain-JS loop in the same process as the 1-thread
// run. Prints medians, min-max, GB/s of rows gathered and ratios measured in
// this run; writes bench/results/latest.json. Not a test: no assertion on time.
//   node bench/bench.mjs [--quick] [--threads=N]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

import { median } from './timing.mjs';

const quick = process.argv.includes('--quick');
const threadsArg = process.argv.find((a) => a.startsWith('--threads='));
const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
const nThreads = threadsArg ? Number(threadsArg.split('=')[1]) : Math.max(2, Math.min(8, cores));
const child = fileURLToPath(new URL('./child.mjs', import.meta.url));

function runChild(threads) {
  const out = execFileSync(process.execPath, [child, String(threads), ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8', maxBuffer: 64 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const fmt = (ms) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(2));

const one = runChild(1);
const many = runChild(nThreads);
const rows = [];
for (const [k, r1] of one.results.entries()) {
  const rn = many.results[k];
  const gb = (r1.indices * r1.dim * 4) / 1e9;
  const row = {
    workload: r1.workload,
    indices: r1.indices,
    dim: r1.dim,
    plainJsMs: median(r1.plainJs),
    forward1Ms: median(r1.forward),
    forwardNMs: median(rn.forward),
    range1: [Math.min(...r1.forward), Math.max(...r1.forward)],
    gbPerS1: gb / (median(r1.forward) / 1e3),
    backwardSparse1Ms: r1.backwardSparse ? median(r1.backwardSparse) : null,
    backwardSparseNMs: rn.backwardSparse ? median(rn.backwardSparse) : null,
  };
  row.vsPlainJs = row.plainJsMs / row.forward1Ms;
  row.threadSpeedup = row.forward1Ms / row.forwardNMs;
  rows.push(row);
}

console.log(`embedding-bag-wasm bench${quick ? ' (quick sizes)' : ''}: node ${process.version}, ${cores} cores; ` +
  `1 thread = ${one.info.variant}, ${nThreads} threads = ${many.info.variant} (${many.info.threads})`);
console.log('workload    indices    D | plain JS ms | wasm 1T ms (min-max)     GB/s | x plain JS | wasm NT ms | NT/1T | bwd sparse 1T / NT ms');
for (const r of rows) {
  console.log(
    `${r.workload.padEnd(10)} ${String(r.indices).padStart(8)} ${String(r.dim).padStart(4)} | ` +
      `${fmt(r.plainJsMs).padStart(11)} | ${fmt(r.forward1Ms).padStart(10)} (${fmt(r.range1[0])}-${fmt(r.range1[1])})`.padEnd(38) +
      ` ${r.gbPerS1.toFixed(2).padStart(6)} | ${r.vsPlainJs.toFixed(2).padStart(9)}x | ${fmt(r.forwardNMs).padStart(10)} | ` +
      `${r.threadSpeedup.toFixed(2).padStart(5)}x | ` +
      (r.backwardSparse1Ms === null ? '-' : `${fmt(r.backwardSparse1Ms)} / ${fmt(r.backwardSparseNMs)}`),
  );
}
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const file = `${outDir}${quick ? 'quick' : 'latest'}.json`;
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores, quick, threads: nThreads, one: one.info, many: many.info, rows }, null, 2)}\n`);
console.log(`wrote ${file}`);
