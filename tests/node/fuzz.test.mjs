// Fuzzing: thousands of random, mostly broken calls. Every one either
// succeeds with the result of a clean bag, or throws a TypeError/RangeError;
// the table never changes on a throw and the wasm instance never aborts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bytesEqual, countingTable, EmbeddingBag, rng } from './helpers.mjs';

const N = 50;
const D = 5;

function randomValue(next) {
  const pool = [
    () => Math.floor(next() * N),
    () => Math.floor(next() * N * 3) - N,
    () => next() * 10,
    () => NaN,
    () => Infinity,
    () => 2 ** 31,
    () => -(2 ** 31) - 1,
    () => 2 ** 53,
    () => '3',
    () => null,
    () => undefined,
    () => 3n,
    () => 2n ** 62n,
    () => ({}),
  ];
  return pool[Math.floor(next() * (next() < 0.8 ? 2 : pool.length))]();
}

function randomIntegerArray(next, length) {
  const values = Array.from({ length }, () => randomValue(next));
  const r = next();
  if (r < 0.3 && values.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) return Int32Array.from(values);
  if (r < 0.45 && values.every((v) => typeof v === 'bigint' || Number.isSafeInteger(v))) {
    return BigInt64Array.from(values, (v) => BigInt(v));
  }
  if (r < 0.5) return new Float32Array(length);
  return values;
}

function randomOffsets(next, numIndices) {
  const count = Math.floor(next() * 6);
  const offsets = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    offsets.push(next() < 0.85 ? at : Math.floor(next() * (numIndices + 4)) - 2);
    at = Math.min(numIndices, at + Math.floor(next() * 4));
  }
  return next() < 0.1 ? randomIntegerArray(next, count) : offsets;
}

test('random calls: results match a clean bag, errors are TypeError/RangeError, nothing changes on error', () => {
  const next = rng(20261126);
  const modes = ['sum', 'mean', 'max'];
  let ok = 0;
  let failed = 0;
  for (let round = 0; round < 60; round++) {
    const mode = modes[round % 3];
    const options = {
      mode,
      paddingIdx: next() < 0.3 ? Math.floor(next() * N) - (next() < 0.5 ? N : 0) : null,
      maxNorm: next() < 0.3 ? 20 + next() * 200 : null,
      includeLastOffset: next() < 0.3,
    };
    const fuzzed = new EmbeddingBag(N, D, { ...options, weight: countingTable(N, D) });
    for (let call = 0; call < 60; call++) {
      const numIndices = Math.floor(next() * 12);
      const indices = randomIntegerArray(next, numIndices);
      const twoD = next() < 0.2;
      const offsets = twoD ? null : randomOffsets(next, numIndices);
      const psw = mode === 'sum' && next() < 0.3 ? Array.from({ length: numIndices + (next() < 0.2 ? 1 : 0) }, () => next()) : null;
      const input = twoD ? { data: indices, shape: [numIndices ? 1 : 0, numIndices] } : indices;
      const before = Float32Array.from(fuzzed.weight);
      let result;
      try {
        result = fuzzed.forward(input, offsets, psw);
      } catch (error) {
        assert.ok(error instanceof TypeError || error instanceof RangeError, `${error.name}: ${error.message}`);
        assert.ok(bytesEqual(fuzzed.weight, before), `table changed by a failed call: ${error.message}`);
        failed++;
        continue;
      }
      // The same call on a bag in the same state (its current table).
      const clean = new EmbeddingBag(N, D, { ...options, weight: before });
      const want = clean.forward(input, offsets, psw);
      assert.ok(bytesEqual(result.data, want.data));
      assert.ok(bytesEqual(fuzzed.weight, clean.weight));
      const grad = new Float32Array(result.data.length).map(() => next() - 0.5);
      assert.ok(bytesEqual(fuzzed.backward(grad).weight, clean.backward(grad).weight));
      clean.dispose();
      ok++;
    }
    fuzzed.dispose();
  }
  assert.ok(ok > 300, `only ${ok} successful calls`);
  assert.ok(failed > 300, `only ${failed} failing calls`);
});

test('random garbage as gradOutput and options never aborts', () => {
  const next = rng(7);
  const bag = new EmbeddingBag(N, D, { mode: 'mean', weight: countingTable(N, D) });
  bag.forward([1, 2, 3], [0, 1]);
  for (let k = 0; k < 300; k++) {
    const length = Math.floor(next() * 14);
    const grad = next() < 0.7 ? new Float32Array(length) : randomIntegerArray(next, length);
    try {
      bag.backward(next() < 0.5 ? grad : { data: grad, shape: [Math.floor(next() * 3), D] });
    } catch (error) {
      assert.ok(error instanceof TypeError || error instanceof RangeError, error.message);
    }
    try {
      new EmbeddingBag(Math.floor(next() * 5), Math.floor(next() * 5), { paddingIdx: randomValue(next), maxNorm: randomValue(next) }).dispose();
    } catch (error) {
      assert.ok(error instanceof TypeError || error instanceof RangeError, error.message);
    }
  }
  assert.equal(bag.forward([4], [0]).data[0], 40);
  bag.dispose();
});
