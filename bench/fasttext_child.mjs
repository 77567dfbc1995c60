// One runner of the fastText benchmark (bench/fasttext.mjs): loads a model,
// times predictBatch over every line of a file (k = 3), two warm-up batches
// first, and prints { ms } (the median of `rounds`) as JSON.
//   node bench/fasttext_child.mjs <model> <texts file> <rounds>
import { readFileSync } from 'node:fs';

import { init } from '../js/index.node.mjs';
import { FastText } from '../js/fasttext/index.mjs';
import { median } from './timing.mjs';

const [model, file, rounds] = process.argv.slice(2);
await init({ threads: 1 });
const ft = await FastText.load(model);
const texts = readFileSync(file, 'utf8').split('\n').slice(0, -1);
const times = [];
for (let r = 0; r < Number(rounds) + 2; r++) {
  const t0 = performance.now();
  const out = ft.predictBatch(texts, { k: 3 });
  const ms = performance.now() - t0;
  if (out.length !== texts.length) throw new Error('a prediction per text');
  if (r >= 2) times.push(ms);
}
ft.dispose();
process.stdout.write(`${JSON.stringify({ ms: median(times) })}\n`);
