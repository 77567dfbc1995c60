// FastText.load(source, { dtype }): the input matrix quantized as the file
// streams. Each row is quantize()'s (a sentence vector is then bit for bit
// the mean of the dequantized rows); predictions stay within the tolerance
// docs/fasttext.md states, measured here on every golden model; streams,
// aborts, truncation and refusals leave nothing allocated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { FastText } from 'embedding-bag-wasm/fasttext';

import { readModel } from '../../js/fasttext/reader.mjs';
import { EmbeddingBag, memoryInfo } from './helpers.mjs';

const golden = JSON.parse(readFileSync(new URL('../golden/fasttext_golden.json', import.meta.url), 'utf8'));
const file = (name) => new URL(`../golden/fasttext/${name}`, import.meta.url);
const parse = (value) => (typeof value === 'string' ? JSON.parse(value.replace(/'/g, '"')) : value);

// The tolerance docs/fasttext.md states (its table: these models and texts,
// random word strings, so near ties), with some room above what it measured.
const TOLERANCE = {
  fp16: { top1: 1, probability: 5e-4 },
  int8: { top1: 0.97, probability: 0.01 },
};

test('predictions of a model loaded as int8 / fp16 stay within the stated tolerance of fastText\'s, on every golden model', async () => {
  for (const [dtype, bound] of Object.entries(TOLERANCE)) {
    let agree = 0;
    let texts = 0;
    let largest = 0;
    for (const m of golden.models) {
      const model = await FastText.load(file(m.file), { dtype });
      assert.equal(model.dtype, dtype);
      for (const t of m.texts) {
        const all = parse(t.all);
        const got = model.predict(t.text, { k: -1 });
        texts += 1;
        if (got[0].label === all[0][0]) agree += 1;
        const byLabel = new Map(got.map((p) => [p.label, p.probability]));
        for (const [label, p] of all) largest = Math.max(largest, Math.abs(byLabel.get(label) - p));
      }
      model.dispose();
    }
    assert.ok(agree / texts >= bound.top1, `${dtype}: top-1 agrees on ${agree} of ${texts}`);
    assert.ok(largest <= bound.probability, `${dtype}: largest probability difference ${largest}`);
  }
});

test('each input row is quantize()\'s: a sentence vector is the mean of the dequantized rows, bit for bit', async () => {
  for (const name of ['softmax-w2-c25.bin', 'hs-w3-c13.bin', 'softmax-w2-c25-q.ftz']) {
    const parsed = readModel(new Uint8Array(readFileSync(file(name))));
    const { rows, cols, data } = parsed.input;
    for (const dtype of ['int8', 'int4', 'fp16']) {
      const model = await FastText.load(file(name), { dtype });
      // The float rows the file holds, quantized and dequantized here.
      const reference = EmbeddingBag.quantize({ data, shape: [rows, cols] }, { dtype, mode: 'mean' });
      for (const t of golden.models[1].texts.slice(0, 8)) {
        const { ids } = model.tokenize(t.text);
        const want = reference.forward(ids, [0]).data;
        assert.deepEqual(Array.from(model.sentenceVector(t.text)), Array.from(want), `${name} ${dtype}: ${t.text}`);
      }
      reference.dispose();
      model.dispose();
    }
  }
});

// A stream of the bytes in pieces of a reused buffer.
function pieces(bytes, size) {
  const buffer = new Uint8Array(size);
  let k = 0;
  return new ReadableStream({
    pull(controller) {
      if (k >= bytes.length) return controller.close();
      const n = Math.min(size, bytes.length - k);
      buffer.set(bytes.subarray(k, k + n));
      k += n;
      controller.enqueue(buffer.subarray(0, n));
    },
  }, { highWaterMark: 0 });
}

test('streams of any piece size give the same model; aborts, truncation and refusals leave nothing allocated', async () => {
  const bytes = new Uint8Array(readFileSync(file('many-labels-w2-c24.bin')));
  const text = golden.models[0].texts[3].text;
  const whole = await FastText.load(bytes, { dtype: 'int8' });
  const want = whole.predict(text, { k: 3 });
  whole.dispose();
  for (const size of [1, 7, 4093, 65536, 1 << 20]) {
    const model = await FastText.load(pieces(bytes, size), { dtype: 'int8' });
    assert.deepEqual(model.predict(text, { k: 3 }), want, `pieces of ${size}`);
    model.dispose();
  }
  const before = memoryInfo().allocatedBytes;
  for (const at of [1, 3, 6, 8]) {
    const controller = new AbortController();
    const reason = new Error(`stop after ${at}`);
    let seen = 0;
    const source = pieces(bytes, 65536);
    const reader = source.getReader();
    const counted = new ReadableStream({
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) return c.close();
        if (++seen === at) controller.abort(reason);
        c.enqueue(value);
      },
    }, { highWaterMark: 0 });
    await assert.rejects(FastText.load(counted, { dtype: 'fp16', signal: controller.signal }), (error) => error === reason);
    assert.equal(memoryInfo().allocatedBytes, before, `abort after chunk ${at}`);
  }
  // Cut inside the input matrix, then inside the output matrix.
  for (const end of [200000, bytes.length - 10]) {
    await assert.rejects(FastText.load(bytes.slice(0, end), { dtype: 'int8' }), { name: 'RangeError', message: /truncated/ });
    assert.equal(memoryInfo().allocatedBytes, before);
  }
  // A word-vector model is refused before its matrix is read.
  const cbow = bytes.slice();
  new DataView(cbow.buffer).setInt32(8 + 7 * 4, 1, true);  // args.model = cbow
  await assert.rejects(FastText.load(cbow, { dtype: 'int8' }), { name: 'TypeError', message: /word vectors/ });
  await assert.rejects(FastText.load(bytes, { dtype: 'int2' }), { name: 'RangeError', message: /dtype/ });
  assert.equal(memoryInfo().allocatedBytes, before);
  const model = await FastText.load(bytes, { dtype: 'int8' });
  assert.throws(() => model.toBin(), { name: 'TypeError', message: /loaded as int8: load it without a dtype to save it/ });
  model.dispose();
});
