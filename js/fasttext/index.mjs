// embedding-bag-wasm/fasttext: fastText supervised models (.bin, .ftz) on
// the package's EmbeddingBag. A text's hidden vector is the `mean` bag of its
// input rows (words, char n-grams, word n-grams: dictionary.mjs), the output
// layer one ebag::row_dots call (fastText's dotRow, in wasm), then its loss
// (losses.mjs).
import { EmbeddingBag, internals } from '../embedding-bag.mjs';
import { show } from '../errors.mjs';
import { currentPlatform } from '../module.mjs';
import { openSource } from '../sources.mjs';
import { Dictionary } from './dictionary.mjs';
import { predictor } from './losses.mjs';
import { readModel } from './reader.mjs';

const f32 = Math.fround;

async function readAll(source) {
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
  const { k = 1, threshold = 0 } = options ?? {};
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
    const { words, ids } = this.#dictionary.line(text);
    return { words, ids: Int32Array.from(ids) };
  }

  // The hidden vectors of texts' rows: one mean bag each, one call.
  #hidden(lines) {
    const offsets = new Int32Array(lines.length);
    let total = 0;
    lines.forEach((line, t) => {
      offsets[t] = total;
      total += line.ids.length;
    });
    const ids = new Int32Array(total);
    lines.forEach((line, t) => ids.set(line.ids, offsets[t]));
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
    texts.forEach((text, i) => checkText(text, `texts[${i}]`));
    const { k, threshold } = predictOptions(options);
    const lines = texts.map((text) => this.#dictionary.line(text));
    const hidden = this.#hidden(lines);
    const scores = this.#scores(hidden, lines.length);
    const labels = this.#dictionary.labels;
    const rows = this.#output.numEmbeddings;
    return lines.map((line, t) => {
      if (line.ids.length === 0) return [];
      return this.#predict(scores.subarray(t * rows, (t + 1) * rows), k === -1 ? rows : k, threshold)
        .map(([score, label]) => ({ label: labels[label], probability: f32(Math.exp(score)) }));
    });
  }

  /** fastText's getSentenceVector for a supervised model: the mean of the line's rows. */
  sentenceVector(text) {
    this.#live();
    checkText(text, 'text');
    return this.#hidden([this.#dictionary.line(text)]);
  }

  /** fastText's getWordVector: the mean of the word's rows (zeros when it has none). */
  wordVector(word) {
    this.#live();
    if (typeof word !== 'string') throw new TypeError(`word must be a string, not ${show(word)}`);
    return this.#hidden([{ ids: this.#dictionary.wordRows(word) }]);
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
