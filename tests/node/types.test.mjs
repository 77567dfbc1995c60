// js/index.d.ts compiles a consumer with tsc --noEmit, and rejects misuse.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('a TypeScript consumer type-checks against index.d.ts (tsc --noEmit)', () => {
  let output = '';
  try {
    execFileSync(`${root}node_modules/.bin/tsc`, ['-p', 'tests/node/types/tsconfig.json'], { cwd: root, encoding: 'utf8' });
  } catch (error) {
    output = `${error.stdout}${error.stderr}`;
  }
  assert.equal(output, '', output);
});
