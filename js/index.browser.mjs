// Browser entry (and the default for bundlers). The runtime assets are named
// with literal new URL('../dist/<file>', import.meta.url), which Vite,
// webpack 5 and Rollup recognise: they emit the files and rewrite the URLs.
// Bundlers that do not (esbuild) use init({ wasmPaths: '<url prefix>/' })
// with dist/ copied there.
import { setPlatform, ThreadsBlocked } from './module.mjs';
import { simdSupported, threadsUnavailable, variantStem } from './features.mjs';
import { fetchSource } from './sources.mjs';

const BUNDLED_ASSETS = {
  simd: () => ({
    glue: new URL('../dist/embedding_bag_simd.web.mjs', import.meta.url),
    wasm: new URL('../dist/embedding_bag_simd.wasm', import.meta.url),
  }),
  'simd-threaded': () => ({
    glue: new URL('../dist/embedding_bag_simd_threaded.web.mjs', import.meta.url),
    wasm: new URL('../dist/embedding_bag_simd_threaded.wasm', import.meta.url),
    worker: new URL('../dist/embedding_bag_simd_threaded.web.worker.txt', import.meta.url),
  }),
};

function assetUrls(variant, wasmPaths) {
  if (wasmPaths === undefined) return BUNDLED_ASSETS[variant]();
  if (typeof wasmPaths !== 'string') throw new TypeError('wasmPaths must be a URL prefix string, like "/assets/embedding-bag/"');
  const base = new URL(wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`, globalThis.location?.href);
  const stem = variantStem(variant);
  return {
    glue: new URL(`${stem}.web.mjs`, base),
    wasm: new URL(`${stem}.wasm`, base),
    worker: new URL(`${stem}.web.worker.txt`, base),
  };
}

// The pthread worker script is fetched and started from a blob: URL, which
// belongs to this page's origin whatever the bundler made of the file: Vite
// inlines it as a data: URL (below 4 KiB), and a worker from a data: URL is
// cross-origin and cannot import the glue; Vite's dev server would rewrite a
// .js file into a module, hence the .txt name in dist/.
async function workerBlobUrl(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ThreadsBlocked(`the pthread worker script ${url.href} could not be fetched (${error.message})`);
  }
  if (!response.ok) throw new ThreadsBlocked(`the pthread worker script ${url.href} could not be fetched (HTTP ${response.status})`);
  return URL.createObjectURL(new Blob([await response.text()], { type: 'text/javascript' }));
}

// How long a worker may take to answer, and the whole threaded load to finish.
const WORKER_PROBE_MS = 5_000;
const THREADED_LOAD_MS = 30_000;

// Whether this page may run a worker from a blob: URL. A Content-Security-
// Policy whose worker-src (or script-src) lacks blob: does not make
// new Worker() throw: the worker gets an error event and never runs, and
// Emscripten's pool would wait for it forever. A worker of one line, from a
// blob: URL as the pool's are, answers or fails within milliseconds.
function blobWorkersBlocked() {
  return new Promise((resolve) => {
    let url;
    let worker;
    let timer;
    const done = (reason) => {
      clearTimeout(timer);
      worker?.terminate();
      if (url) URL.revokeObjectURL(url);
      resolve(reason);
    };
    const refused = 'the page may not start workers from blob: URLs (a Content-Security-Policy without blob: in worker-src?)';
    timer = setTimeout(() => done(`a worker from a blob: URL did not start within ${WORKER_PROBE_MS / 1000} s`), WORKER_PROBE_MS);
    try {
      url = URL.createObjectURL(new Blob(['postMessage(0)'], { type: 'text/javascript' }));
      worker = new Worker(url);
    } catch (error) {
      done(`${refused}: ${error.message}`);
      return;
    }
    worker.onmessage = () => done(null);
    worker.onerror = (event) => {
      event.preventDefault();
      done(refused);
    };
  });
}

// The threaded module within THREADED_LOAD_MS, or ThreadsBlocked (after
// stopping whichever of its workers started).
function withinTime(ready, moduleArg) {
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      moduleArg.PThread?.terminateAllThreads();
      reject(new ThreadsBlocked(`the pthread workers did not start within ${THREADED_LOAD_MS / 1000} s`));
    }, THREADED_LOAD_MS);
  });
  return Promise.race([ready, late]).finally(() => clearTimeout(timer));
}

setPlatform({
  simdSupported,
  threadsUnavailable,
  cores: () => globalThis.navigator?.hardwareConcurrency ?? 1,
  async loadVariant(variant, { wasmPaths, poolSize } = {}) {
    const urls = assetUrls(variant, wasmPaths);
    const threaded = variant === 'simd-threaded';
    let worker;
    if (threaded) {
      worker = await workerBlobUrl(urls.worker);
      const blocked = await blobWorkersBlocked();
      if (blocked !== null) {
        URL.revokeObjectURL(worker);
        throw new ThreadsBlocked(blocked);
      }
    }
    const { default: createModule } = await import(/* @vite-ignore */ /* webpackIgnore: true */ urls.glue.href);
    // The glue keeps this object as its Module (PThread lands on it).
    const moduleArg = {
      locateFile: (file) => (file.endsWith('.wasm') ? urls.wasm.href : file.endsWith('.worker.js') ? worker : file),
      // The pthread workers import the glue from here.
      mainScriptUrlOrBlob: urls.glue.href,
      ebagPoolSize: poolSize,
    };
    try {
      return await (threaded ? withinTime(createModule(moduleArg), moduleArg) : createModule(moduleArg));
    } finally {
      // The pool's workers have all loaded once the module is ready, and no
      // more are made (PTHREAD_POOL_SIZE_STRICT): the blob: URL is done with.
      if (worker !== undefined) URL.revokeObjectURL(worker);
    }
  },
  threadsStarted() {},
  // A weight file from a URL (relative to the page): the fetch() body as it
  // arrives; the loader stops the download once it has what it needs.
  openSource: (source, signal) => fetchSource(typeof source === 'string' ? source : source.href, signal),
});

export { init, shutdown, memoryInfo } from './module.mjs';
export { EmbeddingBag } from './embedding-bag.mjs';
export { EmbeddingBagCollection } from './collection.mjs';
export { embeddingBag } from './functional.mjs';
export { readStateDict } from './torch/load.mjs';
