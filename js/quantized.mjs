// Quantized tables on the JavaScript side: checking a dtype name, viewing
// bytes, the message of a failed quantization. The dtypes themselves (names,
// row sizes, layouts) come from the registry (registry.mjs); the formats are
// documented in include/ebag/embedding_bag.h.
import { show } from './errors.mjs';
import { dtypeInfo, dtypeNames, quantizedDtypeNames, rowBytes } from './registry.mjs';

// The safetensors metadata keys toSafetensors writes for a quantized table
// (its dtype, and D, which an int4 row's byte count leaves open).
export const TABLE_METADATA = Object.freeze({
  dtype: 'embedding_bag_wasm.dtype',
  embeddingDim: 'embedding_bag_wasm.embedding_dim',
  // The bag's options that change its results (JSON), reapplied on load.
  options: 'embedding_bag_wasm.options',
});
// Those options, by their JavaScript names.
const RECORDED_OPTIONS = Object.freeze(['mode', 'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'includeLastOffset', 'sparse']);

/** A bag's options that change its results, as the JSON toSafetensors records (normType Infinity as "Infinity"). */
export function recordOptions(bag) {
  return JSON.stringify(Object.fromEntries(RECORDED_OPTIONS.map((key) => [key, bag[key]])),
    (key, value) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}

/**
 * The options a file's metadata records (recordOptions), as bag options; {}
 * when it records none. A record that is not what recordOptions writes is a
 * RangeError naming the file's value.
 */
export function recordedOptions(metadata, format) {
  const text = metadata && Object.hasOwn(metadata, TABLE_METADATA.options) ? metadata[TABLE_METADATA.options] : undefined;
  if (text === undefined) return {};
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // refused below
  }
  const valid = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) &&
    Object.keys(parsed).every((key) => RECORDED_OPTIONS.includes(key));
  if (!valid) throw new RangeError(`${format}: the file's ${TABLE_METADATA.options} = ${show(text)} is not a record of bag options`);
  const options = Object.create(null);
  for (const key of Object.keys(parsed)) options[key] = key === 'normType' && parsed[key] === 'Infinity' ? Infinity : parsed[key];
  return options;
}

/** Checks options.dtype of quantize / fromQuantized. */
export function quantizedDtype(dtype) {
  const names = quantizedDtypeNames();
  if (typeof dtype !== 'string') {
    throw new TypeError(`dtype = ${show(dtype)} must be one of ${names.map((d) => `'${d}'`).join(', ')}`);
  }
  if (!names.includes(dtype)) {
    throw new RangeError(`dtype = ${show(dtype)} must be one of ${names.map((d) => `'${d}'`).join(', ')}`);
  }
  return dtype;
}

/** The bytes of a Uint8Array, ArrayBuffer, Buffer or any typed array. */
export function byteView(value, name) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) {
    return new Uint8Array(value);
  }
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`${name} must be bytes (Uint8Array, ArrayBuffer, Buffer or another typed array), not ${show(value)}`);
}

/**
 * The error of a quantization that the core refused: element `position` of
 * the float32 table `weight` (N x D) cannot be represented in `dtype`.
 */
export function notQuantizableError(weight, dim, position, dtype) {
  const value = weight[position];
  const where = `weight[${Math.floor(position / dim)}][${position % dim}] = ${value}`;
  let why;
  if (!Number.isFinite(value)) why = 'it is not finite';
  else if (dtype === 'fp16') why = 'it is beyond float16\'s range (+-65504)';
  else if (dtype === 'int8') why = 'its row\'s range (max - min) overflows float32';
  else why = 'its row\'s bias (min) or scale ((max - min) / 15) is beyond float16\'s range';
  return new RangeError(`${where} cannot be quantized to ${dtype}: ${why}`);
}

/** Quantized dtypes whose rows are stored as uint8 rows: codes of under 16 bits plus a scale and bias (int8, int4). */
export const packedRowDtypes = () => quantizedDtypeNames().filter((d) => dtypeInfo(d).paramBytes > 0);

/**
 * D of a packed row of `cols` bytes of `dtype` (`recorded` when a file
 * records it: with codes under 8 bits the last byte may be half used, an odd
 * D of int4), or null when no D >= 1 makes a row of that many bytes.
 */
export function packedDim(dtype, cols, recorded = undefined) {
  const { codeBits, paramBytes } = dtypeInfo(dtype);
  const dim = recorded ?? Math.floor(((cols - paramBytes) * 8) / codeBits);
  return dim >= 1 && rowBytes(dtype, dim) === cols ? dim : null;
}

/** A loader's options.dtype: undefined, or a dtype's name (else a TypeError / RangeError naming the choices). */
export function checkLoadDtype(dtype) {
  if (dtype !== undefined && !dtypeNames().includes(dtype)) {
    throw new (typeof dtype === 'string' ? RangeError : TypeError)(`dtype = ${show(dtype)} must be one of ${dtypeNames().map((d) => `'${d}'`).join(', ')}`);
  }
}
