// V8's revectorizer (--experimental-wasm-revectorize: pairs of 128-bit SIMD
// operations fused into 256-bit AVX2 ones, off by default) changes no
// result. npm test runs this file on Node 24 and 26 with the flag and
// --no-liftoff (every function optimised at once, so the fused code is what
// runs), beside the golden files under the same flags: here, the randomised
// workload's digest (fixtures/workload-digest.mjs: every mode and option,
// backward, training) with the flags against the same Node without them,
// and the revectorizer's own trace says it fused code of the module.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FLAG = '--experimental-wasm-revectorize';
const on = process.execArgv.includes(FLAG);
const fixture = fileURLToPath(new URL('./fixtures/workload-digest.mjs', import.meta.url));

function digest(flags, threads) {
  const run = spawnSync(process.execPath, [...flags, fixture, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  return { digest: lines[lines.length - 1], trace: run.stdout };
}

test('with the revectorizer, every output and gradient of the randomised workload has the bits it has without', { skip: !on && `run with ${FLAG} (npm test does, on Node 24 and 26)` }, () => {
  for (const threads of [1, 2]) {
    const plain = digest(['--no-liftoff'], threads);
    const fused = digest([FLAG, '--no-liftoff', '--trace-wasm-revectorize'], threads);
    assert.match(plain.digest, /^[0-9a-f]{64}$/);
    assert.equal(fused.digest, plain.digest, `${threads} thread(s)`);
    assert.match(fused.trace, /Decided? to vectorize/, 'the revectorizer fused some of the module');
  }
});
