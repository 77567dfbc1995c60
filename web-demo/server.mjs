// A small static file server for the demo and the browser tests. With
// `isolated` (the default) every response carries the two headers that make a
// page cross-origin isolated, which the threaded variant needs:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
//
// npm run demo  ->  node web-demo/server.mjs [--port=8080] [--no-isolation] [--strict-csp]
// serves the repository root and prints the demo's URL.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
  '.npy': 'application/octet-stream',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// What a URL path names under root: { file, size }, or { status } (403 when
// it leaves root, 404 when nothing is there). A directory means its index.html.
function lookUp(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return { status: 403 };
  }
  let file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return { status: 403 };
  try {
    let stats = statSync(file);
    if (stats.isDirectory()) {
      file = join(file, 'index.html');
      stats = statSync(file);
    }
    return { file, size: stats.size };
  } catch {
    return { status: 404 };
  }
}

/**
 * Serves the files under `root` on 127.0.0.1. Resolves to { url, close() }.
 * port 0 picks a free port; `csp` is sent as Content-Security-Policy.
 */
export function startServer({ root, isolated = true, port = 0, csp = undefined }) {
  const base = normalize(root);
  const server = createServer((request, response) => {
    const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
    if (csp !== undefined) headers['Content-Security-Policy'] = csp;
    const { file, size, status } = lookUp(base, request.url ?? '/');
    if (status === 403) {
      response.writeHead(403, headers).end('forbidden');
      return;
    }
    if (status === 404) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${request.url}`);
      return;
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': size });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

async function main() {
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const isolated = !process.argv.includes('--no-isolation');
  const csp = process.argv.includes('--strict-csp') ? "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:" : undefined;
  const root = fileURLToPath(new URL('../', import.meta.url));
  const wanted = Number(arg('port') ?? 8080);
  let served;
  try {
    served = await startServer({ root, isolated, port: wanted, csp });
  } catch (error) {
    if (error.code !== 'EADDRINUSE') throw error;
    served = await startServer({ root, isolated, port: 0, csp });
    console.log(`port ${wanted} is taken; using another`);
  }
  console.log(`embedding-bag-wasm demo: ${served.url}web-demo/`);
  console.log(isolated
    ? 'served cross-origin isolated (COOP: same-origin, COEP: require-corp): the threaded variant can run'
    : 'served without isolation headers: the page runs one thread');
  if (csp) console.log(`Content-Security-Policy: ${csp}`);
  console.log('Ctrl+C stops the server');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) await main();
