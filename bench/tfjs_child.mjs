// The peer a user might reach for instead: tfjs-backend-wasm (SIMD, one
// thread in Node), on the same workloads and data, speaking bench.mjs's
// protocol (runner_protocol.mjs). sum / mean: tf.sparse.sparseSegmentSum / sparseSegmentMean over
// the flat indices; max: gather into (B, L, D) and max over L (bags of one
// length only). A time includes reading the result (dataSync), as the
// package's includes copying its output out. One op: 'forward'.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

import { serveRequests, workloadBatch } from './runner_protocol.mjs';

await tf.setBackend('wasm');
await tf.ready();

let current = null;

function release() {
  if (current) for (const t of current.tensors) t.dispose();
  current = null;
}

function prepare(name, quick) {
  release();
  const { w, indices, offsets } = workloadBatch(name, quick);
  // The table: any values do; N(0, 1)-like from a fixed generator.
  let seed = 3;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const table = tf.tensor2d(Float32Array.from({ length: w.n * w.dim }, () => random() * 2 - 1), [w.n, w.dim]);
  const segmentIds = new Int32Array(indices.length);
  for (let b = 0; b < offsets.length; b++) {
    const end = b + 1 < offsets.length ? offsets[b + 1] : indices.length;
    segmentIds.fill(b, offsets[b], end);
  }
  let run;
  let tensors;
  if (w.mode === 'max') {
    const bagIndices = tf.tensor2d(indices, [w.bags, w.maxLen], 'int32'); // fixed-length bags
    tensors = [table, bagIndices];
    run = () => tf.tidy(() => tf.max(tf.gather(table, bagIndices), 1)).dataSync();
  } else {
    const flat = tf.tensor1d(indices, 'int32');
    const ids = tf.tensor1d(segmentIds, 'int32');
    const op = w.mode === 'sum' ? tf.sparse.sparseSegmentSum : tf.sparse.sparseSegmentMean;
    tensors = [table, flat, ids];
    run = () => tf.tidy(() => op(table, flat, ids)).dataSync();
  }
  current = { tensors, run };
  return { variant: `tfjs-backend-wasm ${tf.version_core}`, indices: indices.length, dim: w.dim };
}

await serveRequests({ prepare, operation: () => () => current.run(), release });
