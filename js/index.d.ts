// Types of embedding-bag-wasm (hand-written; checked by tests/node/types.test.mjs;
// docs/API.md is generated from these comments by scripts/api-docs.mjs).

/**
 * EmbeddingBag (sum / mean / max / sqrtn over bags of table rows, like
 * torch.nn.EmbeddingBag) for JavaScript, in WebAssembly SIMD, with a threaded
 * build on SharedArrayBuffer. `await init()` once, then make bags.
 *
 * Errors. Wrong types (a Float32Array as indices, a string, a fractional
 * index, an unknown option: the message suggests the camelCase name) throw
 * TypeError. Wrong values (an index outside [0, N), offsets not starting at
 * 0, decreasing or past the end, length and shape mismatches, a bad
 * paddingIdx, maxNorm or normType, an unknown mode or dtype, N or D < 1, a
 * table or output that does not fit in wasm memory, a Uint32Array index of
 * 2^31 or more, a value a quantized row cannot hold) throw RangeError.
 * Misuse (backward() before forward(), backward() on a quantized bag, a bag
 * used after dispose() or shutdown(), anything before init()) throws Error.
 * Messages name the argument, the position and the value, e.g.
 * `RangeError: indices[17] = 1000 is out of range [0, 1000)`. A call that
 * throws changes nothing and the bag stays usable. Weight loaders reject with
 * the same errors, with the fetch error (`HTTP 404`) or with the AbortSignal's
 * reason; nothing they allocated stays allocated. init() never fails because
 * threads cannot run: it falls back to one thread and says why in
 * info.reason.
 *
 * @packageDocumentation
 */

// Compatibility with TypeScript libs older than ES2025 / esnext: the names
// below merge with the lib's own when it has them, and let a project whose
// lib lacks them (no @types/node needed) still compile against this file.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  /** Float16Array (Node 24+, current browsers): in lib esnext.float16. */
  interface Float16Array {
    readonly BYTES_PER_ELEMENT: number;
    readonly length: number;
  }
  // Web platform types (lib dom, or @types/node), named by the weight loaders.
  interface Blob {}
  interface Response {}
  interface ReadableStream<R = any> {}
  interface AbortSignal {}
}

/**
 * Integer indices: int32, int64 (BigInt64Array), Uint32Array (values below
 * 2^31) or plain numbers.
 */
export type IndexArray = Int32Array | BigInt64Array | Uint32Array | number[];

/** Floats: float32, or float64 / float16 (converted to float32), or plain numbers. */
export type FloatArray = Float32Array | Float64Array | Float16Array | number[];

/**
 * A row-major 2-D array: { data, shape } (the package's own outputs), or
 * { data, dims } as onnxruntime-web's ort.Tensor carries it.
 */
export type Tensor2D<T> =
  | { readonly data: T; readonly shape: readonly [number, number] | readonly number[] }
  | { readonly data: T; readonly dims: readonly number[] };

/**
 * How a bag is reduced: 'sum'; 'mean' (sum / count, or with per-sample
 * weights sum(w x) / sum(w)); 'max' (element-wise, no per-sample weights);
 * 'sqrtn' (sum / sqrt(count), or with weights sum(w x) / sqrt(sum(w^2)):
 * TensorFlow's combiner). A zero divisor gives zeros.
 */
export type Mode = 'sum' | 'mean' | 'max' | 'sqrtn';

/** The sparse optimizers step() fuses with backward. */
export type OptimizerName = 'sgd' | 'adagrad' | 'rowwise-adagrad' | 'sparse-adam';

/**
 * An optimizer for step(), with PyTorch's semantics on a sparse gradient
 * (torch.optim, 1.13) and PyTorch's defaults; rowwise-adagrad is FBGEMM's
 * EXACT_ROWWISE_ADAGRAD (one accumulator per row). Only the rows of the
 * batch, and their state, change.
 */
export type OptimizerOptions =
  /** w -= lr g (torch.optim.SGD without momentum). lr has no default, as in PyTorch. */
  | { name: 'sgd'; lr: number }
  /**
   * sum += g^2; w -= clr g / (sqrt(sum) + eps), clr = lr / (1 + (step - 1) lrDecay)
   * (torch.optim.Adagrad). Defaults: lr 0.01, lrDecay 0, eps 1e-10, initialAccumulatorValue 0.
   */
  | { name: 'adagrad'; lr?: number; lrDecay?: number; eps?: number; initialAccumulatorValue?: number }
  /** sum[r] += mean_d g[r, d]^2; w[r] -= lr g[r] / (sqrt(sum[r]) + eps). Defaults: lr 0.01, eps 1e-8. */
  | { name: 'rowwise-adagrad'; lr?: number; eps?: number }
  /** Lazy Adam on the batch's rows (torch.optim.SparseAdam). Defaults: lr 0.001, betas [0.9, 0.999], eps 1e-8. */
  | { name: 'sparse-adam'; lr?: number; betas?: readonly [number, number]; eps?: number }
  /** An optimizer by name, every hyper-parameter at its default (sgd has no default lr: give { name: 'sgd', lr }). */
  | Exclude<OptimizerName, 'sgd'>;

/** A bag's optimizer: its name, every hyper-parameter (defaults filled in), and the steps taken. */
export interface OptimizerInfo {
  name: OptimizerName;
  options: { lr: number; lrDecay?: number; eps?: number; initialAccumulatorValue?: number; betas?: [number, number] };
  /** Steps taken since the optimizer was set (or as loaded with its state). */
  step: number;
}

/**
 * The optimizer's state, named as PyTorch's state_dict (FBGEMM's for
 * rowwise-adagrad) names it: adagrad { sum: N x D }, rowwise-adagrad
 * { sum: N }, sparse-adam { exp_avg, exp_avg_sq: N x D }, sgd {}.
 */
export type OptimizerState = Partial<Record<'sum' | 'exp_avg' | 'exp_avg_sq', Float32Array>>;

/** step()'s result: the per-sample weights' gradient, when the forward had them. */
export interface StepResult {
  perSampleWeights?: Float32Array;
}

/** Options of init(). */
export interface InitOptions {
  /** 'auto' (default) or a thread count; > 1 asks for the threaded build. */
  threads?: number | 'auto';
  /** Calls with fewer bag entries x embeddingDim stay on the calling thread (default 262144). */
  minParallelWork?: number;
  /** Browser: URL prefix where the files of dist/ are served (for bundlers that do not handle new URL(..., import.meta.url)). */
  wasmPaths?: string;
}

/** What init() loaded: the variant, and how many threads run calls. */
export interface InitInfo {
  variant: 'simd' | 'simd-threaded';
  simd: true;
  threads: number;
  /** Why fewer threads run than were asked for. */
  reason?: string;
}

/**
 * Options of a bag. `Sparse` is the type of `sparse`, so that backward()'s
 * weight gradient is typed by it: a SparseGradient for `sparse: true`, a
 * Float32Array otherwise.
 */
export interface EmbeddingBagOptions<Sparse extends boolean = boolean> {
  /** Default 'mean', as in PyTorch and lucid. */
  mode?: Mode;
  /** Rows looked up are renormalised in place to at most this norm. */
  maxNorm?: number | null;
  /** The p of the p-norm of maxNorm (default 2). */
  normType?: number;
  /** Scale each row's gradient by 1 / its count in the batch. */
  scaleGradByFreq?: boolean;
  /** backward() returns a sparse (coalesced) weight gradient. */
  sparse?: Sparse;
  /** May be negative (wraps by adding numEmbeddings). */
  paddingIdx?: number | null;
  includeLastOffset?: boolean;
  /** numEmbeddings * embeddingDim floats, copied in. Default: N(0, 1), padding row 0. */
  weight?: FloatArray;
  /** Seed of the default initialisation. */
  seed?: number | bigint;
  /** The optimizer step() applies (or set it later with setOptimizer). */
  optimizer?: OptimizerOptions | null;
}

/** forward()'s result: B bags x embeddingDim floats, row-major. */
export interface BagOutput {
  data: Float32Array;
  shape: [number, number];
}

/** A coalesced sparse weight gradient: the rows the last forward touched, once each. */
export interface SparseGradient {
  /** Sorted unique row ids. */
  indices: Int32Array;
  /** indices.length * embeddingDim floats, row-major. */
  values: Float32Array;
  shape: [number, number];
}

/** The weight gradient of a bag whose `sparse` option has type `Sparse`. */
export type WeightGradient<Sparse extends boolean> =
  [Sparse] extends [true] ? SparseGradient : [Sparse] extends [false] ? Float32Array : Float32Array | SparseGradient;

/** Where backward() can write the weight gradient of a bag whose `sparse` option has type `Sparse`. */
export type WeightGradientOut<Sparse extends boolean> =
  [Sparse] extends [true] ? SparseGradientOut : [Sparse] extends [false] ? Float32Array : Float32Array | SparseGradientOut;

/** backward()'s result. */
export interface Gradients<W extends Float32Array | SparseGradient = Float32Array | SparseGradient> {
  weight: W;
  /** d loss / d perSampleWeights, one per index; null without per-sample weights. */
  perSampleWeights: Float32Array | null;
}

/** Whether forward() / backward() copy their results out of wasm memory. */
export interface ResultOptions {
  /**
   * true (default): results are fresh arrays. false: views of wasm memory,
   * no allocation or copy; valid until the next call into the package (a
   * later call overwrites them, or grows the memory and detaches them).
   */
  copy?: boolean;
}

/** forward()'s options: ResultOptions, or the caller's array to write the result into. */
export interface ForwardOptions extends ResultOptions {
  /**
   * A Float32Array of the output's size (B x embeddingDim; a collection's B x
   * sum of D) of the caller's, not a view of wasm memory: the result is
   * written into it and returned (`data`; a collection's `values`), so a loop
   * that reuses it allocates nothing (a bag's forward returns the previous
   * call's result object while `out` and the shape are the same). Read and
   * written through the built-in typed-array methods (a subclass's overrides
   * never run). Not with copy: false.
   */
  out?: Float32Array;
}

/**
 * Where a sparse weight gradient is written: arrays of the caller's with room
 * for the gradient's rows (indices) and rows x embeddingDim floats (values).
 * backward() returns subarrays of them as long as the gradient; when they are
 * too short it throws a RangeError naming the size needed and writes nothing.
 */
export interface SparseGradientOut {
  indices: Int32Array;
  values: Float32Array;
}

/** backward()'s options: ResultOptions, or arrays of the caller's to write the gradients into. */
export interface BackwardOptions<W extends Float32Array | SparseGradientOut = Float32Array | SparseGradientOut> extends ResultOptions {
  /**
   * The weight gradient's destination: a Float32Array of N x embeddingDim
   * (dense), or SparseGradientOut (sparse: true). Not with copy: false.
   */
  out?: W;
  /**
   * The per-sample weights' gradient's destination: a Float32Array of one
   * float per index of the last forward (left untouched when it had none).
   */
  perSampleWeightsOut?: Float32Array;
}

/** step()'s options: ResultOptions, or the caller's array for the per-sample weights' gradient. */
export interface StepOptions extends ResultOptions {
  /**
   * A Float32Array of one float per index of the last forward: the
   * per-sample weights' gradient is written into it and returned (left
   * untouched without per-sample weights). Not with copy: false.
   */
  out?: Float32Array;
}

/** The table's element type: float32, or a quantized row format (forward only). */
export type Dtype = 'fp32' | QuantizedDtype;
/**
 * fp16: D float16 values per row. int8: D uint8 codes + float32 scale + float32
 * bias (PyTorch's embedding_bag_byte_prepack). int4: ceil(D / 2) bytes of 4-bit
 * codes, low nibble first, + float16 scale + float16 bias (embedding_bag_4bit_prepack).
 * value = code * scale + bias.
 */
export type QuantizedDtype = 'fp16' | 'int8' | 'int4';

/** The options a quantized (inference-only) bag takes. */
export type QuantizedBagOptions = Pick<EmbeddingBagOptions, 'mode' | 'paddingIdx' | 'includeLastOffset'> & {
  /** Only null: renormalising needs float32 rows. */
  maxNorm?: null;
};

/** What a weight file's onProgress hears after each chunk read. */
export interface LoadProgress {
  /** Bytes read so far. */
  loadedBytes: number;
  /** The file's size, when known before reading (bytes, a file, a Blob, a Content-Length). */
  totalBytes: number | undefined;
}

/** Options of fromSafetensors / fromNpy: the bag's options, its dtype, progress and abort. */
export interface WeightFileOptions<Sparse extends boolean = boolean> extends Omit<EmbeddingBagOptions<Sparse>, 'weight' | 'seed'> {
  /** Called after each chunk of the file is read. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts the load (and the download); the promise rejects with the signal's reason and nothing stays allocated. */
  signal?: AbortSignal;
  /**
   * The bag's dtype. Default: fp32 for F32 / F16 / BF16 tensors (widened
   * exactly), what toSafetensors recorded for its own files; U8 tensors
   * (PyTorch's packed rows) need 'int8' or 'int4'. A float tensor with a
   * quantized dtype is quantized as the file streams, a block of rows at a
   * time, each row as quantize() writes it: the float table is never held,
   * so a 5 GB float32 file loads as its 1.4 GB of int8 rows.
   */
  dtype?: Dtype;
}

/**
 * A weight file: its bytes, a Blob / File, a fetch() Response, a
 * ReadableStream of bytes, a path (Node) or a URL (a string, or a URL object;
 * http(s) URLs are fetched in Node too). For fromSafetensors, a path or URL
 * ending in .index.json is a sharded checkpoint's index (Hugging Face's
 * model.safetensors.index.json): the tensor is read from the shard its
 * weight_map names.
 */
export type WeightSource =
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | Response
  | ReadableStream<Uint8Array>
  | string
  | { readonly href: string };

/** 1-D indices (with offsets) or a 2-D input (offsets null). */
export type BagInput = IndexArray | Tensor2D<IndexArray> | number[][];
/**
 * One weight per index (modes 'sum', 'mean', 'sqrtn'): flat, or for a 2-D
 * input rows of the input's shape.
 */
export type PerSampleWeights = FloatArray | Tensor2D<FloatArray> | number[][];

/**
 * Loads the wasm module. Call (and await) once before anything else; later
 * calls return the same info (call shutdown() first to load it anew). Never
 * throws because threads cannot run: it loads the single-threaded variant
 * and says why in info.reason.
 */
export declare function init(options?: InitOptions): Promise<InitInfo>;

/**
 * A table of numEmbeddings x embeddingDim float32 (or quantized) rows and
 * its bag reductions, like torch.nn.EmbeddingBag. `Sparse` follows the
 * `sparse` option and types backward()'s weight gradient.
 */
export declare class EmbeddingBag<Sparse extends boolean = false> {
  /**
   * A new bag: the table is options.weight (copied in) or N(0, 1) from
   * options.seed, with the padding row zero.
   * @throws TypeError / RangeError naming the argument and value, before anything is allocated
   */
  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingBagOptions<Sparse>);
  /** Like nn.EmbeddingBag.from_pretrained: the table is copied in. */
  static fromPretrained<S extends boolean = false>(
    embeddings: Tensor2D<FloatArray>,
    options?: Omit<EmbeddingBagOptions<S>, 'weight' | 'seed'>,
  ): EmbeddingBag<S>;

  /**
   * A bag whose table is a tensor of a safetensors file (see WeightSource),
   * streamed into wasm memory. F32, F16 or BF16 [N, D], or U8 [N, row bytes]
   * quantized rows (see options.dtype). options.tensor names the tensor when
   * the file (or sharded index) has more than one.
   */
  static fromSafetensors<S extends boolean = false>(
    source: WeightSource,
    options?: WeightFileOptions<S> & {
      tensor?: string;
      /**
       * true: also the optimizer, its state and step count that
       * toSafetensors({ optimizerState: true }) wrote (to resume training).
       */
      optimizerState?: boolean;
    },
  ): Promise<EmbeddingBag<S>>;
  /** The same from a NumPy .npy file (float32, float16 or uint8 rows; C order, 2-D). */
  static fromNpy<S extends boolean = false>(source: WeightSource, options?: WeightFileOptions<S>): Promise<EmbeddingBag<S>>;
  /**
   * A bag from a tensor of a torch.save file (.pt, .pth, pytorch_model.bin;
   * PyTorch >= 1.6), read without executing anything (only the globals
   * torch.save writes for tensors and containers are accepted). float32,
   * float16, bfloat16 (widened exactly) and float64 (rounded) tensors, views
   * as saved (offsets, strides); a uint8 tensor of packed rows with dtype
   * 'int8' / 'int4'. From bytes, a Blob or a path only the file's directory,
   * its pickle and the table's record are read, a contiguous float table
   * streamed (and quantized with a quantized dtype) a chunk at a time; a
   * Response or stream is read whole first.
   */
  static fromTorch<S extends boolean = false>(
    source: WeightSource,
    options?: WeightFileOptions<S> & {
      /** The tensor's dotted state_dict name; required when several 2-D float tensors are in the file. */
      tensor?: string;
    },
  ): Promise<EmbeddingBag<S>>;
  /**
   * An inference-only bag with the table quantized row by row (bit for bit as
   * PyTorch's prepack ops; fp16 rounds to nearest even). From a bag, its mode,
   * paddingIdx and includeLastOffset carry over unless overridden.
   */
  static quantize(
    source: EmbeddingBag<boolean> | Tensor2D<FloatArray>,
    options: { dtype: QuantizedDtype } & QuantizedBagOptions,
  ): EmbeddingBag<false>;
  /**
   * An inference-only bag over rows quantized elsewhere (numEmbeddings
   * default: from the length). A Float16Array is an fp16 table's rows.
   */
  static fromQuantized(
    bytes: Uint8Array | ArrayBuffer | ArrayBufferView,
    options: { dtype: QuantizedDtype; embeddingDim: number; numEmbeddings?: number } & QuantizedBagOptions,
  ): EmbeddingBag<false>;
  /**
   * The table as a safetensors file with one tensor named `name` (default
   * 'weight'): F32 [N, D], F16 [N, D] (fp16) or U8 [N, row bytes] (int8, int4).
   */
  toSafetensors(options?: {
    name?: string;
    metadata?: Record<string, string> | null;
    /**
     * true: also the optimizer's state arrays (tensors 'optimizer.<state>',
     * F32) and the optimizer with its step count (metadata), to resume
     * training with fromSafetensors(..., { optimizerState: true }).
     */
    optimizerState?: boolean;
  }): Uint8Array;
  /**
   * The table as a torch.save file (PyTorch >= 1.6) that torch.load reads as
   * a state dict { [name]: tensor } (name 'weight' by default):
   * float32, fp16 as float16, int8 / int4 as uint8 packed rows (PyTorch's
   * prepack layout); valid CRCs.
   */
  toTorch(options?: { name?: string }): Uint8Array;
  /** A float32 bag (same options) holding this quantized bag's values. */
  dequantize(): EmbeddingBag<false>;

  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly mode: Mode;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: Sparse;
  /** Wrapped to [0, numEmbeddings), as in PyTorch. */
  readonly paddingIdx: number | null;
  readonly includeLastOffset: boolean;
  /** Whether dispose() was called. */
  readonly disposed: boolean;
  /** 'fp32', or the row format of a quantized (inference-only) bag. */
  readonly dtype: Dtype;
  /** View of the table in wasm memory; re-read it after calls. Throws on a quantized bag. */
  readonly weight: Float32Array;
  /** A quantized bag's rows in wasm memory (N x row bytes); null for fp32. */
  readonly quantizedWeight: Uint8Array | null;

  /**
   * The bags' reductions, [B, embeddingDim].
   * @param input 1-D indices with offsets (B bag starts), or 2-D [B, L] with offsets null
   * @param perSampleWeights one weight per index (modes sum, mean, sqrtn)
   * @throws RangeError naming the first bad index or offset, its position and value; nothing changes
   */
  forward(input: BagInput, offsets?: IndexArray | null, perSampleWeights?: PerSampleWeights | null, options?: ForwardOptions): BagOutput;
  /**
   * Gradients of the most recent forward, for gradOutput (d loss / d output,
   * [B, embeddingDim]). The weight gradient is sparse (coalesced) when the
   * bag was made with sparse: true. Throws on a quantized bag.
   */
  backward(gradOutput: FloatArray | Tensor2D<FloatArray>, options?: BackwardOptions<WeightGradientOut<Sparse>>): Gradients<WeightGradient<Sparse>>;
  /**
   * One training step on the most recent forward: the weight gradient of
   * gradOutput ([B, embeddingDim]) for the batch's rows only (coalesced;
   * never an N x D gradient) and the optimizer's update of those rows and of
   * its state, in place. Works with sparse true or false; every mode,
   * paddingIdx, scaleGradByFreq, maxNorm and per-sample weights as
   * backward(). A batch of padding only changes no row but counts as a step.
   * @throws Error without an optimizer or a forward, or on a quantized bag;
   *   RangeError for a gradOutput of the wrong size (nothing changes)
   */
  step(gradOutput: FloatArray | Tensor2D<FloatArray>, options?: StepOptions): StepResult;
  /**
   * Sets the optimizer step() applies (null removes it). Its state starts
   * afresh: adagrad's sum at initialAccumulatorValue, the rest zero, step 0.
   * @throws TypeError / RangeError naming the option; the previous optimizer stays
   */
  setOptimizer(optimizer: OptimizerOptions | null): void;
  /** The optimizer step() applies, or null. */
  readonly optimizer: OptimizerInfo | null;
  /** Copies of the optimizer's state arrays (see OptimizerState), or null without an optimizer. */
  optimizerState(): OptimizerState | null;
  /** Frees the table and every buffer. Idempotent. */
  dispose(): void;
  /** dispose(), for `using bag = new EmbeddingBag(...)`. */
  [Symbol.dispose](): void;
}

/**
 * One table of an EmbeddingBagCollection (TorchRec's EmbeddingBagConfig):
 * its size, the features whose bags it pools, how.
 */
export interface EmbeddingBagConfig {
  /** The table's name (TorchRec's state_dict: 'embedding_bags.<name>.weight'). */
  name: string;
  numEmbeddings: number;
  embeddingDim: number;
  /** The features (KJT keys) this table pools, each its own bags and output slice. */
  featureNames: readonly string[];
  /** Default 'sum', as TorchRec's PoolingType. */
  pooling?: Mode;
  /** 'fp32' (default), or a quantized row format (inference only). */
  dtype?: Dtype;
  /** numEmbeddings * embeddingDim floats, copied in (default: N(0, 1) from the collection's seed + the table's index). */
  weight?: FloatArray;
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
}

/** Options of an EmbeddingBagCollection. */
export interface CollectionOptions<Sparse extends boolean = boolean> {
  /** Table t's default weights come from seed + t. */
  seed?: number | bigint;
  /** backward() returns each table's gradient sparse (coalesced). */
  sparse?: Sparse;
  /** The KJT carries one weight per id (tables pool with sum, mean or sqrtn). */
  isWeighted?: boolean;
  /** The optimizer of every table, for step() (one table's own: table(name).setOptimizer). */
  optimizer?: OptimizerOptions | null;
}

/**
 * TorchRec's KeyedJaggedTensor: for each key (feature), B bags of ids.
 * `values` are key-major: key 0's bags for samples 0..B-1, then key 1's.
 */
export interface KeyedJaggedTensor {
  /** Every feature of the collection, once, in any order. */
  keys: readonly string[];
  values: IndexArray;
  /** keys.length x B bag lengths (or give offsets: keys.length x B + 1). */
  lengths?: IndexArray;
  offsets?: IndexArray;
  /** One weight per id, when the collection isWeighted. */
  weights?: FloatArray;
}

/** EmbeddingBagCollection.backward()'s options: out by table name (tables left out get copies). */
export interface CollectionBackwardOptions<W extends Float32Array | SparseGradientOut = Float32Array | SparseGradientOut> extends ResultOptions {
  /** Each named table's weight-gradient destination, as EmbeddingBag.backward's out. */
  out?: Record<string, W>;
  /** A Float32Array of one float per id of the last forward, for the weights' gradient (isWeighted). */
  perSampleWeightsOut?: Float32Array;
}

/** TorchRec's KeyedTensor: every feature's pooled embeddings side by side. */
export interface KeyedTensor {
  /** The features, in the collection's order (tables in order, each table's featureNames in order). */
  keys: string[];
  /** Each feature's columns (its table's embeddingDim). */
  lengthPerKey: number[];
  /** [B, sum of lengthPerKey], row-major. */
  values: Float32Array;
  shape: [number, number];
  /** Where each feature's columns start in a row of values, and the total width last (TorchRec's offset_per_key). */
  readonly offsetPerKey: number[];
  /** One feature's [B, its D] embeddings, row-major (a new array). @throws RangeError for a key it does not have */
  get(key: string): Float32Array;
  /** Every feature's [B, D] embeddings by key (TorchRec's to_dict()), each a new array. */
  toDict(): Record<string, Float32Array>;
}

/**
 * Many tables, one call: TorchRec's EmbeddingBagCollection. Each table is an
 * EmbeddingBag the collection owns (`table(name)`); forward() pools every
 * feature of a KeyedJaggedTensor in one call into the module; backward()
 * returns each table's gradient, summed over the features that share it.
 * Results equal one EmbeddingBag per (feature, table), bit for bit, on any
 * number of threads.
 */
export declare class EmbeddingBagCollection<Sparse extends boolean = false> {
  /** @throws TypeError / RangeError naming the table and the key, before anything is allocated */
  constructor(tables: readonly EmbeddingBagConfig[], options?: CollectionOptions<Sparse>);
  /**
   * A collection whose tables are read from a safetensors file with TorchRec's
   * state_dict names ('embedding_bags.<name>.weight'); numEmbeddings and
   * embeddingDim may be left out of the configs.
   */
  static fromSafetensors<S extends boolean = false>(
    source: WeightSource,
    tables: readonly (Omit<EmbeddingBagConfig, 'numEmbeddings' | 'embeddingDim' | 'weight'> & { numEmbeddings?: number; embeddingDim?: number })[],
    options?: Omit<CollectionOptions<S>, 'seed'> & Pick<WeightFileOptions, 'onProgress' | 'signal'>,
  ): Promise<EmbeddingBagCollection<S>>;
  /**
   * A collection from a torch.save file (a TorchRec model's state_dict):
   * table t from the tensor 'embedding_bags.<t>.weight' under any prefix
   * (a model's, DataParallel's 'module.'); an ambiguous name is a RangeError
   * listing the candidates.
   */
  static fromTorch<S extends boolean = false>(
    source: WeightSource,
    tables: readonly (Omit<EmbeddingBagConfig, 'numEmbeddings' | 'embeddingDim' | 'weight'> & { numEmbeddings?: number; embeddingDim?: number })[],
    options?: Omit<CollectionOptions<S>, 'seed'> & Pick<WeightFileOptions, 'onProgress' | 'signal'>,
  ): Promise<EmbeddingBagCollection<S>>;
  /** Every fp32 / fp16 table as one safetensors file under TorchRec's state_dict names. */
  toSafetensors(): Uint8Array;
  /** Every table as one torch.save file under TorchRec's state_dict names (torch.load reads it). */
  toTorch(): Uint8Array;
  /** The table named `name` (owned by the collection: dispose the collection, not it). */
  table(name: string): EmbeddingBag<Sparse>;
  readonly tableNames: string[];
  /** The output's keys: every feature in the collection's order. */
  readonly featureNames: string[];
  readonly lengthPerKey: number[];
  readonly sparse: Sparse;
  readonly isWeighted: boolean;
  readonly disposed: boolean;
  /**
   * Pools every feature of the KJT in one call.
   * @throws RangeError naming the key, the sample and the table of a bad id; TypeError / RangeError for keys, lengths and weights; nothing changes
   */
  forward(kjt: KeyedJaggedTensor, options?: ForwardOptions): KeyedTensor;
  /**
   * Gradients of the last forward for gradValues ([B, sum of D]): each
   * table's by name, and the per-id weights' (KJT order) when isWeighted.
   */
  backward(
    gradValues: FloatArray | Tensor2D<FloatArray>,
    options?: CollectionBackwardOptions<WeightGradientOut<Sparse>>,
  ): { weight: Record<string, WeightGradient<Sparse>>; perSampleWeights: Float32Array | null };
  /**
   * One training step on the last forward, TorchRec's fused optimizer: every
   * table's rows of the batch updated in place by its optimizer from
   * gradValues ([B, sum of D]; a table's features summed as in backward),
   * with no weight gradient made. Returns the per-id weights' gradient (KJT
   * order) when isWeighted.
   * @throws Error when a table has no optimizer or is quantized (nothing changes)
   */
  step(gradValues: FloatArray | Tensor2D<FloatArray>, options?: StepOptions): StepResult;
  /** Sets (null: removes) every table's optimizer; each table's state starts afresh. */
  setOptimizer(optimizer: OptimizerOptions | null): void;
  /** Each table's optimizerState(), by table name. */
  optimizerState(): Record<string, OptimizerState | null>;
  /** Frees every table. Idempotent. */
  dispose(): void;
  /** dispose(), for `using`. */
  [Symbol.dispose](): void;
}

/** Options of embeddingBag(), as F.embedding_bag's keyword arguments. */
export interface FunctionalOptions {
  mode?: Mode;
  maxNorm?: number | null;
  normType?: number;
  paddingIdx?: number | null;
  includeLastOffset?: boolean;
  perSampleWeights?: PerSampleWeights | null;
}

/** A tensor of a state dict file, as readStateDict lists it. */
export interface StateDictEntry {
  /** Its state_dict name: nested dict keys joined by '.' ('' for a tensor saved alone). */
  name: string;
  /** PyTorch's name of its dtype: 'float32', 'float16', 'bfloat16', 'uint8', 'int64', ... */
  dtype: string;
  shape: number[];
}

/**
 * Every tensor of a .pt (torch.save) or .safetensors file, decoding no
 * tensor data (a safetensors file is read to the end of its header).
 */
export declare function readStateDict(source: WeightSource, options?: { signal?: AbortSignal }): Promise<StateDictEntry[]>;

/** Like torch.nn.functional.embedding_bag; with maxNorm, weight.data is renormalised in place. */
export declare function embeddingBag(
  weight: Tensor2D<FloatArray>,
  input: BagInput,
  offsets?: IndexArray | null,
  options?: FunctionalOptions,
): BagOutput;

/** The wasm heap's size and the bytes the package's allocator has handed out. */
export declare function memoryInfo(): { heapBytes: number; allocatedBytes: number };

/** Stops the worker threads and unloads the module; bags made before stop working. init() may follow. */
export declare function shutdown(): void;
