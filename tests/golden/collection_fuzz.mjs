// EmbeddingBagCollection against its definition on random configs and
// KeyedJaggedTensors, in any runtime: Node (tests/node/collection.test.mjs)
// and browser pages (tests/browser/golden.test.mjs) import this file. The
// definition: one EmbeddingBag per (feature, table) with the table's weights,
// outputs concatenated in the collection's order (TorchRec's KeyedTensor);
// each table's gradient that of one bag call over its features' bags stacked
// in that order. A weighted mean divides the weighted sum by the bag's
// count (FBGEMM's TBE; EmbeddingBag divides by the weights' sum): such a
// table's definition is a sum bag's output times 1 / count in float32, its
// row gradients a sum bag's with weights w x (1 / count), its per-id weight
// gradients a sum bag's times 1 / count. Bit for bit; returns the
// mismatches (empty when it holds).

import { rng } from './rng.mjs';

const POOLINGS = ['sum', 'mean', 'max', 'sqrtn'];

// A random collection config and a KJT for it.
function randomCase(seed) {
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  const isWeighted = random() < 0.3;
  const sparse = random() < 0.5;
  const tables = [];
  let featureCount = 0;
  for (let t = 0, n = 1 + int(4); t < n; t++) {
    const numEmbeddings = 1 + int(30);
    const embeddingDim = 1 + int(12);
    const pools = POOLINGS.filter((p) => !(isWeighted && p === 'max') && !(sparse && p === 'max'));
    const pooling = pools[int(pools.length)];
    const featureNames = Array.from({ length: 1 + int(3) }, () => `f${featureCount++}`);
    const weight = Float32Array.from({ length: numEmbeddings * embeddingDim }, () => random() * 4 - 2);
    const config = { name: `t${t}`, numEmbeddings, embeddingDim, featureNames, pooling, weight };
    if (random() < 0.3) config.paddingIdx = int(numEmbeddings);
    tables.push(config);
  }
  const features = tables.flatMap((c, t) => c.featureNames.map((name) => ({ name, table: t })));
  const keys = features.map((f) => f.name).sort(() => random() - 0.5);
  const batch = int(6);
  const lengths = [];
  const values = [];
  for (const key of keys) {
    const { table } = features.find((f) => f.name === key);
    for (let b = 0; b < batch; b++) {
      const length = int(5);
      lengths.push(length);
      for (let i = 0; i < length; i++) values.push(int(tables[table].numEmbeddings));
    }
  }
  const weights = isWeighted ? values.map(() => random() * 2) : undefined;
  const form = int(3);
  const kjt = { keys, weights };
  kjt.values = form === 0 ? values : form === 1 ? Int32Array.from(values) : BigInt64Array.from(values, BigInt);
  if (random() < 0.5) kjt.lengths = random() < 0.5 ? lengths : Int32Array.from(lengths);
  else kjt.offsets = lengths.reduce((o, l) => [...o, o.at(-1) + l], [0]);
  return { tables, options: { sparse, isWeighted }, kjt, keys, lengths, values, weights, batch, features };
}

// The definition: per feature, one EmbeddingBag over the table's weights;
// per table, one bag call over its features' bags stacked in the
// collection's order, for the gradients.
function reference(EmbeddingBag, { tables, options, keys, lengths, values, weights, batch }, grad, totalDim) {
  const spans = new Map(); // key -> { ids, lengths, weights, begin }
  let at = 0;
  keys.forEach((key, k) => {
    const ls = lengths.slice(k * batch, (k + 1) * batch);
    const count = ls.reduce((a, b) => a + b, 0);
    spans.set(key, { ids: values.slice(at, at + count), lengths: ls, weights: weights?.slice(at, at + count), begin: at });
    at += count;
  });
  const output = new Float32Array(batch * totalDim);
  const tableGrads = {};
  const pswGrad = weights ? new Float32Array(values.length) : null;
  let column = 0;
  tables.forEach((config) => {
    const byCount = weights !== undefined && config.pooling === 'mean';
    const bag = new EmbeddingBag(config.numEmbeddings, config.embeddingDim, {
      mode: byCount ? 'sum' : config.pooling, weight: config.weight, paddingIdx: config.paddingIdx, sparse: options.sparse,
    });
    const ids = [];
    const offsets = [];
    const psw = [];
    const d = config.embeddingDim;
    const stackedGrad = new Float32Array(config.featureNames.length * batch * d);
    config.featureNames.forEach((name, j) => {
      const span = spans.get(name);
      let start = ids.length;
      for (const l of span.lengths) {
        offsets.push(start);
        start += l;
      }
      ids.push(...span.ids);
      if (weights) psw.push(...span.weights);
      for (let b = 0; b < batch; b++) {
        for (let c = 0; c < d; c++) stackedGrad[(j * batch + b) * d + c] = grad[b * totalDim + column + j * d + c];
      }
    });
    const y = bag.forward(ids, offsets, weights ? psw : null);
    // 1 / count of each bag (live entries), as float32; 0 for an empty bag.
    const scales = offsets.map((start, b) => {
      const end = b + 1 < offsets.length ? offsets[b + 1] : ids.length;
      const count = ids.slice(start, end).filter((id) => id !== config.paddingIdx).length;
      return count === 0 ? 0 : Math.fround(1 / count);
    });
    if (byCount) for (let b = 0; b < scales.length; b++) for (let c = 0; c < d; c++) y.data[b * d + c] = Math.fround(y.data[b * d + c] * scales[b]);
    config.featureNames.forEach((_, j) => {
      for (let b = 0; b < batch; b++) {
        output.set(y.data.subarray((j * batch + b) * d, (j * batch + b + 1) * d), b * totalDim + column + j * d);
      }
    });
    const g = bag.backward(stackedGrad);
    tableGrads[config.name] = g.weight;
    if (byCount) {
      // Each entry's row gradient G x (w x scale), as the sum bag of those weights gives it.
      const scaled = new EmbeddingBag(config.numEmbeddings, config.embeddingDim, {
        mode: 'sum', weight: config.weight, paddingIdx: config.paddingIdx, sparse: options.sparse,
      });
      const entryScale = Float32Array.from(psw, (w, i) => Math.fround(w) * scales[offsets.findLastIndex((o) => o <= i)]);
      scaled.forward(ids, offsets, entryScale);
      tableGrads[config.name] = scaled.backward(stackedGrad).weight;
      scaled.dispose();
      offsets.forEach((start, b) => {
        const end = b + 1 < offsets.length ? offsets[b + 1] : ids.length;
        for (let i = start; i < end; i++) g.perSampleWeights[i] = Math.fround(g.perSampleWeights[i] * scales[b]);
      });
    }
    if (weights) {
      let offset = 0;
      for (const name of config.featureNames) {
        const span = spans.get(name);
        pswGrad.set(g.perSampleWeights.subarray(offset, offset + span.ids.length), span.begin);
        offset += span.ids.length;
      }
    }
    column += config.featureNames.length * d;
    bag.dispose();
  });
  return { output, tableGrads, pswGrad };
}

const bits = (a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
function sameBits(failures, actual, expected, what) {
  const a = bits(actual), e = bits(expected);
  const at = a.length !== e.length ? -1 : a.findIndex((v, i) => v !== e[i]);
  if (a.length !== e.length) failures.push(`${what}: ${a.length} values, expected ${e.length}`);
  else if (at >= 0) failures.push(`${what}: [${at}] = ${actual[at]}, expected ${expected[at]}`);
}

/** Collections of seeds [first, last] against the definition; the mismatches. */
export function fuzzCollections({ EmbeddingBag, EmbeddingBagCollection }, first, last) {
  const failures = [];
  for (let seed = first; seed <= last; seed++) {
    const c = randomCase(seed);
    const ebc = new EmbeddingBagCollection(c.tables, c.options);
    try {
      const out = ebc.forward(c.kjt);
      const totalDim = ebc.lengthPerKey.reduce((a, b) => a + b, 0);
      const keys = c.tables.flatMap((t) => t.featureNames);
      if (out.keys.join() !== keys.join()) failures.push(`seed ${seed}: keys ${out.keys}, expected ${keys}`);
      if (out.shape[0] !== c.batch || out.shape[1] !== totalDim) failures.push(`seed ${seed}: shape [${out.shape}]`);
      const grad = Float32Array.from({ length: c.batch * totalDim }, (_, i) => Math.sin(i + seed));
      const want = reference(EmbeddingBag, c, grad, totalDim);
      sameBits(failures, out.values, want.output, `seed ${seed}: output`);
      const g = ebc.backward(grad);
      for (const config of c.tables) {
        const got = g.weight[config.name];
        const expected = want.tableGrads[config.name];
        if (c.options.sparse) {
          if (Array.from(got.indices).join() !== Array.from(expected.indices).join()) failures.push(`seed ${seed}: ${config.name} rows`);
          sameBits(failures, got.values, expected.values, `seed ${seed}: ${config.name} sparse values`);
        } else {
          sameBits(failures, got, expected, `seed ${seed}: ${config.name} dense`);
        }
      }
      if (c.weights) sameBits(failures, g.perSampleWeights, want.pswGrad, `seed ${seed}: per-id weights`);
      else if (g.perSampleWeights !== null) failures.push(`seed ${seed}: perSampleWeights without weights`);
    } finally {
      ebc.dispose();
    }
  }
  return failures;
}
