// EmbeddingBagCollection: many tables, one call, with TorchRec's data model.
// Each table is an EmbeddingBag the collection owns (its options, its
// gradients, its loaders); one CollectionCore (bindings/collection_core.h)
// runs a KeyedJaggedTensor over all of them in one call into the module and
// writes the KeyedTensor, every feature in its columns.
//
// Layouts (TorchRec's): a KJT's `values` are key-major (key 0's bags for
// samples 0..B-1, then key 1's, ...) with keys x B `lengths` (or keys x B + 1
// `offsets`); the output's features are in the collection's order (tables
// in order, each table's featureNames in order), [B, sum of D].
import { EmbeddingBag, internals } from './embedding-bag.mjs';
import { camelCase, show, statusError } from './errors.mjs';
import { writeSafetensors as writeTensors } from './formats.mjs';
import { collectionCalls } from './hot-calls.mjs';
import { floatArray, gradOutputArray, integerArray } from './inputs.mjs';
import { generation, heap, requireModule } from './module.mjs';
import { BACKWARD_RESULTS, checkOptionsObject, ownOptions, resultOptions, seedOf } from './options.mjs';
import { checkLength, ownArray, take, writeResult } from './results.mjs';
import { argumentName, Code, codeName, IndexKind, modeInfo } from './registry.mjs';
import { settle } from './snapshot.mjs';

const TABLE_KEYS = ['name', 'numEmbeddings', 'embeddingDim', 'featureNames', 'pooling', 'dtype', 'weight',
  'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq'];
const COLLECTION_KEYS = ['seed', 'sparse', 'isWeighted', 'optimizer'];
const KJT_KEYS = ['keys', 'values', 'lengths', 'offsets', 'weights'];
// TorchRec's state_dict name of a table's weight.
const stateDictName = (table) => `embedding_bags.${table}.weight`;
// Tables already made (fromSafetensors), in the configs' order.
const GIVEN_TABLES = Symbol('givenTables');

const finalizer = new FinalizationRegistry(({ core, madeIn }) => {
  if (madeIn === generation() && !core.isDeleted()) core.delete();
});

function checkKeys(object, known, what) {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      const hint = known.includes(camelCase(key)) ? ` (did you mean '${camelCase(key)}'?)` : '';
      throw new TypeError(`unknown ${what} key '${key}'${hint}; known: ${known.join(', ')}`);
    }
  }
}

// The table configs, checked: names and feature names unique, at least one
// feature each. Returns plain null-prototype copies.
function readConfigs(configs, isWeighted) {
  if (!Array.isArray(configs) || configs.length === 0) {
    throw new TypeError(`tables must be a non-empty array of table configs, not ${show(configs)}`);
  }
  const names = new Set();
  const features = new Map();
  return configs.map((given, t) => {
    const config = ownOptions(given, `tables[${t}]`);
    checkKeys(config, TABLE_KEYS, `tables[${t}]`);
    const { name, featureNames } = config;
    if (typeof name !== 'string' || name === '') throw new TypeError(`tables[${t}].name = ${show(name)} must be a non-empty string`);
    if (names.has(name)) throw new TypeError(`tables[${t}].name = ${show(name)}: two tables have this name`);
    names.add(name);
    if (!Array.isArray(featureNames) || featureNames.length === 0) {
      throw new TypeError(`tables[${t}].featureNames = ${show(featureNames)} must be a non-empty array of strings`);
    }
    const own = Array.from(featureNames);
    own.forEach((feature, f) => {
      if (typeof feature !== 'string' || feature === '') {
        throw new TypeError(`tables[${t}].featureNames[${f}] = ${show(feature)} must be a non-empty string`);
      }
      if (features.has(feature)) {
        throw new TypeError(`feature ${show(feature)} is in two tables (${show(features.get(feature))} and ${show(name)}): a feature belongs to one table`);
      }
      features.set(feature, name);
    });
    const pooling = config.pooling ?? 'sum';
    if (typeof pooling !== 'string' || modeInfo(pooling) === undefined) {
      throw new (typeof pooling === 'string' ? RangeError : TypeError)(`tables[${t}].pooling = ${show(pooling)} must be one of 'sum', 'mean', 'max', 'sqrtn'`);
    }
    if (isWeighted && !modeInfo(pooling).perSampleWeights) {
      throw new TypeError(`tables[${t}] (${show(name)}) pools by ${pooling}, which takes no per-id weights: isWeighted needs sum, mean or sqrtn`);
    }
    return { ...config, featureNames: own, pooling };
  });
}

// A table's bag, made from its config (fp32, or quantized for inference).
function makeTable(config, t, options) {
  const { numEmbeddings, embeddingDim, pooling, dtype = 'fp32', weight, paddingIdx, maxNorm, normType, scaleGradByFreq } = config;
  const common = { mode: pooling, paddingIdx, maxNorm, normType, scaleGradByFreq };
  if (dtype === 'fp32') {
    const seed = options.seed === undefined ? undefined : BigInt(options.seed) + BigInt(t);
    return new EmbeddingBag(numEmbeddings, embeddingDim, { ...common, sparse: options.sparse, weight, seed });
  }
  if (options.sparse) throw new TypeError(`tables[${t}] is ${show(dtype)} (quantized, inference only): sparse gradients need fp32 tables`);
  const source = weight !== undefined
    ? { data: weight, shape: [numEmbeddings, embeddingDim] }
    : new EmbeddingBag(numEmbeddings, embeddingDim, { seed: options.seed === undefined ? undefined : BigInt(options.seed) + BigInt(t) });
  try {
    return EmbeddingBag.quantize(source, { dtype, mode: pooling, paddingIdx });
  } finally {
    if (source instanceof EmbeddingBag) source.dispose();
  }
}

// lengths / offsets as int32 (TorchRec's are often int64: values that fit are taken).
function int32Bounds(value, name, pinned) {
  const given = integerArray(value, name, pinned);
  if (given.kind === IndexKind.int32) return given.array;
  const out = new Int32Array(given.length);
  for (let i = 0; i < given.length; i++) {
    const v = given.array[i];
    if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new RangeError(`${name}[${i}] = ${v} does not fit in int32`);
    out[i] = Number(v);
  }
  return out;
}

export class EmbeddingBagCollection {
  #core = null; // CollectionCore
  #calls = null; // collectionCalls(module, #core)
  #generation = generation();
  #tables = []; // { name, bag, features: [feature index] }
  #features = []; // collection order: { name, table, column, dim }
  #featureIndex = new Map(); // name -> index in #features
  #totalDim = 0;
  #sparse = false;
  #isWeighted = false;
  #lastForward = null; // { batch, numValues }

  /**
   * @param tables [{ name, numEmbeddings, embeddingDim, featureNames, pooling ('sum' default, as
   *   TorchRec), dtype, weight, paddingIdx, maxNorm, normType, scaleGradByFreq }]
   * @param options { seed, sparse, isWeighted }
   */
  constructor(tables, options = {}) {
    const m = requireModule();
    const o = ownOptions(options, 'collection options');
    checkKeys(o, COLLECTION_KEYS, 'collection option');
    for (const key of ['sparse', 'isWeighted']) {
      if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new TypeError(`${key} = ${show(o[key])} must be a boolean`);
    }
    this.#sparse = o.sparse ?? false;
    this.#isWeighted = o.isWeighted ?? false;
    const configs = readConfigs(tables, this.#isWeighted);
    const given = options[GIVEN_TABLES];
    const seed = given === undefined && o.seed !== undefined ? seedOf(o) : undefined;
    const made = [];
    try {
      configs.forEach((config, t) => {
        const bag = given ? given[t] : makeTable(config, t, { seed, sparse: this.#sparse });
        made.push(bag);
        const first = this.#features.length;
        for (const feature of config.featureNames) {
          this.#featureIndex.set(feature, this.#features.length);
          this.#features.push({ name: feature, table: t, column: this.#totalDim, dim: bag.embeddingDim });
          this.#totalDim += bag.embeddingDim;
        }
        this.#tables.push({ name: config.name, bag, features: config.featureNames.map((_, f) => first + f) });
      });
      if (o.optimizer !== undefined && o.optimizer !== null) for (const bag of made) bag.setOptimizer(o.optimizer);
    } catch (error) {
      for (const bag of made) bag.dispose();
      throw error;
    }
    const core = new m.CollectionCore();
    for (const { bag } of this.#tables) {
      core.addTable(internals.core(bag).address());
      internals.own(bag, this);
    }
    this.#core = core;
    this.#calls = collectionCalls(m, core);
    finalizer.register(this, { core, madeIn: generation() }, this);
  }

  /**
   * A collection from a safetensors file with TorchRec's state_dict names
   * ('embedding_bags.<table>.weight'); numEmbeddings / embeddingDim may be
   * left out of the configs (the file says them). Loader options (onProgress,
   * signal) apply to each table's read.
   */
  static async fromSafetensors(source, tables, options = {}) {
    const o = ownOptions(options, 'collection options');
    const { onProgress, signal, ...rest } = o;
    const configs = readConfigs(tables, rest.isWeighted ?? false);
    const bags = [];
    try {
      for (const config of configs) {
        const { name, pooling, dtype, paddingIdx, maxNorm, normType, scaleGradByFreq } = config;
        const bag = await EmbeddingBag.fromSafetensors(source, {
          tensor: stateDictName(name), mode: pooling, dtype, paddingIdx, maxNorm, normType, scaleGradByFreq,
          sparse: dtype === undefined || dtype === 'fp32' ? rest.sparse : undefined, onProgress, signal,
        });
        bags.push(bag);
        for (const key of ['numEmbeddings', 'embeddingDim']) {
          if (config[key] !== undefined && config[key] !== bag[key]) {
            throw new RangeError(`table ${show(name)}: ${key} = ${config[key]} in its config, ${bag[key]} in the file`);
          }
        }
      }
      const withSizes = configs.map((config, t) => ({ ...config, numEmbeddings: bags[t].numEmbeddings, embeddingDim: bags[t].embeddingDim }));
      return new EmbeddingBagCollection(withSizes, { ...rest, [GIVEN_TABLES]: bags });
    } catch (error) {
      for (const bag of bags) bag.dispose();
      throw error;
    }
  }

  /** Every table as one safetensors file, under TorchRec's state_dict names (F32 or fp16 as F16). */
  toSafetensors() {
    this.#live();
    const tensors = Object.create(null);
    for (const { name, bag } of this.#tables) {
      if (bag.dtype !== 'fp32' && bag.dtype !== 'fp16') {
        throw new TypeError(`table ${show(name)} is ${bag.dtype}: a collection's file holds F32 / F16 tables; ` +
          `save its rows with collection.table(${show(name)}).toSafetensors()`);
      }
      tensors[stateDictName(name)] = bag.dtype === 'fp32'
        ? { data: bag.weight, shape: [bag.numEmbeddings, bag.embeddingDim] }
        : { dtype: 'F16', data: bag.quantizedWeight, shape: [bag.numEmbeddings, bag.embeddingDim] };
    }
    return writeTensors(tensors);
  }

  /** The table named `name`: an EmbeddingBag the collection owns (its weight is live and writable). */
  table(name) {
    this.#live();
    const found = this.#tables.find((t) => t.name === name);
    if (found === undefined) throw new RangeError(`no table ${show(name)} (tables: ${this.#tables.map((t) => t.name).join(', ')})`);
    return found.bag;
  }

  get tableNames() { return this.#tables.map((t) => t.name); }
  /** The output's keys: every feature, in the collection's order. */
  get featureNames() { return this.#features.map((f) => f.name); }
  /** Each feature's columns in the output (TorchRec's length_per_key). */
  get lengthPerKey() { return this.#features.map((f) => f.dim); }
  get sparse() { return this.#sparse; }
  get isWeighted() { return this.#isWeighted; }
  get disposed() { return this.#core === null; }

  /**
   * Pooled embeddings of every feature of a KeyedJaggedTensor, in one call.
   * @param kjt { keys, values, lengths | offsets, weights (isWeighted) }
   * @param options { copy: false } (a view of wasm memory) or { out } (the
   *   caller's Float32Array of B x sum of D, returned as values)
   * @returns {{ keys: string[], lengthPerKey: number[], values: Float32Array, shape: [number, number] }}
   */
  forward(kjt, options = undefined) {
    const { copy, out } = resultOptions(options, 'forward');
    const given = ownOptions(checkOptionsObject(kjt, 'the KeyedJaggedTensor'), 'the KeyedJaggedTensor');
    checkKeys(given, KJT_KEYS, 'KeyedJaggedTensor');
    const keys = this.#callKeys(given.keys);
    const pinned = [];
    const values = integerArray(given.values, 'values', pinned);
    const hasLengths = given.lengths != null;
    if (hasLengths === (given.offsets != null)) throw new TypeError('the KeyedJaggedTensor needs lengths or offsets (one of them)');
    const boundsName = hasLengths ? 'lengths' : 'offsets';
    let bounds = int32Bounds(hasLengths ? given.lengths : given.offsets, boundsName, pinned);
    const bags = bounds.length - (hasLengths ? 0 : 1);
    if (bags < 0 || bags % keys.length !== 0) {
      throw new RangeError(`${boundsName} has ${bounds.length} entries for ${keys.length} keys: ` +
        (hasLengths ? 'expected keys x B (one length per key and sample)' : 'expected keys x B + 1'));
    }
    const batch = bags / keys.length;
    let weights = null;
    if (given.weights != null) {
      if (!this.#isWeighted) throw new TypeError('weights given, but the collection was made without isWeighted');
      weights = floatArray(given.weights, 'weights', pinned);
      if (weights.length !== values.length) throw new RangeError(`weights has ${weights.length} entries, expected ${values.length} (one per id)`);
    } else if (this.#isWeighted) {
      throw new TypeError('the collection isWeighted: the KeyedJaggedTensor needs weights (one per id)');
    }
    this.#live();
    const calls = this.#calls;
    if (out !== null) {
      ownArray(out, 'out');
      checkLength(out, 'out', batch * this.#totalDim, `B x sum of D = ${batch} x ${this.#totalDim}`);
    }
    const own = settle(pinned, heap(1).buffer, 'an argument of forward()');
    values.array = own(values.array);
    bounds = own(bounds);
    if (weights) weights = own(weights);
    // Staged: keys (table, column), values, bounds, weights; each address
    // read after its staging call (which may grow the heap).
    const kptr = this.#check(calls.stageKeys(keys.length));
    const pairs = heap(kptr + keys.length * 8).i32;
    keys.forEach((f, k) => {
      pairs[kptr / 4 + 2 * k] = this.#features[f].table;
      pairs[kptr / 4 + 2 * k + 1] = this.#features[f].column;
    });
    const vptr = this.#check(calls.stageValues(values.kind, values.length));
    if (values.kind === IndexKind.int32) heap(vptr + values.length * 4).i32.set(values.array, vptr / 4);
    else new BigInt64Array(heap(vptr + values.length * 8).buffer, vptr, values.length).set(values.array);
    const bptr = this.#check(calls.stageLengths(bounds.length));
    heap(bptr + bounds.length * 4).i32.set(bounds, bptr / 4);
    const wptr = this.#check(calls.stageWeights(weights ? weights.length : 0));
    if (weights) heap(wptr + weights.length * 4).f32.set(weights, wptr / 4);
    const status = calls.forward(keys.length, batch, !hasLengths, weights !== null, this.#totalDim);
    if (status !== Code.ok) throw this.#error({ keys, bounds, hasLengths, batch, numValues: values.length });
    for (const { bag } of this.#tables) internals.forgetForward(bag);
    this.#lastForward = { batch, numValues: values.length };
    const ptr = calls.outputPtr() / 4;
    const end = ptr + batch * this.#totalDim;
    const data = heap(end * 4).f32;
    if (out !== null) writeResult(out, ptr * 4, end - ptr);
    return {
      keys: this.featureNames,
      lengthPerKey: this.lengthPerKey,
      values: out ?? take(data, ptr, end, copy),
      shape: [batch, this.#totalDim],
    };
  }

  /**
   * Gradients of the last forward for gradValues (d loss / d values, [B, sum of D]):
   * each table's (summed over its features; dense or sparse like
   * EmbeddingBag.backward), and the per-id weights' (KJT order) when isWeighted.
   */
  backward(gradValues, options = undefined) {
    const { copy, out, perSampleWeightsOut } = resultOptions(options, 'backward', BACKWARD_RESULTS);
    const pinned = [];
    const given = gradOutputArray(gradValues, pinned);
    // The out arrays read (their getters run) before the collection's state is.
    this.#live();
    const targets = out === null ? [] : this.#weightOuts(out);
    const pswOut = perSampleWeightsOut === null ? null : ownArray(perSampleWeightsOut, 'perSampleWeightsOut');
    this.#live();
    const calls = this.#calls;
    this.#trainable('backward');
    if (this.#lastForward === null) throw new Error('backward() needs a forward() first: it returns the gradients of the most recent forward');
    const { numValues } = this.#lastForward;
    if (pswOut !== null && this.#isWeighted) checkLength(pswOut, 'perSampleWeightsOut', numValues, 'one per id of the last forward');
    const length = this.#stageGradValues(given, pinned);
    if (calls.backward(length, this.#sparse, true) !== Code.ok) throw this.#error({});
    try {
      targets.forEach((target, t) => target && internals.checkCapacity(this.#tables[t].bag, target));
    } catch (error) {
      for (const { bag } of this.#tables) internals.releaseGradients(bag);
      throw error;
    }
    const weight = {};
    this.#tables.forEach(({ name, bag }, t) => {
      Object.defineProperty(weight, name, {
        value: internals.weightGradient(bag, copy, calls.tableIds(t), targets[t] ?? null), enumerable: true, writable: true, configurable: true,
      });
    });
    const wptr = calls.weightsGradPtr();
    let perSampleWeights = null;
    if (wptr !== 0) {
      const data = heap(wptr + numValues * 4).f32;
      if (pswOut !== null) perSampleWeights = writeResult(pswOut, wptr, numValues);
      else perSampleWeights = take(data, wptr / 4, wptr / 4 + numValues, copy);
    }
    return { weight, perSampleWeights };
  }

  // backward()'s { out: { table: gradient's destination } } -> one per table
  // (undefined where not given), each checked as that table's (dense or
  // sparse, as EmbeddingBag.backward's out).
  #weightOuts(out) {
    const given = ownOptions(checkOptionsObject(out, 'out'), 'out');
    const names = this.#tables.map((t) => t.name);
    for (const key of Object.keys(given)) {
      if (!names.includes(key)) throw new TypeError(`out.${key}: not a table (tables: ${names.join(', ')})`);
    }
    return this.#tables.map(({ name, bag }) => (given[name] == null ? undefined : internals.weightOut(bag, given[name], `out.${name}`)));
  }

  /**
   * Sets (null: removes) the optimizer of every table, as FBGEMM's fused
   * table-batched embeddings do (one table's own: table(name).setOptimizer).
   * Each table's state starts afresh. A failure changes no table.
   */
  setOptimizer(optimizer) {
    this.#live();
    const quantized = this.#tables.find((t) => t.bag.dtype !== 'fp32');
    if (quantized && optimizer !== null) throw new TypeError(`setOptimizer concerns training: table ${show(quantized.name)} is ${quantized.bag.dtype} (quantized), inference only`);
    // The first table checks the options; the rest cannot fail on them.
    const [first, ...rest] = this.#tables;
    first.bag.setOptimizer(optimizer);
    for (const { bag } of rest) bag.setOptimizer(optimizer);
  }

  /** Each table's optimizer state (EmbeddingBag.optimizerState()), by table name. */
  optimizerState() {
    this.#live();
    const out = {};
    for (const { name, bag } of this.#tables) {
      Object.defineProperty(out, name, { value: bag.optimizerState(), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /**
   * One training step on the last forward: every table's rows of the batch
   * updated in place by its optimizer, from gradValues (d loss / d values,
   * [B, sum of D]), with no weight gradient made (TorchRec's fused
   * optimizer). Returns { perSampleWeights } (KJT order) when isWeighted.
   */
  step(gradValues, options = undefined) {
    const { copy, out } = resultOptions(options, 'step');
    const pinned = [];
    const given = gradOutputArray(gradValues, pinned);
    this.#live();
    const calls = this.#calls;
    this.#trainable('step');
    const untrained = this.#tables.find((t) => t.bag.optimizer === null);
    if (untrained) {
      throw new Error(`step() needs an optimizer on every table; table ${show(untrained.name)} has none ` +
        "(pass { optimizer: { name: 'adagrad', lr: 0.1 } } to the collection, or call setOptimizer())");
    }
    if (this.#lastForward === null) throw new Error('step() needs a forward() first: it trains on the most recent forward');
    const { numValues } = this.#lastForward;
    if (out !== null) {
      ownArray(out, 'out');
      if (this.#isWeighted) checkLength(out, 'out', numValues, "one per id of the last forward: the weights' gradient");
    }
    const length = this.#stageGradValues(given, pinned);
    if (calls.step(length, true) !== Code.ok) throw this.#error({});
    const wptr = calls.weightsGradPtr();
    if (wptr === 0) return {};
    if (out !== null) return { perSampleWeights: writeResult(out, wptr, numValues) };
    const data = heap(wptr + numValues * 4).f32;
    return { perSampleWeights: take(data, wptr / 4, wptr / 4 + numValues, copy) };
  }

  /** Frees every table and buffer. Idempotent. */
  dispose() {
    if (this.#core === null) return;
    finalizer.unregister(this);
    for (const { bag } of this.#tables) {
      internals.disown(bag);
      if (this.#generation === generation()) bag.dispose();
    }
    if (this.#generation === generation()) this.#core.delete();
    this.#core = null;
    this.#calls = null;
  }

  // The call's keys -> feature indices: known, once each, every feature there.
  #callKeys(given) {
    if (!Array.isArray(given)) throw new TypeError(`keys must be an array of feature names, not ${show(given)}`);
    const keys = Array.from(given);
    const seen = new Set();
    const out = keys.map((key, k) => {
      if (typeof key !== 'string') throw new TypeError(`keys[${k}] = ${show(key)} must be a feature name (a string)`);
      const f = this.#featureIndex.get(key);
      if (f === undefined) throw new RangeError(`keys[${k}] = ${show(key)} is not a feature of any table (features: ${this.featureNames.join(', ')})`);
      if (seen.has(key)) throw new RangeError(`keys[${k}] = ${show(key)} is given twice`);
      seen.add(key);
      return f;
    });
    const missing = this.#features.find((f) => !seen.has(f.name));
    if (missing) throw new RangeError(`the KeyedJaggedTensor lacks feature ${show(missing.name)} (table ${show(this.#tables[missing.table].name)})`);
    return out;
  }

  // A quantized table has no gradients: `method` is refused.
  #trainable(method) {
    const quantized = this.#tables.find((t) => t.bag.dtype !== 'fp32');
    if (quantized) throw new Error(`${method}() is not available: table ${show(quantized.name)} is ${quantized.bag.dtype} (quantized), inference only`);
  }

  // gradValues (checked against the last forward's shape) into the core's
  // staging buffer; returns its length.
  #stageGradValues(given, pinned) {
    const { batch } = this.#lastForward;
    if (given.shape !== null && (given.shape[0] !== batch || given.shape[1] !== this.#totalDim)) {
      throw new RangeError(`gradValues.shape = [${given.shape.join(', ')}], expected [${batch}, ${this.#totalDim}] (the output's shape)`);
    }
    const grad = settle(pinned, heap(1).buffer, 'gradValues')(given.data);
    if (grad.length !== batch * this.#totalDim) {
      throw new RangeError(`gradValues has length ${grad.length}, expected ${batch * this.#totalDim} (B x sum of D = ${batch} x ${this.#totalDim})`);
    }
    const gptr = this.#check(this.#calls.stageGradOutput(grad.length));
    heap(gptr + grad.length * 4).f32.set(grad, gptr / 4);
    return grad.length;
  }

  #check(ptr) {
    if (ptr === 0) throw this.#error({});
    return ptr;
  }

  #live() {
    if (this.#core === null) throw new Error('this EmbeddingBagCollection was disposed');
    if (this.#generation !== generation()) throw new Error('embedding-bag-wasm was shut down after this EmbeddingBagCollection was made');
  }

  // The core's last status as the error users see: positions in values
  // named with their key and sample.
  #error({ keys, bounds, hasLengths, batch, numValues }) {
    const core = this.#core;
    const code = codeName(core.statusCode());
    const argument = argumentName(core.errorArgument());
    const position = core.errorPosition();
    const value = core.errorValue();
    const k = core.errorKey();
    const t = core.errorTable();
    const table = t >= 0 ? this.#tables[t] : null;
    const key = k >= 0 && keys ? this.#features[keys[k]].name : null;
    // The sample whose bag holds values[position] (key k's bags).
    const sampleOf = (p) => {
      let start = hasLengths ? 0 : bounds[k * batch];
      if (hasLengths) for (let i = 0; i < k * batch; i++) start += bounds[i];
      for (let b = 0; b < batch; b++) {
        const end = hasLengths ? start + bounds[k * batch + b] : bounds[k * batch + b + 1];
        if (p < end) return b;
        start = end;
      }
      return batch - 1;
    };
    const where = (p) => `key ${show(key)}, sample ${sampleOf(p)}, table ${show(table.name)}`;
    const keyOfBag = (p) => `key ${show(this.#features[keys[Math.floor(p / batch)]].name)}, sample ${p % batch}`;
    switch (code) {
      case 'indexOutOfRange':
        if (argument === 'values' && key !== null) {
          return new RangeError(`values[${position}] = ${value} is out of range [0, ${table.bag.numEmbeddings}) (${where(position)})`);
        }
        break;
      case 'negativeSize':
        return new RangeError(`lengths[${position}] = ${value} is negative (${keyOfBag(position)})`);
      case 'firstOffsetNotZero':
        return new RangeError(`offsets[0] = ${value} must be 0`);
      case 'offsetsDecreasing':
        return new RangeError(`offsets[${position}] = ${value} is less than offsets[${position - 1}] (${keyOfBag(position - 1)})`);
      case 'lengthMismatch':
        if (argument === 'values') {
          return new RangeError(`${hasLengths ? 'lengths sum' : 'offsets end'} to ${value}, but values has ${numValues} ids`);
        }
        break;
      case 'tableCalledAlone':
        return new Error(`table ${show(table.name)} was used on its own (forward) since the collection's forward(): ` +
          'run the collection\'s forward() again before its backward()');
      default:
        break;
    }
    const context = table === null ? {} : {
      numEmbeddings: table.bag.numEmbeddings, embeddingDim: table.bag.embeddingDim, mode: table.bag.mode, dtype: table.bag.dtype,
    };
    const error = statusError({ code: core.statusCode(), argument, position, value }, context);
    if (table !== null) error.message = `table ${show(table.name)}${key !== null ? `, key ${show(key)}` : ''}: ${error.message}`;
    return error;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  EmbeddingBagCollection.prototype[Symbol.dispose] = EmbeddingBagCollection.prototype.dispose;
}
