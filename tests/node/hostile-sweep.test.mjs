// A generated sweep of hostile input over every public entry point added
// since the first round: KeyedJaggedTensors and collection configs, fastText
// files and options, optimizer options and state, weight sources of every
// kind, `out` arrays. Each call either works or throws a TypeError /
// RangeError of the package's (never an engine's message, never another
// class: a hostile getter's own error passes through), and a call that
// throws changes nothing: no table, no optimizer state, no allocation. Runs
// on both variants; each test reports how many hostile inputs it tried.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { FastText, FastTextTrainer } from '../../js/fasttext/index.mjs';
import * as ebw from '../../js/index.node.mjs';
import { EmbeddingBag, EmbeddingBagCollection, memoryInfo, rng } from './helpers.mjs';

const { readStateDict } = ebw;

const HOSTILE_GETTER = 'hostile getter';
// What an engine says when the package let a value reach code that could not take it.
const ENGINE_WORDS = /Cannot read prop|Cannot set prop|is not a function|is not iterable|Invalid typed array|Invalid array length|Maximum call stack|Cannot convert|is not a constructor|Cannot mix BigInt|detached ArrayBuffer|Cannot perform/;

// Values no caller should pass, each made fresh (some are stateful).
function hostileValues() {
  const detached = new Float32Array(4);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  return [
    undefined, null, NaN, -0, Infinity, -1, 0.5, 2 ** 31, 2 ** 53, 1e39, '1', 'sum', '', 1n, 2n ** 64n, -(2n ** 63n) - 1n,
    Symbol('x'), true, {}, [], [[]], [1, [2]], [NaN], ['1'], [1n, 2], [2 ** 31], new Array(2 ** 32 - 1), new Array(5),
    () => 1, new Date(0), /x/, new Map([[1, 2]]), Object.create(null),
    new Proxy({}, { get() { throw new Error(HOSTILE_GETTER); } }),
    new Proxy([], { get() { throw new Error(HOSTILE_GETTER); } }),
    revoked.proxy,
    { get data() { throw new Error(HOSTILE_GETTER); }, shape: [1, 1] },
    { valueOf() { throw new Error(HOSTILE_GETTER); } },
    new Proxy(new Float32Array(8), {}), detached, new Float64Array(3), new Uint8Array(9), new Int8Array(2),
    new BigInt64Array(2), new Int32Array(1), new Float32Array(0), new Float32Array(1 << 16),
    new Float32Array(new SharedArrayBuffer(64)), new DataView(new ArrayBuffer(8)), new ArrayBuffer(8),
    Object.freeze([1, 2]), { length: 3, 0: 1, 1: 2, 2: 3 }, { keys: ['f'] },
  ];
}

// Runs `call`; returns 'ok' or 'refused', or fails the test on a wrong error.
function attempt(call, what) {
  try {
    const result = call();
    if (result && typeof result.then === 'function') return result.then(() => 'ok', (error) => judge(error, what));
    return 'ok';
  } catch (error) {
    return judge(error, what);
  }
}

function judge(error, what) {
  if (error?.message === HOSTILE_GETTER) return 'refused';
  // A Response or download that failed (an HTTP error status) is an Error
  // naming it, as fetch's network errors are.
  if (error instanceof Error && /^embedding-bag-wasm: cannot fetch .* \(HTTP \d+\)$/.test(error.message)) return 'refused';
  // The system's word on a path that names no readable file (ENOENT, EISDIR, ...).
  if (typeof error?.code === 'string' && /^E[A-Z]+$/.test(error.code) && error.syscall) return 'refused';
  // An abort's reason: AbortSignal.abort()'s AbortError, AbortSignal.timeout()'s TimeoutError.
  if (!(error instanceof TypeError || error instanceof RangeError || error?.name === 'AbortError' || error?.name === 'TimeoutError')) {
    assert.fail(`${what}: ${error?.constructor?.name} ${error?.message}`);
  }
  if (ENGINE_WORDS.test(error.message)) assert.fail(`${what}: an engine's error reached the caller: ${error.message}`);
  return 'refused';
}

/**
 * Asserts that a refused call changed nothing: `state()` as `before`. The
 * module's first use of a path may allocate once (a lazily made static):
 * then the same call again must leave the state exactly as it was.
 */
async function unchanged(call, what, state = allocationOnly, before) {
  const after = state();
  if (after === before) return;
  const [was, is] = [JSON.parse(before), JSON.parse(after)];
  assert.deepEqual(is.state, was.state, `${what}: a refused call changed something`);
  await attempt(call, what);
  const again = JSON.parse(state());
  assert.deepEqual(again.state, is.state, `${what}: a refused call changed something`);
  assert.ok(again.allocated <= is.allocated, `${what}: a refused call leaked (${is.allocated - was.allocated} bytes, and more again)`);
  assert.ok(is.allocated - was.allocated <= 64, `${what}: ${is.allocated - was.allocated} bytes more allocated`);
}

// What a call may change: { state (caller-visible), allocated (bytes) }, as JSON.
const withAllocation = (state) => JSON.stringify({ state, allocated: memoryInfo().allocatedBytes });
const allocationOnly = () => withAllocation(null);

const bitsOf = (array) => Array.from(new Uint32Array(Float32Array.from(array).buffer));

// A collection's tables' bits and the heap's allocation, to see that a refused call changed nothing.
function snapshot(ebc, names) {
  return withAllocation(names.map((n) => bitsOf(ebc.table(n).weight)));
}

const TABLES = [
  { name: 'a', numEmbeddings: 20, embeddingDim: 4, featureNames: ['f0', 'f1'], pooling: 'mean' },
  { name: 'b', numEmbeddings: 9, embeddingDim: 3, featureNames: ['f2'], pooling: 'sum' },
];
const KJT = { keys: ['f0', 'f1', 'f2'], values: [1, 2, 3, 4, 5, 6], lengths: [1, 1, 2, 0, 1, 1], weights: [1, 2, 3, 4, 5, 6] };

test('KeyedJaggedTensors, collection options and configs, gradients, out arrays: refused cleanly, nothing changed', async (t) => {
  const ebc = new EmbeddingBagCollection(TABLES, { seed: 1, isWeighted: true, optimizer: { name: 'adagrad', lr: 0.1 } });
  const names = TABLES.map((c) => c.name);
  let tried = 0;
  const run = async (call, what, state = () => snapshot(ebc, names)) => {
    const before = state();
    const outcome = await attempt(call, what);
    tried++;
    if (outcome === 'refused') await unchanged(call, what, state, before);
  };
  for (const [k, v] of hostileValues().entries()) {
    for (const key of Object.keys(KJT).concat('offsets', 'extra')) {
      await run(() => ebc.forward({ ...KJT, [key]: v }), `forward KJT.${key} = value ${k}`);
    }
    await run(() => ebc.forward(v), `forward(value ${k})`);
    await run(() => ebc.forward(KJT, v), `forward(KJT, options = value ${k})`);
    await run(() => ebc.forward(KJT, { out: v }), `forward out = value ${k}`);
    ebc.forward(KJT);
    await run(() => ebc.backward(v), `backward(value ${k})`);
    await run(() => ebc.backward(new Float32Array(2 * 11), { out: v }), `backward out = value ${k}`);
    await run(() => ebc.step(v), `step(value ${k})`);
    await run(() => ebc.step(new Float32Array(2 * 11), v), `step options = value ${k}`);
    await run(() => ebc.setOptimizer(v), `setOptimizer(value ${k})`);
    await run(() => ebc.setOptimizer({ name: 'adagrad', lr: v }), `optimizer lr = value ${k}`);
    await run(() => ebc.setOptimizer({ name: 'sparse-adam', betas: v }), `optimizer betas = value ${k}`);
    await run(() => ebc.table(v), `table(value ${k})`);
    const fresh = allocationOnly;
    await run(() => new EmbeddingBagCollection(v), `new collection(value ${k})`, fresh);
    await run(() => new EmbeddingBagCollection(TABLES, v), `new collection(tables, value ${k})`, fresh);
    for (const key of ['name', 'numEmbeddings', 'embeddingDim', 'featureNames', 'pooling', 'dtype', 'weight', 'paddingIdx', 'maxNorm', 'scaleGradByFreq']) {
      await run(() => new EmbeddingBagCollection([TABLES[0], { ...TABLES[1], [key]: v }]).dispose(), `tables[1].${key} = value ${k}`, fresh);
    }
    for (const key of ['seed', 'sparse', 'isWeighted', 'optimizer']) {
      await run(() => new EmbeddingBagCollection(TABLES, { [key]: v }).dispose(), `collection option ${key} = value ${k}`, fresh);
    }
  }
  ebc.dispose();
  t.diagnostic(`hostile inputs tried: ${tried}`);
  assert.ok(tried > 1500);
});

test('optimizer options and state: refused cleanly, nothing changed', async (t) => {
  const bag = new EmbeddingBag(12, 3, { mode: 'sum', seed: 2, optimizer: { name: 'rowwise-adagrad', lr: 0.1 } });
  bag.forward([1, 2, 3], [0, 1]);
  bag.step(new Float32Array(6).fill(0.5));
  const state = () => withAllocation({ w: bitsOf(bag.weight), o: bag.optimizer, s: Object.values(bag.optimizerState() ?? {}).map(bitsOf) });
  let tried = 0;
  const run = async (call, what, before = state()) => {
    const outcome = await attempt(call, what);
    tried++;
    if (outcome === 'refused') await unchanged(call, what, state, before);
  };
  const file = bag.toSafetensors({ optimizerState: true });
  const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength)));
  const record = JSON.parse(header.__metadata__['embedding_bag_wasm.optimizer']);
  // A file with its header replaced (the data kept).
  const withHeader = (h) => {
    let json = JSON.stringify(h);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const text = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + text.length + file.length - 8 - headerLength);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    out.set(file.subarray(8 + headerLength), 8 + text.length);
    return out;
  };
  for (const [k, v] of hostileValues().entries()) {
    for (const key of ['name', 'lr', 'eps', 'lrDecay', 'initialAccumulatorValue', 'betas', 'extra']) {
      await run(() => bag.setOptimizer({ name: 'adagrad', lr: 0.1, [key]: v }), `setOptimizer ${key} = value ${k}`);
    }
    await run(() => bag.setOptimizer(v), `setOptimizer(value ${k})`);
    await run(() => bag.step(v), `step(value ${k})`);
    await run(() => bag.step(new Float32Array(6), v), `step(grad, value ${k})`);
    for (const field of ['table', 'name', 'options', 'step']) {
      if (typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'function') continue;  // not JSON
      let forged;
      try {
        forged = withHeader({ ...header, __metadata__: { ...header.__metadata__, 'embedding_bag_wasm.optimizer': JSON.stringify({ ...record, [field]: v }) } });
      } catch {
        continue;  // not JSON either (a throwing getter, a cycle)
      }
      await run(() => EmbeddingBag.fromSafetensors(forged, { optimizerState: true }).then((b) => b.dispose()), `optimizer record ${field} = value ${k}`);
    }
  }
  // State tensors of other shapes and dtypes.
  for (const stateName of Object.keys(header).filter((n) => n !== 'weight' && n !== '__metadata__')) {
    for (const shape of [[], [12], [12, 3], [11, 3], [3, 12], [12, 1], [2 ** 40, 3]]) {
      for (const dtype of ['F32', 'F16', 'U8', 'I64']) {
        const forged = withHeader({ ...header, [stateName]: { ...header[stateName], shape, dtype } });
        await run(() => EmbeddingBag.fromSafetensors(forged, { optimizerState: true }).then((b) => b.dispose()), `${stateName} as ${dtype} ${shape}`);
      }
    }
  }
  bag.dispose();
  t.diagnostic(`hostile inputs tried: ${tried}`);
  assert.ok(tried > 500);
});

test('fastText files (mutated fields, flipped bytes) and options: refused cleanly or a working model', async (t) => {
  const bin = new Uint8Array(readFileSync(new URL('../golden/fasttext/softmax-w2-c25.bin', import.meta.url)));
  const ftz = new Uint8Array(readFileSync(new URL('../golden/fasttext/softmax-w2-c25-qnorm-cutoff.ftz', import.meta.url)));
  let tried = 0;
  const load = async (bytes, what) => {
    const use = async () => {
      const model = await FastText.load(bytes);
      try {
        model.predict('hello world', { k: 2 });
        model.predictBatch(['a', 'b c'], { k: -1 });
        model.wordVector('hello');
      } finally {
        model.dispose();
      }
    };
    const before = allocationOnly();
    await attempt(use, what);
    tried++;
    await unchanged(use, what, allocationOnly, before);
  };
  // Every header field (magic, version, the 12 args) set to extremes.
  for (const file of [bin, ftz]) {
    for (let field = 0; field < 14; field++) {
      for (const value of [-1, 0, 1, 2, 3, 4, 12, 13, 255, 2 ** 16, 2 ** 31 - 1, -(2 ** 31)]) {
        const bytes = file.slice();
        new DataView(bytes.buffer).setInt32(field * 4, value, true);
        await load(bytes, `field ${field} = ${value}`);
      }
    }
    // The dictionary's counts (size, nwords, nlabels) and the int64s after them.
    for (const [at, size] of [[64, 4], [68, 4], [72, 4], [76, 8], [84, 8]]) {
      for (const value of [-1n, 0n, 1n, 2n ** 31n, 2n ** 62n]) {
        const bytes = file.slice();
        const view = new DataView(bytes.buffer);
        if (size === 4) view.setInt32(at, Number(BigInt.asIntN(32, value)), true);
        else view.setBigInt64(at, value, true);
        await load(bytes, `dictionary field at ${at} = ${value}`);
      }
    }
    // Random bytes flipped anywhere.
    const random = rng(file.length);
    for (let k = 0; k < 60; k++) {
      const bytes = file.slice();
      for (let f = 0; f < 4; f++) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      await load(bytes, `flipped bytes ${k}`);
    }
  }
  const model = await FastText.load(bin);
  for (const [k, v] of hostileValues().entries()) {
    for (const call of [
      () => FastText.load(v).then((m) => m.dispose()), () => FastText.load(bin, v).then((m) => m.dispose()),
      () => model.predict(v), () => model.predict('hello', v),
      () => model.predict('hello', { k: v }), () => model.predict('hello', { threshold: v }), () => model.predictBatch(v),
      () => model.predictBatch(['a', v]), () => model.tokenize(v), () => model.wordVector(v), () => model.sentenceVector(v),
      () => new FastText(v), () => new FastTextTrainer(v).dispose(), () => new FastTextTrainer(['__label__a x', '__label__b y'], v).dispose(),
      () => FastTextTrainer.fromFile(v).then((trainer) => trainer.dispose()),
      ...['dim', 'minn', 'maxn', 'bucket', 'wordNgrams', 'minCount', 'epoch', 'batchSize', 'optimizer', 'lr', 'seed'].map((key) =>
        () => new FastTextTrainer(['__label__a x', '__label__b y'], { [key]: v }).dispose()),
    ]) {
      const before = allocationOnly();
      const outcome = await attempt(call, `fastText call with value ${k}: ${call}`);
      tried++;
      if (outcome === 'refused') await unchanged(call, `fastText call with value ${k}: ${call}`, allocationOnly, before);
    }
  }
  model.dispose();
  t.diagnostic(`hostile inputs tried: ${tried}`);
  assert.ok(tried > 900);
});

test('weight sources of every kind, hostile, erroring, stalled and aborted: refused cleanly, nothing allocated', async (t) => {
  const maker = new EmbeddingBag(6, 2, { seed: 3 });
  const good = maker.toSafetensors();
  maker.dispose();
  let tried = 0;
  const streamOf = (...chunks) => new ReadableStream({
    pull(controller) {
      if (chunks.length === 0) controller.close();
      else {
        const next = chunks.shift();
        if (next instanceof Error) controller.error(next);
        else controller.enqueue(next);
      }
    },
  }, { highWaterMark: 0 });
  const used = new Response(good.slice());
  await used.arrayBuffer();
  const sources = () => [
    ...hostileValues(),
    streamOf('text'), streamOf(good.subarray(0, 10), 42), streamOf(null), streamOf(good.subarray(0, 20), new TypeError('network gone')),
    streamOf(good.subarray(0, 8), good.subarray(8)), streamOf(new Uint16Array(good.buffer.slice(0, good.length - (good.length % 2)))),
    new Response(null), new Response(good.slice(), { status: 500 }), used, new Blob([good.subarray(0, 30)]),
    new Blob(['not a file']), 'file:///nonexistent/x.safetensors', '/nonexistent/x.safetensors', new URL('file:///dev/null'),
    'http://127.0.0.1:1/x.safetensors', good.subarray(0, 7), good.subarray(0, good.length - 1),
    // Stalled: no byte, or some and then none (tried with a signal only).
    new ReadableStream({}), new Response(new ReadableStream({ start: (c) => c.enqueue(good.subarray(0, 100)) })),
  ];
  const STALLED = 2;  // the last sources
  // AbortSignal.timeout's timer does not keep Node alive: this does, while a stalled read waits for it.
  const alive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(alive));
  for (const loader of [
    (s, o) => EmbeddingBag.fromSafetensors(s, o), (s, o) => EmbeddingBag.fromNpy(s, o), (s, o) => FastText.load(s, o),
    (s, o) => EmbeddingBagCollection.fromSafetensors(s, [{ name: 'a', featureNames: ['f'] }, { name: 'b', featureNames: ['g'] }], o),
    (s, o) => FastTextTrainer.fromFile(s, o),
    (s, o) => EmbeddingBag.fromTorch(s, o), (s, o) => EmbeddingBagCollection.fromTorch(s, [{ name: 'a', featureNames: ['f'] }], o),
    (s, o) => readStateDict(s, o).then(() => ({ dispose() {} })),
  ]) {
    const list = sources();
    for (const [k, source] of list.entries()) {
      for (const signal of [undefined, AbortSignal.abort(), AbortSignal.timeout(5)]) {
        if (signal === undefined && k >= list.length - STALLED) continue;  // would wait for ever, as it should
        const before = allocationOnly();
        const outcome = await attempt(() => Promise.resolve(loader(source, signal ? { signal } : undefined)).then((made) => made.dispose()), `source ${k} with ${signal}`);
        tried++;
        // A source is read once: the allocation is checked without a second
        // call. (It may be lower: with threads, memory a pool thread held can
        // be freed meanwhile.)
        if (outcome === 'refused') {
          const left = JSON.parse(allocationOnly()).allocated - JSON.parse(before).allocated;
          assert.ok(left <= 0, `source ${k}: ${left} bytes left allocated`);
        }
      }
    }
  }
  t.diagnostic(`hostile inputs tried: ${tried}`);
  assert.ok(tried > 800);
});

test('out arrays of every kind to every result: refused cleanly, the caller\'s array and wasm memory untouched', async (t) => {
  const bag = new EmbeddingBag(10, 4, { mode: 'sum', seed: 4 });
  const sparse = new EmbeddingBag(10, 4, { mode: 'sum', seed: 4, sparse: true });
  const ebc = new EmbeddingBagCollection(TABLES, { seed: 5 });
  const view = bag.forward([1], [0], null, { copy: false }).data;
  let tried = 0;
  const outs = () => [
    ...hostileValues(), view, new Float32Array(view.buffer, view.byteOffset, 4), bag.weight,
    new Float32Array(3), new Float32Array(1000), new Int32Array(8), { indices: new Int32Array(10), values: bag.weight },
    { indices: new Int32Array(10), values: new Float32Array(40) }, { indices: view, values: new Float32Array(40) },
  ];
  const state = () => withAllocation([bitsOf(bag.weight), bitsOf(sparse.weight), bitsOf(ebc.table('a').weight)]);
  const calls = [
    (out) => bag.forward([1, 2], [0, 1], null, { out }),
    (out) => { bag.forward([1, 2], [0, 1]); return bag.backward(new Float32Array(8), { out }); },
    (out) => { bag.forward([1, 2], [0, 1]); return bag.backward(new Float32Array(8), { perSampleWeightsOut: out }); },
    (out) => { sparse.forward([1, 2], [0, 1]); return sparse.backward(new Float32Array(8), { out }); },
    (out) => ebc.forward({ keys: ['f0', 'f1', 'f2'], values: [1, 2, 3], lengths: [1, 1, 1] }, { out }),
    (out) => { ebc.forward({ keys: ['f0', 'f1', 'f2'], values: [1, 2, 3], lengths: [1, 1, 1] }); return ebc.backward(new Float32Array(11), { out }); },
    (out) => bag.optimizerState?.({ out }),
  ];
  for (const [c, call] of calls.entries()) {
    for (const [k, out] of outs().entries()) {
      const before = state();
      const bytesOf = (v) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      const copy = ArrayBuffer.isView(out) && out.byteLength > 0 ? bytesOf(out) : null;
      const outcome = await attempt(() => call(out), `call ${c}, out ${k}`);
      tried++;
      if (outcome === 'refused') {
        await unchanged(() => call(out), `call ${c}, out ${k}`, state, before);
        if (copy) assert.deepEqual(bytesOf(out), copy, `call ${c}, out ${k}: the refused out array was written`);
      }
    }
  }
  for (const b of [bag, sparse]) b.dispose();
  ebc.dispose();
  t.diagnostic(`hostile inputs tried: ${tried}`);
  assert.ok(tried > 350);
});
