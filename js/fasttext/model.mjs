// A fastText supervised model in the module, as FastText and
// FastTextTrainer share it: the input table (a `mean` EmbeddingBag: a text's
// hidden vector is the mean of its rows), the output layer (a `sum`
// EmbeddingBag whose rows are dotted with hidden vectors in one
// ebag::row_dots call, fastText's dotRow), the dictionary and the loss's
// predictor. Package-private: users reach it through those two classes.
import { EmbeddingBag, handleOf } from '../embedding-bag.mjs';
import { Code } from '../registry.mjs';
import { Dictionary } from './dictionary.mjs';
import { predictor } from './losses.mjs';

const f32 = Math.fround;

export class FastTextModel {
  #brand;
  input;
  output;
  norms;
  dictionary;
  predict;
  args;
  saved; // { version, args, dictionary, quantized } as written in the file (or trained), for toBin()

  /** Whether `value` is a FastTextModel (a brand check: no user code runs). */
  static is(value) { return value !== null && typeof value === 'object' && #brand in value; }

  /** @param model a parsed model (reader.mjs): { version, args, dictionary, quantized, input, output } (input.bag: its table, made) */
  constructor(model) {
    const { args, dictionary, input, output } = model;
    this.args = Object.freeze({ ...args, quantized: model.quantized, version: model.version });
    this.dictionary = new Dictionary(dictionary, args);
    // input.bag: the table already made (a quantized one, filled as the file streamed).
    this.input = input.bag ?? new EmbeddingBag(input.rows, args.dim, { mode: 'mean', weight: input.data });
    try {
      this.output = new EmbeddingBag(output.rows, args.dim, { mode: 'sum', weight: output.data });
    } catch (error) {
      if (!input.bag) this.input.dispose();
      throw error;
    }
    this.norms = output.norms;
    this.predict = predictor(args.loss, Array.from(dictionary.counts.subarray(dictionary.nwords)));
    this.saved = { version: model.version, args: model.written ?? args, dictionary, quantized: model.quantized };
  }

  get disposed() { return this.input.disposed; }

  /** Throws the Error of a disposed model (`what`: the class users hold). */
  live(what) {
    if (this.disposed) throw new Error(`this ${what} was disposed`);
  }

  /** The hidden vectors of bags of input rows (offsets: where each starts), one mean bag each, one call. */
  hidden(ids, offsets) {
    return this.input.forward(ids, offsets).data;
  }

  /**
   * Scores of every output row for `count` hidden vectors (count x labels
   * floats, a view of wasm memory valid until the next call into the
   * package); rows of a -qout matrix times their norm, as fastText's mulcode.
   */
  scores(hidden, count) {
    const handle = handleOf(this.output);
    const calls = handle.calls;
    handle.stageFloats(calls.stageVectors, hidden);
    if (calls.rowDots(count) !== Code.ok) throw handle.error();
    const scores = handle.result(calls.dotsPtr(), count * this.output.numEmbeddings, 'f32', false);
    if (this.norms) {
      const rows = this.norms.length;
      for (let i = 0; i < scores.length; i++) scores[i] = f32(scores[i] * this.norms[i % rows]);
    }
    return scores;
  }

  /** Frees both tables. Idempotent. */
  dispose() {
    this.input.dispose();
    this.output.dispose();
  }
}
