// The DLRM benchmark (part of npm run bench): examples/dlrm served as its
// dlrm.mjs serves it, embedding bags by this package and the dense part by
// onnxruntime-web, against the whole model (embedding bags included) exported
// to ONNX by PyTorch 1.13 and run by onnxruntime-web alone: one request
// (B = 1) and a batch (B = 512), sparse and dense parts apart. In a child
// process (collection.mjs's reason: a process of its own), one thread each.
//   node bench/dlrm.mjs [--rounds=R] [--quick]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** [{ batch, sparseMs, denseMs, oursMs, onnxMs, ratios: { onnxOverOurs } }] (medians). */
export function benchDlrm({ rounds = 7, quick = false } = {}) {
  const child = spawnSync(process.execPath, [here('./dlrm_child.mjs'), String(quick ? 1 : rounds), '1', quick ? '16' : '512'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`dlrm_child.mjs failed: ${child.stderr}`);
  return JSON.parse(child.stdout).map((r) => ({ ...r, ratios: { onnxOverOurs: r.onnxMs / r.oursMs } }));
}

export function printDlrm(rows, table, fmt, x) {
  console.log('\nDLRM (examples/dlrm): embedding-bag-wasm + onnxruntime-web (dense part) against the whole model in onnxruntime-web ' +
    '(PyTorch 1.13\'s ONNX export: each embedding bag a Loop over its bags), one thread, ms (medians)');
  table(['requests', 'embedding bags', 'dense (ort)', 'ours, total', 'all in ort', 'ort / ours'],
    rows.map((r) => [`B = ${r.batch}`, fmt(r.sparseMs), fmt(r.denseMs), fmt(r.oursMs), fmt(r.onnxMs), x(r.ratios.onnxOverOurs)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const rows = benchDlrm({ rounds: arg('rounds', 7), quick: process.argv.includes('--quick') });
  const table = (head, body) => {
    const all = [head, ...body];
    const widths = head.map((_, c) => Math.max(...all.map((row) => row[c].length)));
    for (const row of all) console.log(row.map((cell, c) => cell.padStart(widths[c])).join(' | '));
  };
  printDlrm(rows, table, (v) => v.toFixed(3), (v) => `${v.toFixed(2)}x`);
}
