// Loading trained weights: tables saved from PyTorch (tests/weights/generate.py)
// as safetensors and .npy, F32 and F16, give PyTorch's outputs; every source
// form; streaming across any chunk boundary; clear errors for bad files,
// with nothing left allocated; toSafetensors round trip.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { TABLE_METADATA } from '../../js/quantized.mjs';
import { rowBytes } from '../../js/registry.mjs';
import { floatTableWriter } from '../../js/row-stream.mjs';
import { loadTable } from '../../js/weights.mjs';
import { EmbeddingBag, memoryInfo } from './helpers.mjs';

const dir = fileURLToPath(new URL('../weights/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8'));
const FILES = [
  { file: 'table_f32.safetensors', load: EmbeddingBag.fromSafetensors, options: { tensor: expected.tensor }, table: 'f32' },
  { file: 'table_f16.safetensors', load: EmbeddingBag.fromSafetensors, options: {}, table: 'f16' },
  { file: 'table_f32.npy', load: EmbeddingBag.fromNpy, options: {}, table: 'f32' },
  { file: 'table_f16.npy', load: EmbeddingBag.fromNpy, options: {}, table: 'f16' },
];

// PyTorch's output; mean may differ by one ulp (one reciprocal multiply here,
// a division there), sum and max must be identical.
function assertMatchesTorch(actual, mode, table) {
  const want = expected.cases.find((c) => c.mode === mode && c.table === table).output;
  assert.equal(actual.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const w = Math.fround(want[i]);
    if (mode === 'mean') {
      const ulp = Math.abs(Math.fround(w * (1 + 2 ** -23)) - w) || 2 ** -149;
      assert.ok(Math.abs(actual[i] - w) <= ulp, `${mode} ${table} [${i}]: ${actual[i]} vs ${w}`);
    } else {
      assert.ok(Object.is(actual[i], w), `${mode} ${table} [${i}]: ${actual[i]} vs ${w}`);
    }
  }
}

test('tables saved from PyTorch (safetensors, npy; F32, F16) give PyTorch\'s outputs', async () => {
  for (const { file, load, options, table } of FILES) {
    for (const mode of ['sum', 'mean', 'max']) {
      const bag = await load(`${dir}${file}`, { ...options, mode });
      assert.equal(bag.numEmbeddings, expected.N);
      assert.equal(bag.embeddingDim, expected.D);
      assert.equal(bag.mode, mode);
      assertMatchesTorch(bag.forward(expected.indices, expected.offsets).data, mode, table);
      bag.dispose();
    }
  }
});

test('every source form: path, file URL, Buffer, Uint8Array, ArrayBuffer', async () => {
  const path = `${dir}table_f16.safetensors`;
  const bytes = readFileSync(path);
  const want = Array.from((await EmbeddingBag.fromSafetensors(path)).weight);
  const copy = new Uint8Array(bytes);
  for (const source of [pathToFileURL(path), bytes, copy, copy.buffer]) {
    const bag = await EmbeddingBag.fromSafetensors(source, { mode: 'sum' });
    assert.deepEqual(Array.from(bag.weight), want);
    bag.dispose();
  }
});

// What the package's loaders pass to loadTable, built from public API.
const BAGS = {
  create: (n, d, o, dtype) => (dtype === 'fp32'
    ? new EmbeddingBag(n, d, { ...o, weight: new Float32Array(n * d) })
    : EmbeddingBag.fromQuantized(new Uint8Array(n * rowBytes(dtype, d)), { ...o, dtype, embeddingDim: d })),
  // Float tensors into float32 bags (quantizing ones need the bag's handle: streamed-loads.test.mjs).
  tableWriter: (bag, dtype) => ({ write: floatTableWriter(bag, dtype), finish() {} }),
  optimizerRecord: () => null,  // these files record no optimizer (training.test.mjs loads those)
};
const tableBytes = (bag) => (bag.dtype === 'fp32' ? new Uint8Array(bag.weight.buffer, bag.weight.byteOffset, bag.weight.byteLength) : bag.quantizedWeight);

test('streamed in pieces of any size (header, float16 values and quantized rows split across chunks)', async () => {
  const FILES_AND_OPTIONS = [
    ['table_f16.safetensors', {}], ['table_f32.safetensors', { tensor: expected.tensor }], ['table_f16.npy', {}],
    ['table_int8.safetensors', { dtype: 'int8' }], ['table_int4.npy', { dtype: 'int4' }], ['table_f16.npy', { dtype: 'fp16' }],
  ];
  for (const [file, options] of FILES_AND_OPTIONS) {
    const bytes = new Uint8Array(readFileSync(`${dir}${file}`));
    const format = file.endsWith('.npy') ? 'npy' : 'safetensors';
    const whole = await loadTable(format, bytes, options, null, BAGS, TABLE_METADATA);
    for (const piece of [1, 2, 3, 5, 7, 64, 333]) {
      const platform = {
        openSource: () => ({
          total: undefined,
          chunks: (async function* pieces() {
            for (let at = 0; at < bytes.length; at += piece) yield bytes.slice(at, at + piece);
          })(),
        }),
      };
      const bag = await loadTable(format, 'streamed', options, platform, BAGS, TABLE_METADATA);
      assert.equal(bag.dtype, whole.dtype);
      assert.ok(Buffer.from(tableBytes(bag)).equals(Buffer.from(tableBytes(whole))), `${file} in pieces of ${piece}`);
      bag.dispose();
    }
    whole.dispose();
  }
});

test('bad files and options: clear errors, nothing left allocated', async () => {
  const f32 = new Uint8Array(readFileSync(`${dir}table_f32.safetensors`));
  const npy = new Uint8Array(readFileSync(`${dir}table_f32.npy`));
  // A safetensors file whose header says what we want it to say.
  const lying = (header) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const file = new Uint8Array(8 + json.length + 16);
    new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
    file.set(json, 8);
    return file;
  };
  const before = memoryInfo().allocatedBytes;
  const cases = [
    [() => EmbeddingBag.fromSafetensors(f32), TypeError, /holds 2 tensors \(embedding_bag\.weight, classifier\.bias\): say which with \{ tensor \}/],
    [() => EmbeddingBag.fromSafetensors(f32, { tensor: 'classifier.bias' }), TypeError, /tensor 'classifier\.bias' has dtype I64; a table needs F32 \(float32\), F16 \(float16\), BF16 \(bfloat16\) or U8 \(quantized rows\)/],
    [() => EmbeddingBag.fromSafetensors(f32, { tensor: 'encoder.weight' }), RangeError, /no tensor 'encoder\.weight' in the safetensors file \(it has: embedding_bag\.weight, classifier\.bias\)/],
    [() => EmbeddingBag.fromSafetensors(f32.slice(0, f32.length - 24 - 5), { tensor: expected.tensor }), RangeError, /the file ends at byte \d+, inside tensor 'embedding_bag\.weight' .*truncated/],
    [() => EmbeddingBag.fromSafetensors(f32.slice(0, 30)), RangeError, /the file ends inside its header \(30 bytes\)/],
    [() => EmbeddingBag.fromSafetensors(lying({ w: { dtype: 'F32', shape: [4, 2], data_offsets: [0, 32] } })), RangeError, /ends at byte \d+, inside tensor 'w'/],
    [() => EmbeddingBag.fromSafetensors(lying({ w: { dtype: 'F32', shape: [4, 2], data_offsets: [0, 12] } })), RangeError, /data_offsets \[0,12\] cover 12 bytes, but F32 \[4,2\] needs 32/],
    [() => EmbeddingBag.fromSafetensors(lying({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } })), RangeError, /tensor 'w' has shape \[8\]; a table needs \[numEmbeddings, embeddingDim\]/],
    [() => EmbeddingBag.fromSafetensors(lying({ w: { dtype: 'Q4', shape: [2, 2], data_offsets: [0, 4] } })), TypeError, /unknown dtype "Q4"/],
    [() => EmbeddingBag.fromSafetensors(new TextEncoder().encode('not a weight file at all')), RangeError, /header length \d+ is larger than the format allows/],
    [() => EmbeddingBag.fromSafetensors(f32, { tensor: expected.tensor, weight: [1] }), TypeError, /options\.weight cannot be given: the table comes from the file/],
    [() => EmbeddingBag.fromSafetensors(f32, { tensor: expected.tensor, mode: 'median' }), RangeError, /mode = "median"/],
    [() => EmbeddingBag.fromSafetensors(42), TypeError, /source must be bytes \(Uint8Array, ArrayBuffer\), a Blob, a Response, a ReadableStream, a path or a URL, not 42/],
    [() => EmbeddingBag.fromSafetensors(`${dir}no-such-file.safetensors`), Error, /ENOENT/],
    [() => EmbeddingBag.fromNpy(npy.slice(0, npy.length - 1)), RangeError, /npy: the file ends at byte \d+, inside the array/],
    [() => EmbeddingBag.fromNpy(f32), RangeError, /npy: the file does not start with \\x93NUMPY/],
    [() => EmbeddingBag.fromNpy(npy, { tensor: 'x' }), TypeError, /options\.tensor is for safetensors files/],
  ];
  for (const [load, kind, message] of cases) {
    await assert.rejects(load, (error) => {
      assert.ok(error instanceof kind, `${error.name}: ${error.message}`);
      assert.match(error.message, message);
      return true;
    });
  }
  // A Fortran-ordered .npy (the header is rewritten in place, same length).
  const text = new TextDecoder('latin1').decode(npy);
  const fortran = new Uint8Array(npy);
  fortran.set(new TextEncoder().encode("'fortran_order': True, "), text.indexOf("'fortran_order': False"));
  await assert.rejects(EmbeddingBag.fromNpy(fortran), /Fortran \(column-major\) order/);
  assert.ok(memoryInfo().allocatedBytes <= before, 'a failed load leaves nothing allocated');
});

test('toSafetensors: a file fromSafetensors (and safetensors.torch) reads back', async () => {
  const bag = new EmbeddingBag(5, 3, { mode: 'sum', seed: 9 });
  const file = bag.toSafetensors({ name: 'emb.weight', metadata: { format: 'pt' } });
  const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0, 'the data starts 8-byte aligned');
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength)));
  // The options that change results are recorded (reapplied on load).
  const options = '{"mode":"sum","paddingIdx":null,"maxNorm":null,"normType":2,"scaleGradByFreq":false,"includeLastOffset":false,"sparse":false}';
  assert.deepEqual(header, {
    'emb.weight': { dtype: 'F32', shape: [5, 3], data_offsets: [0, 60] },
    __metadata__: { format: 'pt', 'embedding_bag_wasm.options': options },
  });
  const back = await EmbeddingBag.fromSafetensors(file);
  assert.equal(back.mode, 'sum');
  assert.deepEqual(Array.from(back.weight), Array.from(bag.weight));
  assert.throws(() => bag.toSafetensors({ name: '' }), TypeError);
  bag.dispose();
  back.dispose();
});

test('only the tensor asked for must be complete: a file cut after it still loads', async () => {
  const f32 = new Uint8Array(readFileSync(`${dir}table_f32.safetensors`));
  const bag = await EmbeddingBag.fromSafetensors(f32.slice(0, f32.length - 5), { tensor: expected.tensor, mode: 'max' });
  assertMatchesTorch(bag.forward(expected.indices, expected.offsets).data, 'max', 'f32');
  bag.dispose();
});
