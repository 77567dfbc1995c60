// Results out of wasm memory: copies or views of the heap (take), and
// caller-owned result arrays ({ out } options): checks that an array can
// take a result, and the writes into it. A result written into the caller's array
// costs no allocation and no page faults of fresh memory, and is never a
// stale view of wasm memory.
// A caller's array is read and written through the intrinsic TypedArray
// getters and methods only: a subclass overriding length, buffer, set or
// subarray runs no code of its own inside a call (it could dispose the bag
// between the checks and the write), and a Proxy is not taken for an array.
import { show } from './errors.mjs';
import { heapView, isHeapBuffer } from './module.mjs';
import { bufferOf, isDetached, lengthOf, offsetOf, typedKind } from './snapshot.mjs';

const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype);
const setOf = TypedArrayPrototype.set;
const fillOf = TypedArrayPrototype.fill;

/**
 * `array` (named `name`) checked to be a Type of the caller's: not a view of
 * wasm memory (a later call would overwrite or detach it) nor detached.
 */
export function ownArray(array, name, Type = Float32Array) {
  if (typedKind(array) !== Type.name) {
    throw new TypeError(`${name} = ${show(array)} must be ${/^[AEIOU]/.test(Type.name) ? 'an' : 'a'} ${Type.name}`);
  }
  const buffer = bufferOf.call(array);
  if (isHeapBuffer(buffer)) {
    throw new TypeError(`${name} is a view of wasm memory (a result or a weight of the package): pass an array of your own`);
  }
  // A live array's length is not 0 unless it is empty: the costlier check only then.
  if (lengthOf.call(array) === 0 && isDetached(buffer)) {
    throw new TypeError(`${name} is detached (its buffer was transferred): pass a live array`);
  }
  return array;
}

/** RangeError unless `array` has exactly `length` elements; `what` says why that many. */
export function checkLength(array, name, length, what) {
  const given = lengthOf.call(array);
  if (given !== length) throw new RangeError(`${name} has length ${given}, expected ${length} (${what})`);
}

/** RangeError unless `array` holds at least `needed` elements; `what` names them. */
export function checkCapacity(array, name, needed, what) {
  const given = lengthOf.call(array);
  if (given < needed) {
    throw new RangeError(`${name} holds ${given} elements, too few for this result: it needs at least ${needed} (${what})`);
  }
}

/**
 * Elements [begin, end) of a caller's Int32Array or Float32Array (checked by
 * ownArray), as a view of the plain class: subarray() would construct the
 * caller's subclass (its constructor is user code).
 */
export function part(array, begin, end) {
  const Type = typedKind(array) === 'Int32Array' ? Int32Array : Float32Array;
  return new Type(bufferOf.call(array), offsetOf.call(array) + begin * 4, end - begin);
}

/** A caller's array (checked by ownArray) filled with `value`; returned. */
export const fill = (array, value) => fillOf.call(array, value);

/** `source` copied into a caller's array (checked by ownArray) from element `at`. */
export const copyInto = (array, source, at = 0) => setOf.call(array, source, at);

/** Elements [begin, end) of a heap view: a copy, or (copy false) a view of wasm memory. */
export function take(view, begin, end, copy) {
  return copy ? view.slice(begin, end) : view.subarray(begin, end);
}

/**
 * `count` elements of the heap at byte `ptr` (float32 or int32, as `out`)
 * into `out` (checked by the caller), which is returned.
 */
export function writeResult(out, ptr, count) {
  setOf.call(out, heapView(typedKind(out) === 'Int32Array' ? 'i32' : 'f32', ptr, count));
  return out;
}
