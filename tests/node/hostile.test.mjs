// Names given by users or files are never looked up on a prototype; sizes
// and values in messages are shown as they are.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bytesEqual, countingTable, EmbeddingBag, init, testThreads } from './helpers.mjs';

test('mode names and option names that exist on Object.prototype are not modes or options', () => {
  for (const mode of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => new EmbeddingBag(10, 2, { mode }), { name: 'RangeError', message: `mode = "${mode}" must be 'sum', 'mean', 'max' or 'sqrtn'` });
  }
  for (const options of [{ toString: 1 }, { constructor: 1 }, JSON.parse('{"__proto__": 1}'), { valueOf: 2 }]) {
    const key = Object.keys(options)[0];
    assert.throws(() => new EmbeddingBag(10, 2, options), { name: 'TypeError', message: new RegExp(`^unknown option '${key}'`) });
  }
  const bag = new EmbeddingBag(10, 2, { mode: 'sum' });
  assert.throws(() => bag.forward([1], [0], null, { toString: 1 }), { name: 'TypeError', message: "unknown forward option 'toString' (known: copy, out)" });
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

test('a typed array is read through its real length, once: a lying subclass, a buffer resized mid-call', () => {
  const bag = new EmbeddingBag(10, 2, { mode: 'sum', weight: countingTable(10, 2) });
  class Liar extends Int32Array {
    get length() { return 1e6; }
  }
  assert.deepEqual(Array.from(bag.forward(Liar.of(1, 2), [0]).data), [30, 32]);
  // offsets read after the indices: its getter grows, then shrinks, the indices' buffer.
  const buffer = new ArrayBuffer(8, { maxByteLength: 1 << 16 });
  const indices = new Int32Array(buffer);  // tracks the buffer's length
  indices.set([3, 4]);
  const growing = [0];
  Object.defineProperty(growing, 0, { get() { buffer.resize(1 << 16); return 0; } });
  assert.deepEqual(Array.from(bag.forward(indices, growing).data), [70, 72], 'the two indices there were when read');
  buffer.resize(8);
  const shrinking = [0];
  Object.defineProperty(shrinking, 0, { get() { buffer.resize(0); return 0; } });
  assert.throws(() => bag.forward(new Int32Array(buffer, 0, 2), shrinking), { name: 'TypeError', message: /changed \(its buffer was resized\)/ });
  assert.deepEqual(Array.from(bag.forward([5], [0]).data), [50, 51], 'the bag still works');
  bag.dispose();
});

test('plain-array elements are read once: a getter cannot pass validation and then change', () => {
  const bag = new EmbeddingBag(10, 2, { mode: 'sum', weight: countingTable(10, 2) });
  const indices = [0];
  let reads = 0;
  Object.defineProperty(indices, 0, { get() { return reads++ === 0 ? 2 : 2 ** 32 + 3; } });
  assert.deepEqual(Array.from(bag.forward(indices, [0]).data), [20, 21]);
  assert.equal(reads, 1);
  const weights = [0];
  let weightReads = 0;
  Object.defineProperty(weights, 0, { get() { return weightReads++ === 0 ? 1 : 'oops'; } });
  assert.deepEqual(Array.from(bag.forward([2], [0], weights).data), [20, 21]);
  assert.equal(weightReads, 1);
  bag.dispose();
});

test('user code inside a call (getters) sees a consistent bag: arguments first, then its state', async () => {
  const bag = new EmbeddingBag(10, 2, { mode: 'sum', weight: countingTable(10, 2) });
  bag.forward([1, 2, 3], [0, 1]);  // 2 bags
  // A gradOutput whose getter runs another forward (1 bag): backward is that forward's.
  const grad = { get data() { bag.forward([4], [0]); return new Float32Array([1, 1]); } };
  const g = bag.backward(grad);
  assert.deepEqual(Array.from(g.weight.subarray(8, 10)), [1, 1], 'row 4, of the forward that ran last');
  assert.equal(g.weight.reduce((a, v) => a + Math.abs(v), 0), 2, 'nothing else: no stale or foreign memory');
  // A getter that disposes the bag, or shuts the package down: the documented Errors.
  const disposing = { get data() { bag.dispose(); return new Float32Array(2); } };
  assert.throws(() => bag.backward(disposing), { name: 'Error', message: 'this EmbeddingBag was disposed' });
  const other = new EmbeddingBag(10, 2, { mode: 'sum', seed: 1 });
  const { shutdown } = await import('../../js/index.node.mjs');
  const stopping = [0];
  Object.defineProperty(stopping, 0, { get() { shutdown(); return 0; } });
  assert.throws(() => other.forward([1], stopping), { name: 'Error', message: 'embedding-bag-wasm was shut down after this EmbeddingBag was made' });
  await init(testThreads > 1 ? { threads: testThreads, minParallelWork: 0 } : { threads: 1 });
});

test('views of wasm memory as sources: copied before the call can grow memory', () => {
  const big = new EmbeddingBag(1 << 20, 16, { mode: 'sum', seed: 3 });  // 64 MiB
  const copy = new EmbeddingBag(1 << 20, 16, { mode: 'sum', weight: big.weight });  // allocating it grows memory
  assert.ok(bytesEqual(copy.weight, big.weight));
  const y = big.forward([1, 2, 3], [0], null, { copy: false });
  const g = big.backward(y.data);  // a view of the output buffer as the gradient
  assert.equal(g.weight.length, (1 << 20) * 16);
  copy.dispose();
  big.dispose();
});

// An .npy header for a float32 array of `shape`, padded as numpy pads it.
function npyHeader(shape, { major = 1, headerLength } = {}) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const lengthBytes = major === 1 ? 2 : 4;
  const padded = dict.padEnd(Math.ceil((dict.length + 1 + 8 + lengthBytes) / 64) * 64 - 8 - lengthBytes - 1) + '\n';
  const length = headerLength ?? padded.length;
  const out = new Uint8Array(8 + lengthBytes + padded.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, length, true);
  else view.setUint32(8, length, true);
  out.set(new TextEncoder().encode(padded), 8 + lengthBytes);
  return out;
}

test('loaders check what a header promises against the source before reading on', async () => {
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/ebag-`);
  try {
    // A header promising 4 GiB of rows in a small buffer, and in a small file.
    const claim = npyHeader([1 << 24, 64]);
    const bytes = new Uint8Array(claim.length + 4096);
    bytes.set(claim);
    await assert.rejects(EmbeddingBag.fromNpy(bytes), { name: 'RangeError', message: /npy: the file ends at byte \d+, inside the array \(its data runs to byte 4294967\d+\): truncated/ });
    writeFileSync(`${dir}/claim.npy`, bytes);
    await assert.rejects(EmbeddingBag.fromNpy(`${dir}/claim.npy`), { name: 'RangeError', message: /truncated/ });
    // Header lengths beyond the caps, or beyond the source.
    await assert.rejects(EmbeddingBag.fromNpy(npyHeader([2, 2], { major: 2, headerLength: 2 ** 31 })), { name: 'RangeError', message: /npy: header length 2147483648 is larger than 65535 bytes/ });
    const safetensors = new Uint8Array(4096);
    new DataView(safetensors.buffer).setBigUint64(0, 64n * 1024n * 1024n, true);
    await assert.rejects(EmbeddingBag.fromSafetensors(safetensors), { name: 'RangeError', message: 'safetensors: the file ends inside its header (4096 bytes), which claims 67108872' });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('an .npy header is read as the Python dict it is: what numpy refuses is refused', async () => {
  const npy = (dict, rows = 2, cols = 2) => {
    const text = new TextEncoder().encode(`${dict}\n`);
    const out = new Uint8Array(10 + text.length + rows * cols * 4);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, text.length, true);
    out.set(text, 10);
    return out;
  };
  const good = await EmbeddingBag.fromNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"), { mode: 'sum' });
  assert.equal(good.numEmbeddings, 2);
  good.dispose();
  const refused = [
    ["{'note': \"'descr': '<f2'\", 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", /the unknown key 'note'/],
    ["{'descr': '<f2', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", /the key 'descr' twice/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (, 2, 2)}", /a tuple item that is not a non-negative integer/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", /\(n\) is a number, not a tuple/],
    ["{'descr': '<f4', 'shape': (2, 2)}", /a missing key/],
    ["{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2)}", /a value that is not a string, a boolean or a tuple/],
  ];
  for (const [dict, message] of refused) {
    await assert.rejects(EmbeddingBag.fromNpy(npy(dict)), { name: 'RangeError', message }, dict);
  }
});

test('quantized rows and tables given as views of wasm memory load while memory grows', () => {
  const big = new EmbeddingBag(1 << 18, 64, { mode: 'sum', seed: 4 });  // 64 MiB
  const q = EmbeddingBag.quantize(big, { dtype: 'int8' });
  const again = EmbeddingBag.fromQuantized(q.quantizedWeight, { dtype: 'int8', embeddingDim: 64, mode: 'sum' });
  assert.ok(bytesEqual(again.quantizedWeight, q.quantizedWeight));
  const fromView = EmbeddingBag.quantize({ data: big.weight, shape: [1 << 18, 64] }, { dtype: 'int8' });
  assert.ok(bytesEqual(fromView.quantizedWeight, q.quantizedWeight));
  for (const b of [big, q, again, fromView]) b.dispose();
});

test('messages show a value briefly, whatever it is', () => {
  const long = 'x'.repeat(100000);
  assert.throws(() => new EmbeddingBag(10, 2, { mode: long }), (e) => e instanceof RangeError && e.message.length < 200);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.throws(() => new EmbeddingBag(10, 2, { mode: proxy }), { name: 'TypeError', message: /^mode = object must be/ });
  const named = Object.defineProperty(() => 0, 'name', { value: 'y'.repeat(5000) });
  assert.throws(() => new EmbeddingBag(10, 2, { mode: named }), (e) => e instanceof TypeError && e.message.length < 200);
});
