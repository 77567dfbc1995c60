// The threaded build, each check in a fresh Node process: bit-identical
// results with 1 and 2 threads, a script that ends by itself, shutdown(),
// the fallback without SharedArrayBuffer, and a 1 GiB table.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const run = (name, args = [], timeout = 60000, nodeFlags = []) =>
  execFileSync(process.execPath, [...nodeFlags, fixture(name), ...args], { encoding: 'utf8', timeout }).trim();

test('1 and 2 threads give the same bytes (outputs, tables, dense and sparse gradients)', () => {
  const one = run('workload-digest.mjs', ['1']);
  const two = run('workload-digest.mjs', ['2']);
  assert.match(one, /^[0-9a-f]{64}$/);
  assert.equal(two, one);
});

test('a script using threads exits by itself, within seconds', () => {
  const started = Date.now();
  const out = run('exits-by-itself.mjs', [], 20000);
  assert.equal(out, 'simd-threaded 2 3x32');
  assert.ok(Date.now() - started < 15000);
});

test('shutdown() stops the pool; old bags refuse; init() loads anew', () => {
  const out = JSON.parse(run('shutdown.mjs'));
  assert.deepEqual(out, {
    first: 'simd-threaded',
    refused: 'Error: embedding-bag-wasm was shut down after this EmbeddingBag was made',
    second: 'simd',
    rows: 1,
  });
});

test('without SharedArrayBuffer: the simd variant and the reason, no exception', () => {
  const out = JSON.parse(run('no-shared-memory.mjs'));
  assert.equal(out.variant, 'simd');
  assert.equal(out.threads, 1);
  assert.match(out.reason, /SharedArrayBuffer is not available/);
  assert.equal(out.rows, 1);
});

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

for (const threads of [1, 2]) {
  test(`the host process is untouched (${threads} thread${threads > 1 ? 's' : ''}): no glue handlers, a user's handled errors do not end it, 20 init/shutdown cycles keep memory flat`, () => {
    const out = JSON.parse(run('host-process.mjs', [String(threads), '20'], 180000, ['--expose-gc']));
    assert.deepEqual(out.listeners, { uncaughtException: 0, unhandledRejection: 0 });
    assert.deepEqual(out.handled, ['exception: the user throws', 'rejection: the user rejects']);
    // Each cycle holds a 64 MiB table: a kept heap would add >= 1280 MiB.
    assert.ok(out.rssGrowthMiB < 200, `rss grew by ${out.rssGrowthMiB} MiB over 20 cycles`);
  });
}

test('memoryInfo() counts a heap past 2 GiB as it is (never negative)', () => {
  const out = JSON.parse(run('big-heap.mjs', ['1'], 120000));
  assert.ok(out.allocatedBytes > 2 ** 31 && out.allocatedBytes < 2 ** 32, JSON.stringify(out));
  assert.ok(out.heapBytes >= out.allocatedBytes);
  assert.equal(out.rows, 1);
});
