// Checks the types and shapes of what users pass and says what they are:
// which typed array to copy, its length, its 2-D shape. Values (ranges,
// offsets order) are checked by the C++ core, which reports position and value.
// Every caller array is read once (snapshot.mjs): a typed array is pinned to
// a fixed-length view, a plain array's elements are read one time each;
// `pinned` collects the views for settle() once all arguments are converted.
import { isArray, show } from './errors.mjs';
import { IndexKind } from './registry.mjs';
import { pin, typedKind } from './snapshot.mjs';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function isPlainObject(x) {
  return x !== null && typeof x === 'object' && !isArray(x) && !ArrayBuffer.isView(x);
}

// A tf.Tensor (or any object whose data is read by a method): its values are
// not in memory we can copy from synchronously without the caller's say.
function rejectTensorLike(value, name, data) {
  if (value !== null && typeof value === 'object' && (typeof data === 'function' || typeof value.dataSync === 'function')) {
    throw new TypeError(`${name} looks like a tensor (its data is a method): pass its values, ` +
      `e.g. { data: await t.data(), shape: t.shape } or t.dataSync()`);
  }
}

// { data, shape } of an object argument, each property read once. The shape
// may be named dims, as onnxruntime-web's ort.Tensor names it.
function dataAndShape(value) {
  const hasShape = 'shape' in value;
  const hasDims = !hasShape && 'dims' in value;
  return { data: value.data, shape: hasShape ? value.shape : hasDims ? value.dims : undefined, hasData: 'data' in value, hasShape: hasShape || hasDims };
}

// The most elements a plain array argument may have. V8 keeps no array of
// numbers longer than 2^27 in one piece (a FixedDoubleArray's limit); a
// longer one is holey or a Proxy, and reading it element by element could
// run the host out of memory before a bad element is seen. Typed arrays
// have no such limit here.
export const MAX_PLAIN_LENGTH = 2 ** 27;

// The elements of a plain array, each read once (a getter or Proxy sees one
// read); `check(value, i)` sees each as it is read, so a hole or a bad value
// stops the read there. The length is checked before any element is read.
function readOnce(array, name, check) {
  const n = array.length;
  if (!(n <= MAX_PLAIN_LENGTH)) {
    throw new RangeError(`${name} has length ${show(n)}: a plain array may hold at most ${MAX_PLAIN_LENGTH} elements (pass a typed array)`);
  }
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = array[i];
    if (check !== undefined) check(v, i);
    out.push(v);
  }
  return out;
}

// A plain array that is either rows (its first element is an array: every
// element must be) or flat values (each checked by `flatCheck`), read once.
function readItems(array, name, flatCheck) {
  let check = null;
  return readOnce(array, name, (v, i) => {
    check ??= isArray(v, `${name}[${i}]`) ? rowElement(name) : flatCheck;
    check(v, i);
  });
}

/** The elements of a caller's plain array (a list of names, configs, texts), each read once, the length checked first. */
export const readList = (array, name) => readOnce(array, name);

// Element checks for readOnce.
function integerElement(name) {
  return (v, i) => {
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return;
    throw new TypeError(`${name}[${i}] = ${show(v)} is not an integer`);
  };
}
function numberElement(name) {
  return (v, i) => {
    if (typeof v !== 'number') throw new TypeError(`${name}[${i}] = ${show(v)} is not a number`);
  };
}
function rowElement(name) {
  return (v, i) => {
    if (!isArray(v, `${name}[${i}]`)) throw new TypeError(`${name}[${i}] must be an array (a 2-D input is an array of rows)`);
  };
}

// An integer array argument -> { kind, length, array } where array is an
// Int32Array or BigInt64Array ready to be copied into the heap.
// number[] becomes Int32Array when every value fits, else BigInt64Array (so
// that the core reports an out-of-range value exactly as given).
export function integerArray(value, name, pinned) {
  const kind = typedKind(value);
  if (kind === 'Int32Array' || kind === 'BigInt64Array') {
    const array = pin(value, kind, pinned, name);
    return { kind: kind === 'Int32Array' ? IndexKind.int32 : IndexKind.int64, length: array.length, array };
  }
  if (kind === 'Uint32Array') {
    // Copied as int32 (the core's index types are signed), after a check that
    // every value fits.
    const array = pin(value, kind, undefined, name);
    for (let i = 0; i < array.length; i++) {
      if (array[i] > INT32_MAX) throw new RangeError(`${name}[${i}] = ${array[i]} is out of range: Uint32Array indices must be below 2^31`);
    }
    return { kind: IndexKind.int32, length: array.length, array: Int32Array.from(array) };
  }
  if (isArray(value, name)) {
    const values = readOnce(value, name, integerElement(name));
    let fitsInt32 = true;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number' && Number.isInteger(v)) {
        if (v < INT32_MIN || v > INT32_MAX) fitsInt32 = false;
      } else if (typeof v === 'bigint') {
        fitsInt32 = false;
        if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`${name}[${i}] = ${v}n does not fit in 64 bits`);
      } else {
        throw new TypeError(`${name}[${i}] = ${show(v)} is not an integer`);
      }
    }
    if (fitsInt32) return { kind: IndexKind.int32, length: values.length, array: Int32Array.from(values) };
    const unsafe = values.findIndex((v) => typeof v === 'number' && !Number.isSafeInteger(v));
    if (unsafe >= 0) throw new RangeError(`${name}[${unsafe}] = ${values[unsafe]} is not a safe integer (use a BigInt64Array)`);
    return { kind: IndexKind.int64, length: values.length, array: BigInt64Array.from(values, (v) => BigInt(v)) };
  }
  throw new TypeError(`${name} must be an Int32Array, a BigInt64Array, a Uint32Array or an array of integers, not ${show(value)}`);
}

// A float argument -> Float32Array (pinned when it is one already). Float16
// values widen exactly; Float64 ones round to nearest, as Float32Array.from.
export function floatArray(value, name, pinned) {
  const kind = typedKind(value);
  if (kind === 'Float32Array') return pin(value, kind, pinned, name);
  if (kind === 'Float64Array' || kind === 'Float16Array') return Float32Array.from(pin(value, kind, undefined, name));
  if (isArray(value, name)) {
    const values = readOnce(value, name, numberElement(name));
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'number') throw new TypeError(`${name}[${i}] = ${show(values[i])} is not a number`);
      out[i] = values[i];
    }
    return out;
  }
  throw new TypeError(`${name} must be a Float32Array, Float64Array, Float16Array or an array of numbers, not ${show(value)}`);
}

// A 2-D shape [rows, cols] of non-negative integers, read once.
function shape2d(given, name) {
  const shape = isArray(given, `${name}.shape`) ? readOnce(given, `${name}.shape`) : given;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new TypeError(`${name}.shape must be [rows, columns] of non-negative integers, not ${show(given)}`);
  }
  return shape;
}

// number[][] -> flat values with their shape; rows must have equal length.
// Every row and element is read once.
function flattenRows(given, name) {
  const rows = readOnce(given, name, rowElement(name));
  const flat = [];
  let cols = 0;
  for (let b = 0; b < rows.length; b++) {
    const row = readOnce(rows[b], `${name}[${b}]`);
    if (b === 0) cols = row.length;
    if (row.length !== cols) {
      throw new RangeError(`${name}[${b}] has length ${row.length}, expected ${cols}: the rows of a 2-D input have one length`);
    }
    if (flat.length + cols > MAX_PLAIN_LENGTH) {
      throw new RangeError(`${name} has more than ${MAX_PLAIN_LENGTH} elements in its rows: a plain array may hold at most that many (pass { data, shape })`);
    }
    for (let l = 0; l < cols; l++) flat.push(row[l]);
  }
  return { flat, shape: [rows.length, cols] };
}

const TWO_D_NO_OFFSETS = 'offsets must be null for a 2-D input (each row is a bag)';

// The input of forward: { twoD, rows, rowLength, indices: integerArray(...) }.
export function forwardInput(input, offsets, pinned) {
  if (isPlainObject(input)) {
    const { data, shape, hasData, hasShape } = dataAndShape(input);
    rejectTensorLike(input, 'input', data);
    if (!hasData || !hasShape) {
      throw new TypeError('input must be an index array, an array of rows, or { data, shape: [B, L] }');
    }
    const [rows, rowLength] = shape2d(shape, 'input');
    const indices = integerArray(data, 'input.data', pinned);
    if (indices.length !== rows * rowLength) {
      throw new RangeError(`input.data has length ${indices.length}, expected ${rows * rowLength} (shape [${rows}, ${rowLength}])`);
    }
    if (offsets != null) throw new TypeError(TWO_D_NO_OFFSETS);
    return { twoD: true, rows, rowLength, indices };
  }
  const items = isArray(input, 'input') ? readItems(input, 'input', integerElement('indices')) : input;
  if (Array.isArray(items) && items.length > 0 && Array.isArray(items[0])) {
    const { flat, shape } = flattenRows(items, 'input');
    if (offsets != null) throw new TypeError(TWO_D_NO_OFFSETS);
    return { twoD: true, rows: shape[0], rowLength: shape[1], indices: integerArray(flat, 'input') };
  }
  const indices = integerArray(items, 'indices', pinned);
  if (offsets == null) {
    throw new TypeError('offsets are required with a 1-D input (or pass a 2-D input: an array of rows or { data, shape })');
  }
  return { twoD: false, indices, offsets: integerArray(offsets, 'offsets', pinned) };
}

// per_sample_weights: like the input, flat or 2-D -> Float32Array. A 2-D
// form must have the 2-D input's shape (a 1-D input takes a flat array);
// the length of a flat one is checked by the core against the indices.
export function perSampleWeightsArray(value, call, pinned) {
  let shape = null;
  let flat;
  if (isPlainObject(value)) {
    const { data, shape: given, hasData, hasShape } = dataAndShape(value);
    rejectTensorLike(value, 'perSampleWeights', data);
    if (!hasData) throw new TypeError('perSampleWeights must be a Float32Array, an array or { data, shape }');
    if (hasShape) {
      shape = isArray(given, 'perSampleWeights.shape') ? readOnce(given, 'perSampleWeights.shape') : given;
      if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
        throw new TypeError(`perSampleWeights.shape must be an array of non-negative integers, not ${show(given)}`);
      }
    }
    flat = floatArray(data, 'perSampleWeights.data', pinned);
  } else {
    const items = isArray(value, 'perSampleWeights') ? readItems(value, 'perSampleWeights', numberElement('perSampleWeights')) : value;
    if (Array.isArray(items) && items.length > 0 && Array.isArray(items[0])) {
      const rows = flattenRows(items, 'perSampleWeights');
      shape = rows.shape;
      flat = floatArray(rows.flat, 'perSampleWeights');
    } else {
      flat = floatArray(items, 'perSampleWeights', pinned);
    }
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

// gradOutput: Float32Array of B*D, or { data, shape: [B, D] } -> { data, shape
// (or null) }; the caller checks the shape against the last forward's.
export function gradOutputArray(value, pinned) {
  if (isPlainObject(value)) {
    const { data, shape, hasData, hasShape } = dataAndShape(value);
    rejectTensorLike(value, 'gradOutput', data);
    if (!hasData) throw new TypeError('gradOutput must be a Float32Array or { data, shape: [B, D] }');
    return { data: floatArray(data, 'gradOutput.data', pinned), shape: hasShape ? shape2d(shape, 'gradOutput') : null };
  }
  return { data: floatArray(value, 'gradOutput', pinned), shape: null };
}

// A table given as { data, shape: [N, D] } (fromPretrained, embeddingBag).
export function tableArgument(value, name, pinned) {
  if (!isPlainObject(value)) {
    throw new TypeError(`${name} must be { data: Float32Array, shape: [numEmbeddings, embeddingDim] }`);
  }
  const { data: given, shape: givenShape, hasData, hasShape } = dataAndShape(value);
  rejectTensorLike(value, name, given);
  if (!hasData || !hasShape) {
    throw new TypeError(`${name} must be { data: Float32Array, shape: [numEmbeddings, embeddingDim] }`);
  }
  const [n, d] = shape2d(givenShape, name);
  const data = floatArray(given, `${name}.data`, pinned);
  if (data.length !== n * d) {
    throw new RangeError(`${name}.data has length ${data.length}, expected ${n * d} (shape [${n}, ${d}])`);
  }
  return { data, numEmbeddings: n, embeddingDim: d };
}
