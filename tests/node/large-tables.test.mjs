// Tables near the wasm32 limit, each in a fresh Node process: a 1 GiB
// table in the threaded build, a heap past 2 GiB counted right, and files of
// several GB made here from a formula per row (tests/node/fixtures/
// table-formula.mjs; nothing committed): a 10M x 128 float32 table (5.12 GB,
// safetensors and .npy) loaded as int8 and int4, a collection of two 4M-row
// tables, a 6M x 128 float32 table (3.07 GB) loaded and trained, a fastText
// model of a 4M x 300 input matrix (4.8 GB) loaded as int8, on both
// variants, each process's peak RSS measured (VmHWM). What they check is the
// module's memory, not Node's: npm test runs this file on one Node only.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { writeCollectionFile, writeFastTextModel, writeTableFiles } from './fixtures/table-formula.mjs';

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const run = (name, args = [], timeout = 60000) =>
  execFileSync(process.execPath, [fixture(name), ...args], { encoding: 'utf8', timeout }).trim();

test('a 1 GiB table (4M x 64) works in the threaded build', () => {
  const out = JSON.parse(run('one-gib-table.mjs', [], 240000));
  const N = 4 * 1024 * 1024;
  assert.equal(out.bytes, 2 ** 30);
  assert.equal(out.bag0col0, N - 1);           // rows 0 + (N - 1)
  assert.equal(out.bag1col0, 12345 + (N - 1) + 7);
  assert.equal(out.last, 0.5);
  assert.equal(out.gradRows, N);
  assert.ok(out.heapMiB >= 1024 * 2, `heap ${out.heapMiB} MiB: table plus a dense gradient`);
});

test('memoryInfo() counts a heap past 2 GiB as it is (never negative)', () => {
  const out = JSON.parse(run('big-heap.mjs', ['1'], 120000));
  assert.ok(out.allocatedBytes > 2 ** 31 && out.allocatedBytes < 2 ** 32, JSON.stringify(out));
  assert.ok(out.heapBytes >= out.allocatedBytes);
  assert.equal(out.rows, 1);
});

// One load-large.mjs process per options object, two at a time (two cores):
// the parsed JSON lines, in order.
async function loads(list) {
  const run = async (options) => {
    const { stdout } = await promisify(execFile)(process.execPath, [fixture('load-large.mjs'), JSON.stringify(options)],
      { encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim());
  };
  const results = [];
  for (let k = 0; k < list.length; k += 2) results.push(...await Promise.all(list.slice(k, k + 2).map(run)));
  return results;
}

const MB = 1e6;
const folder = mkdtempSync(join(tmpdir(), 'ebag-large-'));
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

test('a 10M x 128 float32 file (5.12 GB; safetensors and .npy) loads as int8 and int4 on both variants: peak RSS below the rows + 600 MB, every row quantize()\'s', async (t) => {
  const rows = 10_000_000;
  const dim = 128;
  const files = { safetensors: join(folder, 'table.safetensors'), npy: join(folder, 'table.npy') };
  writeTableFiles({ rows, dim, ...files });
  t.after(() => Object.values(files).forEach((file) => rmSync(file, { force: true })));
  const runs = [];
  for (const dtype of ['int8', 'int4']) {
    for (const format of ['safetensors', 'npy']) {
      for (const threads of [1, 2]) {
        // Every row checked against quantize() once per dtype; the other runs
        // must give the same bytes (SHA-256).
        runs.push({ kind: 'bag', file: files[format], format, dtype, threads, rows, dim, verify: format === 'safetensors' && threads === 1 });
      }
    }
  }
  const results = await loads(runs);
  for (const [k, r] of results.entries()) {
    const { dtype, format, verify } = runs[k];
    const what = `${dtype} from ${format}, ${r.threads} thread(s): ${JSON.stringify(r)}`;
    t.diagnostic(what);
    assert.equal(r.numEmbeddings, rows, what);
    assert.equal(r.tableBytes, rows * (dtype === 'int8' ? dim + 8 : dim / 2 + 4), what);
    assert.ok(r.peakRssBytes < r.tableBytes + 600 * MB, what);
    if (verify) assert.equal(r.blockMismatches, 0, what);
    assert.equal(r.sha256, results.find((v, j) => runs[j].dtype === dtype && runs[j].verify).sha256, what);
    assert.ok(Math.abs(r.allocatedDelta) <= 2 ** 20, what);  // the threaded variant may keep a few bytes it made once
  }
  // An abort at about 2 GB of the file: rejects with its reason, reads no
  // more, leaves allocatedBytes where it started (within 16 MiB).
  const aborts = await loads([1, 2].map((threads) => (
    { kind: 'abort', file: files.npy, format: 'npy', dtype: 'int4', threads, rows, dim, abortAtBytes: 2e9 })));
  for (const r of aborts) {
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.rejectedWithReason, true, JSON.stringify(r));
    assert.equal(r.chunksAfterAbort, 0, JSON.stringify(r));
    assert.ok(Math.abs(r.allocatedDelta) <= 16 * 2 ** 20, JSON.stringify(r));
  }
});

test('a collection of two 4M x 128 float32 tables in one file (4.1 GB) loads as int8 on both variants: peak below its int8 tables + 600 MB', async (t) => {
  const rows = 4_000_000;
  const dim = 128;
  const file = join(folder, 'collection.safetensors');
  const tables = [{ name: 'user', first: 0 }, { name: 'item', first: 50_000_000 }];
  writeCollectionFile(file, tables.map(({ name, first }) => ({ name: `embedding_bags.${name}.weight`, rows, dim, first })));
  t.after(() => rmSync(file, { force: true }));
  for (const r of await loads([1, 2].map((threads) => ({ kind: 'collection', file, dtype: 'int8', threads, rows, dim, tables })))) {
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.tableBytes, 2 * rows * (dim + 8), JSON.stringify(r));
    assert.ok(r.peakRssBytes < r.tableBytes + 600 * MB, JSON.stringify(r));
    assert.equal(r.blockMismatches, 0, JSON.stringify(r));
  }
});

test('a 6M x 128 float32 table (3.07 GB) loads from a file on both variants and trains; a second one is refused, the space reused after dispose', async (t) => {
  const rows = 6_000_000;
  const dim = 128;
  const file = join(folder, 'big.safetensors');
  writeTableFiles({ rows, dim, safetensors: file });
  t.after(() => rmSync(file, { force: true }));
  for (const r of await loads([1, 2].map((threads) => ({ kind: 'bag', file, format: 'safetensors', threads, rows, dim, train: true })))) {
    const what = JSON.stringify(r);
    t.diagnostic(what);
    assert.equal(r.tableBytes, rows * dim * 4, what);
    assert.ok(r.peakRssBytes < r.tableBytes + 600 * MB, what);
    assert.equal(r.forwardRight, true, what);
    assert.deepEqual(r.sparseRows, [0, 1, 4_000_001, rows - 1], what);
    assert.equal(r.stepRight, true, what);
    assert.match(r.secondTable, /^RangeError: a table of numEmbeddings x embeddingDim = 6000000 x 128 floats \(3072000000 bytes\) does not fit in the wasm memory/, what);
    assert.equal(r.reloadRight, true, what);
    assert.match(r.denseBackward, /^RangeError: .*3072000000 bytes/, what);
    assert.equal(r.forwardAfterRefusal, true, what);
    assert.ok(Math.abs(r.allocatedDelta) <= 2 ** 20, what);
  }
});

test('a fastText model of a 4M x 300 input matrix (4.8 GB, cc.xx.300.bin-sized) loads as int8 on both variants: peak below its int8 rows + 600 MB', async (t) => {
  const rows = 4_000_000;
  const dim = 300;
  const file = join(folder, 'model.bin');
  await writeFastTextModel(file, { words: 1000, rows, dim });
  t.after(() => rmSync(file, { force: true }));
  for (const r of await loads([1, 2].map((threads) => ({ kind: 'fasttext', file, dtype: 'int8', threads, rows, dim })))) {
    const what = JSON.stringify(r);
    t.diagnostic(what);
    assert.equal(r.dtype, 'int8', what);
    assert.ok(r.peakRssBytes < rows * (dim + 8) + 600 * MB, what);
    assert.deepEqual(r.ids, [5, 17, 5, 999], what);
    assert.equal(r.sentenceVectorRight, true, what);
    assert.deepEqual(r.labels, ['__label__a', '__label__b', '__label__c'], what);
    assert.ok(Math.abs(r.allocatedDelta) <= 2 ** 20, what);  // the threaded variant may keep a few bytes it made once
  }
});
