// Run by Bun, Deno (and Node) from an app folder where the packed package is
// installed, as a user's script would be: EBAG_THREADS threads, PyTorch's and
// the scaled modes' golden cases through check_case.mjs, a bad input's error
// with the bag still usable. Prints one JSON report; runtimes.test.mjs judges it.
import { readFileSync } from 'node:fs';

import { EmbeddingBag, init, shutdown } from 'embedding-bag-wasm';

import { checkGoldenCase } from './check_case.mjs';

const threads = Number(process.env.EBAG_THREADS ?? 1);
const info = await init({ threads, minParallelWork: 0 });
const report = { info, cases: 0, failures: [], error: null, after: null };
for (const file of ['embedding_bag_golden.json', 'scaled_golden.json']) {
  for (const c of JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')).cases) {
    report.cases++;
    report.failures.push(...checkGoldenCase(EmbeddingBag, c).map((f) => `${c.name}: ${f}`));
  }
}
const bag = new EmbeddingBag(4, 2, { mode: 'sum', weight: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) });
try {
  bag.forward([0, 4], [0]);
} catch (error) {
  report.error = `${error.name}: ${error.message}`;
}
report.after = Array.from(bag.forward([3, 0], [0]).data);
bag.dispose();
shutdown();
console.log(JSON.stringify(report));
