// Vite entry: zero configuration, the package finds its files itself.
import { run } from './app.mjs';

run().catch((error) => {
  globalThis.appResult = { failed: `${error.name}: ${error.message}` };
});
