// esbuild entry: esbuild does not emit the files named by
// new URL(..., import.meta.url), so dist/ is copied to ./embedding-bag/ and
// init is told where.
import { run } from './app.mjs';

run({ wasmPaths: './embedding-bag/' }).catch((error) => {
  globalThis.appResult = { failed: `${error.name}: ${error.message}` };
});
