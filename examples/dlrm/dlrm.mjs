// A DLRM served in JavaScript: the sparse part (eight embedding bags) by
// embedding-bag-wasm from the model's torch.save state_dict, the dense part
// (bottom MLP, dot interaction, top MLP) by onnxruntime-web from its ONNX
// export. Made by train.py; used by predict.mjs, the tests and the demo page.
import * as ort from 'onnxruntime-web';

import { EmbeddingBagCollection } from 'embedding-bag-wasm';

/**
 * The model from its files: tables (a .pt source: path, URL, bytes, ...),
 * dense (the ONNX model's bytes or URL) and the tables' configs
 * ([{ name, featureNames, pooling }], as heldout.json lists them).
 */
export async function loadDlrm({ tables, dense, configs }) {
  const ebc = await EmbeddingBagCollection.fromTorch(tables, configs);
  let session;
  try {
    session = await ort.InferenceSession.create(dense);
  } catch (error) {
    ebc.dispose();
    throw error;
  }
  return {
    /**
     * Click probabilities of a batch: dense features (B x 13 floats) and a
     * KeyedJaggedTensor { keys, values, lengths } of its sparse features.
     * Returns { probabilities, sparseMs, denseMs }.
     */
    async predict(denseFeatures, kjt) {
      const t0 = performance.now();
      const kt = ebc.forward(kjt);
      const t1 = performance.now();
      // kt.values (Float32Array, [B, sum of D]) is the tensor's data as it is: no copy.
      const pooled = new ort.Tensor('float32', kt.values, kt.shape);
      const features = new ort.Tensor('float32', denseFeatures, [kt.shape[0], denseFeatures.length / kt.shape[0]]);
      const { probability } = await session.run({ dense: features, pooled });
      return { probabilities: probability.data, sparseMs: t1 - t0, denseMs: performance.now() - t1 };
    },
    async dispose() {
      await session.release();
      ebc.dispose();
    },
  };
}
