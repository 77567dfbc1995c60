// What FastTextTrainer reads: its options (defaults for a page, checked),
// its examples ({ text, label } or fastText's own training lines), and the
// dictionary fastText builds from them; the seeded generator of the
// initial rows and the shuffle.
import { isArray, show } from '../errors.mjs';
import { readList } from '../inputs.mjs';
import { checkKnownKeys, ownOptions } from '../options.mjs';
import { EOS_BYTES, isLabelToken, lineTokens } from './dictionary.mjs';
import { MAX_TABLE_BYTES } from './reader.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LABEL_PREFIX = '__label__';

// Small models for a page: not fastText's CLI defaults (dim 100, 2M
// buckets: 800 MB of input rows).
export const TRAIN_DEFAULTS = Object.freeze({
  dim: 16, minn: 2, maxn: 4, bucket: 50000, wordNgrams: 1, minCount: 1, epoch: 5, batchSize: 16,
  optimizer: 'adagrad', lr: undefined, seed: 1,
});
const DEFAULT_LR = Object.freeze({ adagrad: 0.1, sgd: 1 });
const OPTIMIZERS = Object.keys(DEFAULT_LR);


/**
 * The input table (words + bucket rows of dim floats) checked to fit in one
 * table, naming the options: before bucket x dim floats are made.
 */
export function checkInputSize(rows, nwords, o) {
  if (rows * o.dim * 4 > MAX_TABLE_BYTES) {
    throw new RangeError(`bucket = ${o.bucket} and dim = ${o.dim} make an input table of ` +
      `${nwords > 0 ? `${nwords} words + ` : ''}${o.bucket} buckets x ${o.dim} floats (${rows * o.dim * 4} bytes), ` +
      `larger than a table can be (${MAX_TABLE_BYTES} bytes): lower bucket or dim`);
  }
}

function checkInteger(value, name, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new (typeof value === 'number' ? RangeError : TypeError)(`${name} = ${show(value)} must be an integer in [${min}, ${max}]`);
  }
}

export function trainOptions(given) {
  const options = ownOptions(given, 'training options');
  checkKnownKeys(options, Object.keys(TRAIN_DEFAULTS), 'training option');
  const o = { ...TRAIN_DEFAULTS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) o[key] = value;
  // The optimizer as everywhere in the package: a name, or { name, lr }.
  if (o.optimizer !== null && typeof o.optimizer === 'object' && !isArray(o.optimizer, 'optimizer')) {
    const optimizer = ownOptions(o.optimizer, 'optimizer');
    checkKnownKeys(optimizer, ['name', 'lr'], 'optimizer option', "the trainer's optimizer takes");
    if (optimizer.lr !== undefined && options.lr !== undefined) throw new TypeError('lr is given twice: as optimizer.lr and as lr');
    o.optimizer = optimizer.name;
    if (optimizer.lr !== undefined) o.lr = optimizer.lr;
  }
  checkInteger(o.dim, 'dim', 1, 1024);
  checkInteger(o.minn, 'minn', 0, 16);
  checkInteger(o.maxn, 'maxn', 0, 16);
  if (o.maxn > 0 && o.minn === 0) throw new RangeError(`minn = 0 with maxn = ${o.maxn}: char n-grams need minn >= 1`);
  if (o.maxn > 0 && o.minn > o.maxn) throw new RangeError(`minn = ${o.minn} is larger than maxn = ${o.maxn}`);
  checkInteger(o.bucket, 'bucket', 0, 2 ** 24);
  if ((o.maxn > 0 || o.wordNgrams > 1) && o.bucket === 0) throw new RangeError('bucket = 0 leaves char n-grams and word n-grams no rows');
  checkInteger(o.wordNgrams, 'wordNgrams', 1, 5);
  checkInputSize(o.bucket, 0, o);
  checkInteger(o.minCount, 'minCount', 1, 2 ** 31 - 1);
  checkInteger(o.epoch, 'epoch', 1, 10000);
  checkInteger(o.batchSize, 'batchSize', 1, 65536);
  if (!OPTIMIZERS.includes(o.optimizer)) {
    throw new (typeof o.optimizer === 'string' ? RangeError : TypeError)(`optimizer = ${show(o.optimizer)} must be 'adagrad' or 'sgd'`);
  }
  o.lr ??= DEFAULT_LR[o.optimizer];
  // As the float32 the update uses: 1e39 is a finite double, Infinity as float32.
  if (!(typeof o.lr === 'number' && Number.isFinite(Math.fround(o.lr)) && Math.fround(o.lr) > 0)) {
    throw new RangeError(`lr = ${show(o.lr)} must be a finite number > 0 (as a float32)`);
  }
  checkInteger(o.seed, 'seed', 0, 2 ** 32 - 1);
  return o;
}

// A line of a fastText training file -> { text, label } (its one label),
// or null for a line fastText skips (no label, or nothing else).
function parseLine(line, what) {
  const tokens = lineTokens(line);
  const labels = tokens.filter(isLabelToken);
  if (labels.length === 0 || labels.length === tokens.length) return null;
  if (labels.length > 1) {
    throw new RangeError(`${what} has ${labels.length} labels (${labels.map((l) => show(decoder.decode(l))).join(', ')}): the trainer takes one label per line`);
  }
  return { text: tokens.filter((t) => !isLabelToken(t)).map((t) => decoder.decode(t)).join(' '), label: decoder.decode(labels[0]) };
}

// Examples -> [{ text, label }] with fastText's label prefix, checked. An
// example is { text, label } or a line of a fastText training file
// ('__label__x some text'); lines without a label are skipped, as fastText
// skips them.
export function readExamples(examples, what = 'examples') {
  if (!isArray(examples, what)) throw new TypeError(`${what} must be an array of { text, label } or of fastText lines, not ${show(examples)}`);
  const list = [];
  readList(examples, what).forEach((example, i) => {
    if (typeof example === 'string') {
      if (example.includes('\n')) throw new RangeError(`${what}[${i}] contains "\\n": an example is one line`);
      const parsed = parseLine(example, `${what}[${i}]`);
      if (parsed !== null) list.push(parsed);
      return;
    }
    if (example === null || typeof example !== 'object') throw new TypeError(`${what}[${i}] must be { text, label } or a fastText line, not ${show(example)}`);
    const { text, label } = example;
    if (typeof text !== 'string') throw new TypeError(`${what}[${i}].text must be a string, not ${show(text)}`);
    if (text.includes('\n')) throw new RangeError(`${what}[${i}].text contains "\\n": an example is one line`);
    if (typeof label !== 'string' || label === '' || lineTokens(label).length !== 1 || label === LABEL_PREFIX) {
      throw new TypeError(`${what}[${i}].label must be one word (a non-empty string without spaces), not ${show(label)}`);
    }
    list.push({ text, label: label.startsWith(LABEL_PREFIX) ? label : LABEL_PREFIX + label });
  });
  return list;
}

// fastText's dictionary of the training lines: words (with </s>, one per
// line) counted, those under minCount dropped, words before labels, each
// by count (ties in first-seen order).
export function buildDictionary(examples, minCount) {
  const counts = new Map();  // key: the token's text
  let ntokens = 0;
  const add = (token, isLabel) => {
    const key = decoder.decode(token);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { bytes: token.slice(), count: 1, type: isLabel ? 1 : 0 });
    ntokens++;
  };
  for (const { text, label } of examples) {
    add(encoder.encode(label), true);
    // A word spelled like a label is one in fastText's file: never a word.
    for (const token of lineTokens(text)) if (!isLabelToken(token)) add(token, false);
    add(EOS_BYTES, false);
  }
  const entries = [...counts.values()].filter((e) => e.type === 1 || e.count >= minCount);
  const words = entries.filter((e) => e.type === 0).sort((a, b) => b.count - a.count);
  const labels = entries.filter((e) => e.type === 1).sort((a, b) => b.count - a.count);
  const all = [...words, ...labels];
  return {
    words: all.map((e) => e.bytes),
    counts: Float64Array.from(all, (e) => e.count),
    types: Uint8Array.from(all, (e) => e.type),
    nwords: words.length,
    nlabels: labels.length,
    ntokens,
    pruneIndex: null,
  };
}

// mulberry32: the seeded generator of the shuffle and the initial rows.
export function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
