// Weight file formats, platform-neutral: parsing the headers of safetensors
// and NumPy .npy files, writing safetensors, float16 -> float32.
// Every check names the file's claim and what contradicts it.

const SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024; // the format's own limit
// numpy writes headers of a few hundred bytes (and reads at most 10000 by
// default); format 1.0 cannot say more than 65535.
const NPY_MAX_HEADER = 65535;
const ITEM_BYTES = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function checkShape(shape, where) {
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  return shape;
}

/**
 * Where the header of a file of `format` ends (the bytes parse*Header needs),
 * from its first bytes: null while they are too few to tell (at most 12 are
 * needed). Throws on a header longer than the format's cap.
 */
export function headerEnd(format, prefix) {
  if (format === 'safetensors') {
    if (prefix.length < 8) return null;
    const headerLength = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getBigUint64(0, true);
    if (headerLength > BigInt(SAFETENSORS_MAX_HEADER)) {
      throw new RangeError(`safetensors: header length ${headerLength} is larger than the format allows (${SAFETENSORS_MAX_HEADER}); not a safetensors file?`);
    }
    return 8 + Number(headerLength);
  }
  if (prefix.length < 8) return null;
  if (!NPY_MAGIC.every((b, k) => prefix[k] === b)) throw new RangeError('npy: the file does not start with \\x93NUMPY; not a .npy file?');
  const major = prefix[6];
  if (major < 1 || major > 3) throw new RangeError(`npy: format version ${major}.${prefix[7]} is not 1.0-3.0`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthBytes) return null;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > NPY_MAX_HEADER) {
    throw new RangeError(`npy: header length ${headerLength} is larger than ${NPY_MAX_HEADER} bytes; not a .npy file?`);
  }
  return 8 + lengthBytes + headerLength;
}

/**
 * The header of a safetensors file, from its first bytes.
 * @returns null while `bytes` is too short to hold the header, else
 *   { dataStart, tensors: { name: { dtype, shape, begin, end } }, metadata }
 *   with begin / end counted from the start of the file.
 */
export function parseSafetensorsHeader(bytes) {
  const dataStart = headerEnd('safetensors', bytes);
  if (dataStart === null || bytes.length < dataStart) return null;
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
  for (const [name, tensor] of Object.entries(tensors)) {
    const { data, shape } = tensor;
    // Own properties only: an inherited dtype (a polluted prototype) is none.
    const dtype = Object.hasOwn(tensor, 'dtype') ? tensor.dtype : 'F32';
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

// The header dictionary of an .npy file, parsed as the Python literal it is
// (what numpy's safe_eval accepts for it): keys 'descr', 'fortran_order'
// and 'shape', each once and nothing else; strings, True / False, and a
// tuple of non-negative integers ((3,) or (3, 4); (3) is not a tuple).
function parseNpyDict(text) {
  let at = 0;
  const fail = (what) => {
    throw new RangeError(`npy: the header ${JSON.stringify(text.trim())} is not a dict of descr, fortran_order and shape (${what} at ${at})`);
  };
  const space = () => {
    while (at < text.length && /\s/.test(text[at])) at++;
  };
  const expect = (ch) => {
    space();
    if (text[at] !== ch) fail(`expected '${ch}'`);
    at++;
  };
  const string = () => {
    const quote = text[at];
    const end = text.indexOf(quote, at + 1);
    if (end < 0 || text.slice(at + 1, end).includes('\\')) fail('a bad string');
    const value = text.slice(at + 1, end);
    at = end + 1;
    return value;
  };
  const value = () => {
    space();
    const ch = text[at];
    if (ch === "'" || ch === '"') return string();
    for (const [word, meaning] of [['True', true], ['False', false]]) {
      if (text.startsWith(word, at) && !/\w/.test(text[at + word.length] ?? '')) {
        at += word.length;
        return meaning;
      }
    }
    if (ch !== '(') fail('a value that is not a string, a boolean or a tuple');
    at++;
    const items = [];
    space();
    let comma = false;
    while (text[at] !== ')') {
      const digits = /^\d+/.exec(text.slice(at))?.[0];
      if (digits === undefined) fail('a tuple item that is not a non-negative integer');
      items.push(Number(digits));
      at += digits.length;
      space();
      comma = text[at] === ',';
      if (comma) {
        at++;
        space();
      } else if (text[at] !== ')') {
        fail('a tuple item not followed by , or )');
      }
    }
    at++;
    if (items.length === 1 && !comma) fail('(n) is a number, not a tuple: (n,)');
    return items;
  };
  const entries = Object.create(null);
  expect('{');
  space();
  while (text[at] !== '}') {
    if (text[at] !== "'" && text[at] !== '"') fail('a key that is not a string');
    const key = string();
    if (!['descr', 'fortran_order', 'shape'].includes(key)) fail(`the unknown key '${key}'`);
    if (Object.hasOwn(entries, key)) fail(`the key '${key}' twice`);
    expect(':');
    entries[key] = value();
    space();
    if (text[at] === ',') {
      at++;
      space();
    } else if (text[at] !== '}') {
      fail("an entry not followed by , or }");
    }
  }
  at++;
  space();
  if (at !== text.length) fail('text after the dict');
  if (Object.keys(entries).length !== 3) fail('a missing key');
  return entries;
}

/**
 * The header of a NumPy .npy file (format 1.0 - 3.0), from its first bytes.
 * @returns null while `bytes` is too short, else { dtype, shape, begin, end: null }
 *   (end is begin + the data's size; the caller checks it against the file).
 */
export function parseNpyHeader(bytes) {
  const begin = headerEnd('npy', bytes);
  if (begin === null || bytes.length < begin) return null;
  const major = bytes[6];
  const lengthBytes = major === 1 ? 2 : 4;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, begin));
  const header = parseNpyDict(text);
  const { descr, fortran_order: fortran, shape: shapeValue } = header;
  if (typeof descr !== 'string') throw new TypeError(`npy: descr ${JSON.stringify(descr)} is not a simple dtype (a structured array?)`);
  if (typeof fortran !== 'boolean') throw new RangeError(`npy: fortran_order must be True or False in ${JSON.stringify(text.trim())}`);
  if (!Array.isArray(shapeValue)) throw new RangeError(`npy: shape must be a tuple in ${JSON.stringify(text.trim())}`);
  if (fortran) throw new RangeError('npy: the array is in Fortran (column-major) order; save it C-contiguous (np.ascontiguousarray)');
  const shape = checkShape(shapeValue, 'npy');
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
