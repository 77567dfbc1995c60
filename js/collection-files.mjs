// An EmbeddingBagCollection's safetensors files, under TorchRec's state_dict
// names ('embedding_bags.<table>.weight'): every table read from one file
// (fromSafetensors), and every table written into one (toSafetensors).
import { readConfigs, stateDictName } from './collection-input.mjs';
import { EmbeddingBag } from './embedding-bag.mjs';
import { show } from './errors.mjs';
import { writeSafetensors } from './formats.mjs';
import { currentPlatform } from './module.mjs';
import { ownOptions } from './options.mjs';
import { checkSignal, rereadable } from './sources.mjs';
import { collectionTensorNames, readStateDict } from './torch/load.mjs';
import { tableTensor, writeTorch } from './torch/writer.mjs';

/**
 * The tables of `configs` read from `source` (format 'safetensors', or
 * 'torch': a torch.save file, table t the tensor named
 * 'embedding_bags.<t>.weight' under any prefix), then make(configs with
 * their sizes, the collection options, bags) builds the collection. A
 * Response or ReadableStream with several tables (any .pt one) is read
 * once, whole, first. A failure frees every table read.
 */
export async function loadCollection(source, tables, options, make, format = 'safetensors') {
  const o = ownOptions(options, 'collection options');
  const { onProgress, signal, ...rest } = o;
  const configs = readConfigs(tables, rest.isWeighted ?? false);
  checkSignal(signal);
  let names = configs.map((config) => stateDictName(config.name));
  let load = (from, tableOptions) => EmbeddingBag.fromSafetensors(from, { ...tableOptions, onProgress, signal });
  if (format === 'torch') {
    // Read by ranges (bytes, a Blob, a path: each table's record alone), or
    // a Response or stream read once, whole.
    source = await rereadable(source, currentPlatform(), 'a .pt file', signal);
    names = collectionTensorNames((await readStateDict(source, { signal })).map((t) => t.name), configs.map((config) => config.name));
    load = (from, tableOptions) => EmbeddingBag.fromTorch(from, { ...tableOptions, onProgress, signal });
  } else if (configs.length > 1) {
    source = await rereadable(source, currentPlatform(), 'safetensors', signal);
  }
  const bags = [];
  try {
    for (const [t, config] of configs.entries()) {
      const { name, pooling, dtype, paddingIdx, maxNorm, normType, scaleGradByFreq } = config;
      const float = dtype === undefined || dtype === 'fp32';
      const bag = await load(source, {
        // Every option said: the options a file records for a bag never
        // apply to a table of a collection (its config says them).
        tensor: names[t], mode: pooling, dtype, paddingIdx: paddingIdx ?? null, maxNorm: maxNorm ?? null, normType,
        scaleGradByFreq: scaleGradByFreq ?? false, includeLastOffset: false,
        sparse: float ? (rest.sparse ?? false) : undefined,
      });
      bags.push(bag);
      for (const key of ['numEmbeddings', 'embeddingDim']) {
        if (config[key] !== undefined && config[key] !== bag[key]) {
          throw new RangeError(`table ${show(name)}: ${key} = ${config[key]} in its config, ${bag[key]} in the file`);
        }
      }
    }
    const withSizes = configs.map((config, t) => ({ ...config, numEmbeddings: bags[t].numEmbeddings, embeddingDim: bags[t].embeddingDim }));
    return make(withSizes, rest, bags);
  } catch (error) {
    for (const bag of bags) bag.dispose();
    throw error;
  }
}

/** The tables ([{ name, bag }]) as one torch.save file under TorchRec's state_dict names (any dtype). */
export function collectionToTorch(tables) {
  return writeTorch(tables.map(({ name, bag }) => tableTensor(stateDictName(name), bag)));
}

/** The tables ([{ name, bag }]) as one safetensors file (F32, or fp16 as F16). */
export function collectionToSafetensors(tables) {
  const tensors = Object.create(null);
  for (const { name, bag } of tables) {
    if (bag.dtype !== 'fp32' && bag.dtype !== 'fp16') {
      throw new TypeError(`table ${show(name)} is ${bag.dtype}: a collection's file holds F32 / F16 tables; ` +
        `save its rows with collection.table(${show(name)}).toSafetensors()`);
    }
    tensors[stateDictName(name)] = bag.dtype === 'fp32'
      ? { data: bag.weight, shape: [bag.numEmbeddings, bag.embeddingDim] }
      : { dtype: 'F16', data: bag.quantizedWeight, shape: [bag.numEmbeddings, bag.embeddingDim] };
  }
  return writeSafetensors(tensors);
}
