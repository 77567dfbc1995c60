// The demo page (web-demo/) in Chromium and Firefox, served as `npm run demo` serves it:
// cross-origin isolated (threaded variant) and not (one thread). Its results
// must equal the package's in Node, byte for byte; bad input shows the
// package's error; the language-ID box shows fastText's top 3; a language
// identifier trained in the page is Node's, bit for bit; the speed section
// measures; no page errors. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { readFileSync } from 'node:fs';

import { FastText, FastTextTrainer } from '../../js/fasttext/index.mjs';
import { PAGE_TRAINING, wordExamples } from '../../web-demo/train.mjs';
import { EmbeddingBag, init } from '../../js/index.node.mjs';
import { startServer } from '../../web-demo/server.mjs';
import { BROWSERS, launchBrowser, openPage } from './browsers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const dlrmHeldout = JSON.parse(readFileSync(new URL('../../examples/dlrm/heldout.json', import.meta.url), 'utf8'));

// What the demo computes for its form, computed by the package in Node.
function expected({ n, d, mode, paddingIdx = null, seed, indices, offsets }) {
  const bag = new EmbeddingBag(n, d, { mode, paddingIdx, seed, sparse: mode !== 'max' });
  const output = bag.forward(indices, offsets);
  const grads = bag.backward(new Float32Array(output.data.length).fill(1));
  bag.dispose();
  let rows = [];
  let values = [];
  if (mode === 'max') {
    for (let r = 0; r < n; r++) {
      const row = grads.weight.subarray(r * d, (r + 1) * d);
      if (row.some((v) => v !== 0)) {
        rows.push(r);
        values.push(...row);
      }
    }
  } else {
    rows = Array.from(grads.weight.indices);
    values = Array.from(grads.weight.values);
  }
  return { output: { data: Array.from(output.data), shape: output.shape }, gradient: { indices: rows, values } };
}

async function submitForm(page, fields) {
  for (const [name, value] of Object.entries(fields)) {
    const selector = `#bag-form [name=${name}]`;
    await page.fill(selector, value);
  }
  await page.click('#bag-form button[type=submit]');
  return page.evaluate(() => ({ output: globalThis.demo.state.output, gradient: globalThis.demo.state.gradient, error: globalThis.demo.state.error }));
}

for (const name of BROWSERS) describe(`the demo page in ${name}`, { timeout: 300_000 }, () => {
  let browser;
  let langid;
  let trained;  // the page's training, done in Node: the same model bits
  // What the language-ID box shows for a text, computed by the package in Node.
  const expectedLangid = (text) => langid.predict(text, { k: 3 });
  before(async () => {
    await init({ threads: 1 });
    langid = await FastText.load(fileURLToPath(new URL('../../web-demo/langid.ftz', import.meta.url)));
    const words = JSON.parse(readFileSync(new URL('../../web-demo/words.json', import.meta.url), 'utf8'));
    trained = new FastTextTrainer(wordExamples(words, 'train'), { ...PAGE_TRAINING, optimizer: 'adagrad', epoch: 2 });
    trained.train();
    browser = await launchBrowser(name);
    mkdirSync(artifacts, { recursive: true });
  });
  after(async () => {
    langid?.dispose();
    trained?.dispose();
    await browser?.close();
  });

  for (const isolated of [true, false]) {
    test(isolated ? 'cross-origin isolated: the threaded variant, results equal to Node\'s' : 'not isolated: one thread with the reason shown, same results', async () => {
      const server = await startServer({ root, isolated });
      try {
        const page = await openPage(browser, `${server.url}web-demo/`);
        await page.evaluate(() => globalThis.demo.ready);
        const info = await page.evaluate(() => globalThis.demo.state.info);
        const runtime = await page.textContent('#runtime');
        if (isolated) {
          assert.equal(info.variant, 'simd-threaded');
          assert.ok(info.threads >= 2);
          assert.match(runtime, /simd-threaded · \d+ threads/);
          assert.equal(await page.isVisible('#isolation-note'), false);
        } else {
          assert.equal(info.variant, 'simd');
          assert.equal(info.threads, 1);
          assert.match(runtime, /simd · 1 thread — .*not cross-origin isolated/);
          assert.equal(await page.isVisible('#isolation-note'), true);
        }

        // The page's first run: its default form.
        const first = await page.evaluate(() => ({ output: globalThis.demo.state.output, gradient: globalThis.demo.state.gradient }));
        const defaults = { n: 10, d: 8, mode: 'mean', seed: 1, indices: [1, 2, 4, 5, 4, 3, 2, 9, 0, 0, 7], offsets: [0, 4, 8, 8] };
        assert.deepEqual(first, expected(defaults));
        // Known by hand: bag 2 is empty (zeros); row 0 is twice in a bag of 3
        // under mean, so its gradient is 2/3 in every column.
        assert.deepEqual(first.output.data.slice(16, 24), new Array(8).fill(0));
        assert.equal(first.gradient.indices[0], 0);
        assert.equal(first.gradient.values[0], Math.fround(2 / 3));

        // Other options through the form.
        const sumPadded = { n: 20, d: 5, mode: 'sum', paddingIdx: 3, seed: 7, indices: [3, 1, 19, 3, 0, 5], offsets: [0, 2, 2, 5] };
        assert.deepEqual(
          await submitForm(page, { n: 20, d: 5, mode: 'sum', padding: 3, seed: 7, bags: '3 1; ; 19 3 0; 5' }),
          { ...expected(sumPadded), error: null });
        const sqrtn = { n: 9, d: 3, mode: 'sqrtn', paddingIdx: 0, seed: 3, indices: [8, 0, 8, 2, 4], offsets: [0, 3] };
        assert.deepEqual(await submitForm(page, { n: 9, d: 3, mode: 'sqrtn', padding: 0, seed: 3, bags: '8 0 8; 2 4' }),
          { ...expected(sqrtn), error: null });
        const max = { n: 6, d: 4, mode: 'max', seed: 2, indices: [5, 0, 1, 2, 2], offsets: [0, 3] };
        assert.deepEqual(await submitForm(page, { n: 6, d: 4, mode: 'max', padding: '', seed: 2, bags: '5 0 1; 2 2' }),
          { ...expected(max), error: null });

        // Bad input: the package's RangeError, the old result hidden.
        const bad = await submitForm(page, { bags: '1 2 3; 4 6' });
        assert.deepEqual(bad.error, { name: 'RangeError', message: 'indices[4] = 6 is out of range [0, 6)' });
        assert.equal(bad.output, null);
        assert.equal(await page.textContent('#error'), 'RangeError: indices[4] = 6 is out of range [0, 6)');
        assert.equal(await page.isVisible('#result'), false);
        const typo = await submitForm(page, { bags: '1 x' });
        assert.equal(typo.error.name, 'TypeError');
        assert.match(typo.error.message, /indices\[1\]/);

        // The language-ID box: fastText's top 3 as the text changes.
        const typed = async (text) => {
          await page.fill('#langid-text', text);
          return page.evaluate(() => globalThis.demo.state.langid);
        };
        assert.deepEqual(await page.evaluate(() => globalThis.demo.state.langid),
          { text: 'Das ist ein Haus', predictions: expectedLangid('Das ist ein Haus') });
        const french = await typed('une maison avec un jardin');
        assert.deepEqual(french.predictions, expectedLangid('une maison avec un jardin'));
        assert.equal(french.predictions.length, 3);
        assert.match(await page.textContent('#langid-result'), new RegExp(`^${french.predictions[0].label.replace('__label__', '')} — `));

        // The DLRM section: a held-out request through fromTorch's tables and
        // onnxruntime-web's dense part, PyTorch's probability within 1e-5.
        await page.fill('#dlrm-request', '5');
        await page.click('#dlrm-run');
        await page.waitForFunction(() => globalThis.demo.state && document.getElementById('dlrm-result').textContent !== '', null, { timeout: 60_000 });
        const dlrm = await page.evaluate(() => globalThis.demo.predictClick(5));
        assert.equal(dlrm.request, 5);
        assert.ok(Math.abs(dlrm.probability - dlrmHeldout.probabilities[5]) <= 1e-5, `${dlrm.probability} vs PyTorch ${dlrmHeldout.probabilities[5]}`);
        assert.match(await page.textContent('#dlrm-result'), /^click probability 0\.\d{6} \(PyTorch: 0\.\d{6}\)$/);
        assert.match(await page.textContent('#dlrm-status'), /^embedding bags [\d.]+ ms, dense part \(onnxruntime-web\) [\d.]+ ms$/);

        // Training in the page: a language identifier from scratch (2 epochs),
        // held-out loss and accuracy drawn as it learns; the same model as
        // the same training in Node, bit for bit, downloadable as a .bin.
        await page.fill('#train-form [name=epochs]', '2');
        await page.click('#train-run');
        await page.waitForFunction(() => globalThis.demo.state.training?.predictions, null, { timeout: 120_000 });
        const training = await page.evaluate(() => globalThis.demo.state.training);
        assert.equal(training.history.length, 2 * 4 + 1);
        assert.ok(training.history.at(-1).accuracy > 0.7, JSON.stringify(training.history.at(-1)));
        assert.ok(training.history.at(-1).loss < training.history[0].loss / 2);
        assert.deepEqual(training.predictions, { text: 'przyjaciel', predictions: trained.model.predict('przyjaciel', { k: 3 }) });
        assert.equal(training.predictions.predictions[0].label, '__label__pl');
        const bin = await page.evaluate(async () => Array.from(new Uint8Array(await (await fetch(document.getElementById('train-download').href)).arrayBuffer())));
        assert.ok(Buffer.from(bin).equals(Buffer.from(trained.model.toBin())), 'the downloaded .bin is Node\'s model');
        await page.fill('#train-text', 'maison');
        assert.equal((await page.evaluate(() => globalThis.demo.state.training.predictions)).predictions[0].label, trained.model.predict('maison')[0].label);

        // The speed section on the smallest workload: every runner measured.
        await submitForm(page, { n: 10, d: 8, mode: 'mean', seed: 1, bags: '1 2 4 5; 4 3 2 9; ; 0 0 7' });
        await page.fill('#speed-form [name=workload]', 'small');
        await page.click('#speed-run');
        await page.waitForFunction(() => globalThis.demo.state.speed !== null, null, { timeout: 120_000 });
        const speed = await page.evaluate(() => globalThis.demo.state.speed);
        const runners = isolated ? [1, info.threads] : [1];
        assert.ok(speed.plainJs > 0);
        for (const t of runners) assert.ok(speed.forward[t] > 0 && speed.backward[t] > 0, JSON.stringify(speed));
        assert.equal(await page.isVisible('#chart'), true);
        // The module the page started with is back, and the form's bag runs on it.
        assert.deepEqual(await page.evaluate(() => globalThis.demo.state.info), info);
        assert.deepEqual(await page.evaluate(() => globalThis.demo.state.output), expected(defaults).output);
        // The language model was loaded again on it.
        assert.deepEqual((await typed('żółw i jeż')).predictions, expectedLangid('żółw i jeż'));

        await page.screenshot({ path: `${artifacts}demo-${name}-${isolated ? 'isolated' : 'not-isolated'}.png`, fullPage: true });
        assert.deepEqual(page.problems, []);
        await page.close();
      } finally {
        await server.close();
      }
    });
  }
});
