// js/index.d.ts compiles a consumer with tsc --noEmit, and rejects misuse.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function tsc(project) {
  try {
    execFileSync(`${root}node_modules/.bin/tsc`, ['-p', project], { cwd: root, encoding: 'utf8' });
    return '';
  } catch (error) {
    return `${error.stdout}${error.stderr}`;
  }
}

test('a TypeScript consumer type-checks against index.d.ts (tsc --noEmit, --strict, lib es2022, no DOM, no @types/node)', () => {
  const output = tsc('tests/node/types/tsconfig.json');
  assert.equal(output, '', output);
});

test('a consumer on lib esnext: using, backward() typed by sparse, Float16Array, ort.Tensor shapes, load options', () => {
  const output = tsc('tests/node/types/tsconfig.esnext.json');
  assert.equal(output, '', output);
});
