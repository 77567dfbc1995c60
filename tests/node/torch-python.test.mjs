// toTorch's files read back by PyTorch itself (Debian's python3-torch, run
// once per CI: scripts/setup.sh --torch): torch.load gives the same values
// (fp16 kept as float16, quantized tables as PyTorch's packed rows), Python's
// zipfile.testzip() finds every CRC valid, and a table trained here loads
// into torch.nn.EmbeddingBag.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EmbeddingBag, EmbeddingBagCollection } from './helpers.mjs';

const check = fileURLToPath(new URL('../torch/check_load.py', import.meta.url));

test('torch.load reads toTorch files of every dtype and a collection with identical values; testzip passes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedding-bag-wasm-torch-'));
  try {
    // A table trained here: forward, step (Adagrad), as a page would.
    const bag = new EmbeddingBag(50, 8, { mode: 'mean', seed: 4, optimizer: { name: 'adagrad', lr: 0.5 } });
    for (let s = 0; s < 3; s++) {
      bag.forward(Int32Array.of(1, 7, 7, 30, 2 + s), Int32Array.of(0, 2));
      bag.step(Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + s)));
    }
    const quantized = Object.fromEntries(['fp16', 'int8', 'int4'].map((dtype) => [dtype, EmbeddingBag.quantize(bag, { dtype })]));
    const ebc = new EmbeddingBagCollection([
      { name: 't_user', numEmbeddings: 30, embeddingDim: 4, featureNames: ['user'] },
      { name: 't_item', numEmbeddings: 20, embeddingDim: 6, featureNames: ['item', 'history'], pooling: 'mean' },
    ], { seed: 9 });
    const files = { bag: bag.toTorch(), ...Object.fromEntries(Object.entries(quantized).map(([d, b]) => [d, b.toTorch({ name: 'emb.weight' })])), ebc: ebc.toTorch() };
    const paths = Object.fromEntries(Object.entries(files).map(([k, bytes]) => {
      const path = join(dir, `${k}.pt`);
      writeFileSync(path, bytes);
      return [k, path];
    }));
    const args = Object.entries(paths).map(([k, path]) => (k === 'int8' || k === 'int4' ? `${path}:${k}` : path));
    const read = JSON.parse(execFileSync('/usr/bin/python3', [check, ...args], { encoding: 'utf8' }));
    for (const path of Object.values(paths)) assert.equal(read[path].testzip, null, `${path}: every CRC valid`);
    assert.deepEqual(read[paths.bag].tensors.weight, { dtype: 'float32', shape: [50, 8], values: Array.from(bag.weight) });
    assert.equal(read[paths.bag].embedding_bag, true, 'torch.nn.EmbeddingBag.load_state_dict takes it');
    const half = read[paths.fp16].tensors['emb.weight'];
    assert.deepEqual([half.dtype, half.shape], ['float16', [50, 8]]);
    assert.deepEqual(half.values, Array.from(quantized.fp16.dequantize().weight));
    for (const dtype of ['int8', 'int4']) {
      const packed = read[paths[dtype]].tensors['emb.weight'];
      assert.equal(packed.dtype, 'uint8');
      assert.deepEqual(packed.bytes, Array.from(quantized[dtype].quantizedWeight), `${dtype}: the packed rows`);
      const float = quantized[dtype].dequantize();
      assert.deepEqual(packed.unpacked, Array.from(float.weight), `${dtype}: PyTorch unpacks them to the same values`);
      float.dispose();
    }
    assert.deepEqual(Object.keys(read[paths.ebc].tensors), ['embedding_bags.t_user.weight', 'embedding_bags.t_item.weight']);
    assert.deepEqual(read[paths.ebc].tensors['embedding_bags.t_item.weight'].values, Array.from(ebc.table('t_item').weight));
    for (const b of [bag, ...Object.values(quantized)]) b.dispose();
    ebc.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
