// Packaging: npm pack, install the tarball into an empty folder (no network:
// the package has no dependencies), then run the README's example unchanged,
// as ESM (.mjs) and as CommonJS (.cjs), in plain Node.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The code block after <!-- example:NAME --> in README.md.
function readmeExample(name) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = readme.match(new RegExp(`<!-- example:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``));
  assert.ok(match, `README.md has no <!-- example:${name} --> block`);
  return match[1];
}

test('package.json: license file, no invented repository / homepage / bugs URLs, engines, sideEffects naming every module whose import acts', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License/);
  // The package has no public repository or tracker yet: none is named.
  for (const key of ['repository', 'homepage', 'bugs']) assert.equal(pkg[key], undefined, key);
  assert.equal(pkg.engines.node, '>=20');
  // A module not listed may be dropped by a bundler when its exports are
  // unused: every js/ module with top-level statements besides declarations
  // must be listed (the entries register their platform, embedding-bag.mjs
  // and collection.mjs add Symbol.dispose, node-worker.mjs is a worker script).
  const files = [...readdirSync(join(root, 'js')), ...readdirSync(join(root, 'js', 'fasttext')).map((f) => `fasttext/${f}`)];
  const acting = files.filter((f) => f.endsWith('.mjs')).filter((f) => {
    const text = readFileSync(join(root, 'js', f), 'utf8');
    return /^(setPlatform|if \(|createRequire|Object\.defineProperty|\w+\.prototype)/m.test(text);
  });
  assert.deepEqual(acting.sort(), ['collection.mjs', 'embedding-bag.mjs', 'fasttext/fasttext.mjs', 'fasttext/train.mjs',
    'index.browser.mjs', 'index.node.mjs', 'node-worker.mjs']);
  for (const file of acting) assert.ok(pkg.sideEffects.includes(`./js/${file}`), `sideEffects lacks ./js/${file}`);
});

test('npm pack -> npm install in an empty folder -> the README example runs as ESM and CJS', () => {
  const work = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-pack-'));
  try {
    const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root))[0];
    const files = packed.files.map((f) => f.path);
    for (const needed of ['dist/embedding_bag_simd.wasm', 'dist/embedding_bag_simd.node.js', 'dist/index.cjs',
      'dist/embedding_bag_simd.web.mjs', 'dist/embedding_bag_simd_threaded.wasm', 'js/index.node.mjs', 'js/index.browser.mjs',
      'js/node-worker.mjs', 'js/index.d.ts', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/API.md',
      'docs/collection.md', 'docs/fasttext.md']) {
      assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
    }
    // One .wasm per variant, shared by the Node and web glue.
    assert.deepEqual(files.filter((f) => f.endsWith('.wasm')).sort(),
      ['dist/embedding_bag_simd.wasm', 'dist/embedding_bag_simd_threaded.wasm']);
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('tests/')), 'no sources or tests in the tarball');

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    npm(['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], app);

    for (const [name, file] of [['esm', 'example.mjs'], ['cjs', 'example.cjs']]) {
      writeFileSync(join(app, file), readmeExample(name));
      const out = execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' });
      assert.match(out, /^simd(-threaded)? \d+\n/, `${file}: ${out}`);
      assert.match(out, /\[ 3, 4 \]/, `${file}: ${out}`);
      assert.match(out, /\n40\n/, `${file}: ${out}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
