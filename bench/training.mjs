// The training benchmark (part of npm run bench): step() with each
// optimizer against the sparse backward it builds on and against the JS
// loops a user would write without it, on recsys and text. For each
// workload one runner per thread count (training_child.mjs 1 and N, each
// holding only that table), asked for rounds in turn so both see the same
// machine drift. Returns medians and the ratios within rounds for
// bench/results/latest.json.
//   node bench/training.mjs [--rounds=R] [--threads=N] [--quick]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { startRoundRunner } from './round_runner.mjs';
import { median } from './timing.mjs';

export const TRAINING_WORKLOADS = ['recsys', 'text'];
const OPTIMIZERS = ['sgd', 'rowwise-adagrad', 'adagrad', 'sparse-adam'];

const startRunner = (threads, workload, quick) =>
  startRoundRunner(new URL('./training_child.mjs', import.meta.url), [String(threads), workload, ...(quick ? ['--quick'] : [])]);

// The same steps natively (-O3 -march=native, bench/native): how close the
// wasm is to what this machine does with the same code.
function startNative(workload, quick) {
  const child = spawn(fileURLToPath(new URL('../build/bench/bench/native/bench_native', import.meta.url)), [],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()(JSON.parse(line)));
  const ask = (request) => new Promise((resolve) => {
    waiting.push(resolve);
    child.stdin.write(`${JSON.stringify(request)}\n`);
  });
  const ready = ask({ prepare: workload, quick });
  const samples = quick ? 2 : 5;
  return {
    async round() {
      await ready;
      const result = {};
      for (const op of ['backwardSparse', ...OPTIMIZERS.map((o) => `step_${o}`)]) {
        result[op] = median((await ask({ time: op, runs: samples, warmup: 3 })).ms);
      }
      return result;
    },
    stop: () => child.stdin.end(),
  };
}

export async function benchTraining({ rounds = 7, threads = 2, quick = false } = {}) {
  const rows = [];
  for (const workload of TRAINING_WORKLOADS) {
    const one = startRunner(1, workload, quick);
    const many = startRunner(threads, workload, quick);
    const native = startNative(workload, quick);
    const samples = [];
    for (let r = 0; r < rounds; r++) samples.push([await one.round(), await many.round(), await native.round()]);
    one.stop();
    many.stop();
    native.stop();
    const med = (k, field) => median(samples.map((s) => s[k][field]));
    // Ratios within each round, then their median.
    const ratio = (f) => median(samples.map(([a, b, c]) => f(a, b, c)));
    const medianMs = { sparseView1: med(0, 'sparseView'), sparseViewN: med(1, 'sparseView'), sparseNative: med(2, 'backwardSparse') };
    const ratios = {};
    for (const name of OPTIMIZERS) {
      medianMs[`step_${name}1`] = med(0, `step_${name}`);
      medianMs[`step_${name}N`] = med(1, `step_${name}`);
      medianMs[`step_${name}Native`] = med(2, `step_${name}`);
      ratios[`${name}OverSparse`] = ratio((a) => a[`step_${name}`] / a.sparseView);
      ratios[`${name}ThreadSpeedup`] = ratio((a, b) => a[`step_${name}`] / b[`step_${name}`]);
      ratios[`${name}NativeOverSparse`] = ratio((a, b, c) => c[`step_${name}`] / c.backwardSparse);
      ratios[`${name}WasmOverNative`] = ratio((a, b, c) => a[`step_${name}`] / c[`step_${name}`]);
    }
    medianMs.jsSgd = med(0, 'js_sgd');
    medianMs.jsAdagrad = med(0, 'js_adagrad');
    ratios.jsSgdOverStep = ratio((a) => a.js_sgd / a['step_sgd']);
    ratios.jsAdagradOverStep = ratio((a) => a.js_adagrad / a.step_adagrad);
    if (samples[0][0].js_dense_sgd !== undefined) {
      medianMs.jsDenseSgd = med(0, 'js_dense_sgd');
      ratios.jsDenseSgdOverStep = ratio((a) => a.js_dense_sgd / a['step_sgd']);
    }
    const { ids, dim, n } = samples[0][0];
    rows.push({ workload, n, dim, ids, threads, medianMs, ratios });
  }
  return rows;
}

export function printTraining(rows, table, fmt, x) {
  console.log('\ntraining: step() per optimizer against the sparse backward view it builds on (1 thread), ' +
    `${rows[0].threads} threads / 1, and backward() + a JS update loop, ms (medians; ratios within rounds)`);
  table(['workload', 'sparse view', ...OPTIMIZERS.flatMap((o) => [`step ${o}`, '/ sparse', `${rows[0].threads}T/1T`])],
    rows.map((r) => [r.workload, fmt(r.medianMs.sparseView1), ...OPTIMIZERS.flatMap((o) => [
      fmt(r.medianMs[`step_${o}1`]), x(r.ratios[`${o}OverSparse`]), x(r.ratios[`${o}ThreadSpeedup`])])]));
  console.log('the same natively (-O3 -march=native): step / its sparse backward, and wasm / native');
  table(['workload', 'sparse native', ...OPTIMIZERS.flatMap((o) => [`${o} native`, '/ sparse', 'wasm/native'])],
    rows.map((r) => [r.workload, fmt(r.medianMs.sparseNative), ...OPTIMIZERS.flatMap((o) => [
      fmt(r.medianMs[`step_${o}Native`]), x(r.ratios[`${o}NativeOverSparse`]), x(r.ratios[`${o}WasmOverNative`])])]));
  table(['workload', 'backward + JS sgd', 'x step sgd', 'backward + JS adagrad', 'x step adagrad', 'dense backward + JS sgd', 'x step sgd'],
    rows.map((r) => [r.workload, fmt(r.medianMs.jsSgd), x(r.ratios.jsSgdOverStep), fmt(r.medianMs.jsAdagrad), x(r.ratios.jsAdagradOverStep),
      r.medianMs.jsDenseSgd === undefined ? '-' : fmt(r.medianMs.jsDenseSgd), r.ratios.jsDenseSgdOverStep === undefined ? '-' : x(r.ratios.jsDenseSgdOverStep)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const rows = await benchTraining({ rounds: arg('rounds', 7), threads: arg('threads', 2), quick: process.argv.includes('--quick') });
  const table = (head, body) => {
    const all = [head, ...body];
    const widths = head.map((_, c) => Math.max(...all.map((row) => row[c].length)));
    for (const row of all) console.log(row.map((cell, c) => cell.padStart(widths[c])).join(' | '));
  };
  printTraining(rows, table, (v) => (v < 1 ? v.toFixed(3) : v.toFixed(2)), (v) => `${v.toFixed(2)}x`);
}
