// Checks the types and shapes of what users pass and says what they are:
// which typed array to copy, its length, its 2-D shape. Values (ranges,
// offsets order) are checked by the C++ core, which reports position and value.
import { show } from './errors.mjs';
import { IndexKind } from './registry.mjs';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;


function isPlainObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

// A tf.Tensor (or any object whose data is read by a method): its values are
// not in memory we can copy from synchronously without the caller's say.
function rejectTensorLike(value, name) {
  if (value !== null && typeof value === 'object' && (typeof value.data === 'function' || typeof value.dataSync === 'function')) {
    throw new TypeError(`${name} looks like a tensor (its data is a method): pass its values, ` +
      `e.g. { data: await t.data(), shape: t.shape } or t.dataSync()`);
  }
}

// An integer array argument -> { kind, length, array } where array is an
// Int32Array or BigInt64Array ready to be copied into the heap.
// number[] becomes Int32Array when every value fits, else BigInt64Array (so
// that the core reports an out-of-range value exactly as given).
export function integerArray(value, name) {
  if (value instanceof Int32Array) return { kind: IndexKind.int32, length: value.length, array: value };
  if (value instanceof BigInt64Array) return { kind: IndexKind.int64, length: value.length, array: value };
  if (Array.isArray(value)) {
    let fitsInt32 = true;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'number' && Number.isInteger(v)) {
        if (v < INT32_MIN || v > INT32_MAX) fitsInt32 = false;
      } else if (typeof v === 'bigint') {
        fitsInt32 = false;
        if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`${name}[${i}] = ${v}n does not fit in 64 bits`);
      } else {
        throw new TypeError(`${name}[${i}] = ${show(v)} is not an integer`);
      }
    }
    if (fitsInt32) return { kind: IndexKind.int32, length: value.length, array: Int32Array.from(value) };
    if (value.some((v) => typeof v === 'number' && !Number.isSafeInteger(v))) {
      const i = value.findIndex((v) => typeof v === 'number' && !Number.isSafeInteger(v));
      throw new RangeError(`${name}[${i}] = ${value[i]} is not a safe integer (use a BigInt64Array)`);
    }
    return { kind: IndexKind.int64, length: value.length, array: BigInt64Array.from(value, (v) => BigInt(v)) };
  }
  throw new TypeError(`${name} must be an Int32Array, a BigInt64Array or an array of integers, not ${show(value)}`);
}

// A float argument -> Float32Array (copied only when it is not one already).
export function floatArray(value, name) {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] !== 'number') throw new TypeError(`${name}[${i}] = ${show(value[i])} is not a number`);
    }
    return Float32Array.from(value);
  }
  throw new TypeError(`${name} must be a Float32Array or an array of numbers, not ${show(value)}`);
}

// A 2-D shape [rows, cols] of non-negative integers.
function shape2d(shape, name) {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new TypeError(`${name}.shape must be [rows, columns] of non-negative integers, not ${show(shape)}`);
  }
  return shape;
}

// number[][] -> flat number[] with its shape; rows must have equal length.
function flattenRows(rows, name) {
  const cols = rows.length > 0 ? (Array.isArray(rows[0]) ? rows[0].length : -1) : 0;
  const flat = [];
  for (let b = 0; b < rows.length; b++) {
    if (!Array.isArray(rows[b])) throw new TypeError(`${name}[${b}] must be an array (a 2-D input is an array of rows)`);
    if (rows[b].length !== cols) {
      throw new RangeError(`${name}[${b}] has length ${rows[b].length}, expected ${cols}: the rows of a 2-D input have one length`);
    }
    for (let l = 0; l < cols; l++) flat.push(rows[b][l]);
  }
  return { flat, shape: [rows.length, cols] };
}

// The input of forward: { twoD, rows, rowLength, indices: integerArray(...) }.
export function forwardInput(input, offsets) {
  rejectTensorLike(input, 'input');
  if (isPlainObject(input)) {
    if (!('data' in input) || !('shape' in input)) {
      throw new TypeError('input must be an index array, an array of rows, or { data, shape: [B, L] }');
    }
    const [rows, rowLength] = shape2d(input.shape, 'input');
    const indices = integerArray(input.data, 'input.data');
    if (indices.length !== rows * rowLength) {
      throw new RangeError(`input.data has length ${indices.length}, expected ${rows * rowLength} (shape [${rows}, ${rowLength}])`);
    }
    if (offsets != null) throw new TypeError('offsets must be null for a 2-D input (each row is a bag)');
    return { twoD: true, rows, rowLength, indices };
  }
  if (Array.isArray(input) && input.length > 0 && Array.isArray(input[0])) {
    const { flat, shape } = flattenRows(input, 'input');
    if (offsets != null) throw new TypeError('offsets must be null for a 2-D input (each row is a bag)');
    return { twoD: true, rows: shape[0], rowLength: shape[1], indices: integerArray(flat, 'input') };
  }
  const indices = integerArray(input, 'indices');
  if (offsets == null) {
    throw new TypeError('offsets are required with a 1-D input (or pass a 2-D input: an array of rows or { data, shape })');
  }
  return { twoD: false, indices, offsets: integerArray(offsets, 'offsets') };
}

// per_sample_weights: like the input, flat or 2-D -> Float32Array. A 2-D
// form must have the 2-D input's shape (a 1-D input takes a flat array);
// the length of a flat one is checked by the core against the indices.
export function perSampleWeightsArray(value, call) {
  rejectTensorLike(value, 'perSampleWeights');
  let shape = null;
  let flat;
  if (isPlainObject(value)) {
    if (!('data' in value)) throw new TypeError('perSampleWeights must be a Float32Array, an array or { data, shape }');
    if ('shape' in value) {
      if (!Array.isArray(value.shape) || !value.shape.every((s) => Number.isInteger(s) && s >= 0)) {
        throw new TypeError(`perSampleWeights.shape must be an array of non-negative integers, not ${show(value.shape)}`);
      }
      shape = value.shape;
    }
    flat = floatArray(value.data, 'perSampleWeights.data');
  } else if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const rows = flattenRows(value, 'perSampleWeights');
    shape = rows.shape;
    flat = floatArray(rows.flat, 'perSampleWeights');
  } else {
    flat = floatArray(value, 'perSampleWeights');
  }
  if (shape !== null && shape.length !== 1) {
    const want = call.twoD ? [call.rows, call.rowLength] : null;
    if (want === null || shape.length !== 2 || shape[0] !== want[0] || shape[1] !== want[1]) {
      throw new RangeError(`perSampleWeights has shape [${shape.join(', ')}], expected ` +
        (want ? `[${want.join(', ')}] (the input's shape)` : `a flat array of ${call.indices.length} (one per index of a 1-D input)`));
    }
  }
  return flat;
}

// gradOutput: Float32Array of B*D, or { data, shape: [B, D] }.
export function gradOutputArray(value, numBags, embeddingDim) {
  rejectTensorLike(value, 'gradOutput');
  if (isPlainObject(value)) {
    if (!('data' in value)) throw new TypeError('gradOutput must be a Float32Array or { data, shape: [B, D] }');
    if ('shape' in value) {
      const [b, d] = shape2d(value.shape, 'gradOutput');
      if (b !== numBags || d !== embeddingDim) {
        throw new RangeError(`gradOutput.shape = [${b}, ${d}], expected [${numBags}, ${embeddingDim}] (the output's shape)`);
      }
    }
    return floatArray(value.data, 'gradOutput.data');
  }
  return floatArray(value, 'gradOutput');
}

// A table given as { data, shape: [N, D] } (fromPretrained, embeddingBag).
export function tableArgument(value, name) {
  rejectTensorLike(value, name);
  if (!isPlainObject(value) || !('data' in value) || !('shape' in value)) {
    throw new TypeError(`${name} must be { data: Float32Array, shape: [numEmbeddings, embeddingDim] }`);
  }
  const [n, d] = shape2d(value.shape, name);
  const data = floatArray(value.data, `${name}.data`);
  if (data.length !== n * d) {
    throw new RangeError(`${name}.data has length ${data.length}, expected ${n * d} (shape [${n}, ${d}])`);
  }
  return { data, numEmbeddings: n, embeddingDim: d };
}
