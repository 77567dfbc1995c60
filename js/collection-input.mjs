// What an EmbeddingBagCollection reads from its caller: the table configs
// (checked, each table made as a bag), and a KeyedJaggedTensor (TorchRec's
// layout: key-major values, keys x B lengths or keys x B + 1 offsets, per-id
// weights), each caller value read once.
import { EmbeddingBag } from './embedding-bag.mjs';
import { isArray, reworded, show } from './errors.mjs';
import { floatArray, integerArray, readList } from './inputs.mjs';
import { checkKnownKeys, checkOptionsObject, ownOptions } from './options.mjs';
import { IndexKind, listed, modeInfo, modeNames } from './registry.mjs';

const TABLE_KEYS = ['name', 'numEmbeddings', 'embeddingDim', 'featureNames', 'pooling', 'dtype', 'weight',
  'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq'];
export const COLLECTION_KEYS = ['seed', 'sparse', 'isWeighted', 'optimizer'];
const KJT_KEYS = ['keys', 'values', 'lengths', 'offsets', 'weights'];

/** TorchRec's state_dict name of a table's weight. */
export const stateDictName = (table) => `embedding_bags.${table}.weight`;

/**
 * The table configs, checked: names and feature names unique, at least one
 * feature each, a pooling the registry knows. Returns plain null-prototype
 * copies with featureNames copied and pooling filled in.
 */
export function readConfigs(configs, isWeighted) {
  if (!isArray(configs, 'tables') || configs.length === 0) {
    throw new TypeError(`tables must be a non-empty array of table configs, not ${show(configs)}`);
  }
  const names = new Set();
  const features = new Map();
  return readList(configs, 'tables').map((given, t) => {
    const config = ownOptions(given, `tables[${t}]`);
    checkKnownKeys(config, TABLE_KEYS, `tables[${t}] key`);
    const { name, featureNames } = config;
    if (typeof name !== 'string' || name === '') throw new TypeError(`tables[${t}].name = ${show(name)} must be a non-empty string`);
    if (names.has(name)) throw new TypeError(`tables[${t}].name = ${show(name)}: two tables have this name`);
    names.add(name);
    if (!isArray(featureNames, `tables[${t}].featureNames`) || featureNames.length === 0) {
      throw new TypeError(`tables[${t}].featureNames = ${show(featureNames)} must be a non-empty array of strings`);
    }
    const own = readList(featureNames, `tables[${t}].featureNames`);
    own.forEach((feature, f) => {
      if (typeof feature !== 'string' || feature === '') {
        throw new TypeError(`tables[${t}].featureNames[${f}] = ${show(feature)} must be a non-empty string`);
      }
      if (features.has(feature)) {
        throw new TypeError(`feature ${show(feature)} is in two tables (${show(features.get(feature))} and ${show(name)}): a feature belongs to one table`);
      }
      features.set(feature, name);
    });
    const pooling = config.pooling ?? 'sum';
    if (typeof pooling !== 'string' || modeInfo(pooling) === undefined) {
      throw new (typeof pooling === 'string' ? RangeError : TypeError)(`tables[${t}].pooling = ${show(pooling)} must be ${listed(modeNames())}`);
    }
    if (isWeighted && !modeInfo(pooling).perSampleWeights) {
      const weighted = modeNames().filter((m) => modeInfo(m).perSampleWeights);
      throw new TypeError(`tables[${t}] (${show(name)}) pools by ${pooling}, which takes no per-id weights: isWeighted needs ${listed(weighted)}`);
    }
    return Object.assign(config, { featureNames: own, pooling });
  });
}

/**
 * Table t's bag, made from its config (fp32, or quantized for inference);
 * seed: the collection's, or undefined. Its errors name the table.
 */
export function makeTable(config, t, seed, sparse) {
  try {
    return makeBag(config, t, seed, sparse);
  } catch (error) {
    throw namingTable(error, `tables[${t}] (${show(config.name)})`);
  }
}

// The package's `error` (a TypeError or RangeError) with its message
// prefixed by the table it concerns; anything else (a caller's getter
// throwing its own error) as it is.
function namingTable(error, table) {
  if (!(error instanceof TypeError || error instanceof RangeError) || error.message.startsWith('tables[')) return error;
  return reworded(error, `${table}: ${error.message}`);
}

function makeBag(config, t, seed, sparse) {
  const { numEmbeddings, embeddingDim, pooling, dtype = 'fp32', weight, paddingIdx, maxNorm, normType, scaleGradByFreq } = config;
  const tableSeed = seed === undefined ? undefined : seed + BigInt(t);
  if (dtype === 'fp32') {
    return new EmbeddingBag(numEmbeddings, embeddingDim,
      { mode: pooling, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse, weight, seed: tableSeed });
  }
  if (sparse) throw new TypeError(`${show(dtype)} is quantized, inference only: sparse gradients need fp32 tables`);
  const source = weight !== undefined
    ? { data: weight, shape: [numEmbeddings, embeddingDim] }
    : new EmbeddingBag(numEmbeddings, embeddingDim, { seed: tableSeed });
  try {
    // The options a quantized bag refuses (maxNorm, scaleGradByFreq) are
    // passed on to be refused as a bag refuses them.
    return EmbeddingBag.quantize(source, { dtype, mode: pooling, paddingIdx, maxNorm, normType, scaleGradByFreq });
  } finally {
    if (source instanceof EmbeddingBag) source.dispose();
  }
}

// lengths / offsets as int32 (TorchRec's are often int64: values that fit are taken).
function int32Bounds(value, name, pinned) {
  const given = integerArray(value, name, pinned);
  if (given.kind === IndexKind.int32) return given.array;
  const out = new Int32Array(given.length);
  for (let i = 0; i < given.length; i++) {
    const v = given.array[i];
    if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new RangeError(`${name}[${i}] = ${v} does not fit in int32`);
    out[i] = Number(v);
  }
  return out;
}

/**
 * A KeyedJaggedTensor read once: { keys (feature indices), values
 * ({ kind, length, array }), bounds (Int32Array), hasLengths, batch,
 * weights (Float32Array | null) }, checked against the collection's
 * features (every feature once) and isWeighted. `pinned` collects the
 * caller's typed arrays (snapshot.mjs).
 */
export function readKjt(kjt, features, featureIndex, tableName, isWeighted, pinned) {
  const given = ownOptions(checkOptionsObject(kjt, 'the KeyedJaggedTensor'), 'the KeyedJaggedTensor');
  checkKnownKeys(given, KJT_KEYS, 'KeyedJaggedTensor key');
  const keys = callKeys(given.keys, features, featureIndex, tableName);
  const values = integerArray(given.values, 'values', pinned);
  const hasLengths = given.lengths != null;
  if (hasLengths === (given.offsets != null)) throw new TypeError('the KeyedJaggedTensor needs lengths or offsets (one of them)');
  const boundsName = hasLengths ? 'lengths' : 'offsets';
  const bounds = int32Bounds(hasLengths ? given.lengths : given.offsets, boundsName, pinned);
  const bags = bounds.length - (hasLengths ? 0 : 1);
  if (bags < 0 || bags % keys.length !== 0) {
    throw new RangeError(`${boundsName} has ${bounds.length} entries for ${keys.length} keys: ` +
      (hasLengths ? 'expected keys x B (one length per key and sample)' : 'expected keys x B + 1'));
  }
  let weights = null;
  if (given.weights != null) {
    if (!isWeighted) throw new TypeError('weights given, but the collection was made without isWeighted');
    weights = floatArray(given.weights, 'weights', pinned);
    if (weights.length !== values.length) throw new RangeError(`weights has ${weights.length} entries, expected ${values.length} (one per id)`);
  } else if (isWeighted) {
    throw new TypeError('the collection isWeighted: the KeyedJaggedTensor needs weights (one per id)');
  }
  return { keys, values, bounds, hasLengths, batch: bags / keys.length, weights };
}

// The call's keys -> feature indices: known, once each, every feature there.
function callKeys(given, features, featureIndex, tableName) {
  if (!isArray(given, 'keys')) throw new TypeError(`keys must be an array of feature names, not ${show(given)}`);
  const keys = readList(given, 'keys');
  const seen = new Set();
  const out = keys.map((key, k) => {
    if (typeof key !== 'string') throw new TypeError(`keys[${k}] = ${show(key)} must be a feature name (a string)`);
    const f = featureIndex.get(key);
    if (f === undefined) throw new RangeError(`keys[${k}] = ${show(key)} is not a feature of any table (features: ${features.map((x) => x.name).join(', ')})`);
    if (seen.has(key)) throw new RangeError(`keys[${k}] = ${show(key)} is given twice`);
    seen.add(key);
    return f;
  });
  const missing = features.find((f) => !seen.has(f.name));
  if (missing) throw new RangeError(`the KeyedJaggedTensor lacks feature ${show(missing.name)} (table ${show(tableName(missing.table))})`);
  return out;
}
