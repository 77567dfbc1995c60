// Writes a state dict in the torch.save format (PyTorch >= 1.6) that
// torch.load reads: a zip archive of stored records 'archive/data.pkl' (a
// pickle, protocol 2, of an OrderedDict of tensors rebuilt by
// torch._utils._rebuild_tensor_v2), 'archive/data/<k>' (each tensor's
// storage, little-endian) and 'archive/version' ('3'), each record's data
// aligned to 64 bytes as torch.save aligns it, with valid CRC-32s.

import { rowBytes } from '../registry.mjs';
import { ELEMENT_BYTES } from './checkpoint.mjs';
import { STORAGE_DTYPES } from './unpickle.mjs';

const encoder = new TextEncoder();
// The storage class torch.save names for a dtype (unpickle.mjs's table, inverted).
const STORAGES = Object.freeze(Object.fromEntries(Object.entries(STORAGE_DTYPES).map(([storage, dtype]) => [dtype, storage])));
const ALIGN = 64;
// The most a zip without zip64 records may hold.
const MAX_ZIP_BYTES = 0xffffffff;

// CRC-32 (IEEE 802.3, as zip uses it), a table of 256 words.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// A pickle (protocol 2) built opcode by opcode.
class Pickle {
  parts = [];
  memo = 0;
  op(...bytes) { this.parts.push(Uint8Array.from(bytes)); }
  int(v) {
    if (v >= 0 && v < 2 ** 31) {
      const b = new Uint8Array(5);
      b[0] = 0x4a;  // BININT
      new DataView(b.buffer).setInt32(1, v, true);
      this.parts.push(b);
    } else {
      const b = new Uint8Array(10);
      b[0] = 0x8a;  // LONG1 of 8 bytes
      b[1] = 8;
      new DataView(b.buffer).setBigInt64(2, BigInt(v), true);
      this.parts.push(b);
    }
  }
  str(s) {
    const text = encoder.encode(s);
    const b = new Uint8Array(5);
    b[0] = 0x58;  // BINUNICODE
    new DataView(b.buffer).setUint32(1, text.length, true);
    this.parts.push(b, text);
  }
  global(module, name) { this.parts.push(Uint8Array.of(0x63), encoder.encode(`${module}\n${name}\n`)); }
  tuple(values) {
    this.op(0x28);  // MARK
    for (const v of values) this.int(v);
    this.op(0x74);  // TUPLE
  }
  orderedDict() {
    this.global('collections', 'OrderedDict');
    this.op(0x29, 0x52);  // EMPTY_TUPLE, REDUCE
  }
  bytes() {
    const length = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(length);
    this.parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }
}

// data.pkl of the state dict: OrderedDict((name, tensor k), ...).
function statePickle(tensors) {
  const p = new Pickle();
  p.op(0x80, 2);  // PROTO 2
  p.orderedDict();
  p.op(0x28);  // MARK
  tensors.forEach(({ name, dtype, shape }, k) => {
    p.str(name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28);  // MARK: the arguments
    p.op(0x28);  // MARK: the persistent id
    p.str('storage');
    p.global('torch', STORAGES[dtype]);
    p.str(String(k));
    p.str('cpu');
    p.int(shape.reduce((a, b) => a * b, 1));
    p.op(0x74, 0x51);  // TUPLE, BINPERSID
    p.int(0);  // storage offset
    p.tuple(shape);
    p.tuple(shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1)));
    p.op(0x89);  // NEWFALSE: requires_grad
    p.orderedDict();  // backward hooks
    p.op(0x74, 0x52);  // TUPLE, REDUCE
  });
  p.op(0x75, 0x2e);  // SETITEMS, STOP
  return p.bytes();
}

/**
 * The bytes of a torch.save file holding the state dict `tensors` ([{ name,
 * dtype: 'F32' | 'F16' | 'U8', shape, data }], data: the tensor's bytes in
 * row order, little-endian), in that order.
 */
export function writeTorch(tensors) {
  const records = [
    { name: 'archive/data.pkl', data: statePickle(tensors) },
    ...tensors.map(({ data, dtype, shape }, k) => {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.byteLength !== shape.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[dtype]) throw new RangeError(`tensor ${k}: its bytes do not fill its shape`);
      return { name: `archive/data/${k}`, data: bytes };
    }),
    { name: 'archive/version', data: encoder.encode('3\n') },
  ];
  // Each local header padded with an extra field so that its data starts at a multiple of 64.
  let at = 0;
  const placed = records.map((record) => {
    const name = encoder.encode(record.name);
    const fixed = 30 + name.length + 4;  // the header, its name, the extra field's own header
    const padding = (ALIGN - ((at + fixed) % ALIGN)) % ALIGN;
    const entry = { ...record, name, offset: at, padding, crc: crc32(record.data) };
    at += fixed + padding + record.data.byteLength;
    return entry;
  });
  const central = placed.reduce((n, r) => n + 46 + r.name.length, 0);
  const total = at + central + 22;
  if (total > MAX_ZIP_BYTES) throw new RangeError(`the state dict takes ${total} bytes: toTorch writes files of at most ${MAX_ZIP_BYTES} bytes`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const header = (pos, r, centralHeader) => {
    view.setUint32(pos, centralHeader ? 0x02014b50 : 0x04034b50, true);
    let p = pos + 4;
    if (centralHeader) { view.setUint16(p, 20, true); p += 2; }  // version made by
    view.setUint16(p, 20, true);  // version needed
    view.setUint16(p + 2, 0, true);  // flags
    view.setUint16(p + 4, 0, true);  // stored
    view.setUint16(p + 6, 0, true);  // time
    view.setUint16(p + 8, 0x21, true);  // date: 1980-01-01
    view.setUint32(p + 10, r.crc, true);
    view.setUint32(p + 14, r.data.byteLength, true);
    view.setUint32(p + 18, r.data.byteLength, true);
    view.setUint16(p + 22, r.name.length, true);
    return p + 24;
  };
  for (const r of placed) {
    let p = header(r.offset, r, false);
    view.setUint16(p, 4 + r.padding, true);  // extra field length
    p += 2;
    out.set(r.name, p);
    p += r.name.length;
    view.setUint16(p, 0x4246, true);  // 'FB': torch.save's alignment field
    view.setUint16(p + 2, r.padding, true);
    p += 4 + r.padding;
    out.set(r.data, p);
  }
  let p = at;
  for (const r of placed) {
    const q = header(p, r, true);
    // extra length 0, comment length 0, disk 0, internal 0, external 0, local header offset
    view.setUint32(q + 12, r.offset, true);
    out.set(r.name, q + 16);
    p = q + 16 + r.name.length;
  }
  view.setUint32(p, 0x06054b50, true);
  view.setUint16(p + 8, placed.length, true);
  view.setUint16(p + 10, placed.length, true);
  view.setUint32(p + 12, central, true);
  view.setUint32(p + 16, at, true);
  return out;
}

/**
 * A bag's table as a tensor of writeTorch's: float32, fp16 as float16, int8
 * / int4 as uint8 packed rows (PyTorch's prepack layout).
 */
export function tableTensor(name, bag) {
  const n = bag.numEmbeddings;
  const d = bag.embeddingDim;
  if (bag.dtype === 'fp32') return { name, dtype: 'F32', shape: [n, d], data: bag.weight };
  if (bag.dtype === 'fp16') return { name, dtype: 'F16', shape: [n, d], data: bag.quantizedWeight };
  return { name, dtype: 'U8', shape: [n, rowBytes(bag.dtype, d)], data: bag.quantizedWeight };
}
