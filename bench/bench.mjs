// npm run bench: EmbeddingBag forward (and sparse backward) on the issue's
// workloads in two long-lived processes, one per variant (1 thread: simd;
// N threads: simd-threaded), plus a plain-JS loop in the 1-thread process.
// The processes take turns in short rounds, so that both see the same drift
// of this shared machine; the table shows medians over all rounds, min-max,
// GB/s of rows gathered and ratios of this run, and bench/results/latest.json
// keeps every figure. Not a test: nothing asserts on time.
//   node bench/bench.mjs [--quick] [--threads=N] [--rounds=R]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { median } from './timing.mjs';
import { WORKLOADS } from './workloads.mjs';

const quick = process.argv.includes('--quick');
const numberArg = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
};
const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
const nThreads = numberArg('threads', Math.max(2, Math.min(8, cores)));
const rounds = numberArg('rounds', quick ? 1 : 9);
const childScript = fileURLToPath(new URL('./child.mjs', import.meta.url));

// A child process answering one JSON line per request (see child.mjs).
function startChild(threads) {
  const proc = spawn(process.execPath, [childScript, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  return {
    async ask(request) {
      proc.stdin.write(`${JSON.stringify(request)}\n`);
      const { value, done } = await replies.next();
      if (done) throw new Error(`benchmark child (${threads} threads) ended early`);
      return JSON.parse(value);
    },
    stop: () => new Promise((resolve) => { proc.on('exit', resolve); proc.stdin.end(); }),
  };
}

// Runs per round and warm-up runs (first round only), by workload size.
function runsFor(name) {
  if (quick) return { runs: 3, warmup: 1 };
  return name.startsWith('tiny') ? { runs: 200, warmup: 400 } : { runs: 5, warmup: 10 };
}

const one = startChild(1);
const many = startChild(nThreads);
const fmt = (ms) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
const rows = [];
let infoOne;
let infoMany;

for (const workload of WORKLOADS) {
  const a = await one.ask({ prepare: workload.name, quick });
  const b = await many.ask({ prepare: workload.name, quick });
  infoOne = a.info;
  infoMany = b.info;
  // Every timed (process, op) pair; the order flips each round.
  const series = [[one, 'plainJs'], [one, 'forward'], [many, 'forward']];
  if (a.hasBackward) series.push([one, 'backwardSparse'], [many, 'backwardSparse']);
  const times = series.map(() => []);
  const { runs, warmup } = runsFor(workload.name);
  for (let round = 0; round < rounds; round++) {
    const order = series.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const [child, op] = series[k];
      const { ms } = await child.ask({ time: op, runs, warmup: round === 0 ? warmup : 1 });
      times[k].push(...ms);
    }
  }
  const [plainJs, forward1, forwardN, backward1, backwardN] = times;
  const gb = (a.indices * a.dim * 4) / 1e9;
  const row = {
    workload: workload.name,
    indices: a.indices,
    dim: a.dim,
    samples: forward1.length,
    plainJsMs: median(plainJs),
    forward1Ms: median(forward1),
    forwardNMs: median(forwardN),
    range1: [Math.min(...forward1), Math.max(...forward1)],
    gbPerS1: gb / (median(forward1) / 1e3),
    backwardSparse1Ms: backward1 ? median(backward1) : null,
    backwardSparseNMs: backwardN ? median(backwardN) : null,
  };
  row.vsPlainJs = row.plainJsMs / row.forward1Ms;
  row.threadSpeedup = row.forward1Ms / row.forwardNMs;
  row.backwardThreadSpeedup = backward1 ? row.backwardSparse1Ms / row.backwardSparseNMs : null;
  rows.push(row);
}
await Promise.all([one.stop(), many.stop()]);

console.log(`embedding-bag-wasm bench${quick ? ' (quick sizes)' : ''}: node ${process.version}, ${cores} cores; ` +
  `1 thread = ${infoOne.variant}, ${nThreads} threads = ${infoMany.variant} (${infoMany.threads}); ` +
  `${rounds} interleaved rounds`);
console.log('workload    indices    D | plain JS ms | wasm 1T ms (min-max)     GB/s | x plain JS | wasm NT ms | NT/1T | bwd sparse 1T / NT ms (NT/1T)');
for (const r of rows) {
  console.log(
    `${r.workload.padEnd(10)} ${String(r.indices).padStart(8)} ${String(r.dim).padStart(4)} | ` +
      `${fmt(r.plainJsMs).padStart(11)} | ${fmt(r.forward1Ms).padStart(10)} (${fmt(r.range1[0])}-${fmt(r.range1[1])})`.padEnd(38) +
      ` ${r.gbPerS1.toFixed(2).padStart(6)} | ${r.vsPlainJs.toFixed(2).padStart(9)}x | ${fmt(r.forwardNMs).padStart(10)} | ` +
      `${r.threadSpeedup.toFixed(2).padStart(5)}x | ` +
      (r.backwardSparse1Ms === null ? '-' :
        `${fmt(r.backwardSparse1Ms)} / ${fmt(r.backwardSparseNMs)} (${r.backwardThreadSpeedup.toFixed(2)}x)`),
  );
}
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const file = `${outDir}${quick ? 'quick' : 'latest'}.json`;
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores, quick, threads: nThreads, rounds, one: infoOne, many: infoMany, rows }, null, 2)}\n`);
console.log(`wrote ${file}`);
