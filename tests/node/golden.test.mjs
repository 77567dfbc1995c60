// The golden cases through the public API (tests/golden/check_case.mjs):
// PyTorch 1.13's (tests/golden/generate.py) and the scaled modes' beyond
// PyTorch (sqrtn, weighted mean: tests/golden/generate_scaled.py, from the
// formula in float64), whose quantized tables are checked too.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkGoldenCase } from '../golden/check_case.mjs';
import { checkCollectionCase } from '../golden/check_collection.mjs';
import { EmbeddingBag, EmbeddingBagCollection, goldenCases } from './helpers.mjs';

const cases = goldenCases();
const scaledCases = goldenCases('scaled_golden.json');

test('golden cases exist', () => {
  assert.ok(cases.length >= 50);
  assert.ok(scaledCases.length >= 30);
  for (const mode of ['sqrtn', 'mean']) {
    assert.ok(scaledCases.some((c) => c.mode === mode && c.per_sample_weights && c.quantized));
  }
});

for (const c of [...cases, ...scaledCases]) {
  test(`golden: ${c.name}`, () => assert.deepEqual(checkGoldenCase(EmbeddingBag, c), []));
}

// EmbeddingBagCollection: PyTorch's F.embedding_bag per (feature, table),
// concatenated (tests/golden/generate_collection.py).
const collectionCases = goldenCases('collection_golden.json');
test('collection golden cases exist: shared tables, weighted, padding, fp16, B = 1, zero-id keys', () => {
  assert.ok(collectionCases.length >= 7);
  assert.ok(collectionCases.some((c) => c.is_weighted) && collectionCases.some((c) => c.fp16));
});
for (const c of collectionCases) {
  test(`collection golden: ${c.name}`, () => assert.deepEqual(checkCollectionCase(EmbeddingBagCollection, c), []));
}
