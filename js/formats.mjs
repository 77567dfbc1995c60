// Weight file formats, platform-neutral: parsing the headers of safetensors
// and NumPy .npy files, writing safetensors, float16 -> float32.
// Every check names the file's claim and what contradicts it.

const SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024; // the format's own limit
const ITEM_BYTES = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function checkShape(shape, where) {
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  return shape;
}

/**
 * The header of a safetensors file, from its first bytes.
 * @returns null while `bytes` is too short to hold the header, else
 *   { dataStart, tensors: { name: { dtype, shape, begin, end } }, metadata }
 *   with begin / end counted from the start of the file.
 */
export function parseSafetensorsHeader(bytes) {
  if (bytes.length < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(SAFETENSORS_MAX_HEADER)) {
    throw new RangeError(`safetensors: header length ${headerLength} is larger than the format allows (${SAFETENSORS_MAX_HEADER}); not a safetensors file?`);
  }
  const dataStart = 8 + Number(headerLength);
  if (bytes.length < dataStart) return null;
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    throw new RangeError(`safetensors: the header is not valid JSON (${error.message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new RangeError('safetensors: the header is not a JSON object');
  }
  // No prototype: a tensor may be named __proto__ or constructor.
  const tensors = Object.create(null);
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const where = `safetensors tensor '${name}'`;
    if (entry === null || typeof entry !== 'object') throw new RangeError(`${where}: not an object in the header`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !Object.hasOwn(ITEM_BYTES, dtype)) throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    checkShape(shape, where);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) || offsets[1] < offsets[0]) {
      throw new RangeError(`${where}: data_offsets ${JSON.stringify(offsets)} are not [begin, end] with 0 <= begin <= end`);
    }
    const bytesNeeded = shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[dtype];
    if (offsets[1] - offsets[0] !== bytesNeeded) {
      throw new RangeError(`${where}: data_offsets ${JSON.stringify(offsets)} cover ${offsets[1] - offsets[0]} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${bytesNeeded}`);
    }
    tensors[name] = { dtype, shape, begin: dataStart + offsets[0], end: dataStart + offsets[1] };
  }
  return { dataStart, tensors, metadata: Object.hasOwn(header, '__metadata__') ? header.__metadata__ : null };
}

/**
 * A safetensors file: { name: { data, shape, dtype = 'F32' } }, data any
 * typed array holding the tensor's little-endian bytes.
 */
export function writeSafetensors(tensors, metadata = null) {
  const header = Object.create(null);  // no prototype: a tensor may be named __proto__
  let offset = 0;
  for (const [name, { data, shape, dtype = 'F32' }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const file = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const { data } of Object.values(tensors)) {
    file.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return file;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const NPY_DTYPES = { '<f4': 'F32', '<f2': 'F16', '|u1': 'U8', '|i1': 'I8', '<i8': 'I64', '<f8': 'F64' };

/**
 * The header of a NumPy .npy file (format 1.0 - 3.0), from its first bytes.
 * @returns null while `bytes` is too short, else { dtype, shape, begin, end: null }
 *   (end is begin + the data's size; the caller checks it against the file).
 */
export function parseNpyHeader(bytes) {
  if (bytes.length < 10) return null;
  if (!NPY_MAGIC.every((b, k) => bytes[k] === b)) throw new RangeError('npy: the file does not start with \\x93NUMPY; not a .npy file?');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new RangeError(`npy: format version ${major}.${bytes[7]} is not 1.0-3.0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) return null;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const begin = 8 + lengthBytes + headerLength;
  if (bytes.length < begin) return null;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, begin));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new RangeError(`npy: the header ${JSON.stringify(text.trim())} lacks descr, fortran_order or shape`);
  }
  if (fortran === 'True') throw new RangeError('npy: the array is in Fortran (column-major) order; save it C-contiguous (np.ascontiguousarray)');
  const shape = checkShape(shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number), 'npy');
  const dtype = Object.hasOwn(NPY_DTYPES, descr) ? NPY_DTYPES[descr] : undefined;
  if (dtype === undefined) throw new TypeError(`npy: dtype '${descr}' is not supported (float32 '<f4', float16 '<f2', or uint8 '|u1' for quantized rows)`);
  const size = shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[dtype];
  return { dtype, shape, begin, end: begin + size };
}

// float16 bits -> float32 value, exactly (every float16 is a float32).
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
