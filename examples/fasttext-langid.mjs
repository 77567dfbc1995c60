// Language identification with a fastText model, in Node: the three most
// likely languages of each argument (or of each line of standard input).
//   node examples/fasttext-langid.mjs "Das ist ein Haus" "une maison"
//   printf 'la casa es roja\n' | node examples/fasttext-langid.mjs
// The model is the demo page's (web-demo/langid.ftz: ten languages, trained
// by fastText on Debian's word lists); any supervised .bin / .ftz works:
//   FASTTEXT_MODEL=lid.176.ftz node examples/fasttext-langid.mjs "..."
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { init } from 'embedding-bag-wasm';
import { FastText } from 'embedding-bag-wasm/fasttext';

await init();
const model = await FastText.load(process.env.FASTTEXT_MODEL ?? fileURLToPath(new URL('../web-demo/langid.ftz', import.meta.url)));
const texts = process.argv.length > 2 ? process.argv.slice(2) : readFileSync(0, 'utf8').split('\n').filter((line) => line !== '');
// One batch: the hidden vectors in one EmbeddingBag call, the output layer in one more.
model.predictBatch(texts, { k: 3 }).forEach((predictions, i) => {
  const languages = predictions.map(({ label, probability }) => `${label.replace('__label__', '')} ${(100 * probability).toFixed(1)}%`);
  console.log(`${texts[i]}\t${languages.join(', ')}`);
});
model.dispose();
