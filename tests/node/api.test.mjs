// The public API in Node: forms of input, modes, options, gradients,
// properties, the weight view, fromPretrained, the functional form.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bytesEqual, countingTable, EmbeddingBag, embeddingBag, info, init, memoryInfo, rng, testThreads } from './helpers.mjs';

test('init reports the variant and is idempotent', async () => {
  assert.equal(info.variant, testThreads > 1 ? 'simd-threaded' : 'simd');
  assert.equal(info.simd, true);
  assert.equal(info.threads, testThreads);
  assert.equal(info.reason, undefined);
  assert.deepEqual(await init({ threads: 1 }), info);
  await assert.rejects(init({ threads: 0 }), RangeError);
  await assert.rejects(init({ thread: 2 }), TypeError);
});

test('lucid example: 20 x 8 mean on [[1,3,5],[0,2,4]] has shape [2, 8]', () => {
  const bag = new EmbeddingBag(20, 8, { weight: countingTable(20, 8) });
  assert.equal(bag.mode, 'mean');  // the default, as in lucid and PyTorch
  const y = bag.forward([[1, 3, 5], [0, 2, 4]]);
  assert.deepEqual(y.shape, [2, 8]);
  assert.deepEqual(Array.from(y.data.subarray(0, 8)), [30, 31, 32, 33, 34, 35, 36, 37]);
  assert.deepEqual(Array.from(y.data.subarray(8)), [20, 21, 22, 23, 24, 25, 26, 27]);
  bag.dispose();
});

test('lucid example: 10 x 4 sum with offsets [0, 2, 5] has shape [3, 4]', () => {
  const bag = new EmbeddingBag(10, 4, { mode: 'sum', weight: countingTable(10, 4) });
  const y = bag.forward([0, 1, 2, 3, 4, 5], [0, 2, 5]);
  assert.deepEqual(y.shape, [3, 4]);
  assert.deepEqual(Array.from(y.data), [10, 12, 14, 16, 90, 93, 96, 99, 50, 51, 52, 53]);
  bag.dispose();
});

test('every input form gives the same result', () => {
  const bag = new EmbeddingBag(7, 3, { mode: 'max', weight: countingTable(7, 3) });
  const want = Array.from(bag.forward([6, 0, 2, 4], [0, 2]).data);
  const forms = [
    [new Int32Array([6, 0, 2, 4]), new Int32Array([0, 2])],
    [new BigInt64Array([6n, 0n, 2n, 4n]), new BigInt64Array([0n, 2n])],
    [new Int32Array([6, 0, 2, 4]), new BigInt64Array([0n, 2n])],
    [new BigInt64Array([6n, 0n, 2n, 4n]), [0, 2]],
    [[[6, 0], [2, 4]], null],
    [{ data: new Int32Array([6, 0, 2, 4]), shape: [2, 2] }, null],
    [{ data: new BigInt64Array([6n, 0n, 2n, 4n]), shape: [2, 2] }, null],
    [{ data: [6, 0, 2, 4], shape: [2, 2] }, undefined],
  ];
  for (const [input, offsets] of forms) assert.deepEqual(Array.from(bag.forward(input, offsets).data), want);
  assert.deepEqual(want, [60, 61, 62, 40, 41, 42]);
  bag.dispose();
});

test('padding, include_last_offset and per-sample weights', () => {
  const w = countingTable(6, 2);
  const mean = new EmbeddingBag(6, 2, { weight: w, paddingIdx: -1 });
  assert.equal(mean.paddingIdx, 5);  // stored wrapped, as PyTorch does
  assert.deepEqual(Array.from(mean.forward([5, 1, 5, 3, 5, 5], [0, 4]).data), [20, 21, 0, 0]);
  const last = new EmbeddingBag(6, 2, { weight: w, includeLastOffset: true });
  const y = last.forward([1, 2, 3, 4, 4], [0, 2, 3]);  // bags [1, 2], [3]; the 4s are ignored
  assert.deepEqual(y.shape, [2, 2]);
  assert.deepEqual(Array.from(y.data), [15, 16, 30, 31]);
  const sum = new EmbeddingBag(6, 2, { mode: 'sum', weight: w });
  const s = sum.forward([1, 3], [0], new Float32Array([2, 0.5]));
  assert.deepEqual(Array.from(s.data), [35, 37.5]);
  const g = sum.backward(new Float32Array([1, 2]));
  assert.deepEqual(Array.from(g.perSampleWeights), [10 + 2 * 11, 30 + 2 * 31]);
  assert.deepEqual(Array.from(g.weight.subarray(2, 4)), [2, 4]);
  assert.deepEqual(Array.from(g.weight.subarray(6, 8)), [0.5, 1]);
  // per-sample weights of a 2-D input, as rows
  const s2 = sum.forward([[1], [3]], null, [[2], [0.5]]);
  assert.deepEqual(Array.from(s2.data), [20, 22, 15, 15.5]);
  for (const b of [mean, last, sum]) b.dispose();
});

test('backward: dense, sparse (coalesced), max, scale_grad_by_freq [1, 1, 3]', () => {
  const w = countingTable(4, 2);
  const dense = new EmbeddingBag(4, 2, { mode: 'sum', weight: w, scaleGradByFreq: true });
  dense.forward([1, 1, 3], [0]);
  const gd = dense.backward({ data: new Float32Array([6, 12]), shape: [1, 2] });
  assert.deepEqual(Array.from(gd.weight), [0, 0, 6, 12, 0, 0, 6, 12]);
  assert.equal(gd.perSampleWeights, null);
  const sparse = new EmbeddingBag(4, 2, { mode: 'sum', weight: w, scaleGradByFreq: true, sparse: true });
  sparse.forward([3, 1, 1], [0]);
  const gs = sparse.backward(new Float32Array([6, 12]));
  assert.deepEqual(Array.from(gs.weight.indices), [1, 3]);
  assert.deepEqual(Array.from(gs.weight.values), [6, 12, 6, 12]);
  assert.deepEqual(gs.weight.shape, [4, 2]);
  const max = new EmbeddingBag(3, 2, { mode: 'max', weight: new Float32Array([1, 5, 3, 5, 3, 2]) });
  assert.deepEqual(Array.from(max.forward([0, 1, 2, 2, 1], [0, 3]).data), [3, 5, 3, 5]);
  assert.deepEqual(Array.from(max.backward(new Float32Array([1, 2, 4, 8])).weight), [0, 2, 1, 8, 4, 0]);
  for (const b of [dense, sparse, max]) b.dispose();
});

test('backward uses the most recent forward', () => {
  const bag = new EmbeddingBag(5, 1, { mode: 'sum', weight: countingTable(5, 1) });
  bag.forward([1], [0]);
  bag.forward([2, 3], [0, 1]);
  assert.deepEqual(Array.from(bag.backward(new Float32Array([1, 2])).weight), [0, 0, 1, 2, 0]);
  bag.dispose();
});

test('read-only properties mirror the options', () => {
  const bag = new EmbeddingBag(9, 4, {
    mode: 'sum', maxNorm: 1.5, normType: 3, scaleGradByFreq: true, sparse: true, paddingIdx: 2, includeLastOffset: true, seed: 3,
  });
  assert.equal(bag.numEmbeddings, 9);
  assert.equal(bag.embeddingDim, 4);
  assert.equal(bag.mode, 'sum');
  assert.equal(bag.maxNorm, 1.5);
  assert.equal(bag.normType, 3);
  assert.equal(bag.scaleGradByFreq, true);
  assert.equal(bag.sparse, true);
  assert.equal(bag.paddingIdx, 2);
  assert.equal(bag.includeLastOffset, true);
  assert.throws(() => { 'use strict'; bag.mode = 'max'; }, TypeError);
  bag.dispose();
  assert.equal(bag.disposed, true);
});

test('default init: N(0, 1), padding row zero, reproducible from a seed', () => {
  const a = new EmbeddingBag(500, 64, { seed: 7, paddingIdx: 3 });
  const b = new EmbeddingBag(500, 64, { seed: 7, paddingIdx: 3 });
  const c = new EmbeddingBag(500, 64, { seed: 8n });
  assert.deepEqual(a.weight, b.weight);
  assert.notDeepEqual(a.weight, c.weight);
  assert.ok(a.weight.subarray(3 * 64, 4 * 64).every((v) => v === 0));
  const w = c.weight;
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  for (const x of [a, b, c]) x.dispose();
});

test('weight is a live view of the table, refreshed after memory growth', () => {
  const bag = new EmbeddingBag(4, 2, { mode: 'sum', weight: countingTable(4, 2) });
  const view = bag.weight;
  view[2] = 100;  // writes go to the table
  assert.deepEqual(Array.from(bag.forward([1], [0]).data), [100, 11]);
  const heapBefore = memoryInfo().heapBytes;
  const big = new EmbeddingBag(100000, 100, { seed: 1 });  // 40 MB: the heap grows
  assert.ok(memoryInfo().heapBytes > heapBefore);
  if (info.variant === 'simd') assert.equal(view.length, 0, 'the old view is detached');
  else assert.notEqual(view.buffer, bag.weight.buffer, 'a shared heap: the old view keeps the old buffer');
  assert.equal(bag.weight.length, 8);
  assert.equal(bag.weight[2], 100);
  assert.deepEqual(Array.from(bag.forward([1], [0]).data), [100, 11]);
  big.dispose();
  bag.dispose();
});

test('maxNorm renormalises the referenced rows in place', () => {
  const bag = new EmbeddingBag(3, 2, { mode: 'sum', maxNorm: 1, weight: new Float32Array([3, 4, 0.3, 0.4, 6, 8]) });
  bag.forward([0, 1], [0]);
  const w = bag.weight;
  assert.ok(Math.abs(w[0] - 0.6) < 1e-6 && Math.abs(w[1] - 0.8) < 1e-6);
  assert.deepEqual([w[2], w[3], w[4], w[5]], [Math.fround(0.3), Math.fround(0.4), 6, 8]);
  bag.dispose();
});

test('fromPretrained copies the table in', () => {
  const data = countingTable(5, 3);
  const bag = EmbeddingBag.fromPretrained({ data, shape: [5, 3] }, { mode: 'sum' });
  data[0] = 99;  // copied, not shared
  assert.deepEqual(Array.from(bag.forward([0, 4], [0]).data), [40, 42, 44]);
  assert.throws(() => EmbeddingBag.fromPretrained({ data, shape: [4, 3] }), /length 15, expected 12/);
  bag.dispose();
});

test('embeddingBag (functional) matches the module, renorms in place with maxNorm', () => {
  const weight = { data: countingTable(10, 4), shape: [10, 4] };
  const y = embeddingBag(weight, [0, 1, 2, 3, 4, 5], [0, 2, 5], { mode: 'sum' });
  assert.deepEqual(Array.from(y.data), [10, 12, 14, 16, 90, 93, 96, 99, 50, 51, 52, 53]);
  assert.deepEqual(Array.from(embeddingBag(weight, [[1, 3, 5], [0, 2, 4]]).data.subarray(0, 2)), [30, 31]);
  const w2 = { data: new Float32Array([3, 4, 6, 8]), shape: [2, 2] };
  embeddingBag(w2, [1], [0], { maxNorm: 1 });
  assert.ok(Math.abs(w2.data[2] - 0.6) < 1e-6);
  assert.equal(w2.data[0], 3);
  const psw = embeddingBag(weight, [1, 2], [0], { mode: 'sum', perSampleWeights: [1, -1] });
  assert.deepEqual(Array.from(psw.data), [-10, -10, -10, -10]);
});

test('empty bags, empty batches', () => {
  const bag = new EmbeddingBag(5, 2, { mode: 'max', weight: countingTable(5, 2) });
  assert.deepEqual(Array.from(bag.forward([3, 4], [0, 0, 2, 2]).data), [0, 0, 40, 41, 0, 0, 0, 0]);
  const none = bag.forward([], []);
  assert.deepEqual(none.shape, [0, 2]);
  assert.equal(none.data.length, 0);
  assert.deepEqual(bag.forward({ data: [], shape: [3, 0] }).shape, [3, 2]);
  bag.dispose();
});

test('outputs are fresh arrays, not views of the heap', () => {
  const bag = new EmbeddingBag(3, 2, { mode: 'sum', weight: countingTable(3, 2) });
  const a = bag.forward([1], [0]);
  const b = bag.forward([2], [0]);
  assert.deepEqual(Array.from(a.data), [10, 11]);
  assert.notEqual(a.data.buffer, b.data.buffer);
  bag.dispose();
});

test('{ copy: false }: outputs and gradients as views of wasm memory, same values, overwritten by the next call', () => {
  const weight = countingTable(6, 4);
  for (const sparse of [false, true]) {
    const bag = new EmbeddingBag(6, 4, { mode: 'sum', weight, sparse });
    const copied = bag.forward([1, 2, 5, 5], [0, 2], [0.5, 2, 1, 3]);
    const view = bag.forward([1, 2, 5, 5], [0, 2], [0.5, 2, 1, 3], { copy: false });
    assert.deepEqual(view.shape, copied.shape);
    assert.deepEqual(Array.from(view.data), Array.from(copied.data));
    assert.equal(view.data.buffer, bag.weight.buffer, 'a view of the wasm heap');
    const grad = new Float32Array(8).map((_, k) => k + 1);
    const gradCopied = bag.backward(grad);
    const gradView = bag.backward(grad, { copy: false });
    if (sparse) {
      assert.deepEqual(Array.from(gradView.weight.indices), Array.from(gradCopied.weight.indices));
      assert.deepEqual(Array.from(gradView.weight.values), Array.from(gradCopied.weight.values));
      assert.equal(gradView.weight.values.buffer, bag.weight.buffer);
    } else {
      assert.deepEqual(Array.from(gradView.weight), Array.from(gradCopied.weight));
      assert.equal(gradView.weight.buffer, bag.weight.buffer);
    }
    assert.deepEqual(Array.from(gradView.perSampleWeights), Array.from(gradCopied.perSampleWeights));
    // The next forward writes over the viewed output; the copy keeps its values.
    bag.forward([0, 0, 0, 0], [0, 2], [1, 1, 1, 1], { copy: false });
    assert.deepEqual(Array.from(view.data), [0, 2, 4, 6, 0, 2, 4, 6]);
    assert.deepEqual(Array.from(copied.data), [45, 47.5, 50, 52.5, 200, 204, 208, 212]);
    // A copying backward after a viewing one still works (and frees the buffers).
    assert.deepEqual(bag.backward(grad).perSampleWeights.length, 4);
    bag.dispose();
  }
});

test('a copied dense gradient equals the view, bit for bit, whether copied whole or by runs of named rows', () => {
  // Few indices (<= N/8) are copied row run by row run: runs that start and
  // end at row 0, N - 1 and around bitmap words (31 | 32 | 33), runs longer
  // and shorter than 64 floats; many indices take one slice.
  const next = rng(71);
  const layouts = [
    [1, [0]], [8, [7]], [33, [0, 32]], [64, [31, 32]], [65, [32, 64]], [100, [30, 31, 32, 33, 34, 63, 64, 99]],
    [1000, [0, 1, 2, 500, 998, 999]], [4096, Array.from({ length: 40 }, (_, k) => 1000 + k)],
  ];
  let cases = 0;
  for (const [n, named] of layouts) {
    for (const d of [1, 3, 16, 70]) {
      for (const many of [false, true]) {
        const rows = many ? Array.from({ length: n }, () => Math.floor(next() * n)) : named;
        for (const [mode, options] of [['sum', {}], ['mean', { paddingIdx: rows[0] }], ['max', {}]]) {
          const bag = new EmbeddingBag(n, d, { mode, seed: 5 + n, ...options });
          const indices = many || next() < 0.5 ? Int32Array.from(rows) : BigInt64Array.from(rows, BigInt);
          const offsets = [0, Math.floor(rows.length / 2)];
          bag.forward(indices, offsets);
          const grad = Float32Array.from({ length: 2 * d }, () => next() * 2 - 1);
          const copied = bag.backward(grad).weight;
          const view = bag.backward(grad, { copy: false }).weight;
          assert.ok(bytesEqual(copied, view), `N=${n} D=${d} ${mode} ${many ? 'many' : 'few'} indices`);
          assert.ok(copied.some((v) => v !== 0) || mode === 'mean', 'a gradient with something in it');
          bag.dispose();
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 8 * 4 * 2 * 3);
});

test('forward / backward options are checked before anything runs', () => {
  const bag = new EmbeddingBag(3, 2, { mode: 'sum', weight: countingTable(3, 2) });
  const before = bag.forward([1], [0]);
  assert.throws(() => bag.forward([2], [0], null, { copy: 'no' }), { name: 'TypeError', message: 'copy = "no" must be true or false' });
  assert.throws(() => bag.forward([2], [0], null, { cpy: false }), { name: 'TypeError', message: "unknown forward option 'cpy' (did you mean 'copy'?) (known: copy, out)" });
  assert.throws(() => bag.forward([2], [0], null, 5), { name: 'TypeError', message: 'forward options must be an object, not 5' });
  assert.throws(() => bag.backward(new Float32Array(2), null), { name: 'TypeError', message: 'backward options must be an object, not null' });
  // The failed forwards changed nothing: backward still answers for [1].
  const g = bag.backward(new Float32Array([1, 1]));
  assert.deepEqual(Array.from(g.weight), [0, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(before.data), [10, 11]);
  bag.dispose();
});

test('forward(..., { out }): the result written into the caller\'s array and returned as data; wrong out changes nothing', () => {
  const bag = new EmbeddingBag(10, 3, { mode: 'sum', seed: 1, maxNorm: 1 });
  const out = new Float32Array(6).fill(NaN);
  const y = bag.forward([1, 2, 3], [0, 1], null, { out });
  assert.equal(y.data, out);
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(Array.from(out), Array.from(bag.forward([1, 2, 3], [0, 1]).data));
  // Reused: 2-D input, the same array again.
  assert.equal(bag.forward({ data: Int32Array.of(4, 5, 6, 7), shape: [2, 2] }, null, null, { out }).data, out);
  assert.deepEqual(Array.from(out), Array.from(bag.forward([[4, 5], [6, 7]]).data));
  const fresh = new EmbeddingBag(10, 3, { mode: 'sum', seed: 2, maxNorm: 0.5 });
  const before = Float32Array.from(fresh.weight);
  const refused = [
    [{ out: new Float32Array(5) }, RangeError, 'out has length 5, expected 6 (numBags x embeddingDim = 2 x 3)'],
    [{ out: [0, 0, 0, 0, 0, 0] }, TypeError, 'out = array(6) must be a Float32Array'],
    [{ out: new Float32Array(6), copy: false }, TypeError, 'out and copy: false cannot be given together: out is where the result is copied'],
    [{ out: fresh.weight.subarray(0, 6) }, TypeError, 'out is a view of wasm memory (a result or a weight of the package): pass an array of your own'],
  ];
  for (const [options, type, message] of refused) {
    assert.throws(() => fresh.forward([1, 2, 3], [0, 1], null, options), { name: type.name, message });
    assert.deepEqual(fresh.weight, before, 'maxNorm renormalised nothing');
  }
  for (const b of [bag, fresh]) b.dispose();
});
