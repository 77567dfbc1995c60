// Float tables quantized as they stream in (int8 / int4 / fp16 from F32,
// F16 or BF16 safetensors and F32 / F16 .npy): rows bit-identical to
// EmbeddingBag.quantize of the same float rows across blocks of rows, chunk
// ends inside a value and a row, and a short last block; the float table is
// never held; a refusal or an abort at any point leaves nothing allocated.
// .pt files too (their table's record read by ranges).
// The 5 GB versions of these loads run once (large-tables.test.mjs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { writeSafetensors } from '../../js/formats.mjs';
import { EmbeddingBag, EmbeddingBagCollection, memoryInfo } from './helpers.mjs';

// 20,000 x 64: 5.1 MB of float32, two blocks of rows (4 MiB each) and a short
// third; rows of different ranges, a row of equal values, a -0.
const N = 20000;
const D = 64;
function floatRows(seed = 1) {
  const rows = new Float32Array(N * D);
  let x = seed;
  for (let i = 0; i < rows.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    rows[i] = ((x >>> 8) / 2 ** 24 - 0.5) * (1 + (Math.floor(i / D) % 5));
  }
  rows.fill(1.25, 7 * D, 8 * D);
  rows[9 * D + 3] = -0;
  return rows;
}

// The same values in a narrower dtype ('F16' or 'BF16'): { bits, wide } (the
// 16-bit elements, and their exact float32 values).
function narrowed(rows, dtype) {
  if (dtype === 'F16') {
    const half = EmbeddingBag.quantize({ data: rows, shape: [rows.length / D, D] }, { dtype: 'fp16' });
    const wide = half.dequantize();
    const out = { bits: new Uint16Array(half.quantizedWeight.slice().buffer), wide: wide.weight.slice() };
    half.dispose();
    wide.dispose();
    return out;
  }
  const bits = new Uint16Array(rows.length);
  const wide = new Float32Array(rows.length);
  const src = new Uint32Array(rows.buffer, rows.byteOffset, rows.length);
  const dst = new Uint32Array(wide.buffer);
  for (let i = 0; i < rows.length; i++) {
    bits[i] = src[i] >>> 16;  // truncated: any bfloat16 will do
    dst[i] = bits[i] << 16;
  }
  return { bits, wide };
}

function npyFile(data, descr, shape) {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  dict += ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
  const bytes = new Uint8Array(10 + dict.length + data.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, dict.length, true);
  bytes.set(new TextEncoder().encode(dict), 10);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + dict.length);
  return bytes;
}

// A stream of `bytes` in pieces of the given sizes, each a view of one buffer
// the stream reuses (as a reader may), read one at a time.
function pieces(bytes, sizes) {
  const buffer = new Uint8Array(Math.max(...sizes));
  let k = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (k >= bytes.length) return controller.close();
      const n = Math.min(sizes[i++ % sizes.length], bytes.length - k);
      buffer.set(bytes.subarray(k, k + n));
      k += n;
      controller.enqueue(buffer.subarray(0, n));
    },
  }, { highWaterMark: 0 });
}

function quantizedOf(rows, dtype) {
  const bag = EmbeddingBag.quantize({ data: rows, shape: [N, D] }, { dtype });
  const bytes = bag.quantizedWeight.slice();
  bag.dispose();
  return bytes;
}

const rows = floatRows();
const f16 = narrowed(rows, 'F16');
const bf16 = narrowed(rows, 'BF16');
const FILES = [
  { name: 'F32 safetensors', bytes: writeSafetensors({ weight: { data: rows, shape: [N, D] } }), load: EmbeddingBag.fromSafetensors, wide: rows },
  { name: 'F16 safetensors', bytes: writeSafetensors({ weight: { dtype: 'F16', data: f16.bits, shape: [N, D] } }), load: EmbeddingBag.fromSafetensors, wide: f16.wide },
  { name: 'BF16 safetensors', bytes: writeSafetensors({ weight: { dtype: 'BF16', data: bf16.bits, shape: [N, D] } }), load: EmbeddingBag.fromSafetensors, wide: bf16.wide },
  { name: 'F32 .npy', bytes: npyFile(rows, '<f4', [N, D]), load: EmbeddingBag.fromNpy, wide: rows },
  { name: 'F16 .npy', bytes: npyFile(f16.bits, '<f2', [N, D]), load: EmbeddingBag.fromNpy, wide: f16.wide },
];

test('int8 / int4 / fp16 on load: every row is quantize() of the same float row, across blocks and chunk ends', async () => {
  for (const dtype of ['int8', 'int4', 'fp16']) {
    for (const file of FILES) {
      if (dtype === 'fp16' && file.name.startsWith('F16')) continue;  // F16 rows are kept as they are
      const want = quantizedOf(file.wide, dtype);
      for (const source of [pieces(file.bytes, [7, 65539, 4093]), file.bytes]) {
        const before = memoryInfo().allocatedBytes;
        let peak = 0;
        const bag = await file.load(source, { dtype, mode: 'sum', onProgress: () => {
          peak = Math.max(peak, memoryInfo().allocatedBytes - before);
        } });
        assert.equal(bag.dtype, dtype);
        assert.equal(bag.mode, 'sum');
        assert.ok(Buffer.from(bag.quantizedWeight).equals(Buffer.from(want)), `${dtype} from ${file.name}`);
        // The float table (5.1 MB) is never held: the quantized rows and one
        // block of rows (4 MiB) at most.
        assert.ok(peak <= want.length + (4 << 20) + (1 << 16), `${dtype} from ${file.name}: ${peak} bytes held while loading`);
        bag.dispose();
      }
    }
  }
});

test('a value that cannot be quantized, in a later block: the RangeError quantize() gives, nothing left', async () => {
  const bad = rows.slice();
  bad[17000 * D + 3] = NaN;
  const big = rows.slice();
  big[19999 * D + 63] = 1e6;  // beyond float16
  const cases = [
    [bad, 'int8', /^RangeError: weight\[17000\]\[3\] = NaN cannot be quantized to int8: it is not finite$/],
    [big, 'fp16', /^RangeError: weight\[19999\]\[63\] = 1000000 cannot be quantized to fp16: it is beyond float16's range/],
  ];
  for (const [data, dtype, message] of cases) {
    const before = memoryInfo().allocatedBytes;
    const file = writeSafetensors({ weight: { data, shape: [N, D] } });
    await assert.rejects(EmbeddingBag.fromSafetensors(pieces(file, [65536]), { dtype }), (error) => message.test(String(error)));
    assert.equal(memoryInfo().allocatedBytes, before);
    // The same words as quantize() of the table.
    assert.throws(() => EmbeddingBag.quantize({ data, shape: [N, D] }, { dtype }), (error) => message.test(String(error)));
  }
});

test('an abort at any point while quantizing rejects with its reason, stops reading, leaves nothing allocated', async () => {
  const file = FILES[0].bytes;
  const chunks = Math.ceil(file.length / 65536);
  for (const at of [1, 2, Math.floor(chunks / 2), chunks - 1, chunks]) {
    const before = memoryInfo().allocatedBytes;
    const controller = new AbortController();
    const reason = new Error(`stop at chunk ${at}`);
    let seen = 0;
    let after = 0;
    await assert.rejects(EmbeddingBag.fromSafetensors(pieces(file, [65536]), {
      dtype: 'int4',
      signal: controller.signal,
      onProgress: () => {
        if (controller.signal.aborted) after += 1;
        else if (++seen === at) controller.abort(reason);
      },
    }), (error) => error === reason);
    assert.equal(after, 0, 'no chunk read after the abort');
    assert.equal(memoryInfo().allocatedBytes, before, `abort at chunk ${at}`);
  }
});

test('a file trained sparse loads as int8 (training options it records are not applied); sparse asked with int8 is refused', async () => {
  const trained = EmbeddingBag.fromPretrained({ data: rows, shape: [N, D] }, { mode: 'mean', sparse: true, scaleGradByFreq: true });
  const file = trained.toSafetensors();
  trained.dispose();
  const bag = await EmbeddingBag.fromSafetensors(file, { dtype: 'int8' });
  assert.equal(bag.mode, 'mean');  // the recorded mode applies
  assert.ok(Buffer.from(bag.quantizedWeight).equals(Buffer.from(quantizedOf(rows, 'int8'))));
  bag.dispose();
  const before = memoryInfo().allocatedBytes;
  await assert.rejects(EmbeddingBag.fromSafetensors(file, { dtype: 'int8', sparse: true }), { name: 'TypeError', message: /sparse concerns gradients; a quantized \(int8\) bag is inference-only/ });
  assert.equal(memoryInfo().allocatedBytes, before);
});

test('a collection quantizes each of its tables as the file streams', async () => {
  const other = floatRows(7);
  const file = writeSafetensors({
    'embedding_bags.a.weight': { data: rows, shape: [N, D] },
    'embedding_bags.b.weight': { dtype: 'BF16', data: narrowed(other, 'BF16').bits, shape: [N, D] },
  });
  const configs = [
    { name: 'a', embeddingDim: D, featureNames: ['fa'], dtype: 'int8' },
    { name: 'b', embeddingDim: D, featureNames: ['fb'], dtype: 'int4' },
  ];
  for (const source of [file, pieces(file, [7, 65539])]) {
    const ebc = await EmbeddingBagCollection.fromSafetensors(source, configs);
    assert.ok(Buffer.from(ebc.table('a').quantizedWeight).equals(Buffer.from(quantizedOf(rows, 'int8'))));
    assert.ok(Buffer.from(ebc.table('b').quantizedWeight).equals(Buffer.from(quantizedOf(narrowed(other, 'BF16').wide, 'int4'))));
    ebc.dispose();
  }
});

test('.pt files from bytes, a Blob or a path: the table\'s record streamed and quantized, the float table never held', async (t) => {
  const floatBag = EmbeddingBag.fromPretrained({ data: rows, shape: [N, D] });
  const half = EmbeddingBag.quantize(floatBag, { dtype: 'fp16' });
  const files = [
    { name: 'float32', bytes: floatBag.toTorch({ name: 'emb.weight' }), wide: rows },
    { name: 'float16', bytes: half.toTorch({ name: 'emb.weight' }), wide: f16.wide },
  ];
  floatBag.dispose();
  half.dispose();
  const folder = mkdtempSync(join(tmpdir(), 'ebag-pt-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  for (const file of files) {
    const path = join(folder, `${file.name}.pt`);
    writeFileSync(path, file.bytes);
    for (const dtype of ['int8', 'int4']) {
      const want = quantizedOf(file.wide, dtype);
      for (const source of [file.bytes, new Blob([file.bytes]), path]) {
        const before = memoryInfo().allocatedBytes;
        let peak = 0;
        let calls = 0;
        const bag = await EmbeddingBag.fromTorch(source, { dtype, onProgress: () => {
          calls += 1;
          peak = Math.max(peak, memoryInfo().allocatedBytes - before);
        } });
        assert.ok(Buffer.from(bag.quantizedWeight).equals(Buffer.from(want)), `${dtype} from ${file.name} .pt`);
        assert.ok(calls >= 3, 'progress per chunk of the record');
        assert.ok(peak <= want.length + (4 << 20) + (1 << 16), `${dtype} from ${file.name} .pt: ${peak} bytes held`);
        bag.dispose();
        assert.equal(memoryInfo().allocatedBytes, before);
      }
    }
  }
  // An abort while the record streams: its reason, nothing left.
  const before = memoryInfo().allocatedBytes;
  const controller = new AbortController();
  const reason = new Error('stop');
  await assert.rejects(EmbeddingBag.fromTorch(files[0].bytes, { dtype: 'int8', signal: controller.signal, onProgress: ({ loadedBytes }) => {
    if (loadedBytes >= 2 << 20) controller.abort(reason);
  } }), (error) => error === reason);
  assert.equal(memoryInfo().allocatedBytes, before);
});

test('a collection\'s .pt tables stream and quantize, each from its own record', async () => {
  const other = floatRows(3);
  const source = new EmbeddingBagCollection([
    { name: 'a', numEmbeddings: N, embeddingDim: D, featureNames: ['fa'], weight: rows },
    { name: 'b', numEmbeddings: N, embeddingDim: D, featureNames: ['fb'], weight: other },
  ]);
  const file = source.toTorch();
  source.dispose();
  const ebc = await EmbeddingBagCollection.fromTorch(new Blob([file]), [
    { name: 'a', embeddingDim: D, featureNames: ['fa'], dtype: 'int4' },
    { name: 'b', embeddingDim: D, featureNames: ['fb'], dtype: 'int8' },
  ]);
  assert.ok(Buffer.from(ebc.table('a').quantizedWeight).equals(Buffer.from(quantizedOf(rows, 'int4'))));
  assert.ok(Buffer.from(ebc.table('b').quantizedWeight).equals(Buffer.from(quantizedOf(other, 'int8'))));
  ebc.dispose();
});
