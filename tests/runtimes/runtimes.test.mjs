// The package in the other runtimes its users have, installed from npm by
// scripts/setup.sh (scripts/runtimes.sh): Bun and Deno run, from an app folder
// where the packed package is installed, the README's ESM example and
// check.mjs (golden cases, an error) on one thread and on two. Each process
// must finish by itself within a minute: a hang fails the test.
// (Node 22 / 24 / 26 run the whole node:test suite: scripts/test.sh.)
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runtimesDir = process.env.EBAG_RUNTIMES ?? join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME, '.cache'), 'embedding-bag-wasm/runtimes');
const RUNTIMES = {
  bun: { binary: join(runtimesDir, 'bun/node_modules/@oven/bun-linux-x64/bin/bun'), args: (file) => [file] },
  // Deno resolves npm packages from the app's node_modules.
  deno: { binary: join(runtimesDir, 'deno/node_modules/@deno/linux-x64-glibc/deno'), args: (file) => ['run', '-A', '--node-modules-dir=manual', file] },
};

function readmeExample(name) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return readme.match(new RegExp(`<!-- example:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``))[1];
}

let app;
before(() => {
  const work = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-runtimes-'));
  const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root))[0];
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], app);
  writeFileSync(join(app, 'example.mjs'), readmeExample('esm'));
  for (const file of ['tests/runtimes/check.mjs', 'tests/golden/check_case.mjs', 'tests/golden/embedding_bag_golden.json',
    'tests/golden/scaled_golden.json']) {
    copyFileSync(join(root, file), join(app, file.split('/').pop()));
  }
});
after(() => rmSync(join(app, '..'), { recursive: true, force: true }));

function run(name, file, env = {}) {
  const { binary, args } = RUNTIMES[name];
  const result = spawnSync(binary, args(file), {
    cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env },
  });
  assert.equal(result.error, undefined, `${name} ${file}: ${result.error?.message}`);
  assert.equal(result.status, 0, `${name} ${file} exited with ${result.status} (${result.signal}):\n${result.stderr}`);
  return result.stdout;
}

for (const name of Object.keys(RUNTIMES)) {
  describe(name, { timeout: 300_000 }, () => {
    test(`${name} is installed (scripts/setup.sh)`, () => assert.ok(existsSync(RUNTIMES[name].binary), RUNTIMES[name].binary));

    test('the README example (ESM)', () => {
      const out = run(name, 'example.mjs');
      assert.match(out, /^simd(-threaded)? \d+\n/, out);
      assert.match(out, /\[ 3, 4 \]/, out);
      assert.match(out, /\n40\n/, out);
    });

    for (const threads of [1, 2]) {
      test(`golden cases, errors and exit, ${threads === 1 ? 'simd (one thread)' : 'simd-threaded (two threads)'}`, () => {
        const report = JSON.parse(run(name, 'check.mjs', { EBAG_THREADS: String(threads) }).trim().split('\n').pop());
        assert.equal(report.info.variant, threads === 1 ? 'simd' : 'simd-threaded', JSON.stringify(report.info));
        assert.equal(report.info.threads, threads);
        assert.ok(report.cases >= 80, `${report.cases} cases`);
        assert.deepEqual(report.failures, []);
        assert.equal(report.error, 'RangeError: indices[1] = 4 is out of range [0, 4)');
        assert.deepEqual(report.after, [8, 10]);
      });
    }
  });
}
