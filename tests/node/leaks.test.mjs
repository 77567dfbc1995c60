// Memory: steady-state calls do not allocate, dispose frees everything, and
// bags the user forgets are freed by the FinalizationRegistry (needs
// node --expose-gc, which `npm test` passes).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EmbeddingBag, memoryInfo } from './helpers.mjs';

test('20,000 forward calls leave allocatedBytes flat', () => {
  const bag = new EmbeddingBag(1000, 16, { mode: 'sum', seed: 1 });
  const indices = new Int32Array(200).map((_, i) => (i * 37) % 1000);
  const offsets = new Int32Array([0, 50, 120]);
  const grad = new Float32Array(3 * 16).fill(1);
  // Warm-up: inputs are double-buffered (staged / last good forward), so two
  // forwards and a backward reach the steady state.
  bag.forward(indices, offsets);
  bag.forward(indices, offsets);
  bag.backward(grad);
  const start = memoryInfo().allocatedBytes;
  for (let k = 0; k < 20000; k++) {
    bag.forward(indices, offsets);
    if (k % 10 === 0) bag.backward(grad);
  }
  assert.equal(memoryInfo().allocatedBytes, start);
  bag.dispose();
});

test('2,000 bags created and disposed leave allocatedBytes flat', () => {
  const start = memoryInfo().allocatedBytes;
  for (let k = 0; k < 2000; k++) {
    const bag = new EmbeddingBag(100 + (k % 7), 8, { mode: k % 2 ? 'max' : 'mean', maxNorm: k % 3 ? null : 1, seed: k });
    bag.forward([1, 2, 3, 4], [0, 2]);
    bag.backward(new Float32Array(16));
    bag.dispose();
  }
  assert.equal(memoryInfo().allocatedBytes, start);
});

test('forgotten bags are freed by the FinalizationRegistry', async (t) => {
  if (typeof globalThis.gc !== 'function') {
    t.skip('needs node --expose-gc');
    return;
  }
  const start = memoryInfo().allocatedBytes;
  (() => {
    for (let k = 0; k < 50; k++) new EmbeddingBag(1000, 64, { seed: k }).forward([1], [0]);
  })();
  assert.ok(memoryInfo().allocatedBytes > start + 50 * 1000 * 64 * 4 * 0.9, 'the tables were allocated');
  for (let round = 0; round < 50 && memoryInfo().allocatedBytes > start; round++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(memoryInfo().allocatedBytes, start);
});

test('a dense sum gradient over a cache-sized table needs no scratch beyond its N x D output, on 1 or N threads', () => {
  // 200k entries over a 1.6 MB table: grouping them by row would hold
  // 36 bytes per entry (7.2 MB); adding them in entry order holds nothing.
  const n = 100_000;
  const d = 4;
  const bag = new EmbeddingBag(n, d, { mode: 'sum', seed: 1 });
  const indices = new Int32Array(200_000).map((_, i) => (i * 7919) % n);
  const offsets = new Int32Array(1000).map((_, b) => b * 200);
  bag.forward(indices, offsets, null, { copy: false });
  const before = memoryInfo().allocatedBytes;
  const gradOutput = new Float32Array(1000 * d).fill(1);
  bag.backward(gradOutput, { copy: false });
  // The gradient, and the staged copy of gradOutput (an input).
  const grown = memoryInfo().allocatedBytes - before;
  const allowed = n * d * 4 + gradOutput.byteLength + 64;
  assert.ok(grown <= allowed, `backward allocated ${grown} bytes; the gradient and gradOutput take ${allowed - 64}`);
  bag.dispose();
});
