// The JavaScript layer and the C++ registry (include/ebag/*.inc, read through
// the module's registry() at init) agree: every mode and dtype the core lists
// works through the API and is in index.d.ts; row sizes computed in JS equal
// the core's; every status code is either turned into a user-facing error or
// listed here as one the wrapper's own checks make unreachable.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { PLACEHOLDERS, statusError } from '../../js/errors.mjs';
import { STATUS_MESSAGES } from '../../js/status-messages.mjs';
import { handleOf } from '../../js/embedding-bag.mjs';
import { requireModule } from '../../js/module.mjs';
import {
  allHotCalls, Code, dtypeInfo, dtypeNames, hotCallsOf, hyperparameters, IndexKind, maxSize, modeInfo, modeNames, optimizerInfo, optimizerNames,
  quantizedDtypeNames, rowBytes,
} from '../../js/registry.mjs';
import { countingTable, EmbeddingBag } from './helpers.mjs';

const dts = readFileSync(new URL('../../js/index.d.ts', import.meta.url), 'utf8');
const union = (name) => {
  const m = dts.match(new RegExp(`export type ${name} = ([^;]+);`));
  return m[1].split('|').map((s) => s.trim()).filter((s) => s.startsWith("'")).map((s) => s.slice(1, -1));
};

test('modes: the registry lists sum, mean, max, sqrtn; index.d.ts and the API know each', () => {
  assert.deepEqual(modeNames(), ['sum', 'mean', 'max', 'sqrtn']);
  assert.deepEqual(union('Mode').sort(), modeNames().sort());
  for (const mode of modeNames()) {
    const info = modeInfo(mode);
    const bag = new EmbeddingBag(4, 3, { mode, weight: countingTable(4, 3) });
    const psw = info.perSampleWeights ? [1, 2, 0.5] : null;
    const y = bag.forward([0, 1, 3], [0, 2], psw);
    assert.deepEqual(y.shape, [2, 3]);
    if (!info.perSampleWeights) assert.throws(() => bag.forward([0], [0], [1]), RangeError);
    bag.dispose();
  }
  assert.throws(() => new EmbeddingBag(4, 3, { mode: 'median' }), { message: `mode = "median" must be 'sum', 'mean', 'max' or 'sqrtn'` });
});

test('optimizers: the registry lists four; index.d.ts and the API know each, with its state arrays', () => {
  assert.deepEqual(optimizerNames(), ['sgd', 'adagrad', 'rowwise-adagrad', 'sparse-adam']);
  assert.deepEqual(union('OptimizerName').sort(), optimizerNames().sort());
  const lengths = { sgd: {}, adagrad: { sum: 12 }, 'rowwise-adagrad': { sum: 4 }, 'sparse-adam': { exp_avg: 12, exp_avg_sq: 12 } };
  for (const name of optimizerNames()) {
    const info = optimizerInfo(name);
    const bag = new EmbeddingBag(4, 3, { weight: countingTable(4, 3), optimizer: { name, lr: 0.1 } });
    bag.forward([0, 1, 3], [0, 2]);
    bag.step(new Float32Array(6).fill(1));
    const state = bag.optimizerState();
    assert.deepEqual(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.length])), lengths[name], name);
    assert.equal(info.states.length, info.fullStates + info.rowStates);
    assert.ok(info.options.includes('lr'));
    bag.dispose();
  }
  assert.throws(() => new EmbeddingBag(4, 3, { optimizer: { name: 'adam', lr: 1 } }),
    { name: 'RangeError', message: `optimizer.name = "adam" must be 'sgd', 'adagrad', 'rowwise-adagrad' or 'sparse-adam'` });
});

test("optimizers' hyper-parameters: one list (hyperparameters.inc) gives the defaults, the checks and the words; index.d.ts and docs/training.md agree", () => {
  assert.deepEqual(hyperparameters().map((h) => `${h.name}${h.index < 0 ? '' : `[${h.index}]`}`),
    ['lr', 'lrDecay', 'eps', 'initialAccumulatorValue', 'betas[0]', 'betas[1]']);
  const training = readFileSync(new URL('../../docs/training.md', import.meta.url), 'utf8');
  const shown = (v) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
  for (const name of optimizerNames()) {
    const bag = new EmbeddingBag(2, 2, { optimizer: name === 'sgd' ? { name, lr: 0.5 } : name });
    const { options } = bag.optimizer;
    bag.dispose();
    const keys = optimizerInfo(name).options.map((o) => o.replace(/_([a-z])/g, (_, c) => c.toUpperCase()));
    assert.deepEqual(Object.keys(options).sort(), keys.slice().sort(), name);
    // index.d.ts: the union member of this optimizer takes exactly these keys, its comment states the defaults.
    const member = dts.match(new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*\\| \\{ name: '${name}';([^}]*)\\}`));
    assert.ok(member, `index.d.ts has no OptimizerOptions member for ${name}`);
    assert.deepEqual([...member[2].matchAll(/(\w+)\??:/g)].map((m) => m[1]).sort(), keys.slice().sort(), `index.d.ts, ${name}`);
    // docs/training.md: its row of the optimizers' table.
    const row = training.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    assert.ok(row, `docs/training.md has no row for ${name}`);
    for (const key of keys) {
      if (name === 'sgd') continue;  // lr required: no default to state
      assert.ok(member[1].includes(`${key} ${shown(options[key])}`), `index.d.ts, ${name}: ${key} ${shown(options[key])}`);
      assert.ok(row.includes(`\`${key}\` ${shown(options[key])}`), `docs/training.md, ${name}: ${key} ${shown(options[key])}`);
    }
  }
  // A value outside its interval: the core refuses it, in the list's words.
  for (const { name, index, rule } of hyperparameters()) {
    const optimizer = { name: name === 'betas' ? 'sparse-adam' : 'adagrad' };
    optimizer[name] = index < 0 ? -1 : index === 0 ? [1, 0.5] : [0.5, 1];
    assert.throws(() => new EmbeddingBag(2, 2, { optimizer }), { name: 'RangeError', message: new RegExp(`^optimizer\\.${name} = .* must be ${rule.replace(/[()[\]]/g, '\\$&')} \\(optimizer`) });
  }
});

test('dtypes: names in index.d.ts, row sizes computed in JS equal the core\'s', () => {
  assert.deepEqual(dtypeNames(), ['fp32', 'fp16', 'int8', 'int4']);
  assert.deepEqual(['fp32', ...union('QuantizedDtype')], dtypeNames());
  assert.equal(dtypeInfo('fp32').number, 0);
  for (const dtype of quantizedDtypeNames()) {
    for (const d of [1, 2, 3, 7, 8, 64, 65]) {
      const n = 5;
      const bag = EmbeddingBag.fromQuantized(new Uint8Array(n * rowBytes(dtype, d)), { dtype, embeddingDim: d });
      // quantizedWeight's length is N x the core's row_bytes().
      assert.equal(bag.quantizedWeight.length, n * rowBytes(dtype, d), `${dtype} D=${d}`);
      bag.dispose();
    }
  }
  assert.equal(rowBytes('int8', 64), 72);
  assert.equal(rowBytes('int4', 7), 8);
  assert.equal(rowBytes('fp16', 5), 10);
});

test('status codes: each is a user-facing error, or unreachable through the wrapper', () => {
  // Their words and classes are the list's (include/ebag/status_codes.inc,
  // through js/status-messages.mjs), numbered as the module numbers them.
  assert.deepEqual(Object.keys(STATUS_MESSAGES).sort(), Object.keys(Code).sort());
  for (const [name, { number }] of Object.entries(STATUS_MESSAGES)) assert.equal(number, Code[name], name);
  // Every {placeholder} of every template (each alternative) is one errors.mjs fills.
  for (const [name, { template }] of Object.entries(STATUS_MESSAGES)) {
    for (const [, key] of template.matchAll(/\{(\w+)(?:\|[^}]*)?\}/g)) assert.ok(Object.hasOwn(PLACEHOLDERS, key), `${name}: {${key}}`);
  }
  // The wrapper checks these itself before the core sees the call (types,
  // shapes, mode names, non-null buffers), or handles them where they arise
  // (notQuantizable: tables.mjs): the list gives them no template.
  const unreachable = ['ok', 'badMode', 'shapeMismatch', 'badArgmax', 'missingBuffer', 'badRowFormat', 'notQuantizable'];
  const context = {
    numEmbeddings: 10, embeddingDim: 4, mode: 'max', dtype: 'int8', numIndices: 3, numBags: 2, offsets: [0, 2, 1],
    optimizer: { name: 'sgd', options: { lr: 0 } },
  };
  const internal = Object.keys(Code).filter((name) => {
    const error = statusError({ code: Code[name], argument: 'indices', position: 1, value: '7' }, context);
    return /internal error/.test(error.message);
  });
  assert.deepEqual(internal.sort(), unreachable.sort());
  assert.equal(new Set(Object.values(Code)).size, Object.keys(Code).length);
});

test('limits and index kinds come from the core', () => {
  assert.equal(maxSize(), 2 ** 31 - 1);
  assert.deepEqual(Object.keys(IndexKind).sort(), ['int32', 'int64']);
  assert.notEqual(IndexKind.int32, IndexKind.int64);
  // Both kinds reach the core as what they are: the same bags give the same bits.
  const bag = new EmbeddingBag(6, 2, { mode: 'sum', weight: countingTable(6, 2) });
  const a = bag.forward(Int32Array.of(1, 5, 2), Int32Array.of(0, 1)).data;
  const b = bag.forward(BigInt64Array.of(1n, 5n, 2n), BigInt64Array.of(0n, 1n)).data;
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.throws(() => new EmbeddingBag(maxSize() + 1, 1), { message: `numEmbeddings = ${maxSize() + 1} must be an integer in [1, 2147483647]` });
  bag.dispose();
});

test('the per-call plain exports: one list (bindings/hot_calls.inc) makes the exports and the closures over them', () => {
  const exported = Object.keys(requireModule()).filter((k) => k.startsWith('_ebag_')).sort();
  assert.deepEqual(exported, allHotCalls().map((c) => c.export).sort());
  const list = readFileSync(new URL('../../bindings/hot_calls.inc', import.meta.url), 'utf8');
  assert.equal([...list.matchAll(/^EBAG_HOT_CALL\(/gm)].length, exported.length);
  for (const { export: name } of allHotCalls()) assert.equal(typeof requireModule()[name], 'function', name);
  // The closures a bag and a collection get: every method of the list, with its arity.
  const bag = new EmbeddingBag(4, 2, { weight: countingTable(4, 2) });
  const calls = handleOf(bag).calls;
  assert.deepEqual(Object.keys(calls), hotCallsOf('BagCore').map((c) => c.name));
  for (const { name, arity } of hotCallsOf('BagCore')) assert.equal(calls[name].length, arity, name);
  assert.ok(hotCallsOf('CollectionCore').some((c) => c.name === 'forward' && c.arity === 5));
  // An address is read unsigned: the output pointer of a forward is a positive number.
  bag.forward([1], [0]);
  assert.ok(calls.outputPtr() > 0);
  bag.dispose();
});

test('no glue of the package evaluates code (strict Content-Security-Policy pages load it)', () => {
  // Built with -sDYNAMIC_EXECUTION=0: Embind makes its invokers without
  // new Function. The Node worker script's importScripts() evaluates the glue
  // file with (0, eval), which no page ever runs.
  for (const file of ['embedding_bag_simd.web.mjs', 'embedding_bag_simd_threaded.web.mjs', 'embedding_bag_simd_threaded.web.worker.txt',
    'embedding_bag_simd.node.js', 'embedding_bag_simd_threaded.node.js']) {
    const glue = readFileSync(new URL(`../../dist/${file}`, import.meta.url), 'utf8');
    assert.doesNotMatch(glue, /new Function|\beval\(|\(0,\s*eval\)|\bFunction\(/, file);
  }
});
