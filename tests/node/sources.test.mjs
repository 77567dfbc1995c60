// Weight files from every source users hold (Blob, File, Response,
// ReadableStream, http(s) URLs fetched), with progress and abort, and the
// tensor of a sharded safetensors checkpoint (Hugging Face's index.json).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EmbeddingBag, memoryInfo } from './helpers.mjs';

const dir = fileURLToPath(new URL('../weights/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8'));
const path = `${dir}table_f16.safetensors`;
const bytes = new Uint8Array(readFileSync(path));
const want = async () => {
  const bag = await EmbeddingBag.fromSafetensors(bytes);
  const w = Array.from(bag.weight);
  bag.dispose();
  return w;
};

// A stream of the file in pieces of `piece` bytes.
const streamOf = (data, piece = 100) => new ReadableStream({
  start(controller) {
    for (let at = 0; at < data.length; at += piece) controller.enqueue(data.slice(at, at + piece));
    controller.close();
  },
});

let server;
let base;
let shards;
before(async () => {
  // The weights folder, and a sharded checkpoint made here: the PyTorch table
  // in one shard, another table in a second, an index naming both.
  shards = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-shards-'));
  writeFileSync(join(shards, 'model-00001-of-00002.safetensors'), readFileSync(`${dir}table_f32.safetensors`));
  const other = new EmbeddingBag(3, 2, { weight: new Float32Array([1, 2, 3, 4, 5, 6]) });
  writeFileSync(join(shards, 'model-00002-of-00002.safetensors'), other.toSafetensors({ name: 'other.weight' }));
  other.dispose();
  const index = { metadata: { total_size: 0 }, weight_map: { [expected.tensor]: 'model-00001-of-00002.safetensors', 'other.weight': 'model-00002-of-00002.safetensors' } };
  writeFileSync(join(shards, 'model.safetensors.index.json'), JSON.stringify(index));
  writeFileSync(join(shards, 'escape.safetensors.index.json'), JSON.stringify({ weight_map: { t: '../table_f32.safetensors' } }));
  server = createServer((request, response) => {
    const [, root, name] = request.url.match(/^\/(weights|shards)\/([\w.-]+)$/) ?? [];
    try {
      const body = readFileSync(join(root === 'weights' ? dir : shards, name ?? ''));
      response.writeHead(200, { 'Content-Length': body.length }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});
after(() => {
  server?.close();
  rmSync(shards, { recursive: true, force: true });
});

test('Blob, File, Response, ReadableStream and http:// URL sources give the table the bytes give', async () => {
  const w = await want();
  const sources = [
    new Blob([bytes]), new File([bytes], 'table.safetensors'), new Response(bytes), streamOf(bytes), streamOf(bytes, 7),
    `${base}weights/table_f16.safetensors`, new URL(`${base}weights/table_f16.safetensors`),
  ];
  for (const source of sources) {
    const bag = await EmbeddingBag.fromSafetensors(source, { mode: 'sum' });
    assert.deepEqual(Array.from(bag.weight), w, String(source));
    bag.dispose();
  }
  const npy = await EmbeddingBag.fromNpy(new Blob([readFileSync(`${dir}table_f32.npy`)]));
  assert.equal(npy.numEmbeddings, expected.N);
  npy.dispose();
  await assert.rejects(EmbeddingBag.fromNpy(`${base}weights/missing.npy`), { message: `embedding-bag-wasm: cannot fetch ${base}weights/missing.npy (HTTP 404)` });
  await assert.rejects(EmbeddingBag.fromNpy(new Response('no', { status: 500 })), { message: /HTTP 500/ });
  const text = new ReadableStream({ start: (c) => { c.enqueue('not bytes'); c.close(); } });
  await assert.rejects(EmbeddingBag.fromNpy(text), { name: 'TypeError', message: 'a weight file\'s stream must yield bytes (Uint8Array), not "not bytes"' });
});

test('an https:// URL in Node is fetched, not opened as a file', async () => {
  const seen = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    seen.push([String(url), init?.signal instanceof AbortSignal]);
    return new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } });
  };
  try {
    const signal = new AbortController().signal;
    const bag = await EmbeddingBag.fromSafetensors('https://example.com/models/table.safetensors', { signal });
    assert.deepEqual(Array.from(bag.weight), await want());
    bag.dispose();
    const fromUrl = await EmbeddingBag.fromSafetensors(new URL('HTTPS://example.com/t.safetensors'));
    fromUrl.dispose();
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(seen, [['https://example.com/models/table.safetensors', true], ['https://example.com/t.safetensors', false]]);
});

test('onProgress hears of every chunk: loadedBytes grows to the bytes read, totalBytes when known', async () => {
  for (const [source, total] of [[path, bytes.length], [bytes, bytes.length], [new Blob([bytes]), bytes.length],
    [streamOf(bytes, 50), undefined], [`${base}weights/table_f16.safetensors`, bytes.length]]) {
    const events = [];
    const bag = await EmbeddingBag.fromSafetensors(source, { onProgress: (e) => events.push(e) });
    bag.dispose();
    assert.ok(events.length >= 1);
    for (let k = 0; k < events.length; k++) {
      assert.equal(events[k].totalBytes, total, String(source));
      if (k > 0) assert.ok(events[k].loadedBytes > events[k - 1].loadedBytes);
    }
    assert.equal(events.at(-1).loadedBytes, bytes.length, String(source));
  }
  await assert.rejects(EmbeddingBag.fromNpy(bytes, { onProgress: 1 }), { name: 'TypeError', message: /onProgress = 1 must be a function/ });
});

test('an AbortSignal stops a load (before it starts, between chunks, a download) and leaves nothing allocated', async () => {
  const before = memoryInfo().allocatedBytes;
  const aborted = AbortSignal.abort();
  await assert.rejects(EmbeddingBag.fromSafetensors(path, { signal: aborted }), { name: 'AbortError' });
  for (const source of [streamOf(bytes, 64), `${base}weights/table_f16.safetensors`, path]) {
    const controller = new AbortController();
    let chunks = 0;
    // Aborted once the table exists and rows are being written.
    const onProgress = ({ loadedBytes }) => {
      chunks++;
      if (loadedBytes > 200) controller.abort(new Error('user stopped it'));
    };
    await assert.rejects(EmbeddingBag.fromSafetensors(source, { signal: controller.signal, onProgress }), { message: 'user stopped it' });
    assert.ok(chunks >= 1);
  }
  assert.equal(memoryInfo().allocatedBytes, before);
  await assert.rejects(EmbeddingBag.fromNpy(bytes, { signal: 'stop' }), { name: 'TypeError', message: /signal = "stop" must be an AbortSignal/ });
});

test('sharded checkpoints: the index names the shard holding the tensor, by path, file URL or http URL', async () => {
  const direct = await EmbeddingBag.fromSafetensors(`${dir}table_f32.safetensors`, { tensor: expected.tensor, mode: 'sum' });
  for (const index of [join(shards, 'model.safetensors.index.json'), new URL(`file://${shards}/model.safetensors.index.json`),
    `${base}shards/model.safetensors.index.json`]) {
    const bag = await EmbeddingBag.fromSafetensors(index, { tensor: expected.tensor, mode: 'sum' });
    assert.deepEqual(Array.from(bag.weight), Array.from(direct.weight), String(index));
    assert.deepEqual(bag.forward(expected.indices, expected.offsets).data, direct.forward(expected.indices, expected.offsets).data);
    bag.dispose();
    const other = await EmbeddingBag.fromSafetensors(index, { tensor: 'other.weight' });
    assert.deepEqual(Array.from(other.weight), [1, 2, 3, 4, 5, 6]);
    other.dispose();
  }
  direct.dispose();
  const index = join(shards, 'model.safetensors.index.json');
  await assert.rejects(EmbeddingBag.fromSafetensors(index), { name: 'TypeError', message: /holds 2 tensors .*say which with \{ tensor \}/ });
  await assert.rejects(EmbeddingBag.fromSafetensors(index, { tensor: 'nope' }), { name: 'RangeError', message: /no tensor 'nope' in its weight_map/ });
  await assert.rejects(EmbeddingBag.fromSafetensors(join(shards, 'escape.safetensors.index.json')),
    { name: 'RangeError', message: /weight_map\['t'\] = "\.\.\/table_f32\.safetensors" is not a file name beside the index/ });
});
