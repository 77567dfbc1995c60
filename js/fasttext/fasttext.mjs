// FastText: a fastText supervised model (.bin, .ftz) that predicts, gives
// sentence and word vectors, and writes itself as a .bin. Thin over
// FastTextModel (model.mjs: the tables, the dictionary, the loss), which
// FastTextTrainer shares.
import { isArray, show } from '../errors.mjs';
import { currentPlatform } from '../module.mjs';
import { readList } from '../inputs.mjs';
import { checkKnownKeys, ownOptions } from '../options.mjs';
import { checkSignal } from '../sources.mjs';
import { EmbeddingBag, streamedBag } from '../embedding-bag.mjs';
import { quantizedDtype } from '../quantized.mjs';
import { RowSink } from './dictionary.mjs';
import { FastTextModel } from './model.mjs';
import { readModel } from './reader.mjs';
import { readQuantizedModel, readWholeModel } from './stream.mjs';
import { writeModel } from './writer.mjs';

const f32 = Math.fround;
// The most scores (texts x labels) predictBatch holds at once: 16 MiB.
const SCORES_PER_BLOCK = 1 << 22;

function checkSupervised({ args }) {
  if (args.model !== 'supervised') {
    throw new TypeError(`the fastText model is a ${args.model} (word vectors) model: FastText predicts with supervised models`);
  }
}

function checkText(text, what) {
  if (typeof text !== 'string') throw new TypeError(`${what} must be a string, not ${show(text)}`);
  const newline = text.indexOf('\n');
  if (newline >= 0) throw new RangeError(`${what} contains "\\n" at position ${newline}: fastText predicts one line at a time`);
}

function predictOptions(options) {
  const given = options === undefined ? {} : ownOptions(options, 'predict options');
  checkKnownKeys(given, ['k', 'threshold'], 'predict option');
  const { k = 1, threshold = 0 } = given;
  if (!(Number.isInteger(k) && (k >= 1 || k === -1))) throw new RangeError(`k = ${show(k)} must be an integer >= 1, or -1 for every label`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new TypeError(`threshold = ${show(threshold)} must be a number`);
  return { k, threshold: f32(threshold) };
}

export class FastText {
  #model;

  /**
   * A model from a path (Node), URL, bytes, Blob, Response or ReadableStream;
   * options.signal aborts the read. A file that does not start as a fastText
   * model is refused before the rest of it is read. options.dtype ('int8',
   * 'int4' or 'fp16'): the input matrix is quantized as the file streams
   * (never held as float32), so that a model larger than the wasm memory
   * loads; predictions then differ from fastText's within the tolerance
   * docs/fasttext.md states.
   */
  static async load(source, options) {
    const given = options === undefined ? {} : ownOptions(options, 'load options');
    checkKnownKeys(given, ['signal', 'dtype'], 'load option');
    const signal = checkSignal(given.signal);
    const dtype = given.dtype === undefined ? undefined : quantizedDtype(given.dtype);
    const platform = currentPlatform();
    if (dtype === undefined) {
      const parsed = readModel(await readWholeModel(source, platform, signal));
      checkSupervised(parsed);
      return new FastText(new FastTextModel(parsed));
    }
    const parsed = await readQuantizedModel(source, platform, {
      signal,
      dtype,
      checkFront: checkSupervised,
      streamedBag: (rows, cols) => streamedBag(rows, cols, { mode: 'mean' }, dtype, 'F32'),
      quantizeTable: (model) => {
        checkSupervised(model);
        const { rows, cols, data } = model.input;
        model.input = { rows, cols, bag: EmbeddingBag.quantize({ data, shape: [rows, cols] }, { dtype, mode: 'mean' }) };
        return model;
      },
    });
    try {
      return new FastText(new FastTextModel(parsed));
    } catch (error) {
      parsed.input.bag.dispose();
      throw error;
    }
  }

  /** Made by FastText.load() and FastTextTrainer (over the package's FastTextModel). */
  constructor(model) {
    if (!FastTextModel.is(model)) throw new TypeError('a FastText is made by FastText.load(source) or a FastTextTrainer');
    this.#model = model;
  }

  #live() {
    this.#model.live('FastText model');
    return this.#model;
  }

  get disposed() { return this.#model.disposed; }
  get labels() { return this.#model.dictionary.labels.slice(); }
  get dim() { return this.#model.args.dim; }
  get args() { return this.#model.args; }
  /** The input matrix's dtype: 'fp32', or the dtype it was loaded as (load's options.dtype). */
  get dtype() { return this.#model.input.dtype; }

  /** The tokens fastText reads for the line, and the input rows it uses, in its order. */
  tokenize(text) {
    const model = this.#live();
    checkText(text, 'text');
    const { words, ids } = model.dictionary.line(text, true);
    return { words, ids: Int32Array.from(ids) };
  }

  /** The k most likely labels of one line of text: [{ label, probability }]. */
  predict(text, options) {
    this.#live();
    checkText(text, 'text');
    return this.predictBatch([text], options)[0];
  }

  /** predict() for many texts: one EmbeddingBag call for all of them. */
  predictBatch(texts, options) {
    const model = this.#live();
    if (!isArray(texts, 'texts')) throw new TypeError(`texts must be an array of strings, not ${show(texts)}`);
    texts = readList(texts, 'texts');  // each element read once: what is checked is what is used
    texts.forEach((text, i) => checkText(text, `texts[${i}]`));
    const { k, threshold } = predictOptions(options);
    const rows = model.output.numEmbeddings;
    // Texts in blocks whose scores (texts x labels floats) stay small.
    const block = Math.max(1, Math.floor(SCORES_PER_BLOCK / rows));
    const out = new Array(texts.length);
    for (let first = 0; first < texts.length; first += block) {
      this.#predictBlock(model, texts, first, Math.min(texts.length, first + block), k === -1 ? rows : k, threshold, out);
    }
    return out;
  }

  // Predictions of texts [first, end) into out[first, end): one call for
  // their hidden vectors, one for their scores.
  #predictBlock(model, texts, first, end, k, threshold, out) {
    const count = end - first;
    const sink = new RowSink(16 * count + 16);
    const offsets = new Int32Array(count + 1);
    for (let t = 0; t < count; t++) {
      offsets[t] = sink.length;
      model.dictionary.appendLine(texts[first + t], sink);
    }
    offsets[count] = sink.length;
    const hidden = model.hidden(sink.rows, offsets.subarray(0, count));
    const scores = model.scores(hidden, count);
    const labels = model.dictionary.labels;
    const rows = model.output.numEmbeddings;
    for (let t = 0; t < count; t++) {
      // fastText predicts nothing for a line without input rows.
      if (offsets[t + 1] === offsets[t]) {
        out[first + t] = [];
        continue;
      }
      const best = model.predict(scores.subarray(t * rows, (t + 1) * rows), k, threshold);
      out[first + t] = best.map(([score, label]) => ({ label: labels[label], probability: f32(Math.exp(score)) }));
    }
  }

  /** fastText's getSentenceVector for a supervised model: the mean of the line's rows. */
  sentenceVector(text) {
    const model = this.#live();
    checkText(text, 'text');
    return model.hidden(model.dictionary.line(text).ids, new Int32Array(1));
  }

  /** fastText's getWordVector: the mean of the word's rows (zeros when it has none). */
  wordVector(word) {
    const model = this.#live();
    if (typeof word !== 'string') throw new TypeError(`word must be a string, not ${show(word)}`);
    return model.hidden(model.dictionary.wordRows(word), new Int32Array(1));
  }

  /**
   * The model as a fastText .bin file (fastText 0.9.2's format, in the
   * version it was loaded from, 12 when trained here): `fasttext
   * predict-prob` reads it and answers as this model does; a loaded .bin
   * comes back byte for byte. Dense models only: a quantized (.ftz) model's
   * rows are not written back.
   */
  toBin() {
    const model = this.#live();
    const { version, args, dictionary, quantized } = model.saved;
    if (quantized) throw new TypeError('toBin() writes dense models; this model is quantized (.ftz): save the .ftz it was loaded from');
    if (model.input.dtype !== 'fp32') {
      throw new TypeError(`toBin() writes float32 matrices; this model's input matrix was loaded as ${model.input.dtype}: load it without a dtype to save it`);
    }
    const matrix = (bag) => ({ rows: bag.numEmbeddings, cols: args.dim, data: bag.weight });
    return writeModel({ version, args, dictionary, input: matrix(model.input), output: matrix(model.output) });
  }

  /** Frees the model's tables. Idempotent. */
  dispose() {
    this.#model.dispose();
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    const { args } = this.#model;
    const what = [
      `dim=${args.dim}`, `labels=${this.#model.output.numEmbeddings}`, `words=${this.#model.saved.dictionary.nwords}`,
      `loss='${args.loss}'`, args.quantized ? 'quantized' : null, this.disposed ? 'disposed' : null,
    ].filter(Boolean);
    return `FastText(${what.join(', ')})`;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  FastText.prototype[Symbol.dispose] = FastText.prototype.dispose;
}
