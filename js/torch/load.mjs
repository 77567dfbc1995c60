// Tables from torch.save files (.pt, .pth, pytorch_model.bin): a bag from
// one tensor (EmbeddingBag.fromTorch), the tensor names of a collection's
// tables (TorchRec's 'embedding_bags.<t>.weight', under any prefix), and
// readStateDict (.pt or .safetensors: names, dtypes, shapes).
import { show } from '../errors.mjs';
import { headerEnd, parseSafetensorsHeader } from '../formats.mjs';
import { currentPlatform } from '../module.mjs';
import { checkKnownKeys, ownOptions } from '../options.mjs';
import { checkLoadDtype, packedDim, packedRowDtypes } from '../quantized.mjs';
import { checkLoadOptions, checkSignal, joinParts, openSource, rangedSource, readAll } from '../sources.mjs';
import { checkTorchHead, describeTensors, pickledTensors, pickleEntry, readCheckpoint, tableOf, TORCH_DTYPES } from './checkpoint.mjs';
import { checkStored, findDirectory, localHeaderLength, readDirectory, TAIL_BYTES } from './zip.mjs';

const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'];

/** A .pt source's bytes, whole (its directory is at its end), the head checked first. */
export function readTorchFile(source, { signal, onProgress } = {}) {
  return readAll(source, currentPlatform(), 'a .pt file', { signal, onProgress, head: { bytes: 4, check: checkTorchHead } });
}

// The table tensor: options.tensor, or the only 2-D float tensor.
function pickTable(checkpoint, name, packed) {
  const names = checkpoint.tensors.map((t) => `'${t.name}'`);
  if (name !== undefined) {
    if (typeof name !== 'string') throw new TypeError(`tensor = ${show(name)} must be a string (a dotted state_dict name)`);
    const found = checkpoint.tensors.find((t) => t.name === name);
    if (found === undefined) throw new RangeError(`no tensor '${name}' in the .pt file (it has: ${names.join(', ') || 'none'})`);
    return found;
  }
  const tables = checkpoint.tensors.filter(({ tensor }) => tensor.shape.length === 2 &&
    (FLOAT_DTYPES.includes(tensor.storage.dtype) || (packed && tensor.storage.dtype === 'U8')));
  if (tables.length !== 1) {
    throw new TypeError(`the .pt file holds ${tables.length} 2-D tensors that can be a table` +
      `${tables.length ? ` (${tables.map((t) => `'${t.name}'`).join(', ')})` : ''}: say which with { tensor }`);
  }
  return tables[0];
}

/**
 * A bag from the .pt file's tensor options.tensor (a dotted state_dict
 * name; required when the file holds several 2-D float tensors). Float
 * tensors load as float32 (or quantized with options.dtype); a uint8 tensor
 * of packed rows (embedding_bag_byte_prepack / 4bit_prepack) needs dtype
 * 'int8' or 'int4'. The other options are the bag's.
 */
export async function fromTorch(tables, bags, source, given) {
  const options = ownOptions(given);
  const { tensor: name, dtype, signal, onProgress, ...bagOptions } = options;
  checkLoadOptions(onProgress, signal);
  checkLoadDtype(dtype);
  const packed = packedRowDtypes().includes(dtype);
  const checkpoint = readCheckpoint(await readTorchFile(source, { signal, onProgress }));
  const { name: found, tensor } = pickTable(checkpoint, name, packed);
  const what = `the .pt file's tensor '${found}' (${tensor.storage.dtype} [${tensor.shape.join(', ')}])`;
  if (tensor.shape.length !== 2 || tensor.shape[0] < 1 || tensor.shape[1] < 1) {
    throw new RangeError(`${what}: a table needs [numEmbeddings, embeddingDim], both >= 1`);
  }
  const [rows, cols] = tensor.shape;
  if (tensor.storage.dtype === 'U8') {
    if (!packed) throw new TypeError(`${what} holds packed quantized rows: say which layout with { dtype: 'int8' } or { dtype: 'int4' }`);
    const embeddingDim = packedDim(dtype, cols);
    if (embeddingDim === null) throw new RangeError(`${what}: ${cols} bytes per row is not an ${dtype} row`);
    return tables.fromQuantized(bags, tableOf(checkpoint, tensor), { ...bagOptions, dtype, embeddingDim, numEmbeddings: rows });
  }
  if (!FLOAT_DTYPES.includes(tensor.storage.dtype)) throw new TypeError(`${what} is not a float tensor: a table needs float32, float16, bfloat16 or float64`);
  const table = { data: tableOf(checkpoint, tensor), shape: [rows, cols] };
  if (dtype === undefined || dtype === 'fp32') return tables.fromPretrained(bags, table, bagOptions);
  return tables.quantize(bags, table, { ...bagOptions, dtype });
}

/**
 * The state_dict names of a collection's tables in a checkpoint's tensor
 * names: table t is the one name that is 'embedding_bags.<t>.weight' or ends
 * with '.embedding_bags.<t>.weight' (TorchRec's, under a model's prefix or
 * DataParallel's 'module.'). None or several: a RangeError naming them.
 */
export function collectionTensorNames(names, tableNames) {
  return tableNames.map((table) => {
    const key = `embedding_bags.${table}.weight`;
    const found = names.filter((n) => n === key || n.endsWith(`.${key}`));
    if (found.length === 1) return found[0];
    throw new RangeError(found.length === 0
      ? `table ${show(table)}: no tensor named '${key}' (or ending with '.${key}') in the file`
      : `table ${show(table)}: ${found.length} tensors end with '${key}' (${found.map((n) => `'${n}'`).join(', ')}): ambiguous`);
  });
}

/** The tensor names of a .pt file's bytes. */
export const tensorNames = (bytes) => readCheckpoint(bytes).tensors.map((t) => t.name);

/**
 * readStateDict(source, { signal }): every tensor of a .pt or .safetensors
 * file as { name, dtype, shape } (PyTorch's dtype names), decoding no tensor
 * data. From bytes, a Blob or a path, a .pt file's directory and pickle are
 * read and a safetensors file's header, nothing else; a Response or stream
 * is read from its start (a .pt file to its end: its directory is there).
 */
export async function readStateDict(source, given = {}) {
  const options = ownOptions(given, 'readStateDict options');
  checkKnownKeys(options, ['signal'], 'readStateDict option');
  const signal = checkSignal(options.signal);
  signal?.throwIfAborted();
  const ranged = await rangedSource(source, currentPlatform(), 'a state dict file');
  if (ranged === null) return describeStream(source, signal);
  try {
    const read = async (offset, length, what) => {
      const bytes = await ranged.read(offset, length);
      signal?.throwIfAborted();
      if (bytes.byteLength < length) throw new RangeError(`the file ends at byte ${ranged.size}, inside ${what}`);
      return bytes;
    };
    const head = await read(0, Math.min(16, ranged.size), 'its first bytes');
    if (!isTorchHead(head)) {
      const end = headerEnd('safetensors', await read(0, 8, 'a safetensors header'));
      return describeSafetensors(await read(0, end, 'a safetensors header'));
    }
    checkTorchHead(head);
    // torch.save writes no archive comment: the end records are the last
    // 98 bytes at most; a file with a comment is searched further back.
    const directoryAt = async (window) => {
      const tailStart = Math.max(0, ranged.size - window);
      return findDirectory(await read(tailStart, ranged.size - tailStart, 'its end'), tailStart, ranged.size);
    };
    let found;
    try {
      found = await directoryAt(22 + 20 + 56);
    } catch {
      found = await directoryAt(TAIL_BYTES);
    }
    const { start, size, count } = found;
    const pickle = pickleEntry(readDirectory(await read(start, size, 'its directory'), count));
    checkStored(pickle);
    const begin = pickle.headerOffset + localHeaderLength(await read(pickle.headerOffset, 30, `the header of ${pickle.name}`));
    return describeTensors(pickledTensors(await read(begin, pickle.size, pickle.name)));
  } finally {
    await ranged.close();
  }
}

const isTorchHead = (head) => head.byteLength >= 2 && ((head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0x80 && head[1] === 0x02));

function describeSafetensors(bytes) {
  const header = parseSafetensorsHeader(bytes);
  if (header === null) throw new RangeError(`the file ends at byte ${bytes.byteLength}, inside a safetensors header`);
  return Object.entries(header.tensors).map(([name, t]) => ({ name, dtype: TORCH_DTYPES[t.dtype] ?? t.dtype, shape: [...t.shape] }));
}

// A source read from its start: a safetensors file up to its header's end,
// a .pt file whole.
async function describeStream(source, signal) {
  const { chunks } = await openSource(source, currentPlatform(), 'a state dict file', signal);
  const iterator = chunks[Symbol.asyncIterator] ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  const parts = [];
  let length = 0;
  let need = null;
  let torch = false;
  try {
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) break;
      parts.push(value.slice());
      length += value.byteLength;
      if (need === null && length >= 8) {
        const head = joinParts(parts, 8);
        torch = isTorchHead(head);
        need = torch ? Infinity : headerEnd('safetensors', head);
      }
      if (need !== null && length >= need) break;
    }
  } finally {
    await iterator.return?.();
  }
  const bytes = joinParts(parts, length);
  return torch ? describeTensors(readCheckpoint(bytes).tensors) : describeSafetensors(bytes);
}
