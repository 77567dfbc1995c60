// The package inside a Node worker_thread, so that a server's event loop
// never waits on a large batch: node examples/node-worker.mjs
// The worker (this same file, run with isMainThread false) owns the bag; the
// main thread sends batches and gets the outputs, their buffers transferred.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url));
  const answers = [];
  worker.on('message', (message) => answers.shift()(message));
  const ask = (request) => new Promise((resolve) => {
    answers.push(resolve);
    worker.postMessage(request);
  });
  const info = await ask({ call: 'init' });
  console.log(`worker: ${info.variant}, ${info.threads} thread(s)`);
  const indices = Int32Array.from({ length: 4096 * 20 }, (_, i) => i % 50_000);
  const offsets = Int32Array.from({ length: 4096 }, (_, b) => b * 20);
  const ticker = setInterval(() => {}, 1);  // the main loop stays free meanwhile
  const { shape, head } = await ask({ call: 'forward', indices, offsets });
  clearInterval(ticker);
  console.log(`output shape [${shape.join(', ')}], first values ${head.map((v) => v.toFixed(4)).join(' ')}`);
  await worker.terminate();
} else {
  const { EmbeddingBag, init } = await import('../js/index.node.mjs');
  let bag = null;
  parentPort.on('message', async ({ call, indices, offsets }) => {
    if (call === 'init') {
      const info = await init();
      bag = new EmbeddingBag(50_000, 64, { mode: 'mean', seed: 3 });
      parentPort.postMessage(info);
    } else {
      const { data, shape } = bag.forward(indices, offsets);
      parentPort.postMessage({ shape, head: Array.from(data.subarray(0, 4)) });
    }
  });
}
