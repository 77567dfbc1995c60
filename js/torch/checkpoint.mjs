// A torch.save file (PyTorch >= 1.6: a zip archive '<folder>/data.pkl' plus
// one raw little-endian record '<folder>/data/<key>' per storage), read
// without executing anything: the pickle by unpickle.mjs, the records by
// zip.mjs. Its tensors by name (the keys of nested dicts joined by '.', as
// a state dict names them) and a 2-D tensor's values as rows.
import { halfToFloat } from '../formats.mjs';
import { entryBytes, readZip } from './zip.mjs';
import { Tensor, unpickle } from './unpickle.mjs';

// Bytes per element of each storage dtype.
export const ELEMENT_BYTES = Object.freeze({ F32: 4, F16: 2, BF16: 2, F64: 8, U8: 1, I8: 1, I16: 2, I32: 4, I64: 8, BOOL: 1 });
// PyTorch's names of them (safetensors names its dtypes the same way), as
// readStateDict reports dtypes.
export const TORCH_DTYPES = Object.freeze({
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', U8: 'uint8', I8: 'int8', I16: 'int16',
  I32: 'int32', I64: 'int64', BOOL: 'bool',
});
// The first bytes of a zip archive, and of the legacy format (a pickle of
// protocol 2 opening with a 10-byte LONG1: its magic number).
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a];

const startsWith = (bytes, magic) => bytes.byteLength >= magic.length && magic.every((b, i) => bytes[i] === b);

/** Checks a file's first bytes (readAll's head check): a zip archive, or the legacy format refused by name. */
export function checkTorchHead(prefix) {
  if (startsWith(prefix, ZIP_MAGIC)) return;
  if (startsWith(prefix, LEGACY_MAGIC)) {
    throw new TypeError('the .pt file is in the legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False): ' +
      're-save it with torch.save in PyTorch >= 1.6');
  }
  throw new TypeError('not a .pt file (torch.save): it does not start as a zip archive');
}

// bfloat16 bits -> float32: the high half of a float32.
const bf16 = new Float32Array(1);
const bf16Bits = new Uint32Array(bf16.buffer);
function bfloat16ToFloat(bits) {
  bf16Bits[0] = bits << 16;
  return bf16[0];
}

// Every tensor in a pickled value: [{ name, tensor }] (dict keys joined by '.').
function tensorsOf(value, prefix, out, depth = 0) {
  if (depth > 64) throw new RangeError('the .pt file nests containers deeper than 64');
  if (value instanceof Tensor) out.push({ name: prefix, tensor: value });
  else if (value instanceof Map) {
    for (const [key, item] of value) tensorsOf(item, prefix === '' ? String(key) : `${prefix}.${key}`, out, depth + 1);
  } else if (Array.isArray(value)) value.forEach((item, i) => tensorsOf(item, prefix === '' ? String(i) : `${prefix}.${i}`, out, depth + 1));
  return out;
}

/** The archive's one '<folder>/data.pkl' entry (from its directory's entries). */
export function pickleEntry(entries) {
  const pickles = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) throw new RangeError(`the .pt file has ${pickles.length} '<folder>/data.pkl' records, not one`);
  return entries.get(pickles[0]);
}

/**
 * The tensors of a checkpoint's pickle: [{ name, tensor }], every view
 * checked to lie inside its storage.
 */
export function pickledTensors(pickle) {
  const tensors = tensorsOf(unpickle(pickle), '', []);
  for (const { name, tensor } of tensors) {
    const { storage, offset, shape, stride } = tensor;
    let last = offset;
    let empty = false;
    for (let i = 0; i < shape.length; i++) {
      if (shape[i] === 0) empty = true;
      last += (shape[i] - 1) * stride[i];
    }
    if (!empty && !(Number.isSafeInteger(last) && last < storage.numel)) {
      throw new RangeError(`the .pt file's tensor '${name}' (size [${shape}], stride [${stride}], offset ${offset}) ` +
        `reaches past its storage of ${storage.numel} elements`);
    }
  }
  return tensors;
}

/**
 * The checkpoint in `bytes`: { tensors: [{ name, tensor }], record(key) }
 * (record: a storage's bytes, checked to hold its elements).
 */
export function readCheckpoint(bytes) {
  checkTorchHead(bytes.subarray(0, 16));
  const { entries } = readZip(bytes);
  const pickle = pickleEntry(entries);
  const folder = pickle.name.slice(0, -'data.pkl'.length);
  const tensors = pickledTensors(entryBytes(bytes, pickle));
  const record = (storage) => {
    const entry = entries.get(`${folder}data/${storage.key}`);
    if (entry === undefined) throw new RangeError(`the .pt file has no record ${folder}data/${storage.key} for a tensor's storage`);
    const data = entryBytes(bytes, entry);
    if (data.byteLength < storage.numel * ELEMENT_BYTES[storage.dtype]) {
      throw new RangeError(`the .pt file's record ${entry.name} has ${data.byteLength} bytes, too few for ${storage.numel} elements`);
    }
    return data;
  };
  return { tensors, record };
}

/** `{ name, dtype, shape }` of every tensor (PyTorch's dtype names). */
export function describeTensors(tensors) {
  return tensors.map(({ name, tensor }) => ({ name, dtype: TORCH_DTYPES[tensor.storage.dtype], shape: [...tensor.shape] }));
}

/**
 * A 2-D tensor's elements in row order: a Float32Array for a float tensor
 * (float16 and bfloat16 widened exactly, float64 rounded), a Uint8Array of
 * a uint8 one (packed quantized rows).
 */
export function tableOf(checkpoint, tensor) {
  const { storage, offset, shape: [rows, cols], stride: [rowStride, colStride] } = tensor;
  const data = checkpoint.record(storage);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const size = ELEMENT_BYTES[storage.dtype];
  const read = {
    F32: (k) => view.getFloat32(k * 4, true),
    F16: (k) => halfToFloat(view.getUint16(k * 2, true)),
    BF16: (k) => bfloat16ToFloat(view.getUint16(k * 2, true)),
    F64: (k) => view.getFloat64(k * 8, true),
    U8: (k) => data[k],
  }[storage.dtype];
  const out = storage.dtype === 'U8' ? new Uint8Array(rows * cols) : new Float32Array(rows * cols);
  // A contiguous float32 or uint8 tensor is one copy of its bytes.
  if ((storage.dtype === 'F32' || storage.dtype === 'U8') && colStride === 1 && rowStride === cols) {
    new Uint8Array(out.buffer).set(data.subarray(offset * size, (offset + rows * cols) * size));
    return out;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = read(offset + r * rowStride + c * colStride);
  }
  return out;
}
