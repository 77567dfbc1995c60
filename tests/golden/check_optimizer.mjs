// One training golden case (tests/golden/optimizer_golden.json, from
// generate_optimizers.py) through the public API, in any runtime: a bag
// with the case's table and optimizer, forward + step() for each of its
// batches, then the final table, the optimizer's state and step count, and
// every step's per-sample-weight gradient, for int32 and int64 indices and
// with sparse: true / false (the update is the same). Returns the mismatches.

// The bound: 1e-5 relative + 1e-6 absolute. PyTorch's float32 order
// differs from ours in two places: SGD adds an uncoalesced gradient's
// duplicate rows to the table one by one (we add their coalesced sum), and
// rowwise-adagrad's reference is float64.
const RELATIVE = 1e-5;
const ABSOLUTE = 1e-6;

function compare(failures, actual, expected, what) {
  if (actual.length !== expected.length) {
    failures.push(`${what}: length ${actual.length}, expected ${expected.length}`);
    return;
  }
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= ABSOLUTE + RELATIVE * Math.abs(expected[i]))) {
      failures.push(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
      return;
    }
  }
}

/** The mismatches of training case `c` run through `EmbeddingBag` (the package's class). */
export function checkOptimizerCase(EmbeddingBag, c) {
  const failures = [];
  for (const kind of ['int32', 'int64']) {
    for (const sparse of c.mode === 'max' ? [false] : [false, true]) {
      const as = (values) => (kind === 'int32' ? Int32Array.from(values) : BigInt64Array.from(values, BigInt));
      const what = `${c.name} ${kind}${sparse ? ' sparse' : ''}`;
      const bag = new EmbeddingBag(c.num_embeddings, c.embedding_dim, {
        mode: c.mode, paddingIdx: c.padding_idx, scaleGradByFreq: c.scale_grad_by_freq, sparse,
        weight: Float32Array.from(c.weight), optimizer: c.optimizer,
      });
      try {
        c.steps.forEach((s, k) => {
          const psw = s.per_sample_weights ? Float32Array.from(s.per_sample_weights) : null;
          bag.forward(as(s.indices), as(s.offsets), psw);
          const result = bag.step(Float32Array.from(s.grad_output));
          if (s.grad_per_sample_weights) {
            compare(failures, result.perSampleWeights ?? [], s.grad_per_sample_weights, `${what} step ${k} perSampleWeights gradient`);
          } else if (Object.keys(result).length !== 0) {
            failures.push(`${what} step ${k}: returned ${Object.keys(result)} without per-sample weights`);
          }
        });
        compare(failures, bag.weight, c.expected.weight, `${what} weight`);
        const state = bag.optimizerState();
        const names = Object.keys(c.expected.state);
        if (Object.keys(state).join() !== names.join()) failures.push(`${what}: state ${Object.keys(state)}, expected ${names}`);
        for (const name of names) compare(failures, state[name] ?? [], c.expected.state[name], `${what} state.${name}`);
        if (bag.optimizer.step !== c.expected.step) failures.push(`${what}: step ${bag.optimizer.step}, expected ${c.expected.step}`);
      } finally {
        bag.dispose();
      }
    }
  }
  return failures;
}
