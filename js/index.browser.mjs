// Browser entry (and the default for bundlers). The runtime assets are named
// with literal new URL('../dist/<file>', import.meta.url), which Vite,
// webpack 5 and Rollup recognise: they emit the files and rewrite the URLs.
// Bundlers that do not (esbuild) use init({ wasmPaths: '<url prefix>/' })
// with dist/ copied there.
import { setPlatform } from './api.mjs';
import { simdSupported } from './features.mjs';

const BUNDLED_ASSETS = {
  simd: () => ({
    glue: new URL('../dist/embedding_bag_simd.web.mjs', import.meta.url),
    wasm: new URL('../dist/embedding_bag_simd.web.wasm', import.meta.url),
  }),
};

function assetUrls(variant, wasmPaths) {
  if (wasmPaths === undefined) return BUNDLED_ASSETS[variant]();
  if (typeof wasmPaths !== 'string') throw new TypeError('wasmPaths must be a URL prefix string, like "/assets/embedding-bag/"');
  const base = new URL(wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`, globalThis.location?.href);
  return {
    glue: new URL(`embedding_bag_${variant}.web.mjs`, base),
    wasm: new URL(`embedding_bag_${variant}.web.wasm`, base),
  };
}

setPlatform({
  simdSupported,
  cores: () => globalThis.navigator?.hardwareConcurrency ?? 1,
  async loadVariant(variant, { wasmPaths } = {}) {
    const urls = assetUrls(variant, wasmPaths);
    const { default: createModule } = await import(/* @vite-ignore */ /* webpackIgnore: true */ urls.glue.href);
    return createModule({ locateFile: (file) => (file.endsWith('.wasm') ? urls.wasm.href : file) });
  },
});

export { init, EmbeddingBag, embeddingBag, memoryInfo } from './api.mjs';
