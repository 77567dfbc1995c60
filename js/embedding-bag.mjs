// The EmbeddingBag class: a table in wasm memory, forward and backward.
// Thin on purpose: check types, copy inputs once into the wasm heap, call the
// core, turn its status into an exception, copy outputs out. Semantics and
// value checks live in C++ (include/ebag/embedding_bag.h). The factories and
// serialisers (fromPretrained, quantize, toSafetensors, ...) live in
// tables.mjs and reach a bag's core through `internals`, not its fields.
import { copyDenseGradient } from './dense-copy.mjs';
import { show, statusError } from './errors.mjs';
import { floatArray, forwardInput, gradOutputArray, perSampleWeightsArray } from './inputs.mjs';
import { generation, heap, requireModule } from './module.mjs';
import { hotCalls } from './hot-calls.mjs';
import { bufferOf, lengthOf, settle, typedKind } from './snapshot.mjs';
import { BACKWARD_RESULTS, checkDim, normaliseOptions, resultOptions, seedOf } from './options.mjs';
import { checkCapacity, checkLength, ownArray, part, take, writeResult } from './results.mjs';
import { coreArguments, parseOptimizer, stateArrays } from './optimizers.mjs';
import { argumentName, Code, dtypeInfo, IndexKind, modeInfo, rowBytes } from './registry.mjs';
import * as tables from './tables.mjs';

// Options only this package passes (symbols: no user option can name them):
// the table stays zero (its rows are written next), and the table's dtype.
export const FILLED_BY_LOADER = Symbol('filledByLoader');
export const TABLE_DTYPE = Symbol('tableDtype');

// What tables.mjs may reach in a bag (set by the class's static block).
export let internals;

// Frees the wasm side of bags that were garbage-collected without dispose().
const finalizer = new FinalizationRegistry(({ core, madeIn }) => {
  if (madeIn === generation() && !core.isDeleted()) core.delete();
});

export class EmbeddingBag {
  #core = null;
  #calls = null; // hotCalls(module, #core)
  #dtype = 'fp32';
  #options;
  #numEmbeddings;
  #embeddingDim;
  #weightView = null;
  // Of the last successful forward (#hasForward), kept in one object per bag: no object per call.
  #lastForward = { numBags: 0, numIndices: 0, withPerSampleWeights: false };
  #hasForward = false;
  #generation = generation();
  #owner = null; // the EmbeddingBagCollection this bag is a table of
  #optimizer = null; // { name, number, options } once set

  static {
    internals = {
      core: (bag) => bag.#live(),
      dtype: (bag) => bag.#dtype,
      options: (bag) => bag.#options,
      error: (bag, core, context) => bag.#error(core, context),
      // For EmbeddingBagCollection: its tables are bags it owns (dispose()
      // refuses while owned), whose gradients it reads after running their
      // backward through the collection's core.
      calls: (bag) => (bag.#live(), bag.#calls),
      own: (bag, owner) => {
        bag.#owner = owner;
      },
      disown: (bag) => {
        bag.#owner = null;
      },
      // The collection's forward replaced what this bag's own backward() would use.
      forgetForward: (bag) => {
        bag.#hasForward = false;
      },
      // The optimizer's state arrays as views of wasm memory ({ name: view }),
      // and its step count (toSafetensors / fromSafetensors).
      stateViews: (bag) => bag.#stateArrays(false),
      setSteps: (bag, steps) => bag.#live().setOptimizerSteps(steps),
      weightGradient: (bag, copy, numIndices, out) => bag.#gradients(bag.#calls, copy, numIndices, false, out).weight,
      // A collection's { out: { table: ... } }: checked as this bag's weight gradient's.
      weightOut: (bag, out, name) => bag.#weightOut(out, name),
      // Before any table's gradient is written: a sparse out's capacity.
      checkCapacity: (bag, out) => bag.#options.sparse && bag.#checkCapacity(out),
      releaseGradients: (bag) => bag.#calls.releaseGradients(),
      // For fastText's output layer: `count` vectors of D floats dotted with
      // every row (ebag::row_dots), count x N floats (a view of wasm memory,
      // valid until the bag's next call).
      rowDots: (bag, vectors, count) => {
        const core = bag.#live();
        const calls = bag.#calls;
        const vptr = calls.stageVectors(vectors.length);
        if (vptr === 0) throw bag.#error(core);
        heap(vptr + vectors.length * 4).f32.set(vectors, vptr / 4);
        if (calls.rowDots(count) !== Code.ok) throw bag.#error(core);
        const ptr = calls.dotsPtr() / 4;
        return heap((ptr + count * bag.numEmbeddings) * 4).f32.subarray(ptr, ptr + count * bag.numEmbeddings);
      },
    };
  }

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
    // Past 2^53 an integer is out of [-N, N) for any N; the core would see it
    // wrapped through int64.
    if (o.paddingIdx !== null && !Number.isSafeInteger(o.paddingIdx)) {
      throw new RangeError(`paddingIdx = ${o.paddingIdx} is out of range [${-numEmbeddings}, ${numEmbeddings})`);
    }
    const dtype = options[TABLE_DTYPE] ?? 'fp32';
    if (dtype !== 'fp32') {
      for (const key of ['sparse', 'scaleGradByFreq', 'optimizer']) {
        if (o[key]) throw new TypeError(`${key} concerns ${key === 'optimizer' ? 'training' : 'gradients'}; a quantized (${dtype}) bag is inference-only`);
      }
    }
    const optimizer = o.optimizer === null ? null : parseOptimizer(o.optimizer);
    let weight = null;
    if (o.weight !== undefined) {
      const pinned = [];
      weight = floatArray(o.weight, 'weight', pinned);
      if (weight.length !== numEmbeddings * embeddingDim) {
        throw new RangeError(`weight has length ${weight.length}, expected ${numEmbeddings * embeddingDim} (numEmbeddings x embeddingDim)`);
      }
      // A view of wasm memory (another bag's weight) is copied before the new
      // table's allocation can detach it.
      weight = settle(pinned, heap(1).buffer, 'weight')(weight);
    }
    this.#numEmbeddings = numEmbeddings;
    this.#embeddingDim = embeddingDim;
    const core = new m.BagCore(numEmbeddings, embeddingDim, dtypeInfo(dtype).number);
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
        modeInfo(o.mode).number, o.paddingIdx !== null, o.paddingIdx ?? 0, o.maxNorm !== null, o.maxNorm ?? 0,
        o.normType, o.scaleGradByFreq, o.sparse, o.includeLastOffset,
      );
      if (status !== Code.ok) throw this.#error(core, { maxNorm: o.maxNorm, normType: o.normType, mode: o.mode });
      if (optimizer !== null && core.setOptimizer(...coreArguments(optimizer)) !== Code.ok) {
        throw this.#error(core, { optimizer });
      }
      if (dtype !== 'fp32') {
        // Quantized rows are written next (quantize, fromQuantized, a loader).
      } else if (weight) {
        heap(core.weightPtr() + weight.length * 4).f32.set(weight, core.weightPtr() / 4);
      } else if (options[FILLED_BY_LOADER]) {
        // The table stays zero: a weight file's rows are streamed into it.
      } else {
        const seed = seedOf(o);
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
    this.#optimizer = optimizer;
    this.#core = core;
    this.#calls = hotCalls(m, core);
    finalizer.register(this, { core, madeIn: generation() }, this);
  }

  // Factories and serialisers (documented in tables.mjs and index.d.ts).
  static fromPretrained(embeddings, options = {}) { return tables.fromPretrained(embeddings, options); }
  static fromSafetensors(source, options = {}) { return tables.fromFile('safetensors', source, options); }
  static fromNpy(source, options = {}) { return tables.fromFile('npy', source, options); }
  static quantize(source, options = {}) { return tables.quantize(source, options); }
  static fromQuantized(bytes, options = {}) { return tables.fromQuantized(bytes, options); }
  dequantize() { return tables.dequantize(this); }
  toSafetensors(options = {}) { return tables.toSafetensors(this, options); }

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
  /** 'fp32', or the quantized table's dtype ('fp16' | 'int8' | 'int4'). */
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
   *   the package. { out }: a Float32Array of B x D floats of the caller's,
   *   written and returned as data (a steady loop allocates nothing).
   * @returns {{ data: Float32Array, shape: [number, number] }}
   */
  forward(input, offsets = null, perSampleWeights = null, options = undefined) {
    // Every argument first: user code (getters, Proxies) runs only until
    // then, and may even have disposed this bag.
    const { copy, out } = resultOptions(options, 'forward');
    // The common call, flat Int32Array indices and offsets of the caller's
    // without per-sample weights, reads its arguments through intrinsic
    // getters only (no user code runs after the options): nothing to pin or
    // settle, and no objects made but the result.
    if (perSampleWeights == null && typedKind(input) === 'Int32Array' && typedKind(offsets) === 'Int32Array') {
      const core = this.#live();
      const heapBuffer = heap(1).buffer;
      if (bufferOf.call(input) !== heapBuffer && bufferOf.call(offsets) !== heapBuffer) {
        return this.#forwardFlat(core, input, offsets, copy, out);
      }
    }
    const pinned = [];
    const call = forwardInput(input, offsets, pinned);
    let psw = perSampleWeights == null ? null : perSampleWeightsArray(perSampleWeights, call, pinned);
    const core = this.#live();
    const calls = this.#calls;
    if (out !== null) {
      this.#checkOut(out, call.twoD ? call.rows : this.#bagsOf(call.offsets.length));
    }
    const own = settle(pinned, heap(1).buffer, 'an argument of forward()');
    call.indices.array = own(call.indices.array);
    if (!call.twoD) call.offsets.array = own(call.offsets.array);
    if (psw) psw = own(psw);
    const { indices, offsets: bounds } = call;
    this.#stage(core, calls.stageIndices, indices.kind, indices.length, indices.array);
    if (!call.twoD) this.#stage(core, calls.stageOffsets, bounds.kind, bounds.length, bounds.array);
    if (psw) {
      const ptr = calls.stagePerSampleWeights(psw.length);
      if (ptr === 0) throw this.#error(core);
      heap(ptr + psw.length * 4).f32.set(psw, ptr / 4);
    }
    const status = calls.forward(!call.twoD, call.rows ?? 0, call.rowLength ?? 0, psw !== null);
    if (status !== Code.ok) {
      throw this.#error(core, {
        numIndices: call.indices.length,
        rowLength: call.twoD ? call.rowLength : undefined,
        offsets: call.twoD ? null : call.offsets.array,
      });
    }
    return this.#forwardResult(call.indices.length, psw !== null, copy, out);
  }

  // forward() of flat Int32Array indices and offsets that are not views of
  // wasm memory, without per-sample weights (the checks as forward's).
  #forwardFlat(core, indices, offsets, copy, out) {
    const calls = this.#calls;
    const numIndices = lengthOf.call(indices);
    const numOffsets = lengthOf.call(offsets);
    if (out !== null) this.#checkOut(out, this.#bagsOf(numOffsets));
    this.#stage(core, calls.stageIndices, IndexKind.int32, numIndices, indices);
    this.#stage(core, calls.stageOffsets, IndexKind.int32, numOffsets, offsets);
    if (calls.forward(true, 0, 0, false) !== Code.ok) throw this.#error(core, { numIndices, offsets });
    return this.#forwardResult(numIndices, false, copy, out);
  }

  // Bags of a 1-D input with `numOffsets` offsets.
  #bagsOf(numOffsets) {
    return Math.max(0, numOffsets - (this.#options.includeLastOffset ? 1 : 0));
  }

  // forward's { out } checked before the call (a forward may renormalise
  // rows, maxNorm: a refusal after it would not change nothing).
  #checkOut(out, bags) {
    ownArray(out, 'out');
    checkLength(out, 'out', bags * this.#embeddingDim, `numBags x embeddingDim = ${bags} x ${this.#embeddingDim}`);
  }

  // The result of the core's successful forward: copied, a view, or written into out.
  #forwardResult(numIndices, withPerSampleWeights, copy, out) {
    const calls = this.#calls;
    const numBags = calls.lastNumBags();
    const last = this.#lastForward;
    last.numBags = numBags;
    last.numIndices = numIndices;
    last.withPerSampleWeights = withPerSampleWeights;
    this.#hasForward = true;
    const count = numBags * this.#embeddingDim;
    const shape = [numBags, this.#embeddingDim];
    if (out !== null) return { data: writeResult(out, calls.outputPtr(), count), shape };
    const ptr = calls.outputPtr() / 4;
    return { data: take(heap((ptr + count) * 4).f32, ptr, ptr + count, copy), shape };
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
    const weightOut = out === null ? null : this.#weightOut(out, 'out');
    const pswOut = perSampleWeightsOut === null ? null : ownArray(perSampleWeightsOut, 'perSampleWeightsOut');
    const core = this.#live();
    const calls = this.#calls;
    this.#trainable('backward');
    if (!this.#hasForward) throw new Error('backward() needs a forward() first: it returns the gradients of the most recent forward');
    const { numBags, numIndices, withPerSampleWeights } = this.#lastForward;
    if (pswOut !== null && withPerSampleWeights) {
      checkLength(pswOut, 'perSampleWeightsOut', numIndices, 'one per index of the last forward');
    }
    const length = this.#stageGradOutput(core, given, pinned);
    if (calls.backward(length, this.#options.sparse, true) !== Code.ok) throw this.#error(core, { numBags });
    return this.#gradients(calls, copy, numIndices, true, weightOut, pswOut);
  }

  // out checked as the weight gradient's destination (named `name`): dense,
  // a Float32Array of N x D; sparse, { indices: Int32Array, values:
  // Float32Array } whose capacity is checked once the row count is known.
  #weightOut(out, name) {
    const n = this.#numEmbeddings;
    const d = this.#embeddingDim;
    if (!this.#options.sparse) {
      ownArray(out, name);
      checkLength(out, name, n * d, `numEmbeddings x embeddingDim = ${n} x ${d}: the dense weight gradient`);
      return out;
    }
    if (out === null || typeof out !== 'object' || ArrayBuffer.isView(out) || Array.isArray(out)) {
      throw new TypeError(`${name} = ${show(out)} must be { indices: Int32Array, values: Float32Array }: the weight gradient is sparse (sparse: true)`);
    }
    return { indices: ownArray(out.indices, `${name}.indices`, Int32Array), values: ownArray(out.values, `${name}.values`), name };
  }

  // A quantized bag has no gradients: `method` is refused.
  #trainable(method) {
    if (this.#dtype !== 'fp32') {
      throw new Error(`${method}() is not available: this bag's table is ${this.#dtype} (quantized), inference only; ` +
        'train a float32 bag and quantize it afterwards');
    }
  }

  // gradOutput (checked against the last forward's shape) into the core's
  // staging buffer; returns its length.
  #stageGradOutput(core, given, pinned) {
    const { numBags } = this.#lastForward;
    const d = this.#embeddingDim;
    if (given.shape !== null && (given.shape[0] !== numBags || given.shape[1] !== d)) {
      throw new RangeError(`gradOutput.shape = [${given.shape.join(', ')}], expected [${numBags}, ${d}] (the output's shape)`);
    }
    const grad = settle(pinned, heap(1).buffer, 'gradOutput')(given.data);
    const gptr = this.#calls.stageGradOutput(grad.length);
    if (gptr === 0) throw this.#error(core);
    heap(gptr + grad.length * 4).f32.set(grad, gptr / 4);
    return grad.length;
  }

  // A sparse weightOut (#weightOut) checked against the row count of the
  // core's last backward.
  #checkCapacity({ indices, values, name }) {
    const rows = this.#calls.sparseRowCount();
    const d = this.#embeddingDim;
    checkCapacity(indices, `${name}.indices`, rows, `the gradient has ${rows} rows`);
    checkCapacity(values, `${name}.values`, rows * d, `${rows} rows x embeddingDim ${d}`);
  }

  // The gradients the core's last backward left: copies (then freed in the
  // core), views, or written into weightOut / pswOut (checked by #weightOut
  // and backward; the sparse capacity here, before anything is written).
  #gradients(calls, copy, numIndices, withPerSampleWeights = true, weightOut = null, pswOut = null) {
    const d = this.#embeddingDim;
    const sparse = this.#options.sparse;
    // `count` 4-byte elements at byte `ptr`, as `kind` ('f32' | 'i32').
    const result = (ptr, count, kind) => take(heap(ptr + count * 4)[kind], ptr / 4, ptr / 4 + count, copy);
    let weight;
    if (sparse) {
      const rows = calls.sparseRowCount();
      if (weightOut !== null) {
        const { indices, values } = weightOut;
        try {
          this.#checkCapacity(weightOut);
        } catch (error) {
          calls.releaseGradients();
          throw error;
        }
        weight = {
          indices: part(indices, 0, rows),
          values: part(values, 0, rows * d),
          shape: [this.#numEmbeddings, d],
        };
        writeResult(weight.indices, calls.sparseRowsPtr(), rows);
        writeResult(weight.values, calls.sparseValuesPtr(), rows * d);
      } else {
        weight = {
          indices: result(calls.sparseRowsPtr(), rows, 'i32'),
          values: result(calls.sparseValuesPtr(), rows * d, 'f32'),
          shape: [this.#numEmbeddings, d],
        };
      }
    } else if (copy) {
      weight = copyDenseGradient(calls, this.#numEmbeddings, d, numIndices, weightOut);
    } else {
      weight = result(calls.gradWeightPtr(), this.#numEmbeddings * d, 'f32');
    }
    const pp = withPerSampleWeights ? calls.gradPerSampleWeightsPtr() : 0;
    let psw = null;
    if (pp !== 0) psw = pswOut !== null ? writeResult(pswOut, pp, numIndices) : result(pp, numIndices, 'f32');
    // Once copied, the gradient buffers are freed; views keep them until the
    // next backward() or dispose().
    if (copy) calls.releaseGradients();
    return { weight, perSampleWeights: psw };
  }

  /**
   * Sets (or with null removes) the optimizer step() applies: { name, lr,
   * ... } (see index.d.ts). Its state starts afresh (adagrad's sum at
   * initialAccumulatorValue, the rest zero; step count 0). A failing call
   * keeps the previous optimizer and state. A quantized bag takes only null.
   */
  setOptimizer(optimizer) {
    const parsed = optimizer === null ? null : parseOptimizer(optimizer);
    const core = this.#live();
    if (this.#dtype !== 'fp32' && parsed !== null) {
      throw new TypeError(`setOptimizer concerns training; this bag's table is ${this.#dtype} (quantized), inference only`);
    }
    if (parsed === null) {
      core.clearOptimizer();
    } else if (core.setOptimizer(...coreArguments(parsed)) !== Code.ok) {
      throw this.#error(core, { optimizer: parsed });
    }
    this.#optimizer = parsed;
  }

  /** The optimizer step() applies: { name, options, step } (steps taken so far), or null. */
  get optimizer() {
    const core = this.#live();
    if (this.#optimizer === null) return null;
    const { name, options } = this.#optimizer;
    return { name, options: { ...options, ...(options.betas ? { betas: [...options.betas] } : {}) }, step: core.optimizerSteps() };
  }

  /**
   * Copies of the optimizer's state arrays, named as PyTorch's state_dict
   * (FBGEMM's for rowwise-adagrad) names them: adagrad { sum: N*D },
   * rowwise-adagrad { sum: N }, sparse-adam { exp_avg, exp_avg_sq: N*D },
   * sgd {}. null without an optimizer.
   */
  optimizerState() {
    this.#live();
    return this.#optimizer === null ? null : this.#stateArrays(true);
  }

  #stateArrays(copy) {
    const core = this.#core;
    const n = this.#numEmbeddings;
    const result = {};
    stateArrays(this.#optimizer.name).forEach(({ name, rowwise }, k) => {
      const length = rowwise ? n : n * this.#embeddingDim;
      const ptr = core.optimizerStatePtr(k) / 4;
      result[name] = take(heap((ptr + length) * 4).f32, ptr, ptr + length, copy);
    });
    return result;
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
    const core = this.#live();
    const calls = this.#calls;
    this.#trainable('step');
    if (this.#optimizer === null) {
      throw new Error("step() needs an optimizer: pass { optimizer: { name: 'adagrad', lr: 0.1 } } to the constructor, or call setOptimizer()");
    }
    if (!this.#hasForward) throw new Error('step() needs a forward() first: it trains on the most recent forward');
    const { numBags, numIndices, withPerSampleWeights } = this.#lastForward;
    if (out !== null) {
      ownArray(out, 'out');
      if (withPerSampleWeights) checkLength(out, 'out', numIndices, "one per index of the last forward: the per-sample weights' gradient");
    }
    const length = this.#stageGradOutput(core, given, pinned);
    if (calls.step(length, true) !== Code.ok) throw this.#error(core, { numBags });
    const pp = calls.gradPerSampleWeightsPtr();
    if (pp === 0 || !withPerSampleWeights) return {};
    if (out !== null) return { perSampleWeights: writeResult(out, pp, numIndices) };
    return { perSampleWeights: take(heap(pp + numIndices * 4).f32, pp / 4, pp / 4 + numIndices, copy) };
  }

  /** Frees the table and every buffer. Idempotent. */
  dispose() {
    if (this.#core === null) return;
    if (this.#owner !== null) {
      throw new Error('this EmbeddingBag is a table of an EmbeddingBagCollection: dispose the collection instead');
    }
    finalizer.unregister(this);
    if (this.#generation === generation()) this.#core.delete();
    this.#core = null;
    this.#calls = null;
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
      this.#optimizer ? `optimizer='${this.#optimizer.name}'` : null,
      this.disposed ? 'disposed' : null,
    ].filter(Boolean);
    return `EmbeddingBag(${this.#numEmbeddings}, ${this.#embeddingDim}, ${extra.join(', ')})`;
  }

  // Copies `length` integers of `kind` (an IndexKind: Int32Array or
  // BigInt64Array `array`) into the staging buffer stage(kind, length) gives.
  #stage(core, stage, kind, length, array) {
    const ptr = stage(kind, length);
    if (ptr === 0) throw this.#error(core);
    // After the staging call, which may have grown the heap.
    if (kind === IndexKind.int32) heap(ptr + length * 4).i32.set(array, ptr / 4);
    else new BigInt64Array(heap(ptr + length * 8).buffer, ptr, length).set(array);
  }

  #live() {
    if (this.#core === null) throw new Error('this EmbeddingBag was disposed');
    if (this.#generation !== generation()) throw new Error('embedding-bag-wasm was shut down after this EmbeddingBag was made');
    return this.#core;
  }

  #error(core, context = {}) {
    return statusError(
      {
        code: core.statusCode(),
        argument: argumentName(core.errorArgument()),
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

