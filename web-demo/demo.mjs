// The demo page: loads the package (threaded where the page is cross-origin
// isolated), runs an EmbeddingBag the visitor types in, draws the output, and
// compares speeds with a plain-JS loop, identifies the language of a text
// with a fastText model, and trains one in the page (train.mjs).
// window.demo exposes the state for the browser tests.
import { EmbeddingBag, init, shutdown } from '../js/index.browser.mjs';
import { FastText } from '../js/fasttext/index.mjs';
import { PLAIN_EMBEDDING_BAG } from '../bench/plain_js.mjs';
import { median, timeRuns } from '../bench/timing.mjs';
import { makeBatch } from '../bench/batch.mjs';
import { drawBars } from './chart.mjs';
import { drawHeatmap } from './heatmap.mjs';
import { DlrmSection } from './dlrm.mjs';
import { TrainingSection } from './train.mjs';

const $ = (id) => document.getElementById(id);

// The page's speed workloads (the benchmark's, with a 100k-row recsys table
// so that a page holds it easily).
const PAGE_WORKLOADS = {
  recsys: { n: 100_000, dim: 64, bags: 2048, minLen: 1, maxLen: 80, mode: 'sum' },
  text: { n: 100_000, dim: 128, bags: 256, minLen: 1, maxLen: 400, mode: 'mean' },
  small: { n: 10_000, dim: 32, bags: 4096, minLen: 16, maxLen: 16, mode: 'max' },
};

const state = { info: null, output: null, gradient: null, error: null, speed: null, langid: null };
const LANGID_MODEL = './langid.ftz';
let langid = null;  // the FastText model, loaded again after every init()
let currentThreads = 1;
const training = new TrainingSection($, state);
const dlrm = new DlrmSection();

function showRuntime(info) {
  const el = $('runtime');
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  el.textContent = `variant ${info.variant} · ${threads}${info.reason ? ` — ${info.reason}` : ''}`;
  el.className = `runtime ${info.threads > 1 ? 'threaded' : 'single'}`;
  $('isolation-note').hidden = info.threads > 1 || globalThis.crossOriginIsolated === true;
}

// "1 2 4 5; 4 3; ; 7" -> indices and offsets (number[]): the package checks
// the values, so a typo comes back as the package's own error message.
function parseBags(text) {
  const indices = [];
  const offsets = [];
  if (text.trim() === '') return { indices, offsets };
  for (const bag of text.split(';')) {
    offsets.push(indices.length);
    for (const token of bag.split(/[\s,]+/)) if (token !== '') indices.push(Number(token));
  }
  return { indices, offsets };
}

function optionalNumber(text) {
  return text.trim() === '' ? null : Number(text);
}

function showError(error) {
  state.error = error ? { name: error.name, message: error.message } : null;
  $('error').hidden = !error;
  $('error').textContent = error ? `${error.name}: ${error.message}` : '';
}

function fillTable(table, header, rows) {
  table.replaceChildren();
  const head = table.insertRow();
  for (const h of header) head.appendChild(Object.assign(document.createElement('th'), { textContent: h }));
  for (const cells of rows) {
    const row = table.insertRow();
    for (const c of cells) row.insertCell().textContent = c;
  }
}

const fmt = (v) => (Object.is(v, -0) ? 0 : v).toFixed(4);

function showOutput(output, dim) {
  const [numBags] = output.shape;
  $('output-shape').textContent = `shape [${output.shape.join(', ')}]`;
  const { min, max } = drawHeatmap($('heatmap'), output.data, numBags, dim);
  $('legend-min').textContent = fmt(min);
  $('legend-max').textContent = fmt(max);
  const cols = Math.min(dim, 8);
  const rows = [];
  for (let b = 0; b < Math.min(numBags, 6); b++) {
    rows.push([`bag ${b}`, ...Array.from(output.data.subarray(b * dim, b * dim + cols), fmt)]);
  }
  fillTable($('output-table'), ['', ...Array.from({ length: cols }, (_, d) => `d${d}`)], rows);
}

// A dense gradient (mode max) is summarised by the rows it touches, like the
// sparse one.
function gradientRows(weightGradient, dim) {
  if (!(weightGradient instanceof Float32Array)) return weightGradient;
  const indices = [];
  const values = [];
  for (let r = 0; r < weightGradient.length / dim; r++) {
    const row = weightGradient.subarray(r * dim, (r + 1) * dim);
    if (row.some((v) => v !== 0)) {
      indices.push(r);
      values.push(...row);
    }
  }
  return { indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

function showGradient(gradient, n, dim) {
  $('gradient-summary').textContent =
    `${gradient.indices.length} of ${n} rows get a gradient` +
    (gradient.indices.length > 6 ? ' (the first 6 shown)' : '');
  const cols = Math.min(dim, 8);
  const rows = [];
  for (let k = 0; k < Math.min(gradient.indices.length, 6); k++) {
    rows.push([`row ${gradient.indices[k]}`, ...Array.from(gradient.values.subarray(k * dim, k * dim + cols), fmt)]);
  }
  fillTable($('gradient-table'), ['', ...Array.from({ length: cols }, (_, d) => `d${d}`)], rows);
}

function runBag() {
  const form = $('bag-form').elements;
  const n = Number(form.n.value);
  const d = Number(form.d.value);
  const mode = form.mode.value;
  let bag = null;
  try {
    const { indices, offsets } = parseBags(form.bags.value);
    bag = new EmbeddingBag(n, d, {
      mode,
      paddingIdx: optionalNumber(form.padding.value),
      seed: Number(form.seed.value),
      sparse: mode !== 'max',
    });
    const t0 = performance.now();
    const output = bag.forward(indices, offsets);
    const t1 = performance.now();
    const grads = bag.backward(new Float32Array(output.data.length).fill(1));
    const t2 = performance.now();
    const gradient = gradientRows(grads.weight, d);
    showError(null);
    state.output = { data: Array.from(output.data), shape: output.shape };
    state.gradient = { indices: Array.from(gradient.indices), values: Array.from(gradient.values) };
    showOutput(output, d);
    showGradient(gradient, n, d);
    $('gradient-kind').textContent = `(grad_output = ones; ${mode === 'max' ? 'dense gradient: max has no sparse one' : 'sparse gradient'})`;
    $('bag-timing').textContent = `forward ${(t1 - t0).toFixed(3)} ms · backward ${(t2 - t1).toFixed(3)} ms (one call each)`;
    $('result').hidden = false;
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    state.output = null;
    state.gradient = null;
    $('result').hidden = true;
    showError(error);
  } finally {
    bag?.dispose();
  }
}

function generateBags() {
  const form = $('bag-form').elements;
  const n = Math.max(1, Number(form.n.value) | 0);
  const count = Math.max(1, Number(form.genBags.value) | 0);
  const maxLen = Math.max(1, Number(form.genLen.value) | 0);
  const { indices, offsets } = makeBatch({ n, bags: count, minLen: 1, maxLen }, Date.now());
  const bags = Array.from(offsets, (start, b) => indices.slice(start, b + 1 < count ? offsets[b + 1] : indices.length).join(' '));
  form.bags.value = bags.join('; ');
  runBag();
}

// The top 3 languages of the text box (the model's labels without __label__).
function identify() {
  if (langid === null) return;
  const text = $('langid-text').value.replace(/\n/g, ' ');
  const predictions = langid.predict(text, { k: 3 });
  state.langid = { text, predictions };
  $('langid-result').replaceChildren(...predictions.map(({ label, probability }) => {
    const item = document.createElement('li');
    item.textContent = `${label.replace('__label__', '')} — ${(100 * probability).toFixed(1)} %`;
    return item;
  }));
}

async function loadLangid() {
  langid?.dispose();
  langid = null;
  langid = await FastText.load(await fetch(LANGID_MODEL));
  identify();
}

const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0));

async function useThreads(threads) {
  if (threads === currentThreads) return;
  langid?.dispose();
  langid = null;
  training.dispose();  // a trained model does not outlive the module
  shutdown();
  const info = await init({ threads });
  currentThreads = info.threads;
  await loadLangid();
}

// Times one workload: plain JS, the package on 1 thread, and on every thread
// the page allows; restores the thread count the page started with.
async function measure() {
  const name = $('speed-form').elements.workload.value;
  const w = PAGE_WORKLOADS[name];
  const { indices, offsets } = makeBatch(w);
  const maxThreads = state.info.threads;
  const runners = maxThreads > 1 ? [maxThreads, 1] : [1];
  const results = { workload: name, forward: {}, backward: {} };
  const status = $('speed-status');
  $('speed-run').disabled = true;
  try {
    for (const threads of runners) {
      status.textContent = `measuring the package on ${threads} thread${threads > 1 ? 's' : ''}…`;
      await nextFrame();
      await useThreads(threads);
      const bag = new EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3, sparse: w.mode !== 'max' });
      try {
        results.forward[threads] = median(timeRuns(() => bag.forward(indices, offsets), 15, 30));
        const grad = new Float32Array(w.bags * w.dim).fill(0.5);
        results.backward[threads] = median(timeRuns(() => bag.backward(grad), 9, 10));
        if (threads === 1) {
          status.textContent = 'measuring the plain-JS loop…';
          await nextFrame();
          const weight = bag.weight.slice();
          const plain = PLAIN_EMBEDDING_BAG[w.mode];
          results.plainJs = median(timeRuns(() => plain(weight, w.dim, indices, offsets), 5, 3));
        }
      } finally {
        bag.dispose();
      }
    }
    await useThreads(maxThreads);
  } finally {
    $('speed-run').disabled = false;
  }
  state.speed = results;
  showSpeed(results, maxThreads);
  status.textContent = `${w.mode}, ${indices.length} indices × ${w.dim} floats per call`;
  runBag(); // the interactive bag again, on the restored module
}

function showSpeed(results, maxThreads) {
  const wasm = (threads) => `package, ${threads} thread${threads > 1 ? 's' : ''}`;
  const forwardBars = [{ name: 'plain JS loop', ms: results.plainJs, color: '#9aa5b1' }, { name: wasm(1), ms: results.forward[1], color: '#2f6fde' }];
  if (maxThreads > 1) forwardBars.push({ name: wasm(maxThreads), ms: results.forward[maxThreads], color: '#1f8a4c' });
  const backwardBars = [{ name: wasm(1), ms: results.backward[1], color: '#2f6fde' }];
  if (maxThreads > 1) backwardBars.push({ name: wasm(maxThreads), ms: results.backward[maxThreads], color: '#1f8a4c' });
  $('chart').hidden = false;
  drawBars($('chart'), [{ label: 'forward', bars: forwardBars }, { label: 'backward', bars: backwardBars }]);
  const rows = [['forward', results.plainJs.toFixed(2), results.forward[1].toFixed(2), maxThreads > 1 ? results.forward[maxThreads].toFixed(2) : '–',
    `${(results.plainJs / results.forward[1]).toFixed(1)}×`]];
  rows.push(['backward', '–', results.backward[1].toFixed(2), maxThreads > 1 ? results.backward[maxThreads].toFixed(2) : '–', '']);
  fillTable($('speed-table'), ['ms (median)', 'plain JS', wasm(1), maxThreads > 1 ? wasm(maxThreads) : 'threads: unavailable', '1 thread vs plain JS'], rows);
}

async function start() {
  state.info = await init();
  currentThreads = state.info.threads;
  showRuntime(state.info);
  $('bag-form').addEventListener('submit', (event) => {
    event.preventDefault();
    runBag();
  });
  $('generate').addEventListener('click', generateBags);
  $('langid-text').addEventListener('input', identify);
  await loadLangid();
  $('train-form').addEventListener('submit', (event) => {
    event.preventDefault();
    training.train().catch((error) => {
      $('train-status').textContent = `${error.name}: ${error.message}`;
    });
  });
  $('train-text').addEventListener('input', () => training.identify());
  $('dlrm-form').addEventListener('submit', (event) => {
    event.preventDefault();
    dlrm.predict(Number($('dlrm-request').value)).catch((error) => {
      $('dlrm-status').textContent = `${error.name}: ${error.message}`;
    });
  });
  $('speed-form').addEventListener('submit', (event) => {
    event.preventDefault();
    measure().catch((error) => {
      $('speed-status').textContent = `${error.name}: ${error.message}`;
    });
  });
  runBag();
}

globalThis.demo = { state, ready: start(), runBag, measure, identify, train: () => training.train(), predictClick: (b) => dlrm.predict(b) };
