// One EmbeddingBagCollection golden case (collection_golden.json, from
// PyTorch: one F.embedding_bag per (feature, table), concatenated) through
// the package's public API, in any runtime: Node (tests/node/golden.test.mjs)
// and browser pages (tests/browser/golden.test.mjs) import this file. The
// output, then (fp32 tables) each table's gradient, dense and sparse, and the
// per-id weights' gradient. Returns the mismatches (empty when it holds).
import { compare } from './check_case.mjs';

export function checkCollectionCase(EmbeddingBagCollection, c) {
  const failures = [];
  const configs = c.tables.map((t) => ({
    name: t.name, numEmbeddings: t.num_embeddings, embeddingDim: t.embedding_dim, featureNames: t.feature_names,
    pooling: t.pooling, paddingIdx: t.padding_idx, weight: Float32Array.from(t.weight), dtype: c.fp16 ? 'fp16' : 'fp32',
  }));
  const kjt = { keys: c.keys, values: Int32Array.from(c.values), lengths: Int32Array.from(c.lengths) };
  if (c.is_weighted) kjt.weights = Float32Array.from(c.weights);
  // Sparse gradients: not with max pooling (as EmbeddingBag), not for fp16 (inference).
  const sparseToo = !c.fp16 && !c.tables.some((t) => t.pooling === 'max');
  for (const sparse of sparseToo ? [false, true] : [false]) {
    const ebc = new EmbeddingBagCollection(configs, { sparse, isWeighted: c.is_weighted });
    try {
      const out = ebc.forward(kjt);
      if (out.shape[0] !== c.shape[0] || out.shape[1] !== c.shape[1]) failures.push(`shape [${out.shape}], expected [${c.shape}]`);
      compare(failures, out.values, c.output, `${c.name}: output`);
      if (c.fp16) continue;
      const g = ebc.backward(Float32Array.from(c.grad_output));
      for (const t of c.tables) {
        let dense = g.weight[t.name];
        if (sparse) {
          dense = new Float32Array(t.num_embeddings * t.embedding_dim);
          const { indices, values } = g.weight[t.name];
          indices.forEach((row, k) => dense.set(values.subarray(k * t.embedding_dim, (k + 1) * t.embedding_dim), row * t.embedding_dim));
        }
        compare(failures, dense, c.grad_weight[t.name], `${c.name}: ${sparse ? 'sparse' : 'dense'} gradient of ${t.name}`);
      }
      if (c.is_weighted) compare(failures, g.perSampleWeights, c.grad_weights, `${c.name}: per-id weights' gradient`);
    } finally {
      ebc.dispose();
    }
  }
  return failures;
}
