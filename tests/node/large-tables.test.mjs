// Tables near the wasm32 limit, each in a fresh Node process: a 1 GiB
// table in the threaded build, and a heap past 2 GiB counted right. What they
// check is the module's memory, not Node's: npm test runs this file on one
// Node only.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

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
