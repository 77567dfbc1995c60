// The page: a large batch computed in the worker while the main thread keeps
// ticking (a timer counts how often it ran during the call). Results and
// state are on globalThis.example for tests/browser/workers.test.mjs.
import { startEmbeddingWorker } from './client.mjs';

const N = 50_000;
const D = 32;
const BAGS = 4096;
const PER_BAG = 50;

const show = (text) => {
  document.querySelector('#status').textContent = text;
};

async function run() {
  const worker = startEmbeddingWorker();
  const info = await worker.init();
  show(`worker: ${info.variant}, ${info.threads} thread(s)${info.reason ? ` (${info.reason})` : ''}`);
  const id = await worker.create(N, D, { mode: 'sum', seed: 5 });
  // Bag b holds rows b, b + 1, ..., b + PER_BAG - 1 (mod N).
  const indices = new Int32Array(BAGS * PER_BAG);
  const offsets = new Int32Array(BAGS);
  for (let b = 0; b < BAGS; b++) {
    offsets[b] = b * PER_BAG;
    for (let k = 0; k < PER_BAG; k++) indices[b * PER_BAG + k] = (b + k) % N;
  }
  let ticks = 0;
  let ticking = true;
  const tick = () => {
    ticks++;
    if (ticking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const started = performance.now();
  let output;
  for (let repeat = 0; repeat < 20; repeat++) output = await worker.forward(id, indices, offsets);
  const ms = performance.now() - started;
  ticking = false;
  let error = null;
  try {
    await worker.forward(id, [N], [0]);
  } catch (e) {
    error = `${e.name}: ${e.message}`;
  }
  show(`worker: ${info.variant}, ${info.threads} thread(s). 20 batches of ${BAGS} bags in ${ms.toFixed(0)} ms; ` +
    `the page's timer ran ${ticks} times meanwhile.`);
  await worker.dispose(id);
  worker.terminate();
  return { info, shape: output.shape, head: Array.from(output.data.subarray(0, 4)), ticks, ms, error };
}

globalThis.example = { done: run() };
globalThis.example.done.catch((error) => show(`failed: ${error.message}`));
