// The demo page's training section: a fastText-style language identifier
// trained from scratch in the page (FastTextTrainer: char n-grams hashed
// into buckets, an EmbeddingBag mean trained by step() with adagrad or sgd,
// a linear + softmax layer) on the word lists of web-demo/words.json; the
// held-out loss and accuracy drawn as it learns; then typed words
// identified by the trained model, which downloads as a fastText .bin.
import { FastTextTrainer } from '../js/fasttext/index.mjs';
import { drawLines } from './chart.mjs';

// The options the page trains with (examples/fasttext-train.mjs and the
// browser test use the same, so that the page's model can be checked).
export const PAGE_TRAINING = Object.freeze({ dim: 16, minn: 2, maxn: 4, bucket: 20000, batchSize: 16, seed: 1 });
// Held-out loss and accuracy are measured this many times per epoch.
const CHECKS_PER_EPOCH = 4;

/** The examples of words.json's `part` ('train' | 'heldOut'): [{ text, label }]. */
export function wordExamples(words, part) {
  return Object.entries(words.languages).flatMap(([label, lists]) => lists[part].map((text) => ({ text, label })));
}

export class TrainingSection {
  #$;
  #state;
  #words = null;
  #trainer = null;
  #download = null; // the .bin's object URL

  constructor($, state) {
    this.#$ = $;
    this.#state = state;
    state.training = null;
  }

  /** Trains a new model with the form's optimizer and epochs; yields to the page between chunks of steps. */
  async train() {
    const $ = this.#$;
    const form = $('train-form').elements;
    const optimizer = form.optimizer.value;
    const epochs = Math.max(1, Math.min(20, Number(form.epochs.value) | 0));
    $('train-run').disabled = true;
    try {
      this.#words ??= await (await fetch('./words.json')).json();
      const train = wordExamples(this.#words, 'train');
      const heldOut = wordExamples(this.#words, 'heldOut');
      this.dispose();
      const started = performance.now();
      const trainer = new FastTextTrainer(train, { ...PAGE_TRAINING, optimizer, epoch: epochs });
      this.#trainer = trainer;
      const history = [{ epochs: 0, ...trainer.evaluate(heldOut) }];
      const draw = () => drawLines($('train-chart'), [
        { name: 'held-out loss', color: '#c0392b', points: history.map((h) => [h.epochs, h.loss]) },
        { name: 'held-out accuracy', color: '#1f8a4c', points: history.map((h) => [h.epochs, h.accuracy]) },
      ], { xMax: epochs, yMax: Math.max(2.5, Math.ceil(history[0].loss)), xLabel: 'epochs' });
      $('train-chart').hidden = false;
      draw();
      for (let check = 1; check <= epochs * CHECKS_PER_EPOCH; check++) {
        // Up to a fixed point (not by a fixed amount): the same steps as one train() call.
        trainer.train({ epochs: check / CHECKS_PER_EPOCH - trainer.epochs });
        history.push({ epochs: trainer.epochs, ...trainer.evaluate(heldOut) });
        draw();
        const last = history.at(-1);
        $('train-status').textContent = `epoch ${last.epochs.toFixed(2)} of ${epochs}: held-out accuracy ` +
          `${(100 * last.accuracy).toFixed(1)} %, loss ${last.loss.toFixed(3)}`;
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.#trainer !== trainer) return;  // the page re-initialised meanwhile
      }
      const seconds = (performance.now() - started) / 1000;
      const bin = trainer.model.toBin();
      this.#download = URL.createObjectURL(new Blob([bin], { type: 'application/octet-stream' }));
      $('train-download').href = this.#download;
      $('train-download').hidden = false;
      const last = history.at(-1);
      $('train-status').textContent = `trained on ${train.length} words in ${seconds.toFixed(1)} s (${trainer.steps} steps, ${optimizer}): ` +
        `held-out accuracy ${(100 * last.accuracy).toFixed(1)} % on ${heldOut.length} words`;
      this.#state.training = { optimizer, epochs, steps: trainer.steps, history, binBytes: bin.length, predictions: null, seconds };
      this.identify();
    } finally {
      $('train-run').disabled = false;
    }
  }

  /** The trained model's top 3 for the text box. */
  identify() {
    const $ = this.#$;
    if (this.#trainer === null || this.#state.training === null) return;
    const text = $('train-text').value.replace(/\n/g, ' ');
    const predictions = this.#trainer.model.predict(text, { k: 3 });
    this.#state.training.predictions = { text, predictions };
    $('train-result').replaceChildren(...predictions.map(({ label, probability }) => {
      const item = document.createElement('li');
      item.textContent = `${label.replace('__label__', '')} — ${(100 * probability).toFixed(1)} %`;
      return item;
    }));
  }

  /** Frees the model (before the page shuts the module down). */
  dispose() {
    this.#trainer?.dispose();
    this.#trainer = null;
    this.#state.training = null;
    if (this.#download) URL.revokeObjectURL(this.#download);
    this.#download = null;
    this.#$('train-download').hidden = true;
    this.#$('train-result').replaceChildren();
  }
}
