/// <reference path="../index.d.ts" />
/**
 * embedding-bag-wasm/fasttext: fastText supervised models (.bin and .ftz, as
 * fastText 0.9.2 writes them) on the package's EmbeddingBag, and training
 * new ones on device (FastTextTrainer) saved as .bin files fastText reads.
 * Call (and await) `init()` from 'embedding-bag-wasm' first.
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
   * Reads a model: a path (Node), a URL, bytes (any offset), a Blob, a
   * Response or a ReadableStream; `signal` aborts the read at once. A file
   * that is not a fastText model is a TypeError after its first bytes; a
   * truncated or inconsistent one (matrices that disagree with the
   * dictionary, a version above 12) a RangeError.
   */
  static load(source: FastTextSource, options?: {
    signal?: AbortSignal;
    /**
     * The input matrix quantized as the file streams (never held as
     * float32), so that a model larger than the wasm memory loads (a 4M x
     * 300 matrix: 4.8 GB of floats, 1.2 GB as int8). Predictions then differ
     * from fastText's: on the golden models fp16 agreed on every top label
     * (largest probability difference 2.6e-4), int8 on 98% (5.2e-3); see
     * docs/fasttext.md. The output matrix stays float32; toBin() refuses.
     */
    dtype?: 'int8' | 'int4' | 'fp16';
  }): Promise<FastText>;
  /** The input matrix's dtype: 'fp32', or load's options.dtype. */
  readonly dtype: 'fp32' | 'int8' | 'int4' | 'fp16';
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
  /**
   * The model as a fastText .bin file (version 12, as fastText 0.9.2 saves
   * it): `fasttext predict-prob` reads it and answers as this model does.
   * A .bin that was loaded is written back byte for byte.
   * @throws TypeError for a quantized (.ftz) model
   */
  toBin(): Uint8Array;
  /** Frees the model's tables. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** One training line: its text and its label (with or without fastText's __label__ prefix). */
export interface TrainingExample {
  text: string;
  label: string;
}

/**
 * Options of FastTextTrainer. Defaults are for small models in a page, not
 * fastText's CLI defaults: dim 16, minn 2, maxn 4, bucket 50000,
 * wordNgrams 1, minCount 1, epoch 5, batchSize 16, optimizer 'adagrad' (lr
 * 0.1; 'sgd': lr 1), seed 1.
 */
export interface TrainOptions {
  dim?: number;
  /** Char n-grams of minn..maxn characters (maxn 0: none). */
  minn?: number;
  maxn?: number;
  /** Rows for char n-grams and word n-grams (hashed). */
  bucket?: number;
  wordNgrams?: number;
  /** Words seen fewer times are left out of the dictionary (their char n-grams stay). */
  minCount?: number;
  /** Epochs train() runs by default. */
  epoch?: number;
  /** Examples per step; gradients are averaged over a batch. */
  batchSize?: number;
  /**
   * The input table's optimizer (EmbeddingBag.step); the output layer's is
   * the same, in JS. A name, or { name, lr } as the package's bags take it.
   */
  optimizer?: 'adagrad' | 'sgd' | { name: 'adagrad' | 'sgd'; lr?: number };
  lr?: number;
  /** Seeds the initial rows and the shuffle: the same seed gives the same model bits. */
  seed?: number;
}

/** What train()'s onProgress hears after each step. */
export interface TrainProgress {
  epochs: number;
  steps: number;
  /** The step's mean loss (-log p(label)). */
  loss: number;
}

/**
 * Trains a fastText supervised model (softmax loss) on device: fastText's
 * dictionary and input rows (words, char n-grams, word n-grams), the
 * input table an EmbeddingBag trained by step() with its optimizer, the
 * output layer updated in JS, mini-batches of shuffled examples. The model
 * predicts at any time (`model`) and saves with model.toBin(), which
 * fastText's CLI reads and answers identically.
 */
export declare class FastTextTrainer {
  /**
   * @param examples { text, label } each, or lines of a fastText training
   *   file ('__label__x some text': one label per line, anywhere in it;
   *   lines without a label are skipped, as fastText skips them)
   * @throws TypeError / RangeError naming the example or option; nothing is allocated
   */
  constructor(examples: readonly (TrainingExample | string)[], options?: TrainOptions);
  /**
   * A trainer on a fastText training file (its lines, as the constructor
   * takes them): a path (Node), URL, bytes, Blob, Response or stream;
   * `signal` aborts the read.
   */
  static fromFile(source: FastTextSource, options?: TrainOptions & { signal?: AbortSignal }): Promise<FastTextTrainer>;
  /** The model being trained (owned by the trainer: dispose the trainer). */
  readonly model: FastText;
  /** Epochs done so far (fractional). */
  readonly epochs: number;
  readonly steps: number;
  /** The options in effect, defaults filled in. */
  readonly options: Required<Omit<TrainOptions, 'optimizer'>> & { optimizer: 'adagrad' | 'sgd' };
  /** One mini-batch; returns its mean loss. */
  step(): number;
  /**
   * Steps until `epochs` more epochs are done; without `epochs`, up to the
   * epoch option, or (that many done) that many more. Returns the last
   * epoch's mean loss.
   */
  train(options?: { epochs?: number; onProgress?: (progress: TrainProgress) => void }): number;
  /** Mean loss and top-1 accuracy over examples. */
  evaluate(examples: readonly TrainingExample[]): { loss: number; accuracy: number };
  /** Frees the model. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}
