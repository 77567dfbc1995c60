// One core object of the wasm module (a BagCore or a CollectionCore) as the
// classes hold it. Its lifecycle, in one place:
//   1. made by a class's constructor over a new core and that core's per-call
//      exports (hot-calls.mjs); registered with the finalizer, which frees the
//      core of a handle that was garbage-collected without dispose();
//   2. every call reaches the core through live() / calls, which refuse once
//      it was disposed or the module was shut down (generation());
//   3. inputs are staged into the core's buffers and results read out of the
//      heap here (stage*, result), each address read after the call that
//      may have grown the heap;
//   4. dispose() frees the core once (refused while a collection owns it).
// A handle is private to the package: the classes keep it in a private field
// and give it to the package's own modules only (handleOf in
// embedding-bag.mjs), never through an object a user can reach.
import { statusError } from './errors.mjs';
import { generation, heap } from './module.mjs';
import { argumentName, IndexKind } from './registry.mjs';
import { take, writeResult } from './results.mjs';

const finalizer = new FinalizationRegistry(({ core, madeIn }) => {
  if (madeIn === generation() && !core.isDeleted()) core.delete();
});

/** The core's last status, as statusError() reads it. */
export function lastStatus(core) {
  return {
    code: core.statusCode(),
    argument: argumentName(core.errorArgument()),
    position: core.errorPosition(),
    value: core.errorValue(),
  };
}

export class Handle {
  #core;
  #calls;
  #generation = generation();
  #what;
  #explain;
  /** The class name of the object that owns this core (a bag's 'EmbeddingBagCollection'), or null. */
  ownedBy = null;
  /**
   * A bag's table: { numEmbeddings, embeddingDim, dtype, sparse, options }
   * (frozen; table-setup.mjs), null for a collection.
   */
  table = null;
  /**
   * A bag's last successful forward, which backward() and step() work on:
   * its sizes, and whether it is still the core's (a collection's forward
   * over the bag replaces it). One object per handle, updated in place.
   */
  lastForward = { numBags: 0, numIndices: 0, withPerSampleWeights: false, valid: false };
  #smallInputs = 0;  // forwardSmall's buffer, once made
  #lastResult = null;  // forwardResult's, with { out }

  /**
   * @param core the Embind core object
   * @param calls its per-call exports (hot-calls.mjs)
   * @param what the class's name, for messages ('EmbeddingBag')
   * @param explain (core, context) -> the Error of the core's last status
   */
  constructor(core, calls, what, explain) {
    this.#core = core;
    this.#calls = calls;
    this.#what = what;
    this.#explain = explain;
    finalizer.register(this, { core, madeIn: this.#generation }, this);
  }

  get disposed() { return this.#core === null; }

  /** The core, or the Error of a disposed object or a shut-down module. */
  live() {
    if (this.#core === null) throw new Error(`this ${this.#what} was disposed`);
    if (this.#generation !== generation()) throw new Error(`embedding-bag-wasm was shut down after this ${this.#what} was made`);
    return this.#core;
  }

  /** The per-call exports, once live() holds. */
  get calls() {
    this.live();
    return this.#calls;
  }

  /** The core's last status as the Error users see (context: what the call knows). */
  error(context = {}) {
    return this.#explain(this.#core, context);
  }

  /** `ptr` (a staging call's address), or the core's error when it is 0 (out of memory). */
  check(ptr, context) {
    if (ptr === 0) throw this.error(context);
    return ptr;
  }

  /** `length` integers of `kind` (Int32Array or BigInt64Array `array`) into the buffer stage(kind, length) gives. */
  stageIntegers(stage, kind, length, array) {
    const ptr = this.check(stage(kind, length));
    // After the staging call, which may have grown the heap.
    if (kind === IndexKind.int32) heap(ptr + length * 4).i32.set(array, ptr / 4);
    else new BigInt64Array(heap(ptr + length * 8).buffer, ptr, length).set(array);
  }

  /**
   * A forward of flat Int32Array indices and offsets (numIndices +
   * numOffsets <= smallInputs()) in one call: both written into the core's
   * small-inputs buffer (made once, it never moves). The output's address.
   */
  forwardSmall(indices, numIndices, offsets, numOffsets) {
    const calls = this.#calls;
    if (this.#smallInputs === 0) this.#smallInputs = this.check(calls.smallInputs());
    const at = this.#smallInputs;
    const i32 = heap(at + (numIndices + numOffsets) * 4).i32;
    i32.set(indices, at >>> 2);
    i32.set(offsets, (at >>> 2) + numIndices);
    return this.check(calls.forwardSmall(numIndices, numOffsets), { numIndices, offsets });
  }

  /**
   * A successful forward's result ({ data, shape: [numBags, dim] }, its
   * output at byte outputPtr), recorded as the last forward. With { out },
   * the previous call's result object when it still says the same: a
   * steady loop makes no object. numBags: the core's, unless the caller knows it.
   */
  forwardResult(outputPtr, numIndices, withPerSampleWeights, dim, copy, out, numBags = this.#calls.lastNumBags()) {
    const last = this.lastForward;
    last.numBags = numBags;
    last.numIndices = numIndices;
    last.withPerSampleWeights = withPerSampleWeights;
    last.valid = true;
    const data = this.result(outputPtr, numBags * dim, 'f32', copy, out);
    const r = this.#lastResult;
    if (out !== null && r !== null && r.data === out && r.shape.length === 2 && r.shape[0] === numBags && r.shape[1] === dim) return r;
    const result = { data, shape: [numBags, dim] };
    if (out !== null) this.#lastResult = result;
    return result;
  }

  /** An Int32Array into the buffer stage(length) gives. */
  stageInt32(stage, array) {
    const ptr = this.check(stage(array.length));
    heap(ptr + array.length * 4).i32.set(array, ptr / 4);
  }

  /** A Float32Array into the buffer stage(length) gives (context: for a refusal's message). */
  stageFloats(stage, array, context) {
    const ptr = this.check(stage(array.length), context);
    heap(ptr + array.length * 4).f32.set(array, ptr / 4);
  }

  /**
   * `count` float32 ('f32') or int32 ('i32') elements at byte `ptr` as a
   * result: written into the caller's `out` (checked by results.mjs) and
   * returned, else a copy, or (copy false) a view of wasm memory.
   */
  result(ptr, count, kind, copy, out = null) {
    if (out !== null) return writeResult(out, ptr, count);
    return take(heap(ptr + count * 4)[kind], ptr / 4, ptr / 4 + count, copy);
  }

  /** Frees the core. Idempotent; refused while another object owns it. */
  dispose() {
    if (this.#core === null) return;
    if (this.ownedBy !== null) {
      throw new Error(`this ${this.#what} is a table of an ${this.ownedBy}: dispose the collection instead`);
    }
    finalizer.unregister(this);
    if (this.#generation === generation()) this.#core.delete();
    this.#core = null;
    this.#calls = null;
  }
}

/** The explain() of a bag's core: statusError with the table's context. */
export function bagExplainer(describe) {
  return (core, context) => statusError(lastStatus(core), { ...describe(), ...context });
}
