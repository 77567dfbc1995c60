// Compiled with tsc --noEmit by types.test.mjs: index.d.ts must accept the
// documented uses and reject the wrong ones (each @ts-expect-error must fire).
import { FastText, FastTextTrainer, type FastTextArgs, type Prediction, type TrainProgress } from 'embedding-bag-wasm/fasttext';
import {
  EmbeddingBag, EmbeddingBagCollection, embeddingBag, init, memoryInfo, shutdown, type Dtype, type Gradients, type InitInfo, type OptimizerInfo,
  type OptimizerName, type OptimizerState, type QuantizedDtype, type SparseGradient, type StepResult,
} from 'embedding-bag-wasm';

async function main(): Promise<void> {
  const info: InitInfo = await init({ threads: 'auto' });
  const threads: number = info.threads;
  const bag = new EmbeddingBag(1000, 64, { mode: 'sum', paddingIdx: -1, maxNorm: null, seed: 42n });
  const y = bag.forward(new Int32Array([1, 2, 3]), new Int32Array([0, 1]), new Float32Array([1, 1, 1]));
  const rows: number = y.shape[0];
  const view: Float32Array = bag.weight;
  bag.forward({ data: new BigInt64Array([1n, 2n]), shape: [1, 2] });
  bag.forward([[1, 2], [3, 4]]);
  const g: Gradients = bag.backward(y.data);
  if (g.weight instanceof Float32Array) view.set(g.weight.subarray(0, 1));
  else { const s: SparseGradient = g.weight; s.indices.at(0); }
  const pretrained = EmbeddingBag.fromPretrained({ data: new Float32Array(8), shape: [4, 2] }, { mode: 'max' });
  const out = embeddingBag({ data: new Float32Array(8), shape: [4, 2] }, [0, 1], [0], { mode: 'mean' });
  const heap: number = memoryInfo().heapBytes + out.data.length + rows + threads;
  pretrained.dispose();
  bag.dispose();
  shutdown();
  await init({ threads: 2, minParallelWork: 0 });
  void heap;

  // @ts-expect-error: unknown mode
  new EmbeddingBag(10, 4, { mode: 'median' });
  // @ts-expect-error: options are camelCase
  new EmbeddingBag(10, 4, { padding_idx: 1 });
  // @ts-expect-error: a Float32Array is not an index array
  bag.forward(new Float32Array([1]), [0]);
  // @ts-expect-error: weight is read-only
  bag.weight = new Float32Array(1);
  // @ts-expect-error: threads is a number or 'auto'
  await init({ threads: 'many' });

  const outputView: Float32Array = bag.forward([0, 1], [0], null, { copy: false }).data;
  const gradView = bag.backward(outputView, { copy: false });
  void gradView;
  const loaded: EmbeddingBag = await EmbeddingBag.fromSafetensors('table.safetensors', { tensor: 'weight', mode: 'sum' });
  const file: Uint8Array = loaded.toSafetensors({ name: 'emb.weight' });
  const fromNpy: EmbeddingBag = await EmbeddingBag.fromNpy({ href: 'https://example.com/table.npy' }, { mode: 'max' });
  void fromNpy;
  // @ts-expect-error: the table comes from the file
  await EmbeddingBag.fromSafetensors(file, { seed: 1 });
  // @ts-expect-error: copy is a boolean
  bag.forward([0], [0], null, { copy: 'no' });

  const int8 = EmbeddingBag.quantize(loaded, { dtype: 'int8', mode: 'sum' });
  const rowsBytes: Uint8Array | null = int8.quantizedWeight;
  const kind: Dtype = int8.dtype;
  const back: EmbeddingBag = int8.dequantize();
  const int4 = EmbeddingBag.fromQuantized(new Uint8Array(36), { dtype: 'int4', embeddingDim: 64 });
  const fp16 = await EmbeddingBag.fromSafetensors(file, { dtype: 'fp16' });
  const asked: QuantizedDtype = 'fp16';
  void [rowsBytes, kind, back, int4, fp16, asked];
  // @ts-expect-error: no such row format
  EmbeddingBag.quantize(loaded, { dtype: 'int2' });
  // @ts-expect-error: quantized bags have no gradients
  EmbeddingBag.quantize(loaded, { dtype: 'int8', sparse: true });
  // @ts-expect-error: fromQuantized needs embeddingDim
  EmbeddingBag.fromQuantized(new Uint8Array(36), { dtype: 'int4' });
}

async function fastText(): Promise<void> {
  const model = await FastText.load(new Uint8Array(8));
  const best: Prediction[] = model.predict('Das ist ein Haus', { k: 3, threshold: 0 });
  const label: string = best[0]?.label ?? '';
  const batch: Prediction[][] = model.predictBatch(['a', 'b'], { k: -1 });
  const { words, ids } = model.tokenize('a b');
  const args: FastTextArgs = model.args;
  const vectors: Float32Array[] = [model.sentenceVector('a b'), model.wordVector('a')];
  void [label, batch, words, ids, args.loss, model.labels, model.dim, vectors];
  // @ts-expect-error: k is a number
  model.predict('a', { k: '3' });
  const bin: Uint8Array = model.toBin();
  const trainer = new FastTextTrainer([{ text: 'Haus', label: 'de' }, { text: 'house', label: 'en' }], { dim: 8, optimizer: 'sgd' });
  const loss: number = trainer.train({ epochs: 1, onProgress: (p: TrainProgress) => void p.loss });
  const { accuracy } = trainer.evaluate([{ text: 'Maus', label: 'de' }]);
  const trained: FastText = trainer.model;
  void [bin, loss, accuracy, trained, trainer.epochs];
  // @ts-expect-error: only adagrad and sgd
  new FastTextTrainer([], { optimizer: 'sparse-adam' });
  trainer.dispose();
  const fromLines = new FastTextTrainer(['__label__de Haus', 'house __label__en'], { optimizer: { name: 'adagrad', lr: 0.2 } });
  const chosenName: 'adagrad' | 'sgd' = fromLines.options.optimizer;
  void [chosenName, FastTextTrainer.fromFile(new Uint8Array(0))];
  fromLines[Symbol.dispose]();
  // @ts-expect-error: texts are strings
  model.predictBatch([1]);
  model.dispose();
}

function training(): void {
  const bag = new EmbeddingBag(100, 8, { mode: 'mean', optimizer: { name: 'adagrad', lr: 0.1 } });
  bag.forward(Int32Array.of(1, 2), Int32Array.of(0));
  const result: StepResult = bag.step(new Float32Array(8));
  const psw: Float32Array | undefined = result.perSampleWeights;
  bag.setOptimizer({ name: 'sparse-adam', betas: [0.8, 0.99] });
  bag.setOptimizer(null);
  const info: OptimizerInfo | null = bag.optimizer;
  const sum: Float32Array | undefined = bag.optimizerState()?.sum;
  const chosen: OptimizerName = 'rowwise-adagrad';
  const file: Uint8Array = bag.toSafetensors({ optimizerState: true });
  void EmbeddingBag.fromSafetensors(file, { optimizerState: true });
  void [psw, info?.step, sum, chosen];
  // @ts-expect-error: sgd has no betas
  bag.setOptimizer({ name: 'sgd', lr: 0.1, betas: [0.9, 0.9] });
  // @ts-expect-error: sgd needs lr
  bag.setOptimizer({ name: 'sgd' });
  // @ts-expect-error: no such optimizer
  bag.setOptimizer({ name: 'adam' });
  const ebc = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 4, embeddingDim: 2, featureNames: ['f'] }], {
    optimizer: { name: 'sgd', lr: 0.5 },
  });
  const weights: Float32Array | undefined = ebc.step(new Float32Array(2)).perSampleWeights;
  const states: Record<string, OptimizerState | null> = ebc.optimizerState();
  ebc.setOptimizer({ name: 'rowwise-adagrad' });
  ebc.setOptimizer('adagrad');
  bag.setOptimizer('sparse-adam');
  // @ts-expect-error: sgd by name has no lr
  bag.setOptimizer('sgd');
  const kt = ebc.forward({ keys: ['f'], values: [1], lengths: [1] });
  const one: Float32Array = kt.get('f');
  const all: Record<string, Float32Array> = kt.toDict();
  const offsets: number[] = kt.offsetPerKey;
  void [weights, states, one, all, offsets];

  // Caller-owned results: the out type follows the bag's sparse option.
  const dense = new EmbeddingBag(100, 8, { sparse: false });
  const y = dense.forward([1, 2], [0], null, { out: new Float32Array(8) }).data;
  const dw: Float32Array = dense.backward(y, { out: new Float32Array(800), perSampleWeightsOut: new Float32Array(2) }).weight;
  const sparse = new EmbeddingBag(100, 8, { sparse: true });
  sparse.forward([1, 2], [0]);
  const sw = sparse.backward(y, { out: { indices: new Int32Array(2), values: new Float32Array(16) } }).weight;
  const rows: Int32Array = sw.indices;
  bag.step(y, { out: new Float32Array(2) });
  ebc.backward(new Float32Array(2), { out: { t: new Float32Array(8) } });
  // @ts-expect-error: a sparse bag's out is { indices, values }
  sparse.backward(y, { out: new Float32Array(800) });
  // @ts-expect-error: step returns no weight gradient to write
  bag.step(y, { perSampleWeightsOut: new Float32Array(2) });
  void [dw, rows];
}

void main;
void fastText;
void training;
