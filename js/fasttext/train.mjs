// Training a fastText supervised model (softmax loss) on device: the model
// is a FastText whose input table is an EmbeddingBag trained by step()
// (backward fused with its optimizer: the gradient never exists) and whose
// output layer (labels x dim) is updated in JS. Each example is one line of
// a fastText training file: its input rows are fastText's (words, char
// n-grams, word n-grams: dictionary.mjs), its hidden vector their mean.
// The trained model predicts at once (trainer.model) and saves as a .bin
// fastText's CLI reads (FastText.toBin).
//
// What differs from fastText's own training (its predictions on a model do
// not): mini-batches (gradients averaged over a batch) instead of one
// example at a time on many threads, sgd or adagrad at a constant rate
// instead of sgd at a rate decaying to zero, a seeded shuffle of the
// examples every epoch.
import { show } from '../errors.mjs';
import { currentPlatform } from '../module.mjs';
import { checkKnownKeys, ownOptions } from '../options.mjs';
import { checkSignal, readAll } from '../sources.mjs';
import { RowSink } from './dictionary.mjs';
import { buildDictionary, checkInputSize, generator, readExamples, trainOptions } from './examples.mjs';
import { FastText } from './fasttext.mjs';
import { FastTextModel } from './model.mjs';

const decoder = new TextDecoder();

export class FastTextTrainer {
  #model; // the FastTextModel trained
  #public; // the FastText over it (model)
  #options;
  #rows;        // every example's input rows, one after another
  #starts;      // example e's rows: #rows[#starts[e], #starts[e + 1])
  #targets;     // example e's label (output row)
  #order;       // this epoch's example order
  #next = 0;    // position in #order
  #steps = 0;
  #epochsDone = 0;
  #random;
  #outputSum;   // adagrad's state of the output layer
  #batchRows = new RowSink(1024);

  /**
   * @param examples [{ text, label }]: one line each (label without or with
   *   fastText's __label__ prefix)
   * @param options see TRAIN_DEFAULTS (index.d.ts)
   */
  constructor(examples, options = {}) {
    const o = trainOptions(options);
    const list = readExamples(examples);
    if (list.length === 0) throw new RangeError('examples is empty: nothing to train on');
    const dictionary = buildDictionary(list, o.minCount);
    if (dictionary.nlabels < 2) throw new RangeError(`the examples have ${dictionary.nlabels} label: a classifier needs at least 2`);
    const random = generator(o.seed);
    const rows = dictionary.nwords + o.bucket;
    checkInputSize(rows, dictionary.nwords, o);
    const input = new Float32Array(rows * o.dim);
    // fastText's initialisation: uniform in [-1 / dim, 1 / dim]; output zero.
    for (let i = 0; i < input.length; i++) input[i] = (2 * random() - 1) / o.dim;
    const args = {
      dim: o.dim, ws: 5, epoch: o.epoch, minCount: o.minCount, neg: 5, wordNgrams: o.wordNgrams, loss: 'softmax',
      model: 'supervised', bucket: o.bucket, minn: o.minn, maxn: o.maxn, lrUpdateRate: 100, t: 1e-4, qout: false,
    };
    this.#model = new FastTextModel({
      version: 12, args, dictionary, quantized: false,
      input: { rows, cols: o.dim, data: input },
      output: { rows: dictionary.nlabels, cols: o.dim, data: new Float32Array(dictionary.nlabels * o.dim) },
    });
    try {
      this.#model.input.setOptimizer({ name: o.optimizer, lr: o.lr });
    } catch (error) {
      this.#model.dispose();
      throw error;
    }
    this.#public = new FastText(this.#model);
    this.#options = o;
    this.#random = random;
    this.#outputSum = o.optimizer === 'adagrad' ? new Float32Array(dictionary.nlabels * o.dim) : null;
    // Every example's rows, once (a sink per example would be many arrays).
    const labelIndex = new Map(this.#model.dictionary.labels.map((label, i) => [label, i]));
    const sink = new RowSink(64 * list.length);
    this.#starts = new Int32Array(list.length + 1);
    this.#targets = new Int32Array(list.length);
    list.forEach(({ text, label }, e) => {
      this.#starts[e] = sink.length;
      this.#model.dictionary.appendLine(text, sink);
      this.#targets[e] = labelIndex.get(label);
    });
    this.#starts[list.length] = sink.length;
    this.#rows = sink.rows;
    this.#order = Int32Array.from(list, (_, i) => i);
    this.#shuffle();
  }

  #shuffle() {
    const order = this.#order;
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }

  /**
   * A trainer on the lines of a fastText training file ('__label__x some
   * text' per line; one label each, lines without one skipped): a path
   * (Node), URL, bytes, Blob, Response or ReadableStream. options: the
   * training options, and signal (aborts the read).
   */
  static async fromFile(source, options = {}) {
    const { signal, ...training } = ownOptions(options, 'training options');
    checkSignal(signal);
    trainOptions(training);  // checked before the file is read
    const bytes = await readAll(source, currentPlatform(), 'a fastText training file', { signal });
    return new FastTextTrainer(decoder.decode(bytes).split('\n'), training);
  }

  #live() {
    this.#model.live('FastTextTrainer');
  }

  /** The model being trained: predicts with what was learnt so far. */
  get model() { this.#live(); return this.#public; }
  /** Epochs done so far (fractional): steps x batchSize / examples. */
  get epochs() { return this.#epochsDone + this.#next / this.#order.length; }
  get steps() { return this.#steps; }
  /** The options in effect (defaults filled in). */
  get options() { return { ...this.#options }; }

  /**
   * One mini-batch (the next batchSize examples of this epoch's shuffled
   * order): forward, softmax, the output layer's update in JS, the input
   * table's by step(). Returns the batch's mean loss (-log p(label)).
   */
  step() {
    this.#live();
    const { input, output } = this.#model;
    const { dim, batchSize, lr } = this.#options;
    const count = Math.min(batchSize, this.#order.length - this.#next);
    const batch = this.#order.subarray(this.#next, this.#next + count);
    const sink = this.#batchRows;
    sink.length = 0;
    const offsets = new Int32Array(count);
    batch.forEach((e, b) => {
      offsets[b] = sink.length;
      sink.pushAll(this.#rows.subarray(this.#starts[e], this.#starts[e + 1]));
    });
    const hidden = input.forward(sink.rows, offsets).data;
    const labels = output.numEmbeddings;
    const scores = Float32Array.from(this.#model.scores(hidden, count));
    const weights = output.weight;  // after the calls above: a live view
    const gradHidden = new Float32Array(count * dim);
    const gradOutput = new Float32Array(labels * dim);
    let loss = 0;
    for (let b = 0; b < count; b++) {
      const s = scores.subarray(b * labels, (b + 1) * labels);
      let max = -Infinity;
      for (let i = 0; i < labels; i++) max = Math.max(max, s[i]);
      let z = 0;
      for (let i = 0; i < labels; i++) z += Math.exp(s[i] - max);
      const target = this.#targets[batch[b]];
      loss += Math.log(z) - (s[target] - max);
      for (let i = 0; i < labels; i++) {
        // d loss / d score_i, averaged over the batch.
        const alpha = (Math.exp(s[i] - max) / z - (i === target ? 1 : 0)) / count;
        for (let d = 0; d < dim; d++) {
          gradHidden[b * dim + d] += alpha * weights[i * dim + d];
          gradOutput[i * dim + d] += alpha * hidden[b * dim + d];
        }
      }
    }
    input.step(gradHidden);
    const w = output.weight;
    if (this.#outputSum) {
      const sum = this.#outputSum;
      for (let k = 0; k < w.length; k++) {
        sum[k] += gradOutput[k] * gradOutput[k];
        w[k] -= (lr * gradOutput[k]) / (Math.sqrt(sum[k]) + 1e-10);
      }
    } else {
      for (let k = 0; k < w.length; k++) w[k] -= lr * gradOutput[k];
    }
    this.#steps++;
    this.#next += count;
    if (this.#next === this.#order.length) {
      this.#next = 0;
      this.#epochsDone++;
      this.#shuffle();
    }
    return loss / count;
  }

  /**
   * Steps until `epochs` more epochs are done. Without `epochs`: up to the
   * epoch option when fewer are done, else that many more (a second train()
   * trains again). onProgress({ epochs, steps, loss }) after each step.
   * Returns the mean loss of the last epoch's batches.
   */
  train(options) {
    this.#live();
    const given = options === undefined ? {} : ownOptions(options, 'train options');
    checkKnownKeys(given, ['epochs', 'onProgress'], 'train option');
    const { epochs, onProgress } = given;
    if (epochs !== undefined && !(typeof epochs === 'number' && Number.isFinite(epochs) && epochs >= 0)) {
      throw new (typeof epochs === 'number' ? RangeError : TypeError)(`epochs = ${show(epochs)} must be a number >= 0`);
    }
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`onProgress = ${show(onProgress)} must be a function`);
    const planned = this.#options.epoch;
    const target = epochs !== undefined ? this.epochs + epochs : this.epochs < planned - 1e-12 ? planned : this.epochs + planned;
    let sum = 0;
    let batches = 0;
    let epoch = Math.floor(this.epochs);
    while (this.epochs < target - 1e-12) {
      const loss = this.step();
      if (Math.floor(this.epochs) !== epoch) {
        epoch = Math.floor(this.epochs);
        sum = 0;
        batches = 0;
      }
      sum += loss;
      batches++;
      onProgress?.({ epochs: this.epochs, steps: this.#steps, loss });
    }
    return batches === 0 ? NaN : sum / batches;
  }

  /** Mean loss (-log p(label)) and top-1 accuracy over examples [{ text, label }]. */
  evaluate(examples) {
    this.#live();
    const list = readExamples(examples);
    const predictions = this.#public.predictBatch(list.map((e) => e.text), { k: -1 });
    let loss = 0;
    let correct = 0;
    list.forEach(({ label }, i) => {
      const p = predictions[i].find((q) => q.label === label)?.probability ?? 0;
      loss -= Math.log(Math.max(p, 1e-30));
      if (predictions[i][0]?.label === label) correct++;
    });
    return { loss: loss / Math.max(1, list.length), accuracy: correct / Math.max(1, list.length) };
  }

  /** Frees the model. Idempotent. */
  dispose() { this.#model.dispose(); }
}

if (typeof Symbol.dispose === 'symbol') {
  FastTextTrainer.prototype[Symbol.dispose] = FastTextTrainer.prototype.dispose;
}
