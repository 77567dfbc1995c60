/// <reference path="../index.d.ts" />
/**
 * embedding-bag-wasm/fasttext: fastText supervised models (.bin and .ftz, as
 * fastText 0.9.2 writes them) on the package's EmbeddingBag. Call (and
 * await) `init()` from 'embedding-bag-wasm' first.
 *
 * @packageDocumentation
 */

/** One predicted label. */
export interface Prediction {
  /** As in the model, e.g. '__label__de'. */
  label: string;
  /** What fastText prints: exp(log(p + 1e-5)), so in [1e-5, 1.00001]. */
  probability: number;
}

/** Options of predict() and predictBatch(). */
export interface PredictOptions {
  /** How many labels (best first); -1: every label. Default 1. */
  k?: number;
  /** Labels whose probability is below it are left out (hs: subtrees below log(threshold + 1e-5)). Default 0. */
  threshold?: number;
}

/** The training arguments stored in the model file. */
export interface FastTextArgs {
  readonly dim: number;
  readonly ws: number;
  readonly epoch: number;
  readonly minCount: number;
  readonly neg: number;
  readonly wordNgrams: number;
  readonly loss: 'softmax' | 'hs' | 'ova' | 'ns';
  readonly model: 'supervised';
  readonly bucket: number;
  readonly minn: number;
  readonly maxn: number;
  readonly lrUpdateRate: number;
  readonly t: number;
  /** Whether the output matrix is product-quantized (`fasttext quantize -qout`). */
  readonly qout: boolean;
  /** Whether the input matrix is product-quantized (a .ftz file). */
  readonly quantized: boolean;
  /** The file's format version (at most 12). */
  readonly version: number;
}

/** A model file: as the package's weight files (bytes, Blob, Response, stream, path, URL). */
export type FastTextSource = import('../index.js').WeightSource;

/** A fastText supervised model. */
export declare class FastText {
  /**
   * Reads a model: a path (Node), a URL, bytes (any offset), a Blob or a
   * Response. A file that is not a fastText model is a TypeError; a truncated
   * or inconsistent one (or a version above 12) a RangeError.
   */
  static load(source: FastTextSource): Promise<FastText>;
  /** The labels, in the model's order. */
  readonly labels: string[];
  /** The embedding dimension. */
  readonly dim: number;
  readonly args: FastTextArgs;
  /** What fastText predicts for the line `text + "\n"` (a text with "\n" is a RangeError). */
  predict(text: string, options?: PredictOptions): Prediction[];
  /** predict() for many texts, their hidden vectors in one EmbeddingBag call. */
  predictBatch(texts: string[], options?: PredictOptions): Prediction[][];
  /** fastText's getSentenceVector: the mean of the line's input rows. */
  sentenceVector(text: string): Float32Array;
  /** fastText's getWordVector: the mean of the word's rows (its own and its char n-grams). */
  wordVector(word: string): Float32Array;
  /** The tokens fastText reads for the line (up to and with '</s>'), and the input rows it uses, in its order. */
  tokenize(text: string): { words: string[]; ids: Int32Array };
  /** Frees the model's tables. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}
