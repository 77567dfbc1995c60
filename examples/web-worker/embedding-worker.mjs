// A module Web Worker that owns the package: the page sends requests, the
// worker runs them and posts the results back (their buffers transferred, no
// copy). The page's main thread never runs wasm, so it stays free to render
// and respond however large the batch. Started by main.mjs with
//   new Worker(new URL('./embedding-worker.mjs', import.meta.url), { type: 'module' })
// In an app, import from 'embedding-bag-wasm' instead of the repository path.
import { EmbeddingBag, init } from '../../js/index.browser.mjs';

const bags = new Map();
let nextId = 1;

const handlers = {
  // init: the worker inherits the page's cross-origin isolation, so the
  // threaded variant runs here when the page could run it.
  init: ({ options }) => init(options),
  create: ({ numEmbeddings, embeddingDim, options }) => {
    const id = nextId++;
    bags.set(id, new EmbeddingBag(numEmbeddings, embeddingDim, options));
    return id;
  },
  forward: ({ id, indices, offsets }) => bags.get(id).forward(indices, offsets),
  dispose: ({ id }) => {
    bags.get(id)?.dispose();
    bags.delete(id);
  },
};

self.onmessage = async ({ data: { call, requestId, ...args } }) => {
  try {
    const result = await handlers[call](args);
    const transfer = result?.data instanceof Float32Array ? [result.data.buffer] : [];
    self.postMessage({ requestId, result }, transfer);
  } catch (error) {
    // Errors keep their name (TypeError / RangeError) and message.
    self.postMessage({ requestId, error: { name: error.name, message: error.message } });
  }
};
