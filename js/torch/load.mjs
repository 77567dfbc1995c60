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
import { checkTorchHead, describeTensors, ELEMENT_BYTES, readCheckpoint, tableOf, TORCH_DTYPES } from './checkpoint.mjs';
import { exactReader, openCheckpoint } from './ranged.mjs';

// A table's bytes are read a chunk at a time.
const CHUNK_BYTES = 1 << 20;

const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'];

/** A .pt source's bytes, whole (its directory is at its end), the head checked first. */
function readTorchFile(source, { signal, onProgress } = {}) {
  return readAll(source, currentPlatform(), 'a .pt file', { signal, onProgress, head: { bytes: 4, check: checkTorchHead } });
}

// The table tensor: options.tensor, or the only 2-D float tensor.
function pickTable(tensors, name, packed) {
  const names = tensors.map((t) => `'${t.name}'`);
  if (name !== undefined) {
    if (typeof name !== 'string') throw new TypeError(`tensor = ${show(name)} must be a string (a dotted state_dict name)`);
    const found = tensors.find((t) => t.name === name);
    if (found === undefined) throw new RangeError(`no tensor '${name}' in the .pt file (it has: ${names.join(', ') || 'none'})`);
    return found;
  }
  const tables = tensors.filter(({ tensor }) => tensor.shape.length === 2 &&
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
 * 'int8' or 'int4'. The other options are the bag's. From bytes, a Blob or a
 * path only the directory, the pickle and the table's record are read, a
 * contiguous float32 / float16 / bfloat16 table streamed into the bag
 * (quantized a block of rows at a time with a quantized dtype: the float
 * table is never held); a Response or stream is read whole first.
 */
export async function fromTorch(tables, bags, source, given) {
  const options = ownOptions(given);
  const { tensor: name, dtype, signal, onProgress, ...bagOptions } = options;
  checkLoadOptions(onProgress, signal);
  checkLoadDtype(dtype);
  signal?.throwIfAborted();
  const ranged = await rangedSource(source, currentPlatform(), 'a .pt file');
  if (ranged === null) {
    const checkpoint = readCheckpoint(await readTorchFile(source, { signal, onProgress }));
    return tableFrom(tables, bags, checkpoint.tensors, name, dtype, bagOptions, (storage) => checkpoint.record(storage));
  }
  try {
    const read = exactReader(ranged, signal);
    const { tensors, recordBegin } = await openCheckpoint(ranged, read);
    const whole = async (storage) => read(await recordBegin(storage), storage.numel * ELEMENT_BYTES[storage.dtype], 'a tensor\'s record');
    const stream = async (tensor, bag) => {
      const { storage, offset, shape: [rows, cols] } = tensor;
      const size = ELEMENT_BYTES[storage.dtype];
      const begin = (await recordBegin(storage)) + offset * size;
      const total = rows * cols * size;
      const writer = tables.loader.tableWriter(bag, storage.dtype);
      for (let at = 0; at < total; at += CHUNK_BYTES) {
        const bytes = await read(begin + at, Math.min(CHUNK_BYTES, total - at), 'the table\'s record');
        writer.write(bytes, at);
        onProgress?.({ loadedBytes: at + bytes.length, totalBytes: total });
      }
      writer.finish();
    };
    return await tableFrom(tables, bags, tensors, name, dtype, bagOptions, whole, stream);
  } finally {
    await ranged.close();
  }
}

// The bag of the tensor `name` of `tensors`: record(storage) gives a
// storage's bytes; stream(tensor, bag), when given, writes a contiguous
// float tensor's rows into a bag made for them.
async function tableFrom(tables, bags, tensors, name, dtype, bagOptions, record, stream = null) {
  const packed = packedRowDtypes().includes(dtype);
  const { name: found, tensor } = pickTable(tensors, name, packed);
  const what = `the .pt file's tensor '${found}' (${tensor.storage.dtype} [${tensor.shape.join(', ')}])`;
  if (tensor.shape.length !== 2 || tensor.shape[0] < 1 || tensor.shape[1] < 1) {
    throw new RangeError(`${what}: a table needs [numEmbeddings, embeddingDim], both >= 1`);
  }
  const [rows, cols] = tensor.shape;
  const { storage, stride } = tensor;
  const rowsOf = async () => {
    const bytes = await record(storage);
    return tableOf({ record: () => bytes }, tensor);
  };
  if (storage.dtype === 'U8') {
    if (!packed) throw new TypeError(`${what} holds packed quantized rows: say which layout with { dtype: 'int8' } or { dtype: 'int4' }`);
    const embeddingDim = packedDim(dtype, cols);
    if (embeddingDim === null) throw new RangeError(`${what}: ${cols} bytes per row is not an ${dtype} row`);
    return tables.fromQuantized(bags, await rowsOf(), { ...bagOptions, dtype, embeddingDim, numEmbeddings: rows });
  }
  if (!FLOAT_DTYPES.includes(storage.dtype)) throw new TypeError(`${what} is not a float tensor: a table needs float32, float16, bfloat16 or float64`);
  const target = dtype ?? 'fp32';
  if (stream !== null && storage.dtype !== 'F64' && stride[1] === 1 && stride[0] === cols) {
    const bag = tables.loader.create(rows, cols, bagOptions, target);
    try {
      await stream(tensor, bag);
      return bag;
    } catch (error) {
      bag.dispose();
      throw error;
    }
  }
  const table = { data: await rowsOf(), shape: [rows, cols] };
  if (target === 'fp32') return tables.fromPretrained(bags, table, bagOptions);
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
    const read = exactReader(ranged, signal);
    const head = await read(0, Math.min(16, ranged.size), 'its first bytes');
    if (!isTorchHead(head)) {
      const end = headerEnd('safetensors', await read(0, 8, 'a safetensors header'));
      return describeSafetensors(await read(0, end, 'a safetensors header'));
    }
    return describeTensors((await openCheckpoint(ranged, read)).tensors);
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
