// The lists of include/ebag/*.inc (modes, dtypes, status codes, argument
// names) as the loaded wasm module states them: its Embind `registry()` is
// read once when the module loads. No number is written twice; a new mode or
// row format in C++ appears here with its name and properties.

let current = null;

// Status code numbers by name (ok, indexOutOfRange, ...) and the index kinds
// of BagCore's staging (int32, int64), filled when the module loads; read
// them only after init().
export const Code = {};
export const IndexKind = {};

const lowerFirst = (name) => name[0].toLowerCase() + name.slice(1);

/** Reads the module's registry (init() calls it once the module is loaded). */
export function loadRegistry(module) {
  const r = JSON.parse(module.registry());
  // Every list ends in a null (or, for codes, an empty name): the C++ side
  // writes a comma after each entry.
  for (const list of [r.modes, r.dtypes, r.arguments, r.optimizers, r.hyperparameters]) list.pop();
  delete r.codes[''];
  delete r.indexKinds[''];
  Object.assign(IndexKind, r.indexKinds);
  const codes = Object.fromEntries(Object.entries(r.codes).map(([name, number]) => [lowerFirst(name), number]));
  Object.assign(Code, codes);
  current = Object.freeze({
    modes: new Map(r.modes.map((m) => [m.name, Object.freeze(m)])),
    dtypes: new Map(r.dtypes.map((d) => [d.name, Object.freeze(d)])),
    // states / options: space-separated C++ names; lr 0: no default.
    optimizers: new Map(r.optimizers.map((o) => [o.name, Object.freeze({
      ...o,
      states: Object.freeze(o.states.split(' ').filter(Boolean)),
      options: Object.freeze(o.options.split(' ').filter(Boolean)),
    })])),
    // In the order BagCore stages them: { name (the JavaScript option),
    // index (-1, or the element of a pair), field, default, rule }.
    hyperparameters: Object.freeze(r.hyperparameters.map((h) => Object.freeze(h))),
    // bindings/hot_calls.inc, as 'export:arity:address ...': { class, name
    // (the method, camelCase), export (the module's '_ebag_' + export),
    // arity (arguments after the object), address (read unsigned) }.
    hotCalls: Object.freeze(r.hotCalls.trim().split(' ').map((entry) => {
      const [exported, arity, address] = entry.split(':');
      const collection = exported.startsWith('collection_');
      return Object.freeze({
        class: collection ? 'CollectionCore' : 'BagCore',
        name: (collection ? exported.slice('collection_'.length) : exported).replace(/_([a-z])/g, (_, x) => x.toUpperCase()),
        export: `_ebag_${exported}`,
        arity: Number(arity),
        address: address === '1',
      });
    })),
    codeNames: new Map(Object.entries(codes).map(([name, number]) => [number, name])),
    arguments: Object.freeze(r.arguments),
    maxSize: r.maxSize,
    smallInputs: r.smallInputs,
  });
  return current;
}

function loaded() {
  if (current === null) throw new Error('embedding-bag-wasm is not initialised: call `await init()` first');
  return current;
}

/** The mode names, in the registry's order: ['sum', 'mean', 'max', 'sqrtn']. */
export const modeNames = () => [...loaded().modes.keys()];
/** A mode's entry { name, number, perSampleWeights, scaled, argmax }, or undefined. */
export const modeInfo = (name) => loaded().modes.get(name);
/** The dtype names, float32's ('fp32') first. */
export const dtypeNames = () => [...loaded().dtypes.keys()];
/** The quantized dtypes (every dtype but 'fp32'). */
export const quantizedDtypeNames = () => dtypeNames().filter((name) => name !== 'fp32');
/** A dtype's entry { name, number, codeBits, paramBytes, layout }, or undefined. */
export const dtypeInfo = (name) => loaded().dtypes.get(name);
/** The optimizer names, in the registry's order: ['sgd', 'adagrad', 'rowwise-adagrad', 'sparse-adam']. */
export const optimizerNames = () => [...loaded().optimizers.keys()];
/**
 * An optimizer's entry { name, number, fullStates, rowStates, states (state
 * names, full ones first), options (C++ names of its hyper-parameters), lr,
 * eps (defaults; lr 0: none) }, or undefined.
 */
export const optimizerInfo = (name) => loaded().optimizers.get(name);
/**
 * Every optimizer hyper-parameter, in the order the core stages them
 * (include/ebag/hyperparameters.inc): [{ name (the JavaScript option: lr,
 * lrDecay, eps, initialAccumulatorValue, betas), index (-1, or 0 / 1 within
 * betas), field (C++), default, rule (the interval in words) }].
 */
export const hyperparameters = () => loaded().hyperparameters;
/** The per-call plain exports of a core class ('BagCore' | 'CollectionCore'), from bindings/hot_calls.inc. */
export const hotCallsOf = (className) => loaded().hotCalls.filter((c) => c.class === className);
/** Every per-call plain export (bindings/hot_calls.inc). */
export const allHotCalls = () => loaded().hotCalls;
/** The name of a status code number (camelCase: 'indexOutOfRange'). */
export const codeName = (number) => loaded().codeNames.get(number);
/** An argument's C++ name (snake_case) by its number. */
export const argumentName = (number) => loaded().arguments[number] ?? '';

/** The largest N, D and element count: 2^31 - 1. */
export const maxSize = () => loaded().maxSize;
/** int32 a small forward's indices and offsets may fill in all (BagCore::kSmallInputs). */
export const smallInputs = () => loaded().smallInputs;

/** Bytes of one row of `dtype` with `dim` columns: ceil(dim * codeBits / 8) + paramBytes. */
export function rowBytes(dtype, dim) {
  const d = dtypeInfo(dtype);
  return Math.ceil((dim * d.codeBits) / 8) + d.paramBytes;
}

/** A row's layout in words, for messages. */
export const rowLayout = (dtype) => dtypeInfo(dtype).layout;

/** 'a', 'b' or 'c' */
export function listed(names) {
  const quoted = names.map((n) => `'${n}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
