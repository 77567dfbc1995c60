// One fastText golden model (fasttext_golden.json, from fastText 0.9.2's own
// Python binding) through embedding-bag-wasm/fasttext, in any runtime: Node
// (tests/node/fasttext.test.mjs) and browser pages
// (tests/browser/golden.test.mjs) import this file. Every text: every label's
// probability, the top 3 above a threshold, the sentence vector; every word:
// its input rows and vector. Labels in fastText's order (two whose
// probabilities are within 1e-6 may swap); values within 1e-5, their mean
// error under 1e-6. Returns the mismatches (empty when it holds).

const TOLERANCE = 1e-5;
const MEAN_TOLERANCE = 1e-6;
const TIE = 1e-6;

function comparePredictions(failures, errors, got, want, what) {
  if (got.length !== want.length) {
    failures.push(`${what}: ${got.length} labels, expected ${want.length}`);
    return;
  }
  got.forEach(({ label, probability }, i) => {
    const [wantLabel, wantP] = want[i];
    if (label !== wantLabel) {
      // A swap of two labels fastText scores within 1e-6 of each other.
      const other = want.find(([l]) => l === label);
      if (!other || Math.abs(other[1] - wantP) > TIE) failures.push(`${what}: [${i}] is ${label}, expected ${wantLabel}`);
      if (other) errors.push(Math.abs(probability - other[1]));
      return;
    }
    const error = Math.abs(probability - wantP);
    errors.push(error);
    if (!(error <= TOLERANCE)) failures.push(`${what}: ${label} has probability ${probability}, expected ${wantP}`);
  });
}

function compareVector(failures, errors, got, want, what) {
  if (got.length !== want.length) {
    failures.push(`${what}: ${got.length} values, expected ${want.length}`);
    return;
  }
  want.forEach((w, i) => {
    const error = Math.abs(got[i] - w);
    errors.push(error);
    if (!(error <= TOLERANCE)) failures.push(`${what}[${i}] = ${got[i]}, expected ${w}`);
  });
}

const shown = (text) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);

export function checkFastTextModel(model, golden) {
  const failures = [];
  const errors = [];
  const name = golden.name;
  if (model.labels.join('\n') !== golden.labels.join('\n')) failures.push(`${name}: labels differ`);
  for (const key of ['dim', 'loss', 'wordNgrams', 'minn', 'maxn', 'bucket']) {
    if (model.args[key] !== golden.args[key]) failures.push(`${name}: args.${key} = ${model.args[key]}, expected ${golden.args[key]}`);
  }
  if (model.args.quantized !== golden.quantized) failures.push(`${name}: quantized = ${model.args.quantized}`);
  const texts = golden.texts.map((c) => c.text);
  const all = model.predictBatch(texts, { k: -1 });
  const top3 = model.predictBatch(texts, { k: 3, threshold: 0.05 });
  golden.texts.forEach((c, t) => {
    comparePredictions(failures, errors, all[t], c.all, `${name} ${shown(c.text)} (k = -1)`);
    comparePredictions(failures, errors, top3[t], c.top3, `${name} ${shown(c.text)} (k = 3, threshold 0.05)`);
    comparePredictions(failures, errors, model.predict(c.text, { k: 3, threshold: 0.05 }), c.top3, `${name} ${shown(c.text)} (predict)`);
    compareVector(failures, errors, model.sentenceVector(c.text), c.sentence_vector, `${name} sentence vector of ${shown(c.text)}`);
  });
  for (const w of golden.words) {
    const rows = Array.from(model.tokenize(w.word).ids.subarray(0, w.ids.length));
    if (rows.join() !== w.ids.join()) failures.push(`${name}: the rows of ${shown(w.word)} are ${rows}, expected ${w.ids}`);
    compareVector(failures, errors, model.wordVector(w.word), w.vector, `${name} word vector of ${shown(w.word)}`);
  }
  const mean = errors.reduce((a, b) => a + b, 0) / Math.max(errors.length, 1);
  if (!(mean < MEAN_TOLERANCE)) failures.push(`${name}: mean error ${mean}, expected under ${MEAN_TOLERANCE}`);
  return failures;
}
