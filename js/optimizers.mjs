// The optimizer option of training (EmbeddingBag.step): what users pass as
// { name, lr, ... } becomes a complete, type-checked set of hyper-parameters
// in the core's order. The names, the state arrays and the defaults come
// from the registry (include/ebag/optimizers.inc); the value checks (lr > 0,
// betas in [0, 1), ...) are the core's (ebag::validate_optimizer; errors.mjs
// words its errors).
import { camelCase, show } from './errors.mjs';
import { unknownKeyError } from './options.mjs';
import { listed, optimizerInfo, optimizerNames } from './registry.mjs';

// The defaults PyTorch's optimizers share (lr and eps are per optimizer).
const COMMON_DEFAULTS = Object.freeze({ lrDecay: 0, initialAccumulatorValue: 0, betas: Object.freeze([0.9, 0.999]) });

/**
 * An optimizer option as given (a name, or { name, ...hyper-parameters })
 * -> { name, number, options } with every
 * hyper-parameter the optimizer reads (camelCase, defaults filled in,
 * frozen). Unknown names and keys, and values of the wrong type, are
 * TypeErrors; values out of range are the core's (see optimizerError).
 */
export function parseOptimizer(given, what = 'optimizer') {
  if (typeof given === 'string') given = { name: given };
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${what} must be an optimizer name or an object { name, lr, ... }, not ${show(given)}`);
  }
  const options = Object.assign(Object.create(null), given);
  const { name } = options;
  if (typeof name !== 'string' || optimizerInfo(name) === undefined) {
    throw new (typeof name === 'string' ? RangeError : TypeError)(
      `${what}.name = ${show(name)} must be ${listed(optimizerNames())}`);
  }
  const info = optimizerInfo(name);
  const known = info.options.map(camelCase);
  for (const key of Object.keys(options)) {
    if (key !== 'name' && !known.includes(key)) throw unknownKeyError(key, known, `${what} option`, `'${name}' takes`);
  }
  const defaults = { ...COMMON_DEFAULTS, lr: info.lr === 0 ? undefined : info.lr, eps: info.eps };
  const parsed = {};
  for (const key of known) {
    const value = options[key] === undefined ? defaults[key] : options[key];
    if (value === undefined) throw new TypeError(`${what}.${key} is required for '${name}' (as in PyTorch, it has no default)`);
    if (key === 'betas') {
      if (!((Array.isArray(value) || ArrayBuffer.isView(value)) && value.length === 2 &&
        typeof value[0] === 'number' && typeof value[1] === 'number')) {
        throw new TypeError(`${what}.betas = ${show(value)} must be [beta1, beta2], two numbers`);
      }
      parsed.betas = Object.freeze([value[0], value[1]]);
    } else {
      if (typeof value !== 'number') throw new TypeError(`${what}.${key} = ${show(value)} must be a number`);
      parsed[key] = value;
    }
  }
  return { name, number: info.number, options: Object.freeze(parsed) };
}

/** The core's arguments of BagCore.setOptimizer for a parsed optimizer. */
export function coreArguments({ number, options: o }) {
  return [number, o.lr, o.lrDecay ?? 0, o.eps ?? 0, o.initialAccumulatorValue ?? 0, o.betas?.[0] ?? 0.9, o.betas?.[1] ?? 0.999];
}

/** The optimizer's state arrays: [{ name (PyTorch's / FBGEMM's), rowwise }], full ones first. */
export function stateArrays(name) {
  const info = optimizerInfo(name);
  return info.states.map((state, k) => ({ name: state, rowwise: k >= info.fullStates }));
}

/**
 * The optimizer `name`'s state arrays in a bag's core (its handle), named as
 * stateArrays() names them: copies, or (copy false) views of wasm memory.
 */
export function stateOf(handle, name, numEmbeddings, embeddingDim, copy) {
  const core = handle.live();
  const result = {};
  stateArrays(name).forEach(({ name: state, rowwise }, k) => {
    result[state] = handle.result(core.optimizerStatePtr(k), rowwise ? numEmbeddings : numEmbeddings * embeddingDim, 'f32', copy);
  });
  return result;
}

/** What the optimizer getters return: { name, options (a copy), step }. */
export function describeOptimizer({ name, options }, step) {
  return { name, options: { ...options, ...(options.betas ? { betas: [...options.betas] } : {}) }, step };
}
