// Making bags from tables that exist elsewhere, and writing them out:
// fromPretrained, weight files (safetensors, .npy), quantize / fromQuantized /
// dequantize, toSafetensors. Each takes `bags` (embedding-bag.mjs's): how
// to make a bag whose rows it writes next, and a bag's handle.
import { isArray, show } from './errors.mjs';
import { writeSafetensors } from './formats.mjs';
import { tableArgument } from './inputs.mjs';
import { currentPlatform, isHeapBuffer, requireModule } from './module.mjs';
import { pin, settle } from './snapshot.mjs';
import { checkDim, checkKnownKeys, ownOptions } from './options.mjs';
import { parseOptimizer, stateArrays, stateOf } from './optimizers.mjs';
import { byteView, notQuantizableError, quantizedDtype, recordOptions, TABLE_METADATA } from './quantized.mjs';
import { Code, rowBytes, rowLayout } from './registry.mjs';
import { floatTableWriter, quantizingWriter } from './row-stream.mjs';
import { fromTorch as loadTorch } from './torch/load.mjs';
import { tableTensor, writeTorch } from './torch/writer.mjs';
import { isShardIndex, loadSharded, loadTable } from './weights.mjs';

// A bag with a zero table of `dtype`, whose rows the caller writes next.
function withRowsToCome(bags, numEmbeddings, embeddingDim, given, dtype, why) {
  const options = ownOptions(given);
  for (const key of ['weight', 'seed']) {
    if (key in options) throw new TypeError(`options.${key} cannot be given: ${why}`);
  }
  return bags.make(numEmbeddings, embeddingDim, options, dtype);
}

// A float32 bag of the given options (the constructor's).
const floatBag = (bags, numEmbeddings, embeddingDim, options) => bags.create(numEmbeddings, embeddingDim, options);

export function fromPretrained(bags, embeddings, given) {
  const table = tableArgument(embeddings, 'embeddings');
  const options = ownOptions(given);
  if ('weight' in options) {
    throw new TypeError('fromPretrained takes the table as its first argument, not options.weight');
  }
  return floatBag(bags, table.numEmbeddings, table.embeddingDim, { ...options, weight: table.data });
}

// Where toSafetensors({ optimizerState: true }) records the optimizer:
// JSON { table (the table tensor's name), name, options, step }; each state
// array is the F32 tensor 'optimizer.<state name>'.
const OPTIMIZER_METADATA = 'embedding_bag_wasm.optimizer';
const stateTensorName = (state) => `optimizer.${state}`;

// The optimizer a file records (null when it records none and none is asked for).
function optimizerRecord(metadata, asked) {
  const text = metadata && Object.hasOwn(metadata, OPTIMIZER_METADATA) ? metadata[OPTIMIZER_METADATA] : null;
  if (text === null) {
    if (asked) throw new RangeError("safetensors: the file holds no optimizer state (write it with toSafetensors({ optimizerState: true }))");
    return null;
  }
  let record;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`safetensors: metadata['${OPTIMIZER_METADATA}'] is not JSON (${error.message})`);
  }
  if (record === null || typeof record !== 'object' || typeof record.table !== 'string' ||
    !(Number.isSafeInteger(record.step) && record.step >= 0) || record.options === null || typeof record.options !== 'object') {
    throw new RangeError(`safetensors: metadata['${OPTIMIZER_METADATA}'] is not an optimizer record { table, name, options, step }`);
  }
  // Only the table's name is needed when the state is not asked for.
  return asked ? { ...record, optimizer: parseOptimizer({ ...record.options, name: record.name }, 'the file\'s optimizer') } : { table: record.table };
}

// The state tensors of a record's optimizer, checked against the table's shape.
function stateTensors(header, record, [n, d]) {
  return stateArrays(record.optimizer.name).map(({ name, rowwise }) => {
    const key = stateTensorName(name);
    if (!Object.hasOwn(header.tensors, key)) throw new RangeError(`safetensors: no tensor '${key}' (the state of '${record.optimizer.name}')`);
    const t = header.tensors[key];
    const shape = rowwise ? [n] : [n, d];
    if (t.dtype !== 'F32' || t.shape.join() !== shape.join()) {
      throw new RangeError(`safetensors: tensor '${key}' is ${t.dtype} [${t.shape.join(', ')}], expected F32 [${shape.join(', ')}]`);
    }
    return { name: `tensor '${key}'`, state: name, ...t };
  });
}

// Sets the record's optimizer on the new bag; the writers of its state arrays.
function restoreOptimizer(bags, bag, record, states) {
  bag.setOptimizer({ ...record.optimizer.options, name: record.optimizer.name });
  return states.map((tensor) => ({
    tensor,
    write: (bytes, offset) => {
      const view = stateOf(bags.handleOf(bag), record.optimizer.name, bag.numEmbeddings, bag.embeddingDim, false)[tensor.state];
      new Uint8Array(view.buffer, view.byteOffset + offset, bytes.length).set(bytes);
    },
  }));
}

// What weights.mjs needs to make and quantize bags, and to restore an optimizer.
const forLoader = (bags) => ({
  create: (numEmbeddings, embeddingDim, options, dtype) =>
    withRowsToCome(bags, numEmbeddings, embeddingDim, options, dtype, 'the table comes from the file'),
  // A float tensor's bytes as they stream into the bag (row-stream.mjs).
  tableWriter: (bag, tensorDtype) => {
    const handle = bags.handleOf(bag);
    if (handle.table.dtype !== 'fp32') return quantizingWriter(handle, tensorDtype);
    return { write: floatTableWriter(bag, tensorDtype), finish() {} };
  },
  optimizerRecord,
  stateTensors,
  restoreOptimizer: (bag, record, states) => restoreOptimizer(bags, bag, record, states),
  setSteps: (bag, steps) => bags.handleOf(bag).live().setOptimizerSteps(steps),
});

/**
 * A bag of `dtype` whose rows a float tensor's bytes ('F32' | 'F16' |
 * 'BF16') fill as they stream: { bag, write(bytes, offset), finish() }
 * (fastText's input matrix). options: the bag's (mode, ...).
 */
export function streamedBag(bags, numEmbeddings, embeddingDim, options, dtype, tensorDtype) {
  const bag = withRowsToCome(bags, numEmbeddings, embeddingDim, options, dtype, 'the rows come from the file');
  try {
    const writer = forLoader(bags).tableWriter(bag, tensorDtype);
    return { bag, write: writer.write, finish: writer.finish };
  } catch (error) {
    bag.dispose();
    throw error;
  }
}

/**
 * The bag's table as a torch.save file (a state dict of one tensor,
 * options.name, 'weight' by default): float32, fp16 as float16, int8 / int4
 * as uint8 packed rows (PyTorch's prepack layout).
 */
export function toTorch(bags, bag, given = {}) {
  const { name = 'weight', ...unknown } = ownOptions(given);
  checkKnownKeys(unknown, ['name'], 'toTorch option');
  if (typeof name !== 'string' || name === '') throw new TypeError(`name = ${show(name)} must be a non-empty string`);
  return writeTorch([tableTensor(name, bag)]);
}

/** A bag from a torch.save file's tensor (torch/load.mjs). */
export function fromTorch(bags, source, options) {
  return loadTorch({ fromPretrained, fromQuantized, quantize, loader: forLoader(bags) }, bags, source, options);
}

/**
 * A bag from a weight file. options.dtype: default float32 for F32 / F16
 * tensors [N, D] (F16 widened; 'fp16' keeps it), what toSafetensors recorded
 * for its own files; U8 tensors (PyTorch's packed rows) need 'int8' or
 * 'int4'; a float tensor with a quantized dtype is quantized on load. A
 * path or URL ending in .index.json is a sharded checkpoint's index.
 */
export async function fromFile(bags, format, source, options) {
  isArray(source, `${format} source`);  // a revoked Proxy is refused here, by name
  // Bytes that are a view of wasm memory are copied before the table's
  // allocation can detach them.
  const bytes = ArrayBuffer.isView(source) && isHeapBuffer(source.buffer) ? source.slice() : source;
  if (format === 'safetensors' && isShardIndex(bytes)) return loadSharded(bytes, options, currentPlatform(), forLoader(bags), TABLE_METADATA);
  return loadTable(format, bytes, options, currentPlatform(), forLoader(bags), TABLE_METADATA);
}

/**
 * An inference-only bag whose table is `source`'s, quantized row by row (as
 * PyTorch's embedding_bag_byte_prepack / embedding_bag_4bit_prepack do it,
 * bit for bit; fp16 rounds to nearest even). source: an EmbeddingBag (its
 * mode, paddingIdx and includeLastOffset carry over) or a table
 * { data, shape: [N, D] }. options: { dtype } and the bag options to set or
 * override (mode, paddingIdx, includeLastOffset).
 */
export function quantize(bags, source, given) {
  requireModule();
  const options = ownOptions(given);
  const { dtype: asked, ...rest } = options;
  const dtype = quantizedDtype(asked);
  let float = source;
  let inherited = {};
  if (bags.isBag(source)) {
    const handle = bags.handleOf(source);
    handle.live();
    const { dtype: given, options: o } = handle.table;
    if (given !== 'fp32') {
      throw new TypeError(`the bag is already quantized (${given}): quantize a float32 bag, or dequantize() this one first`);
    }
    inherited = { mode: o.mode, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset, maxNorm: o.maxNorm };
  } else if (source !== null && typeof source === 'object' && 'data' in source && ('shape' in source || 'dims' in source)) {
    const table = tableArgument(source, 'source');
    float = floatBag(bags, table.numEmbeddings, table.embeddingDim, { weight: table.data });
  } else {
    throw new TypeError(`source must be an EmbeddingBag or a table { data: Float32Array, shape (or dims): [numEmbeddings, embeddingDim] }, not ${show(source)}`);
  }
  try {
    const { numEmbeddings, embeddingDim } = bags.handleOf(float).table;
    const bag = withRowsToCome(bags, numEmbeddings, embeddingDim, { ...inherited, ...rest }, dtype,
      'the table comes from the source');
    const handle = bags.handleOf(bag);
    const core = handle.live();
    if (core.quantizeFrom(bags.handleOf(float).live()) !== Code.ok) {
      const error = core.statusCode() === Code.notQuantizable
        ? notQuantizableError(float.weight, embeddingDim, core.errorPosition(), dtype)
        : handle.error();
      bag.dispose();
      throw error;
    }
    return bag;
  } finally {
    if (float !== source) float.dispose();
  }
}

/**
 * An inference-only bag over rows quantized elsewhere (e.g. by
 * torch.ops.quantized.embedding_bag_byte_prepack): `bytes` holds
 * numEmbeddings rows in the dtype's layout, copied once. options: { dtype,
 * embeddingDim, numEmbeddings (default: from the length), mode, paddingIdx,
 * includeLastOffset }.
 */
export function fromQuantized(bags, bytes, given) {
  requireModule();
  const options = ownOptions(given);
  const { dtype: asked, numEmbeddings: givenRows, embeddingDim, ...rest } = options;
  const dtype = quantizedDtype(asked);
  checkDim(embeddingDim, 'embeddingDim');
  const pinned = [];
  const rows = pin(byteView(bytes, 'bytes'), 'Uint8Array', pinned, 'bytes');
  // A view of wasm memory (another bag's quantizedWeight): copied before the
  // new table's allocation can detach it.
  const data = settle(pinned, 'bytes')(rows);
  const perRow = rowBytes(dtype, embeddingDim);
  let numEmbeddings = givenRows;
  if (numEmbeddings === undefined) {
    if (data.length === 0 || data.length % perRow !== 0) {
      throw new RangeError(`bytes has length ${data.length}, not a positive multiple of ${perRow} ` +
        `(one ${dtype} row of ${embeddingDim} columns: ${rowLayout(dtype)})`);
    }
    numEmbeddings = data.length / perRow;
  } else {
    checkDim(numEmbeddings, 'numEmbeddings');
    if (data.length !== numEmbeddings * perRow) {
      throw new RangeError(`bytes has length ${data.length}, expected ${numEmbeddings * perRow} ` +
        `(numEmbeddings x ${perRow} bytes per ${dtype} row: ${rowLayout(dtype)})`);
    }
  }
  const bag = withRowsToCome(bags, numEmbeddings, embeddingDim, rest, dtype, 'the rows are the bytes given');
  bag.quantizedWeight.set(data);
  return bag;
}

export function dequantize(bags, quantized) {
  const source = bags.handleOf(quantized);
  const core = source.live();
  const { numEmbeddings, embeddingDim, dtype, options: o } = source.table;
  if (dtype === 'fp32') throw new TypeError('dequantize() needs a quantized bag; this one is already float32');
  const bag = bags.make(numEmbeddings, embeddingDim,
    { mode: o.mode, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset }, 'fp32');
  const handle = bags.handleOf(bag);
  if (core.dequantizeInto(handle.live()) !== Code.ok) {
    const error = handle.error();
    bag.dispose();
    throw error;
  }
  return bag;
}

/**
 * The table as a safetensors file, for PyTorch (safetensors.torch.load_file)
 * or fromSafetensors: one tensor, F32 [N, D] (fp32), F16 [N, D] (fp16) or
 * U8 [N, row bytes] (int8 / int4, PyTorch's packed layout). A quantized
 * table also records its dtype and D in the metadata, so that
 * fromSafetensors reads it back as it was.
 */
export function toSafetensors(bags, bag, given = {}) {
  const { name = 'weight', metadata = null, optimizerState = false, ...unknown } = ownOptions(given);
  checkKnownKeys(unknown, ['name', 'metadata', 'optimizerState'], 'toSafetensors option');
  if (typeof optimizerState !== 'boolean') throw new TypeError(`optimizerState = ${show(optimizerState)} must be true or false`);
  if (typeof name !== 'string' || name === '' || name === '__metadata__') {
    throw new TypeError(`name = ${show(name)} must be a non-empty string other than '__metadata__'`);
  }
  // The format's metadata is string -> string; the package's own keys are its own.
  const extra = metadata === null ? {} : ownOptions(metadata, 'metadata');
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value !== 'string') throw new TypeError(`metadata['${key}'] = ${show(value)} must be a string (safetensors metadata is string to string)`);
    if ([...Object.values(TABLE_METADATA), OPTIMIZER_METADATA].includes(key)) {
      throw new TypeError(`metadata['${key}'] is the package's own key (it records how the table loads)`);
    }
  }
  const n = bag.numEmbeddings;
  const d = bag.embeddingDim;
  const dtype = bag.dtype;
  const bagOptions = recordOptions(bag);
  if (optimizerState) {
    const optimizer = bag.optimizer;
    if (optimizer === null) throw new TypeError('optimizerState: true needs an optimizer (this bag has none: setOptimizer first)');
    const tensors = { [name]: { data: bag.weight, shape: [n, d] } };
    const views = stateOf(bags.handleOf(bag), optimizer.name, n, d, false);
    for (const { name: state, rowwise } of stateArrays(optimizer.name)) {
      if (stateTensorName(state) === name) throw new TypeError(`name = ${show(name)} is the name of the optimizer's state tensor`);
      tensors[stateTensorName(state)] = { data: views[state], shape: rowwise ? [n] : [n, d] };
    }
    const { name: optimizerName, options, step } = optimizer;
    const record = JSON.stringify({ table: name, name: optimizerName, options, step });
    return writeSafetensors(tensors, { ...extra, [OPTIMIZER_METADATA]: record, [TABLE_METADATA.options]: bagOptions });
  }
  if (dtype === 'fp32') return writeSafetensors({ [name]: { data: bag.weight, shape: [n, d] } }, { ...extra, [TABLE_METADATA.options]: bagOptions });
  const tensor = dtype === 'fp16'
    ? { dtype: 'F16', data: bag.quantizedWeight, shape: [n, d] }
    : { dtype: 'U8', data: bag.quantizedWeight, shape: [n, rowBytes(dtype, d)] };
  const recorded = { ...extra, [TABLE_METADATA.dtype]: dtype, [TABLE_METADATA.embeddingDim]: String(d), [TABLE_METADATA.options]: bagOptions };
  return writeSafetensors({ [name]: tensor }, recorded);
}
