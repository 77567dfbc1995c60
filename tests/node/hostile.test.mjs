// Names given by users or files are never looked up on a prototype; sizes
// and values in messages are shown as they are.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countingTable, EmbeddingBag, init } from './helpers.mjs';

test('mode names and option names that exist on Object.prototype are not modes or options', () => {
  for (const mode of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => new EmbeddingBag(10, 2, { mode }), { name: 'RangeError', message: `mode = "${mode}" must be 'sum', 'mean', 'max' or 'sqrtn'` });
  }
  for (const options of [{ toString: 1 }, { constructor: 1 }, JSON.parse('{"__proto__": 1}'), { valueOf: 2 }]) {
    const key = Object.keys(options)[0];
    assert.throws(() => new EmbeddingBag(10, 2, options), { name: 'TypeError', message: new RegExp(`^unknown option '${key}'`) });
  }
  const bag = new EmbeddingBag(10, 2, { mode: 'sum' });
  assert.throws(() => bag.forward([1], [0], null, { toString: 1 }), { name: 'TypeError', message: "unknown forward option 'toString' (known: copy)" });
  bag.dispose();
});

test('a polluted Object.prototype is never read as an option', async () => {
  const bag = new EmbeddingBag(10, 2, { mode: 'sum', weight: countingTable(10, 2) });
  Object.prototype.copy = false;
  Object.prototype.mode = 'max';
  Object.prototype.threads = 1e6;
  try {
    const y = bag.forward([1, 2], [0], null, {});
    assert.equal(y.data.buffer.byteLength, y.data.byteLength, 'a fresh copy, not a view of wasm memory');
    assert.deepEqual(Array.from(y.data), [30, 32]);
    assert.equal(new EmbeddingBag(3, 1, {}).mode, 'mean');
    assert.ok((await init({})).threads >= 1);
  } finally {
    delete Object.prototype.copy;
    delete Object.prototype.mode;
    delete Object.prototype.threads;
  }
  bag.dispose();
});

test('a tensor named __proto__ or constructor round-trips through safetensors', async () => {
  for (const name of ['__proto__', 'constructor', 'toString']) {
    const bag = new EmbeddingBag(4, 3, { mode: 'sum', weight: countingTable(4, 3) });
    const file = bag.toSafetensors({ name });
    const back = await EmbeddingBag.fromSafetensors(file, { mode: 'sum' });
    assert.deepEqual(Array.from(back.weight), Array.from(bag.weight), name);
    const named = await EmbeddingBag.fromSafetensors(file, { tensor: name, mode: 'sum' });
    assert.equal(named.numEmbeddings, 4);
    for (const b of [bag, back, named]) b.dispose();
  }
});

test('toSafetensors metadata is string to string, and the package keys are its own', async () => {
  const bag = new EmbeddingBag(4, 3, { mode: 'sum', seed: 1 });
  assert.throws(() => bag.toSafetensors({ metadata: { epoch: 3 } }), { name: 'TypeError', message: "metadata['epoch'] = 3 must be a string (safetensors metadata is string to string)" });
  assert.throws(() => bag.toSafetensors({ metadata: { 'embedding_bag_wasm.dtype': 'int8' } }), { name: 'TypeError', message: /package's own key/ });
  assert.throws(() => bag.toSafetensors({ metadata: 'x' }), { name: 'TypeError', message: 'metadata must be an object, not "x"' });
  const file = bag.toSafetensors({ metadata: { epoch: '3' } });
  const back = await EmbeddingBag.fromSafetensors(file);
  assert.equal(back.dtype, 'fp32');
  bag.dispose();
  back.dispose();
});

test('values far out of range are shown as given, not wrapped through int64', () => {
  for (const [value, shown] of [[1e300, '1e+300'], [-1e300, '-1e+300'], [2 ** 60, String(2 ** 60)]]) {
    assert.throws(() => new EmbeddingBag(10, 2, { paddingIdx: value }), { name: 'RangeError', message: `paddingIdx = ${shown} is out of range [-10, 10)` });
  }
});
