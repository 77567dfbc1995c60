// Bad input: TypeError for wrong types, RangeError for wrong values, Error for
// misuse; messages name the argument, the position and the value; a call that
// throws changes nothing and the bag stays usable.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bytesEqual, countingTable, EmbeddingBag, embeddingBag, init } from './helpers.mjs';

const N = 1000;

function freshBag(options = {}) {
  return new EmbeddingBag(N, 3, { mode: 'sum', weight: countingTable(N, 3), ...options });
}

test('a bad index names its position: indices[17] = 1000 is out of range [0, 1000)', () => {
  const bag = freshBag();
  const indices = Array.from({ length: 20 }, (_, i) => i);
  indices[17] = 1000;
  assert.throws(() => bag.forward(indices, [0]), { name: 'RangeError', message: 'indices[17] = 1000 is out of range [0, 1000)' });
  bag.dispose();
});

test('wrong types throw TypeError naming the argument', () => {
  const bag = freshBag();
  const cases = [
    [() => bag.forward(new Float32Array([1, 2]), [0]), /indices must be an Int32Array, a BigInt64Array, a Uint32Array or an array of integers, not Float32Array/],
    [() => bag.forward('12', [0]), /indices must be .* not "12"/],
    [() => bag.forward([1, 2.5], [0]), /^indices\[1\] = 2\.5 is not an integer$/],
    [() => bag.forward([1, NaN], [0]), /^indices\[1\] = NaN is not an integer$/],
    [() => bag.forward([1, '2'], [0]), /^indices\[1\] = "2" is not an integer$/],
    [() => bag.forward([1, 2], [0, 0.5]), /^offsets\[1\] = 0\.5 is not an integer$/],
    [() => bag.forward([1, 2]), /offsets are required with a 1-D input/],
    [() => bag.forward([[1, 2]], [0]), /offsets must be null for a 2-D input/],
    [() => bag.forward({ data: [1, 2] }), /input must be an index array, an array of rows, or \{ data, shape: \[B, L\] \}/],
    [() => bag.forward({ data: [1, 2], shape: [2] }), /input.shape must be \[rows, columns\]/],
    [() => bag.forward([[1, 2], 3]), /input\[1\] must be an array/],
    [() => bag.forward([1, 2], [0], 'x'), /perSampleWeights must be a Float32Array, Float64Array, Float16Array or an array of numbers, not "x"/],
    [() => bag.forward([1, 2], [0], [1, null]), /perSampleWeights\[1\] = null is not a number/],
    [() => new EmbeddingBag(10.5, 3), /numEmbeddings = 10.5 must be an integer/],
    [() => new EmbeddingBag('10', 3), /numEmbeddings = "10" must be an integer/],
    [() => new EmbeddingBag(10, 3, { mode: 1 }), /mode = 1 must be 'sum', 'mean', 'max' or 'sqrtn'/],
    [() => new EmbeddingBag(10, 3, { padding_idx: 1 }), /unknown option 'padding_idx' \(did you mean 'paddingIdx'\?\)/],
    [() => new EmbeddingBag(10, 3, { sparse: 1 }), /sparse = 1 must be true or false/],
    [() => new EmbeddingBag(10, 3, { paddingIdx: 1.5 }), /paddingIdx = 1.5 must be an integer or null/],
    [() => new EmbeddingBag(10, 3, { maxNorm: '1' }), /maxNorm = "1" must be a number or null/],
    [() => new EmbeddingBag(10, 3, { weight: 'abc' }), /weight must be a Float32Array/],
    [() => new EmbeddingBag(10, 3, { seed: -1 }), /seed = -1 must be a non-negative/],
    [() => new EmbeddingBag(10, 3, null), /options must be an object, not null/],
    [() => embeddingBag([1, 2], [0], [0]), /weight must be \{ data: Float32Array, shape/],
    // A tf.Tensor-like object (its data is a method): a short message, never a method's source.
    [() => bag.forward({ shape: [1, 2], data() { return 'SOURCE-TEXT'; } }), /^input looks like a tensor \(its data is a method\): pass its values/],
    [() => bag.forward([1], [0], { dataSync() {}, shape: [1] }), /^perSampleWeights looks like a tensor/],
    [() => bag.forward({ data: () => 0 }, null), /^input looks like a tensor/],
    [() => bag.forward([1], [0], { data: function weights() {} }), /^perSampleWeights looks like a tensor/],
  ];
  for (const [call, message] of cases) assert.throws(call, (e) => e instanceof TypeError && message.test(e.message), String(message));
  bag.dispose();
});

test('wrong values throw RangeError with argument, position and value', () => {
  const bag = freshBag();
  const cases = [
    [() => bag.forward([1, -1], [0]), 'indices[1] = -1 is out of range [0, 1000)'],
    [() => bag.forward(new BigInt64Array([5n, 2n ** 40n]), [0]), 'indices[1] = 1099511627776 is out of range [0, 1000)'],
    [() => bag.forward([5, 2 ** 40], [0]), 'indices[1] = 1099511627776 is out of range [0, 1000)'],
    [() => bag.forward([[1, 2], [3, 1000]]), 'input[1][1] = 1000 is out of range [0, 1000)'],
    [() => bag.forward({ data: new Int32Array([1, 2, 3, -7]), shape: [2, 2] }), 'input[1][1] = -7 is out of range [0, 1000)'],
    [() => bag.forward([1, 2, 3], [1, 2]), 'offsets[0] = 1 must be 0'],
    [() => bag.forward([1, 2, 3], [0, 2, 1]), 'offsets[2] = 1 < offsets[1] = 2: offsets must not decrease'],
    [() => bag.forward([1, 2, 3], [0, 4]), 'offsets[1] = 4 is past the end of indices (length 3)'],
    [() => bag.forward([1, 2, 3], [0], [1, 2]), 'perSampleWeights has length 2, expected 3 (one per index)'],
    // A 2-D perSampleWeights must have the 2-D input's shape; a 1-D input takes a flat array.
    [() => bag.forward({ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }, null, { data: new Float32Array(6), shape: [2, 3] }),
      'perSampleWeights has shape [2, 3], expected [3, 2] (the input\'s shape)'],
    [() => bag.forward([[1, 2, 3], [4, 5, 6]], null, [[1, 1], [1, 1], [1, 1]]), 'perSampleWeights has shape [3, 2], expected [2, 3] (the input\'s shape)'],
    [() => bag.forward([1, 2, 3, 4], [0, 2], [[1, 1], [1, 1]]), 'perSampleWeights has shape [2, 2], expected a flat array of 4 (one per index of a 1-D input)'],
    [() => bag.forward([[1, 2], [3]]), 'input[1] has length 1, expected 2: the rows of a 2-D input have one length'],
    [() => bag.forward({ data: [1, 2, 3], shape: [2, 2] }), 'input.data has length 3, expected 4 (shape [2, 2])'],
    [() => new EmbeddingBag(0, 3), 'numEmbeddings = 0 must be an integer in [1, 2147483647]'],
    [() => new EmbeddingBag(3, -1), 'embeddingDim = -1 must be an integer in [1, 2147483647]'],
    [() => new EmbeddingBag(10, 3, { mode: 'median' }), `mode = "median" must be 'sum', 'mean', 'max' or 'sqrtn'`],
    [() => new EmbeddingBag(10, 3, { paddingIdx: 10 }), 'paddingIdx = 10 is out of range [-10, 10)'],
    [() => new EmbeddingBag(10, 3, { paddingIdx: -11 }), 'paddingIdx = -11 is out of range [-10, 10)'],
    [() => new EmbeddingBag(10, 3, { maxNorm: -1 }), 'maxNorm = -1 must be a number >= 0'],
    [() => new EmbeddingBag(10, 3, { maxNorm: NaN }), 'maxNorm = NaN must be a number >= 0'],
    [() => new EmbeddingBag(10, 3, { maxNorm: 1, normType: 0 }), 'normType = 0 must be a number > 0 (or Infinity)'],
    [() => new EmbeddingBag(10, 3, { mode: 'max', sparse: true }), "sparse = true is not supported with mode 'max'"],
    [() => new EmbeddingBag(10, 3, { mode: 'max', scaleGradByFreq: true }), "scaleGradByFreq = true is not supported with mode 'max'"],
    [() => new EmbeddingBag(10, 3, { weight: new Float32Array(29) }), 'weight has length 29, expected 30 (numEmbeddings x embeddingDim)'],
    [() => new EmbeddingBag(10, 3, { includeLastOffset: true, mode: 'sum' }).forward([1], []), 'offsets must have at least one entry with includeLastOffset = true'],
    [() => new EmbeddingBag(10, 3, { mode: 'max' }).forward([1], [0], [1]), "perSampleWeights are not supported with mode 'max' (modes that take them: 'sum', 'mean' or 'sqrtn')"],
  ];
  for (const [call, message] of cases) assert.throws(call, { name: 'RangeError', message });
  bag.dispose();
});

test('misuse throws Error: backward before forward, use after dispose, before init', async () => {
  const bag = freshBag();
  assert.throws(() => bag.backward(new Float32Array(3)), { name: 'Error', message: /backward\(\) needs a forward\(\) first/ });
  bag.forward([1], [0]);
  assert.throws(() => bag.backward(new Float32Array(2)), { name: 'RangeError', message: 'gradOutput has length 2, expected 3 (numBags x embeddingDim = 1 x 3)' });
  assert.throws(() => bag.backward({ data: new Float32Array(3), shape: [3, 1] }), { name: 'RangeError', message: 'gradOutput.shape = [3, 1], expected [1, 3] (the output\'s shape)' });
  bag.dispose();
  bag.dispose();  // idempotent
  for (const call of [() => bag.forward([1], [0]), () => bag.backward(new Float32Array(3)), () => bag.weight]) {
    assert.throws(call, { name: 'Error', message: 'this EmbeddingBag was disposed' });
  }
  await init();
});

test('init() refuses a thread count it cannot start, before starting any', async () => {
  for (const threads of [0, 65, 1e6, 2.5, -1]) {
    await assert.rejects(init({ threads }), { name: 'RangeError', message: `threads = ${threads} must be 'auto' or an integer in [1, 64]` });
  }
  assert.equal((await init()).threads, (await init()).threads);
});

test('an output past what wasm32 addresses is a RangeError, not a write over other tables', () => {
  // 65536 empty bags of a 65536-wide table: 2^32 output floats (16 GiB); one
  // bag more wraps to 65536 floats in 32 bits.
  const wide = new EmbeddingBag(2, 65536, { mode: 'sum', weight: new Float32Array(2 * 65536).fill(1) });
  const other = freshBag();
  const before = Float32Array.from(other.weight);
  for (const bags of [65536, 65537, 16384]) {
    assert.throws(() => wide.forward({ data: new Int32Array(0), shape: [bags, 0] }), {
      name: 'RangeError',
      message: `the output has ${bags * 65536} floats (numBags x embeddingDim = ${bags} x 65536), more than wasm32 memory can address (4 GiB)`,
    });
  }
  assert.ok(bytesEqual(other.weight, before), 'another table unchanged');
  assert.deepEqual(Array.from(wide.forward([1, 0], [0]).data.subarray(0, 3)), [2, 2, 2]);
  assert.deepEqual(Array.from(other.forward([1], [0]).data), [10, 11, 12]);
  wide.dispose();
  other.dispose();
});

test('a call that throws changes nothing: table (max_norm), next backward, later calls', () => {
  const bag = freshBag({ maxNorm: 1 });
  bag.forward([1, 2], [0, 1]);
  const before = Float32Array.from(bag.weight);
  const gradBefore = bag.backward(new Float32Array([1, 2, 3, 4, 5, 6])).weight;
  const bad = [
    () => bag.forward([3, 4, 1000], [0]),      // last index bad: rows 3, 4 must not be renormed
    () => bag.forward([3, 4], [0, 3]),
    () => bag.forward([3, 4], [0], [1]),
    () => bag.forward([3, 4.5], [0]),
  ];
  for (const call of bad) {
    assert.throws(call);
    assert.ok(bytesEqual(bag.weight, before), 'table unchanged');
    const g = bag.backward(new Float32Array([1, 2, 3, 4, 5, 6])).weight;  // still the gradient of forward([1, 2])
    assert.ok(bytesEqual(g, gradBefore), 'backward still refers to the last good forward');
  }
  assert.throws(() => bag.backward(new Float32Array(5)), RangeError);
  assert.ok(bytesEqual(bag.backward(new Float32Array([1, 2, 3, 4, 5, 6])).weight, gradBefore));
  assert.equal(bag.forward([3], [0]).shape[0], 1);  // usable afterwards
  bag.dispose();
});

test('tables that cannot fit give RangeError, and the module keeps working', () => {
  assert.throws(() => new EmbeddingBag(2147483647, 2147483647), {
    name: 'RangeError',
    message: /^a table of numEmbeddings x embeddingDim = 2147483647 x 2147483647 floats \(\d+ bytes\) does not fit in the wasm memory \(4 GiB in all, \d+ bytes of it in use\)$/,
  });
  assert.throws(() => new EmbeddingBag(600000000, 2), RangeError);  // 4.8 GB > 4 GiB
  assert.throws(() => new EmbeddingBag(2 ** 28, 4), RangeError);  // exactly 4 GiB: more than the heap can be
  const bag = freshBag();
  assert.deepEqual(Array.from(bag.forward([1], [0]).data), [10, 11, 12]);
  bag.dispose();
});
