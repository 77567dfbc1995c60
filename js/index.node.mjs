// Node entry (ESM; dist/index.cjs is this file bundled for require()).
// Loads the CommonJS Emscripten glue with createRequire and hands it the
// .wasm bytes read with fs: 3.1.6's glue would fetch() a file path under
// Node >= 18 and fail.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

import { setPlatform } from './api.mjs';
import { simdSupported } from './features.mjs';

const requireGlue = createRequire(import.meta.url);
const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

setPlatform({
  simdSupported,
  cores: () => (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length),
  async loadVariant(variant) {
    const base = `${distDir}embedding_bag_${variant}.node`;
    const createModule = requireGlue(`${base}.js`);
    return createModule({ wasmBinary: readFileSync(`${base}.wasm`) });
  },
});

export { init, EmbeddingBag, embeddingBag, memoryInfo } from './api.mjs';
