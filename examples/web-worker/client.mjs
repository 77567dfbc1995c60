// The page's side of embedding-worker.mjs: each call is a promise, resolved
// by the worker's answer (errors rethrown with their name).
export function startEmbeddingWorker(url = new URL('./embedding-worker.mjs', import.meta.url)) {
  const worker = new Worker(url, { type: 'module' });
  const pending = new Map();
  let nextRequest = 1;
  worker.onmessage = ({ data: { requestId, result, error } }) => {
    const { resolve, reject } = pending.get(requestId);
    pending.delete(requestId);
    if (error) reject(Object.assign(new (globalThis[error.name] ?? Error)(error.message), { name: error.name }));
    else resolve(result);
  };
  const call = (name, args = {}, transfer = []) => new Promise((resolve, reject) => {
    const requestId = nextRequest++;
    pending.set(requestId, { resolve, reject });
    worker.postMessage({ call: name, requestId, ...args }, transfer);
  });
  return {
    init: (options) => call('init', { options }),
    create: (numEmbeddings, embeddingDim, options) => call('create', { numEmbeddings, embeddingDim, options }),
    forward: (id, indices, offsets) => call('forward', { id, indices, offsets }),
    dispose: (id) => call('dispose', { id }),
    terminate: () => worker.terminate(),
  };
}
