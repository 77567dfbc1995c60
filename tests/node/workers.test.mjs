// The package inside a Node worker_thread (the documented way to keep a
// server's event loop free: examples/node-worker.mjs): both variants start
// there, give the main thread's bytes, and the worker exits by itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { EmbeddingBag } from './helpers.mjs';

const fixture = new URL('./fixtures/in-worker.mjs', import.meta.url);

function expectedOutput() {
  const weight = Float32Array.from({ length: 1000 * 8 }, (_, i) => Math.sin(i));
  const bag = new EmbeddingBag(1000, 8, { mode: 'mean', weight });
  const indices = Int32Array.from({ length: 3000 }, (_, i) => (i * 7919) % 1000);
  const offsets = Int32Array.from({ length: 100 }, (_, b) => b * 30);
  const { data } = bag.forward(indices, offsets);
  bag.dispose();
  return data;
}

for (const threads of [1, 2]) {
  test(`in a worker_thread, ${threads === 1 ? 'simd' : 'simd-threaded (its pool inside the worker)'}: same bytes, exits by itself`, { timeout: 60_000 }, async () => {
    const worker = new Worker(fixture, { workerData: { threads } });
    // The answer, or the worker's exit without one (said, not waited on forever).
    const first = await Promise.race([
      once(worker, 'message').then(([message]) => ({ message })),
      once(worker, 'exit').then(([code]) => ({ exitCode: code })),
    ]);
    assert.ok(first.message, `the worker exited (code ${first.exitCode}) before it answered`);
    const { message } = first;
    assert.equal(message.info.variant, threads === 1 ? 'simd' : 'simd-threaded');
    assert.equal(message.info.threads, threads);
    assert.deepEqual(new Uint8Array(message.output.buffer), new Uint8Array(expectedOutput().buffer));
    const timer = setTimeout(() => worker.terminate(), 20_000);
    const [code] = await once(worker, 'exit');
    clearTimeout(timer);
    assert.equal(code, 0, 'the worker did not exit by itself within 20 s');
  });
}

test('examples/node-worker.mjs runs and ends', { timeout: 90_000 }, () => {
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('../../examples/node-worker.mjs', import.meta.url))],
    { encoding: 'utf8', timeout: 60_000 });
  assert.match(out, /^worker: simd(-threaded)?, \d+ thread\(s\)\noutput shape \[4096, 64\], first values /);
});
