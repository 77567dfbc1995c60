// Option parsing: what users pass as options objects becomes complete,
// type-checked values. Value checks that need the table (paddingIdx against
// N, maxNorm's sign, mode conflicts) are the C++ core's; the mode and dtype
// names come from the registry (registry.mjs).
import { camelCase, show } from './errors.mjs';
import { listed, maxSize, modeInfo, modeNames } from './registry.mjs';

// Below this many bag entries x embeddingDim a call stays on the calling
// thread (waking the workers costs more than it saves). Measured on the
// 2-core machine, same process, splitting off vs on: a 2-thread split of a
// sum breaks even at ~32k (0.5x at 8k, 1.0x at 32k, 1.4x at 64k), of a max
// earlier; 64k keeps every call at or above break-even.
const DEFAULT_MIN_PARALLEL_WORK = 1 << 16;

export const OPTION_DEFAULTS = Object.freeze({
  mode: 'mean',
  maxNorm: null,
  normType: 2,
  scaleGradByFreq: false,
  sparse: false,
  paddingIdx: null,
  includeLastOffset: false,
  weight: undefined,
  seed: undefined,
  optimizer: null,
});

/** Throws the TypeError of an options argument that is not a plain object. */
export function checkOptionsObject(value, what = 'options') {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${what} must be an object, not ${show(value)}`);
  }
  return value;
}

/**
 * An options argument's own properties, each read once, in an object with no
 * prototype: nothing inherited (a polluted Object.prototype.copy, an option
 * named 'toString') is ever taken for an option.
 */
export function ownOptions(value, what = 'options') {
  return Object.assign(Object.create(null), checkOptionsObject(value, what));
}

// Unknown keys are a TypeError naming the known ones.
export function checkKnownKeys(options, known, what) {
  // for-in over own keys, not Object.keys: no array per call (per-call options).
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) throw new TypeError(`unknown ${what} option '${key}' (known: ${known.join(', ')})`);
  }
}

export function checkDim(value, name) {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} = ${show(value)} must be an integer`);
  if (value < 1 || value > maxSize()) throw new RangeError(`${name} = ${value} must be an integer in [1, ${maxSize()}]`);
}

export function checkBoolean(value, name) {
  if (typeof value !== 'boolean') throw new TypeError(`${name} = ${show(value)} must be true or false`);
}

// The most threads init() starts: more is never faster on a machine that
// exists, and each is a Web Worker with its own stack.
export const MAX_THREADS = 64;

/** init()'s options -> { threads, minParallelWork }. */
export function parseInitOptions(given) {
  const options = ownOptions(given, 'init options');
  checkKnownKeys(options, ['threads', 'wasmPaths', 'minParallelWork'], 'init');
  const threads = options.threads ?? 'auto';
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new RangeError(`threads = ${show(threads)} must be 'auto' or an integer in [1, ${MAX_THREADS}]`);
  }
  const minParallelWork = options.minParallelWork ?? DEFAULT_MIN_PARALLEL_WORK;
  if (!(Number.isInteger(minParallelWork) && minParallelWork >= 0)) {
    throw new RangeError(`minParallelWork = ${show(minParallelWork)} must be an integer >= 0`);
  }
  return { threads, minParallelWork, wasmPaths: options.wasmPaths };
}

// The result options of a call that gave none (shared: no object per call).
const DEFAULT_RESULTS = Object.freeze({ copy: true, out: null, perSampleWeightsOut: null });
const COPY_AND_OUT = Object.freeze(['copy', 'out']);
/** The result options backward() takes (forward and step: copy and out). */
export const BACKWARD_RESULTS = Object.freeze(['copy', 'out', 'perSampleWeightsOut']);

/**
 * The result options of forward(), backward() and step(): { copy, out,
 * perSampleWeightsOut } with the keys `known` allowed. copy: whether results
 * are copied out of wasm memory (the default) or returned as views of it.
 * out / perSampleWeightsOut: arrays of the caller's the results are written
 * into (their types and sizes are the method's to check, results.mjs). Each
 * option is read once, and no object is made for a call without options.
 */
export function resultOptions(given, method, known = COPY_AND_OUT) {
  if (given === undefined) return DEFAULT_RESULTS;
  checkOptionsObject(given, `${method} options`);
  let copy = true;
  let out = null;
  let perSampleWeightsOut = null;
  // One pass over the own enumerable keys (for-in, not Object.keys: no array per call).
  for (const key in given) {
    if (!Object.hasOwn(given, key)) continue;
    if (!known.includes(key)) throw new TypeError(`unknown ${method} option '${key}' (known: ${known.join(', ')})`);
    const value = given[key];
    if (key === 'copy') copy = value ?? true;
    else if (key === 'out') out = value ?? null;
    else perSampleWeightsOut = value ?? null;
  }
  checkBoolean(copy, 'copy');
  if (!copy && (out !== null || perSampleWeightsOut !== null)) {
    const name = out !== null ? 'out' : 'perSampleWeightsOut';
    throw new TypeError(`${name} and copy: false cannot be given together: ${name} is where the result is copied`);
  }
  return out === null && perSampleWeightsOut === null && copy ? DEFAULT_RESULTS : { copy, out, perSampleWeightsOut };
}

/** A bag's options as given -> complete, type-checked options. */
export function normaliseOptions(given) {
  const options = ownOptions(given);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_DEFAULTS, key)) {
      const hint = Object.hasOwn(OPTION_DEFAULTS, camelCase(key)) ? ` (did you mean '${camelCase(key)}'?)` : '';
      throw new TypeError(`unknown option '${key}'${hint}; known: ${Object.keys(OPTION_DEFAULTS).join(', ')}`);
    }
  }
  const o = { ...OPTION_DEFAULTS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) o[key] = value;
  if (typeof o.mode !== 'string') throw new TypeError(`mode = ${show(o.mode)} must be ${listed(modeNames())}`);
  if (modeInfo(o.mode) === undefined) throw new RangeError(`mode = ${show(o.mode)} must be ${listed(modeNames())}`);
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

/** The 64-bit seed of the default init: options.seed, or a random one. */
export function seedOf(o) {
  if (o.seed !== undefined) return BigInt(o.seed);
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (BigInt(words[0]) << 32n) | BigInt(words[1]);
}
