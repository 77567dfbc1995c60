// Turns a status of the C++ core (code, argument, position, value) into the
// JavaScript error a user should see: TypeError / RangeError / Error with a
// message naming the argument, the position and the value. The class and
// the words are the code's in include/ebag/status_codes.inc; this file only
// fills in the values.
import { codeName, hyperparameters, listed, maxSize, modeInfo, modeNames } from './registry.mjs';
import { STATUS_MESSAGES } from './status-messages.mjs';

// The C++ argument names are snake_case; the JavaScript API's are camelCase.
export function camelCase(name) {
  return name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

// How a value reads in a message: strings quoted, the rest as String() does.
// Briefly: at most this many characters of any one value.
const MAX_SHOWN = 64;

function clip(text) {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** `error` given more context: a new error of its class and name with `message`. */
export function reworded(error, message) {
  const more = new error.constructor(message);
  more.name = error.name;
  return more;
}

/**
 * Array.isArray of a caller's value, except that a revoked Proxy (on which
 * every operation throws) is a TypeError naming the argument.
 */
export function isArray(value, name = 'an argument') {
  try {
    return Array.isArray(value);
  } catch {
    throw new TypeError(`${name} is a revoked Proxy: pass a live value`);
  }
}

const TYPED_ARRAY_NAME = /^(Big)?(Int|Uint|Float)\d+(Clamped)?Array$/;

export function show(value) {
  try {
    if (typeof value === 'string') return clip(JSON.stringify(value));
    if (typeof value === 'bigint') return clip(`${value}n`);
    if (Array.isArray(value)) return `array(${value.length})`;
    if (value === null) return 'null';
    // Never a function's source text.
    if (typeof value === 'function') return clip(`function ${String(value.name) || '(anonymous)'}`);
    if (typeof value === 'object') {
      const name = String(value.constructor?.name ?? 'object');
      // A Proxy of a typed array (or an object dressed as one) is not one.
      if (TYPED_ARRAY_NAME.test(name) && !ArrayBuffer.isView(value)) return clip(`a ${name} look-alike (not a typed array)`);
      return clip(name);
    }
    return clip(String(value));
  } catch {
    return typeof value;  // a revoked Proxy, a throwing getter
  }
}

// The value a template's {placeholder} stands for (include/ebag/status_codes.inc).
// status: { code, argument (C++ name), position, value (decimal string) };
// context: what the call knows: { numEmbeddings, embeddingDim, mode, dtype,
// maxNorm, normType, numIndices, rowLength (2-D input), offsets (the
// caller's), numBags, optimizer (parsed: { name, options }), and for a
// collection: where(status) (the key, sample, table of a position),
// indexName, boundsName, table (its name, shown) }.
export const PLACEHOLDERS = Object.freeze({
  arg: (s) => camelCase(s.argument),
  element: (s, c) => {
    // Name the element: indices[17], or input[b][l] for a 2-D input.
    if (s.argument === 'indices' && c.rowLength !== undefined) {
      return `input[${Math.floor(s.position / c.rowLength)}][${s.position % c.rowLength}]`;
    }
    return `${camelCase(s.argument)}[${s.position}]`;
  },
  value: (s) => s.value,
  position: (s) => s.position,
  n: (s, c) => c.numEmbeddings,
  minusN: (s, c) => -c.numEmbeddings,
  d: (s, c) => c.embeddingDim,
  maxSize: () => maxSize(),
  maxNorm: (s, c) => show(c.maxNorm),
  normType: (s, c) => show(c.normType),
  mode: (s, c) => c.mode,
  dtype: (s, c) => c.dtype,
  weightedModes: () => listed(modeNames().filter((m) => modeInfo(m).perSampleWeights)),
  previousOffset: (s, c) => (c.offsets ? ` < offsets[${s.position - 1}] = ${c.offsets[s.position - 1]}` : ''),
  where: (s, c) => (c.where ? c.where(s) : ''),
  indexName: (s, c) => c.indexName ?? 'indices',
  numIndices: (s, c) => c.numIndices,
  numBags: (s, c) => c.numBags,
  gradLength: (s, c) => c.numBags * c.embeddingDim,
  rowsOfValue: (s, c) => Number(s.value) / c.embeddingDim,
  boundsName: (s, c) => c.boundsName,
  table: (s, c) => c.table,
  optimizer: (s, c) => c.optimizer.name,
  optimizerValue: (s, c) => {
    const given = c.optimizer.options[camelCase(s.argument)];
    return Array.isArray(given) ? `[${given.join(', ')}]` : show(given);
  },
  rule: (s) => hyperparameters().find((h) => h.name === camelCase(s.argument))?.rule ?? 'in range',
});

// The alternative of a template for the status's (C++) argument: one that
// starts with "argument: ", else the last.
function pickTemplate(template, argument) {
  const alternatives = template.split(' | ');
  const named = alternatives.find((t) => t.startsWith(`${argument}: `));
  return named === undefined ? alternatives.at(-1) : named.slice(argument.length + 2);
}

/**
 * The error users see for a status of the core: the class and message
 * template its code has in include/ebag/status_codes.inc (through
 * js/status-messages.mjs), filled in from the status and `context` (see
 * PLACEHOLDERS). A code with no template is one the wrapper's own checks
 * make unreachable: an Error that says so.
 */
export function statusError(status, context) {
  const entry = STATUS_MESSAGES[codeName(status.code)];
  const template = entry === undefined || entry.template === '' ? null : pickTemplate(entry.template, status.argument);
  if (template === null) {
    return new Error(`embedding-bag-wasm: internal error ${status.code} (${camelCase(status.argument)} ${status.value} at ${status.position})`);
  }
  return new entry.errorClass(template.replace(/\{(\w+)(?:\|([^}]*))?\}/g, (_, key, fallback) => {
    const value = PLACEHOLDERS[key](status, context);
    return value === '' || value === undefined ? fallback ?? '' : String(value);
  }));
}
