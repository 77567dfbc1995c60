// Loading a table from a weight file (safetensors, .npy, or the tensor of a
// sharded safetensors checkpoint) into a new bag. The file is read as a stream
// of chunks (sources.mjs: bytes, a Blob, a Response or ReadableStream, a file
// read in 1 MiB pieces, a fetch() body) and the tensor's bytes are written
// into the bag's table in wasm memory as they arrive: one copy, no second full
// copy of the table in JS. options.onProgress hears of every chunk;
// options.signal aborts between chunks (and the download), leaving nothing
// allocated.
import { reworded, show } from './errors.mjs';
import { headerEnd, parseNpyHeader, parseSafetensorsHeader } from './formats.mjs';
import { ownOptions } from './options.mjs';
import { dtypeNames, rowLayout } from './registry.mjs';
import { checkLoadDtype, packedDim, packedRowDtypes, recordedOptions } from './quantized.mjs';
import { FLOAT_ELEMENT_BYTES } from './row-stream.mjs';
import { checkLoadOptions, joinParts, openSource } from './sources.mjs';

// The tensor dtypes a table can be read from (bytes per element).
const TABLE_DTYPES = { ...FLOAT_ELEMENT_BYTES, U8: 1 };

// A file's options for training: not applied to a table loaded quantized
// (inference-only), so that a table trained sparse still loads as int8.
const TRAINING_OPTIONS = ['sparse', 'scaleGradByFreq'];

function truncated(format, end, tensor) {
  return new RangeError(`${format}: the file ends at byte ${end}, inside ${tensor.name} (its data runs to byte ${tensor.end}): truncated`);
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
  if (!Object.hasOwn(header.tensors, name)) throw new RangeError(`no tensor '${name}' in the safetensors file (it has: ${names.join(', ')})`);
  return { name: `tensor '${name}'`, ...header.tensors[name] };
}

function checkTable(format, tensor) {
  if (!Object.hasOwn(TABLE_DTYPES, tensor.dtype)) {
    throw new TypeError(`${format}: ${tensor.name} has dtype ${tensor.dtype}; a table needs F32 (float32), F16 (float16), BF16 (bfloat16) or U8 (quantized rows)`);
  }
  if (tensor.shape.length !== 2 || tensor.shape[0] < 1 || tensor.shape[1] < 1) {
    throw new RangeError(`${format}: ${tensor.name} has shape [${tensor.shape.join(', ')}]; a table needs [numEmbeddings, embeddingDim], both >= 1`);
  }
}

// How the tensor becomes a bag: the bag made while reading ({ dtype, dim })
// and how its bytes are written: 'raw' rows of a quantized table, 'float'
// (F32, or F16 / BF16 widened) into a float32 table, or 'quantize' (float
// rows quantized as they stream: row-stream.mjs).
// asked: options.dtype, else the dtype toSafetensors recorded, else undefined.
function planTable(format, tensor, asked, recordedDim) {
  const [, cols] = tensor.shape;
  const what = `${format}: ${tensor.name} (${tensor.dtype} [${tensor.shape.join(', ')}])`;
  if (tensor.dtype === 'U8') {
    const packed = packedRowDtypes();
    if (!packed.includes(asked)) {
      throw new TypeError(`${what} holds quantized rows: say which layout with ` +
        packed.map((d) => `{ dtype: '${d}' } (${rowLayout(d)})`).join(' or ') +
        ' (torch.ops.quantized.embedding_bag_byte_prepack writes int8 rows, embedding_bag_4bit_prepack int4)');
    }
    // D from the row's bytes, or as toSafetensors records it.
    const dim = packedDim(asked, cols, recordedDim);
    if (dim === null) {
      throw new RangeError(`${what}: ${cols} bytes per row is not an ${asked} row (${rowLayout(asked)}) of D >= 1 columns`);
    }
    return { dtype: asked, dim, write: 'raw' };
  }
  if (asked === 'fp16' && tensor.dtype === 'F16') return { dtype: 'fp16', dim: cols, write: 'raw' };
  if (asked === undefined || asked === 'fp32') return { dtype: 'fp32', dim: cols, write: 'float' };
  return { dtype: asked, dim: cols, write: 'quantize' };
}

// options.dtype, or (when absent) what a file written by toSafetensors recorded.
function askedDtype(format, options, metadata, keys) {
  let dtype = options.dtype;
  let dim;
  if (dtype === undefined && metadata && Object.hasOwn(metadata, keys.dtype) && typeof metadata[keys.dtype] === 'string') {
    dtype = metadata[keys.dtype];
    if (!dtypeNames().includes(dtype)) throw new RangeError(`${format}: the file records dtype ${show(dtype)}, not one of ${dtypeNames().join(', ')}`);
    dim = Number(metadata[keys.embeddingDim]);
    if (!(Number.isSafeInteger(dim) && dim >= 1)) dim = undefined;
  }
  return { dtype, dim };
}


// The bag the file's table loads into: the options a file written by
// toSafetensors records (mode, paddingIdx, ...), under those given (which
// win). When the two together are refused, the error says which came from
// the file.
function withRecord(given, recorded, format, dtype) {
  const fromFile = Object.keys(recorded).filter((key) => given[key] === undefined &&
    (dtype === 'fp32' || !TRAINING_OPTIONS.includes(key)));
  const options = { ...given };
  for (const key of fromFile) options[key] = recorded[key];
  const explain = (error) => {
    if (fromFile.length === 0 || !(error instanceof Error)) return error;
    const recordedText = fromFile.map((key) => `${key} ${show(recorded[key])}`).join(', ');
    return reworded(error, `${error.message} (with the options the ${format} file records: ${recordedText}; ` +
      'options you pass win over them)');
  };
  return { options, explain };
}

// { write(bytes, offset), finish() } of the tensor's bytes [offset, offset +
// bytes.length), in order, into the table.
function tableWriter(bags, bag, plan, tensorDtype) {
  if (plan.write === 'raw') return { write: (bytes, offset) => bag.quantizedWeight.set(bytes, offset), finish() {} };
  return bags.tableWriter(bag, tensorDtype);
}

/**
 * A new bag whose table is the file's tensor. format: 'safetensors' | 'npy';
 * bags.create(N, D, options, dtype) makes a bag with a zero table,
 * bags.tableWriter(bag, tensorDtype) a writer of a float tensor's bytes into
 * it as they stream (widened, or quantized: row-stream.mjs); metadataKeys: where
 * toSafetensors records a quantized table's dtype and D. With
 * options.optimizerState, also the optimizer toSafetensors recorded and its
 * state tensors (bags.optimizerRecord, stateTensors, restoreOptimizer,
 * setSteps: tables.mjs).
 */
export async function loadTable(format, source, given, platform, bags, metadataKeys) {
  const options = ownOptions(given);
  if (format === 'npy' && 'tensor' in options) throw new TypeError('options.tensor is for safetensors files; a .npy file holds one array');
  checkLoadDtype(options.dtype);
  const { tensor: givenName, dtype: _dtype, onProgress, signal, optimizerState = false, ...bagOptions } = options;
  checkLoadOptions(onProgress, signal);
  if (typeof optimizerState !== 'boolean') throw new TypeError(`optimizerState = ${show(optimizerState)} must be true or false`);
  if (optimizerState && format !== 'safetensors') throw new TypeError('optimizerState is for safetensors files written by toSafetensors');
  signal?.throwIfAborted();
  let plan = null;
  const parse = format === 'safetensors' ? parseSafetensorsHeader : parseNpyHeader;
  // The file's first chunks, until the header is complete: kept as a list and
  // joined once, so that reading a header is linear in its size.
  const pending = [];
  let pendingBytes = 0;
  let need = null; // where the header ends, once the first bytes tell
  let tensor = null;
  let bag = null;
  // What is read into the bag: the table and, with optimizerState, the
  // optimizer's state arrays: [{ tensor, write }], in any file order.
  let targets = null;
  let dataEnd = 0; // where the last of them ends
  let steps = 0;
  let position = 0; // file offset of the chunk's first byte, once the header is known
  let loaded = 0;
  let made = null; // the bag's options, with those the file records
  let table = null; // the table's writer
  try {
    const { total, chunks } = await openSource(source, platform, format, signal);
    for await (const chunk of chunks) {
      loaded += chunk.length;
      onProgress?.({ loadedBytes: loaded, totalBytes: total });
      signal?.throwIfAborted();
      // Past the tensor: stop reading (a fetch is cancelled). Checked only
      // once the next chunk is asked for, so that a file that ends with the
      // tensor ends cleanly.
      if (tensor !== null && position >= dataEnd) break;
      let data = chunk;
      if (tensor === null) {
        // Kept until the header is whole: a copy (a reader may reuse its buffer).
        pending.push(chunk.slice());
        pendingBytes += chunk.length;
        if (need === null) {
          need = headerEnd(format, joinParts(pending, Math.min(pendingBytes, 16)));
          if (need !== null && total !== undefined && need > total) {
            throw new RangeError(`${format}: the file ends inside its header (${total} bytes), which claims ${need}`);
          }
        }
        if (need === null || pendingBytes < need) continue;
        const head = joinParts(pending, pendingBytes);
        pending.length = 0;
        const header = parse(head);
        const record = format === 'safetensors' ? bags.optimizerRecord(header.metadata, optimizerState) : null;
        // A file with an optimizer's state: its table is the tensor it names.
        tensor = pickTensor(format, header, givenName ?? record?.table);
        checkTable(format, tensor);
        const asked = askedDtype(format, options, header.metadata, metadataKeys);
        plan = planTable(format, tensor, asked.dtype, asked.dim);
        if (optimizerState && plan.dtype !== 'fp32') throw new TypeError('optimizerState: the table must load as float32 to train');
        const states = optimizerState ? bags.stateTensors(header, record, tensor.shape) : [];
        // Known lengths are checked now, before a table is made or read into.
        for (const t of [tensor, ...states]) if (total !== undefined && t.end > total) throw truncated(format, total, t);
        made = withRecord(bagOptions, recordedOptions(header.metadata, format), format, plan.dtype);
        try {
          bag = bags.create(tensor.shape[0], plan.dim, made.options, plan.dtype);
        } catch (error) {
          throw made.explain(error);
        }
        table = tableWriter(bags, bag, plan, tensor.dtype);
        targets = [{ tensor, write: table.write }];
        if (optimizerState) {
          targets.push(...bags.restoreOptimizer(bag, record, states));
          steps = record.step;
        }
        dataEnd = Math.max(...targets.map((t) => t.tensor.end));
        data = head;
      }
      for (const { tensor: t, write } of targets) {
        const from = Math.max(t.begin, position);
        const to = Math.min(t.end, position + data.length);
        if (from < to) write(data.subarray(from - position, to - position), from - t.begin);
      }
      position += data.length;
    }
    if (tensor === null) {
      throw new RangeError(`${format}: the file ends inside its header (${pendingBytes} bytes)`);
    }
    for (const { tensor: t } of targets) if (position < t.end) throw truncated(format, position, t);
    table.finish();
    if (steps > 0) bags.setSteps(bag, steps);
    return bag;
  } catch (error) {
    bag?.dispose();
    throw error;
  }
}

// The largest index file read (Hugging Face's are a few hundred KB).
const MAX_INDEX_BYTES = 64 << 20;

/** Whether `source` names a sharded checkpoint's index (*.safetensors.index.json). */
export function isShardIndex(source) {
  const text = typeof source === 'string' ? source : typeof source?.href === 'string' ? source.href : null;
  return text !== null && /\.index\.json$/i.test(text.replace(/[?#].*$/, ''));
}

/**
 * A bag from the tensor options.tensor of a sharded safetensors checkpoint:
 * the index (Hugging Face's model.safetensors.index.json: { weight_map:
 * { tensor: shard file } }) says which shard holds it, read from beside the
 * index. The other options are loadTable's.
 */
export async function loadSharded(source, given, platform, bags, metadataKeys) {
  const options = ownOptions(given);
  checkLoadOptions(options.onProgress, options.signal);
  options.signal?.throwIfAborted();
  const what = `safetensors index ${typeof source === 'string' ? source : source.href}`;
  const { chunks } = await openSource(source, platform, 'safetensors index', options.signal);
  const parts = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > MAX_INDEX_BYTES) throw new RangeError(`${what}: larger than ${MAX_INDEX_BYTES} bytes, not an index`);
    parts.push(chunk.slice());
  }
  let index;
  try {
    index = JSON.parse(new TextDecoder().decode(joinParts(parts, size)));
  } catch (error) {
    throw new TypeError(`${what}: not JSON (${error.message})`);
  }
  const map = index?.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new TypeError(`${what}: no weight_map object`);
  const names = Object.keys(map);
  let name = options.tensor;
  if (name === undefined) {
    if (names.length !== 1) {
      throw new TypeError(`${what} holds ${names.length} tensors (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}): say which with { tensor }`);
    }
    name = names[0];
  } else if (typeof name !== 'string') {
    throw new TypeError(`tensor = ${show(name)} must be a string`);
  }
  if (!Object.hasOwn(map, name)) throw new RangeError(`${what}: no tensor '${name}' in its weight_map`);
  const shardSource = besideIndex(source, map[name], `${what}: weight_map['${name}']`);
  return loadTable('safetensors', shardSource, { ...options, tensor: name }, platform, bags, metadataKeys);
}

// A URL's scheme, when a string is one (a path is not: 'C:' is a drive).
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * The source of a shard named in an index: a file in the index's own folder,
 * on its scheme and origin. A file name only (no separator, scheme, query,
 * fragment, percent-escape or '.' / '..'), and the resolved URL is checked
 * to stay in that folder; anything else is a RangeError naming the shard.
 */
export function besideIndex(index, shard, what) {
  if (typeof shard !== 'string') throw new TypeError(`${what} = ${show(shard)} must be a file name (a string)`);
  const refused = () => new RangeError(`${what} = ${show(shard)} is not a file name beside the index: ` +
    'a shard resolves inside the index\'s folder, on its scheme and origin');
  // eslint-disable-next-line no-control-regex
  if (shard === '' || shard === '.' || shard === '..' || /[\\/:?#%\u0000-\u001f\u007f]/.test(shard)) throw refused();
  const text = typeof index === 'string' ? index : index.href;
  if (typeof index === 'string' && !SCHEME.test(index)) return text.slice(0, text.lastIndexOf('/') + 1) + shard;
  const base = new URL(text);
  const folder = new URL('.', base);
  const url = new URL(shard, folder);
  const inside = url.protocol === base.protocol && url.origin === base.origin && url.host === base.host &&
    url.username === base.username && url.password === base.password && url.search === '' && url.hash === '' &&
    url.pathname.startsWith(folder.pathname) && !url.pathname.slice(folder.pathname.length).includes('/');
  if (!inside) throw refused();
  return typeof index === 'string' ? url.href : url;
}
