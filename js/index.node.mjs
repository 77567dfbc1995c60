// Node entry (ESM; dist/index.cjs is this file bundled for require()).
// Loads the CommonJS Emscripten glue with createRequire and hands it the
// .wasm bytes read with fs: 3.1.6's glue would fetch() a file path under
// Node >= 18 and fail.
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

import { setPlatform } from './module.mjs';
import { simdSupported, threadsUnavailable, variantStem } from './features.mjs';
import { fetchSource, isHttpUrl } from './sources.mjs';

const requireGlue = createRequire(import.meta.url);
const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
const workerScript = fileURLToPath(new URL('../js/node-worker.mjs', import.meta.url));

async function* fileChunks(path) {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

setPlatform({
  simdSupported,
  threadsUnavailable,
  cores: () => (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length),
  // Node started with V8's revectorizer (never set by the package): sum
  // kernels in blocks it fuses into 256-bit AVX2 operations.
  fusesSimdPairs: () => process.execArgv.includes('--experimental-wasm-revectorize'),
  async loadVariant(variant, { poolSize }) {
    const stem = `${distDir}${variantStem(variant)}`;
    const createModule = requireGlue(`${stem}.node.js`);
    // ebagPoolSize: read by the threaded glue as its PTHREAD_POOL_SIZE.
    // The worker script is ours (node-worker.mjs runs the glue's own in
    // Deno too).
    return createModule({
      wasmBinary: readFileSync(`${stem}.wasm`),
      ebagPoolSize: poolSize,
      locateFile: (file) => (file.endsWith('.worker.js') ? workerScript : `${distDir}${file}`),
    });
  },
  // A weight file: an http(s) URL is fetched; a path or file: URL is read in
  // 1 MiB pieces (one buffer, reused: the loader copies each piece into wasm
  // memory before the next), its size known from stat.
  async openSource(source, signal) {
    if (isHttpUrl(source)) return fetchSource(typeof source === 'string' ? source : source.href, signal);
    const path = typeof source === 'string' ? source : new URL(source.href);
    let total;
    try {
      const stat = statSync(path);
      if (stat.isFile()) total = stat.size;
    } catch {
      // open() below reports it
    }
    return { total, chunks: fileChunks(path) };
  },
  // A path or file: URL read at any offset (readStateDict reads a .pt file's
  // directory and pickle, never its tensors).
  async openRanged(source) {
    const file = await open(typeof source === 'string' ? source : new URL(source.href), 'r');
    const { size } = await file.stat();
    return {
      size,
      async read(offset, length) {
        const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      },
      close: () => file.close(),
    };
  },
  // 3.1.6 keeps the process alive while pthread workers exist: unref them,
  // so that a script ends by itself when its work is done.
  threadsStarted(module) {
    for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref();
  },
});

export { init, shutdown, memoryInfo } from './module.mjs';
export { EmbeddingBag } from './embedding-bag.mjs';
export { EmbeddingBagCollection } from './collection.mjs';
export { embeddingBag } from './functional.mjs';
export { readStateDict } from './torch/load.mjs';
