// The threaded build and the host process, each check in a fresh Node
// process: bit-identical results with 1 and 2 threads, a script that ends by
// itself, shutdown(), the fallback without SharedArrayBuffer, the host
// process untouched. Run on every Node (large-tables.test.mjs: the tables
// near the wasm32 limit, on one).
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

for (const threads of [1, 2]) {
  test(`the host process is untouched (${threads} thread${threads > 1 ? 's' : ''}): no glue handlers, a user's handled errors do not end it, 20 init/shutdown cycles keep memory flat`, () => {
    const out = JSON.parse(run('host-process.mjs', [String(threads), '20'], 180000, ['--expose-gc']));
    assert.deepEqual(out.listeners, { uncaughtException: 0, unhandledRejection: 0 });
    assert.deepEqual(out.handled, ['exception: the user throws', 'rejection: the user rejects']);
    // Each cycle holds a 64 MiB table: a kept heap would add >= 1280 MiB.
    assert.ok(out.rssGrowthMiB < 200, `rss grew by ${out.rssGrowthMiB} MiB over 20 cycles`);
  });
}
