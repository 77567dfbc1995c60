// A whole model in JavaScript (examples/dlrm, made by its train.py with
// PyTorch 1.13), through the example's own code (examples/dlrm/dlrm.mjs):
// the sparse part by EmbeddingBagCollection.fromTorch from the model's
// torch.save state_dict, the dense part by onnxruntime-web from its ONNX
// export, the KeyedTensor handed to ort.Tensor without a copy. Every
// held-out sample's click probability equals PyTorch's within 1e-5, for the
// batch and for each request alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-web';

import { loadDlrm } from '../../examples/dlrm/dlrm.mjs';
import { requestOf } from '../../examples/dlrm/requests.mjs';
import { EmbeddingBagCollection, memoryInfo } from './helpers.mjs';

const dir = fileURLToPath(new URL('../../examples/dlrm/', import.meta.url));
const heldout = JSON.parse(readFileSync(`${dir}heldout.json`, 'utf8'));
ort.env.wasm.numThreads = 1;  // onnxruntime-web's own threads are not this test's

test('DLRM: fromTorch tables + onnxruntime-web dense part give PyTorch\'s click probabilities', async () => {
  const model = await loadDlrm({ tables: `${dir}tables.pt`, dense: readFileSync(`${dir}dense.onnx`), configs: heldout.tables });
  try {
    const { probabilities } = await model.predict(Float32Array.from(heldout.dense), heldout.kjt);
    assert.equal(probabilities.length, heldout.batch);
    heldout.probabilities.forEach((p, b) => {
      assert.ok(Math.abs(probabilities[b] - p) <= 1e-5, `sample ${b}: ${probabilities[b]}, PyTorch ${p}`);
    });
    for (const b of [0, 17, 63]) {
      const one = requestOf(heldout, b);
      const { probabilities: [alone] } = await model.predict(one.dense, one.kjt);
      assert.ok(Math.abs(alone - heldout.probabilities[b]) <= 1e-5, `request ${b} alone: ${alone}, PyTorch ${heldout.probabilities[b]}`);
    }
  } finally {
    await model.dispose();
  }
});

test('the KeyedTensor goes to ort.Tensor as it is (no copy)', async () => {
  const allocated = memoryInfo().allocatedBytes;
  const ebc = await EmbeddingBagCollection.fromTorch(`${dir}tables.pt`, heldout.tables);
  const kt = ebc.forward(heldout.kjt);
  const tensor = new ort.Tensor('float32', kt.values, kt.shape);
  assert.equal(tensor.data, kt.values);
  assert.deepEqual(tensor.dims, [heldout.batch, 8 * 16]);
  ebc.dispose();
  assert.equal(memoryInfo().allocatedBytes, allocated);
});
