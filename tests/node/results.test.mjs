// Caller-owned results ({ out } of backward() and step(), forward's in
// api.test.mjs): written into the caller's arrays bit for bit as the copies
// would be, refused before anything runs (or, for a sparse capacity, before
// anything is written), and a loop that reuses them grows nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EmbeddingBag, EmbeddingBagCollection, memoryInfo } from './helpers.mjs';
import { smallInputs } from '../../js/registry.mjs';

const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (actual, expected, what) => assert.deepEqual(bits(actual), bits(expected), what);

// A bag and a batch with per-sample weights; its gradOutput.
function setup(options) {
  const bag = new EmbeddingBag(40, 3, { mode: 'sum', seed: 5, ...options });
  const indices = Int32Array.of(3, 7, 3, 0, 39, 7);
  const offsets = Int32Array.of(0, 2, 2, 5);
  const psw = Float32Array.of(0.5, -1, 2, 0.25, 1, 3);
  const grad = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 1.5);
  return { bag, run: () => bag.forward(indices, offsets, psw), grad };
}

test('backward({ out, perSampleWeightsOut }), dense: the copy\'s bits in the caller\'s arrays, on the row-runs path and the whole-slice path', () => {
  // 6 indices over 40 rows: the row-runs copy (zeroes the rest); over 8 rows: one slice.
  for (const n of [40, 8]) {
    const bag = new EmbeddingBag(n, 3, { mode: 'sum', seed: 5 });
    const indices = Int32Array.of(3, 7, 3, 0, 5, 7);
    bag.forward(indices, Int32Array.of(0, 2, 2, 5), Float32Array.of(0.5, -1, 2, 0.25, 1, 3));
    const grad = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 1.5);
    const expected = bag.backward(grad);
    const out = new Float32Array(n * 3).fill(NaN);
    const pswOut = new Float32Array(6).fill(NaN);
    const g = bag.backward(grad, { out, perSampleWeightsOut: pswOut });
    assert.equal(g.weight, out);
    assert.equal(g.perSampleWeights, pswOut);
    sameBits(out, expected.weight, `n = ${n}`);
    sameBits(pswOut, expected.perSampleWeights);
    bag.dispose();
  }
});

test('backward({ out: { indices, values } }), sparse: written into the capacity, returned as subarrays; too small is a RangeError naming the size needed', () => {
  const { bag, run, grad } = setup({ sparse: true });
  run();
  const expected = bag.backward(grad);
  assert.equal(expected.weight.indices.length, 4); // rows 0, 3, 7, 39
  const out = { indices: new Int32Array(10).fill(-1), values: new Float32Array(30).fill(NaN) };
  const g = bag.backward(grad, { out });
  assert.equal(g.weight.indices.buffer, out.indices.buffer);
  assert.equal(g.weight.values.buffer, out.values.buffer);
  assert.deepEqual(g.weight.indices, expected.weight.indices);
  sameBits(g.weight.values, expected.weight.values);
  assert.deepEqual(g.weight.shape, [40, 3]);
  assert.deepEqual(Array.from(out.indices.subarray(4)), [-1, -1, -1, -1, -1, -1], 'nothing written past the rows');
  // Exactly enough works; one row or value short is refused, nothing written.
  bag.backward(grad, { out: { indices: new Int32Array(4), values: new Float32Array(12) } });
  const short = { indices: new Int32Array(3).fill(-1), values: new Float32Array(30).fill(NaN) };
  assert.throws(() => bag.backward(grad, { out: short }), {
    name: 'RangeError',
    message: 'out.indices holds 3 elements, too few for this result: it needs at least 4 (the gradient has 4 rows)',
  });
  assert.throws(() => bag.backward(grad, { out: { indices: new Int32Array(4), values: short.values.subarray(0, 11) } }), {
    name: 'RangeError',
    message: 'out.values holds 11 elements, too few for this result: it needs at least 12 (4 rows x embeddingDim 3)',
  });
  assert.deepEqual(Array.from(short.indices), [-1, -1, -1]);
  assert.ok(short.values.every(Number.isNaN));
  // The refusals changed nothing: the same gradient again.
  sameBits(bag.backward(grad).weight.values, expected.weight.values);
  bag.dispose();
});

test('backward and step out: wrong types, sizes, wasm views and detached arrays are refused before the call; the bag is unchanged', () => {
  const { bag, run, grad } = setup({ optimizer: { name: 'sgd', lr: 0.5 } });
  run();
  const before = Float32Array.from(bag.weight);
  const detached = new Float32Array(120);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const refusals = [
    [{ out: new Float32Array(119) }, RangeError, 'out has length 119, expected 120 (numEmbeddings x embeddingDim = 40 x 3: the dense weight gradient)'],
    [{ out: { indices: new Int32Array(9), values: new Float32Array(27) } }, TypeError, 'out = Object must be a Float32Array'],
    [{ out: detached }, TypeError, 'out is detached (its buffer was transferred): pass a live array'],
    [{ out: bag.weight }, TypeError, 'out is a view of wasm memory (a result or a weight of the package): pass an array of your own'],
    [{ perSampleWeightsOut: new Float32Array(5) }, RangeError, 'perSampleWeightsOut has length 5, expected 6 (one per index of the last forward)'],
    [{ perSampleWeightsOut: new Float64Array(6) }, TypeError, 'perSampleWeightsOut = Float64Array must be a Float32Array'],
    [{ perSampleWeightsOut: new Float32Array(6), copy: false }, TypeError, 'perSampleWeightsOut and copy: false cannot be given together: perSampleWeightsOut is where the result is copied'],
    [{ outs: 1 }, TypeError, "unknown backward option 'outs' (did you mean 'out'?) (known: copy, out, perSampleWeightsOut)"],
  ];
  for (const [options, type, message] of refusals) {
    assert.throws(() => bag.backward(grad, options), { name: type.name, message });
  }
  assert.throws(() => bag.step(grad, { out: new Float32Array(7) }), {
    name: 'RangeError', message: "out has length 7, expected 6 (one per index of the last forward: the per-sample weights' gradient)",
  });
  assert.throws(() => bag.step(grad, { perSampleWeightsOut: new Float32Array(6) }), { name: 'TypeError', message: "unknown step option 'perSampleWeightsOut' (known: copy, out)" });
  sameBits(bag.weight, before, 'no step ran');
  assert.equal(bag.optimizer.step, 0);
  // The sparse shape is refused on a dense bag and the dense one on a sparse bag.
  const sparse = new EmbeddingBag(4, 2, { sparse: true });
  sparse.forward([1], [0]);
  assert.throws(() => sparse.backward(new Float32Array(2), { out: new Float32Array(8) }), {
    name: 'TypeError', message: 'out = Float32Array must be { indices: Int32Array, values: Float32Array }: the weight gradient is sparse (sparse: true)',
  });
  assert.throws(() => sparse.backward(new Float32Array(2), { out: { indices: new Uint32Array(1), values: new Float32Array(2) } }), {
    name: 'TypeError', message: 'out.indices = Uint32Array must be an Int32Array',
  });
  // An out whose getter disposes the bag: a clean Error, the module unharmed.
  const disposing = { get indices() { sparse.dispose(); return new Int32Array(4); }, values: new Float32Array(8) };
  assert.throws(() => sparse.backward(new Float32Array(2), { out: disposing }), { name: 'Error', message: 'this EmbeddingBag was disposed' });
  for (const b of [bag, sparse]) b.dispose();
});

test('step({ out }): the per-sample weights\' gradient in the caller\'s array, as the copy; without per-sample weights {} and out untouched', () => {
  const a = setup({ optimizer: { name: 'adagrad', lr: 0.1 } });
  const b = setup({ optimizer: { name: 'adagrad', lr: 0.1 } });
  const out = new Float32Array(6).fill(NaN);
  for (let k = 0; k < 3; k++) {
    a.run();
    b.run();
    const copied = a.bag.step(a.grad).perSampleWeights;
    const written = b.bag.step(b.grad, { out }).perSampleWeights;
    assert.equal(written, out);
    sameBits(out, copied, `step ${k}`);
  }
  sameBits(b.bag.weight, a.bag.weight);
  const plain = new Float32Array(3).fill(7);
  a.bag.forward([1, 2], [0, 1]);
  assert.deepEqual(a.bag.step(new Float32Array(6), { out: plain }), {});
  assert.deepEqual(Array.from(plain), [7, 7, 7]);
  for (const s of [a, b]) s.bag.dispose();
});

test('a training loop that reuses its out arrays grows no wasm memory and gives the bits of the copying loop', () => {
  for (const sparse of [false, true]) {
    const copying = setup({ sparse, optimizer: { name: 'sgd', lr: 0.1 } });
    const reusing = setup({ sparse, optimizer: { name: 'sgd', lr: 0.1 } });
    const y = new Float32Array(12);
    const weightOut = sparse ? { indices: new Int32Array(6), values: new Float32Array(18) } : new Float32Array(120);
    const pswOut = new Float32Array(6);
    const loop = (s, options) => {
      const data = s.run().data;
      const g = s.bag.backward(data, options.backward);
      s.bag.forward(Int32Array.of(3, 7, 3, 0, 39, 7), Int32Array.of(0, 2, 2, 5), Float32Array.of(0.5, -1, 2, 0.25, 1, 3), options.forward);
      s.bag.step(s.grad, options.step);
      return g;
    };
    const options = { forward: { out: y }, backward: { out: weightOut, perSampleWeightsOut: pswOut }, step: { out: pswOut } };
    loop(copying, {});
    loop(reusing, options);
    const used = memoryInfo().usedBytes;
    for (let k = 0; k < 20; k++) {
      const expected = loop(copying, {});
      const got = loop(reusing, options);
      sameBits(sparse ? got.weight.values : got.weight, sparse ? expected.weight.values : expected.weight, `sparse ${sparse}, iteration ${k}`);
    }
    assert.equal(memoryInfo().usedBytes, used);
    sameBits(reusing.bag.weight, copying.bag.weight);
    for (const s of [copying, reusing]) s.bag.dispose();
  }
});

test('forward: flat Int32Array indices and offsets (the path without pinning) give the bits of the same call as arrays, for every mode, with and without out', () => {
  const indices = Int32Array.of(4, 0, 9, 9, 2, 7, 1, 3);
  const offsets = Int32Array.of(0, 3, 3, 5);
  for (const mode of ['sum', 'mean', 'max']) {
    for (const includeLastOffset of [false, true]) {
      const bag = new EmbeddingBag(10, 5, { mode, seed: 9, includeLastOffset, paddingIdx: 9 });
      const general = bag.forward(Array.from(indices), Array.from(offsets)).data;
      const flat = bag.forward(indices, offsets).data;
      sameBits(flat, general, `${mode}, includeLastOffset ${includeLastOffset}`);
      const out = new Float32Array(general.length).fill(NaN);
      assert.equal(bag.forward(indices, offsets, null, { out }).data, out);
      sameBits(out, general);
      // Its backward: the gradients of the flat forward, as of the general one.
      const grad = Float32Array.from({ length: general.length }, (_, i) => i - 3);
      const fromFlat = bag.backward(grad).weight;
      bag.forward(Array.from(indices), Array.from(offsets));
      sameBits(fromFlat, bag.backward(grad).weight);
      bag.dispose();
    }
  }
});

test('forward: a small flat call (one crossing into wasm) and a larger one give the bits of the same call as arrays, across the size where the paths meet; its refusals change nothing', () => {
  const small = smallInputs();
  const bag = new EmbeddingBag(300, 6, { mode: 'mean', seed: 4, paddingIdx: 299 });
  for (const numIndices of [small - 65, small - 64, small - 63, 2 * small]) {
    const indices = Int32Array.from({ length: numIndices }, (_, i) => (Math.imul(i, 2654435761) >>> 0) % 300);
    const offsets = Int32Array.from({ length: 64 }, (_, b) => Math.floor((b * numIndices) / 64));
    const general = bag.forward(Array.from(indices), Array.from(offsets)).data;
    sameBits(bag.forward(indices, offsets).data, general, `${numIndices} indices + 64 offsets`);
    const grad = Float32Array.from({ length: general.length }, (_, i) => (i % 7) - 3);
    const fromFlat = bag.backward(grad).weight;
    bag.forward(Array.from(indices), Array.from(offsets));
    sameBits(fromFlat, bag.backward(grad).weight, `backward after ${numIndices} indices`);
  }
  const before = bag.forward(Int32Array.of(5, 6), Int32Array.of(0)).data;
  assert.throws(() => bag.forward(Int32Array.of(5, 300), Int32Array.of(0)), { name: 'RangeError', message: /^indices\[1\] = 300 is out of range/ });
  assert.throws(() => bag.forward(Int32Array.of(5, 6), Int32Array.of(1)), { name: 'RangeError', message: /^offsets\[0\] = 1/ });
  assert.equal(bag.backward(new Float32Array(6)).weight.length, 1800);
  sameBits(bag.forward(Int32Array.of(5, 6), Int32Array.of(0)).data, before);
  bag.dispose();
});

test('forward({ out }): the same result object while out and the shape stay the same, a new one when either changes or it was altered', () => {
  const bag = new EmbeddingBag(20, 4, { seed: 3 });
  const indices = Int32Array.of(1, 2, 3, 4);
  const out = new Float32Array(8);
  const first = bag.forward(indices, Int32Array.of(0, 2), null, { out });
  assert.deepEqual(first.shape, [2, 4]);
  assert.equal(bag.forward(indices, Int32Array.of(0, 1), null, { out }), first);
  assert.equal(first.data, out);
  const other = new Float32Array(8);
  const second = bag.forward(indices, Int32Array.of(0, 2), null, { out: other });
  assert.notEqual(second, first);
  assert.equal(second.data, other);
  second.shape[0] = 7;
  const third = bag.forward(indices, Int32Array.of(0, 2), null, { out: other });
  assert.notEqual(third, second);
  assert.deepEqual(third.shape, [2, 4]);
  const four = bag.forward(indices, Int32Array.of(0, 1, 2, 3), null, { out: new Float32Array(16) });
  assert.deepEqual(four.shape, [4, 4]);
  // Without out, a new object every call (its data is a new copy).
  assert.notEqual(bag.forward(indices, Int32Array.of(0, 2)), bag.forward(indices, Int32Array.of(0, 2)));
  // The same out, checked again: a wrong length, then detached, are refused as on its first call.
  assert.throws(() => bag.forward(indices, Int32Array.of(0, 1, 2), null, { out: other }), {
    name: 'RangeError', message: 'out has length 8, expected 12 (numBags x embeddingDim = 3 x 4)',
  });
  structuredClone(other.buffer, { transfer: [other.buffer] });
  assert.throws(() => bag.forward(indices, Int32Array.of(0, 2), null, { out: other }), { name: 'TypeError', message: /^out is detached/ });
  // An out getter that calls forward itself (its own options, its own out) first: each call keeps its own.
  const outer = new Float32Array(4);
  const inner = new Float32Array(8);
  const row5 = bag.forward(Int32Array.of(5), Int32Array.of(0)).data;
  const nested = { get out() { bag.forward(indices, Int32Array.of(0, 2), null, { out: inner }); return outer; } };
  const result = bag.forward(Int32Array.of(5), Int32Array.of(0), null, nested);
  assert.equal(result.data, outer);
  assert.deepEqual(result.shape, [1, 4]);
  sameBits(outer, row5);
  sameBits(inner, bag.forward(indices, Int32Array.of(0, 2)).data);
  bag.dispose();
});

test('forward: flat inputs that are views of wasm memory take the copying path (the staging may grow the heap); bad flat inputs fail as the general path does', () => {
  const ids = new EmbeddingBag(50, 2, { sparse: true, seed: 1 });
  ids.forward(Int32Array.of(7, 3, 7, 41), Int32Array.of(0, 2));
  const rows = ids.backward(new Float32Array(4), { copy: false }).weight.indices; // Int32Array view of wasm memory: 3, 7, 41
  const bag = new EmbeddingBag(50, 4, { mode: 'sum', seed: 2 });
  const expected = bag.forward([3, 7, 41], [0, 1]).data;
  sameBits(bag.forward(rows, Int32Array.of(0, 1)).data, expected);
  const before = bag.forward(Int32Array.of(1), Int32Array.of(0)).data;
  assert.throws(() => bag.forward(Int32Array.of(1, 2, 3), Int32Array.of(0, 2, 1)), {
    name: 'RangeError', message: 'offsets[2] = 1 < offsets[1] = 2: offsets must not decrease',
  });
  assert.throws(() => bag.forward(Int32Array.of(1, 50), Int32Array.of(0)), { name: 'RangeError', message: /^indices\[1\] = 50 is out of range/ });
  // The failed calls changed nothing: backward still answers the last good forward.
  assert.equal(bag.backward(new Float32Array(4)).weight.length, 200);
  sameBits(bag.forward(Int32Array.of(1), Int32Array.of(0)).data, before);
  // An options getter that disposes the bag: a clean Error, as on every path.
  const options = { get out() { bag.dispose(); return null; } };
  assert.throws(() => bag.forward(Int32Array.of(1), Int32Array.of(0), null, options), { name: 'Error', message: 'this EmbeddingBag was disposed' });
  ids.dispose();
});

test('out arrays are read and written through the intrinsic TypedArray methods: a subclass\'s overrides never run, a Proxy is refused', () => {
  const calls = [];
  class Watched extends Float32Array {
    get length() { calls.push('length'); return 0; }
    get buffer() { calls.push('buffer'); return new ArrayBuffer(8); }
    set(...args) { calls.push('set'); return super.set(...args); }
    fill(...args) { calls.push('fill'); return super.fill(...args); }
    subarray(...args) { calls.push('subarray'); return super.subarray(...args); }
  }
  class WatchedInt extends Int32Array {
    constructor(...args) { super(...args); calls.push('constructor'); }
    subarray(...args) { calls.push('subarray'); return super.subarray(...args); }
  }
  const bag = new EmbeddingBag(40, 3, { mode: 'sum', seed: 4 });
  const expected = bag.forward(Int32Array.of(3, 7, 3, 0), Int32Array.of(0, 2)).data;
  const out = new Watched(6);
  bag.forward(Int32Array.of(3, 7, 3, 0), Int32Array.of(0, 2), null, { out });
  // Compared through copies: the overridden buffer getter would mislead bits().
  sameBits(new Float32Array(out), expected);
  const grad = Float32Array.from({ length: 6 }, (_, i) => i + 1);
  const dense = bag.backward(grad);
  const gradOut = new Watched(120);
  Float32Array.prototype.fill.call(gradOut, NaN);
  bag.backward(grad, { out: gradOut });
  sameBits(new Float32Array(gradOut), dense.weight);
  const sparse = new EmbeddingBag(40, 3, { mode: 'sum', seed: 4, sparse: true });
  sparse.forward(Int32Array.of(3, 7, 3, 0), Int32Array.of(0, 2));
  const sparseOut = { indices: new WatchedInt(8), values: new Watched(24) };
  calls.length = 0;  // the construction above
  const g = sparse.backward(grad, { out: sparseOut });
  assert.deepEqual(Array.from(g.weight.indices), [0, 3, 7]);
  assert.deepEqual(calls, [], 'no override ran');
  const proxy = new Proxy(new Float32Array(6), {});
  assert.throws(() => bag.forward(Int32Array.of(1), Int32Array.of(0, 1), null, { out: proxy }), {
    name: 'TypeError', message: /^out = .* must be a Float32Array$/,
  });
  for (const b of [bag, sparse]) b.dispose();
});

function twoTables(options = {}) {
  return new EmbeddingBagCollection([
    { name: 't_user', numEmbeddings: 10, embeddingDim: 2, featureNames: ['user_id'], pooling: 'sum' },
    { name: 't_item', numEmbeddings: 5, embeddingDim: 3, featureNames: ['item_id', 'history'], pooling: 'mean' },
  ], { seed: 3, ...options });
}
const KJT = { keys: ['user_id', 'item_id', 'history'], values: [1, 2, 3, 4, 0, 1, 2], lengths: [1, 1, 1, 1, 2, 1], weights: [1, 2, 3, 4, 5, 6, 7] };

test('EmbeddingBagCollection.backward({ out: { table: ... }, perSampleWeightsOut }) and step({ out }): per table, as the copies', () => {
  for (const sparse of [false, true]) {
    const ebc = twoTables({ sparse, isWeighted: true, optimizer: { name: 'sgd', lr: 0.1 } });
    const grad = Float32Array.from({ length: 16 }, (_, i) => (i % 7) - 3);
    ebc.forward(KJT);
    const expected = ebc.backward(grad);
    const item = sparse ? { indices: new Int32Array(5), values: new Float32Array(15) } : new Float32Array(15);
    const pswOut = new Float32Array(7);
    const g = ebc.backward(grad, { out: { t_item: item }, perSampleWeightsOut: pswOut });
    assert.equal(g.perSampleWeights, pswOut);
    sameBits(pswOut, expected.perSampleWeights);
    if (sparse) {
      assert.equal(g.weight.t_item.values.buffer, item.values.buffer);
      assert.deepEqual(g.weight.t_item.indices, expected.weight.t_item.indices);
      sameBits(g.weight.t_item.values, expected.weight.t_item.values);
      sameBits(g.weight.t_user.values, expected.weight.t_user.values, 'a table not in out: a copy');
      // Capacity too small in one table: refused before any table's gradient is written.
      const userOut = { indices: new Int32Array(10).fill(-1), values: new Float32Array(20).fill(NaN) };
      assert.throws(() => ebc.backward(grad, { out: { t_user: userOut, t_item: { indices: new Int32Array(1), values: new Float32Array(15) } } }), {
        name: 'RangeError', message: /^out\.t_item\.indices holds 1 elements, too few for this result: it needs at least 5 \(the gradient has 5 rows\)$/,
      });
      assert.ok(userOut.values.every(Number.isNaN));
    } else {
      assert.equal(g.weight.t_item, item);
      sameBits(item, expected.weight.t_item);
      sameBits(g.weight.t_user, expected.weight.t_user);
    }
    assert.throws(() => ebc.backward(grad, { out: { t_nope: item } }), { name: 'TypeError', message: 'out.t_nope: not a table (tables: t_user, t_item)' });
    assert.throws(() => ebc.backward(grad, { out: { t_user: new Float32Array(2) } }), {
      name: sparse ? 'TypeError' : 'RangeError', message: sparse ? /^out\.t_user = Float32Array must be \{ indices/ : /^out\.t_user has length 2, expected 20/,
    });
    const stepOut = new Float32Array(7);
    const twin = twoTables({ sparse, isWeighted: true, optimizer: { name: 'sgd', lr: 0.1 } });
    twin.forward(KJT);
    const copied = twin.step(grad).perSampleWeights;
    assert.equal(ebc.step(grad, { out: stepOut }).perSampleWeights, stepOut);
    sameBits(stepOut, copied);
    assert.throws(() => ebc.step(grad, { out: new Float32Array(6) }), { name: 'RangeError', message: /^out has length 6, expected 7/ });
    for (const c of [ebc, twin]) c.dispose();
  }
});
