// Checks the wasm modules of build/wasm before they are copied into dist/:
//   - every import a .wasm asks for is provided by its glue, and every export
//     the glue reaches is in the .wasm (Emscripten minifies both names in one
//     pass; a mismatched pair fails only when a module is instantiated);
//   - the Node and web .wasm of a variant are byte-identical, so the package
//     ships one per variant (dist/<stem>.wasm).
// Exit status 1 names the first problem. Usage: node scripts/check-dist.mjs <dir>
import { readFileSync } from 'node:fs';

const dir = process.argv[2] ?? 'build/wasm';
const problems = [];
for (const stem of ['embedding_bag_simd', 'embedding_bag_simd_threaded']) {
  const node = readFileSync(`${dir}/${stem}.node.wasm`);
  const web = readFileSync(`${dir}/${stem}.web.wasm`);
  if (!node.equals(web)) problems.push(`${stem}: the Node and web .wasm differ (the package ships one per variant)`);
  const module = new WebAssembly.Module(node);
  for (const glueFile of [`${stem}.node.js`, `${stem}.web.mjs`]) {
    const glue = readFileSync(`${dir}/${glueFile}`, 'utf8');
    const provided = glue.match(/asmLibraryArg=\{([^}]*)\}/)?.[1];
    if (provided === undefined) {
      problems.push(`${glueFile}: no asmLibraryArg object found`);
      continue;
    }
    for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
      if (kind === 'memory' && provided.includes(`"${name}":wasmMemory`)) continue;
      if (!provided.includes(`"${name}":`)) problems.push(`${glueFile}: does not provide import ${from}.${name} (${kind})`);
    }
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    for (const [, name] of glue.matchAll(/Module\["asm"\]\["([^"]+)"\]/g)) {
      if (!exported.has(name)) problems.push(`${glueFile}: reaches export "${name}", which the .wasm does not have`);
    }
  }
}
if (problems.length > 0) {
  console.error(`check-dist: ${problems.length} problem(s) in ${dir}:\n  ${problems.slice(0, 5).join('\n  ')}`);
  process.exit(1);
}
