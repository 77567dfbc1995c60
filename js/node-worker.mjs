// The pthread worker under Node-compatible runtimes, started by the threaded
// glue in place of its own worker script (index.node.mjs: locateFile).
// Emscripten 3.1.6's script is CommonJS and assigns `location` on the
// worker's global; Deno runs a worker file as an ES module (no require, no
// __filename) and its `location` is a getter-only accessor, so assigning it
// throws and kills the process. Here the script is required from an ES
// module (which every runtime runs), after `location` is made a plain,
// writable property.
import { createRequire } from 'node:module';

const current = Object.getOwnPropertyDescriptor(globalThis, 'location');
if (current !== undefined && current.set === undefined && current.writable !== true && current.configurable) {
  Object.defineProperty(globalThis, 'location', { value: undefined, writable: true, configurable: true, enumerable: true });
}
createRequire(import.meta.url)('../dist/embedding_bag_simd_threaded.node.worker.js');
