// EmbeddingBag[Symbol.dispose] is dispose(), so `using bag = ...` frees the
// table at the end of its block (run where the syntax exists: Node 24+).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EmbeddingBag, memoryInfo } from './helpers.mjs';

const usingParses = (() => {
  try {
    // Only asks the parser (the package itself never evaluates code).
    new Function('{ using x = null; }');  // eslint-disable-line no-new-func
    return true;
  } catch {
    return false;
  }
})();

test('[Symbol.dispose] is dispose(): idempotent, frees the table', { skip: typeof Symbol.dispose !== 'symbol' && 'no Symbol.dispose' }, () => {
  const before = memoryInfo().allocatedBytes;
  const bag = new EmbeddingBag(1000, 16, { seed: 2 });
  assert.equal(bag[Symbol.dispose], bag.dispose);
  bag[Symbol.dispose]();
  assert.equal(bag.disposed, true);
  bag[Symbol.dispose]();
  assert.equal(memoryInfo().allocatedBytes, before);
  assert.throws(() => bag.forward([0], [0]), /disposed/);
});

test('`using bag = new EmbeddingBag(...)` disposes it when the block ends', { skip: !usingParses && 'this runtime has no `using` (Node < 24)' }, async () => {
  const { bagOfBlock } = await import('./fixtures/using.mjs');
  const before = memoryInfo().allocatedBytes;
  const bag = bagOfBlock(EmbeddingBag);
  assert.equal(bag.disposed, true);
  assert.equal(memoryInfo().allocatedBytes, before);
});
