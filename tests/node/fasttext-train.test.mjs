// Training fastText models on device (FastTextTrainer, embedding-bag-wasm/
// fasttext) and saving them (FastText.toBin): fastText's own .bin files
// written back byte for byte; a trained model learns the demo's word lists;
// its .bin answers in Debian's `fasttext predict-prob` as it does here; the
// same bits on every variant (npm test runs both); clear errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { FastText, FastTextTrainer } from '../../js/fasttext/index.mjs';
import { EmbeddingBag } from './helpers.mjs';

const golden = new URL('../golden/fasttext/', import.meta.url);
const { languages } = JSON.parse(readFileSync(new URL('../../web-demo/words.json', import.meta.url), 'utf8'));
const examples = (part, langs, count) => langs.flatMap((label) => languages[label][part].slice(0, count).map((text) => ({ text, label })));
const LANGS = ['en', 'de', 'fr', 'pl', 'uk'];
const TRAIN = examples('train', LANGS, 400);
const HELD_OUT = examples('heldOut', LANGS, 100);

// FNV-1a of bytes, hex: the same model bits on every variant.
function digest(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

test('toBin() writes fastText\'s own dense .bin files back byte for byte; quantized models are refused', async () => {
  const files = readdirSync(golden).filter((f) => f.endsWith('.bin'));
  assert.ok(files.length >= 5);
  for (const file of files) {
    const bytes = readFileSync(new URL(file, golden));
    const model = await FastText.load(bytes);
    assert.ok(Buffer.from(model.toBin()).equals(bytes), file);
    model.dispose();
  }
  const ftz = await FastText.load(readFileSync(new URL('softmax-w2-c25-q.ftz', golden)));
  assert.throws(() => ftz.toBin(), { name: 'TypeError', message: /quantized \(\.ftz\)/ });
  ftz.dispose();
});

test('a trained language identifier learns held-out words; loss falls; the same bits on every variant', () => {
  const trainer = new FastTextTrainer(TRAIN, { epoch: 4, seed: 7 });
  assert.deepEqual(trainer.model.labels.sort(), LANGS.map((l) => `__label__${l}`).sort());
  const before = trainer.evaluate(HELD_OUT);
  const losses = [];
  trainer.train({ onProgress: ({ loss }) => losses.push(loss) });
  assert.equal(trainer.epochs, 4);
  assert.equal(trainer.steps, Math.ceil(TRAIN.length / 16) * 4);
  const after = trainer.evaluate(HELD_OUT);
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(losses.slice(-20)) < mean(losses.slice(0, 20)) / 2, `training loss ${mean(losses.slice(0, 20))} -> ${mean(losses.slice(-20))}`);
  assert.ok(after.loss < before.loss && after.accuracy > 0.7, `held-out ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  assert.equal(trainer.model.predict('przez', { k: 1 })[0].label, '__label__pl');
  // Deterministic: the seed decides every bit, on any variant and thread count.
  const again = new FastTextTrainer(TRAIN, { epoch: 4, seed: 7 });
  again.train();
  const bin = trainer.model.toBin();
  assert.ok(Buffer.from(again.model.toBin()).equals(Buffer.from(bin)));
  assert.equal(digest(bin), '747e2871');
  for (const t of [trainer, again]) t.dispose();
});

test('a trained model saved as .bin: FastText.load and Debian\'s `fasttext predict-prob` answer as the trainer\'s model', async () => {
  const trainer = new FastTextTrainer(TRAIN, { epoch: 2, optimizer: 'sgd', minn: 1, maxn: 3, wordNgrams: 2, bucket: 20000 });
  trainer.train();
  const dir = mkdtempSync(join(tmpdir(), 'ebag-ft-'));
  try {
    const bin = join(dir, 'model.bin');
    writeFileSync(bin, trainer.model.toBin());
    const texts = [...HELD_OUT.slice(0, 60).map((e) => e.text), 'zwei Wörter', 'qzxv', '', 'ąę łódź', 'їжак', 'le chat noir'];
    writeFileSync(join(dir, 'texts.txt'), `${texts.join('\n')}\n`);
    const loaded = await FastText.load(readFileSync(bin));
    const ours = trainer.model.predictBatch(texts, { k: 3 });
    assert.deepEqual(loaded.predictBatch(texts, { k: 3 }), ours);
    const cli = execFileSync('fasttext', ['predict-prob', bin, join(dir, 'texts.txt'), '3'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(cli.length, texts.length);
    cli.forEach((line, i) => {
      const parts = line.split(' ');
      const expected = ours[i];
      assert.equal(parts.length, 2 * expected.length, `${texts[i]}: ${line}`);
      expected.forEach(({ label, probability }, k) => {
        const p = Number(parts[2 * k + 1]);
        // The CLI prints 6 significant digits; labels of equal probability may swap.
        assert.ok(Math.abs(p - probability) <= 1e-5 * probability + 1e-9, `${texts[i]}: ${line} vs ${JSON.stringify(expected)}`);
        if (parts[2 * k] !== label) assert.ok(Math.abs(p - probability) <= 1e-6, `${texts[i]}: ${line}`);
      });
    });
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    trainer.dispose();
  }
});

test('training: bad examples and options are clear errors, before anything is allocated', () => {
  const bad = [
    [() => new FastTextTrainer('x'), TypeError, 'examples must be an array of { text, label } or of fastText lines, not "x"'],
    [() => new FastTextTrainer([]), RangeError, 'examples is empty: nothing to train on'],
    [() => new FastTextTrainer([{ text: 'a', label: 'x' }]), RangeError, 'the examples have 1 label: a classifier needs at least 2'],
    [() => new FastTextTrainer([{ text: 1, label: 'x' }]), TypeError, 'examples[0].text must be a string, not 1'],
    [() => new FastTextTrainer([{ text: 'a\nb', label: 'x' }]), RangeError, 'examples[0].text contains "\\n": an example is one line'],
    [() => new FastTextTrainer([{ text: 'a', label: 'two words' }]), TypeError, 'examples[0].label must be one word (a non-empty string without spaces), not "two words"'],
    [() => new FastTextTrainer(TRAIN, { dim: 0 }), RangeError, 'dim = 0 must be an integer in [1, 1024]'],
    [() => new FastTextTrainer(TRAIN, { optimizer: 'adam' }), RangeError, "optimizer = \"adam\" must be 'adagrad' or 'sgd'"],
    [() => new FastTextTrainer(TRAIN, { lr: -1 }), RangeError, 'lr = -1 must be a finite number > 0 (as a float32)'],
    // A finite double that is infinite as the float32 the update uses.
    [() => new FastTextTrainer(TRAIN, { lr: 1e39 }), RangeError, 'lr = 1e+39 must be a finite number > 0 (as a float32)'],
    [() => new FastTextTrainer(TRAIN, { minn: 3, maxn: 2 }), RangeError, 'minn = 3 is larger than maxn = 2'],
    [() => new FastTextTrainer(TRAIN, { bucket: 0 }), RangeError, 'bucket = 0 leaves char n-grams and word n-grams no rows'],
    [() => new FastTextTrainer(TRAIN, { epochs: 3 }), TypeError, /^unknown training option 'epochs' \(did you mean 'epoch'\?\) \(known: dim, /],
    [() => new FastTextTrainer(['__label__a __label__b two labels', '__label__c x']), RangeError,
      'examples[0] has 2 labels ("__label__a", "__label__b"): the trainer takes one label per line'],
    [() => new FastTextTrainer(['__label__a x\ny']), RangeError, 'examples[0] contains "\\n": an example is one line'],
    [() => new FastTextTrainer(['no label here', '__label__only']), RangeError, 'examples is empty: nothing to train on'],
    [() => new FastTextTrainer(TRAIN, { optimizer: { name: 'sgd', lr: 1 }, lr: 2 }), TypeError, 'lr is given twice: as optimizer.lr and as lr'],
    [() => new FastTextTrainer(TRAIN, { optimizer: { name: 'sgd', eps: 1 } }), TypeError, /^unknown optimizer option 'eps' \(the trainer's optimizer takes: name, lr\)/],
  ];
  const live = () => EmbeddingBag.name;  // the package stays usable
  for (const [fn, type, message] of bad) assert.throws(fn, { name: type.name, message }, String(message));
  assert.equal(live(), 'EmbeddingBag');
  const trainer = new FastTextTrainer(TRAIN.slice(0, 50).concat(TRAIN.slice(-50)), { epoch: 1 });
  assert.throws(() => trainer.train({ epochs: -1 }), RangeError);
  trainer.dispose();
  assert.throws(() => trainer.step(), { message: 'this FastTextTrainer was disposed' });
  trainer.dispose();
});

test("fastText's own training lines and files train the same model as { text, label } examples", async () => {
  const few = TRAIN.slice(0, 40).concat(TRAIN.slice(-40));
  const options = { epoch: 1, seed: 7 };
  const bits = (trainer) => {
    trainer.train();
    const out = digest(trainer.model.toBin());
    trainer[Symbol.dispose]();
    assert.throws(() => trainer.step(), { message: 'this FastTextTrainer was disposed' });
    return out;
  };
  const expected = bits(new FastTextTrainer(few, options));
  // Labels anywhere in a line, as fastText reads them; lines without one are skipped.
  const lines = few.map(({ text, label }, i) => (i % 2 ? `__label__${label} ${text}` : `${text} __label__${label}`));
  assert.equal(bits(new FastTextTrainer(['', 'no label', ...lines], options)), expected);
  const file = new TextEncoder().encode(`${lines.join('\n')}\n`);
  assert.equal(bits(await FastTextTrainer.fromFile(file, options)), expected);
  const dir = mkdtempSync(join(tmpdir(), 'ebag-ft-lines-'));
  try {
    writeFileSync(join(dir, 'train.txt'), file);
    assert.equal(bits(await FastTextTrainer.fromFile(join(dir, 'train.txt'), options)), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A model larger than the file reader's 1 MiB chunks loads from a path as
  // from its bytes (the reader reuses its buffer for the next chunk).
  const big = new FastTextTrainer(few, { ...options, bucket: 60000 });
  const bin = big.model.toBin();
  big.dispose();
  assert.ok(bin.length > 3 * (1 << 20));
  const binDir = mkdtempSync(join(tmpdir(), 'ebag-ft-big-'));
  try {
    writeFileSync(join(binDir, 'big.bin'), bin);
    const loaded = await FastText.load(join(binDir, 'big.bin'));
    assert.ok(Buffer.from(loaded.toBin()).equals(Buffer.from(bin)));
    loaded.dispose();
  } finally {
    rmSync(binDir, { recursive: true, force: true });
  }
  // The optimizer given as everywhere in the package: a name, or { name, lr }.
  const named = new FastTextTrainer(few, { ...options, optimizer: { name: 'sgd', lr: 0.5 } });
  assert.equal(named.options.optimizer, 'sgd');
  assert.equal(named.options.lr, 0.5);
  named.dispose();
});

test('examples/fasttext-train.mjs: trains on the demo\'s word lists and writes the model it trained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebag-ft-'));
  try {
    const out = join(dir, 'trained.bin');
    const example = new URL('../../examples/fasttext-train.mjs', import.meta.url).pathname;
    const log = execFileSync(process.execPath, [example, out, '1', 'sgd'], { encoding: 'utf8' });
    assert.match(log, /^epoch 1: training loss \d+\.\d+, held-out accuracy \d+\.\d%\ntrained in \d+\.\d s \(750 steps of 16\)\nwrote /);
    const words = JSON.parse(readFileSync(new URL('../../web-demo/words.json', import.meta.url), 'utf8'));
    const all = Object.entries(words.languages).flatMap(([label, lists]) => lists.train.map((text) => ({ text, label })));
    const same = new FastTextTrainer(all, { dim: 16, minn: 2, maxn: 4, bucket: 20000, epoch: 1, optimizer: 'sgd' });
    same.train();
    assert.ok(Buffer.from(same.model.toBin()).equals(readFileSync(out)));
    same.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
