// The CommonJS entry (dist/index.cjs): require() gives the same API.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const ebw = require('../../dist/index.cjs');

test('require() exposes init, EmbeddingBag, EmbeddingBagCollection, embeddingBag, memoryInfo, readStateDict', async () => {
  assert.deepEqual(Object.keys(ebw).sort(), ['EmbeddingBag', 'EmbeddingBagCollection', 'embeddingBag', 'init', 'memoryInfo', 'readStateDict', 'shutdown']);
  const threads = Number(process.env.EBAG_TEST_THREADS ?? 1);
  const info = await ebw.init({ threads });
  assert.equal(info.variant, threads > 1 ? 'simd-threaded' : 'simd');
  const bag = new ebw.EmbeddingBag(10, 4, { mode: 'sum', weight: new Float32Array(40).map((_, i) => i) });
  const y = bag.forward([0, 1, 2, 3, 4, 5], [0, 2, 5]);
  assert.deepEqual(y.shape, [3, 4]);
  assert.deepEqual(Array.from(y.data.subarray(0, 4)), [4, 6, 8, 10]);
  const g = bag.backward(new Float32Array(12).fill(1));
  assert.equal(g.weight.length, 40);
  bag.dispose();
  assert.ok(ebw.memoryInfo().allocatedBytes > 0);
});
