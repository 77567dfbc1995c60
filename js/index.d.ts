// Types of embedding-bag-wasm (hand-written; checked by tests/node/types.test.mjs).

/** Integer indices: int32, int64 (BigInt64Array) or plain numbers. */
export type IndexArray = Int32Array | BigInt64Array | number[];

/** A row-major 2-D array. */
export interface Tensor2D<T> {
  data: T;
  shape: [number, number];
}

/**
 * How a bag is reduced: 'sum'; 'mean' (sum / count, or with per-sample
 * weights sum(w x) / sum(w)); 'max' (element-wise, no per-sample weights);
 * 'sqrtn' (sum / sqrt(count), or with weights sum(w x) / sqrt(sum(w^2)):
 * TensorFlow's combiner). A zero divisor gives zeros.
 */
export type Mode = 'sum' | 'mean' | 'max' | 'sqrtn';

export interface InitOptions {
  /** 'auto' (default) or a thread count; > 1 asks for the threaded build. */
  threads?: number | 'auto';
  /** Calls with fewer bag entries x embeddingDim stay on the calling thread (default 65536). */
  minParallelWork?: number;
  /** Browser: URL prefix where the files of dist/ are served (for bundlers that do not handle new URL(..., import.meta.url)). */
  wasmPaths?: string;
}

export interface InitInfo {
  variant: 'simd' | 'simd-threaded';
  simd: true;
  threads: number;
  /** Why fewer threads run than were asked for. */
  reason?: string;
}

export interface EmbeddingBagOptions {
  /** Default 'mean', as in PyTorch and lucid. */
  mode?: Mode;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  /** backward() returns a sparse (coalesced) weight gradient. */
  sparse?: boolean;
  /** May be negative (wraps by adding numEmbeddings). */
  paddingIdx?: number | null;
  includeLastOffset?: boolean;
  /** numEmbeddings * embeddingDim floats, copied in. Default: N(0, 1), padding row 0. */
  weight?: Float32Array | number[];
  /** Seed of the default initialisation. */
  seed?: number | bigint;
}

export interface BagOutput {
  data: Float32Array;
  shape: [number, number];
}

export interface SparseGradient {
  /** Sorted unique row ids. */
  indices: Int32Array;
  /** indices.length * embeddingDim floats, row-major. */
  values: Float32Array;
  shape: [number, number];
}

export interface Gradients<W extends Float32Array | SparseGradient = Float32Array | SparseGradient> {
  weight: W;
  perSampleWeights: Float32Array | null;
}

export interface ResultOptions {
  /**
   * true (default): results are fresh arrays. false: views of wasm memory,
   * no allocation or copy; valid until the next call into the package (a
   * later call overwrites them, or grows the memory and detaches them).
   */
  copy?: boolean;
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

export interface WeightFileOptions extends Omit<EmbeddingBagOptions, 'weight' | 'seed'> {
  /**
   * The bag's dtype. Default: fp32 for F32 / F16 tensors (F16 widened), what
   * toSafetensors recorded for its own files; U8 tensors (PyTorch's packed
   * rows) need 'int8' or 'int4'. An F32 / F16 tensor with a quantized dtype
   * is quantized on load.
   */
  dtype?: Dtype;
}

/** A weight file: its bytes, a path (Node) or a URL (a string, or a URL object). */
export type WeightSource = Uint8Array | ArrayBuffer | string | { readonly href: string };

/** 1-D indices (with offsets) or a 2-D input (offsets null). */
export type BagInput = IndexArray | Tensor2D<IndexArray> | number[][];
/**
 * One weight per index (modes 'sum', 'mean', 'sqrtn'): flat, or for a 2-D
 * input rows of the input's shape.
 */
export type PerSampleWeights = Float32Array | number[] | Tensor2D<Float32Array | number[]> | number[][];

export declare function init(options?: InitOptions): Promise<InitInfo>;

export declare class EmbeddingBag {
  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingBagOptions);
  /** Like nn.EmbeddingBag.from_pretrained: the table is copied in. */
  static fromPretrained(
    embeddings: Tensor2D<Float32Array | number[]>,
    options?: Omit<EmbeddingBagOptions, 'weight' | 'seed'>,
  ): EmbeddingBag;

  /**
   * A bag whose table is a tensor of a safetensors file: bytes, a path (Node)
   * or a URL (fetched, streamed into wasm memory, in the browser). F32 or F16
   * [N, D], or U8 [N, row bytes] quantized rows (see options.dtype).
   */
  static fromSafetensors(
    source: WeightSource,
    options?: WeightFileOptions & { tensor?: string },
  ): Promise<EmbeddingBag>;
  /** The same from a NumPy .npy file (float32, float16 or uint8 rows; C order, 2-D). */
  static fromNpy(source: WeightSource, options?: WeightFileOptions): Promise<EmbeddingBag>;
  /**
   * An inference-only bag with the table quantized row by row (bit for bit as
   * PyTorch's prepack ops; fp16 rounds to nearest even). From a bag, its mode,
   * paddingIdx and includeLastOffset carry over unless overridden.
   */
  static quantize(
    source: EmbeddingBag | Tensor2D<Float32Array | number[]>,
    options: { dtype: QuantizedDtype } & QuantizedBagOptions,
  ): EmbeddingBag;
  /** An inference-only bag over rows quantized elsewhere (numEmbeddings default: from the length). */
  static fromQuantized(
    bytes: Uint8Array | ArrayBuffer | ArrayBufferView,
    options: { dtype: QuantizedDtype; embeddingDim: number; numEmbeddings?: number } & QuantizedBagOptions,
  ): EmbeddingBag;
  /**
   * The table as a safetensors file with one tensor named `name` (default
   * 'weight'): F32 [N, D], F16 [N, D] (fp16) or U8 [N, row bytes] (int8, int4).
   */
  toSafetensors(options?: { name?: string; metadata?: Record<string, string> | null }): Uint8Array;
  /** A float32 bag (same options) holding this quantized bag's values. */
  dequantize(): EmbeddingBag;

  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly mode: Mode;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  /** Wrapped to [0, numEmbeddings), as in PyTorch. */
  readonly paddingIdx: number | null;
  readonly includeLastOffset: boolean;
  readonly disposed: boolean;
  /** 'fp32', or the row format of a quantized (inference-only) bag. */
  readonly dtype: Dtype;
  /** View of the table in wasm memory; re-read it after calls. Throws on a quantized bag. */
  readonly weight: Float32Array;
  /** A quantized bag's rows in wasm memory (N x row bytes); null for fp32. */
  readonly quantizedWeight: Uint8Array | null;

  forward(input: BagInput, offsets?: IndexArray | null, perSampleWeights?: PerSampleWeights | null, options?: ResultOptions): BagOutput;
  /** Gradients of the most recent forward. Throws on a quantized bag. */
  backward(gradOutput: Float32Array | Tensor2D<Float32Array>, options?: ResultOptions): Gradients;
  dispose(): void;
}

export interface FunctionalOptions {
  mode?: Mode;
  maxNorm?: number | null;
  normType?: number;
  paddingIdx?: number | null;
  includeLastOffset?: boolean;
  perSampleWeights?: PerSampleWeights | null;
}

/** Like torch.nn.functional.embedding_bag; with maxNorm, weight.data is renormalised in place. */
export declare function embeddingBag(
  weight: Tensor2D<Float32Array | number[]>,
  input: BagInput,
  offsets?: IndexArray | null,
  options?: FunctionalOptions,
): BagOutput;

export declare function memoryInfo(): { heapBytes: number; allocatedBytes: number };

/** Stops the worker threads and unloads the module; bags made before stop working. init() may follow. */
export declare function shutdown(): void;
