// One benchmark runner, answering bench.mjs's requests (runner_protocol.mjs)
// so that the parent can interleave short rounds of the runners in time:
//   node child.mjs <threads> [minParallelWork]
//       the package (ESM entry) on one variant, plus the plain-JS loop;
//   node child.mjs pair <threads>
//       the package twice in one process: its ESM entry on 1 thread (ops
//       "<op>@1") and its CommonJS entry, a second instance, on <threads>
//       (ops "<op>@N"). For calls of a few microseconds, where two processes
//       differ by more than the threaded build could cost (code placement,
//       JIT state), the two variants are timed in turn in the same process.
// The bags and ops are ops.mjs's (shared with the browser runner, page/).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import * as esmPackage from '../js/index.node.mjs';
import { opsOf, preparedShape, probeOps, singleInstanceOps, startInstance } from './ops.mjs';
import { serveRequests, workloadBatch } from './runner_protocol.mjs';
import { quantizedDtypeNames } from '../js/registry.mjs';

const pair = process.argv[2] === 'pair';
const threads = Number(process.argv[pair ? 3 : 2]);
const minParallelWork = pair || process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const initOptions = (t) => ({ threads: t, ...(minParallelWork === undefined ? {} : { minParallelWork }) });

const instances = pair
  ? { 1: await startInstance(esmPackage, initOptions(1)), N: await startInstance(createRequire(import.meta.url)('../dist/index.cjs'), initOptions(threads)) }
  : { only: await startInstance(esmPackage, initOptions(threads)) };
const info = pair ? instances.N.info : instances.only.info;

// The limit probe (scripts/build.sh bench builds it), timed by the one-thread runner.
const probeBytes = threads === 1 && !pair ? readProbe() : null;
function readProbe() {
  try {
    return readFileSync(new URL('../build/bench/gather_probe.wasm', import.meta.url));
  } catch {
    return null;
  }
}

let ops = {};
async function prepare(name, quick) {
  const { w, indices, offsets } = workloadBatch(name, quick);
  const c = { w, indices, offsets, gradOutput: new Float32Array(w.bags * w.dim).fill(0.5) };
  const quantizedDtypes = w.quantized && threads === 1 && !pair ? quantizedDtypeNames() : [];
  ops = {};
  const made = Object.fromEntries(Object.entries(instances).map(([key, instance]) => [
    key, instance.prepare(w, indices, offsets, quantizedDtypes),
  ]));
  for (const [key, bags] of Object.entries(made)) {
    for (const [op, fn] of Object.entries(opsOf(c, bags))) ops[pair ? `${op}@${key}` : op] = fn;
  }
  if (!pair) Object.assign(ops, singleInstanceOps(c, made.only), await probeOps(probeBytes, c, made.only));
  return preparedShape(info, c, Object.values(made)[0]);
}

await serveRequests({
  // The quantized dtypes, as the package's registry lists them.
  describe: () => ({ quantizedDtypes: quantizedDtypeNames() }),
  prepare,
  operation: (op) => ops[op],
  release: () => Object.values(instances).forEach((instance) => instance.release()),
});
