// Loading a table from a weight file (safetensors, .npy) into a new bag. The
// file is read as a stream of chunks — the given bytes, a file read in 1 MiB
// pieces (Node), or a fetch() body (browser) — and the tensor's bytes are
// written into the bag's table in wasm memory as they arrive: one copy, no
// second full copy of the table in JS.
import { show } from './errors.mjs';
import { halfToFloat, parseNpyHeader, parseSafetensorsHeader } from './formats.mjs';

const TABLE_DTYPES = { F32: 4, F16: 2 };

async function* chunksOf(source, platform, format) {
  if (source instanceof Uint8Array) yield source;
  else if (source instanceof ArrayBuffer) yield new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) yield new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else if (typeof source === 'string') yield* platform.readChunks(source);
  else if (typeof source?.href === 'string') yield* platform.readChunks(new URL(source.href)); // a URL
  else throw new TypeError(`${format} source must be bytes (Uint8Array, ArrayBuffer), a path or a URL, not ${show(source)}`);
}

// The tensor to load, from the parsed header and options.tensor.
function pickTensor(format, header, name) {
  if (format === 'npy') return { name: 'the array', ...header };
  const names = Object.keys(header.tensors);
  if (name === undefined) {
    if (names.length !== 1) {
      throw new TypeError(`the safetensors file holds ${names.length} tensors (${names.join(', ')}): say which with { tensor }`);
    }
    name = names[0];
  } else if (typeof name !== 'string') {
    throw new TypeError(`tensor = ${show(name)} must be a string`);
  }
  if (!(name in header.tensors)) throw new RangeError(`no tensor '${name}' in the safetensors file (it has: ${names.join(', ')})`);
  return { name: `tensor '${name}'`, ...header.tensors[name] };
}

function checkTable(format, tensor) {
  if (!(tensor.dtype in TABLE_DTYPES)) {
    throw new TypeError(`${format}: ${tensor.name} has dtype ${tensor.dtype}; a table needs F32 (float32) or F16 (float16)`);
  }
  if (tensor.shape.length !== 2 || tensor.shape[0] < 1 || tensor.shape[1] < 1) {
    throw new RangeError(`${format}: ${tensor.name} has shape [${tensor.shape.join(', ')}]; a table needs [numEmbeddings, embeddingDim], both >= 1`);
  }
}

// Writes the tensor's bytes [offset, offset + bytes.length) into the table.
function tableWriter(bag, dtype) {
  if (dtype === 'F32') {
    return (bytes, offset) => {
      const table = bag.weight;
      new Uint8Array(table.buffer, table.byteOffset + offset, bytes.length).set(bytes);
    };
  }
  let low = -1; // a float16's first byte, when a chunk ended between its two bytes
  return (bytes, offset) => {
    const table = bag.weight;
    let k = 0;
    let element = offset >> 1;
    if (low >= 0) {
      table[element++] = halfToFloat(low | (bytes[0] << 8));
      low = -1;
      k = 1;
    }
    for (; k + 1 < bytes.length; k += 2) table[element++] = halfToFloat(bytes[k] | (bytes[k + 1] << 8));
    if (k < bytes.length) low = bytes[k];
  };
}

/**
 * A new bag whose table is the file's tensor. format: 'safetensors' | 'npy';
 * createBag(N, D, options) makes the bag with a zero table.
 */
export async function loadTable(format, source, options, platform, createBag) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, not ${show(options)}`);
  }
  if (format === 'npy' && 'tensor' in options) throw new TypeError('options.tensor is for safetensors files; a .npy file holds one array');
  const { tensor: tensorName, ...bagOptions } = options;
  const parse = format === 'safetensors' ? parseSafetensorsHeader : parseNpyHeader;
  let head = new Uint8Array(0); // the file's first bytes, until the header parses
  let tensor = null;
  let bag = null;
  let write = null;
  let position = 0; // file offset of the chunk's first byte, once the header is known
  try {
    for await (const chunk of chunksOf(source, platform, format)) {
      // Past the tensor: stop reading (a fetch is cancelled). Checked only
      // once the next chunk is asked for, so that a file that ends with the
      // tensor ends cleanly.
      if (tensor !== null && position >= tensor.end) break;
      let data = chunk;
      if (tensor === null) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        head = joined;
        const header = parse(head);
        if (header === null) continue;
        tensor = pickTensor(format, header, tensorName);
        checkTable(format, tensor);
        bag = createBag(tensor.shape[0], tensor.shape[1], bagOptions);
        write = tableWriter(bag, tensor.dtype);
        data = head;
        head = null;
      }
      const from = Math.max(tensor.begin, position);
      const to = Math.min(tensor.end, position + data.length);
      if (from < to) write(data.subarray(from - position, to - position), from - tensor.begin);
      position += data.length;
    }
    if (tensor === null) {
      throw new RangeError(`${format}: the file ends inside its header (${head.length} bytes)`);
    }
    if (position < tensor.end) {
      throw new RangeError(`${format}: the file ends at byte ${position}, inside ${tensor.name} (its data runs to byte ${tensor.end}): truncated`);
    }
    return bag;
  } catch (error) {
    bag?.dispose();
    throw error;
  }
}
