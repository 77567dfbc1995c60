// EmbeddingBagCollection against its definition (one EmbeddingBag per
// (feature, table), tests/golden/collection_fuzz.mjs) on random configs and
// KeyedJaggedTensors, bit for bit, on the variant the suite runs (npm test:
// both); errors that name key, sample and table and change nothing; loading
// and saving TorchRec state_dict names; no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fuzzCollections } from '../golden/collection_fuzz.mjs';
import { EmbeddingBag, EmbeddingBagCollection, memoryInfo } from './helpers.mjs';

const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (actual, expected, what) => assert.deepEqual(bits(actual), bits(Float32Array.from(expected)), what);

test('random collections and KeyedJaggedTensors equal one EmbeddingBag per (feature, table), bit for bit, with their gradients', () => {
  assert.deepEqual(fuzzCollections({ EmbeddingBag, EmbeddingBagCollection }, 1, 150), []);
});

function twoTables(options = {}) {
  return new EmbeddingBagCollection([
    { name: 't_user', numEmbeddings: 10, embeddingDim: 2, featureNames: ['user_id'], pooling: 'sum', maxNorm: 1 },
    { name: 't_item', numEmbeddings: 5, embeddingDim: 3, featureNames: ['item_id', 'history'], pooling: 'mean' },
  ], { seed: 3, ...options });
}
const GOOD = { keys: ['user_id', 'item_id', 'history'], values: [1, 2, 3, 4, 0, 1, 2], lengths: [1, 1, 1, 1, 2, 1] };

test('errors name the key, the sample and the table, and change nothing', () => {
  const ebc = twoTables();
  const before = Array.from(ebc.table('t_user').weight);
  const good = ebc.forward(GOOD);
  const afterGood = Array.from(ebc.table('t_user').weight);
  const gradValues = Float32Array.from({ length: good.values.length }, (_, i) => (i % 7) - 3);
  const gradsOfGood = ebc.backward(gradValues);
  const bad = (kjt) => () => ebc.forward({ ...GOOD, ...kjt });
  // Another shape (B = 1, keys reordered) that fails only in its last table.
  assert.throws(() => ebc.forward({ keys: ['history', 'item_id', 'user_id'], values: [9, 1, 2], lengths: [1, 1, 1] }),
    { name: 'RangeError', message: 'values[0] = 9 is out of range [0, 5) (key "history", sample 0, table "t_item")' });
  assert.throws(bad({ values: [1, 2, 3, 4, 0, 1, 7] }), { name: 'RangeError', message: 'values[6] = 7 is out of range [0, 5) (key "history", sample 1, table "t_item")' });
  assert.throws(bad({ values: [1, 20, 3, 4, 0, 1, 2] }), { name: 'RangeError', message: 'values[1] = 20 is out of range [0, 10) (key "user_id", sample 1, table "t_user")' });
  assert.throws(bad({ lengths: [1, 1, 1, -1, 3, 1] }), { name: 'RangeError', message: 'lengths[3] = -1 is negative (key "item_id", sample 1)' });
  assert.throws(bad({ lengths: [1, 1, 1, 1, 2, 2] }), { name: 'RangeError', message: 'lengths sum to 8, but values has 7 ids' });
  assert.throws(bad({ lengths: [1, 1, 1, 1, 2] }), { name: 'RangeError', message: /lengths has 5 entries for 3 keys/ });
  assert.throws(bad({ lengths: undefined, offsets: [0, 1, 2, 3, 2, 6, 7] }), { name: 'RangeError', message: 'offsets[4] = 2 < offsets[3] = 3: offsets must not decrease (key "item_id", sample 1)' });
  assert.throws(bad({ lengths: undefined, offsets: [0, 1, 2, 3, 9, 6, 7] }), { name: 'RangeError', message: 'offsets[4] = 9 is past the end of values (length 7)' });
  assert.throws(bad({ lengths: undefined, offsets: [0, 1, 2, 3, 4, 6, 8] }), { name: 'RangeError', message: 'offsets[6] = 8 is past the end of values (length 7)' });
  assert.throws(bad({ keys: ['user_id', 'item_id', 'nope'] }), { name: 'RangeError', message: /keys\[2\] = "nope" is not a feature of any table/ });
  assert.throws(bad({ keys: ['user_id', 'item_id', 'item_id'] }), { name: 'RangeError', message: 'keys[2] = "item_id" is given twice' });
  assert.throws(bad({ keys: ['user_id', 'item_id'], lengths: [1, 1, 1, 1] }), { name: 'RangeError', message: 'the KeyedJaggedTensor lacks feature "history" (table "t_item")' });
  assert.throws(bad({ weights: new Float32Array(7) }), { name: 'TypeError', message: /made without isWeighted/ });
  assert.throws(bad({ extra: 1 }), { name: 'TypeError', message: "unknown KeyedJaggedTensor key 'extra' (known: keys, values, lengths, offsets, weights)" });
  assert.throws(bad({ offsets: [0, 1, 2, 3, 4, 6, 7] }), { name: 'TypeError', message: /lengths or offsets \(one of them\)/ });
  assert.throws(bad({ values: new Float32Array(7) }), { name: 'TypeError', message: /values must be an Int32Array/ });
  // Nothing changed: the table (maxNorm renorms only on success), and what backward refers to.
  assert.deepEqual(Array.from(ebc.table('t_user').weight), afterGood);
  assert.notDeepEqual(afterGood, before);  // the good call did renorm
  assert.deepEqual(ebc.backward(gradValues), gradsOfGood);
  assert.throws(() => ebc.backward(new Float32Array(3)), { name: 'RangeError', message: /gradValues has length 3, expected 16/ });
  // A table used on its own in between: its inputs are no longer the collection's.
  ebc.forward(GOOD);
  ebc.table('t_item').forward([0], [0]);
  assert.throws(() => ebc.backward(new Float32Array(16)), { name: 'Error', message: /table "t_item" was used on its own/ });
  assert.throws(() => ebc.table('t_user').dispose(), /dispose the collection instead/);
  ebc.dispose();
  assert.throws(() => ebc.forward(GOOD), /disposed/);

  const config = { name: 't', numEmbeddings: 4, embeddingDim: 2, featureNames: ['a'] };
  assert.throws(() => new EmbeddingBagCollection([config, { ...config, featureNames: ['b'] }]), { name: 'TypeError', message: /two tables have this name/ });
  assert.throws(() => new EmbeddingBagCollection([config, { ...config, name: 'u' }]), { name: 'TypeError', message: /feature "a" is in two tables/ });
  assert.throws(() => new EmbeddingBagCollection([{ ...config, pooling: 'max' }], { isWeighted: true }), { name: 'TypeError', message: /takes no per-id weights/ });
  assert.throws(() => new EmbeddingBagCollection([{ ...config, pooling: 'median' }]), { name: 'RangeError', message: /pooling = "median"/ });
  assert.throws(() => new EmbeddingBagCollection([{ ...config, feature_names: ['a'] }]), { name: 'TypeError', message: /unknown tables\[0\] key 'feature_names' \(did you mean 'featureNames'\?\)/ });
  assert.throws(() => new EmbeddingBagCollection([]), { name: 'TypeError', message: /non-empty array/ });
  const weighted = new EmbeddingBagCollection([config], { isWeighted: true });
  assert.throws(() => weighted.forward({ keys: ['a'], values: [1], lengths: [1] }), { name: 'TypeError', message: /needs weights/ });
  weighted.dispose();
});

test('a forward that fails keeps the last one\'s gradients (sparse, per-id weights, another B and key order)', () => {
  const ebc = new EmbeddingBagCollection([
    { name: 'a', numEmbeddings: 6, embeddingDim: 3, featureNames: ['x'] },
    { name: 'b', numEmbeddings: 4, embeddingDim: 2, featureNames: ['y', 'z'] },
  ], { seed: 5, sparse: true, isWeighted: true });
  const kjt = { keys: ['x', 'y', 'z'], values: [0, 5, 1, 2, 3, 0, 1, 3], lengths: [2, 1, 1, 1, 3, 0], weights: [0.5, -1, 2, 0.25, 3, -0.5, 1.5, 4] };
  const gradValues = Float32Array.from({ length: ebc.forward(kjt).values.length }, (_, i) => i - 6);
  const before = ebc.backward(gradValues);
  assert.ok(before.perSampleWeights.some((v) => v !== 0));
  assert.throws(() => ebc.forward({ keys: ['z', 'y', 'x'], values: [1, 0, 9], lengths: [1, 1, 1], weights: [1, 1, 1] }),
    { name: 'RangeError', message: 'values[2] = 9 is out of range [0, 6) (key "x", sample 0, table "a")' });
  assert.deepEqual(ebc.backward(gradValues), before);
  ebc.dispose();
});

test('the KeyedTensor is TorchRec\'s: features in the collection\'s order whatever the KJT\'s; lengths and offsets agree; B = 0', () => {
  const ebc = twoTables();
  const a = ebc.forward(GOOD);
  assert.deepEqual(a.keys, ['user_id', 'item_id', 'history']);
  assert.deepEqual(a.lengthPerKey, [2, 3, 3]);
  assert.deepEqual(a.shape, [2, 8]);
  // The same bags in another key order and as int64 offsets.
  const b = ebc.forward({ keys: ['history', 'user_id', 'item_id'], values: BigInt64Array.from([0n, 1n, 2n, 1n, 2n, 3n, 4n]), offsets: [0, 2, 3, 4, 5, 6, 7] });
  sameBits(b.values, a.values, 'key order');
  const empty = ebc.forward({ keys: GOOD.keys, values: [], lengths: [] });
  assert.deepEqual(empty.shape, [0, 8]);
  const view = ebc.forward(GOOD, { copy: false });
  sameBits(view.values, a.values, 'view');
  ebc.dispose();
});

test('quantized tables (inference), per-id weights; toSafetensors / fromSafetensors with TorchRec state_dict names', async () => {
  const weight = Float32Array.from({ length: 40 }, (_, i) => Math.cos(i));
  const ebc = new EmbeddingBagCollection([
    { name: 'q', numEmbeddings: 10, embeddingDim: 4, featureNames: ['a', 'b'], pooling: 'sum', dtype: 'int8', weight },
    { name: 'f', numEmbeddings: 10, embeddingDim: 4, featureNames: ['c'], pooling: 'mean', dtype: 'fp16', weight },
  ], { isWeighted: true });
  const kjt = { keys: ['a', 'b', 'c'], values: [1, 2, 3, 4, 5, 6], lengths: [2, 0, 1, 1, 1, 1], weights: [1, 2, 0.5, 1, 1, 3] };
  const out = ebc.forward(kjt);
  const int8 = EmbeddingBag.quantize({ data: weight, shape: [10, 4] }, { dtype: 'int8', mode: 'sum' });
  sameBits(out.values.subarray(0, 4), int8.forward([1, 2], [0], [1, 2]).data, 'int8 row, weighted');
  assert.throws(() => ebc.backward(new Float32Array(24)), /table "q" is int8 \(quantized\), inference only/);
  int8.dispose();
  ebc.dispose();

  const trained = twoTables({ sparse: true });
  const file = trained.toSafetensors();
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + Number(new DataView(file.buffer).getBigUint64(0, true)))));
  assert.deepEqual(Object.keys(header).sort(), ['embedding_bags.t_item.weight', 'embedding_bags.t_user.weight']);
  const loaded = await EmbeddingBagCollection.fromSafetensors(file, [
    { name: 't_user', featureNames: ['user_id'], pooling: 'sum', maxNorm: 1 },
    { name: 't_item', featureNames: ['item_id', 'history'], pooling: 'mean' },
  ], { sparse: true });
  assert.deepEqual([loaded.table('t_item').numEmbeddings, loaded.table('t_item').embeddingDim], [5, 3]);
  sameBits(loaded.forward(GOOD).values, trained.forward(GOOD).values, 'loaded');
  assert.equal(loaded.sparse, true);
  await assert.rejects(EmbeddingBagCollection.fromSafetensors(file, [{ name: 't_user', numEmbeddings: 11, featureNames: ['x'] }]),
    { name: 'RangeError', message: 'table "t_user": numEmbeddings = 11 in its config, 10 in the file' });
  await assert.rejects(EmbeddingBagCollection.fromSafetensors(file, [{ name: 'nope', featureNames: ['x'] }]), { message: /no tensor 'embedding_bags\.nope\.weight'/ });
  loaded.dispose();
  trained.dispose();
});

test('dispose frees every table; [Symbol.dispose]; collections made and dropped leave nothing allocated', () => {
  const before = memoryInfo().allocatedBytes;
  for (let i = 0; i < 20; i++) {
    const ebc = twoTables({ sparse: i % 2 === 0 });
    ebc.forward(GOOD);
    ebc.backward(new Float32Array(16).fill(1));
    const table = ebc.table('t_item');
    if (typeof Symbol.dispose === 'symbol') ebc[Symbol.dispose]();
    else ebc.dispose();
    assert.equal(table.disposed, true);
    ebc.dispose();
  }
  assert.throws(() => new EmbeddingBagCollection([{ name: 'big', numEmbeddings: 2 ** 31 - 1, embeddingDim: 4096, featureNames: ['x'] }]), RangeError);
  assert.equal(memoryInfo().allocatedBytes, before);
});

test('forward(kjt, { out }): the KeyedTensor written into the caller\'s array; a wrong out is refused before anything runs', () => {
  const ebc = twoTables();
  const out = new Float32Array(2 * 8).fill(NaN);
  const kt = ebc.forward(GOOD, { out });
  assert.equal(kt.values, out);
  sameBits(out, ebc.forward(GOOD).values);
  assert.throws(() => ebc.forward(GOOD, { out: new Float32Array(15) }), { name: 'RangeError', message: 'out has length 15, expected 16 (B x sum of D = 2 x 8)' });
  assert.throws(() => ebc.forward(GOOD, { out: ebc.table('t_item').weight.subarray(0, 16) }), { name: 'TypeError', message: /out is a view of wasm memory/ });
  assert.throws(() => ebc.forward(GOOD, { out, copy: false }), TypeError);
  ebc.dispose();
});
