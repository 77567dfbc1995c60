// The documents stay true to the tree: bench/RESULTS.md and the README's
// summary table are what bench/results_md.mjs makes of
// bench/results/latest.json; every repository path the documents name in
// backquotes exists, every relative link leads to a file (and heading); every
// guide in docs/ is linked from the README; the guides' examples marked
// <!-- run --> run against the package as they are printed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { writeResults } from '../../bench/results_md.mjs';
import { apiMarkdown, undocumentedExports } from '../../scripts/api-docs.mjs';
import { statusMessagesModule } from '../../scripts/status-messages.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('bench/RESULTS.md and the README summary match bench/results/latest.json', () => {
  assert.deepEqual(writeResults({ check: true }), []);
});

test('js/status-messages.mjs is what scripts/status-messages.mjs makes of include/ebag/status_codes.inc', () => {
  assert.equal(readFileSync(`${root}js/status-messages.mjs`, 'utf8'), statusMessagesModule(), 'js/status-messages.mjs is stale: run npm run docs');
});

test('docs/API.md is what scripts/api-docs.mjs makes of js/index.d.ts, and every export has a doc comment', () => {
  assert.deepEqual(undocumentedExports(), []);
  assert.equal(readFileSync(`${root}docs/API.md`, 'utf8'), apiMarkdown(), 'docs/API.md is stale: run npm run docs');
});

// Every file name in the tree (a bare name in a document may be any of them).
function fileNames(dir, names = new Set()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'build', 'dist', '.git'].includes(entry.name)) continue;
    if (entry.isDirectory()) fileNames(`${dir}${entry.name}/`, names);
    else names.add(entry.name);
  }
  return names;
}

const GUIDES = readdirSync(`${root}docs`).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
const DOCUMENTS = ['README.md', 'CONTRIBUTING.md', 'bench/README.md', 'CHANGELOG.md', ...GUIDES];

// GitHub's anchor of a heading.
const anchor = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

test('every relative link of the documents leads to a file, and to a heading there', () => {
  for (const doc of DOCUMENTS) {
    const text = readFileSync(`${root}${doc}`, 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, hash] = target.split('#');
      const file = path === '' ? `${root}${doc}` : join(dirname(`${root}${doc}`), path);
      assert.ok(existsSync(file), `${doc} links to ${target}, which does not exist`);
      if (hash !== undefined && file.endsWith('.md')) {
        // A repeated heading's anchor gets -1, -2, ... as GitHub numbers them.
        const seen = new Map();
        const headings = [...readFileSync(file, 'utf8').matchAll(/^#+ (.+)$/gm)].map(([, h]) => {
          const base = anchor(h);
          const n = seen.get(base) ?? 0;
          seen.set(base, n + 1);
          return n === 0 ? base : `${base}-${n}`;
        });
        assert.ok(headings.includes(hash), `${doc} links to ${target}: no such heading`);
      }
    }
  }
});

test('the README links every guide in docs/, and stays a first page (at most 25 KB)', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  for (const guide of GUIDES) assert.ok(readme.includes(`](${guide}`), `README.md does not link ${guide}`);
  assert.ok(Buffer.byteLength(readme) <= 25 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
  const firstScreen = readme.split('\n').slice(0, 30).join('\n');
  assert.match(firstScreen, /npm install embedding-bag-wasm/);
});

test("the guides' examples marked <!-- run --> run against the package", () => {
  const entry = (file) => pathToFileURL(`${root}js/${file}`).href;
  const dir = mkdtempSync(join(tmpdir(), 'ebag-docs-'));
  let count = 0;
  try {
    for (const doc of GUIDES) {
      const text = readFileSync(`${root}${doc}`, 'utf8');
      for (const [, code] of text.matchAll(/<!-- run -->\s*```js\n([\s\S]*?)```/g)) {
        const program = code.replaceAll("'embedding-bag-wasm/fasttext'", `'${entry('fasttext/index.mjs')}'`)
          .replaceAll("'embedding-bag-wasm'", `'${entry('index.node.mjs')}'`);
        const file = join(dir, `example-${count++}.mjs`);
        writeFileSync(file, program);
        try {
          execFileSync(process.execPath, [file], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
        } catch (error) {
          assert.fail(`an example of ${doc} failed:\n${code}\n${error.stderr}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(count >= 4, `only ${count} examples are marked <!-- run -->`);
});

test('every path the documents name exists', () => {
  const names = fileNames(root);
  // Paths the tree only has after a build or a run.
  const made = /^(build|dist|test-artifacts)\/|^bench\/results\/(quick|latest-threads)/;
  for (const doc of DOCUMENTS) {
    const text = readFileSync(`${root}${doc}`, 'utf8');
    const base = doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/') + 1) : '';
    for (const [, path] of text.matchAll(/`((?:include|src|js|bindings|tests|bench|scripts|examples|web-demo|docs)\/[\w./-]+|[\w-]+\.(?:mjs|json|cc|md))`/g)) {
      if (made.test(path)) continue;
      const found = path.includes('/') ? [path, `${base}${path}`].some((p) => existsSync(`${root}${p}`)) : names.has(path);
      assert.ok(found, `${doc} names ${path}, which does not exist`);
    }
  }
});
