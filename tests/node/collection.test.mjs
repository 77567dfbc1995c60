// EmbeddingBagCollection against its definition: one EmbeddingBag per
// (feature, table) with the table's weights, outputs concatenated in the
// collection's order (TorchRec's KeyedTensor), and each table's gradient the
// gradient of one bag call over its features' bags stacked in that order.
// Random configs and KeyedJaggedTensors, bit for bit, on the variant the
// suite runs (npm test: both); errors that name key, sample and table and
// change nothing; loading and saving TorchRec state_dict names; no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EmbeddingBag, EmbeddingBagCollection, memoryInfo, rng } from './helpers.mjs';

const POOLINGS = ['sum', 'mean', 'max', 'sqrtn'];
const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (actual, expected, what) => assert.deepEqual(bits(actual), bits(Float32Array.from(expected)), what);

// A random collection config and a KJT for it.
function randomCase(seed) {
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  const isWeighted = random() < 0.3;
  const sparse = random() < 0.5;
  const tables = [];
  let featureCount = 0;
  for (let t = 0, n = 1 + int(4); t < n; t++) {
    const numEmbeddings = 1 + int(30);
    const embeddingDim = 1 + int(12);
    const pools = POOLINGS.filter((p) => !(isWeighted && p === 'max') && !(sparse && p === 'max'));
    const pooling = pools[int(pools.length)];
    const featureNames = Array.from({ length: 1 + int(3) }, () => `f${featureCount++}`);
    const weight = Float32Array.from({ length: numEmbeddings * embeddingDim }, () => random() * 4 - 2);
    const config = { name: `t${t}`, numEmbeddings, embeddingDim, featureNames, pooling, weight };
    if (random() < 0.3) config.paddingIdx = int(numEmbeddings);
    tables.push(config);
  }
  const features = tables.flatMap((c, t) => c.featureNames.map((name) => ({ name, table: t })));
  const keys = features.map((f) => f.name).sort(() => random() - 0.5);
  const batch = int(6);
  const lengths = [];
  const values = [];
  for (const key of keys) {
    const { table } = features.find((f) => f.name === key);
    for (let b = 0; b < batch; b++) {
      const length = int(5);
      lengths.push(length);
      for (let i = 0; i < length; i++) values.push(int(tables[table].numEmbeddings));
    }
  }
  const weights = isWeighted ? values.map(() => random() * 2) : undefined;
  const form = int(3);
  const kjt = { keys, weights };
  kjt.values = form === 0 ? values : form === 1 ? Int32Array.from(values) : BigInt64Array.from(values, BigInt);
  if (random() < 0.5) kjt.lengths = random() < 0.5 ? lengths : Int32Array.from(lengths);
  else kjt.offsets = lengths.reduce((o, l) => [...o, o.at(-1) + l], [0]);
  return { tables, options: { sparse, isWeighted }, kjt, keys, lengths, values, weights, batch, features };
}

// The definition: per feature, one EmbeddingBag over the table's weights;
// per table, one bag call over its features' bags stacked in the
// collection's order, for the gradients.
function reference({ tables, options, keys, lengths, values, weights, batch }, grad, totalDim) {
  const spans = new Map(); // key -> { ids, lengths, weights, begin }
  let at = 0;
  keys.forEach((key, k) => {
    const ls = lengths.slice(k * batch, (k + 1) * batch);
    const count = ls.reduce((a, b) => a + b, 0);
    spans.set(key, { ids: values.slice(at, at + count), lengths: ls, weights: weights?.slice(at, at + count), begin: at });
    at += count;
  });
  const output = new Float32Array(batch * totalDim);
  const tableGrads = {};
  const pswGrad = weights ? new Float32Array(values.length) : null;
  let column = 0;
  tables.forEach((config) => {
    const bag = new EmbeddingBag(config.numEmbeddings, config.embeddingDim, {
      mode: config.pooling, weight: config.weight, paddingIdx: config.paddingIdx, sparse: options.sparse,
    });
    const ids = [];
    const offsets = [];
    const psw = [];
    const d = config.embeddingDim;
    const stackedGrad = new Float32Array(config.featureNames.length * batch * d);
    config.featureNames.forEach((name, j) => {
      const span = spans.get(name);
      let start = ids.length;
      for (const l of span.lengths) {
        offsets.push(start);
        start += l;
      }
      ids.push(...span.ids);
      if (weights) psw.push(...span.weights);
      for (let b = 0; b < batch; b++) {
        for (let c = 0; c < d; c++) stackedGrad[(j * batch + b) * d + c] = grad[b * totalDim + column + j * d + c];
      }
    });
    const y = bag.forward(ids, offsets, weights ? psw : null);
    config.featureNames.forEach((_, j) => {
      for (let b = 0; b < batch; b++) {
        output.set(y.data.subarray((j * batch + b) * d, (j * batch + b + 1) * d), b * totalDim + column + j * d);
      }
    });
    const g = bag.backward(stackedGrad);
    tableGrads[config.name] = g.weight;
    if (weights) {
      let offset = 0;
      for (const name of config.featureNames) {
        const span = spans.get(name);
        pswGrad.set(g.perSampleWeights.subarray(offset, offset + span.ids.length), span.begin);
        offset += span.ids.length;
      }
    }
    column += config.featureNames.length * d;
    bag.dispose();
  });
  return { output, tableGrads, pswGrad };
}

test('random collections and KeyedJaggedTensors equal one EmbeddingBag per (feature, table), bit for bit, with their gradients', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const c = randomCase(seed);
    const ebc = new EmbeddingBagCollection(c.tables, c.options);
    const out = ebc.forward(c.kjt);
    const totalDim = ebc.lengthPerKey.reduce((a, b) => a + b, 0);
    assert.deepEqual(out.keys, c.tables.flatMap((t) => t.featureNames));
    assert.deepEqual(out.shape, [c.batch, totalDim]);
    const grad = Float32Array.from({ length: c.batch * totalDim }, (_, i) => Math.sin(i + seed));
    const want = reference(c, grad, totalDim);
    sameBits(out.values, want.output, `seed ${seed}: output`);
    const g = ebc.backward(grad);
    for (const config of c.tables) {
      const got = g.weight[config.name];
      const expected = want.tableGrads[config.name];
      if (c.options.sparse) {
        assert.deepEqual(got.indices, expected.indices, `seed ${seed}: ${config.name} rows`);
        sameBits(got.values, expected.values, `seed ${seed}: ${config.name} sparse values`);
      } else {
        sameBits(got, expected, `seed ${seed}: ${config.name} dense`);
      }
    }
    if (c.weights) sameBits(g.perSampleWeights, want.pswGrad, `seed ${seed}: per-id weights`);
    else assert.equal(g.perSampleWeights, null);
    ebc.dispose();
  }
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
  assert.throws(bad({ lengths: undefined, offsets: [0, 1, 2, 3, 2, 6, 7] }), { name: 'RangeError', message: 'offsets[4] = 2 is less than offsets[3] (key "item_id", sample 1)' });
  assert.throws(bad({ keys: ['user_id', 'item_id', 'nope'] }), { name: 'RangeError', message: /keys\[2\] = "nope" is not a feature of any table/ });
  assert.throws(bad({ keys: ['user_id', 'item_id', 'item_id'] }), { name: 'RangeError', message: 'keys[2] = "item_id" is given twice' });
  assert.throws(bad({ keys: ['user_id', 'item_id'], lengths: [1, 1, 1, 1] }), { name: 'RangeError', message: 'the KeyedJaggedTensor lacks feature "history" (table "t_item")' });
  assert.throws(bad({ weights: new Float32Array(7) }), { name: 'TypeError', message: /made without isWeighted/ });
  assert.throws(bad({ extra: 1 }), { name: 'TypeError', message: /unknown KeyedJaggedTensor key 'extra'/ });
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
