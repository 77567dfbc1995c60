// How js/ is built, checked: small files, no import cycle, and nothing of
// the package's private layer (handles, cores, private construction)
// reachable from what users hold or read from what they pass. Also the
// user-facing surface the classes share: KeyedTensor's accessors, printing,
// the optimizer given by name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { test } from 'node:test';

import { FastText, FastTextTrainer } from '../../js/fasttext/index.mjs';
import { countingTable, EmbeddingBag, EmbeddingBagCollection } from './helpers.mjs';

const jsDir = fileURLToPath(new URL('../../js/', import.meta.url));
const MAX_LINES = 350;

function modules(dir = jsDir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.mjs') ? [path] : [];
  });
}

// Static imports and re-exports of a module: the files it names.
function importsOf(path) {
  const text = readFileSync(path, 'utf8');
  const found = [...text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'/gm), ...text.matchAll(/^\s*import\s+'(\.[^']+)'/gm)];
  return found.map((m) => resolve(dirname(path), m[1]));
}

test(`no module in js/ is over ${MAX_LINES} lines`, () => {
  const long = modules().map((path) => [relative(jsDir, path), readFileSync(path, 'utf8').split('\n').length - 1])
    .filter(([, lines]) => lines > MAX_LINES);
  assert.deepEqual(long, []);
});

test('the import graph of js/ has no cycle', () => {
  const graph = new Map(modules().map((path) => [path, importsOf(path)]));
  const state = new Map(); // path -> 'open' | 'done'
  const cycles = [];
  const visit = (path, trail) => {
    if (state.get(path) === 'done') return;
    if (state.get(path) === 'open') {
      cycles.push(trail.slice(trail.indexOf(path)).concat(path).map((p) => relative(jsDir, p)).join(' -> '));
      return;
    }
    state.set(path, 'open');
    for (const next of graph.get(path) ?? []) visit(next, trail.concat(path));
    state.set(path, 'done');
  };
  for (const path of graph.keys()) visit(path, []);
  assert.deepEqual(cycles, []);
  // The check itself finds a cycle where there is one.
  assert.ok(importsOf(join(jsDir, 'embedding-bag.mjs')).some((p) => p.endsWith('tables.mjs')));
});

// A Proxy over an options object that records every key the package reads
// or asks about.
function recording(target) {
  const keys = [];
  const note = (key) => keys.push(key);
  const proxy = new Proxy(target, {
    get(t, key, receiver) { note(key); return Reflect.get(t, key, receiver); },
    has(t, key) { note(key); return Reflect.has(t, key); },
    getOwnPropertyDescriptor(t, key) { note(key); return Reflect.getOwnPropertyDescriptor(t, key); },
  });
  return { proxy, symbols: () => keys.filter((key) => typeof key === 'symbol') };
}

test('nothing private is read from an object the caller passes: no Symbol-keyed option anywhere', async () => {
  const table = { data: countingTable(4, 2), shape: [4, 2] };
  const file = EmbeddingBag.fromPretrained(table).toSafetensors();
  const collectionFile = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 4, embeddingDim: 2, featureNames: ['f'] }], { seed: 1 }).toSafetensors();
  const calls = [
    (o) => new EmbeddingBag(4, 2, o),
    (o) => EmbeddingBag.fromPretrained(table, o),
    (o) => EmbeddingBag.quantize(table, { ...o, dtype: 'int8' }) && EmbeddingBag.quantize(table, recording({ dtype: 'int8' }).proxy),
    (o) => EmbeddingBag.fromQuantized(new Uint8Array(4 * 10), { ...o, dtype: 'int8', embeddingDim: 2 }),
    (o) => EmbeddingBag.fromSafetensors(file, o),
    (o) => new EmbeddingBagCollection([{ name: 't', numEmbeddings: 4, embeddingDim: 2, featureNames: ['f'] }], o),
    (o) => EmbeddingBagCollection.fromSafetensors(collectionFile, [{ name: 't', featureNames: ['f'] }], o),
  ];
  for (const [k, call] of calls.entries()) {
    const { proxy, symbols } = recording({});
    const made = await call(proxy);
    assert.deepEqual(symbols(), [], `call ${k}`);
    made.dispose();
  }
  // The collection's tables and a KJT: read as plain data too.
  const ebc = new EmbeddingBagCollection([recording({ name: 't', numEmbeddings: 4, embeddingDim: 2, featureNames: ['f'] }).proxy]);
  const kjt = recording({ keys: ['f'], values: [1], lengths: [1] });
  ebc.forward(kjt.proxy);
  assert.deepEqual(kjt.symbols(), []);
  ebc.dispose();
});

// Every object reachable from `root` through own properties (values and
// getters), prototypes and Map / Set entries, with the path to it.
function reachable(root) {
  const seen = new Map([[root, 'root']]);
  const queue = [root];
  const add = (value, path) => {
    if ((typeof value === 'object' || typeof value === 'function') && value !== null && !seen.has(value)) {
      seen.set(value, path);
      queue.push(value);
    }
  };
  while (queue.length > 0) {
    const object = queue.shift();
    const path = seen.get(object);
    if (object === Object.prototype || object === Function.prototype) continue;
    add(Object.getPrototypeOf(object), `${path}.__proto__`);
    if (ArrayBuffer.isView(object)) continue;
    for (const key of Reflect.ownKeys(object)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
      if ('value' in descriptor) add(descriptor.value, `${path}.${String(key)}`);
      else if (descriptor.get && object !== root && !ArrayBuffer.isView(root)) {
        try { add(descriptor.get.call(root), `${path}.${String(key)}`); } catch { /* a getter refusing this object */ }
      }
    }
  }
  return seen;
}

test('nothing private is reachable from what users hold', async () => {
  const bag = new EmbeddingBag(10, 4, { optimizer: 'adagrad' });
  const ebc = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 10, embeddingDim: 4, featureNames: ['f'] }]);
  const kt = ebc.forward({ keys: ['f'], values: [1, 2], lengths: [2] });
  const model = await FastText.load(readFileSync(new URL('../golden/fasttext/softmax-w1-c0.bin', import.meta.url)));
  const trainer = new FastTextTrainer([{ text: 'a b', label: 'x' }, { text: 'c d', label: 'y' }], { dim: 4, bucket: 10 });
  const PRIVATE = new Set(['Handle', 'BagCore', 'CollectionCore', 'FastTextModel', 'RowsToCome', 'GivenTables', 'Dictionary']);
  for (const [name, root] of Object.entries({ bag, ebc, kt, model, trainer, model2: trainer.model })) {
    for (const [value, path] of reachable(root)) {
      const kind = typeof value === 'function' ? value.name : value?.constructor?.name;
      assert.ok(!PRIVATE.has(kind), `${name}: ${path} is a ${kind}`);
      if (typeof value === 'function') assert.ok(!/^(handleOf|isBag|make|live)$/.test(value.name), `${name}: ${path} is ${value.name}()`);
    }
  }
  for (const object of [bag, ebc, model, trainer]) object.dispose();
});

test('a KeyedTensor has TorchRec\'s accessors: offsetPerKey, get(key), toDict()', () => {
  const ebc = new EmbeddingBagCollection([
    { name: 'a', numEmbeddings: 5, embeddingDim: 2, featureNames: ['x', 'y'], weight: countingTable(5, 2) },
    { name: 'b', numEmbeddings: 5, embeddingDim: 3, featureNames: ['z'], weight: countingTable(5, 3) },
  ]);
  for (const options of [undefined, { copy: false }, { out: new Float32Array(2 * 7) }]) {
    const kt = ebc.forward({ keys: ['z', 'x', 'y'], values: [1, 2, 3, 4, 0, 4], lengths: [1, 1, 1, 1, 1, 1] }, options);
    assert.deepEqual(kt.offsetPerKey, [0, 2, 4, 7]);
    // W[r] = [10 r, 10 r + 1, ...]; ids (key-major): z 1, 2; x 3, 4; y 0, 4.
    assert.deepEqual(Array.from(kt.values), [30, 31, 0, 1, 10, 11, 12, 40, 41, 40, 41, 20, 21, 22]);
    assert.deepEqual(Array.from(kt.get('x')), [30, 31, 40, 41]);
    assert.deepEqual(Array.from(kt.get('z')), [10, 11, 12, 20, 21, 22]);
    const dict = kt.toDict();
    assert.deepEqual(Object.keys(dict), ['x', 'y', 'z']);
    assert.deepEqual(Array.from(dict.y), [0, 1, 40, 41]);
    assert.throws(() => kt.get('w'), { name: 'RangeError', message: 'no key "w" in this KeyedTensor (keys: x, y, z)' });
  }
  ebc.dispose();
});

test('every class prints what it is (console.log, util.inspect)', async () => {
  const ebc = new EmbeddingBagCollection([
    { name: 'users', numEmbeddings: 10, embeddingDim: 4, featureNames: ['user_id'] },
    { name: 'items', numEmbeddings: 20, embeddingDim: 8, featureNames: ['item_id', 'history'], pooling: 'mean' },
  ], { sparse: true });
  assert.equal(inspect(ebc), 'EmbeddingBagCollection(users: 10 x 4 fp32 sum [user_id]; items: 20 x 8 fp32 mean [item_id, history], sparse)');
  ebc.dispose();
  assert.match(inspect(ebc), /, disposed\)$/);
  const model = await FastText.load(readFileSync(new URL('../golden/fasttext/softmax-w1-c0.bin', import.meta.url)));
  assert.match(inspect(model), /^FastText\(dim=\d+, labels=\d+, words=\d+, loss='softmax'\)$/);
  model.dispose();
  assert.match(inspect(model), /, disposed\)$/);
  assert.equal(inspect(new EmbeddingBag(3, 2, { optimizer: 'adagrad' })), "EmbeddingBag(3, 2, mode='mean', optimizer='adagrad')");
});

test('an optimizer is given the same way to bags and collections: a name or { name, ...hyper-parameters }', () => {
  const bag = new EmbeddingBag(6, 2, { optimizer: 'rowwise-adagrad' });
  assert.deepEqual(bag.optimizer, { name: 'rowwise-adagrad', options: { lr: 0.01, eps: 1e-8 }, step: 0 });
  bag.setOptimizer('sparse-adam');
  assert.equal(bag.optimizer.options.betas[1], 0.999);
  assert.throws(() => bag.setOptimizer('sgd'), { name: 'TypeError', message: "optimizer.lr is required for 'sgd' (as in PyTorch, it has no default)" });
  assert.throws(() => bag.setOptimizer('adam'), { name: 'RangeError', message: /^optimizer.name = "adam" must be 'sgd', 'adagrad', 'rowwise-adagrad' or 'sparse-adam'$/ });
  assert.equal(bag.optimizer.name, 'sparse-adam');
  bag.dispose();
  const ebc = new EmbeddingBagCollection([{ name: 't', numEmbeddings: 4, embeddingDim: 2, featureNames: ['f'] }], { optimizer: 'adagrad' });
  assert.equal(ebc.table('t').optimizer.name, 'adagrad');
  ebc.dispose();
});
