// Inputs users already hold: Float16Array / Float64Array floats, Uint32Array
// indices, tensor-shaped objects ({ data, dims } as onnxruntime-web's
// ort.Tensor, and { data, shape }); each gives what the Float32Array / Int32Array
// form gives, bit for bit where the values are the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countingTable, EmbeddingBag } from './helpers.mjs';

const hasFloat16 = typeof Float16Array === 'function';
const same = (a, b) => assert.deepEqual(Array.from(a), Array.from(b));

test('Float64Array floats round to float32 (weight, perSampleWeights, gradOutput)', () => {
  const w64 = Float64Array.from({ length: 12 }, (_, i) => i / 3);
  const a = new EmbeddingBag(4, 3, { mode: 'sum', weight: w64 });
  const b = new EmbeddingBag(4, 3, { mode: 'sum', weight: Float32Array.from(w64) });
  same(a.weight, b.weight);
  const psw = new Float64Array([0.1, 0.2, 0.3]);
  same(a.forward([0, 1, 3], [0, 1], psw).data, b.forward([0, 1, 3], [0, 1], Float32Array.from(psw)).data);
  const grad = new Float64Array(6).fill(1 / 3);
  same(a.backward(grad).perSampleWeights, b.backward(Float32Array.from(grad)).perSampleWeights);
  a.dispose();
  b.dispose();
});

test('Float16Array floats widen exactly (weight, perSampleWeights, gradOutput, fromPretrained, fp16 rows)', { skip: !hasFloat16 && 'no Float16Array in this runtime (Node < 24)' }, () => {
  const w16 = Float16Array.from({ length: 12 }, (_, i) => (i - 5) / 7);
  const w32 = Float32Array.from(w16);
  const a = new EmbeddingBag(4, 3, { mode: 'mean', weight: w16 });
  const b = new EmbeddingBag(4, 3, { mode: 'mean', weight: w32 });
  same(a.weight, w32);
  const psw = new Float16Array([0.5, 0.25, 2]);
  same(a.forward([0, 1, 3], [0, 1], psw).data, b.forward([0, 1, 3], [0, 1], Float32Array.from(psw)).data);
  const grad = Float16Array.from({ length: 6 }, (_, i) => i / 4);
  same(a.backward({ data: grad, dims: [2, 3] }).weight, b.backward(Float32Array.from(grad)).weight);
  const pre = EmbeddingBag.fromPretrained({ data: w16, shape: [4, 3] }, { mode: 'sum' });
  same(pre.weight, w32);
  // A Float16Array is an fp16 table's rows as they are.
  const fp16 = EmbeddingBag.fromQuantized(w16, { dtype: 'fp16', embeddingDim: 3 });
  assert.equal(fp16.numEmbeddings, 4);
  same(fp16.forward([2, 3], [0, 1]).data, w32.subarray(6, 12));
  for (const bag of [a, b, pre, fp16]) bag.dispose();
});

test('Uint32Array indices and offsets; a value of 2^31 or more is a RangeError naming it', () => {
  const bag = new EmbeddingBag(10, 2, { mode: 'sum', weight: countingTable(10, 2) });
  same(bag.forward(new Uint32Array([1, 2, 9]), new Uint32Array([0, 2])).data, bag.forward([1, 2, 9], [0, 2]).data);
  same(bag.forward({ data: new Uint32Array([1, 2, 9, 0]), shape: [2, 2] }).data, bag.forward([[1, 2], [9, 0]]).data);
  assert.throws(() => bag.forward(new Uint32Array([1, 2 ** 31]), [0]),
    { name: 'RangeError', message: 'indices[1] = 2147483648 is out of range: Uint32Array indices must be below 2^31' });
  assert.throws(() => bag.forward([1, 2], new Uint32Array([0, 4294967295])), { name: 'RangeError', message: /^offsets\[1\] = 4294967295 / });
  // The largest int32 goes to the core, which says it is out of the table.
  assert.throws(() => bag.forward(new Uint32Array([2 ** 31 - 1]), [0]), { name: 'RangeError', message: /indices\[0\] = 2147483647 is out of range \[0, 10\)/ });
  bag.dispose();
});

test('tensor-shaped objects: { data, dims } (ort.Tensor) wherever { data, shape } is taken', () => {
  // What onnxruntime-web's Tensor carries: type, data, dims (and size).
  class OrtTensor {
    constructor(type, data, dims) {
      this.type = type;
      this.data = data;
      this.dims = dims;
      this.size = data.length;
    }
  }
  const table = new OrtTensor('float32', countingTable(6, 2), [6, 2]);
  const bag = EmbeddingBag.fromPretrained(table, { mode: 'sum' });
  same(bag.weight, table.data);
  const input = new OrtTensor('int64', new BigInt64Array([1n, 2n, 5n, 0n]), [2, 2]);
  const y = bag.forward(input, null, new OrtTensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]));
  same(y.data, bag.forward([[1, 2], [5, 0]], null, [[1, 2], [3, 4]]).data);
  const g = bag.backward(new OrtTensor('float32', new Float32Array(4).fill(1), [2, 2]));
  assert.equal(g.weight.length, 12);
  assert.throws(() => bag.backward({ data: new Float32Array(4), dims: [4, 1] }), { name: 'RangeError', message: /gradOutput\.shape = \[4, 1\], expected \[2, 2\]/ });
  assert.throws(() => bag.forward({ data: new Int32Array(3), dims: [2, 2] }), { name: 'RangeError', message: /input\.data has length 3, expected 4/ });
  // shape wins over dims when both are there.
  same(bag.forward({ data: new Int32Array([1, 2]), shape: [1, 2], dims: [2, 1] }).data, bag.forward([[1, 2]]).data);
  bag.dispose();
});
