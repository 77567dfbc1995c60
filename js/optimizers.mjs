// The optimizer option of training (EmbeddingBag.step): what users pass as
// a name or { name, lr, ... } becomes a complete, type-checked set of
// hyper-parameters, staged in the core's order. The names, the state arrays,
// the hyper-parameters with their defaults and the words of their intervals
// come from the registry (include/ebag/optimizers.inc,
// hyperparameters.inc); the value checks (lr > 0, betas in [0, 1), ...) are
// the core's (ebag::validate_optimizer; errors.mjs words its errors).
import { camelCase, isArray, show } from './errors.mjs';
import { heap } from './module.mjs';
import { unknownKeyError } from './options.mjs';
import { hyperparameters, listed, optimizerInfo, optimizerNames } from './registry.mjs';

// The default of a JavaScript option of optimizer `info`: its own lr and eps
// (optimizers.inc; lr 0: none, as PyTorch's SGD), else hyperparameters.inc's
// (a pair's elements for betas).
function defaultOf(info, key) {
  if (key === 'lr') return info.lr === 0 ? undefined : info.lr;
  if (key === 'eps') return info.eps;
  const entries = hyperparameters().filter((h) => h.name === key);
  return entries[0].index < 0 ? entries[0].default : Object.freeze(entries.map((h) => h.default));
}

/**
 * An optimizer option as given (a name, or { name, ...hyper-parameters })
 * -> { name, number, options } with every
 * hyper-parameter the optimizer reads (camelCase, defaults filled in,
 * frozen). Unknown names and keys, and values of the wrong type, are
 * TypeErrors; values out of range are the core's (see optimizerError).
 */
export function parseOptimizer(given, what = 'optimizer') {
  if (typeof given === 'string') given = { name: given };
  if (given === null || typeof given !== 'object' || isArray(given, what)) {
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
  const parsed = {};
  for (const key of known) {
    const value = options[key] === undefined ? defaultOf(info, key) : options[key];
    if (value === undefined) throw new TypeError(`${what}.${key} is required for '${name}' (as in PyTorch, it has no default)`);
    if (key === 'betas') {
      if (!((isArray(value, `${what}.betas`) || ArrayBuffer.isView(value)) && value.length === 2 &&
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

/**
 * An optimizer option read once, as a plain frozen { name, ...options }
 * every table of a collection can be given (its getters never run again):
 * null stays null.
 */
export function readOptimizerOnce(given) {
  if (given === null) return null;
  const { name, options } = parseOptimizer(given);
  return Object.freeze({ name, ...options });
}

/**
 * Sets a parsed optimizer on a BagCore: its hyper-parameters staged in the
 * registry's order (one the optimizer does not read at its default), then
 * setOptimizer(number). Returns the core's status code.
 */
export function setOnCore(core, { number, options }) {
  const list = hyperparameters();
  const ptr = core.stageHyperparameters();
  const staged = new Float64Array(heap(ptr + list.length * 8).buffer, ptr, list.length);
  list.forEach(({ name, index, default: fallback }, k) => {
    const value = options[name];
    staged[k] = value === undefined ? fallback : index < 0 ? value : value[index];
  });
  return core.setOptimizer(number);
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
