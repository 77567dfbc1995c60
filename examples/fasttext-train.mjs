// Training a language identifier from scratch, in Node: fastText's model
// (char 2..4-grams hashed into buckets, a mean of their rows, linear +
// softmax) trained by FastTextTrainer on the demo page's word lists
// (web-demo/words.json: ten languages from Debian's word lists), then saved
// as a fastText .bin that Debian's `fasttext predict-prob` reads:
//   node examples/fasttext-train.mjs model.bin [epochs] [adagrad|sgd]
//   fasttext predict-prob model.bin words.txt 3
import { readFileSync, writeFileSync } from 'node:fs';

import { init } from 'embedding-bag-wasm';
import { FastTextTrainer } from 'embedding-bag-wasm/fasttext';

const [out = 'langid-trained.bin', epochs = '5', optimizer = 'adagrad'] = process.argv.slice(2);
await init();
const words = JSON.parse(readFileSync(new URL('../web-demo/words.json', import.meta.url), 'utf8'));
const examples = (part) => Object.entries(words.languages).flatMap(([label, lists]) => lists[part].map((text) => ({ text, label })));
const heldOut = examples('heldOut');

const trainer = new FastTextTrainer(examples('train'), { dim: 16, minn: 2, maxn: 4, bucket: 20000, epoch: Number(epochs), optimizer });
const started = performance.now();
for (let epoch = 1; epoch <= trainer.options.epoch; epoch++) {
  const loss = trainer.train({ epochs: 1 });
  const { accuracy } = trainer.evaluate(heldOut);
  console.log(`epoch ${epoch}: training loss ${loss.toFixed(3)}, held-out accuracy ${(100 * accuracy).toFixed(1)}%`);
}
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s (${trainer.steps} steps of ${trainer.options.batchSize})`);
writeFileSync(out, trainer.model.toBin());
console.log(`wrote ${out}`);
trainer.dispose();
