// The table dtypes as the JavaScript side sees them: names, the C++ row
// format numbers (ebag::RowFormat; 0 = float32), bytes per row, and the
// messages of a failed quantization. The formats themselves are documented in
// src/embedding_bag.h.
import { show } from './errors.mjs';

export const DTYPES = Object.freeze({ fp32: 0, fp16: 1, int8: 2, int4: 3 });
export const QUANTIZED_DTYPES = Object.freeze(['fp16', 'int8', 'int4']);
// The safetensors metadata keys toSafetensors writes for a quantized table
// (its dtype, and D, which an int4 row's byte count leaves open).
export const TABLE_METADATA = Object.freeze({ dtype: 'embedding_bag_wasm.dtype', embeddingDim: 'embedding_bag_wasm.embedding_dim' });

const LAYOUTS = {
  fp32: 'D float32 values',
  fp16: 'D float16 values',
  int8: 'D uint8 codes + float32 scale + float32 bias',
  int4: 'ceil(D / 2) bytes of 4-bit codes + float16 scale + float16 bias',
};

/** Bytes of one row of `dtype` with `dim` columns. */
export function rowBytes(dtype, dim) {
  switch (dtype) {
    case 'fp32': return 4 * dim;
    case 'fp16': return 2 * dim;
    case 'int8': return dim + 8;
    default: return Math.ceil(dim / 2) + 4;
  }
}

/** A row's layout in words, for messages. */
export function rowLayout(dtype) {
  return LAYOUTS[dtype];
}

/** Checks options.dtype of quantize / fromQuantized. */
export function quantizedDtype(dtype) {
  if (typeof dtype !== 'string') {
    throw new TypeError(`dtype = ${show(dtype)} must be one of ${QUANTIZED_DTYPES.map((d) => `'${d}'`).join(', ')}`);
  }
  if (!QUANTIZED_DTYPES.includes(dtype)) {
    throw new RangeError(`dtype = ${show(dtype)} must be one of ${QUANTIZED_DTYPES.map((d) => `'${d}'`).join(', ')}`);
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
