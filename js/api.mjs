// The public API, the same in every environment. The entry points
// (index.node.mjs, index.browser.mjs) give it a platform: how to load a
// wasm variant and how many cores there are.
//
// Thin on purpose: check types, copy inputs once into the wasm heap, call the
// core, turn its status into an exception, copy outputs out. Semantics and
// value checks live in C++ (src/embedding_bag.h).
import { camelCase, Code, show, statusError } from './errors.mjs';
import { writeSafetensors } from './formats.mjs';
import {
  floatArray,
  forwardInput,
  gradOutputArray,
  IndexKind,
  perSampleWeightsArray,
  tableArgument,
} from './inputs.mjs';
import {
  byteView,
  DTYPES,
  notQuantizableError,
  quantizedDtype,
  rowBytes,
  rowLayout,
  TABLE_METADATA,
} from './quantized.mjs';
import { loadTable } from './weights.mjs';

const MODES = Object.freeze({ sum: 0, mean: 1, max: 2 });
const OPTION_DEFAULTS = Object.freeze({
  mode: 'mean',
  maxNorm: null,
  normType: 2,
  scaleGradByFreq: false,
  sparse: false,
  paddingIdx: null,
  includeLastOffset: false,
  weight: undefined,
  seed: undefined,
});
const MAX_DIM = 2147483647;
// Options only this package passes (symbols: no user option can name them):
// the table stays zero (its rows are written next), and the table's dtype.
const FILLED_BY_LOADER = Symbol('filledByLoader');
const TABLE_DTYPE = Symbol('tableDtype');

const MAX_AUTO_THREADS = 8;
// Below this many bag entries x embeddingDim a call stays on the calling
// thread (waking the workers costs more than it saves). Measured on the
// 2-core machine, same process, splitting off vs on: a 2-thread split of a
// sum breaks even at ~32k (0.5x at 8k, 1.0x at 32k, 1.4x at 64k), of a max
// earlier; 64k keeps every call at or above break-even.
const DEFAULT_MIN_PARALLEL_WORK = 1 << 16;

let platform = null;
let wasm = null; // the loaded Emscripten module
let loading = null;
let info = null;
let generation = 0; // bumped by shutdown(): bags of an earlier module refuse to work

// Views of the wasm heap, re-made when the memory has grown. With threads the
// heap is a SharedArrayBuffer: growing it does not detach old views, they
// silently keep the old length, so never hold one across a call.
// heap(end) only asks for the memory's buffer (a slow getter, ~0.1 us) when
// the current views do not reach byte `end`: a detached view has length 0,
// and an old view of shared memory still aliases the same bytes.
let views = null;
function heap(end = Infinity) {
  if (views === null || views.u8.length < end) {
    const buffer = wasm.wasmMemory ? wasm.wasmMemory.buffer : wasm.HEAPU8.buffer;
    if (!views || views.buffer !== buffer) {
      views = { buffer, u8: new Uint8Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer) };
    }
  }
  return views;
}

// Registered by the entry point before anything else runs.
export function setPlatform(p) {
  platform = p;
}

const INIT_OPTIONS = ['threads', 'wasmPaths', 'minParallelWork'];

/**
 * Loads the wasm module. Call (and await) once before anything else; later
 * calls return the same info (call shutdown() first to load it anew).
 * options.threads: 'auto' (default: min(8, cores) where threads can work) or
 * a number; > 1 loads the simd-threaded variant, 1 the simd one.
 * options.minParallelWork: calls with fewer bag entries x embeddingDim stay on
 * the calling thread.
 */
export async function init(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError(`init options must be an object, not ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (!INIT_OPTIONS.includes(key)) throw new TypeError(`unknown init option '${key}' (known: ${INIT_OPTIONS.join(', ')})`);
  }
  const threads = options.threads ?? 'auto';
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError(`threads = ${show(threads)} must be 'auto' or an integer >= 1`);
  }
  const minParallelWork = options.minParallelWork ?? DEFAULT_MIN_PARALLEL_WORK;
  if (!(Number.isInteger(minParallelWork) && minParallelWork >= 0)) {
    throw new RangeError(`minParallelWork = ${show(minParallelWork)} must be an integer >= 0`);
  }
  if (info) return { ...info };
  if (!loading) {
    loading = (async () => {
      if (!platform) throw new Error('embedding-bag-wasm: no platform registered (import the package entry, not js/api.mjs)');
      if (!platform.simdSupported()) {
        throw new Error('embedding-bag-wasm needs WebAssembly SIMD (Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)');
      }
      const asked = threads === 'auto' ? Math.min(MAX_AUTO_THREADS, platform.cores()) : threads;
      const why = asked > 1 ? platform.threadsUnavailable() : null;
      const count = why ? 1 : asked;
      const variant = count > 1 ? 'simd-threaded' : 'simd';
      const module = await platform.loadVariant(variant, { ...options, poolSize: count - 1 });
      const running = module.startThreads(count);
      module.setMinParallelWork(minParallelWork);
      if (count > 1) platform.threadsStarted(module);
      const loaded = { variant, simd: true, threads: running };
      if (why) loaded.reason = why;
      wasm = module;
      views = null;
      info = loaded;
    })();
  }
  try {
    await loading;
  } catch (error) {
    loading = null;
    throw error;
  }
  return { ...info };
}

/**
 * Stops the worker threads and unloads the module. Bags made before no
 * longer work; init() may be called again.
 */
export function shutdown() {
  if (!wasm) return;
  wasm.stopThreads();
  if (wasm.PThread) wasm.PThread.terminateAllThreads();
  wasm = null;
  views = null;
  info = null;
  loading = null;
  generation++;
}

function requireModule() {
  if (!wasm) throw new Error('embedding-bag-wasm is not initialised: call `await init()` first');
  return wasm;
}

/** Heap size and the bytes malloc has handed out (leak checks). */
export function memoryInfo() {
  const m = requireModule();
  return { heapBytes: heap().buffer.byteLength, allocatedBytes: m.allocatedHeapBytes() };
}

function checkDim(value, name) {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} = ${show(value)} must be an integer`);
  if (value < 1 || value > MAX_DIM) throw new RangeError(`${name} = ${value} must be an integer in [1, ${MAX_DIM}]`);
}

function checkBoolean(value, name) {
  if (typeof value !== 'boolean') throw new TypeError(`${name} = ${show(value)} must be true or false`);
}

// The options of forward() and backward(): { copy } -> whether results are
// copied out of wasm memory (the default) or returned as views of it.
function wantsCopy(options, method) {
  if (options === undefined) return true;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${method} options must be an object, not ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'copy') throw new TypeError(`unknown ${method} option '${key}' (known: copy)`);
  }
  if (options.copy === undefined) return true;
  checkBoolean(options.copy, 'copy');
  return options.copy;
}

// Elements [begin, end) of a heap view: a copy, or a view of wasm memory.
function take(view, begin, end, copy) {
  return copy ? view.slice(begin, end) : view.subarray(begin, end);
}

// A copy of the dense N x D gradient. When the last forward had at most N/8
// indices, a zeroed Float32Array into which just the rows they name are
// copied, run by run (RowRuns in bindings/): outside them the gradient is
// zero. Else, or without memory for the runs, one slice. Measured (same
// process, the whole backward, against one slice): recsys (83k indices,
// 1M x 64) 1.9x faster; tiny (32 indices, 1k x 16) 1.0x on one thread, 1.27x
// faster on the threaded build (V8 copies out of a SharedArrayBuffer more
// slowly); with runs covering 40% of the rows (text) 0.86x, all of them
// 0.81x: hence N/8.
const RUN_COPY_MAX_INDICES_PER_ROW = 1 / 8;
function copyDenseGradient(core, n, d, numIndices) {
  const ptr = core.gradWeightPtr();
  const base = ptr / 4;
  const runs = numIndices <= n * RUN_COPY_MAX_INDICES_PER_ROW ? core.gradientRowRuns() : -1;
  if (runs < 0) return heap(ptr + n * d * 4).f32.slice(base, base + n * d);
  const rp = core.rowRunsPtr() / 4;
  const { f32, i32 } = heap(Math.max(ptr + n * d * 4, (rp + 2 * runs) * 4));
  const out = new Float32Array(n * d);
  for (let k = 0; k < runs; k++) {
    const begin = i32[rp + 2 * k] * d;
    const end = i32[rp + 2 * k + 1] * d;
    // A short run by a loop (a subarray costs more than copying 64 floats).
    if (end - begin <= 64) {
      for (let j = begin; j < end; j++) out[j] = f32[base + j];
    } else {
      out.set(f32.subarray(base + begin, base + end), begin);
    }
  }
  return out;
}

// Options as given -> complete, type-checked options.
function normaliseOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, not ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(key in OPTION_DEFAULTS)) {
      const hint = camelCase(key) in OPTION_DEFAULTS ? ` (did you mean '${camelCase(key)}'?)` : '';
      throw new TypeError(`unknown option '${key}'${hint}; known: ${Object.keys(OPTION_DEFAULTS).join(', ')}`);
    }
  }
  const o = { ...OPTION_DEFAULTS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) o[key] = value;
  if (typeof o.mode !== 'string') throw new TypeError(`mode = ${show(o.mode)} must be 'sum', 'mean' or 'max'`);
  if (!(o.mode in MODES)) throw new RangeError(`mode = ${show(o.mode)} must be 'sum', 'mean' or 'max'`);
  if (o.maxNorm !== null && typeof o.maxNorm !== 'number') throw new TypeError(`maxNorm = ${show(o.maxNorm)} must be a number or null`);
  if (typeof o.normType !== 'number') throw new TypeError(`normType = ${show(o.normType)} must be a number`);
  if (o.paddingIdx !== null && !(typeof o.paddingIdx === 'number' && Number.isInteger(o.paddingIdx))) {
    throw new TypeError(`paddingIdx = ${show(o.paddingIdx)} must be an integer or null`);
  }
  checkBoolean(o.scaleGradByFreq, 'scaleGradByFreq');
  checkBoolean(o.sparse, 'sparse');
  checkBoolean(o.includeLastOffset, 'includeLastOffset');
  if (o.seed !== undefined) {
    const ok = (typeof o.seed === 'number' && Number.isSafeInteger(o.seed) && o.seed >= 0) ||
      (typeof o.seed === 'bigint' && o.seed >= 0n && o.seed < 2n ** 64n);
    if (!ok) throw new TypeError(`seed = ${show(o.seed)} must be a non-negative safe integer or a BigInt below 2^64`);
  }
  return o;
}

function randomSeed() {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (BigInt(words[0]) << 32n) | BigInt(words[1]);
}

// Frees the wasm side of bags that were garbage-collected without dispose().
const finalizer = new FinalizationRegistry(({ core, madeIn }) => {
  if (madeIn === generation && !core.isDeleted()) core.delete();
});

export class EmbeddingBag {
  #core = null;
  #dtype = 'fp32';
  #options;
  #numEmbeddings;
  #embeddingDim;
  #weightView = null;
  #lastForward = null; // { numBags, numIndices } of the last successful forward
  #generation = generation;

  /**
   * @param {number} numEmbeddings rows of the table (N)
   * @param {number} embeddingDim columns (D)
   * @param {object} [options] mode, maxNorm, normType, scaleGradByFreq, sparse,
   *   paddingIdx, includeLastOffset, weight, seed
   */
  constructor(numEmbeddings, embeddingDim, options = {}) {
    const m = requireModule();
    checkDim(numEmbeddings, 'numEmbeddings');
    checkDim(embeddingDim, 'embeddingDim');
    const o = normaliseOptions(options);
    const dtype = options[TABLE_DTYPE] ?? 'fp32';
    if (dtype !== 'fp32') {
      for (const key of ['sparse', 'scaleGradByFreq']) {
        if (o[key]) throw new TypeError(`${key} concerns gradients; a quantized (${dtype}) bag is inference-only`);
      }
    }
    let weight = null;
    if (o.weight !== undefined) {
      weight = floatArray(o.weight, 'weight');
      if (weight.length !== numEmbeddings * embeddingDim) {
        throw new RangeError(`weight has length ${weight.length}, expected ${numEmbeddings * embeddingDim} (numEmbeddings x embeddingDim)`);
      }
    }
    this.#numEmbeddings = numEmbeddings;
    this.#embeddingDim = embeddingDim;
    const core = new m.BagCore(numEmbeddings, embeddingDim, DTYPES[dtype]);
    this.#dtype = dtype;
    try {
      if (!core.ok()) {
        throw new RangeError(
          `a table of numEmbeddings x embeddingDim = ${numEmbeddings} x ${embeddingDim} ${dtype === 'fp32' ? 'floats' : `${dtype} values`} ` +
            `(${numEmbeddings * rowBytes(dtype, embeddingDim)} bytes) does not fit in the wasm memory ` +
            '(one table must stay under 2 GiB; the whole heap grows to 4 GiB)',
        );
      }
      const status = core.setOptions(
        MODES[o.mode], o.paddingIdx !== null, o.paddingIdx ?? 0, o.maxNorm !== null, o.maxNorm ?? 0,
        o.normType, o.scaleGradByFreq, o.sparse, o.includeLastOffset,
      );
      if (status !== Code.ok) throw this.#error(core, { maxNorm: o.maxNorm, normType: o.normType, mode: o.mode });
      if (dtype !== 'fp32') {
        // Quantized rows are written next (quantize, fromQuantized, a loader).
      } else if (weight) {
        heap(core.weightPtr() + weight.length * 4).f32.set(weight, core.weightPtr() / 4);
      } else if (options[FILLED_BY_LOADER]) {
        // The table stays zero: a weight file's rows are streamed into it.
      } else {
        const seed = o.seed === undefined ? randomSeed() : BigInt(o.seed);
        if (core.initNormal(Number(seed >> 32n), Number(seed & 0xffffffffn)) !== Code.ok) throw this.#error(core);
      }
    } catch (error) {
      core.delete();
      throw error;
    }
    const pad = o.paddingIdx;
    this.#options = Object.freeze({
      mode: o.mode,
      maxNorm: o.maxNorm,
      normType: o.normType,
      scaleGradByFreq: o.scaleGradByFreq,
      sparse: o.sparse,
      // Stored wrapped to [0, N), as PyTorch does.
      paddingIdx: pad === null ? null : pad < 0 ? pad + numEmbeddings : pad,
      includeLastOffset: o.includeLastOffset,
    });
    this.#core = core;
    finalizer.register(this, { core, madeIn: generation }, this);
  }

  /** Like nn.EmbeddingBag.from_pretrained: the table is copied in. */
  static fromPretrained(embeddings, options = {}) {
    const table = tableArgument(embeddings, 'embeddings');
    if (options !== null && typeof options === 'object' && 'weight' in options) {
      throw new TypeError('fromPretrained takes the table as its first argument, not options.weight');
    }
    return new EmbeddingBag(table.numEmbeddings, table.embeddingDim, { ...options, weight: table.data });
  }

  /**
   * Like fromPretrained, from a safetensors file: bytes (Uint8Array,
   * ArrayBuffer, Buffer), a path (Node) or a URL (fetched in the browser).
   * options.tensor names the tensor (optional when the file has one);
   * options.dtype the bag's table: default float32 for F32 / F16 tensors
   * [N, D] (F16 widened; 'fp16' keeps it), what toSafetensors recorded for
   * its own files; U8 tensors (PyTorch's packed rows) need 'int8' or 'int4';
   * a float tensor with a quantized dtype is quantized on load. The rest are
   * the constructor's options. Rows are copied once, straight into wasm memory.
   */
  static fromSafetensors(source, options = {}) {
    return loadTable('safetensors', source, options, platform, EmbeddingBag.#forLoader, TABLE_METADATA);
  }

  /** The same from a NumPy .npy file (float32, float16 or uint8 rows; C order, 2-D). */
  static fromNpy(source, options = {}) {
    return loadTable('npy', source, options, platform, EmbeddingBag.#forLoader, TABLE_METADATA);
  }

  static #forLoader = {
    // A bag with a zero table of `dtype` for the loader to fill.
    create(numEmbeddings, embeddingDim, options, dtype) {
      return EmbeddingBag.#withRowsToCome(numEmbeddings, embeddingDim, options, dtype, 'the table comes from the file');
    },
    quantize: (bag, dtype) => EmbeddingBag.quantize(bag, { dtype }),
  };

  static #withRowsToCome(numEmbeddings, embeddingDim, options, dtype, why) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`options must be an object, not ${show(options)}`);
    }
    for (const key of ['weight', 'seed']) {
      if (key in options) throw new TypeError(`options.${key} cannot be given: ${why}`);
    }
    return new EmbeddingBag(numEmbeddings, embeddingDim, { ...options, [FILLED_BY_LOADER]: true, [TABLE_DTYPE]: dtype });
  }

  /**
   * An inference-only bag whose table is `source`'s, quantized row by row
   * (as PyTorch's embedding_bag_byte_prepack / embedding_bag_4bit_prepack do
   * it, bit for bit; fp16 rounds to nearest even). source: an EmbeddingBag
   * (its mode, paddingIdx and includeLastOffset carry over) or a table
   * { data, shape: [N, D] }. options: { dtype: 'fp16' | 'int8' | 'int4' } and
   * the bag options to set or override (mode, paddingIdx, includeLastOffset).
   */
  static quantize(source, options = {}) {
    requireModule();
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`options must be an object, not ${show(options)}`);
    }
    const { dtype: asked, ...rest } = options;
    const dtype = quantizedDtype(asked);
    let float = source;
    let inherited = {};
    if (source instanceof EmbeddingBag) {
      if (source.#dtype !== 'fp32') {
        throw new TypeError(`the bag is already quantized (${source.#dtype}): quantize a float32 bag, or dequantize() this one first`);
      }
      source.#live();
      const o = source.#options;
      inherited = { mode: o.mode, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset, maxNorm: o.maxNorm };
    } else if (source !== null && typeof source === 'object' && 'data' in source && 'shape' in source) {
      const table = tableArgument(source, 'source');
      float = new EmbeddingBag(table.numEmbeddings, table.embeddingDim, { weight: table.data });
    } else {
      throw new TypeError(`source must be an EmbeddingBag or a table { data: Float32Array, shape: [numEmbeddings, embeddingDim] }, not ${show(source)}`);
    }
    try {
      const bag = EmbeddingBag.#withRowsToCome(float.#numEmbeddings, float.#embeddingDim, { ...inherited, ...rest }, dtype,
        'the table comes from the source');
      const core = bag.#core;
      if (core.quantizeFrom(float.#core) !== Code.ok) {
        const error = core.statusCode() === Code.notQuantizable
          ? notQuantizableError(float.weight, float.#embeddingDim, core.errorPosition(), dtype)
          : bag.#error(core);
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
   * numEmbeddings rows in the dtype's layout (int8: D codes + float32 scale +
   * float32 bias; int4: ceil(D / 2) bytes of codes, low nibble first, +
   * float16 scale + float16 bias; fp16: D float16 values), copied once.
   * options: { dtype, embeddingDim, numEmbeddings (default: from the length),
   * mode, paddingIdx, includeLastOffset }.
   */
  static fromQuantized(bytes, options = {}) {
    requireModule();
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`options must be an object, not ${show(options)}`);
    }
    const { dtype: asked, numEmbeddings: givenRows, embeddingDim, ...rest } = options;
    const dtype = quantizedDtype(asked);
    checkDim(embeddingDim, 'embeddingDim');
    const data = byteView(bytes, 'bytes');
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
    const bag = EmbeddingBag.#withRowsToCome(numEmbeddings, embeddingDim, rest, dtype, 'the rows are the bytes given');
    bag.quantizedWeight.set(data);
    return bag;
  }

  /** A float32 bag (same options) whose table is this quantized bag's values, as forward sees them. */
  dequantize() {
    const core = this.#live();
    if (this.#dtype === 'fp32') throw new TypeError('dequantize() needs a quantized bag; this one is already float32');
    const o = this.#options;
    const bag = new EmbeddingBag(this.#numEmbeddings, this.#embeddingDim, {
      mode: o.mode, paddingIdx: o.paddingIdx, includeLastOffset: o.includeLastOffset, [FILLED_BY_LOADER]: true,
    });
    if (core.dequantizeInto(bag.#core) !== Code.ok) {
      const error = bag.#error(bag.#core);
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
  toSafetensors({ name = 'weight', metadata = null } = {}) {
    if (typeof name !== 'string' || name === '' || name === '__metadata__') {
      throw new TypeError(`name = ${show(name)} must be a non-empty string other than '__metadata__'`);
    }
    const n = this.#numEmbeddings;
    const d = this.#embeddingDim;
    const dtype = this.#dtype;
    if (dtype === 'fp32') return writeSafetensors({ [name]: { data: this.weight, shape: [n, d] } }, metadata);
    const tensor = dtype === 'fp16'
      ? { dtype: 'F16', data: this.quantizedWeight, shape: [n, d] }
      : { dtype: 'U8', data: this.quantizedWeight, shape: [n, rowBytes(dtype, d)] };
    const recorded = { ...(metadata ?? {}), [TABLE_METADATA.dtype]: dtype, [TABLE_METADATA.embeddingDim]: String(d) };
    return writeSafetensors({ [name]: tensor }, recorded);
  }

  get numEmbeddings() { return this.#numEmbeddings; }
  get embeddingDim() { return this.#embeddingDim; }
  get mode() { return this.#options.mode; }
  get maxNorm() { return this.#options.maxNorm; }
  get normType() { return this.#options.normType; }
  get scaleGradByFreq() { return this.#options.scaleGradByFreq; }
  get sparse() { return this.#options.sparse; }
  get paddingIdx() { return this.#options.paddingIdx; }
  get includeLastOffset() { return this.#options.includeLastOffset; }
  get disposed() { return this.#core === null; }
  /** 'fp32', or the quantized table's 'fp16' | 'int8' | 'int4'. */
  get dtype() { return this.#dtype; }

  /**
   * A quantized table's rows inside wasm memory (N rows of the dtype's row
   * bytes, see fromQuantized), as a Uint8Array; null for a float32 bag.
   * Re-read it after calls, as weight.
   */
  get quantizedWeight() {
    const core = this.#live();
    if (this.#dtype === 'fp32') return null;
    const bytes = this.#numEmbeddings * core.rowBytes();
    return heap(core.weightPtr() + bytes).u8.subarray(core.weightPtr(), core.weightPtr() + bytes);
  }

  /**
   * The table inside wasm memory (N*D floats, row-major): reads and writes go
   * to the table. Re-read it after calls: a view made before the memory grew
   * no longer covers the heap.
   */
  get weight() {
    const core = this.#live();
    if (this.#dtype !== 'fp32') {
      throw new TypeError(`this bag's table is ${this.#dtype} (quantized): read its rows with quantizedWeight, or its values with dequantize()`);
    }
    const { buffer } = heap(core.weightPtr() + this.#numEmbeddings * this.#embeddingDim * 4);
    if (!this.#weightView || this.#weightView.buffer !== buffer) {
      this.#weightView = new Float32Array(buffer, core.weightPtr(), this.#numEmbeddings * this.#embeddingDim);
    }
    return this.#weightView;
  }

  /**
   * @param input 1-D indices (Int32Array | BigInt64Array | number[]) with offsets,
   *   or 2-D: { data, shape: [B, L] } | number[][] (offsets null)
   * @param options { copy: false } returns the output as a view of wasm
   *   memory instead of a copy: no allocation, valid until the next call into
   *   the package.
   * @returns {{ data: Float32Array, shape: [number, number] }}
   */
  forward(input, offsets = null, perSampleWeights = null, options = undefined) {
    const core = this.#live();
    const copy = wantsCopy(options, 'forward');
    const call = forwardInput(input, offsets);
    const psw = perSampleWeights == null ? null : perSampleWeightsArray(perSampleWeights);
    this.#stage(core, core.stageIndices(call.indices.kind, call.indices.length), call.indices);
    if (!call.twoD) this.#stage(core, core.stageOffsets(call.offsets.kind, call.offsets.length), call.offsets);
    if (psw) {
      const ptr = core.stagePerSampleWeights(psw.length);
      if (ptr === 0) throw this.#error(core);
      heap(ptr + psw.length * 4).f32.set(psw, ptr / 4);
    }
    const status = core.forward(!call.twoD, call.rows ?? 0, call.rowLength ?? 0, psw !== null);
    if (status !== Code.ok) {
      throw this.#error(core, {
        numIndices: call.indices.length,
        rowLength: call.twoD ? call.rowLength : undefined,
        offsets: call.twoD ? null : call.offsets.array,
      });
    }
    const numBags = core.lastNumBags();
    this.#lastForward = { numBags, numIndices: call.indices.length };
    const ptr = core.outputPtr() / 4;
    const end = ptr + numBags * this.#embeddingDim;
    return { data: take(heap(end * 4).f32, ptr, end, copy), shape: [numBags, this.#embeddingDim] };
  }

  /**
   * Gradients of the most recent successful forward.
   * @returns {{ weight: Float32Array | { indices: Int32Array, values: Float32Array, shape: [number, number] },
   *             perSampleWeights: Float32Array | null }}
   * @param options { copy: false } returns views of wasm memory instead of
   *   copies (valid until the next call into the package).
   */
  backward(gradOutput, options = undefined) {
    const core = this.#live();
    const copy = wantsCopy(options, 'backward');
    if (this.#dtype !== 'fp32') {
      throw new Error(`backward() is not available: this bag's table is ${this.#dtype} (quantized), inference only; ` +
        'train a float32 bag and quantize it afterwards');
    }
    if (!this.#lastForward) throw new Error('backward() needs a forward() first: it returns the gradients of the most recent forward');
    const { numBags, numIndices } = this.#lastForward;
    const d = this.#embeddingDim;
    const grad = gradOutputArray(gradOutput, numBags, d);
    const gptr = core.stageGradOutput(grad.length);
    if (gptr === 0) throw this.#error(core);
    heap(gptr + grad.length * 4).f32.set(grad, gptr / 4);
    const sparse = this.#options.sparse;
    if (core.backward(grad.length, sparse, true) !== Code.ok) throw this.#error(core, { numBags });
    // `count` 4-byte elements at byte `ptr`, as `kind` ('f32' | 'i32').
    const result = (ptr, count, kind) => take(heap(ptr + count * 4)[kind], ptr / 4, ptr / 4 + count, copy);
    let weight;
    if (sparse) {
      const rows = core.sparseRowCount();
      weight = {
        indices: result(core.sparseRowsPtr(), rows, 'i32'),
        values: result(core.sparseValuesPtr(), rows * d, 'f32'),
        shape: [this.#numEmbeddings, d],
      };
    } else if (copy) {
      weight = copyDenseGradient(core, this.#numEmbeddings, d, numIndices);
    } else {
      weight = result(core.gradWeightPtr(), this.#numEmbeddings * d, 'f32');
    }
    const pp = core.gradPerSampleWeightsPtr();
    const psw = pp === 0 ? null : result(pp, numIndices, 'f32');
    // Once copied, the gradient buffers are freed; views keep them until the
    // next backward() or dispose().
    if (copy) core.releaseGradients();
    return { weight, perSampleWeights: psw };
  }

  /** Frees the table and every buffer. Idempotent. */
  dispose() {
    if (this.#core === null) return;
    finalizer.unregister(this);
    if (this.#generation === generation) this.#core.delete();
    this.#core = null;
    this.#weightView = null;
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    const o = this.#options;
    const extra = [
      `mode='${o.mode}'`,
      this.#dtype !== 'fp32' ? `dtype='${this.#dtype}'` : null,
      o.paddingIdx !== null ? `paddingIdx=${o.paddingIdx}` : null,
      o.maxNorm !== null ? `maxNorm=${o.maxNorm}, normType=${o.normType}` : null,
      o.scaleGradByFreq ? 'scaleGradByFreq=true' : null,
      o.sparse ? 'sparse=true' : null,
      o.includeLastOffset ? 'includeLastOffset=true' : null,
      this.disposed ? 'disposed' : null,
    ].filter(Boolean);
    return `EmbeddingBag(${this.#numEmbeddings}, ${this.#embeddingDim}, ${extra.join(', ')})`;
  }

  // Copies an integerArray() result into a staging buffer of the heap.
  #stage(core, ptr, { kind, length, array }) {
    if (ptr === 0) throw this.#error(core);
    // After the staging call, which may have grown the heap.
    if (kind === IndexKind.int32) heap(ptr + length * 4).i32.set(array, ptr / 4);
    else new BigInt64Array(heap(ptr + length * 8).buffer, ptr, length).set(array);
  }

  #live() {
    if (this.#core === null) throw new Error('this EmbeddingBag was disposed');
    if (this.#generation !== generation) throw new Error('embedding-bag-wasm was shut down after this EmbeddingBag was made');
    return this.#core;
  }

  #error(core, context = {}) {
    return statusError(
      {
        code: core.statusCode(),
        argument: wasm.argumentName(core.errorArgument()),
        position: core.errorPosition(),
        value: core.errorValue(),
      },
      {
        numEmbeddings: this.#numEmbeddings, embeddingDim: this.#embeddingDim, mode: this.#options?.mode, dtype: this.#dtype,
        ...context,
      },
    );
  }
}

if (typeof Symbol.dispose === 'symbol') {
  EmbeddingBag.prototype[Symbol.dispose] = EmbeddingBag.prototype.dispose;
}

/**
 * Functional form, like torch.nn.functional.embedding_bag. With maxNorm the
 * rows of weight.data are renormalised in place, as in PyTorch.
 * options: mode (default 'mean'), maxNorm, normType, paddingIdx,
 *          includeLastOffset, perSampleWeights
 */
export function embeddingBag(weight, input, offsets = null, options = {}) {
  const table = tableArgument(weight, 'weight');
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, not ${show(options)}`);
  const { perSampleWeights = null, ...bagOptions } = options;
  for (const key of ['weight', 'seed', 'sparse', 'scaleGradByFreq']) {
    if (key in bagOptions) throw new TypeError(`embeddingBag() takes no option '${key}'`);
  }
  const bag = new EmbeddingBag(table.numEmbeddings, table.embeddingDim, { ...bagOptions, weight: table.data });
  try {
    const out = bag.forward(input, offsets, perSampleWeights);
    if (bagOptions.maxNorm != null) {
      // max_norm renormalises the caller's table in place, as F.embedding_bag does.
      const renormed = bag.weight;
      if (ArrayBuffer.isView(weight.data)) weight.data.set(renormed);
      else for (let i = 0; i < renormed.length; i++) weight.data[i] = renormed[i];
    }
    return out;
  } finally {
    bag.dispose();
  }
}
