// The fastText benchmark (part of npm run bench): predictBatch of 10k short
// texts (k = 3) against fastText's own CLI, `fasttext predict-prob`, on the
// same model and the same file (Debian's fastText 0.9.2, one thread). The
// CLI's wall time includes its process start and model load: the same command
// on an empty file is timed too, and the difference is the texts' time.
// Ours runs in a child process (collection.mjs's reason: a process of its
// own), simd variant, one thread, after two warm-up batches.
//   node bench/fasttext.mjs [--rounds=R] [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { lcg } from './batch.mjs';
import { median } from './timing.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
// Paths from the repository's root.
export const FASTTEXT_MODELS = [
  { name: 'langid.ftz: 10 languages, char 2..5-grams, quantized', file: 'web-demo/langid.ftz' },
  { name: '10 labels, word 2-grams, char 2..5-grams', file: 'tests/golden/fasttext/softmax-w2-c25.bin' },
  { name: '386 labels (softmax), word 2-grams, char 2..4-grams', file: 'tests/golden/fasttext/many-labels-w2-c24.bin' },
  { name: 'hs, 10 labels, word 3-grams', file: 'tests/golden/fasttext/hs-w3-c13.bin' },
];

/** `count` lines of 3..8 words drawn (seeded) from the golden texts' words: held-out, OOV, non-ASCII. */
export function benchTexts(count) {
  const golden = JSON.parse(readFileSync(here('../tests/golden/fasttext_golden.json'), 'utf8'));
  const words = [...new Set(golden.models[0].texts.flatMap((c) => c.text.split(/[\s\0]+/)).filter((w) => w && w.length < 30))];
  const random = lcg(5);
  const pick = () => words[Math.floor(random() * words.length)];
  return Array.from({ length: count }, () => Array.from({ length: 3 + Math.floor(random() * 6) }, pick).join(' '));
}

function fastTextCli() {
  const found = spawnSync('sh', ['-c', 'command -v fasttext'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

// ms of one `fasttext predict-prob model file 3`.
function timeCli(cli, model, file) {
  const t0 = performance.now();
  execFileSync(cli, ['predict-prob', model, file, '3'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return performance.now() - t0;
}

export async function benchFastText({ rounds = 7, quick = false } = {}) {
  const count = quick ? 200 : 10_000;
  const texts = benchTexts(count);
  const dir = mkdtempSync(join(tmpdir(), 'ebag-fasttext-'));
  try {
    const file = join(dir, 'texts.txt');
    const empty = join(dir, 'empty.txt');
    writeFileSync(file, `${texts.join('\n')}\n`);
    writeFileSync(empty, '');
    const cli = fastTextCli();
    return FASTTEXT_MODELS.map((m) => {
      const model = here(`../${m.file}`);
      const child = spawnSync(process.execPath, [here('./fasttext_child.mjs'), model, file, String(rounds)], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`fasttext_child.mjs failed: ${child.stderr}`);
      const ours = JSON.parse(child.stdout);
      let native = null;
      if (cli) {
        const all = [];
        const none = [];
        for (let r = 0; r < rounds; r++) {
          all.push(timeCli(cli, model, file));
          none.push(timeCli(cli, model, empty));
        }
        native = { ms: median(all), emptyMs: median(none) };
      }
      const nativePerText = native ? Math.max(native.ms - native.emptyMs, 0) / count : null;
      return {
        model: m.name, file: m.file, texts: count,
        oursMs: ours.ms, oursUsPerText: (ours.ms / count) * 1000,
        nativeMs: native?.ms ?? null, nativeEmptyMs: native?.emptyMs ?? null,
        nativeUsPerText: nativePerText === null ? null : nativePerText * 1000,
        ratios: { nativeOverOurs: nativePerText === null ? null : (nativePerText * count) / ours.ms },
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printFastText(rows, table, fmt, x) {
  console.log('\nfastText: predictBatch of short texts (k = 3, one thread) against `fasttext predict-prob` (its time on the file minus on an empty file), ms (medians)');
  if (rows.some((r) => r.nativeMs === null)) console.log('(the fastText CLI is not installed: bash scripts/setup.sh --bench installs it)');
  table(['model', 'texts', 'ours', 'us/text', 'fastText CLI', 'CLI, empty file', 'us/text', 'CLI / ours'],
    rows.map((r) => [r.model, String(r.texts), fmt(r.oursMs), r.oursUsPerText.toFixed(2),
      r.nativeMs === null ? '-' : fmt(r.nativeMs), r.nativeEmptyMs === null ? '-' : fmt(r.nativeEmptyMs),
      r.nativeUsPerText === null ? '-' : r.nativeUsPerText.toFixed(2), r.ratios.nativeOverOurs === null ? '-' : x(r.ratios.nativeOverOurs)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const rows = await benchFastText({ rounds: arg('rounds', 7), quick: process.argv.includes('--quick') });
  const table = (head, body) => {
    const all = [head, ...body];
    const widths = head.map((_, c) => Math.max(...all.map((row) => row[c].length)));
    for (const row of all) console.log(row.map((cell, c) => cell.padStart(widths[c])).join(' | '));
  };
  printFastText(rows, table, (v) => (v < 1 ? v.toFixed(3) : v.toFixed(2)), (v) => `${v.toFixed(2)}x`);
}
