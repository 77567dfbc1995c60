// One golden case (tests/golden/*.json) through the package's public API, in
// any runtime: Node (tests/node/golden.test.mjs) and a browser page
// (tests/browser/golden.test.mjs) import this file. Forward, the table after
// max_norm, dense and sparse gradients, the per-sample-weight gradient, for
// int32, int64 and number[] indices; then, where the case has them, the same
// bags over its quantized rows. Returns the mismatches (empty when it holds).

const TOLERANCE = 2e-5;

/** Pushes the first element of `actual` off `expected` by more than the tolerance. */
export function compare(failures, actual, expected, what) {
  if (actual.length !== expected.length) {
    failures.push(`${what}: length ${actual.length}, expected ${expected.length}`);
    return;
  }
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= TOLERANCE + TOLERANCE * Math.abs(e))) {
      failures.push(`${what}[${i}] = ${actual[i]}, expected ${e}`);
      return;
    }
  }
}

function inputsOf(c, kind) {
  const as = (values) => (kind === 'int32' ? Int32Array.from(values) : kind === 'int64' ? BigInt64Array.from(values, BigInt) : values);
  if (c.offsets === null) return [{ data: as(c.indices), shape: [c.rows, c.row_length] }, null];
  return [as(c.indices), as(c.offsets)];
}

function base64Bytes(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The mismatches of case `c` run through `EmbeddingBag` (the package's class). */
export function checkGoldenCase(EmbeddingBag, c) {
  const failures = [];
  const want = c.expected;
  for (const kind of ['int32', 'int64', 'array']) {
    for (const sparse of c.mode === 'max' ? [false] : [false, true]) {
      const bag = new EmbeddingBag(c.num_embeddings, c.embedding_dim, {
        mode: c.mode,
        paddingIdx: c.padding_idx,
        maxNorm: c.max_norm,
        normType: c.norm_type,
        scaleGradByFreq: c.scale_grad_by_freq,
        includeLastOffset: c.include_last_offset,
        sparse,
        weight: Float32Array.from(c.weight),
      });
      try {
        const [input, offsets] = inputsOf(c, kind);
        const psw = c.per_sample_weights ? Float32Array.from(c.per_sample_weights) : null;
        const y = bag.forward(input, offsets, psw);
        if (y.shape.join() !== want.output_shape.join()) failures.push(`${c.name} ${kind} shape ${y.shape}`);
        compare(failures, y.data, want.output, `${c.name} ${kind} output`);
        compare(failures, bag.weight, want.weight_after, `${c.name} weight after max_norm`);
        const g = bag.backward({ data: Float32Array.from(c.grad_output), shape: want.output_shape });
        if (sparse) {
          if (Array.from(g.weight.indices).join() !== want.sparse_rows.join()) failures.push(`${c.name} sparse rows`);
          compare(failures, g.weight.values, want.sparse_values, `${c.name} sparse values`);
        } else {
          compare(failures, g.weight, want.grad_weight, `${c.name} ${kind} grad_weight`);
        }
        if (psw) compare(failures, g.perSampleWeights, want.grad_per_sample_weights, `${c.name} grad psw`);
        else if (g.perSampleWeights !== null) failures.push(`${c.name}: a psw gradient without psw`);
      } finally {
        bag.dispose();
      }
    }
  }
  for (const [dtype, q] of Object.entries(c.quantized ?? {})) {
    const bag = EmbeddingBag.fromQuantized(base64Bytes(q.rows), {
      dtype, embeddingDim: c.embedding_dim, mode: c.mode, paddingIdx: c.padding_idx,
      includeLastOffset: c.include_last_offset,
    });
    try {
      const [input, offsets] = inputsOf(c, 'int32');
      const psw = c.per_sample_weights ? Float32Array.from(c.per_sample_weights) : null;
      compare(failures, bag.forward(input, offsets, psw).data, q.output, `${c.name} ${dtype} output`);
    } finally {
      bag.dispose();
    }
  }
  return failures;
}
