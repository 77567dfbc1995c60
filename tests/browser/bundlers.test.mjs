// The package inside a user's web app: npm pack -> npm install into a fresh
// app folder, then the sample app (tests/browser/app) built by Vite and by
// webpack 5 with zero configuration and by esbuild (with init({ wasmPaths })),
// each served with and without cross-origin isolation and run in Chromium and
// Firefox.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build as esbuild } from 'esbuild';
import { createServer as viteServer, build as viteBuild } from 'vite';
import webpack from 'webpack';

import { startServer } from '../../web-demo/server.mjs';
import { BROWSERS, launchBrowser, openPage } from './browsers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const appSources = fileURLToPath(new URL('./app/', import.meta.url));

// What the sample app computes, by hand: table rows [1,2] [3,4] [5,6] [7,8],
// bags [0, 1], [2], [], [3, 3].
const EXPECTED = {
  sum: [4, 6, 5, 6, 0, 0, 14, 16],
  mean: [2, 3, 5, 6, 0, 0, 7, 8],
  max: [7, 8, 5, 6], // 2-D bags [3, 0] and [1, 2]
  gradRows: [0, 1, 2, 3],
  gradValues: [1, 1, 1, 1, 1, 1, 2, 2], // row 3 is in its bag twice
  error: 'RangeError: indices[1] = 4 is out of range [0, 4)',
  big: { elements: 16384, mismatches: 0 },
};

const NODE_BUILTINS = /node:fs|worker_threads|node:module|require\(["']fs["']\)/;

let work;
const browsers = {};

// An app folder with the packed package installed, as a user would have it.
function makeApp() {
  const app = join(work, 'app');
  mkdirSync(app);
  const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root))[0];
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], app);
  cpSync(appSources, app, { recursive: true });
  return app;
}

async function runPage(name, url) {
  const page = await openPage(browsers[name], url);
  await page.waitForFunction(() => globalThis.appResult !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => globalThis.appResult);
  const problems = page.problems;
  await page.close();
  return { result, problems };
}

async function runApp(name, dir, isolated) {
  const server = await startServer({ root: dir, isolated });
  try {
    return await runPage(name, server.url);
  } finally {
    await server.close();
  }
}

function checkApp({ result, problems }, isolated) {
  assert.equal(result.failed, undefined, result.failed);
  assert.deepEqual(problems, []);
  assert.equal(result.crossOriginIsolated, isolated);
  if (isolated) {
    assert.equal(result.info.variant, 'simd-threaded');
    assert.ok(result.info.threads >= 2, `threads ${result.info.threads}`);
    assert.equal(result.info.reason, undefined);
  } else {
    assert.equal(result.info.variant, 'simd');
    assert.equal(result.info.threads, 1);
    assert.match(result.info.reason, /cross-origin isolated/);
  }
  for (const [key, value] of Object.entries(EXPECTED)) assert.deepEqual(result[key], value, key);
}

describe('bundled into a web app', { timeout: 300_000 }, () => {
  let app;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-apps-'));
    app = makeApp();
    for (const name of BROWSERS) browsers[name] = await launchBrowser(name);
  });
  after(async () => {
    for (const browser of Object.values(browsers)) await browser.close();
    rmSync(work, { recursive: true, force: true });
  });

  describe('Vite, zero configuration', () => {
    let out;
    before(async () => {
      out = join(app, 'dist');
      await viteBuild({ root: app, configFile: false, logLevel: 'warn' });
    });
    test('emits the glue and .wasm of both variants, inlines the small worker script, no Node built-ins', () => {
      const assets = readdirSync(join(out, 'assets'));
      for (const stem of ['embedding_bag_simd', 'embedding_bag_simd_threaded']) {
        assert.ok(assets.some((f) => f.startsWith(`${stem}-`) && f.endsWith('.wasm')), `${stem}.wasm in ${assets}`);
        assert.ok(assets.some((f) => f.startsWith(`${stem}.web`) && f.endsWith('.mjs')), `${stem}.web.mjs in ${assets}`);
      }
      // The worker script inlined as a data: URL: the case the wrapper turns
      // into a same-origin blob: URL.
      const bundle = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(out, 'assets', f), 'utf8')).join('');
      assert.ok(/data:text\/plain;base64,/.test(bundle), 'the worker script is not inlined as a data: URL');
      assert.ok(!NODE_BUILTINS.test(bundle), 'the bundle refers to Node built-ins');
    });
    for (const name of BROWSERS) {
      for (const isolated of [true, false]) {
        test(`runs in ${name}, ${isolated ? 'cross-origin isolated: threaded' : 'not isolated: one thread'}`, async () => {
          checkApp(await runApp(name, out, isolated), isolated);
        });
      }
    }
  });

  describe('the Vite dev server', () => {
    for (const [name, isolated] of BROWSERS.flatMap((b) => [[b, true], [b, false]])) {
      test(`runs in ${name}, ${isolated ? 'cross-origin isolated (server.headers): threaded' : 'not isolated: one thread'}`, async () => {
        const headers = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
        const server = await viteServer({ root: app, configFile: false, logLevel: 'warn', server: { host: '127.0.0.1', headers } });
        await server.listen();
        try {
          checkApp(await runPage(name, server.resolvedUrls.local[0]), isolated);
        } finally {
          await server.close();
        }
      });
    }
  });

  describe('webpack 5, zero configuration', () => {
    let out;
    before(async () => {
      out = join(app, 'webpack-out');
      // webpack's defaults (entry ./src/index.js); only where to write.
      const stats = await new Promise((resolve, reject) => {
        webpack({ mode: 'production', context: app, output: { path: out }, performance: { hints: false } },
          (error, result) => (error ? reject(error) : resolve(result)));
      });
      assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
      writeFileSync(join(out, 'index.html'),
        readFileSync(join(app, 'index.html'), 'utf8').replace('./main.mjs', './main.js'));
    });
    test('emits the glue, .wasm and worker of both variants; no Node built-ins', () => {
      const files = readdirSync(out);
      assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 2, files.join(' '));
      assert.equal(files.filter((f) => f.endsWith('.mjs')).length, 2, files.join(' '));
      assert.ok(!NODE_BUILTINS.test(readFileSync(join(out, 'main.js'), 'utf8')), 'the bundle refers to Node built-ins');
    });
    for (const name of BROWSERS) {
      for (const isolated of [true, false]) {
        test(`runs in ${name}, ${isolated ? 'cross-origin isolated: threaded' : 'not isolated: one thread'}`, async () => {
          checkApp(await runApp(name, out, isolated), isolated);
        });
      }
    }
  });

  describe('esbuild, with init({ wasmPaths })', () => {
    let out;
    before(async () => {
      out = join(app, 'esbuild-out');
      mkdirSync(out);
      await esbuild({
        entryPoints: [join(app, 'main-esbuild.mjs')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        outfile: join(out, 'main.js'),
        logLevel: 'warning',
      });
      // esbuild leaves new URL(..., import.meta.url) alone: the user copies dist/.
      cpSync(join(app, 'node_modules/embedding-bag-wasm/dist'), join(out, 'embedding-bag'), { recursive: true });
      writeFileSync(join(out, 'index.html'),
        readFileSync(join(app, 'index.html'), 'utf8').replace('./main.mjs', './main.js'));
    });
    test('the bundle pulls in no Node built-ins', () => {
      assert.ok(!NODE_BUILTINS.test(readFileSync(join(out, 'main.js'), 'utf8')), 'the bundle refers to Node built-ins');
    });
    for (const name of BROWSERS) {
      for (const isolated of [true, false]) {
        test(`runs in ${name}, ${isolated ? 'cross-origin isolated: threaded' : 'not isolated: one thread'}`, async () => {
          checkApp(await runApp(name, out, isolated), isolated);
        });
      }
    }
  });
});
