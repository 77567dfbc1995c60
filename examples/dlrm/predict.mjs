// The held-out batch of train.py through the model in Node, against PyTorch:
//   node examples/dlrm/predict.mjs
import { readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-web';

import { init } from 'embedding-bag-wasm';
import { loadDlrm } from './dlrm.mjs';

const here = new URL('./', import.meta.url);
const heldout = JSON.parse(readFileSync(new URL('heldout.json', here), 'utf8'));
await init();
ort.env.wasm.numThreads = 1;
const model = await loadDlrm({
  tables: new URL('tables.pt', here), dense: readFileSync(new URL('dense.onnx', here)), configs: heldout.tables,
});
const { probabilities, sparseMs, denseMs } = await model.predict(Float32Array.from(heldout.dense), heldout.kjt);
const worst = heldout.probabilities.reduce((m, p, b) => Math.max(m, Math.abs(probabilities[b] - p)), 0);
console.log(`${heldout.batch} requests: sparse ${sparseMs.toFixed(2)} ms, dense ${denseMs.toFixed(2)} ms; ` +
  `largest difference from PyTorch ${worst.toExponential(2)}`);
await model.dispose();
