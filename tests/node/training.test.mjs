// Training (step: backward fused with a sparse optimizer) on the variant the
// suite runs (npm test: both): PyTorch 1.13's golden cases
// (tests/golden/generate_optimizers.py); the optimizer API and its state;
// errors that name the option and change nothing; memory (no N x D
// gradient, nothing kept after dispose); EmbeddingBagCollection.step against
// one EmbeddingBag per table; saving and resuming training.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkOptimizerCase } from '../golden/check_optimizer.mjs';
import { TRAINING_DIGEST, trainingDigest } from '../golden/training_digest.mjs';
import { EmbeddingBag, EmbeddingBagCollection, goldenCases, memoryInfo, rng, testThreads } from './helpers.mjs';

const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (actual, expected, what) => assert.deepEqual(bits(actual), bits(Float32Array.from(expected)), what);

const cases = goldenCases('optimizer_golden.json');
test('training golden cases exist: every optimizer, mode, padding, per-sample weights, scaleGradByFreq', () => {
  const names = cases.map((c) => c.name).join(' ');
  for (const word of ['sgd', 'adagrad', 'rowwise-adagrad', 'sparse-adam', '_sum_', '_mean_', '_max_', 'padding', 'per_sample_weights', 'scale_grad_by_freq']) {
    assert.ok(names.includes(word), word);
  }
});
for (const c of cases) {
  test(`training golden: ${c.name}`, () => assert.deepEqual(checkOptimizerCase(EmbeddingBag, c), []));
}

test('training gives the same bits on this variant and thread count as on every other (and in the browsers)', () => {
  assert.equal(trainingDigest(EmbeddingBag, EmbeddingBagCollection), TRAINING_DIGEST);
});

test('optimizer: defaults are PyTorch\'s (FBGEMM\'s for rowwise-adagrad); setOptimizer starts the state afresh', () => {
  const bag = new EmbeddingBag(6, 2, { seed: 1, optimizer: { name: 'adagrad' } });
  assert.deepEqual(bag.optimizer, { name: 'adagrad', options: { lr: 0.01, lrDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 }, step: 0 });
  bag.setOptimizer({ name: 'rowwise-adagrad' });
  assert.deepEqual(bag.optimizer, { name: 'rowwise-adagrad', options: { lr: 0.01, eps: 1e-8 }, step: 0 });
  bag.setOptimizer({ name: 'sparse-adam' });
  assert.deepEqual(bag.optimizer, { name: 'sparse-adam', options: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8 }, step: 0 });
  bag.setOptimizer({ name: 'adagrad', initialAccumulatorValue: 0.5, lr: 1 });
  sameBits(bag.optimizerState().sum, new Array(12).fill(0.5));
  bag.forward([1, 1], [0]);
  bag.step([1, 2]);
  assert.equal(bag.optimizer.step, 1);
  // row 1: sum mean: g = 0.5 * [1, 2] twice (coalesced: [1, 2])... mode mean: g = [1, 2] / 2 * 2 entries = [1, 2]
  sameBits(bag.optimizerState().sum.subarray(2, 4), [0.5 + 1, 0.5 + 4]);
  bag.setOptimizer({ name: 'adagrad', lr: 1 });
  assert.equal(bag.optimizer.step, 0);
  sameBits(bag.optimizerState().sum, new Array(12).fill(0));
  assert.deepEqual(bag.optimizerState().sum.buffer instanceof ArrayBuffer, true, 'a copy, not a view of wasm memory');
  bag.setOptimizer(null);
  assert.equal(bag.optimizer, null);
  assert.equal(bag.optimizerState(), null);
  bag.setOptimizer({ name: 'sgd', lr: 0.1 });
  assert.deepEqual(bag.optimizerState(), {});
  assert.match(String(bag[Symbol.for('nodejs.util.inspect.custom')]()), /optimizer='sgd'/);
  bag.dispose();
});

test('sgd: w -= lr g on the batch\'s rows only, in place; sparse true or false the same; returns {} without per-sample weights', () => {
  for (const sparse of [false, true]) {
    const w = Float32Array.from({ length: 12 }, (_, i) => i);
    const bag = new EmbeddingBag(4, 3, { mode: 'sum', sparse, weight: w, optimizer: { name: 'sgd', lr: 0.5 } });
    bag.forward([2, 0, 2], [0, 2]);
    const result = bag.step([1, 2, 3, 10, 20, 30]);
    assert.deepEqual(result, {});
    // row 0: g = bag 0's [1, 2, 3]; row 2: g = [1, 2, 3] + [10, 20, 30].
    sameBits(bag.weight, [0 - 0.5, 1 - 1, 2 - 1.5, 3, 4, 5, 6 - 5.5, 7 - 11, 8 - 16.5, 9, 10, 11]);
    bag.dispose();
  }
});

test('errors name the option or the argument, and change nothing', () => {
  const bag = new EmbeddingBag(5, 2, { mode: 'sum', seed: 4, optimizer: { name: 'sparse-adam', lr: 0.1 } });
  bag.forward([1, 2], [0, 1]);
  bag.step([1, 1, 1, 1]);
  const weight = Float32Array.from(bag.weight);
  const state = bag.optimizerState();
  const same = () => {
    sameBits(bag.weight, weight);
    assert.deepEqual(bag.optimizerState(), state);
    assert.deepEqual(bag.optimizer, { name: 'sparse-adam', options: { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8 }, step: 1 });
  };
  const refused = [
    [{ name: 'sgd' }, TypeError, "optimizer.lr is required for 'sgd' (as in PyTorch, it has no default)"],
    [{ name: 'sgd', lr: 0 }, RangeError, "optimizer.lr = 0 must be a finite number > 0 (as a float32) (optimizer 'sgd')"],
    [{ name: 'sgd', lr: Infinity }, RangeError, "optimizer.lr = Infinity must be a finite number > 0 (as a float32) (optimizer 'sgd')"],
    // Finite doubles that are infinite, or 0, as the float32 the update uses.
    [{ name: 'sgd', lr: 1e39 }, RangeError, "optimizer.lr = 1e+39 must be a finite number > 0 (as a float32) (optimizer 'sgd')"],
    [{ name: 'adagrad', lr: 1e-50 }, RangeError, "optimizer.lr = 1e-50 must be a finite number > 0 (as a float32) (optimizer 'adagrad')"],
    [{ name: 'adagrad', eps: -1 }, RangeError, "optimizer.eps = -1 must be a finite number >= 0 (as a float32) (optimizer 'adagrad')"],
    [{ name: 'adagrad', lrDecay: -0.1 }, RangeError, "optimizer.lrDecay = -0.1 must be a finite number >= 0 (as a float32) (optimizer 'adagrad')"],
    [{ name: 'adagrad', initialAccumulatorValue: NaN }, RangeError, "optimizer.initialAccumulatorValue = NaN must be a finite number >= 0 (as a float32) (optimizer 'adagrad')"],
    [{ name: 'sparse-adam', betas: [0.9, 1] }, RangeError, "optimizer.betas = [0.9, 1] must be two numbers in [0, 1) (as float32) (optimizer 'sparse-adam')"],
    [{ name: 'sparse-adam', betas: [0.9] }, TypeError, 'optimizer.betas = array(1) must be [beta1, beta2], two numbers'],
    [{ name: 'rowwise-adagrad', lrDecay: 0.1 }, TypeError, "unknown optimizer option 'lrDecay' ('rowwise-adagrad' takes: lr, eps)"],
    [{ name: 'adam' }, RangeError, "optimizer.name = \"adam\" must be 'sgd', 'adagrad', 'rowwise-adagrad' or 'sparse-adam'"],
    [{ lr: 1 }, TypeError, "optimizer.name = undefined must be 'sgd', 'adagrad', 'rowwise-adagrad' or 'sparse-adam'"],
    ['sgd', TypeError, "optimizer.lr is required for 'sgd' (as in PyTorch, it has no default)"],
    [42, TypeError, 'optimizer must be an optimizer name or an object { name, lr, ... }, not 42'],
    [{ name: 'sgd', lr: '0.1' }, TypeError, 'optimizer.lr = "0.1" must be a number'],
  ];
  for (const [given, type, message] of refused) {
    assert.throws(() => bag.setOptimizer(given), { name: type.name, message }, JSON.stringify(given));
    same();
    assert.throws(() => new EmbeddingBag(5, 2, { optimizer: given }), { name: type.name, message });
  }
  assert.throws(() => bag.step([1, 1, 1]), { name: 'RangeError', message: 'gradOutput has length 3, expected 4 (numBags x embeddingDim = 2 x 2)' });
  assert.throws(() => bag.step({ data: new Float32Array(4), shape: [4, 1] }), { name: 'RangeError', message: 'gradOutput.shape = [4, 1], expected [2, 2] (the output\'s shape)' });
  assert.throws(() => bag.step([1, 1, 1, 1], { copy: 1 }), TypeError);
  assert.throws(() => bag.step([1, 1, 1, 'x']), TypeError);
  same();
  assert.throws(() => bag.forward([1, 7], [0, 1]), RangeError);
  bag.step([0, 0, 0, 0]);  // still the last good forward's rows
  assert.equal(bag.optimizer.step, 2);

  const fresh = new EmbeddingBag(5, 2);
  assert.throws(() => fresh.step([1, 1]), { message: /^step\(\) needs an optimizer/ });
  fresh.setOptimizer({ name: 'sgd', lr: 1 });
  assert.throws(() => fresh.step([1, 1]), { message: 'step() needs a forward() first: it trains on the most recent forward' });
  const q = EmbeddingBag.quantize(fresh, { dtype: 'int8' });
  assert.throws(() => q.step([1, 1]), { message: /^step\(\) is not available: this bag's table is int8 \(quantized\)/ });
  assert.throws(() => q.setOptimizer({ name: 'sgd', lr: 1 }), TypeError);
  q.setOptimizer(null);  // it has none: nothing to remove
  assert.equal(q.optimizer, null);
  assert.throws(() => EmbeddingBag.quantize(fresh, { dtype: 'int8', optimizer: { name: 'sgd', lr: 1 } }), TypeError);
  for (const b of [bag, fresh, q]) b.dispose();
  assert.throws(() => bag.step([1]), { message: 'this EmbeddingBag was disposed' });
});

test('step with sgd (lr 1) is backward and w - g, bit for bit, in every mode with maxNorm, paddingIdx, scaleGradByFreq and per-sample weights', () => {
  const random = rng(21);
  for (const mode of ['sum', 'mean', 'max', 'sqrtn']) {
    for (const options of [{}, { maxNorm: 1.5 }, { paddingIdx: 3 }, { scaleGradByFreq: mode !== 'max' }]) {
      const weight = Float32Array.from({ length: 30 * 4 }, () => random() * 2 - 1);
      const trained = new EmbeddingBag(30, 4, { mode, ...options, weight, optimizer: { name: 'sgd', lr: 1 } });
      const reference = new EmbeddingBag(30, 4, { mode, ...options, weight, sparse: mode !== 'max' });
      const indices = Int32Array.from({ length: 40 }, () => Math.floor(random() * 30));
      const offsets = Int32Array.of(0, 5, 5, 17, 30);
      const psw = mode === 'max' ? null : Float32Array.from(indices, () => random() + 0.5);
      const grad = Float32Array.from({ length: 5 * 4 }, () => random() - 0.5);
      trained.forward(indices, offsets, psw);
      reference.forward(indices, offsets, psw);
      const { weight: g, perSampleWeights } = reference.backward(grad);
      const expected = Float32Array.from(reference.weight);
      if (mode === 'max') {
        for (let i = 0; i < expected.length; i++) expected[i] -= g[i];
      } else {
        g.indices.forEach((row, k) => {
          for (let d = 0; d < 4; d++) expected[row * 4 + d] -= g.values[k * 4 + d];
        });
      }
      const result = trained.step(grad);
      const what = `${mode} ${JSON.stringify(options)}`;
      sameBits(trained.weight, expected, what);
      if (psw) sameBits(result.perSampleWeights, perSampleWeights, what);
      trained.dispose();
      reference.dispose();
    }
  }
});

test('a batch of padding only changes no row and counts a step; per-sample weights\' gradient is returned', () => {
  const bag = new EmbeddingBag(4, 2, { mode: 'sum', paddingIdx: 3, seed: 2, optimizer: { name: 'adagrad', lr: 0.1 } });
  const before = Float32Array.from(bag.weight);
  bag.forward([3, 3], [0, 1]);
  assert.deepEqual(bag.step([1, 1, 1, 1]), {});
  sameBits(bag.weight, before);
  assert.equal(bag.optimizer.step, 1);
  bag.forward([0, 1], [0], [2, 3]);
  const { perSampleWeights } = bag.step([1, -1]);
  // d loss / d w_i = G . W[idx_i] with the weights of the forward.
  sameBits(perSampleWeights, [before[0] - before[1], before[2] - before[3]]);
  bag.dispose();
});

test('memory: a step on a large table stores no gradient (rows made in a 16 KB block and applied), never N x D; nothing is kept after dispose', () => {
  const n = 200000;
  const d = 32;
  const table = n * d * 4;
  const start = memoryInfo().allocatedBytes;
  const bag = new EmbeddingBag(n, d, { mode: 'sum', seed: 1, sparse: true, optimizer: { name: 'sgd', lr: 0.1 } });
  const random = rng(5);
  const indices = Int32Array.from({ length: 2048 }, () => Math.floor(random() * n));
  const offsets = Int32Array.from({ length: 256 }, (_, b) => b * 8);
  const grad = Float32Array.from({ length: 256 * d }, () => random() - 0.5);
  bag.forward(indices, offsets);
  const beforeStep = memoryInfo().allocatedBytes;
  bag.step(grad);
  // What the step itself holds: the staged gradOutput, the grouping of the
  // entries by row (36 bytes an index + a 256 KB radix histogram) and a
  // 16 KB block of gradient rows per thread; not the batch's coalesced gradient, which
  // alone would be up to 2048 x D floats (256 KB).
  const stepBytes = memoryInfo().allocatedBytes - beforeStep;
  assert.ok(stepBytes <= grad.byteLength + 36 * indices.length + (256 << 10) + (16 << 10) * testThreads + 4096, `the step holds ${stepBytes} bytes`);
  // Two calls: a forward's inputs are double-buffered (the last good one's
  // stay for step while the next is staged).
  bag.forward(indices, offsets);
  bag.step(grad);
  const afterFirst = memoryInfo().allocatedBytes - start;
  assert.ok(afterFirst - table < table / 10, `held ${afterFirst - table} bytes beyond the table`);
  for (let k = 0; k < 5; k++) {
    bag.forward(indices, offsets);
    bag.step(grad);
  }
  assert.equal(memoryInfo().allocatedBytes - start, afterFirst, 'steady-state steps allocate nothing more');
  // Adagrad's state is N x D (as PyTorch's); rowwise-adagrad's N.
  bag.setOptimizer({ name: 'adagrad' });
  assert.ok(memoryInfo().allocatedBytes - start >= afterFirst + table);
  bag.setOptimizer({ name: 'rowwise-adagrad' });
  assert.ok(memoryInfo().allocatedBytes - start < afterFirst + n * 4 + 65536);
  bag.dispose();
  assert.equal(memoryInfo().allocatedBytes, start);
});

test('EmbeddingBagCollection.step equals one EmbeddingBag per table over its stacked keys, bit for bit', () => {
  for (const name of ['sgd', 'adagrad', 'rowwise-adagrad', 'sparse-adam']) {
    const optimizer = { name, lr: 0.2 };
    const ebc = new EmbeddingBagCollection([
      { name: 't_user', numEmbeddings: 10, embeddingDim: 2, featureNames: ['user_id'], pooling: 'sum' },
      { name: 't_item', numEmbeddings: 5, embeddingDim: 3, featureNames: ['item_id', 'history'], pooling: 'mean' },
    ], { seed: 3, optimizer });
    const user = new EmbeddingBag(10, 2, { mode: 'sum', weight: ebc.table('t_user').weight, optimizer });
    const item = new EmbeddingBag(5, 3, { mode: 'mean', weight: ebc.table('t_item').weight, optimizer });
    const random = rng(9);
    for (let s = 0; s < 3; s++) {
      // B = 2; item_id and history share t_item: its bags are item_id's then history's.
      const kjt = { keys: ['user_id', 'item_id', 'history'], values: [1, 2, 3, 4, 0, 1, 4], lengths: [1, 1, 1, 1, 2, 1] };
      ebc.forward(kjt);
      const g = Float32Array.from({ length: 2 * 8 }, () => random() - 0.5);
      assert.deepEqual(ebc.step(g), {});
      user.forward([1, 2], [0, 1]);
      user.step([g[0], g[1], g[8], g[9]]);
      item.forward([3, 4, 0, 1, 4], [0, 1, 2, 4]);
      item.step([...g.subarray(2, 5), ...g.subarray(10, 13), ...g.subarray(5, 8), ...g.subarray(13, 16)]);
    }
    sameBits(ebc.table('t_user').weight, user.weight, `${name} t_user`);
    sameBits(ebc.table('t_item').weight, item.weight, `${name} t_item`);
    const states = ebc.optimizerState();
    assert.deepEqual(Object.keys(states), ['t_user', 't_item']);
    for (const [state, values] of Object.entries(item.optimizerState())) sameBits(states.t_item[state], values, `${name} ${state}`);
    assert.equal(ebc.table('t_item').optimizer.step, 3);
    for (const b of [ebc, user, item]) b.dispose();
  }
});

test('EmbeddingBagCollection.step: errors change nothing; weighted features return their gradient', () => {
  const ebc = new EmbeddingBagCollection([
    { name: 't', numEmbeddings: 6, embeddingDim: 2, featureNames: ['a', 'b'] },
  ], { seed: 1, isWeighted: true });
  const kjt = { keys: ['a', 'b'], values: [1, 2, 3], lengths: [1, 0, 2, 0], weights: [0.5, 2, -1] };
  assert.throws(() => ebc.forward(kjt) && ebc.step(new Float32Array(8)), { message: /^step\(\) needs an optimizer on every table; table "t" has none/ });
  ebc.setOptimizer({ name: 'adagrad', lr: 0.1 });
  const before = Float32Array.from(ebc.table('t').weight);
  assert.throws(() => ebc.step(new Float32Array(7)), RangeError);
  assert.throws(() => ebc.setOptimizer({ name: 'adagrad', lr: -1 }), RangeError);
  sameBits(ebc.table('t').weight, before);
  assert.equal(ebc.table('t').optimizer.step, 0);
  const { perSampleWeights } = ebc.step(Float32Array.from([1, 0, 0, 1, 0, 1, 0, 0]));
  // An inference-only (quantized) table: no optimizer to set, none to remove.
  const mixed = new EmbeddingBagCollection([
    { name: 'f', numEmbeddings: 6, embeddingDim: 2, featureNames: ['a'] },
    { name: 'q', numEmbeddings: 6, embeddingDim: 2, featureNames: ['b'], dtype: 'int8' },
  ], { seed: 1 });
  assert.throws(() => mixed.setOptimizer({ name: 'sgd', lr: 1 }), { name: 'TypeError', message: /table "q" is int8 \(quantized\)/ });
  mixed.setOptimizer(null);
  mixed.forward({ keys: ['a', 'b'], values: [1, 2], lengths: [1, 1] });
  assert.throws(() => mixed.step(new Float32Array(4)), { message: /^step\(\) is not available: table "q" is int8/ });
  mixed.dispose();
  assert.equal(perSampleWeights.length, 3);
  sameBits(perSampleWeights, [before[2], before[5], before[7]]);
  assert.equal(ebc.table('t').optimizer.step, 1);
  ebc.dispose();
});

test('toSafetensors({ optimizerState }) and fromSafetensors resume training bit for bit', async () => {
  for (const name of ['sgd', 'adagrad', 'rowwise-adagrad', 'sparse-adam']) {
    const options = { mode: 'mean', seed: 7, optimizer: { name, lr: 0.3, ...(name === 'sparse-adam' ? { betas: [0.5, 0.75] } : {}) } };
    const a = new EmbeddingBag(20, 3, options);
    const random = rng(3);
    const batch = () => [Int32Array.from({ length: 12 }, () => Math.floor(random() * 20)), Int32Array.of(0, 5, 9)];
    const grads = Array.from({ length: 6 }, () => Float32Array.from({ length: 9 }, () => random() - 0.5));
    const batches = Array.from({ length: 6 }, batch);
    for (let s = 0; s < 3; s++) {
      a.forward(...batches[s]);
      a.step(grads[s]);
    }
    const file = a.toSafetensors({ optimizerState: true });
    const b = await EmbeddingBag.fromSafetensors(file, { mode: 'mean', optimizerState: true });
    assert.deepEqual(b.optimizer, a.optimizer);
    for (let s = 3; s < 6; s++) {
      for (const bag of [a, b]) {
        bag.forward(...batches[s]);
        bag.step(grads[s]);
      }
    }
    sameBits(b.weight, a.weight, name);
    const sa = a.optimizerState();
    const sb = b.optimizerState();
    for (const key of Object.keys(sa)) sameBits(sb[key], sa[key], `${name} ${key}`);
    // Without optimizerState the same file loads its table only.
    const plain = await EmbeddingBag.fromSafetensors(file);
    assert.equal(plain.optimizer, null);
    for (const bag of [a, b, plain]) bag.dispose();
  }
  const none = new EmbeddingBag(3, 2, { seed: 1 });
  assert.throws(() => none.toSafetensors({ optimizerState: true }), { message: /needs an optimizer/ });
  await assert.rejects(EmbeddingBag.fromSafetensors(none.toSafetensors(), { optimizerState: true }), { name: 'RangeError', message: /holds no optimizer state/ });
  await assert.rejects(EmbeddingBag.fromNpy(new Uint8Array(8), { optimizerState: true }), TypeError);
  none.dispose();
});
