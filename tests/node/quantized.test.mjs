// Quantized tables (fp16, int8, int4) through the package:
// - EmbeddingBag.quantize writes PyTorch's prepacked bytes exactly;
// - a bag over PyTorch's rows matches torch.ops.quantized.embedding_bag_*_rowwise_offsets
//   within the README's bound, and fp16 matches F.embedding_bag over the
//   rounded table (sum / max bit for bit, mean within 1 ulp);
// - forward over a quantized table == forward over dequantize() bit for bit,
//   every mode, both input forms, every index type;
// - per-element quantization error within the README's bounds;
// - bad input: clear errors, nothing changed, nothing left allocated;
// - weight files with quantized rows (U8 safetensors / npy from PyTorch).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { halfToFloat } from '../../js/formats.mjs';
import { EmbeddingBag, memoryInfo, rng } from './helpers.mjs';

const golden = JSON.parse(readFileSync(new URL('../golden/quantized_golden.json', import.meta.url), 'utf8'));
const weightsDir = fileURLToPath(new URL('../weights/', import.meta.url));
const weightsExpected = JSON.parse(readFileSync(`${weightsDir}expected.json`, 'utf8'));
const EPS = 2 ** -24;

const fromBase64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));
const sameBits = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

// Decoded parts of column d of row r of PyTorch's packed rows: value = code * scale + bias.
function rowParts(rows, dtype, dim, r, d) {
  const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
  if (dtype === 'int8') {
    const at = r * (dim + 8);
    return { code: rows[at + d], scale: view.getFloat32(at + dim, true), bias: view.getFloat32(at + dim + 4, true) };
  }
  const bytes = Math.ceil(dim / 2);
  const at = r * (bytes + 4);
  return {
    code: (rows[at + (d >> 1)] >> ((d & 1) * 4)) & 15,
    scale: halfToFloat(view.getUint16(at + bytes, true)),
    bias: halfToFloat(view.getUint16(at + bytes + 2, true)),
  };
}

// The bags of a golden case: [begin, end) entry ranges.
function bagRanges(c) {
  const n = c.include_last_offset ? c.offsets.length - 1 : c.offsets.length;
  return Array.from({ length: n }, (_, b) => [c.offsets[b], b + 1 < c.offsets.length ? c.offsets[b + 1] : c.indices.length]);
}

// The README's bound between our result and PyTorch's quantized ops, for
// column d of bag [begin, end): 2 (L + 3) 2^-24 sum over entries of
// |w| (|code * scale| + |bias|), / L for mean, plus 2 ulp of the result.
function torchBound(c, rows, dtype, mode, weighted, [begin, end], d, result) {
  let t = 0;
  for (let k = begin; k < end; k++) {
    const { code, scale, bias } = rowParts(rows, dtype, c.embedding_dim, c.indices[k], d);
    const w = weighted ? Math.abs(c.per_sample_weights[k]) : 1;
    t += w * (Math.abs(code * scale) + Math.abs(bias));
  }
  const length = end - begin;
  const spread = 2 * (length + 3) * EPS * t;
  return (mode === 'mean' && length > 0 ? spread / length : spread) + 2 * EPS * Math.abs(result);
}

test('quantize writes the bytes of PyTorch\'s prepack ops (int8, int4) and Tensor.half() (fp16)', () => {
  for (const c of golden.cases) {
    const table = { data: Float32Array.from(c.weight), shape: [c.num_embeddings, c.embedding_dim] };
    for (const dtype of ['fp16', 'int8', 'int4']) {
      if (!c[dtype]) continue;
      const bag = EmbeddingBag.quantize(table, { dtype });
      try {
        assert.ok(sameBits(bag.quantizedWeight, fromBase64(c[dtype].rows)), `${c.name} ${dtype}: bytes differ from PyTorch's`);
      } finally {
        bag.dispose();
      }
    }
  }
});

test('a bag over PyTorch\'s quantized rows matches its quantized ops within the stated bound', () => {
  for (const c of golden.cases) {
    for (const dtype of ['int8', 'int4']) {
      if (!c[dtype]) continue;
      const rows = fromBase64(c[dtype].rows);
      for (const { mode, per_sample_weights: weighted, output } of c[dtype].outputs) {
        const bag = EmbeddingBag.fromQuantized(rows, { dtype, embeddingDim: c.embedding_dim, mode, includeLastOffset: c.include_last_offset });
        try {
          const psw = weighted ? Float32Array.from(c.per_sample_weights) : null;
          const { data } = bag.forward(Int32Array.from(c.indices), Int32Array.from(c.offsets), psw);
          assert.equal(data.length, output.length);
          bagRanges(c).forEach((range, b) => {
            for (let d = 0; d < c.embedding_dim; d++) {
              const i = b * c.embedding_dim + d;
              const want = Math.fround(output[i]);
              const bound = torchBound(c, rows, dtype, mode, weighted, range, d, want);
              const diff = Math.abs(data[i] - want);
              assert.ok(diff <= bound, `${c.name} ${dtype} ${mode}${weighted ? ' psw' : ''} bag ${b} col ${d}: ${data[i]} vs ${want} (bound ${bound})`);
            }
          });
        } finally {
          bag.dispose();
        }
      }
    }
  }
});

// PyTorch's weighted sum may fuse w * x into the add: 2 (L + 1) 2^-24 sum |w x|.
function weightedSumBound(c, rows, [begin, end], d) {
  const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
  let t = 0;
  for (let k = begin; k < end; k++) {
    const x = halfToFloat(view.getUint16(2 * (c.indices[k] * c.embedding_dim + d), true));
    t += Math.abs(c.per_sample_weights[k] * x);
  }
  return 2 * (end - begin + 1) * EPS * t;
}

test('fp16 tables give F.embedding_bag\'s outputs over the rounded table (sum, max exact; mean 1 ulp)', () => {
  for (const c of golden.cases) {
    const rows = fromBase64(c.fp16.rows);
    for (const { mode, per_sample_weights: weighted, output } of c.fp16.outputs) {
      const bag = EmbeddingBag.fromQuantized(rows, { dtype: 'fp16', embeddingDim: c.embedding_dim, mode, includeLastOffset: c.include_last_offset });
      try {
        const psw = weighted ? Float32Array.from(c.per_sample_weights) : null;
        const { data } = bag.forward(Int32Array.from(c.indices), Int32Array.from(c.offsets), psw);
        bagRanges(c).forEach((range, b) => {
          for (let d = 0; d < c.embedding_dim; d++) {
            const i = b * c.embedding_dim + d;
            const want = Math.fround(output[i]);
            const ulp = Math.abs(Math.fround(want * (1 + 2 ** -23)) - want) || 2 ** -149;
            let ok;
            if (weighted) ok = Math.abs(data[i] - want) <= weightedSumBound(c, rows, range, d);
            else if (mode === 'mean') ok = Math.abs(data[i] - want) <= ulp;
            else ok = Object.is(data[i], want);
            assert.ok(ok, `${c.name} fp16 ${mode}${weighted ? ' psw' : ''} [${i}]: ${data[i]} vs ${want}`);
          }
        });
      } finally {
        bag.dispose();
      }
    }
  }
});

// A random float bag and a workload with duplicates, padding and empty bags.
function workload(seed, n, d, mode, paddingIdx) {
  const random = rng(seed);
  const bag = new EmbeddingBag(n, d, { mode, paddingIdx, seed });
  const lengths = Array.from({ length: 11 }, (_, b) => (b === 3 ? 0 : Math.floor(random() * 9)));
  const indices = [];
  const offsets = [];
  for (const length of lengths) {
    offsets.push(indices.length);
    for (let k = 0; k < length; k++) indices.push(random() < 0.15 ? bag.paddingIdx ?? 0 : Math.floor(random() * n));
  }
  const psw = Float32Array.from(indices, () => random() * 4 - 2);
  return { bag, indices, offsets, psw };
}

test('forward over a quantized table equals forward over its dequantize(), bit for bit', () => {
  let seed = 1;
  for (const dtype of ['fp16', 'int8', 'int4']) {
    for (const mode of ['sum', 'mean', 'max']) {
      for (const d of [1, 3, 4, 7, 16, 33, 64, 100]) {
        const { bag, indices, offsets, psw } = workload(seed++, 29, d, mode, mode === 'max' ? null : -2);
        const q = EmbeddingBag.quantize(bag, { dtype });
        const back = q.dequantize();
        try {
          assert.equal(q.dtype, dtype);
          assert.equal(back.dtype, 'fp32');
          assert.equal(q.mode, mode);
          assert.equal(q.paddingIdx, bag.paddingIdx);
          const forms = [
            [Int32Array.from(indices), Int32Array.from(offsets)],
            [BigInt64Array.from(indices, BigInt), BigInt64Array.from(offsets, BigInt)],
            [indices, offsets],
          ];
          for (const [i, o] of forms) {
            const weights = mode === 'sum' ? psw : null;
            assert.ok(sameBits(q.forward(i, o, weights).data, back.forward(i, o, weights).data), `${dtype} ${mode} D ${d}`);
          }
          // 2-D input: 3 bags of 4.
          const twoD = { data: Int32Array.from(indices.slice(0, 12)), shape: [3, 4] };
          if (indices.length >= 12) assert.ok(sameBits(q.forward(twoD).data, back.forward(twoD).data));
        } finally {
          for (const b of [bag, q, back]) b.dispose();
        }
      }
    }
  }
});

test('per-element quantization error within the README\'s bounds', () => {
  const n = 200;
  const d = 48;
  const bag = new EmbeddingBag(n, d, { seed: 7 });
  const w = bag.weight;
  for (let k = 0; k < d; k++) w[5 * d + k] = k * 1000 + 0.5; // a wide row
  for (let k = 0; k < d; k++) w[6 * d + k] = (k - 20) * 1e-7; // subnormal halves
  const table = w.slice();
  for (const dtype of ['fp16', 'int8', 'int4']) {
    const q = EmbeddingBag.quantize(bag, { dtype });
    const back = q.dequantize();
    try {
      const values = back.weight;
      for (let r = 0; r < n; r++) {
        const row = table.subarray(r * d, (r + 1) * d);
        const min = Math.min(...row);
        const max = Math.max(...row);
        for (let k = 0; k < d; k++) {
          const x = row[k];
          let bound;
          if (dtype === 'fp16') bound = Math.max(Math.abs(x) * 2 ** -11, 2 ** -25);
          // PyTorch's 255 / (max - min + 1e-8) shifts codes by up to 1e-8 in value.
          else if (dtype === 'int8') bound = (max - min) / 510 + 1e-8 + 2 ** -20 * Math.max(Math.abs(max), Math.abs(min));
          else {
            // Half a code step, plus float16 rounding of the scale (times up
            // to 15 codes) and of the bias: relative 2^-11, or 2^-25 absolute
            // in float16's subnormal range.
            const scaleRounding = Math.max(((max - min) / 15) * 2 ** -11, 2 ** -25);
            const biasRounding = Math.max(Math.abs(min) * 2 ** -11, 2 ** -25);
            bound = (max - min) / 30 + 15 * scaleRounding + 2 * biasRounding + 2 ** -20 * (Math.abs(max) + Math.abs(min));
          }
          const error = Math.abs(values[r * d + k] - x);
          assert.ok(error <= bound, `${dtype} [${r}][${k}]: ${x} -> ${values[r * d + k]} (error ${error} > ${bound})`);
        }
      }
    } finally {
      q.dispose();
      back.dispose();
    }
  }
  bag.dispose();
});

test('bytes per row: 4 D (fp32), 2 D (fp16), D + 8 (int8), ceil(D / 2) + 4 (int4)', () => {
  const bag = new EmbeddingBag(10, 64, { seed: 1 });
  const sizes = {};
  for (const dtype of ['fp16', 'int8', 'int4']) {
    const q = EmbeddingBag.quantize(bag, { dtype });
    sizes[dtype] = q.quantizedWeight.length / 10;
    q.dispose();
  }
  assert.deepEqual(sizes, { fp16: 128, int8: 72, int4: 36 });
  assert.equal(bag.quantizedWeight, null);
  bag.dispose();
  const odd = EmbeddingBag.fromQuantized(new Uint8Array(3 * 8), { dtype: 'int4', embeddingDim: 7 });
  assert.equal(odd.numEmbeddings, 3);
  odd.dispose();
});

test('bad input to quantize / fromQuantized and misuse of a quantized bag: clear errors, nothing left allocated', () => {
  const bag = new EmbeddingBag(6, 4, { seed: 2, mode: 'sum' });
  const before = memoryInfo().allocatedBytes;
  const withNan = new EmbeddingBag(6, 4, { seed: 2 });
  withNan.weight[2 * 4 + 3] = NaN;
  const huge = new EmbeddingBag(6, 4, { seed: 2 });
  huge.weight[9] = 70000;
  const renorm = new EmbeddingBag(6, 4, { seed: 2, maxNorm: 1 });
  const afterSources = memoryInfo().allocatedBytes;
  const q = EmbeddingBag.quantize(bag, { dtype: 'int8' });
  const cases = [
    [() => EmbeddingBag.quantize(bag, {}), TypeError, /dtype = undefined must be one of 'fp16', 'int8', 'int4'/],
    [() => EmbeddingBag.quantize(bag, { dtype: 'int2' }), RangeError, /dtype = "int2" must be one of/],
    [() => EmbeddingBag.quantize(bag, { dtype: 'fp32' }), RangeError, /dtype = "fp32" must be one of/],
    [() => EmbeddingBag.quantize(q, { dtype: 'int4' }), TypeError, /already quantized \(int8\)/],
    [() => EmbeddingBag.quantize([1, 2], { dtype: 'int4' }), TypeError, /source must be an EmbeddingBag or a table/],
    [() => EmbeddingBag.quantize({ data: new Float32Array(5), shape: [2, 3] }, { dtype: 'int4' }), RangeError, /source\.data has length 5, expected 6/],
    [() => EmbeddingBag.quantize(withNan, { dtype: 'int8' }), RangeError, /weight\[2\]\[3\] = NaN cannot be quantized to int8: it is not finite/],
    [() => EmbeddingBag.quantize(huge, { dtype: 'fp16' }), RangeError, /weight\[2\]\[1\] = 70000 cannot be quantized to fp16: it is beyond float16's range/],
    [() => EmbeddingBag.quantize(renorm, { dtype: 'int4' }), RangeError, /maxNorm = 1 cannot be used with a quantized table \(int4\).*pass maxNorm: null/],
    [() => EmbeddingBag.quantize(bag, { dtype: 'int8', sparse: true }), TypeError, /sparse concerns gradients; a quantized \(int8\) bag is inference-only/],
    [() => EmbeddingBag.quantize(bag, { dtype: 'int8', weight: [] }), TypeError, /options\.weight cannot be given/],
    [() => EmbeddingBag.quantize(bag, { dtype: 'int8', mode: 'avg' }), RangeError, /mode = "avg" must be 'sum', 'mean', 'max' or 'sqrtn'/],
    [() => EmbeddingBag.fromQuantized(new Uint8Array(24), { dtype: 'int8' }), TypeError, /embeddingDim = undefined must be an integer/],
    [() => EmbeddingBag.fromQuantized(new Uint8Array(25), { dtype: 'int8', embeddingDim: 4 }), RangeError, /bytes has length 25, not a positive multiple of 12 \(one int8 row of 4 columns: D uint8 codes \+ float32 scale \+ float32 bias\)/],
    [() => EmbeddingBag.fromQuantized(new Uint8Array(0), { dtype: 'int4', embeddingDim: 4 }), RangeError, /bytes has length 0, not a positive multiple of 6/],
    [() => EmbeddingBag.fromQuantized(new Uint8Array(24), { dtype: 'int8', embeddingDim: 4, numEmbeddings: 3 }), RangeError, /bytes has length 24, expected 36/],
    [() => EmbeddingBag.fromQuantized('abc', { dtype: 'fp16', embeddingDim: 4 }), TypeError, /bytes must be bytes/],
    [() => EmbeddingBag.fromQuantized(new Uint8Array(8), { dtype: 'bf16', embeddingDim: 4 }), RangeError, /dtype = "bf16"/],
    [() => q.backward(new Float32Array(8)), Error, /backward\(\) is not available: this bag's table is int8 \(quantized\), inference only/],
    [() => q.weight, TypeError, /table is int8 \(quantized\): read its rows with quantizedWeight, or its values with dequantize\(\)/],
    [() => bag.dequantize(), TypeError, /dequantize\(\) needs a quantized bag/],
    [() => q.forward([0, 6], [0]), RangeError, /indices\[1\] = 6 is out of range \[0, 6\)/],
  ];
  for (const [call, kind, message] of cases) {
    assert.throws(call, (error) => error instanceof kind && message.test(error.message), `expected ${kind.name} ${message}`);
  }
  q.dispose();
  for (const b of [withNan, huge, renorm]) b.dispose();
  assert.equal(memoryInfo().allocatedBytes, before, 'nothing left allocated');
  assert.ok(afterSources > before);
  bag.dispose();
});

test('quantized bags: inspect, options carried over and overridden, toSafetensors round trip', async () => {
  const bag = new EmbeddingBag(8, 6, { mode: 'max', paddingIdx: 3, seed: 4 });
  const q = EmbeddingBag.quantize(bag, { dtype: 'int4', mode: 'sum', includeLastOffset: true });
  try {
    assert.equal(q.mode, 'sum');
    assert.equal(q.paddingIdx, 3);
    assert.equal(q.includeLastOffset, true);
    assert.match(String(q[Symbol.for('nodejs.util.inspect.custom')]()), /EmbeddingBag\(8, 6, mode='sum', dtype='int4', paddingIdx=3/);
    for (const dtype of ['fp16', 'int8', 'int4']) {
      const source = EmbeddingBag.quantize(bag, { dtype });
      const file = source.toSafetensors({ name: 'emb', metadata: { note: 'x' } });
      const back = await EmbeddingBag.fromSafetensors(file, { mode: 'max' });
      try {
        assert.equal(back.dtype, dtype);
        assert.equal(back.embeddingDim, 6);
        assert.ok(sameBits(back.quantizedWeight, source.quantizedWeight));
        // Asked for float32 instead: the values, widened / dequantised.
        const wide = await EmbeddingBag.fromSafetensors(file, { dtype: dtype === 'fp16' ? 'fp32' : dtype });
        assert.equal(wide.dtype, dtype === 'fp16' ? 'fp32' : dtype);
        wide.dispose();
      } finally {
        source.dispose();
        back.dispose();
      }
    }
  } finally {
    q.dispose();
    bag.dispose();
  }
});

test('weight files from PyTorch with quantized rows (U8 safetensors, uint8 npy) and float files quantized on load', async () => {
  const { indices, offsets } = weightsExpected;
  const int8 = readFileSync(`${weightsDir}table_int8.safetensors`);
  const int4 = readFileSync(`${weightsDir}table_int4.npy`);
  for (const [load, file, dtype] of [[EmbeddingBag.fromSafetensors, int8, 'int8'], [EmbeddingBag.fromNpy, int4, 'int4']]) {
    for (const mode of ['sum', 'mean']) {
      const bag = await load(file, { dtype, mode });
      try {
        assert.equal(bag.dtype, dtype);
        assert.equal(bag.embeddingDim, weightsExpected.D);
        const want = weightsExpected.cases.find((c) => c.table === dtype && c.mode === mode).output;
        const { data } = bag.forward(indices, offsets);
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(data[i] - want[i]) <= 1e-5, `${dtype} ${mode} [${i}]: ${data[i]} vs ${want[i]}`);
      } finally {
        bag.dispose();
      }
    }
  }
  // A float32 file quantized while loading = quantize() of the float bag.
  const f32 = readFileSync(`${weightsDir}table_f32.safetensors`);
  const float = await EmbeddingBag.fromSafetensors(f32, { tensor: weightsExpected.tensor });
  for (const dtype of ['fp16', 'int8', 'int4']) {
    const direct = EmbeddingBag.quantize(float, { dtype });
    const loaded = await EmbeddingBag.fromSafetensors(f32, { tensor: weightsExpected.tensor, dtype });
    assert.ok(sameBits(loaded.quantizedWeight, direct.quantizedWeight), dtype);
    direct.dispose();
    loaded.dispose();
  }
  float.dispose();
  const before = memoryInfo().allocatedBytes;
  await assert.rejects(EmbeddingBag.fromSafetensors(int8), (e) => e instanceof TypeError &&
    /tensor 'weight' \(U8 \[50, 16\]\) holds quantized rows: say which layout with \{ dtype: 'int8' \}/.test(e.message));
  await assert.rejects(EmbeddingBag.fromNpy(int4, { dtype: 'int8' }), (e) => e instanceof RangeError &&
    /8 bytes per row is not an int8 row \(D uint8 codes \+ float32 scale \+ float32 bias\) of D >= 1 columns/.test(e.message));
  await assert.rejects(EmbeddingBag.fromNpy(int4, { dtype: 'int9' }), (e) => e instanceof RangeError && /dtype = "int9" must be one of 'fp32', 'fp16', 'int8', 'int4'/.test(e.message));
  assert.equal(memoryInfo().allocatedBytes, before);
});
