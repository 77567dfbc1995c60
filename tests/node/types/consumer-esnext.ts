// Compiled with tsc --noEmit (lib esnext: Symbol.dispose, Float16Array,
// no DOM, no @types/node) by types.test.mjs: `using`, backward() typed by the
// sparse option, the inputs users hold, weight-file options. Every
// expected error below must fire.
import { EmbeddingBag, EmbeddingBagCollection, init, type KeyedTensor, type LoadProgress, type SparseGradient } from 'embedding-bag-wasm';

// Any AbortSignal (lib dom, @types/node); none is constructed here.
declare const signal: AbortSignal;

async function main(): Promise<void> {
  await init();
  {
    using bag = new EmbeddingBag(100, 8, { mode: 'sum', sparse: true });
    bag.forward(new Uint32Array([1, 2, 3]), [0, 2], new Float16Array([1, 0.5, 2]));
    const sparse: SparseGradient = bag.backward(new Float64Array(16)).weight;
    void sparse.indices;
    // @ts-expect-error: a sparse bag's weight gradient is not dense
    const wrong: Float32Array = bag.backward(new Float32Array(16)).weight;
    void wrong;
    const isSparse: true = bag.sparse;
    void isSparse;
  }
  using dense = new EmbeddingBag(100, 8);
  const grad: Float32Array = dense.backward({ data: new Float32Array(16), dims: [2, 8] }).weight;
  void grad;
  // An ort.Tensor-shaped input.
  dense.forward({ data: new BigInt64Array([1n, 2n]), dims: [1, 2] });
  const explicit = new EmbeddingBag(10, 4, { sparse: false });
  const denseToo: Float32Array = explicit.backward(new Float32Array(8)).weight;
  void denseToo;
  const either = new EmbeddingBag(10, 4, { sparse: Math.random() > 0.5 });
  // @ts-expect-error: sparse: boolean may be either
  const notKnown: Float32Array = either.backward(new Float32Array(8)).weight;
  void notKnown;
  const pretrained = EmbeddingBag.fromPretrained({ data: new Float16Array(8), dims: [4, 2] }, { sparse: true });
  const p: SparseGradient = pretrained.backward(new Float32Array(2)).weight;
  void p;

  const seen: LoadProgress[] = [];
  const loaded = await EmbeddingBag.fromSafetensors(new Uint8Array(8), {
    onProgress: (e) => seen.push(e), signal, sparse: true, tensor: 'weight',
  });
  const l: SparseGradient = loaded.backward(new Float32Array(0)).weight;
  void l;
  // @ts-expect-error: onProgress is a function
  await EmbeddingBag.fromNpy(new Uint8Array(8), { onProgress: 1 });
  // @ts-expect-error: a Float32Array is not an index array
  dense.forward(new Float32Array(2), [0]);

  // EmbeddingBagCollection: TorchRec's configs, KJT in, KeyedTensor out.
  using ebc = new EmbeddingBagCollection([
    { name: 't_user', numEmbeddings: 1000, embeddingDim: 16, featureNames: ['user_id'] },
    { name: 't_item', numEmbeddings: 100, embeddingDim: 8, featureNames: ['item_id', 'history'], pooling: 'mean' },
  ], { seed: 0, sparse: true });
  const kt: KeyedTensor = ebc.forward({ keys: ['user_id', 'item_id', 'history'], values: new Int32Array(3), lengths: [1, 1, 1] });
  const tableGrad: SparseGradient = ebc.backward(kt.values).weight['t_item'];
  const item: EmbeddingBag<true> = ebc.table('t_item');
  void [tableGrad, item];
  const loadedEbc = await EmbeddingBagCollection.fromSafetensors(new Uint8Array(8), [{ name: 't', featureNames: ['f'] }]);
  const denseGrad: Float32Array = loadedEbc.backward(new Float32Array(1)).weight['t'];
  void denseGrad;
  // @ts-expect-error: a table config needs featureNames
  new EmbeddingBagCollection([{ name: 't', numEmbeddings: 1, embeddingDim: 1 }]);
  // @ts-expect-error: the KJT's values are ids
  ebc.forward({ keys: ['user_id'], values: new Float32Array(1), lengths: [1] });
}

void main;
