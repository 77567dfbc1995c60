// embedding-bag-wasm/fasttext against fastText 0.9.2 itself: the models of
// tests/golden/fasttext/ (trained by its CLI; generate_fasttext.py) and what
// its Python binding answers for them (tests/golden/check_fasttext.mjs), on
// the variant the suite runs (npm test: both). Then what a bad file, a bad
// text or bad options get, and that models leave nothing allocated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { FastText } from 'embedding-bag-wasm/fasttext';

import { checkFastTextModel } from '../golden/check_fasttext.mjs';
import { memoryInfo } from './helpers.mjs';

const golden = JSON.parse(readFileSync(new URL('../golden/fasttext_golden.json', import.meta.url), 'utf8'));
const file = (name) => new URL(`../golden/fasttext/${name}`, import.meta.url);

test('every loss, word n-grams 1-3, char n-grams 0 and 1..5, .ftz (plain, qnorm + cutoff, qout): fastText\'s labels, probabilities and vectors', async () => {
  const losses = new Set();
  for (const model of golden.models) {
    const ft = await FastText.load(readFileSync(file(model.file)));
    try {
      assert.deepEqual(checkFastTextModel(ft, model), [], model.name);
      losses.add(ft.args.loss);
    } finally {
      ft.dispose();
    }
  }
  assert.deepEqual([...losses].sort(), ['hs', 'ns', 'ova', 'softmax']);
  assert.ok(golden.models.some((m) => m.labels.length >= 256 && m.quantized), 'a -qout model');
});

test('load takes a path, a file URL, bytes at any offset, a Blob and a Response', async () => {
  const { file: name, texts } = golden.models[1];
  const bytes = readFileSync(file(name));
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const sources = [file(name).pathname, file(name), shifted.subarray(3), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    new Blob([bytes]), new Response(bytes)];
  const want = texts[0].top3.map(([label]) => label)[0];
  for (const source of sources) {
    const ft = await FastText.load(source);
    assert.equal(ft.predict(texts[0].text)[0].label, want);
    ft.dispose();
  }
});

test('tokenize: fastText\'s tokens (to </s>) and input rows; predict on k, threshold and texts', async () => {
  const model = golden.models.find((m) => m.name === 'softmax-w2-c25');
  const ft = await FastText.load(readFileSync(file(model.file)));
  const { words, ids } = ft.tokenize('Haus\tMaus\vKatze ein\u00a0Wort __label__de');
  assert.deepEqual(words, ['Haus', 'Maus', 'Katze', 'ein\u00a0Wort', '</s>']);  // NBSP is not a separator; labels are dropped
  assert.ok(ids instanceof Int32Array && ids.length > 5);
  assert.deepEqual(ft.tokenize('vor </s> nach').words, ['vor', '</s>']);
  assert.equal(ft.predict('Haus').length, 1);
  assert.equal(ft.predict('Haus', { k: -1 }).length, ft.labels.length);
  assert.ok(ft.predict('Haus', { k: -1, threshold: 0.5 }).every((p) => p.probability >= 0.5));
  assert.deepEqual(ft.predictBatch([]), []);
  assert.throws(() => ft.predict('a\nb'), { name: 'RangeError', message: /text contains "\\n" at position 1/ });
  assert.throws(() => ft.predictBatch(['a', 5]), { name: 'TypeError', message: /texts\[1\] must be a string/ });
  assert.throws(() => ft.predict('a', { k: 0 }), { name: 'RangeError', message: /k = 0 must be an integer >= 1, or -1/ });
  assert.throws(() => ft.predict('a', { threshold: 'x' }), { name: 'TypeError', message: /threshold = "x" must be a number/ });
  assert.throws(() => ft.wordVector(3), { name: 'TypeError', message: /word must be a string/ });
  assert.throws(() => ft.predict('a', { K: 3 }), { name: 'TypeError', message: /unknown predict option 'K' \(did you mean 'k'\?\) \(known: k, threshold\)/ });
  assert.throws(() => ft.predict('a', JSON.parse('{"__proto__": {"k": 2}}')), { name: 'TypeError', message: /unknown predict option '__proto__'/ });
  assert.throws(() => ft.predict('a', 3), { name: 'TypeError', message: /predict options must be an object/ });
  // Each text is read once: a getter that changes its answer cannot slip a
  // non-string past the check.
  let reads = 0;
  const hostile = ['Haus'];
  Object.defineProperty(hostile, 1, { get: () => (reads++ === 0 ? 'Maus' : 5), enumerable: true });
  assert.equal(ft.predictBatch(hostile).length, 2);
  assert.equal(reads, 1);
  ft.dispose();
  ft.dispose();  // idempotent
  assert.throws(() => ft.predict('a'), /disposed/);
});

test('a file that is not a model is a TypeError; a truncated or newer one a RangeError; nothing stays allocated', async () => {
  const bytes = readFileSync(file(golden.models[0].file));
  const before = memoryInfo().allocatedBytes;
  await assert.rejects(FastText.load(new TextEncoder().encode('__label__a hello\n')), { name: 'TypeError', message: /not a fastText model/ });
  // A model is made by load() or a trainer: the constructor takes nothing a caller can make.
  for (const given of [undefined, {}, { args: {}, dictionary: {}, input: {}, output: {} }]) {
    assert.throws(() => new FastText(given), { name: 'TypeError', message: 'a FastText is made by FastText.load(source) or a FastTextTrainer' });
  }
  for (const cut of [6, 40, 200, bytes.length - 100, bytes.length - 1]) {
    await assert.rejects(FastText.load(bytes.subarray(0, cut)), { name: 'RangeError', message: /truncated|inconsistent/ }, `cut at ${cut}`);
  }
  const newer = Uint8Array.from(bytes);  // a copy with its own buffer (Buffer#slice is a view)
  new DataView(newer.buffer).setInt32(4, 13, true);
  await assert.rejects(FastText.load(newer), { name: 'RangeError', message: /version 13; fastText 0.9.2 reads versions up to 12/ });
  // A dictionary of 2^31 - 1 entries: refused before anything is allocated for it.
  const entries = Uint8Array.from(bytes);
  new DataView(entries.buffer).setInt32(8 + 12 * 4 + 8, 2 ** 31 - 1, true);
  new DataView(entries.buffer).setInt32(8 + 12 * 4 + 8 + 4, 2 ** 31 - 11, true);
  await assert.rejects(FastText.load(entries), { name: 'RangeError', message: /truncated: 2147483647 dictionary entries/ });
  const huge = Uint8Array.from(bytes);
  // The input matrix's row count (after the dictionary) made larger than the file.
  const view = new DataView(huge.buffer);
  const dictionaryEnd = findInputMatrix(huge);
  view.setBigInt64(dictionaryEnd, 1n << 40n, true);
  await assert.rejects(FastText.load(huge), { name: 'RangeError', message: /the input matrix's rows = 1099511627776/ });
  assert.equal(memoryInfo().allocatedBytes, before);
  for (let i = 0; i < 3; i++) (await FastText.load(bytes)).dispose();
  assert.equal(memoryInfo().allocatedBytes, before);
});

// Where the input matrix's int64 row count is: after the header, args, the
// dictionary and the quant flag.
function findInputMatrix(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let at = 8 + 12 * 4 + 8;
  const size = view.getInt32(at, true);
  at += 12 + 16;
  for (let i = 0; i < size; i++) at = bytes.indexOf(0, at) + 1 + 8 + 1;
  return at + 1;  // a .bin: no prune index
}

test('word n-gram hashes: the 64-bit fold and modulo in two 32-bit halves equal BigInt arithmetic', async () => {
  const { foldWordHash, uint64Mod } = await import('../../js/fasttext/dictionary.mjs');
  const mask = (1n << 64n) - 1n;
  let seed = 12345;
  const int32 = () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0);
  const edges = [0, -1, 1, 0x7fffffff, -0x80000000, -2, 116049371];
  for (let trial = 0; trial < 2000; trial++) {
    const first = trial < edges.length ? edges[trial] : int32();
    let want = BigInt(first) & mask;
    let lo = first >>> 0;
    let hi = first < 0 ? 0xffffffff : 0;
    for (let j = 0; j < 3; j++) {
      const next = trial < edges.length ? edges[(trial + j + 1) % edges.length] : int32();
      want = (want * 116049371n + (BigInt(next) & mask)) & mask;
      [hi, lo] = foldWordHash(hi, lo, next);
      assert.equal((BigInt(hi) << 32n) | BigInt(lo), want, `trial ${trial}`);
      for (const bucket of [1, 7, 2000000, 0x7fffffff]) assert.equal(uint64Mod(hi, lo, bucket), Number(want % BigInt(bucket)));
    }
  }
});

test('examples/fasttext-langid.mjs: the top 3 languages of its arguments and of its standard input', async () => {
  const { execFileSync } = await import('node:child_process');
  const example = new URL('../../examples/fasttext-langid.mjs', import.meta.url).pathname;
  const langid = await FastText.load(new URL('../../web-demo/langid.ftz', import.meta.url));
  const line = (text) => `${text}\t${langid.predict(text, { k: 3 }).map(({ label, probability }) =>
    `${label.replace('__label__', '')} ${(100 * probability).toFixed(1)}%`).join(', ')}`;
  const fromArgs = execFileSync(process.execPath, [example, 'Das ist ein Haus', 'la casa es roja'], { encoding: 'utf8' });
  assert.equal(fromArgs, `${line('Das ist ein Haus')}\n${line('la casa es roja')}\n`);
  assert.match(fromArgs, /^Das ist ein Haus\tde /);
  const fromStdin = execFileSync(process.execPath, [example], { input: 'huset är rött\nце мій дім\n', encoding: 'utf8' });
  assert.equal(fromStdin, `${line('huset är rött')}\n${line('це мій дім')}\n`);
  langid.dispose();
});
