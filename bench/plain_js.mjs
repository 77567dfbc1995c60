// The alternative a user would write by hand: a plain JavaScript
// EmbeddingBag forward over Float32Array rows, one small function per mode
// (so each stays monomorphic and V8 optimises it well: a fair baseline).
function bagEnd(offsets, indices, b) {
  return b + 1 < offsets.length ? offsets[b + 1] : indices.length;
}

function sumInto(out, o, weight, dim, indices, start, end) {
  for (let i = start; i < end; i++) {
    const r = indices[i] * dim;
    for (let d = 0; d < dim; d++) out[o + d] += weight[r + d];
  }
}

function plainSum(weight, dim, indices, offsets) {
  const out = new Float32Array(offsets.length * dim);
  for (let b = 0; b < offsets.length; b++) sumInto(out, b * dim, weight, dim, indices, offsets[b], bagEnd(offsets, indices, b));
  return out;
}

function plainMean(weight, dim, indices, offsets) {
  const out = new Float32Array(offsets.length * dim);
  for (let b = 0; b < offsets.length; b++) {
    const start = offsets[b];
    const end = bagEnd(offsets, indices, b);
    const o = b * dim;
    sumInto(out, o, weight, dim, indices, start, end);
    if (end > start) for (let d = 0; d < dim; d++) out[o + d] /= end - start;
  }
  return out;
}

function plainMax(weight, dim, indices, offsets) {
  const out = new Float32Array(offsets.length * dim);
  for (let b = 0; b < offsets.length; b++) {
    const start = offsets[b];
    const end = bagEnd(offsets, indices, b);
    if (end === start) continue;
    const o = b * dim;
    const first = indices[start] * dim;
    for (let d = 0; d < dim; d++) out[o + d] = weight[first + d];
    for (let i = start + 1; i < end; i++) {
      const r = indices[i] * dim;
      for (let d = 0; d < dim; d++) if (weight[r + d] > out[o + d]) out[o + d] = weight[r + d];
    }
  }
  return out;
}

export const PLAIN_EMBEDDING_BAG = { sum: plainSum, mean: plainMean, max: plainMax };
