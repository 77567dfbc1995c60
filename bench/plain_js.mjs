// The alternative a user would write by hand: a plain JavaScript
// EmbeddingBag forward (sum / mean / max over Float32Array rows).
export function plainEmbeddingBag(weight, dim, indices, offsets, mode) {
  const numBags = offsets.length;
  const out = new Float32Array(numBags * dim);
  for (let b = 0; b < numBags; b++) {
    const start = offsets[b];
    const end = b + 1 < numBags ? offsets[b + 1] : indices.length;
    const o = b * dim;
    if (mode === 'max') {
      if (end === start) continue;
      out.set(weight.subarray(indices[start] * dim, indices[start] * dim + dim), o);
      for (let i = start + 1; i < end; i++) {
        const r = indices[i] * dim;
        for (let d = 0; d < dim; d++) if (weight[r + d] > out[o + d]) out[o + d] = weight[r + d];
      }
      continue;
    }
    for (let i = start; i < end; i++) {
      const r = indices[i] * dim;
      for (let d = 0; d < dim; d++) out[o + d] += weight[r + d];
    }
    if (mode === 'mean' && end > start) for (let d = 0; d < dim; d++) out[o + d] /= end - start;
  }
  return out;
}
