// The documents stay true to the tree: bench/RESULTS.md and the README's
// summary table are what bench/results_md.mjs makes of
// bench/results/latest.json, and every repository path README.md,
// CONTRIBUTING.md and bench/README.md name in backquotes exists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { writeResults } from '../../bench/results_md.mjs';
import { apiMarkdown, undocumentedExports } from '../../scripts/api-docs.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('bench/RESULTS.md and the README summary match bench/results/latest.json', () => {
  assert.deepEqual(writeResults({ check: true }), []);
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

test('every path the documents name exists', () => {
  const names = fileNames(root);
  // Paths the tree only has after a build or a run.
  const made = /^(build|dist|test-artifacts)\/|^bench\/results\/(quick|latest-threads)/;
  for (const doc of ['README.md', 'CONTRIBUTING.md', 'bench/README.md', 'CHANGELOG.md']) {
    const text = readFileSync(`${root}${doc}`, 'utf8');
    const base = doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/') + 1) : '';
    for (const [, path] of text.matchAll(/`((?:include|src|js|bindings|tests|bench|scripts|examples|web-demo|docs)\/[\w./-]+|[\w-]+\.(?:mjs|json|cc|md))`/g)) {
      if (made.test(path)) continue;
      const found = path.includes('/') ? [path, `${base}${path}`].some((p) => existsSync(`${root}${p}`)) : names.has(path);
      assert.ok(found, `${doc} names ${path}, which does not exist`);
    }
  }
});
