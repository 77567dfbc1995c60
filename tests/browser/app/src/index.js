// webpack entry (its default, ./src/index.js): zero configuration, webpack 5
// emits the files named by new URL(..., import.meta.url) itself.
import { run } from '../app.mjs';

run().catch((error) => {
  globalThis.appResult = { failed: `${error.name}: ${error.message}` };
});
