// The demo's DLRM section: a recommendation model served in the page
// (examples/dlrm: its tables by EmbeddingBagCollection.fromTorch from the
// model's torch.save file, its dense part by onnxruntime-web from its ONNX
// export). A held-out request's features in, its click probability out,
// with the time of each part. Loaded on first use: onnxruntime-web's module
// is large.
import { EmbeddingBagCollection } from '../js/index.browser.mjs';
import { requestOf } from '../examples/dlrm/requests.mjs';

const ORT = '../node_modules/onnxruntime-web/dist/';
const MODEL = '../examples/dlrm/';
const $ = (id) => document.getElementById(id);

export class DlrmSection {
  #model = null;
  state = null; // the last prediction: { request, probability, pytorch, sparseMs, denseMs }

  async #load() {
    const ort = await import(`${ORT}ort.wasm.min.mjs`);
    ort.env.wasm.wasmPaths = new URL(ORT, import.meta.url).href;
    ort.env.wasm.numThreads = 1;
    const data = await (await fetch(`${MODEL}heldout.json`)).json();
    const ebc = await EmbeddingBagCollection.fromTorch(await fetch(`${MODEL}tables.pt`), data.tables);
    const session = await ort.InferenceSession.create(new Uint8Array(await (await fetch(`${MODEL}dense.onnx`)).arrayBuffer()));
    return { ort, data, ebc, session };
  }

  /** Predicts held-out request `b` and shows it. */
  async predict(b) {
    $('dlrm-status').textContent = this.#model ? '' : 'loading the model (tables.pt, dense.onnx, onnxruntime-web)…';
    this.#model ??= this.#load();
    const { ort, data, ebc, session } = await this.#model;
    const { dense, kjt } = requestOf(data, b);
    const t0 = performance.now();
    const kt = ebc.forward(kjt);
    const t1 = performance.now();
    const { probability } = await session.run({
      dense: new ort.Tensor('float32', dense, [1, 13]),
      pooled: new ort.Tensor('float32', kt.values, kt.shape),  // the KeyedTensor as it is: no copy
    });
    const denseMs = performance.now() - t1;
    this.state = { request: b, probability: probability.data[0], pytorch: data.probabilities[b], sparseMs: t1 - t0, denseMs };
    $('dlrm-features').textContent = kjt.keys.map((key, k) => {
      const begin = kjt.lengths.slice(0, k).reduce((a, n) => a + n, 0);
      return `${key}: [${kjt.values.slice(begin, begin + kjt.lengths[k]).join(', ')}]`;
    }).join('  ') + `  dense: [${Array.from(dense.slice(0, 3), (v) => v.toFixed(2)).join(', ')}, …]`;
    $('dlrm-result').textContent = `click probability ${this.state.probability.toFixed(6)} (PyTorch: ${this.state.pytorch.toFixed(6)})`;
    $('dlrm-status').textContent = `embedding bags ${this.state.sparseMs.toFixed(3)} ms, dense part (onnxruntime-web) ${denseMs.toFixed(3)} ms`;
    return this.state;
  }
}
