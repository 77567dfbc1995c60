// The PyTorch 1.13 golden cases (tests/golden/generate.py) through the public
// API: forward, the table after max_norm, dense and sparse gradients and the
// per-sample-weight gradient; int32, int64 and number[] indices.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { closeTo, EmbeddingBag, goldenCases } from './helpers.mjs';

const cases = goldenCases();

function inputsOf(c, kind) {
  const as = (values) => (kind === 'int32' ? Int32Array.from(values) : kind === 'int64' ? BigInt64Array.from(values, BigInt) : values);
  if (c.offsets === null) return [{ data: as(c.indices), shape: [c.rows, c.row_length] }, null];
  return [as(c.indices), as(c.offsets)];
}

test('golden cases exist', () => assert.ok(cases.length >= 50));

for (const c of cases) {
  test(`golden: ${c.name}`, () => {
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
        const [input, offsets] = inputsOf(c, kind);
        const psw = c.per_sample_weights ? Float32Array.from(c.per_sample_weights) : null;
        const y = bag.forward(input, offsets, psw);
        const want = c.expected;
        assert.deepEqual(y.shape, want.output_shape);
        closeTo(y.data, want.output, `${c.name} ${kind} output`);
        closeTo(bag.weight, want.weight_after, `${c.name} weight after max_norm`);
        const g = bag.backward({ data: Float32Array.from(c.grad_output), shape: want.output_shape });
        if (sparse) {
          assert.deepEqual(Array.from(g.weight.indices), want.sparse_rows);
          closeTo(g.weight.values, want.sparse_values, `${c.name} sparse values`);
        } else {
          closeTo(g.weight, want.grad_weight, `${c.name} ${kind} grad_weight`);
        }
        if (psw) closeTo(g.perSampleWeights, want.grad_per_sample_weights, `${c.name} grad psw`);
        else assert.equal(g.perSampleWeights, null);
        bag.dispose();
      }
    }
  });
}
