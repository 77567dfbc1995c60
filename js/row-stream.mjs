// A float tensor's bytes, as a file streams them, written into a bag's
// table: as float32 (F32 copied, F16 / BF16 widened exactly), or quantized
// on the way (int8 / int4 / fp16) a block of whole rows at a time in the
// core's staging room, so that the float table is never held: a 5 GB
// float32 file loads as its 1.4 GB of int8 rows. Every quantized row is the
// one EmbeddingBag.quantize writes for the same float row (each row is
// quantized on its own: ebag::quantize_rows).
import { halfToFloat } from './formats.mjs';
import { heap } from './module.mjs';
import { notQuantizableError } from './quantized.mjs';
import { Code } from './registry.mjs';

/** The tensor dtypes whose elements become float32 values (bytes per element). */
export const FLOAT_ELEMENT_BYTES = Object.freeze({ F32: 4, F16: 2, BF16: 2 });

// Rows gathered per quantize call: about 4 MiB of float32, at least one row.
const BLOCK_BYTES = 4 << 20;

let halfTable = null; // float16 bits -> float32 value, all 65536 (256 KB, made on first use)
function halves() {
  if (halfTable === null) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/**
 * Widens 2-byte elements (F16 or BF16) of a chunk into float32 values, an
 * element split between two chunks kept until the next. put(k, value)
 * stores the k-th value of the call; returns how many it stored.
 */
function widener(dtype) {
  let low = -1; // the first byte of an element whose second is in the next chunk
  const widen = dtype === 'F16'
    ? ((table) => (bits) => table[bits])(halves())
    : (() => {
      const word = new Uint32Array(1);
      const float = new Float32Array(word.buffer);
      return (bits) => {
        word[0] = bits << 16;
        return float[0];
      };
    })();
  return (bytes, f32, at) => {
    let k = 0;
    let n = 0;
    if (low >= 0 && bytes.length > 0) {
      f32[at + n++] = widen(low | (bytes[0] << 8));
      low = -1;
      k = 1;
    }
    for (; k + 1 < bytes.length; k += 2) f32[at + n++] = widen(bytes[k] | (bytes[k + 1] << 8));
    if (k < bytes.length) low = bytes[k];
    return n;
  };
}

/**
 * write(bytes, offset) of a float table: a dtype ('F32' | 'F16' | 'BF16')
 * tensor's bytes [offset, offset + bytes.length), in order, into `bag`'s
 * float32 table (read as bag.weight at each call: the heap may grow between
 * chunks).
 */
export function floatTableWriter(bag, dtype) {
  if (dtype === 'F32') {
    return (bytes, offset) => {
      const table = bag.weight;
      new Uint8Array(table.buffer, table.byteOffset + offset, bytes.length).set(bytes);
    };
  }
  const widen = widener(dtype);
  let element = 0;
  return (bytes) => {
    element += widen(bytes, bag.weight, element);
  };
}

/**
 * { write(bytes, offset), finish() } quantizing a dtype tensor's bytes into
 * the quantized table of `handle` (its table { numEmbeddings, embeddingDim,
 * dtype }): whole rows are gathered as float32 in the core's staging room
 * and quantized a block at a time; finish() quantizes the last rows and
 * frees the room. A value that cannot be quantized is the RangeError
 * EmbeddingBag.quantize gives (its row and column in the whole table).
 */
export function quantizingWriter(handle, dtype) {
  const core = handle.live();
  const { numEmbeddings, embeddingDim: dim, dtype: target } = handle.table;
  const blockRows = Math.max(1, Math.min(numEmbeddings, Math.floor(BLOCK_BYTES / (4 * dim))));
  const staged = core.stageFloatRows(blockRows);
  if (staged === 0) throw handle.error();
  const blockBytes = blockRows * dim * 4;
  const widen = dtype === 'F32' ? null : widener(dtype);
  let firstRow = 0; // the table row of the block's first row
  let filled = 0; // bytes of float32 in the block

  const flush = () => {
    const rows = Math.floor(filled / (4 * dim));
    if (rows === 0) return;
    if (core.quantizeStagedRows(firstRow, rows) !== Code.ok) {
      if (core.statusCode() !== Code.notQuantizable) throw handle.error();
      const position = core.errorPosition();
      const value = heap(staged + filled).f32[staged / 4 + position - firstRow * dim];
      throw notQuantizableError({ [position]: value }, dim, position, target);
    }
    firstRow += rows;
    filled = 0;
  };

  const write = (bytes) => {
    let k = 0;
    while (k < bytes.length) {
      const views = heap(staged + blockBytes);
      if (widen === null) {
        const take = Math.min(bytes.length - k, blockBytes - filled);
        views.u8.set(bytes.subarray(k, k + take), staged + filled);
        filled += take;
        k += take;
      } else {
        // Two bytes in, one float32 (four bytes) out; an odd byte waits.
        const take = Math.min(bytes.length - k, (blockBytes - filled) / 2);
        filled += 4 * widen(bytes.subarray(k, k + take), views.f32, (staged + filled) / 4);
        k += take;
      }
      if (filled === blockBytes) flush();
    }
  };

  const finish = () => {
    flush();
    core.releaseStagedRows();
  };
  return { write, finish };
}
