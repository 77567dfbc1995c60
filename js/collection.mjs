// EmbeddingBagCollection: many tables, one call, with TorchRec's data model.
// Each table is an EmbeddingBag the collection owns (its options, its
// gradients, its loaders); one CollectionCore (bindings/collection_core.h)
// runs a KeyedJaggedTensor over all of them in one call into the module and
// writes the KeyedTensor, every feature in its columns. Reading the configs
// and the KJT is collection-input.mjs's, wording the core's errors
// collection-errors.mjs's; the core object is held by a handle (handle.mjs).
//
// Layouts (TorchRec's): a KJT's `values` are key-major (key 0's bags for
// samples 0..B-1, then key 1's, ...) with keys x B `lengths` (or keys x B + 1
// `offsets`); the output's features are in the collection's order (tables
// in order, each table's featureNames in order), [B, sum of D].
import { collectionExplainer } from './collection-errors.mjs';
import { collectionToSafetensors, collectionToTorch, loadCollection } from './collection-files.mjs';
import { COLLECTION_KEYS, makeTable, readConfigs, readKjt } from './collection-input.mjs';
import { handleOf } from './embedding-bag.mjs';
import { show } from './errors.mjs';
import { checkCapacity, weightGradient, weightOut } from './gradients.mjs';
import { Handle } from './handle.mjs';
import { hotCalls } from './hot-calls.mjs';
import { gradOutputArray } from './inputs.mjs';
import { KeyedTensor } from './keyed-tensor.mjs';
import { heap, requireModule } from './module.mjs';
import { BACKWARD_RESULTS, checkBoolean, checkKnownKeys, checkOptionsObject, ownOptions, resultOptions, seedOf } from './options.mjs';
import { checkLength, ownArray } from './results.mjs';
import { readOptimizerOnce } from './optimizers.mjs';
import { Code } from './registry.mjs';
import { settle } from './snapshot.mjs';

// Tables fromSafetensors already made, in the configs' order: the
// constructor's third argument, which no caller can make.
class GivenTables {
  #brand;
  constructor(bags) { this.bags = bags; }
  static is(value) { return value !== null && typeof value === 'object' && #brand in value; }
}

const NO_WEIGHTS = new Float32Array(0);

export class EmbeddingBagCollection {
  #handle; // the CollectionCore's
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
   * @param options { seed, sparse, isWeighted, optimizer }
   */
  constructor(tables, options = {}, givenTables = undefined) {
    const m = requireModule();
    const given = GivenTables.is(givenTables) ? givenTables.bags : null;
    const o = ownOptions(options, 'collection options');
    checkKnownKeys(o, COLLECTION_KEYS, 'collection option');
    for (const key of ['sparse', 'isWeighted']) if (o[key] !== undefined) checkBoolean(o[key], key);
    this.#sparse = o.sparse ?? false;
    this.#isWeighted = o.isWeighted ?? false;
    const configs = readConfigs(tables, this.#isWeighted);
    // Read once: every table gets the same optimizer, or none does.
    const optimizer = readOptimizerOnce(o.optimizer ?? null);
    const seed = given === null && o.seed !== undefined ? seedOf(o) : undefined;
    const made = [];
    try {
      configs.forEach((config, t) => {
        const bag = given ? given[t] : makeTable(config, t, seed, this.#sparse);
        made.push(bag);
        const first = this.#features.length;
        for (const feature of config.featureNames) {
          this.#featureIndex.set(feature, this.#features.length);
          this.#features.push({ name: feature, table: t, column: this.#totalDim, dim: bag.embeddingDim });
          this.#totalDim += bag.embeddingDim;
        }
        this.#tables.push({ name: config.name, bag, features: config.featureNames.map((_, f) => first + f) });
      });
      if (optimizer !== null) for (const bag of made) bag.setOptimizer(optimizer);
    } catch (error) {
      for (const bag of made) bag.dispose();
      throw error;
    }
    const core = new m.CollectionCore();
    for (const { bag } of this.#tables) {
      const table = handleOf(bag);
      core.addTable(table.live().address());
      table.ownedBy = 'EmbeddingBagCollection';
    }
    this.#handle = new Handle(core, hotCalls(m, core, 'CollectionCore'), 'EmbeddingBagCollection', collectionExplainer(this.#tables, this.#features));
  }

  /**
   * A collection from a safetensors file with TorchRec's state_dict names
   * ('embedding_bags.<table>.weight'); numEmbeddings / embeddingDim may be
   * left out of the configs (the file says them). Loader options (onProgress,
   * signal) apply to each table's read; a Response or ReadableStream with
   * several tables is read once, whole, first.
   */
  static async fromSafetensors(source, tables, options = {}) {
    return loadCollection(source, tables, options, (configs, rest, bags) => new EmbeddingBagCollection(configs, rest, new GivenTables(bags)));
  }

  /**
   * A collection from a torch.save file (a TorchRec model's state_dict):
   * table t from the tensor 'embedding_bags.<t>.weight', under any prefix
   * ('model.sparse_arch.embedding_bag_collection.', DataParallel's
   * 'module.'); an ambiguous name is a RangeError listing the candidates.
   */
  static async fromTorch(source, tables, options = {}) {
    return loadCollection(source, tables, options, (configs, rest, bags) => new EmbeddingBagCollection(configs, rest, new GivenTables(bags)), 'torch');
  }

  /** Every table as one safetensors file, under TorchRec's state_dict names (F32 or fp16 as F16). */
  toSafetensors() {
    this.#handle.live();
    return collectionToSafetensors(this.#tables);
  }

  /** Every table as one torch.save file (a state dict torch.load reads), under TorchRec's names. */
  toTorch() {
    this.#handle.live();
    return collectionToTorch(this.#tables);
  }

  /** The table named `name`: an EmbeddingBag the collection owns (its weight is live and writable). */
  table(name) {
    this.#handle.live();
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
  get disposed() { return this.#handle.disposed; }

  /**
   * Pooled embeddings of every feature of a KeyedJaggedTensor, in one call.
   * @param kjt { keys, values, lengths | offsets, weights (isWeighted) }
   * @param options { copy: false } (a view of wasm memory) or { out } (the
   *   caller's Float32Array of B x sum of D, returned as values)
   * @returns {KeyedTensor} { keys, lengthPerKey, values, shape }, with get(key) and toDict()
   */
  forward(kjt, options = undefined) {
    const { copy, out } = resultOptions(options, 'forward');
    const pinned = [];
    const call = readKjt(kjt, this.#features, this.#featureIndex, (t) => this.#tables[t].name, this.#isWeighted, pinned);
    const { keys, values, batch } = call;
    const handle = this.#handle;
    const calls = handle.calls;
    if (out !== null) {
      ownArray(out, 'out');
      checkLength(out, 'out', batch * this.#totalDim, `B x sum of D = ${batch} x ${this.#totalDim}`);
    }
    const own = settle(pinned, 'an argument of forward()');
    const bounds = own(call.bounds);
    // Staged: keys (table, column), values, bounds, weights; each address
    // read after its staging call (which may grow the heap).
    const kptr = handle.check(calls.stageKeys(keys.length));
    const pairs = heap(kptr + keys.length * 8).i32;
    keys.forEach((f, k) => {
      pairs[kptr / 4 + 2 * k] = this.#features[f].table;
      pairs[kptr / 4 + 2 * k + 1] = this.#features[f].column;
    });
    handle.stageIntegers(calls.stageValues, values.kind, values.length, own(values.array));
    handle.stageInt32(calls.stageLengths, bounds);
    handle.stageFloats(calls.stageWeights, call.weights === null ? NO_WEIGHTS : own(call.weights));
    const status = calls.forward(keys.length, batch, !call.hasLengths, call.weights !== null, this.#totalDim);
    if (status !== Code.ok) throw handle.error({ keys, bounds, hasLengths: call.hasLengths, batch, numValues: values.length });
    for (const { bag } of this.#tables) handleOf(bag).lastForward.valid = false;
    this.#lastForward = { batch, numValues: values.length };
    const data = handle.result(calls.outputPtr(), batch * this.#totalDim, 'f32', copy, out);
    return new KeyedTensor(this.featureNames, this.lengthPerKey, data, [batch, this.#totalDim]);
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
    this.#handle.live();
    const targets = out === null ? [] : this.#weightOuts(out);
    const pswOut = perSampleWeightsOut === null ? null : ownArray(perSampleWeightsOut, 'perSampleWeightsOut');
    const { numValues } = this.#trainingCall('backward');
    if (pswOut !== null && this.#isWeighted) checkLength(pswOut, 'perSampleWeightsOut', numValues, 'one per id of the last forward');
    const handle = this.#handle;
    const calls = handle.calls;
    const length = this.#stageGradValues(given, pinned);
    if (calls.backward(length, this.#sparse, true) !== Code.ok) throw handle.error();
    const tables = this.#tables.map(({ bag }) => ({ handle: handleOf(bag), table: handleOf(bag).table }));
    try {
      targets.forEach((target, t) => target && tables[t].table.sparse && checkCapacity(tables[t].handle, tables[t].table, target));
    } catch (error) {
      for (const table of tables) table.handle.calls.releaseGradients();
      throw error;
    }
    const weight = {};
    this.#tables.forEach(({ name }, t) => {
      const { handle: table, table: shape } = tables[t];
      const value = weightGradient(table, shape, copy, calls.tableIds(t), targets[t] ?? null);
      // Once copied, the table's gradient buffers are freed (views keep them).
      if (copy) table.calls.releaseGradients();
      Object.defineProperty(weight, name, { value, enumerable: true, writable: true, configurable: true });
    });
    const wptr = calls.weightsGradPtr();
    const perSampleWeights = wptr === 0 ? null : handle.result(wptr, numValues, 'f32', copy, pswOut);
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
    return this.#tables.map(({ name, bag }) => (given[name] == null ? undefined : weightOut(handleOf(bag).table, given[name], `out.${name}`)));
  }

  /**
   * Sets (null: removes) the optimizer of every table, as FBGEMM's fused
   * table-batched embeddings do (one table's own: table(name).setOptimizer).
   * Each table's state starts afresh. A failure changes no table.
   */
  setOptimizer(optimizer) {
    this.#handle.live();
    const quantized = this.#tables.find((t) => t.bag.dtype !== 'fp32');
    if (quantized && optimizer !== null) throw new TypeError(`setOptimizer concerns training: table ${show(quantized.name)} is ${quantized.bag.dtype} (quantized), inference only`);
    // Read once; the first table checks the values, the rest cannot fail on them.
    const parsed = readOptimizerOnce(optimizer);
    const [first, ...rest] = this.#tables;
    first.bag.setOptimizer(parsed);
    for (const { bag } of rest) bag.setOptimizer(parsed);
  }

  /** Each table's optimizer state (EmbeddingBag.optimizerState()), by table name. */
  optimizerState() {
    this.#handle.live();
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
    if (out !== null) ownArray(out, 'out');
    const { numValues } = this.#trainingCall('step');
    if (out !== null && this.#isWeighted) checkLength(out, 'out', numValues, "one per id of the last forward: the weights' gradient");
    const handle = this.#handle;
    const calls = handle.calls;
    const length = this.#stageGradValues(given, pinned);
    if (calls.step(length, true) !== Code.ok) throw handle.error();
    const wptr = calls.weightsGradPtr();
    if (wptr === 0) return {};
    return { perSampleWeights: handle.result(wptr, numValues, 'f32', copy, out) };
  }

  /** Frees every table and buffer. Idempotent. */
  dispose() {
    if (this.#handle.disposed) return;
    for (const { bag } of this.#tables) {
      handleOf(bag).ownedBy = null;
      bag.dispose();
    }
    this.#handle.dispose();
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    const tables = this.#tables.map(({ name, bag, features }) =>
      `${name}: ${bag.numEmbeddings} x ${bag.embeddingDim} ${bag.dtype} ${bag.mode} [${features.map((f) => this.#features[f].name).join(', ')}]`);
    const flags = [this.#sparse ? 'sparse' : null, this.#isWeighted ? 'isWeighted' : null, this.disposed ? 'disposed' : null].filter(Boolean);
    return `EmbeddingBagCollection(${[tables.join('; '), ...flags].join(', ')})`;
  }

  // The last forward's sizes, for backward() / step(): refused with a
  // quantized table (inference only), before any forward, and (step)
  // without an optimizer on every table.
  #trainingCall(method) {
    this.#handle.live();
    const quantized = this.#tables.find((t) => t.bag.dtype !== 'fp32');
    if (quantized) throw new Error(`${method}() is not available: table ${show(quantized.name)} is ${quantized.bag.dtype} (quantized), inference only`);
    const untrained = method === 'step' ? this.#tables.find((t) => t.bag.optimizer === null) : undefined;
    if (untrained) {
      throw new Error(`step() needs an optimizer on every table; table ${show(untrained.name)} has none ` +
        "(pass { optimizer: { name: 'adagrad', lr: 0.1 } } to the collection, or call setOptimizer())");
    }
    if (this.#lastForward === null) {
      throw new Error(method === 'step' ? 'step() needs a forward() first: it trains on the most recent forward'
        : 'backward() needs a forward() first: it returns the gradients of the most recent forward');
    }
    return this.#lastForward;
  }

  // gradValues (checked against the last forward's shape) into the core's
  // staging buffer; returns its length.
  #stageGradValues(given, pinned) {
    const { batch } = this.#lastForward;
    if (given.shape !== null && (given.shape[0] !== batch || given.shape[1] !== this.#totalDim)) {
      throw new RangeError(`gradValues.shape = [${given.shape.join(', ')}], expected [${batch}, ${this.#totalDim}] (the output's shape)`);
    }
    const grad = settle(pinned, 'gradValues')(given.data);
    if (grad.length !== batch * this.#totalDim) {
      throw new RangeError(`gradValues has length ${grad.length}, expected ${batch * this.#totalDim} (B x sum of D = ${batch} x ${this.#totalDim})`);
    }
    this.#handle.stageFloats(this.#handle.calls.stageGradOutput, grad);
    return grad.length;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  EmbeddingBagCollection.prototype[Symbol.dispose] = EmbeddingBagCollection.prototype.dispose;
}
