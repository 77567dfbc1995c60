// The functional form, like torch.nn.functional.embedding_bag.
import { EmbeddingBag } from './embedding-bag.mjs';
import { tableArgument } from './inputs.mjs';
import { ownOptions } from './options.mjs';

/**
 * With maxNorm the rows of weight.data are renormalised in place, as in
 * PyTorch. options: mode (default 'mean'), maxNorm, normType, paddingIdx,
 * includeLastOffset, perSampleWeights
 */
export function embeddingBag(weight, input, offsets = null, options = {}) {
  const table = tableArgument(weight, 'weight');
  const { perSampleWeights = null, ...bagOptions } = ownOptions(options);
  for (const key of ['weight', 'seed', 'sparse', 'scaleGradByFreq']) {
    if (key in bagOptions) throw new TypeError(`embeddingBag() takes no option '${key}'`);
  }
  const bag = new EmbeddingBag(table.numEmbeddings, table.embeddingDim, { ...bagOptions, weight: table.data });
  try {
    const out = bag.forward(input, offsets, perSampleWeights);
    if (bagOptions.maxNorm != null) {
      // max_norm renormalises the caller's table in place, as F.embedding_bag does.
      const renormed = bag.weight;
      if (ArrayBuffer.isView(weight.data)) weight.data.set(renormed);
      else for (let i = 0; i < renormed.length; i++) weight.data[i] = renormed[i];
    }
    return out;
  } finally {
    bag.dispose();
  }
}
