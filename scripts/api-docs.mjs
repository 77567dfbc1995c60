// docs/API.md from js/index.d.ts and js/fasttext/index.d.ts: the package documentation comment
// (@packageDocumentation: overview, errors), then every export with its doc
// comment and declaration, in the order of the file. The TypeScript compiler
// reads the declarations; nothing is written by hand in docs/API.md.
//   node scripts/api-docs.mjs          writes docs/API.md
//   node scripts/api-docs.mjs --check  exits 1 when docs/API.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));
// The package's entry points and their declarations, in order.
const SOURCES = [
  { module: 'embedding-bag-wasm', file: 'js/index.d.ts' },
  { module: 'embedding-bag-wasm/fasttext', file: 'js/fasttext/index.d.ts' },
];
const OUTPUT = 'docs/API.md';

// The text of a JSDoc comment: its description and its tags (@param, @throws, ...).
function docText(doc) {
  const text = (part) => (typeof part === 'string' ? part : (part ?? []).map((p) => p.text).join(''));
  const lines = [text(doc.comment).trim()];
  for (const tag of doc.tags ?? []) {
    if (tag.tagName.text === 'packageDocumentation') continue;
    const name = tag.name ? ` \`${tag.name.getText()}\`` : '';
    lines.push(`- **@${tag.tagName.text}**${name} ${text(tag.comment).trim()}`);
  }
  return lines.filter(Boolean).join('\n');
}

const isPackageDoc = (doc) => doc.tags?.some((t) => t.tagName.text === 'packageDocumentation');
const docsOf = (node) => (node.jsDoc ?? []).filter((d) => !isPackageDoc(d)).map(docText).filter(Boolean).join('\n\n');
const isExported = (node) => ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export;
const KIND = {
  [ts.SyntaxKind.FunctionDeclaration]: 'function',
  [ts.SyntaxKind.ClassDeclaration]: 'class',
  [ts.SyntaxKind.InterfaceDeclaration]: 'interface',
  [ts.SyntaxKind.TypeAliasDeclaration]: 'type',
};

const parse = (path) => ts.createSourceFile(path, readFileSync(`${root}${path}`, 'utf8'), ts.ScriptTarget.Latest, true);

/** The exports of the declaration files that have no doc comment. */
export function undocumentedExports() {
  return SOURCES.flatMap(({ file }) => parse(file).statements.filter((s) => KIND[s.kind] && isExported(s) && !docsOf(s))
    .map((s) => s.name.text));
}

export function apiMarkdown() {
  const out = [
    '# API reference',
    '',
    `Generated from ${SOURCES.map(({ file }) => `\`${file}\``).join(' and ')} by \`scripts/api-docs.mjs\` (\`npm run docs\`); do not edit by hand.`,
    '',
  ];
  // Anchors as GitHub makes them from the headings (a repeated one gets -1, -2, ...).
  const seen = new Map();
  const anchor = (name) => {
    const base = name.toLowerCase();
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  };
  SOURCES.forEach((source, i) => {
    if (i > 0) out.push(`# ${source.module}`, '');
    moduleMarkdown(parse(source.file), anchor, out);
  });
  return `${out.join('\n').trimEnd()}\n`;
}

function moduleMarkdown(file, anchor, out) {
  const overview = file.statements.flatMap((s) => s.jsDoc ?? []).find(isPackageDoc);
  if (overview) out.push(docText(overview), '');
  const exported = file.statements.filter((s) => KIND[s.kind] && isExported(s));
  out.push('## Contents', '');
  for (const node of exported) out.push(`- ${KIND[node.kind]} [\`${node.name.text}\`](#${anchor(node.name.text)})`);
  out.push('');
  for (const node of exported) {
    out.push(`## ${node.name.text}`, '', `*${KIND[node.kind]}*`, '');
    const doc = docsOf(node);
    if (doc) out.push(doc, '');
    out.push('```ts', node.getText(file), '```', '');
    if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) {
      const members = node.members.filter((m) => docsOf(m));
      if (members.length > 0) {
        out.push('| member | |', '|---|---|');
        for (const m of members) {
          const name = m.kind === ts.SyntaxKind.Constructor ? 'constructor' : m.name.getText(file);
          out.push(`| \`${name}\` | ${docsOf(m).replace(/\n+/g, ' ').replace(/\|/g, '\\|')} |`);
        }
        out.push('');
      }
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const markdown = apiMarkdown();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(`${root}${OUTPUT}`, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== markdown) {
      console.error(`${OUTPUT} is stale: run npm run docs`);
      process.exit(1);
    }
  } else {
    writeFileSync(`${root}${OUTPUT}`, markdown);
  }
}
