// Types of embedding-bag-wasm (hand-written; checked by tests/node/types.test.mjs).

/** Integer indices: int32, int64 (BigInt64Array) or plain numbers. */
export type IndexArray = Int32Array | BigInt64Array | number[];

/** A row-major 2-D array. */
export interface Tensor2D<T> {
  data: T;
  shape: [number, number];
}

export type Mode = 'sum' | 'mean' | 'max';

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

/** A weight file: its bytes, a path (Node) or a URL (a string, or a URL object). */
export type WeightSource = Uint8Array | ArrayBuffer | string | { readonly href: string };

/** 1-D indices (with offsets) or a 2-D input (offsets null). */
export type BagInput = IndexArray | Tensor2D<IndexArray> | number[][];
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
   * (widened to float32), shape [N, D].
   */
  static fromSafetensors(
    source: WeightSource,
    options?: Omit<EmbeddingBagOptions, 'weight' | 'seed'> & { tensor?: string },
  ): Promise<EmbeddingBag>;
  /** The same from a NumPy .npy file (float32 or float16, C order, 2-D). */
  static fromNpy(
    source: WeightSource,
    options?: Omit<EmbeddingBagOptions, 'weight' | 'seed'>,
  ): Promise<EmbeddingBag>;
  /** The table as a safetensors file: one F32 tensor [N, D] named `name` (default 'weight'). */
  toSafetensors(options?: { name?: string; metadata?: Record<string, string> | null }): Uint8Array;

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
  /** View of the table in wasm memory; re-read it after calls. */
  readonly weight: Float32Array;

  forward(input: BagInput, offsets?: IndexArray | null, perSampleWeights?: PerSampleWeights | null, options?: ResultOptions): BagOutput;
  /** Gradients of the most recent forward. */
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
