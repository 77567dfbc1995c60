// Caller arrays, read once. A typed array is pinned to a fixed-length view of
// its elements through the intrinsic getters (never a subclass's `length`, a
// Proxy's traps or a resizable buffer's later size); a plain array's elements
// are read once each into a fresh typed array. After every argument of a
// call has been converted (user getters may run until then), settle() checks
// that no pinned view changed and copies those that alias wasm memory, which
// the call may grow (and so detach) before it reads them.

import { isHeapBuffer } from './module.mjs';

const TypedArray = Object.getPrototypeOf(Int8Array);
const intrinsic = (key) => Object.getOwnPropertyDescriptor(TypedArray.prototype, key).get;
const kindOf = intrinsic(Symbol.toStringTag);
// Exported for results.mjs, which reads caller arrays the same way.
export const lengthOf = intrinsic('length');
export const bufferOf = intrinsic('buffer');
export const offsetOf = intrinsic('byteOffset');
const CONSTRUCTORS = {
  Int32Array, Uint32Array, BigInt64Array, Float32Array, Float64Array, Uint8Array,
  // Node 24+ and current browsers.
  ...(typeof Float16Array === 'function' ? { Float16Array } : {}),
};

/** The typed array kind of `value` ('Int32Array', ...), or undefined; no user code runs. */
export function typedKind(value) {
  return ArrayBuffer.isView(value) ? kindOf.call(value) : undefined;
}

const resizableOf = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')?.get;
const growableOf = typeof SharedArrayBuffer === 'function'
  ? Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'growable')?.get
  : undefined;

// Whether a buffer's length can change under a view (short of detaching).
function canResize(buffer) {
  if (buffer instanceof ArrayBuffer) return resizableOf !== undefined && resizableOf.call(buffer);
  return growableOf !== undefined && growableOf.call(buffer);
}

/**
 * Whether an ArrayBuffer is detached (transferred, or the wasm heap's before
 * it grew): its byteLength is 0 and no view can be made on it (the
 * `detached` getter is newer than Node 20).
 */
export function isDetached(buffer) {
  if ('detached' in buffer) return buffer.detached;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * A fixed-length view of a typed array's elements now, as `kind`; remembered
 * for settle(). `name` names the argument in the error of a detached one.
 */
export function pin(value, kind, pinned, name) {
  const C = CONSTRUCTORS[kind];
  const buffer = bufferOf.call(value);
  const length = lengthOf.call(value);
  if (length === 0 && isDetached(buffer)) {
    throw new TypeError(`${name} is detached (its buffer was transferred, or it was a view of wasm memory that has since grown): pass a live array`);
  }
  // The common case, kept as it is (a new view per call costs more than the
  // call's own work on tiny inputs): the intrinsic class over a buffer whose
  // length cannot change; detaching it makes its length 0, which settle() sees.
  const view = Object.getPrototypeOf(value) === C.prototype && !canResize(buffer)
    ? value
    : new C(buffer, offsetOf.call(value), length);
  pinned?.push(view, length);  // flat pairs: no object per argument
  return view;
}

/**
 * Once all user code of a call has run: every pinned view still covers what
 * it did (else a TypeError: the caller resized an argument's buffer while the
 * call read its others), and a view of wasm memory (isHeapBuffer: which the
 * call may grow and so detach before it reads the view) is replaced by a
 * copy. Returns own(array): the array to use in place of a pinned one.
 */
const unchanged = (array) => array;

export function settle(pinned, what) {
  let copies = null;  // made only when a view aliases wasm memory
  for (let k = 0; k < pinned.length; k += 2) {
    const view = pinned[k];
    if (lengthOf.call(view) !== pinned[k + 1]) {
      throw new TypeError(`${what} changed (its buffer was resized) while the call read its other arguments`);
    }
    if (isHeapBuffer(bufferOf.call(view))) (copies ??= new Map()).set(view, new CONSTRUCTORS[kindOf.call(view)](view));
  }
  return copies === null ? unchanged : (array) => copies.get(array) ?? array;
}
