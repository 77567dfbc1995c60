// The EmbeddingBag class: a table in wasm memory, forward, backward, step.
// Thin on purpose: read the arguments (inputs.mjs, options.mjs), stage them
// through the bag's handle (handle.mjs: the core, liveness, staging,
// results, errors), call the core, return its results. Semantics and value
// checks live in C++ (include/ebag/embedding_bag.h). Making the table is
// table-setup.mjs's; the factories and serialisers are tables.mjs's.
import { weightGradient, weightOut } from './gradients.mjs';
import { forwardInput, gradOutputArray, perSampleWeightsArray } from './inputs.mjs';
import { heap, isHeapBuffer } from './module.mjs';
import { bufferOf, lengthOf, settle, typedKind } from './snapshot.mjs';
import { BACKWARD_RESULTS, resultOptions } from './options.mjs';
import { checkLength, ownArray } from './results.mjs';
import { describeOptimizer, parseOptimizer, setOnCore, stateOf } from './optimizers.mjs';
import { Code, IndexKind, smallInputs } from './registry.mjs';
import { openTable } from './table-setup.mjs';
import * as tables from './tables.mjs';

// The package's own factories make bags whose rows they write next (a
// loader, quantize, dequantize): they pass one of these, which no caller
// can make, as the constructor's fourth argument.
class RowsToCome {
  #brand;
  constructor(dtype) { this.dtype = dtype; }
  static is(value) { return value !== null && typeof value === 'object' && #brand in value; }
}

/** A bag's handle (handle.mjs), for the package's own modules. */
export let handleOf;
/** Whether `value` is an EmbeddingBag (a brand check: no user code runs). */
export let isBag;

// What tables.mjs reaches, given as an argument (it cannot import this
// module, which imports it).
const bags = {
  create: (numEmbeddings, embeddingDim, options) => new EmbeddingBag(numEmbeddings, embeddingDim, options),
  make: (numEmbeddings, embeddingDim, options, dtype) =>
    new EmbeddingBag(numEmbeddings, embeddingDim, options, new RowsToCome(dtype)),
  handleOf: (bag) => handleOf(bag),
  isBag: (value) => isBag(value),
};

/** Package-private (fastText's loader): a bag its file's float rows fill as they stream (tables.mjs). */
export const streamedBag = (...args) => tables.streamedBag(bags, ...args);

export class EmbeddingBag {
  #handle;
  #table; // the handle's table: { numEmbeddings, embeddingDim, dtype, sparse, options }
  #weightView = null;
  #optimizer = null; // { name, number, options } once set
  #checkedOut = null; // forward's last out, checked

  static {
    handleOf = (bag) => bag.#handle;
    isBag = (value) => value !== null && typeof value === 'object' && #handle in value;
  }

  /**
   * @param {number} numEmbeddings rows of the table (N)
   * @param {number} embeddingDim columns (D)
   * @param {object} [options] mode, maxNorm, normType, scaleGradByFreq, sparse,
   *   paddingIdx, includeLastOffset, weight, seed, optimizer
   */
  constructor(numEmbeddings, embeddingDim, options = {}, rowsToCome = undefined) {
    const making = RowsToCome.is(rowsToCome) ? rowsToCome : null;
    const { handle, optimizer } = openTable(numEmbeddings, embeddingDim, options, making?.dtype ?? 'fp32', making !== null);
    this.#handle = handle;
    this.#table = handle.table;
    this.#optimizer = optimizer;
  }

  // Factories and serialisers (documented in tables.mjs and index.d.ts).
  static fromPretrained(embeddings, options = {}) { return tables.fromPretrained(bags, embeddings, options); }
  static fromSafetensors(source, options = {}) { return tables.fromFile(bags, 'safetensors', source, options); }
  static fromNpy(source, options = {}) { return tables.fromFile(bags, 'npy', source, options); }
  static fromTorch(source, options = {}) { return tables.fromTorch(bags, source, options); }
  static quantize(source, options = {}) { return tables.quantize(bags, source, options); }
  static fromQuantized(bytes, options = {}) { return tables.fromQuantized(bags, bytes, options); }
  dequantize() { return tables.dequantize(bags, this); }
  toSafetensors(options = {}) { return tables.toSafetensors(bags, this, options); }
  toTorch(options = {}) { return tables.toTorch(bags, this, options); }

  get numEmbeddings() { return this.#table.numEmbeddings; }
  get embeddingDim() { return this.#table.embeddingDim; }
  get mode() { return this.#table.options.mode; }
  get maxNorm() { return this.#table.options.maxNorm; }
  get normType() { return this.#table.options.normType; }
  get scaleGradByFreq() { return this.#table.options.scaleGradByFreq; }
  get sparse() { return this.#table.sparse; }
  get paddingIdx() { return this.#table.options.paddingIdx; }
  get includeLastOffset() { return this.#table.options.includeLastOffset; }
  get disposed() { return this.#handle.disposed; }
  /** 'fp32', or the quantized table's dtype ('fp16' | 'int8' | 'int4'). */
  get dtype() { return this.#table.dtype; }

  /**
   * A quantized table's rows inside wasm memory (N rows of the dtype's row
   * bytes, see fromQuantized), as a Uint8Array; null for a float32 bag.
   * Re-read it after calls, as weight.
   */
  get quantizedWeight() {
    const core = this.#handle.live();
    if (this.#table.dtype === 'fp32') return null;
    const bytes = this.#table.numEmbeddings * core.rowBytes();
    return heap(core.weightPtr() + bytes).u8.subarray(core.weightPtr(), core.weightPtr() + bytes);
  }

  /**
   * The table inside wasm memory (N*D floats, row-major): reads and writes go
   * to the table. Re-read it after calls: a view made before the memory grew
   * does not cover the heap.
   */
  get weight() {
    const core = this.#handle.live();
    if (this.#table.dtype !== 'fp32') {
      throw new TypeError(`this bag's table is ${this.#table.dtype} (quantized): read its rows with quantizedWeight, or its values with dequantize()`);
    }
    const { buffer } = heap(core.weightPtr() + this.#table.numEmbeddings * this.#table.embeddingDim * 4);
    if (!this.#weightView || this.#weightView.buffer !== buffer) {
      this.#weightView = new Float32Array(buffer, core.weightPtr(), this.#table.numEmbeddings * this.#table.embeddingDim);
    }
    return this.#weightView;
  }

  /**
   * @param input 1-D indices (Int32Array | BigInt64Array | number[]) with offsets,
   *   or 2-D: { data, shape: [B, L] } | number[][] (offsets null)
   * @param options { copy: false } returns the output as a view of wasm
   *   memory instead of a copy: no allocation, valid until the next call into
   *   the package. { out }: a Float32Array of B x D floats of the caller's,
   *   written and returned as data (a steady loop allocates nothing).
   * @returns {{ data: Float32Array, shape: [number, number] }}
   */
  forward(input, offsets = null, perSampleWeights = null, options = undefined) {
    // Every argument first: user code (getters, Proxies) runs only until
    // then, and may even have disposed this bag.
    const { copy, out } = resultOptions(options, 'forward');
    const handle = this.#handle;
    // The common call, flat Int32Array indices and offsets of the caller's
    // without per-sample weights, reads its arguments through intrinsic
    // getters only (no user code runs after the options): nothing to pin or
    // settle, and no objects made but the result.
    if (perSampleWeights == null && typedKind(input) === 'Int32Array' && typedKind(offsets) === 'Int32Array') {
      handle.live();
      if (!isHeapBuffer(bufferOf.call(input)) && !isHeapBuffer(bufferOf.call(offsets))) {
        const numIndices = lengthOf.call(input);
        const numOffsets = lengthOf.call(offsets);
        if (out !== null) this.#checkOut(out, this.#bagsOf(numOffsets));
        if (numIndices + numOffsets <= smallInputs()) {  // one crossing into wasm (BagCore::forward_small)
          const ptr = handle.forwardSmall(input, numIndices, offsets, numOffsets);
          return handle.forwardResult(ptr, numIndices, false, this.#table.embeddingDim, copy, out, this.#bagsOf(numOffsets));
        }
        return this.#run(IndexKind.int32, numIndices, input, IndexKind.int32, numOffsets, offsets, null, copy, out);
      }
    }
    const pinned = [];
    const call = forwardInput(input, offsets, pinned);
    let psw = perSampleWeights == null ? null : perSampleWeightsArray(perSampleWeights, call, pinned);
    handle.live();
    if (out !== null) this.#checkOut(out, call.twoD ? call.rows : this.#bagsOf(call.offsets.length));
    const own = settle(pinned, 'an argument of forward()');
    const { indices, offsets: bounds } = call;
    if (psw) psw = own(psw);
    if (call.twoD) {
      return this.#run(indices.kind, indices.length, own(indices.array), null, 0, null, psw, copy, out, call.rows, call.rowLength);
    }
    return this.#run(indices.kind, indices.length, own(indices.array), bounds.kind, bounds.length, own(bounds.array), psw, copy, out);
  }

  // Stages a forward's arguments (read and checked), runs it and returns
  // its result. Offsets null: a 2-D input of rows x rowLength.
  #run(indexKind, numIndices, indices, offsetKind, numOffsets, offsets, psw, copy, out, rows = 0, rowLength = 0) {
    const handle = this.#handle;
    const calls = handle.calls;
    handle.stageIntegers(calls.stageIndices, indexKind, numIndices, indices);
    if (offsets !== null) handle.stageIntegers(calls.stageOffsets, offsetKind, numOffsets, offsets);
    if (psw !== null) handle.stageFloats(calls.stagePerSampleWeights, psw);
    if (calls.forward(offsets !== null, rows, rowLength, psw !== null) !== Code.ok) {
      throw handle.error({ numIndices, rowLength: offsets === null ? rowLength : undefined, offsets });
    }
    return handle.forwardResult(calls.outputPtr(), numIndices, psw !== null, this.#table.embeddingDim, copy, out);
  }

  // Bags of a 1-D input with `numOffsets` offsets.
  #bagsOf(numOffsets) {
    return Math.max(0, numOffsets - (this.#table.options.includeLastOffset ? 1 : 0));
  }

  // forward's { out } checked before the call (maxNorm renormalises rows: a later refusal
  // would change something); the last out that passed ownArray again only if empty.
  #checkOut(out, bags) {
    if (out !== this.#checkedOut || lengthOf.call(out) === 0) this.#checkedOut = ownArray(out, 'out');
    const dim = this.#table.embeddingDim;
    if (lengthOf.call(out) !== bags * dim) checkLength(out, 'out', bags * dim, `numBags x embeddingDim = ${bags} x ${dim}`);
  }

  /**
   * Gradients of the most recent successful forward.
   * @returns {{ weight: Float32Array | { indices: Int32Array, values: Float32Array, shape: [number, number] },
   *             perSampleWeights: Float32Array | null }}
   * @param options { copy: false } returns views of wasm memory instead of
   *   copies (valid until the next call into the package).
   */
  backward(gradOutput, options = undefined) {
    // Every argument first (see forward), then the bag's state.
    const { copy, out, perSampleWeightsOut } = resultOptions(options, 'backward', BACKWARD_RESULTS);
    const pinned = [];
    const given = gradOutputArray(gradOutput, pinned);
    // The out arrays read (their getters run) before the bag's state is.
    const target = out === null ? null : weightOut(this.#table, out, 'out');
    const pswOut = perSampleWeightsOut === null ? null : ownArray(perSampleWeightsOut, 'perSampleWeightsOut');
    const { numBags, numIndices, withPerSampleWeights } = this.#trainingCall('backward');
    if (pswOut !== null && withPerSampleWeights) {
      checkLength(pswOut, 'perSampleWeightsOut', numIndices, 'one per index of the last forward');
    }
    const handle = this.#handle;
    const calls = handle.calls;
    const length = this.#stageGradOutput(given, pinned);
    if (calls.backward(length, this.#table.options.sparse, true) !== Code.ok) throw handle.error({ numBags });
    const weight = weightGradient(handle, this.#table, copy, numIndices, target);
    const pp = calls.gradPerSampleWeightsPtr();
    const perSampleWeights = pp === 0 ? null : handle.result(pp, numIndices, 'f32', copy, pswOut);
    // Once copied, the gradient buffers are freed; views keep them until the
    // next backward() or dispose().
    if (copy) calls.releaseGradients();
    return { weight, perSampleWeights };
  }

  // The last forward's sizes, for backward() / step(): refused on a
  // quantized bag (inference only) and before any forward.
  #trainingCall(method) {
    const handle = this.#handle;
    handle.live();
    if (this.#table.dtype !== 'fp32') {
      throw new Error(`${method}() is not available: this bag's table is ${this.#table.dtype} (quantized), inference only; ` +
        'train a float32 bag and quantize it afterwards');
    }
    if (method === 'step' && this.#optimizer === null) {
      throw new Error("step() needs an optimizer: pass { optimizer: { name: 'adagrad', lr: 0.1 } } to the constructor, or call setOptimizer()");
    }
    if (!handle.lastForward.valid) {
      throw new Error(method === 'step' ? 'step() needs a forward() first: it trains on the most recent forward'
        : 'backward() needs a forward() first: it returns the gradients of the most recent forward');
    }
    return handle.lastForward;
  }

  // gradOutput (checked against the last forward's shape) into the core's
  // staging buffer; returns its length.
  #stageGradOutput(given, pinned) {
    const { numBags } = this.#handle.lastForward;
    const d = this.#table.embeddingDim;
    if (given.shape !== null && (given.shape[0] !== numBags || given.shape[1] !== d)) {
      throw new RangeError(`gradOutput.shape = [${given.shape.join(', ')}], expected [${numBags}, ${d}] (the output's shape)`);
    }
    const grad = settle(pinned, 'gradOutput')(given.data);
    this.#handle.stageFloats(this.#handle.calls.stageGradOutput, grad, { numBags });
    return grad.length;
  }

  /**
   * Sets (or with null removes) the optimizer step() applies: a name or
   * { name, lr, ... } (see index.d.ts). Its state starts afresh (adagrad's
   * sum at initialAccumulatorValue, the rest zero; step count 0). A failing
   * call keeps the previous optimizer and state. A quantized bag takes only null.
   */
  setOptimizer(optimizer) {
    const parsed = optimizer === null ? null : parseOptimizer(optimizer);
    const core = this.#handle.live();
    if (this.#table.dtype !== 'fp32' && parsed !== null) {
      throw new TypeError(`setOptimizer concerns training; this bag's table is ${this.#table.dtype} (quantized), inference only`);
    }
    if (parsed === null) {
      core.clearOptimizer();
    } else if (setOnCore(core, parsed) !== Code.ok) {
      throw this.#handle.error({ optimizer: parsed });
    }
    this.#optimizer = parsed;
  }

  /** The optimizer step() applies: { name, options, step } (steps taken so far), or null. */
  get optimizer() {
    const core = this.#handle.live();
    return this.#optimizer === null ? null : describeOptimizer(this.#optimizer, core.optimizerSteps());
  }

  /**
   * Copies of the optimizer's state arrays, named as PyTorch's state_dict
   * (FBGEMM's for rowwise-adagrad) names them: adagrad { sum: N*D },
   * rowwise-adagrad { sum: N }, sparse-adam { exp_avg, exp_avg_sq: N*D },
   * sgd {}. null without an optimizer.
   */
  optimizerState() {
    this.#handle.live();
    if (this.#optimizer === null) return null;
    return stateOf(this.#handle, this.#optimizer.name, this.#table.numEmbeddings, this.#table.embeddingDim, true);
  }

  /**
   * One training step on the most recent forward: the weight gradient of
   * gradOutput (never materialised: only the batch's rows, coalesced) and
   * the optimizer's update of those rows and of its state, in place.
   * @returns {{ perSampleWeights?: Float32Array }} the per-sample weights'
   *   gradient when the forward had them ({ copy: false }: a view of wasm
   *   memory, valid until the next call into the package).
   */
  step(gradOutput, options = undefined) {
    const { copy, out } = resultOptions(options, 'step');
    const pinned = [];
    const given = gradOutputArray(gradOutput, pinned);
    if (out !== null) ownArray(out, 'out');
    const { numBags, numIndices, withPerSampleWeights } = this.#trainingCall('step');
    if (out !== null && withPerSampleWeights) {
      checkLength(out, 'out', numIndices, "one per index of the last forward: the per-sample weights' gradient");
    }
    const handle = this.#handle;
    const calls = handle.calls;
    const length = this.#stageGradOutput(given, pinned);
    if (calls.step(length, true) !== Code.ok) throw handle.error({ numBags });
    const pp = calls.gradPerSampleWeightsPtr();
    if (pp === 0 || !withPerSampleWeights) return {};
    return { perSampleWeights: handle.result(pp, numIndices, 'f32', copy, out) };
  }

  /** Frees the table and every buffer. Idempotent. */
  dispose() {
    this.#handle.dispose();
    this.#weightView = null;
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    const o = this.#table.options;
    const extra = [
      `mode='${o.mode}'`,
      this.#table.dtype !== 'fp32' ? `dtype='${this.#table.dtype}'` : null,
      o.paddingIdx !== null ? `paddingIdx=${o.paddingIdx}` : null,
      o.maxNorm !== null ? `maxNorm=${o.maxNorm}, normType=${o.normType}` : null,
      o.scaleGradByFreq ? 'scaleGradByFreq=true' : null,
      o.sparse ? 'sparse=true' : null,
      o.includeLastOffset ? 'includeLastOffset=true' : null,
      this.#optimizer ? `optimizer='${this.#optimizer.name}'` : null,
      this.disposed ? 'disposed' : null,
    ].filter(Boolean);
    return `EmbeddingBag(${this.#table.numEmbeddings}, ${this.#table.embeddingDim}, ${extra.join(', ')})`;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  EmbeddingBag.prototype[Symbol.dispose] = EmbeddingBag.prototype.dispose;
}
