// Turns a status of the C++ core (code, argument, position, value) into the
// JavaScript error a user should see: TypeError / RangeError / Error with a
// message naming the argument, the position and the value.

// Mirrors ebag::ErrorCode in src/embedding_bag.h.
export const Code = Object.freeze({
  ok: 0,
  badNumEmbeddings: 1,
  badEmbeddingDim: 2,
  badMode: 3,
  badPaddingIdx: 4,
  badMaxNorm: 5,
  badNormType: 6,
  perSampleWeightsNeedSumMode: 7,
  maxModeWithScaleGradByFreq: 8,
  maxModeWithSparse: 9,
  shapeMismatch: 10,
  negativeSize: 11,
  tooLarge: 12,
  emptyOffsetsWithIncludeLastOffset: 13,
  firstOffsetNotZero: 14,
  offsetsDecreasing: 15,
  offsetPastEnd: 16,
  indexOutOfRange: 17,
  lengthMismatch: 18,
  badArgmax: 19,
  missingBuffer: 20,
  outOfMemory: 21,
  badRowFormat: 22,
  notQuantizable: 23,
  quantizedTable: 24,
});

// The C++ argument names are snake_case; the JavaScript API's are camelCase.
export function camelCase(name) {
  return name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

// How a value reads in a message: strings quoted, the rest as String() does.
export function show(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor ? value.constructor.name : 'object';
  return String(value);
}

// status: { code, argument (C++ name), position, value (decimal string) };
// context: { numEmbeddings, embeddingDim, mode, dtype, maxNorm, numIndices, rowLength (2-D),
//            offsets (the user's array), numBags }
export function statusError(status, context) {
  const arg = camelCase(status.argument);
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
  switch (status.code) {
    case Code.badNumEmbeddings:
      return new RangeError(`numEmbeddings = ${value} must be an integer in [1, 2147483647]`);
    case Code.badEmbeddingDim:
      return new RangeError(`embeddingDim = ${value} must be an integer in [1, 2147483647]`);
    case Code.badPaddingIdx:
      return new RangeError(`paddingIdx = ${value} is out of range [${-n}, ${n})`);
    case Code.badMaxNorm:
      return new RangeError(`maxNorm = ${show(context.maxNorm)} must be a number >= 0`);
    case Code.badNormType:
      return new RangeError(`normType = ${show(context.normType)} must be a number > 0 (or Infinity)`);
    case Code.perSampleWeightsNeedSumMode:
      return new RangeError(`perSampleWeights are only supported with mode 'sum' (mode is '${context.mode}')`);
    case Code.maxModeWithScaleGradByFreq:
      return new RangeError("scaleGradByFreq = true is not supported with mode 'max'");
    case Code.maxModeWithSparse:
      return new RangeError("sparse = true is not supported with mode 'max'");
    case Code.emptyOffsetsWithIncludeLastOffset:
      return new RangeError('offsets must have at least one entry with includeLastOffset = true');
    case Code.firstOffsetNotZero:
      return new RangeError(`offsets[0] = ${value} must be 0`);
    case Code.offsetsDecreasing: {
      const previous = context.offsets ? ` < offsets[${pos - 1}] = ${context.offsets[pos - 1]}` : '';
      return new RangeError(`offsets[${pos}] = ${value}${previous}: offsets must not decrease`);
    }
    case Code.offsetPastEnd:
      return new RangeError(`offsets[${pos}] = ${value} is past the end of indices (length ${context.numIndices})`);
    case Code.indexOutOfRange:
      return new RangeError(`${element('indices')} = ${value} is out of range [0, ${n})`);
    case Code.lengthMismatch:
      if (arg === 'gradOutput') {
        return new RangeError(
          `gradOutput has length ${value}, expected ${context.numBags * context.embeddingDim} ` +
            `(numBags x embeddingDim = ${context.numBags} x ${context.embeddingDim})`,
        );
      }
      return new RangeError(`${arg} has length ${value}, expected ${context.numIndices} (one per index)`);
    case Code.outOfMemory:
      return new RangeError(`${arg || 'the call'} needs ${value} bytes, more than the wasm memory can grow to`);
    case Code.tooLarge:
      return new RangeError(`${arg || 'a size'} = ${value} is larger than 2147483647 elements`);
    case Code.quantizedTable:
      return new RangeError(
        `${arg} = ${show(context.maxNorm)} cannot be used with a quantized table (${context.dtype}): ` +
          'renormalising rewrites rows in place, which needs float32 rows (pass maxNorm: null)',
      );
    case Code.negativeSize:
      return new RangeError(`${arg} has a negative size ${value}`);
    default:
      return new Error(`embedding-bag-wasm: internal error ${status.code} (${arg} ${value} at ${pos})`);
  }
}
