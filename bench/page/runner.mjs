// The page side of the browser runner (browser_runner.mjs): the package's
// browser entry on one thread, the same bags and ops as a Node runner
// (ops.mjs), answering globalThis.benchRunner.ask(request) with the reply a
// Node runner would write (requests.mjs), timed in the page.
import * as pkg from '../../js/index.browser.mjs';
import { quantizedDtypeNames } from '../../js/registry.mjs';
import { capWorkload, makeBatch } from '../batch.mjs';
import { opsOf, preparedShape, probeOps, singleInstanceOps, startInstance } from '../ops.mjs';
import { answer } from '../requests.mjs';

const spec = await (await fetch(new URL('../workloads.json', import.meta.url))).json();
const instance = await startInstance(pkg, { threads: 1 });
// The limit probe, when scripts/build.sh bench has built it.
const probeResponse = await fetch(new URL('../../build/bench/gather_probe.wasm', import.meta.url));
const probeBytes = probeResponse.ok ? await probeResponse.arrayBuffer() : null;

let ops = {};
async function prepare(name, quick) {
  const full = spec.workloads.find((w) => w.name === name);
  const w = quick ? capWorkload(full, spec.quick) : full;
  const { indices, offsets } = makeBatch(w);
  const c = { w, indices, offsets, gradOutput: new Float32Array(w.bags * w.dim).fill(0.5) };
  const made = instance.prepare(w, indices, offsets, w.quantized ? quantizedDtypeNames() : []);
  ops = { ...opsOf(c, made), ...singleInstanceOps(c, made), ...await probeOps(probeBytes, c, made) };
  return preparedShape(instance.info, c, made);
}

globalThis.benchRunner = {
  userAgent: navigator.userAgent,
  ask: (request) => answer(request, {
    describe: () => ({ quantizedDtypes: quantizedDtypeNames(), userAgent: navigator.userAgent }),
    prepare,
    operation: (op) => ops[op],
  }),
  release: () => instance.release(),
};
document.getElementById('state').textContent = 'ready';
