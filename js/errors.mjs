// Turns a status of the C++ core (code, argument, position, value) into the
// JavaScript error a user should see: TypeError / RangeError / Error with a
// message naming the argument, the position and the value. Codes are
// matched by name (include/ebag/status_codes.inc, through registry.mjs).
import { codeName, hyperparameters, listed, maxSize, modeInfo, modeNames } from './registry.mjs';

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

export function show(value) {
  try {
    if (typeof value === 'string') return clip(JSON.stringify(value));
    if (typeof value === 'bigint') return clip(`${value}n`);
    if (Array.isArray(value)) return `array(${value.length})`;
    if (value === null) return 'null';
    // Never a function's source text.
    if (typeof value === 'function') return clip(`function ${String(value.name) || '(anonymous)'}`);
    if (typeof value === 'object') return clip(String(value.constructor?.name ?? 'object'));
    return clip(String(value));
  } catch {
    return typeof value;  // a revoked Proxy, a throwing getter
  }
}

// status: { code, argument (C++ name), position, value (decimal string) };
// context: { numEmbeddings, embeddingDim, mode, dtype, maxNorm, numIndices, rowLength (2-D),
//            offsets (the user's array), numBags, optimizer (parsed: { name, options }) }
export function statusError(status, context) {
  const arg = camelCase(status.argument);
  const name = codeName(status.code);
  const pos = status.position;
  const value = status.value;
  const n = context.numEmbeddings;
  // Name the element: indices[17], or input[b][l] for a 2-D input.
  const element = (name) => {
    if (name === 'indices' && context.rowLength !== undefined) {
      const l = context.rowLength;
      return `input[${Math.floor(pos / l)}][${pos % l}]`;
    }
    return `${name}[${pos}]`;
  };
  switch (name) {
    case 'badNumEmbeddings':
      return new RangeError(`numEmbeddings = ${value} must be an integer in [1, ${maxSize()}]`);
    case 'badEmbeddingDim':
      return new RangeError(`embeddingDim = ${value} must be an integer in [1, ${maxSize()}]`);
    case 'badPaddingIdx':
      return new RangeError(`paddingIdx = ${value} is out of range [${-n}, ${n})`);
    case 'badMaxNorm':
      return new RangeError(`maxNorm = ${show(context.maxNorm)} must be a number >= 0`);
    case 'badNormType':
      return new RangeError(`normType = ${show(context.normType)} must be a number > 0 (or Infinity)`);
    case 'perSampleWeightsNotSupported':
      return new RangeError(`perSampleWeights are not supported with mode '${context.mode}' ` +
        `(modes that take them: ${listed(modeNames().filter((m) => modeInfo(m).perSampleWeights))})`);
    case 'maxModeWithScaleGradByFreq':
      return new RangeError("scaleGradByFreq = true is not supported with mode 'max'");
    case 'maxModeWithSparse':
      return new RangeError("sparse = true is not supported with mode 'max'");
    case 'emptyOffsetsWithIncludeLastOffset':
      return new RangeError('offsets must have at least one entry with includeLastOffset = true');
    case 'firstOffsetNotZero':
      return new RangeError(`offsets[0] = ${value} must be 0`);
    case 'offsetsDecreasing': {
      const previous = context.offsets ? ` < offsets[${pos - 1}] = ${context.offsets[pos - 1]}` : '';
      return new RangeError(`offsets[${pos}] = ${value}${previous}: offsets must not decrease`);
    }
    case 'offsetPastEnd':
      return new RangeError(`offsets[${pos}] = ${value} is past the end of indices (length ${context.numIndices})`);
    case 'indexOutOfRange':
      return new RangeError(`${element('indices')} = ${value} is out of range [0, ${n})`);
    case 'lengthMismatch':
      if (arg === 'gradOutput') {
        return new RangeError(
          `gradOutput has length ${value}, expected ${context.numBags * context.embeddingDim} ` +
            `(numBags x embeddingDim = ${context.numBags} x ${context.embeddingDim})`,
        );
      }
      return new RangeError(`${arg} has length ${value}, expected ${context.numIndices} (one per index)`);
    case 'outOfMemory':
      return new RangeError(`${arg || 'the call'} needs ${value} bytes, more than the wasm memory can grow to`);
    case 'tooLarge':
      if (arg === 'output') {
        const d = context.embeddingDim;
        return new RangeError(`the output has ${value} floats (numBags x embeddingDim = ${Number(value) / d} x ${d}), ` +
          'more than wasm32 memory can address (4 GiB)');
      }
      return new RangeError(`${arg || 'a size'} = ${value} is larger than ${maxSize()} elements`);
    case 'badOptimizerOption': {
      const { name: optimizer, options } = context.optimizer;
      const given = options[arg];
      return new RangeError(`optimizer.${arg} = ${Array.isArray(given) ? `[${given.join(', ')}]` : show(given)} ` +
        `must be ${hyperparameters().find((h) => h.name === arg)?.rule ?? 'in range'} (optimizer '${optimizer}')`);
    }
    case 'quantizedTable':
      return new RangeError(
        `${arg} = ${show(context.maxNorm)} cannot be used with a quantized table (${context.dtype}): ` +
          'renormalising rewrites rows in place, which needs float32 rows (pass maxNorm: null)',
      );
    case 'tableMismatch':
      return new RangeError(`the two tables differ in numEmbeddings x embeddingDim (${n} x ${context.embeddingDim} here)`);
    case 'negativeSize':
      return new RangeError(`${arg} has a negative size ${value}`);
    default:
      return new Error(`embedding-bag-wasm: internal error ${status.code} (${arg} ${value} at ${pos})`);
  }
}
