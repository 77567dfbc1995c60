// Hostile input, round two: the surfaces added after the first round
// (collections and KeyedJaggedTensors, fastText files and training,
// optimizer options and state, weight sources, caller-owned results), one
// test per class of what an attacker tried (issue 28), on both variants.
// The generated sweep over every entry point is hostile-sweep.test.mjs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import { FastText, FastTextTrainer } from '../../js/fasttext/index.mjs';
import { readModel } from '../../js/fasttext/reader.mjs';
import { writeModel } from '../../js/fasttext/writer.mjs';
import { writeSafetensors } from '../../js/formats.mjs';
import { EmbeddingBag, EmbeddingBagCollection, memoryInfo, testThreads } from './helpers.mjs';

const fixtures = new URL('../golden/fasttext/', import.meta.url);
const fixture = (name) => new Uint8Array(readFileSync(new URL(name, fixtures)));
const encoder = new TextEncoder();

// A promise's outcome within `ms`, or 'pending'.
async function settledWithin(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve({ state: 'pending' }), ms); });
  try {
    return await Promise.race([promise.then((value) => ({ state: 'resolved', value }), (error) => ({ state: 'rejected', error })), late]);
  } finally {
    clearTimeout(timer);
  }
}

// A ReadableStream that yields `first` (if any) and then never another byte.
const stalled = (first) => new ReadableStream({
  start(controller) {
    if (first) controller.enqueue(first);
  },
});

// A safetensors file's header and first rows (a table of 300 x 8).
const header = (() => {
  const bag = new EmbeddingBag(300, 8);
  const bytes = bag.toSafetensors().slice(0, 4000);
  bag.dispose();
  return bytes;
})();
// An .npy file (version 1.0, a 128-byte header) of float32 rows of `cols`.
function npyOf(floats, cols) {
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${floats.length / cols}, ${cols}), }`;
  dict = dict.padEnd(128 - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(128 + floats.byteLength);
  out.set([0x93, ...encoder.encode('NUMPY'), 1, 0, dict.length & 0xff, dict.length >> 8]);
  out.set(encoder.encode(dict), 10);
  out.set(new Uint8Array(floats.buffer), 128);
  return out;
}

// A stream of `bytes` whose chunks are views of one buffer it reuses, as
// Node's file reader yields them: `piece` bytes each (for the first
// `smallFor` bytes; then 1 MiB pieces when smallFor is given).
function reusingStream(bytes, piece, smallFor = 0) {
  const reused = new Uint8Array(Math.max(piece, smallFor ? 1 << 20 : 0));
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      const n = Math.min(smallFor && at >= smallFor ? 1 << 20 : piece, bytes.length - at);
      reused.set(bytes.subarray(at, at + n));
      at += n;
      controller.enqueue(reused.subarray(0, n));
    },
  }, { highWaterMark: 0 });
}

let dir;
let server;
let base;
const requests = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-hostile-'));
  // Serves dir; /stall sends a header's worth of bytes and never the rest.
  server = createServer((req, res) => {
    requests.push(req.url);
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.write(header);
      return;
    }
    try {
      const body = readFileSync(join(dir, decodeURIComponent(req.url.slice(1).replace(/[?#].*$/, ''))));
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});
after(() => {
  server.closeAllConnections?.();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- 1. Lengths and kinds before elements ----

test('a holey or huge plain array is refused before its elements are read (no out-of-memory abort)', () => {
  const bag = new EmbeddingBag(10, 4, { mode: 'sum' });
  const ebc = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 10, embeddingDim: 4, featureNames: ['f'] }], { isWeighted: true });
  const huge = new Array(2 ** 32 - 1);
  const holey = new Array(2 ** 27 - 1);
  const cases = [
    [() => bag.forward(huge, [0]), RangeError, /input has length 4294967295: a plain array may hold at most 134217728/],
    [() => bag.forward(holey, [0]), TypeError, /indices\[0\] = undefined is not an integer/],
    [() => bag.forward([1, 2], holey), TypeError, /offsets\[0\] = undefined is not an integer/],
    [() => bag.forward([1, 2], [0], huge), RangeError, /perSampleWeights has length 4294967295/],
    [() => bag.forward([[1, 2], huge]), RangeError, /input\[1\] has length 4294967295/],
    [() => bag.forward({ data: huge, shape: [1, 1] }), RangeError, /input.data has length 4294967295/],
    [() => ebc.forward({ keys: ['f'], values: huge, lengths: [1], weights: [1] }), RangeError, /values has length 4294967295/],
    [() => ebc.forward({ keys: ['f'], values: [1], lengths: holey, weights: [1] }), TypeError, /lengths\[0\] = undefined is not an integer/],
    [() => ebc.forward({ keys: ['f'], values: [1], lengths: [1], weights: holey }), TypeError, /weights\[0\] = undefined is not a number/],
  ];
  for (const [call, type, message] of cases) {
    const start = performance.now();
    assert.throws(call, (e) => e instanceof type && message.test(e.message), String(message));
    assert.ok(performance.now() - start < 500, `${message}: refused at once`);
  }
  bag.dispose();
  ebc.dispose();
});

// ---- 2. Nothing private from a user-visible object ----

test('a collection takes no tables from anything a caller passes: a third constructor argument is ignored', () => {
  const bag = new EmbeddingBag(10, 4, { mode: 'sum' });
  const tables = [{ name: 'a', numEmbeddings: 10, embeddingDim: 4, featureNames: ['f'] }, { name: 'b', numEmbeddings: 10, embeddingDim: 4, featureNames: ['g'] }];
  // The shape the private argument had, and a Proxy offering every key.
  for (const third of [{ bags: [bag, bag] }, new Proxy({}, { get: () => [bag, bag], has: () => true })]) {
    const ebc = new EmbeddingBagCollection(tables, { seed: 3 }, third);
    assert.notEqual(ebc.table('a'), bag);
    assert.notEqual(ebc.table('a'), ebc.table('b'));
    const out = ebc.forward({ keys: ['f', 'g'], values: [1, 2], lengths: [1, 1] });
    assert.ok(out.values.every((v) => Math.abs(v) < 10), 'rows of its own tables');
    ebc.dispose();
  }
  assert.equal(bag.disposed, false);
  bag.dispose();
});

// ---- 3. Views of wasm memory, current or from before the memory grew ----

test('a view of wasm memory from before the memory grew is never written as out, and is copied as an input', () => {
  const bag = new EmbeddingBag(10, 4, { mode: 'sum', weight: Float32Array.from({ length: 40 }, (_, i) => i) });
  const victim = new EmbeddingBag(10, 4, { mode: 'sum', weight: new Float32Array(40).fill(7) });
  const ebc = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 10, embeddingDim: 4, featureNames: ['f'] }], { seed: 1 });
  const old = bag.forward(Int32Array.of(1, 2), Int32Array.of(0, 1), null, { copy: false }).data;
  const oldIds = new Int32Array(old.buffer, old.byteOffset, 2);  // a view of the heap as indices
  const before = memoryInfo().heapBytes;
  const big = new EmbeddingBag(1 << 18, 128, { mode: 'sum' });  // 128 MiB: the memory grows
  assert.ok(memoryInfo().heapBytes > before, 'the memory grew');
  const refused = testThreads > 1 ? /is a view of wasm memory/ : /is a view of wasm memory|detached/;
  assert.throws(() => bag.forward([1, 2], [0, 1], null, { out: old }), refused);
  bag.forward([1, 2], [0, 1]);
  assert.throws(() => bag.backward(new Float32Array(8), { out: new Float32Array(old.buffer, old.byteOffset, 8) }), (e) => e instanceof TypeError || e instanceof RangeError);
  assert.throws(() => ebc.forward({ keys: ['f'], values: [1], lengths: [1] }, { out: new Float32Array(old.buffer, old.byteOffset, 4) }), refused);
  assert.deepEqual(Array.from(victim.weight), new Array(40).fill(7), "another bag's table is untouched");
  if (testThreads > 1) {
    // Still aliasing the heap (the old result buffer): read as a copy,
    // before the call can overwrite it.
    oldIds.set([3, 4]);
    const ids = Int32Array.of(3, 4);
    assert.deepEqual(bag.forward(oldIds, Int32Array.of(0)).data, bag.forward(ids, Int32Array.of(0)).data);
  } else {
    assert.throws(() => bag.forward(oldIds, Int32Array.of(0)), { name: 'TypeError', message: /indices is detached/ });
  }
  for (const b of [bag, victim, big]) b.dispose();
  ebc.dispose();
});

// ---- 4. Shards stay in their index's folder ----

test('a shard resolves inside its index folder, on its scheme and origin: anything else is a RangeError naming it', async () => {
  const shardNames = [`http:127.0.0.1:${server.address().port}`, `http://127.0.0.1:${server.address().port}/x`, 'file:tmp',
    '%2e%2e', 'a?b=1', 'a#b', '..', '.', 'C:x', 'a\u0000b'];
  for (const shard of shardNames) {
    const index = join(dir, 'model.safetensors.index.json');
    writeFileSync(index, JSON.stringify({ weight_map: { t: shard } }));
    const count = requests.length;
    for (const source of [index, pathToFileURL(index), `${base}model.safetensors.index.json`]) {
      await assert.rejects(EmbeddingBag.fromSafetensors(source, { tensor: 't' }),
        (e) => e instanceof RangeError && e.message.includes("weight_map['t']") && e.message.includes('beside the index'), `${shard} from ${source}`);
    }
    assert.equal(requests.length, count + 1, `${shard}: only the http index itself was fetched`);
  }
  // The shard beside its index loads from each.
  const shardBag = new EmbeddingBag(3, 2, { seed: 1 });
  writeFileSync(join(dir, 'shard-1.safetensors'), shardBag.toSafetensors({ name: 't' }));
  shardBag.dispose();
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { t: 'shard-1.safetensors' } }));
  for (const source of [join(dir, 'model.safetensors.index.json'), pathToFileURL(join(dir, 'model.safetensors.index.json')), `${base}model.safetensors.index.json?v=1`]) {
    const bag = await EmbeddingBag.fromSafetensors(source, { tensor: 't' });
    assert.equal(bag.numEmbeddings, 3);
    bag.dispose();
  }
});

// ---- 5. Abort settles at once, whatever the source waits for ----

test('abort settles a stalled load at once and frees what it made: streams, Responses, downloads, fastText', async () => {
  const loads = [
    ['stream, before any byte', (signal) => EmbeddingBag.fromSafetensors(stalled(), { signal })],
    ['stream, after the header', (signal) => EmbeddingBag.fromSafetensors(stalled(header), { signal })],
    ['Response, after the header', (signal) => EmbeddingBag.fromSafetensors(new Response(stalled(header)), { signal })],
    ['download, after the header', (signal) => EmbeddingBag.fromSafetensors(`${base}stall`, { signal })],
    ['npy stream', (signal) => EmbeddingBag.fromNpy(stalled(), { signal })],
    ['collection, two tables', (signal) => EmbeddingBagCollection.fromSafetensors(new Response(stalled(header)),
      [{ name: 'a', featureNames: ['f'] }, { name: 'b', featureNames: ['g'] }], { signal })],
    ['fastText model', (signal) => FastText.load(stalled(fixture('softmax-w2-c25.bin').subarray(0, 5000)), { signal })],
    ['fastText model Response', (signal) => FastText.load(new Response(stalled()), { signal })],
  ];
  for (const [what, load] of loads) {
    const allocated = memoryInfo().allocatedBytes;
    const controller = new AbortController();
    const promise = load(controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort(new Error(`stop ${what}`));
    const outcome = await settledWithin(promise, 500);
    assert.equal(outcome.state, 'rejected', `${what}: settled at once`);
    assert.equal(outcome.error.message, `stop ${what}`);
    assert.equal(memoryInfo().allocatedBytes, allocated, `${what}: nothing left allocated`);
  }
});

// ---- 6. Every loader, every source kind, sizes across a reader's chunks ----

test('every loader from every source kind, at sizes across the 1 MiB chunks a file is read in', async () => {
  // A fastText model over 1 MiB, and safetensors / .npy tables of 1 MiB -4, +0, +4 bytes.
  const trainer = new FastTextTrainer(['__label__a hello world', '__label__b good bye moon'], { bucket: 20000, dim: 16, seed: 2 });
  const model = trainer.model.toBin();
  assert.ok(model.length > 1.2 * (1 << 20));
  const kinds = (bytes, name) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return [
      ['path', () => path], ['file URL', () => pathToFileURL(path)], ['http URL', () => `${base}${name}`],
      ['Uint8Array', () => bytes.slice()], ['ArrayBuffer', () => bytes.slice().buffer], ['DataView', () => new DataView(bytes.slice().buffer)],
      ['Blob', () => new Blob([bytes])], ['Response', () => new Response(bytes.slice())],
      ...[[4093], [65539], [(1 << 20) - 1], [1 << 20], [(1 << 20) + 1], [7, 7 * 64]].map(([piece, smallFor = 0]) => [
        `stream of ${piece}-byte pieces${smallFor ? ` for ${smallFor} bytes, then 1 MiB` : ''}`, () => reusingStream(bytes, piece, smallFor)]),
    ];
  };
  const expected = trainer.model.predict('hello world', { k: 2 });
  for (const [kind, source] of kinds(model, 'model.bin')) {
    const loaded = await FastText.load(source());
    assert.deepEqual(loaded.predict('hello world', { k: 2 }), expected, `FastText.load from ${kind}`);
    loaded.dispose();
  }
  trainer.dispose();
  const lines = Array.from({ length: 60000 }, (_, i) => `__label__${i % 3} word${i % 50} other${i % 7}`).join('\n');
  const text = encoder.encode(lines);
  assert.ok(text.length > 1 << 20);
  for (const [kind, source] of kinds(text, 'train.txt')) {
    const t = await FastTextTrainer.fromFile(source(), { bucket: 0, maxn: 0 });
    assert.deepEqual(t.model.labels.sort(), ['__label__0', '__label__1', '__label__2'], `FastTextTrainer.fromFile from ${kind}`);
    t.dispose();
  }
  // A collection's file of two tables over 1 MiB, read once per source.
  const ebc = new EmbeddingBagCollection([{ name: 'a', numEmbeddings: 70000, embeddingDim: 2, featureNames: ['f'] },
    { name: 'b', numEmbeddings: 3, embeddingDim: 5, featureNames: ['g'] }], { seed: 6 });
  for (const [kind, source] of kinds(ebc.toSafetensors(), 'ebc.safetensors')) {
    const back = await EmbeddingBagCollection.fromSafetensors(source(), [{ name: 'a', featureNames: ['f'] }, { name: 'b', featureNames: ['g'] }]);
    assert.ok(back.table('a').weight.every((v, i) => v === ebc.table('a').weight[i]), `collection from ${kind}`);
    back.dispose();
  }
  ebc.dispose();
  for (const delta of [-4, 0, 4]) {
    const npy = npyOf(Float32Array.from({ length: ((1 << 20) + delta - 128) / 4 }, (_, i) => i % 1000), 1);
    assert.equal(npy.length, (1 << 20) + delta);
    for (const [kind, source] of kinds(npy, `t${delta}.npy`)) {
      const bag = await EmbeddingBag.fromNpy(source());
      assert.ok(bag.weight.every((v, i) => v === i % 1000), `fromNpy ${npy.length} bytes from ${kind}`);
      bag.dispose();
    }
    // A table's file of 1 MiB + delta bytes (the header's length found first).
    const fileOf = (rows) => {
      const bag = new EmbeddingBag(rows, 1, { seed: 5 });
      const bytes = bag.toSafetensors({ name: 't' });
      const weight = bag.weight.slice();
      bag.dispose();
      return { bytes, weight };
    };
    const rows = Math.floor(((1 << 20) - 256) / 4);
    const { bytes: file, weight: want } = fileOf(((1 << 20) + delta - (fileOf(rows).bytes.length - 4 * rows)) / 4);
    assert.equal(file.length, (1 << 20) + delta);
    for (const [kind, source] of kinds(file, `t${delta}.safetensors`)) {
      const bag = await EmbeddingBag.fromSafetensors(source());
      assert.ok(bag.weight.every((v, i) => v === want[i]), `fromSafetensors ${file.length} bytes from ${kind}`);
      bag.dispose();
    }
  }
});

// ---- 7, 8. Bounded reads: the header first, decoded sizes before decoding ----

test('FastText.load refuses a file that does not start as a model after its first bytes, and a bomb before decoding it', async () => {
  let pulled = 0;
  const zeros = new ReadableStream({
    pull(controller) {
      pulled += 65536;
      controller.enqueue(new Uint8Array(65536));
    },
  }, { highWaterMark: 0 });
  await assert.rejects(FastText.load(zeros), { name: 'TypeError', message: /not a fastText model/ });
  assert.ok(pulled <= 4 * 65536, `read ${pulled} bytes of an endless stream of zeros`);
  assert.rejects(FastText.load(new Uint8Array(3)), { name: 'TypeError', message: /not a fastText model/ });
  await assert.rejects(FastText.load(new Uint8Array(8), { signals: 1 }), { name: 'TypeError', message: /unknown load option 'signals' \(did you mean 'signal'\?\)/ });
  await assert.rejects(FastText.load(new Uint8Array(8), { signal: 'x' }), { name: 'TypeError', message: /signal = "x" must be an AbortSignal/ });
  // A quantized input matrix of 2^22 x 256 (4 GiB as floats) in 4.5 MB.
  const rows = 2 ** 22;
  const parts = [];
  const i32 = (...v) => parts.push(new Uint8Array(Int32Array.from(v).buffer));
  const i64 = (...v) => parts.push(new Uint8Array(BigInt64Array.from(v, BigInt).buffer));
  i32(793712314, 12, 256, 5, 5, 1, 5, 1, 3, 3, 0, 0, 0, 100);
  parts.push(new Uint8Array(new Float64Array([1e-4]).buffer));
  i32(2, 1, 1);
  i64(2, -1);
  parts.push(encoder.encode('a\0'), new Uint8Array(BigInt64Array.of(1n).buffer), Uint8Array.of(0));
  parts.push(encoder.encode('__label__x\0'), new Uint8Array(BigInt64Array.of(1n).buffer), Uint8Array.of(1));
  parts.push(Uint8Array.of(1, 0));  // quantized input, no norms
  i64(rows, 256);
  i32(rows);
  parts.push(new Uint8Array(rows));
  i32(256, 1, 256, 256);
  parts.push(new Uint8Array(256 * 256 * 4));
  const bomb = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bomb.set(p, at), at + p.length), 0);
  const start = performance.now();
  await assert.rejects(FastText.load(bomb), { name: 'RangeError', message: /input matrix is 4194304 x 256 floats \(4294967296 bytes\): larger than a table can be/ });
  assert.ok(performance.now() - start < 1000, 'refused before decoding');
});

// ---- 9, 18. Options checked together, and as the float32 the kernels use ----

test('trainer sizes are checked together up front, and learning rates as float32', () => {
  const lines = ['__label__a hello', '__label__b bye'];
  for (const [options, bytes] of [[{ dim: 1024, bucket: 2 ** 24 }, 68719476736], [{ dim: 64, bucket: 2 ** 24 }, 4294967296]]) {
    const start = performance.now();
    assert.throws(() => new FastTextTrainer(lines, options), {
      name: 'RangeError',
      message: `bucket = ${options.bucket} and dim = ${options.dim} make an input table of ${options.bucket} buckets x ${options.dim} floats ` +
        `(${bytes} bytes), larger than a table can be (4294901760 bytes): lower bucket or dim`,
    });
    assert.ok(performance.now() - start < 200, 'before any table is made');
  }
  assert.throws(() => new FastTextTrainer(lines, { lr: 1e39 }), { name: 'RangeError', message: 'lr = 1e+39 must be a finite number > 0 (as a float32)' });
  const tables = [{ name: 'a', numEmbeddings: 4, embeddingDim: 2, featureNames: ['f'] }];
  for (const make of [
    () => new EmbeddingBag(4, 2, { optimizer: { name: 'sgd', lr: 1e39 } }),
    () => new EmbeddingBagCollection(tables, { optimizer: { name: 'adagrad', lr: 1e39 } }),
    () => new EmbeddingBag(4, 2, { optimizer: { name: 'sparse-adam', lr: 0.1, betas: [0.9, 1 - 1e-10] } }),
  ]) {
    assert.throws(make, (e) => e instanceof RangeError && /as a float32|as float32/.test(e.message));
  }
});

// ---- 10, 11. Files that disagree with themselves; round trips ----

// A fixture parsed, changed by `edit`, written again.
function edited(name, edit) {
  const model = readModel(fixture(name));
  edit(model);
  return writeModel({ ...model, args: model.written });
}

test('a fastText file whose matrices disagree with its dictionary is refused at load, naming the counts', async () => {
  const dim = readModel(fixture('softmax-w2-c25.bin')).args.dim;
  const cases = [
    ['output rows', (m) => {
      m.output = { rows: m.output.rows + 2, cols: dim, data: new Float32Array((m.output.rows + 2) * dim) };
    }, /its output matrix has \d+ rows, expected \d+ \(one per label\)/],
    ['input rows', (m) => {
      m.input = { rows: m.input.rows - 10, cols: dim, data: m.input.data.subarray(0, (m.input.rows - 10) * dim) };
    }, /its input matrix has \d+ rows, expected \d+ \(\d+ words \+ \d+ n-gram buckets\)/],
    ['bucket 0', (m) => {
      m.written.bucket = 0;
    }, /bucket = 0 with n-grams/],
  ];
  for (const [what, edit, message] of cases) {
    await assert.rejects(FastText.load(edited('softmax-w2-c25.bin', edit)), (e) => e instanceof RangeError && message.test(e.message), what);
  }
});

test('toBin writes back what it read: a prune index of size 0, a version-11 file, byte for byte', async () => {
  for (const [what, edit] of [
    ['as saved', () => {}],
    ['prune index of 0', (m) => {
      m.dictionary.pruneIndex = new Map();
      const rows = m.dictionary.nwords;
      m.input = { rows, cols: m.args.dim, data: m.input.data.subarray(0, rows * m.args.dim) };
    }],
    ['version 11', (m) => { m.version = 11; }],
  ]) {
    const bytes = edited('softmax-w2-c25.bin', edit);
    const model = await FastText.load(bytes);
    const again = model.toBin();
    assert.ok(again.length === bytes.length && again.every((v, i) => v === bytes[i]), `${what}: byte for byte`);
    const reloaded = await FastText.load(again);
    for (const text of ['hello world', 'ein kleiner test', 'o rato roeu']) {
      assert.deepEqual(reloaded.predict(text, { k: 3 }), model.predict(text, { k: 3 }), `${what}: ${text}`);
    }
    model.dispose();
    reloaded.dispose();
  }
});

// ---- 12, 13. Deep trees, many texts x many labels ----

// A fixture with `labels` labels of count `count` in place of its own, and
// output rows f(i) / 10.
function withLabels(name, labels, count, f) {
  return edited(name, (m) => {
    const { nwords } = m.dictionary;
    m.dictionary.words = [...m.dictionary.words.slice(0, nwords), ...Array.from({ length: labels }, (_, i) => encoder.encode(`__label__${i}`))];
    m.dictionary.counts = Float64Array.from([...m.dictionary.counts.subarray(0, nwords), ...new Array(labels).fill(count)]);
    m.dictionary.types = Uint8Array.from([...m.dictionary.types.subarray(0, nwords), ...new Array(labels).fill(1)]);
    m.dictionary.nlabels = labels;
    m.output = { rows: labels, cols: m.args.dim, data: Float32Array.from({ length: labels * m.args.dim }, (_, i) => f(i) / 10) };
  });
}

test('predictBatch of many texts x many labels works in blocks (no scores buffer of texts x labels)', async () => {
  const bytes = withLabels('softmax-w2-c25.bin', 10000, 1, Math.sin);
  const model = await FastText.load(bytes);
  const texts = Array.from({ length: 3000 }, (_, i) => `text number ${i} hello`);
  const heap = memoryInfo().heapBytes;
  const predictions = model.predictBatch(texts, { k: 1 });
  // Unblocked, the scores alone were 3000 x 10000 floats (120 MB).
  assert.ok(memoryInfo().heapBytes - heap < 64 << 20, `the heap grew by ${memoryInfo().heapBytes - heap} bytes`);
  for (const t of [0, 1234, 2999]) assert.deepEqual(predictions[t], model.predict(texts[t], { k: 1 }));
  model.dispose();
});

test('hierarchical softmax over a tree as deep as it has labels (10,000) predicts without exhausting the stack', async () => {
  // Labels of count 0: fastText's buildTree then chains every node.
  const bytes = withLabels('hs-w3-c13.bin', 10000, 0, Math.cos);
  const model = await FastText.load(bytes);
  const best = model.predict('hallo wereld', { k: 3 });
  assert.equal(best.length, 3);
  assert.ok(best[0].probability >= best[1].probability && best[1].probability >= best[2].probability);
  assert.ok(best.every((p) => p.label.startsWith('__label__') && p.probability > 0 && p.probability <= 1));
  model.dispose();
});

// ---- 14-17. The collection: options read once, refused as a bag refuses, sources read once, errors named ----

test('collection options are read once and applied to every table or none', () => {
  const tables = [{ name: 'a', numEmbeddings: 10, embeddingDim: 4, featureNames: ['f'] }, { name: 'b', numEmbeddings: 10, embeddingDim: 4, featureNames: ['g'] }];
  let reads = 0;
  const once = (name) => ({ name, get lr() { if (++reads > 1) throw new Error('lr read twice'); return 0.1; } });
  const ebc = new EmbeddingBagCollection(tables, { optimizer: once('adagrad') });
  assert.deepEqual([ebc.table('a').optimizer.name, ebc.table('b').optimizer.name, reads], ['adagrad', 'adagrad', 1]);
  reads = 0;
  ebc.setOptimizer(once('sgd'));
  assert.deepEqual([ebc.table('a').optimizer.name, ebc.table('b').optimizer.name, reads], ['sgd', 'sgd', 1]);
  assert.throws(() => ebc.setOptimizer({ name: 'sgd', lr: -1 }), RangeError);
  assert.deepEqual([ebc.table('a').optimizer.options.lr, ebc.table('b').optimizer.options.lr], [0.1, 0.1], 'a refused optimizer changes no table');
  ebc.dispose();
});

test('a quantized table of a collection refuses maxNorm and scaleGradByFreq as a bag does; table errors name the table', () => {
  const a = { name: 'a', numEmbeddings: 10, embeddingDim: 8, featureNames: ['f'] };
  const cases = [
    [{ dtype: 'int8', maxNorm: 1 }, RangeError, /^tables\[1\] \("b"\): maxNorm = 1 cannot be used with a quantized table/],
    [{ dtype: 'int4', scaleGradByFreq: true }, TypeError, /^tables\[1\] \("b"\): scaleGradByFreq concerns gradients/],
    [{ numEmbeddings: 0 }, RangeError, /^tables\[1\] \("b"\): numEmbeddings = 0 must be/],
    [{ weight: new Float32Array(3) }, RangeError, /^tables\[1\] \("b"\): weight has length 3/],
  ];
  for (const [config, type, message] of cases) {
    const allocated = memoryInfo().allocatedBytes;
    assert.throws(() => new EmbeddingBagCollection([a, { name: 'b', numEmbeddings: 10, embeddingDim: 8, featureNames: ['g'], ...config }]),
      (e) => e instanceof type && message.test(e.message), String(message));
    assert.equal(memoryInfo().allocatedBytes, allocated);
  }
});

test('EmbeddingBagCollection.fromSafetensors with several tables reads a Response or ReadableStream once', async () => {
  const tables = [{ name: 'a', numEmbeddings: 5, embeddingDim: 3, featureNames: ['f'] }, { name: 'b', numEmbeddings: 7, embeddingDim: 2, featureNames: ['g'] }];
  const ebc = new EmbeddingBagCollection(tables, { seed: 4 });
  const file = ebc.toSafetensors();
  const configs = tables.map(({ name, featureNames }) => ({ name, featureNames }));
  for (const source of [new Response(file.slice()), new Blob([file]).stream(), file]) {
    const back = await EmbeddingBagCollection.fromSafetensors(source, configs);
    assert.deepEqual(Array.from(back.table('b').weight), Array.from(ebc.table('b').weight));
    back.dispose();
  }
  ebc.dispose();
});

test('out arrays and sources that only look like typed arrays are named so; quantize takes { data, dims }', () => {
  const bag = new EmbeddingBag(4, 2, { mode: 'sum' });
  assert.throws(() => bag.forward([1], [0], null, { out: new Proxy(new Float32Array(2), {}) }),
    { name: 'TypeError', message: 'out = a Float32Array look-alike (not a typed array) must be a Float32Array' });
  const q = EmbeddingBag.quantize({ data: new Float32Array(16).fill(0.5), dims: [2, 8] }, { dtype: 'int8' });
  assert.deepEqual([q.numEmbeddings, q.embeddingDim, q.dtype], [2, 8, 'int8']);
  q.dispose();
  bag.dispose();
});

// ---- 19, 21. What a file records, and only that ----

test('toSafetensors never takes an inherited dtype, records the options that change results, and reloads with them', async () => {
  // eslint-disable-next-line no-extend-native
  Object.prototype.dtype = 'int4';
  let file;
  const small = new EmbeddingBag(3, 2, { seed: 1 });
  try {
    file = small.toSafetensors();
  } finally {
    delete Object.prototype.dtype;
    small.dispose();
  }
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + Number(new DataView(file.buffer).getBigUint64(0, true)))));
  assert.equal(header.weight.dtype, 'F32');
  const bag = new EmbeddingBag(10, 4, { mode: 'sum', paddingIdx: 0, maxNorm: 2, normType: Infinity, seed: 2 });
  for (const dtype of [undefined, 'fp16']) {
    const saved = dtype ? EmbeddingBag.quantize(bag, { dtype, maxNorm: null }) : bag;
    const back = await EmbeddingBag.fromSafetensors(saved.toSafetensors());
    assert.deepEqual([back.mode, back.paddingIdx, back.maxNorm, back.dtype], ['sum', 0, dtype ? null : 2, dtype ?? 'fp32']);
    assert.deepEqual(back.forward([0, 1, 2], [0]).data, saved.forward([0, 1, 2], [0]).data);
    const mine = await EmbeddingBag.fromSafetensors(saved.toSafetensors(), { mode: 'mean', paddingIdx: null });
    assert.deepEqual([mine.mode, mine.paddingIdx], ['mean', null], 'options given win');
    for (const b of [back, mine]) b.dispose();
    if (saved !== bag) saved.dispose();
  }
  await assert.rejects(EmbeddingBag.fromSafetensors(bag.toSafetensors(), { dtype: 'int8' }),
    { name: 'RangeError', message: /maxNorm = 2 cannot be used with a quantized table .*\(with the options the safetensors file records: .*maxNorm 2/ });
  for (const record of ['{"mode":"mean","evil":1}', 'not json', '[1]', 'null']) {
    const forged = writeSafetensors({ weight: { data: new Float32Array(4), shape: [2, 2] } }, { 'embedding_bag_wasm.options': record });
    await assert.rejects(EmbeddingBag.fromSafetensors(forged), { name: 'RangeError', message: /embedding_bag_wasm.options = .* is not a record of bag options/ }, record);
  }
  bag.dispose();
});

// ---- 20. A collection's weighted mean is TorchRec's ----

test('a collection pools a weighted mean as FBGEMM does: the weighted sum over the bag length, with its gradients', () => {
  const D = 3;
  const weight = Float32Array.from({ length: 6 * D }, (_, i) => Math.fround(Math.sin(i + 1)));
  const ebc = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 6, embeddingDim: D, featureNames: ['f'], pooling: 'mean', weight }], { isWeighted: true });
  const values = [1, 4, 4, 2, 5];
  const lengths = [3, 0, 2];
  const w = [0.5, 2, 1.5, 3, 0.25];
  const out = ebc.forward({ keys: ['f'], values, lengths, weights: w }).values;
  const grad = Float32Array.from({ length: 3 * D }, (_, i) => Math.cos(i));
  const g = ebc.backward(grad);
  let at = 0;
  const wantPsw = [];
  lengths.forEach((length, b) => {
    for (let d = 0; d < D; d++) {
      let sum = 0;
      for (let k = at; k < at + length; k++) sum += Math.fround(w[k]) * weight[values[k] * D + d];
      const want = length === 0 ? 0 : sum / length;
      assert.ok(Math.abs(out[b * D + d] - want) < 1e-6, `bag ${b}[${d}] = ${out[b * D + d]}, expected ${want}`);
    }
    for (let k = at; k < at + length; k++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += grad[b * D + d] * weight[values[k] * D + d];
      wantPsw.push(dot / length);
    }
    at += length;
  });
  g.perSampleWeights.forEach((v, k) => assert.ok(Math.abs(v - wantPsw[k]) < 1e-6, `d/dw[${k}] = ${v}, expected ${wantPsw[k]}`));
  // Uniform weights of 2: twice the mean (TensorFlow's combiner gave the mean).
  const twice = ebc.forward({ keys: ['f'], values: [1, 2], lengths: [2, 0, 0], weights: [2, 2] }).values;
  for (let d = 0; d < D; d++) assert.ok(Math.abs(twice[d] - (weight[D + d] + weight[2 * D + d])) < 1e-6);
  ebc.dispose();
});

// ---- 22. train() again ----

test('FastTextTrainer.train() a second time trains again; bad train options are clear errors', () => {
  const trainer = new FastTextTrainer(['__label__a hello world', '__label__b good bye', '__label__a hello there'], { epoch: 2 });
  const first = trainer.train();
  assert.equal(trainer.epochs, 2);
  const second = trainer.train();
  assert.equal(trainer.epochs, 4);
  assert.ok(Number.isFinite(first) && Number.isFinite(second) && second < first, `${first} then ${second}`);
  assert.throws(() => trainer.train(null), { name: 'TypeError', message: 'train options must be an object, not null' });
  assert.throws(() => trainer.train({ epoch: 1 }), { name: 'TypeError', message: /unknown train option 'epoch' \(did you mean 'epochs'\?\)/ });
  assert.throws(() => trainer.train({ epochs: '1' }), { name: 'TypeError', message: 'epochs = "1" must be a number >= 0' });
  trainer.dispose();
});
