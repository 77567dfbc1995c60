// Caller-owned result arrays ({ out } options): checks that an array can take
// a result, and the writes into it. A result written into the caller's array
// costs no allocation and no page faults of fresh memory, and is never a
// stale view of wasm memory.
import { show } from './errors.mjs';
import { heap } from './module.mjs';

// A detached buffer has byteLength 0 and no view can be made on it (the
// `detached` getter is newer than Node 20).
function isDetached(buffer) {
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
 * `array` (named `name`) checked to be a Type of the caller's: not a view of
 * wasm memory (a later call would overwrite or detach it) nor detached.
 */
export function ownArray(array, name, Type = Float32Array) {
  if (!(array instanceof Type)) throw new TypeError(`${name} = ${show(array)} must be ${/^[AEIOU]/.test(Type.name) ? 'an' : 'a'} ${Type.name}`);
  if (array.buffer === heap(1).buffer) {
    throw new TypeError(`${name} is a view of wasm memory (a result or a weight of the package): pass an array of your own`);
  }
  if (isDetached(array.buffer)) throw new TypeError(`${name} is detached (its buffer was transferred): pass a live array`);
  return array;
}

/** RangeError unless `array` has exactly `length` elements; `what` says why that many. */
export function checkLength(array, name, length, what) {
  if (array.length !== length) throw new RangeError(`${name} has length ${array.length}, expected ${length} (${what})`);
}

/** RangeError unless `array` holds at least `needed` elements; `what` names them. */
export function checkCapacity(array, name, needed, what) {
  if (array.length < needed) {
    throw new RangeError(`${name} holds ${array.length} elements, too few for this result: it needs at least ${needed} (${what})`);
  }
}

/**
 * `count` elements of the heap at byte `ptr` (float32 or int32, as `out`)
 * into `out` (checked by the caller), which is returned.
 */
export function writeResult(out, ptr, count) {
  const view = heap(ptr + count * 4)[out instanceof Int32Array ? 'i32' : 'f32'];
  const base = ptr / 4;
  // A short result by a loop: a subarray (an object) costs more than copying
  // a few hundred elements (tiny calls, whose whole call is ~1 us).
  if (count <= SHORT_RESULT) {
    for (let i = 0; i < count; i++) out[i] = view[base + i];
  } else {
    out.set(view.subarray(base, base + count));
  }
  return out;
}

const SHORT_RESULT = 256;
