// Browser entry (and the default for bundlers). The runtime assets are named
// with literal new URL('../dist/<file>', import.meta.url), which Vite,
// webpack 5 and Rollup recognise: they emit the files and rewrite the URLs.
// Bundlers that do not (esbuild) use init({ wasmPaths: '<url prefix>/' })
// with dist/ copied there.
import { setPlatform } from './module.mjs';
import { simdSupported, threadsUnavailable, variantStem } from './features.mjs';

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
  if (url === undefined) return undefined;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`embedding-bag-wasm: cannot load the pthread worker script ${url.href} (HTTP ${response.status})`);
  return URL.createObjectURL(new Blob([await response.text()], { type: 'text/javascript' }));
}

setPlatform({
  simdSupported,
  threadsUnavailable,
  cores: () => globalThis.navigator?.hardwareConcurrency ?? 1,
  async loadVariant(variant, { wasmPaths, poolSize } = {}) {
    const urls = assetUrls(variant, wasmPaths);
    const worker = variant === 'simd-threaded' ? await workerBlobUrl(urls.worker) : undefined;
    const { default: createModule } = await import(/* @vite-ignore */ /* webpackIgnore: true */ urls.glue.href);
    try {
      return await createModule({
        locateFile: (file) => (file.endsWith('.wasm') ? urls.wasm.href : file.endsWith('.worker.js') ? worker : file),
        // The pthread workers import the glue from here.
        mainScriptUrlOrBlob: urls.glue.href,
        ebagPoolSize: poolSize,
      });
    } finally {
      // The pool's workers have all loaded once the module is ready, and no
      // more are made (PTHREAD_POOL_SIZE_STRICT): the blob: URL is done with.
      if (worker !== undefined) URL.revokeObjectURL(worker);
    }
  },
  threadsStarted() {},
  // A weight file from a URL: the fetch() body as it arrives; stops the
  // download once the loader has what it needs.
  async *readChunks(source) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`embedding-bag-wasm: cannot fetch ${source} (HTTP ${response.status})`);
    const reader = response.body.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield value;
      }
    } finally {
      if (!finished) reader.cancel().catch(() => {});
    }
  },
});

export { init, shutdown, memoryInfo } from './module.mjs';
export { EmbeddingBag } from './embedding-bag.mjs';
export { embeddingBag } from './functional.mjs';
