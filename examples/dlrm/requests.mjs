// Request b of a batch as heldout.json holds it (dense features B x 13,
// a KeyedJaggedTensor in TorchRec's layout: values key by key, lengths
// keys x B): its dense features and its own KeyedJaggedTensor. No imports:
// the demo page loads it as it is.
export function requestOf(data, b) {
  const B = data.batch;
  const { keys, values, lengths } = data.kjt;
  const ids = [];
  const own = [];
  let at = 0;
  keys.forEach((_, k) => {
    for (let s = 0; s < B; s++) {
      const length = lengths[k * B + s];
      if (s === b) {
        ids.push(...values.slice(at, at + length));
        own.push(length);
      }
      at += length;
    }
  });
  return { dense: Float32Array.from(data.dense.slice(b * 13, (b + 1) * 13)), kjt: { keys, values: ids, lengths: own } };
}
