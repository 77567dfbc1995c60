// embedding-bag-wasm/fasttext: fastText supervised models (.bin, .ftz) on
// the package's EmbeddingBag. A text's hidden vector is the `mean` bag of its
// input rows (words, char n-grams, word n-grams: dictionary.mjs), the output
// layer one ebag::row_dots call (fastText's dotRow, in wasm), then its loss
// (losses.mjs).
import { EmbeddingBag, internals } from '../embedding-bag.mjs';
import { show } from '../errors.mjs';
import { currentPlatform } from '../module.mjs';
import { checkKnownKeys, ownOptions } from '../options.mjs';
import { openSource } from '../sources.mjs';
import { Dictionary, RowSink } from './dictionary.mjs';
import { modelParts } from './internals.mjs';
import { predictor } from './losses.mjs';
import { readModel } from './reader.mjs';
import { writeModel } from './writer.mjs';

const f32 = Math.fround;

// The whole file: a model is parsed at once (no progress to report). A
// Response is read with arrayBuffer(): Chromium can list a body read through
// a stream reader as an aborted request even when every byte arrived.
async function readAll(source) {
  if (typeof Response === 'function' && source instanceof Response && source.ok && !source.bodyUsed) {
    return new Uint8Array(await source.arrayBuffer());
  }
  const { total, chunks } = await openSource(source, currentPlatform(), 'a fastText model');
  const parts = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.byteLength;
  }
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(total ?? length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

function checkText(text, what) {
  if (typeof text !== 'string') throw new TypeError(`${what} must be a string, not ${show(text)}`);
  const newline = text.indexOf('\n');
  if (newline >= 0) throw new RangeError(`${what} contains "\\n" at position ${newline}: fastText predicts one line at a time`);
}

function predictOptions(options) {
  const given = options === undefined ? {} : ownOptions(options, 'predict options');
  checkKnownKeys(given, ['k', 'threshold'], 'predict');
  const { k = 1, threshold = 0 } = given;
  if (!(Number.isInteger(k) && (k >= 1 || k === -1))) throw new RangeError(`k = ${show(k)} must be an integer >= 1, or -1 for every label`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new TypeError(`threshold = ${show(threshold)} must be a number`);
  return { k, threshold: f32(threshold) };
}

export class FastText {
  #input;
  #output;
  #norms;
  #dictionary;
  #predict;
  #args;
  #saved; // { args, dictionary } as read (or trained), for toBin()

  /** A model from a path (Node), URL, bytes, Blob or Response. */
  static async load(source) {
    const model = readModel(await readAll(source));
    if (model.args.model !== 'supervised') {
      throw new TypeError(`the fastText model is a ${model.args.model} (word vectors) model: FastText predicts with supervised models`);
    }
    return new FastText(model);
  }

  constructor(model) {
    const { args, dictionary, input, output } = model;
    this.#args = Object.freeze({ ...args, quantized: model.quantized, version: model.version });
    this.#dictionary = new Dictionary(dictionary, args);
    this.#input = new EmbeddingBag(input.rows, args.dim, { mode: 'mean', weight: input.data });
    try {
      this.#output = new EmbeddingBag(output.rows, args.dim, { mode: 'sum', weight: output.data });
    } catch (error) {
      this.#input.dispose();
      throw error;
    }
    this.#norms = output.norms;
    const counts = Array.from(dictionary.counts.subarray(dictionary.nwords));
    this.#predict = predictor(args.loss, counts);
    this.#saved = { args, dictionary, quantized: model.quantized };
    modelParts.set(this, { input: this.#input, output: this.#output, dictionary: this.#dictionary });
  }

  #live() {
    if (this.#input === null) throw new Error('this FastText model was disposed');
  }

  get disposed() { return this.#input === null; }
  get labels() { return this.#dictionary.labels.slice(); }
  get dim() { return this.#args.dim; }
  get args() { return this.#args; }

  /** The tokens fastText reads for the line, and the input rows it uses, in its order. */
  tokenize(text) {
    this.#live();
    checkText(text, 'text');
    const { words, ids } = this.#dictionary.line(text, true);
    return { words, ids: Int32Array.from(ids) };
  }

  // The hidden vectors of bags of rows (offsets: where each starts): one
  // mean bag each, one call.
  #hidden(ids, offsets) {
    return this.#input.forward(ids, offsets).data;
  }

  // Scores of every output row for every hidden vector, in one wasm call
  // (ebag::row_dots: fastText's dotRow, float32 in column order); rows of a
  // -qout matrix then times their norm, as fastText's mulcode.
  #scores(hidden, count) {
    const scores = internals.rowDots(this.#output, hidden, count);  // read before any other call
    if (this.#norms) {
      const rows = this.#norms.length;
      for (let i = 0; i < scores.length; i++) scores[i] = f32(scores[i] * this.#norms[i % rows]);
    }
    return scores;
  }

  /** The k most likely labels of one line of text: [{ label, probability }]. */
  predict(text, options) {
    this.#live();
    checkText(text, 'text');
    return this.predictBatch([text], options)[0];
  }

  /** predict() for many texts: one EmbeddingBag call for all of them. */
  predictBatch(texts, options) {
    this.#live();
    if (!Array.isArray(texts)) throw new TypeError(`texts must be an array of strings, not ${show(texts)}`);
    texts = Array.from(texts);  // each element read once: what is checked is what is used
    texts.forEach((text, i) => checkText(text, `texts[${i}]`));
    const { k, threshold } = predictOptions(options);
    const sink = new RowSink(16 * texts.length + 16);
    const offsets = new Int32Array(texts.length + 1);
    texts.forEach((text, t) => {
      offsets[t] = sink.length;
      this.#dictionary.appendLine(text, sink);
    });
    offsets[texts.length] = sink.length;
    const hidden = this.#hidden(sink.rows, offsets.subarray(0, texts.length));
    const scores = this.#scores(hidden, texts.length);
    const labels = this.#dictionary.labels;
    const rows = this.#output.numEmbeddings;
    const out = new Array(texts.length);
    for (let t = 0; t < texts.length; t++) {
      // fastText predicts nothing for a line without input rows.
      if (offsets[t + 1] === offsets[t]) {
        out[t] = [];
        continue;
      }
      const best = this.#predict(scores.subarray(t * rows, (t + 1) * rows), k === -1 ? rows : k, threshold);
      out[t] = best.map(([score, label]) => ({ label: labels[label], probability: f32(Math.exp(score)) }));
    }
    return out;
  }

  /** fastText's getSentenceVector for a supervised model: the mean of the line's rows. */
  sentenceVector(text) {
    this.#live();
    checkText(text, 'text');
    return this.#hidden(this.#dictionary.line(text).ids, new Int32Array(1));
  }

  /** fastText's getWordVector: the mean of the word's rows (zeros when it has none). */
  wordVector(word) {
    this.#live();
    if (typeof word !== 'string') throw new TypeError(`word must be a string, not ${show(word)}`);
    return this.#hidden(this.#dictionary.wordRows(word), new Int32Array(1));
  }

  /**
   * The model as a fastText .bin file (fastText 0.9.2's format, version 12):
   * `fasttext predict-prob` reads it and answers as this model does. Dense
   * models only: a quantized (.ftz) model's rows are not written back.
   */
  toBin() {
    this.#live();
    const { args, dictionary, quantized } = this.#saved;
    if (quantized) throw new TypeError('toBin() writes dense models; this model is quantized (.ftz): save the .ftz it was loaded from');
    const matrix = (bag) => ({ rows: bag.numEmbeddings, cols: args.dim, data: bag.weight });
    return writeModel({ args, dictionary, input: matrix(this.#input), output: matrix(this.#output) });
  }

  /** Frees the model's tables. Idempotent. */
  dispose() {
    this.#input?.dispose();
    this.#output?.dispose();
    this.#input = null;
    this.#output = null;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  FastText.prototype[Symbol.dispose] = FastText.prototype.dispose;
}

export { FastTextTrainer } from './train.mjs';
