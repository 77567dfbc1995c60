// The EmbeddingBagCollection benchmark (part of npm run bench): for each
// workload, one runner per thread count (collection_child.mjs 1 and N, each
// holding only that workload's tables), asked for rounds in turn so both see
// the same machine drift. Prints medians over rounds and the ratios of this
// run; returns them for bench/results/latest.json.
//   node bench/collection.mjs [--rounds=R] [--threads=N] [--quick]
import { fileURLToPath } from 'node:url';

import { collectionWorkloads } from './collection_workloads.mjs';
import { startRoundRunner } from './round_runner.mjs';
import { median } from './timing.mjs';

const startRunner = (threads, workload, quick) =>
  startRoundRunner(new URL('./collection_child.mjs', import.meta.url), [String(threads), workload, ...(quick ? ['--quick'] : [])]);

export async function benchCollection({ rounds = 7, threads = 2, quick = false } = {}) {
  const samples = { one: [], many: [] };
  for (const w of collectionWorkloads(quick)) {
    const one = startRunner(1, w.name, quick);
    const many = startRunner(threads, w.name, quick);
    for (let r = 0; r < rounds; r++) {
      const [a, b] = [await one.round(), await many.round()];
      (samples.one[r] ??= { workloads: {} }).workloads[w.name] = a.workloads[w.name];
      (samples.many[r] ??= { workloads: {} }).workloads[w.name] = b.workloads[w.name];
    }
    one.stop();
    many.stop();
  }
  return collectionWorkloads(quick).map((w) => {
    const med = (runner, field) => median(samples[runner].map((s) => s.workloads[w.name][field]));
    // Ratios within each round, then their median.
    const ratio = (f) => median(samples.one.map((s, r) => f(s.workloads[w.name], samples.many[r].workloads[w.name])));
    const { ids, dim } = samples.one[0].workloads[w.name];
    const bytes = ids * dim * 4;
    return {
      workload: w.name, tables: w.cardinalities.length, batch: w.batch, dim, ids,
      medianMs: {
        ebc1: med('one', 'ebc'), ebcCopy1: med('one', 'ebcCopy'), separate1: med('one', 'separate'),
        separateCopy1: med('one', 'separateCopy'), single1: med('one', 'single'),
        ebcN: med('many', 'ebc'), separateN: med('many', 'separate'),
      },
      ratios: {
        ebcOverSeparate: ratio((a) => a.separate / a.ebc),
        // As called, with the default copies on both sides.
        copiedOverSeparateCopied: ratio((a) => a.separateCopy / a.ebcCopy),
        threadSpeedup: ratio((a, b) => a.ebc / b.ebc),
      },
      gbPerS: { ebc1: bytes / med('one', 'ebc') / 1e6, single1: bytes / med('one', 'single') / 1e6 },
      threads,
    };
  });
}

export function printCollection(rows, table, fmt, x) {
  console.log('\nEmbeddingBagCollection: one ebc.forward (view; copied) against one bag.forward per feature + the JS concatenation into one array, ms (medians)');
  table(['workload', 'tables', 'B', 'D', 'ids', 'ebc 1T', 'copied', 'separate 1T', 'x separate', 'separate, copied', 'x (copied)', 'GB/s ebc', 'GB/s 1 table', `ebc ${rows[0].threads}T`, 'NT/1T'],
    rows.map((r) => [r.workload, String(r.tables), String(r.batch), String(r.dim), String(r.ids), fmt(r.medianMs.ebc1), fmt(r.medianMs.ebcCopy1), fmt(r.medianMs.separate1),
      x(r.ratios.ebcOverSeparate), fmt(r.medianMs.separateCopy1), x(r.ratios.copiedOverSeparateCopied), r.gbPerS.ebc1.toFixed(2), r.gbPerS.single1.toFixed(2), fmt(r.medianMs.ebcN), x(r.ratios.threadSpeedup)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const rows = await benchCollection({ rounds: arg('rounds', 7), threads: arg('threads', 2), quick: process.argv.includes('--quick') });
  const table = (head, body) => {
    const all = [head, ...body];
    const widths = head.map((_, c) => Math.max(...all.map((row) => row[c].length)));
    for (const row of all) console.log(row.map((cell, c) => cell.padStart(widths[c])).join(' | '));
  };
  printCollection(rows, table, (v) => (v < 1 ? v.toFixed(3) : v.toFixed(2)), (v) => `${v.toFixed(2)}x`);
}
