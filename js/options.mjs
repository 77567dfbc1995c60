// Option parsing: what users pass as options objects becomes complete,
// type-checked values. Value checks that need the table (paddingIdx against
// N, maxNorm's sign, mode conflicts) are the C++ core's; the mode and dtype
// names come from the registry (registry.mjs).
import { camelCase, isArray, show } from './errors.mjs';
import { listed, maxSize, modeInfo, modeNames } from './registry.mjs';

// Below this many bag entries x embeddingDim a call stays on the calling
// thread: waking a blocked worker costs about as much as a whole one-hot
// call of 4096 ids at D 16 (65536 units), while calls of millions of units
// gain from a second thread (bench: the threads table, one-hot and small
// workloads).
const DEFAULT_MIN_PARALLEL_WORK = 1 << 18;

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

const OPTION_NAMES = Object.freeze(Object.keys(OPTION_DEFAULTS));

/** Throws the TypeError of an options argument that is not a plain object. */
export function checkOptionsObject(value, what = 'options') {
  if (value === null || typeof value !== 'object' || isArray(value, what)) {
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

// The known name a mistyped one most likely meant: its camelCase spelling,
// the same letters in another case, or one at most two edits away (for a
// name of more than two letters); else null.
export function nearName(key, known) {
  if (known.includes(camelCase(key))) return camelCase(key);
  const lower = key.toLowerCase();
  const sameLetters = known.find((name) => name.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  if (key.length <= 2) return null;
  let best = null;
  let bestDistance = 3;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

// Levenshtein distance of a and b, or `limit` once it reaches it.
function editDistance(a, b, limit) {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) >= limit) return limit;
    previous = row;
  }
  return Math.min(previous[b.length], limit);
}

/**
 * The TypeError of an unknown key, in the package's one format: what it is
 * ('option', 'forward option', 'KeyedJaggedTensor key', ...), the near name
 * when there is one, and the known ones (under `label`).
 */
export function unknownKeyError(key, known, what, label = 'known') {
  const near = nearName(key, known);
  const hint = near === null ? '' : ` (did you mean '${near}'?)`;
  return new TypeError(`unknown ${what} '${key}'${hint} (${label}: ${known.join(', ')})`);
}

/** Unknown own keys of `object` are unknownKeyError()s. */
export function checkKnownKeys(object, known, what, label = 'known') {
  // for-in over own keys, not Object.keys: no array per call (per-call options).
  for (const key in object) {
    if (Object.hasOwn(object, key) && !known.includes(key)) throw unknownKeyError(key, known, what, label);
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
  checkKnownKeys(options, ['threads', 'wasmPaths', 'minParallelWork'], 'init option');
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
 * option is read once, and no object is made per call: the answer is one
 * object, rewritten by each call after every option was read (a getter
 * that calls back into the package runs before it), which callers
 * destructure at once.
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
    if (!known.includes(key)) throw unknownKeyError(key, known, `${method} option`);
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
  if (out === null && perSampleWeightsOut === null && copy) return DEFAULT_RESULTS;
  parsedResults.copy = copy;
  parsedResults.out = out;
  parsedResults.perSampleWeightsOut = perSampleWeightsOut;
  return parsedResults;
}
const parsedResults = { copy: true, out: null, perSampleWeightsOut: null };

/** A bag's options as given -> complete, type-checked options. */
export function normaliseOptions(given) {
  const options = ownOptions(given);
  checkKnownKeys(options, OPTION_NAMES, 'option');
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
  checkSeed(o.seed);
  return o;
}

/** TypeError unless `seed` is undefined, a non-negative safe integer or a BigInt below 2^64. */
function checkSeed(seed) {
  if (seed === undefined) return;
  const ok = (typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0) ||
    (typeof seed === 'bigint' && seed >= 0n && seed < 2n ** 64n);
  if (!ok) throw new TypeError(`seed = ${show(seed)} must be a non-negative safe integer or a BigInt below 2^64`);
}

/** The 64-bit seed of the default init: options.seed (checked), or a random one. */
export function seedOf(o) {
  checkSeed(o.seed);
  if (o.seed !== undefined) return BigInt(o.seed);
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (BigInt(words[0]) << 32n) | BigInt(words[1]);
}
