// torch.save files (.pt): tables and collections read from what PyTorch 1.13
// writes (tests/torch/generate.py made the files and expected.json with
// PyTorch's own values), readStateDict, and hostile files: nothing in a
// file is executed, every refusal is a TypeError / RangeError with nothing
// allocated.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as ebw from '../../js/index.node.mjs';
import { unpickle } from '../../js/torch/unpickle.mjs';
import { EmbeddingBag, EmbeddingBagCollection, memoryInfo } from './helpers.mjs';

const dir = fileURLToPath(new URL('../torch/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8'));
const file = (name) => new Uint8Array(readFileSync(`${dir}${name}`));
const { readStateDict } = ebw;

test('readStateDict names every tensor of every file as PyTorch does, and fromTorch reads every 2-D float tensor with its values', async () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.pt') && expected[f]);
  assert.ok(files.length >= 14);
  for (const name of files) {
    const listed = await readStateDict(`${dir}${name}`);
    assert.deepEqual(listed, expected[name].map(({ name: n, dtype, shape }) => ({ name: n, dtype, shape })), name);
    for (const tensor of expected[name].filter((t) => t.values)) {
      const bag = await EmbeddingBag.fromTorch(file(name), { tensor: tensor.name });
      assert.deepEqual([bag.numEmbeddings, bag.embeddingDim], tensor.shape, `${name} ${tensor.name}`);
      assert.deepEqual(Array.from(bag.weight), tensor.values, `${name} ${tensor.name}: PyTorch's values`);
      bag.dispose();
    }
  }
  // A state dict's one table needs no name; fp16 on request; bag options apply.
  const bag = await EmbeddingBag.fromTorch(`${dir}bag.pt`, { mode: 'sum', paddingIdx: 0 });
  assert.deepEqual([bag.mode, bag.paddingIdx], ['sum', 0]);
  const half = await EmbeddingBag.fromTorch(file('dtypes.pt'), { tensor: 'f16', dtype: 'fp16' });
  assert.equal(half.dtype, 'fp16');
  for (const b of [bag, half]) b.dispose();
  assert.deepEqual(await readStateDict(new EmbeddingBag(3, 2, { seed: 1 }).toSafetensors({ name: 'emb.weight' })), [{ name: 'emb.weight', dtype: 'float32', shape: [3, 2] }]);
});

test('readStateDict reads a .pt file\'s directory and pickle, never its tensors (a Blob, a path)', async () => {
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL('../../examples/dlrm/tables.pt', import.meta.url))));
  let read = 0;
  class CountingBlob extends Blob {
    slice(begin, end) {
      read += end - begin;
      return super.slice(begin, end);
    }
  }
  const listed = await readStateDict(new CountingBlob([bytes]));
  assert.equal(listed.length, 16);  // eight tables, four layers of weights and biases
  assert.ok(read < 8192, `read ${read} of ${bytes.length} bytes`);
  assert.deepEqual(await readStateDict(fileURLToPath(new URL('../../examples/dlrm/tables.pt', import.meta.url))), listed);
  assert.deepEqual(await readStateDict(bytes), listed);
  await assert.rejects(readStateDict(bytes.subarray(0, bytes.length - 10)), RangeError);
});

test('packed uint8 rows (embedding_bag_byte_prepack / 4bit_prepack) load as int8 / int4 tables equal to PyTorch\'s unpacking', async () => {
  for (const dtype of ['int8', 'int4']) {
    const bag = await EmbeddingBag.fromTorch(file('packed.pt'), { tensor: dtype, dtype, mode: 'sum' });
    const float = bag.dequantize();
    assert.deepEqual(Array.from(float.weight), expected['packed.dequantized'][dtype], dtype);
    for (const b of [bag, float]) b.dispose();
  }
  await assert.rejects(EmbeddingBag.fromTorch(file('packed.pt'), { tensor: 'int8' }), { name: 'TypeError', message: /holds packed quantized rows: say which layout/ });
});

test('EmbeddingBagCollection.fromTorch takes table t from embedding_bags.<t>.weight under any prefix', async () => {
  const configs = [{ name: 't_user', featureNames: ['u'] }, { name: 't_item', featureNames: ['i'], pooling: 'mean' }];
  const want = Object.fromEntries(expected['model.pt'].map((t) => [t.name, t.values]));
  for (const name of ['model.pt', 'module_prefix.pt']) {
    const ebc = await EmbeddingBagCollection.fromTorch(`${dir}${name}`, configs);
    assert.deepEqual(Array.from(ebc.table('t_item').weight), want['sparse_arch.embedding_bag_collection.embedding_bags.t_item.weight']);
    assert.equal(ebc.table('t_item').mode, 'mean');
    ebc.dispose();
  }
  const before = memoryInfo().allocatedBytes;
  await assert.rejects(EmbeddingBagCollection.fromTorch(file('ambiguous.pt'), [{ name: 't', featureNames: ['f'] }]),
    { name: 'RangeError', message: "table \"t\": 2 tensors end with 'embedding_bags.t.weight' ('a.embedding_bags.t.weight', 'b.embedding_bags.t.weight'): ambiguous" });
  await assert.rejects(EmbeddingBagCollection.fromTorch(file('model.pt'), [...configs, { name: 'nope', featureNames: ['n'] }]),
    { name: 'RangeError', message: /table "nope": no tensor named 'embedding_bags.nope.weight'/ });
  assert.equal(memoryInfo().allocatedBytes, before);
});

test('hostile .pt files: no global is executed, views past their storage, compressed records, the legacy format, every cut', async () => {
  const before = memoryInfo().allocatedBytes;
  await assert.rejects(EmbeddingBag.fromTorch(file('evil.pt'), { tensor: 'weight' }),
    { name: 'TypeError', message: /names the global (posix|os)\.system, which is not one torch\.save writes for tensors .*nothing in it is executed/ });
  await assert.rejects(readStateDict(file('evil.pt')), { name: 'TypeError', message: /(posix|os)\.system/ });
  await assert.rejects(EmbeddingBag.fromTorch(file('legacy.pt')), { name: 'TypeError', message: /legacy torch\.save format/ });
  await assert.rejects(EmbeddingBag.fromTorch(file('deflated.pt')), { name: 'TypeError', message: /record deflated\/data\.pkl is compressed/ });
  await assert.rejects(EmbeddingBag.fromTorch(new Uint8Array(100)), { name: 'TypeError', message: /not a \.pt file/ });
  // A size that reaches past the storage: [5, 3] patched to [6, 3] in the pickle (stored, so patchable).
  const patched = file('protocol2.pt');
  const text = Buffer.from(patched);
  const at = text.indexOf(Buffer.from([0x4b, 0x05, 0x4b, 0x03, 0x86]));
  assert.ok(at > 0);
  patched[at + 1] = 6;
  await assert.rejects(EmbeddingBag.fromTorch(patched), { name: 'RangeError', message: /tensor 'weight' \(size \[6,3\], stride \[3,1\], offset 0\) reaches past its storage of 15 elements/ });
  // Every cut point of a small checkpoint.
  const whole = file('bag.pt');
  for (let cut = 0; cut < whole.length; cut++) {
    await assert.rejects(EmbeddingBag.fromTorch(whole.subarray(0, cut)), (e) => e instanceof TypeError || e instanceof RangeError, `cut at ${cut}`);
  }
  assert.equal(memoryInfo().allocatedBytes, before, 'nothing allocated by a refused file');
});

test('the unpickler builds only what torch.save writes: REDUCE of anything but an allowed global, sizes that overflow, unknown opcodes', () => {
  const pickle = (...parts) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
  const cases = [
    // EMPTY_DICT, EMPTY_TUPLE, REDUCE: a dict called.
    [pickle([0x80, 2, 0x7d, 0x29, 0x52, 0x2e]), TypeError, /calls something other than an allowed global \(REDUCE\)/],
    // GLOBAL builtins.eval
    [pickle([0x80, 2, 0x63], 'builtins\neval\n', [0x2e]), TypeError, /names the global builtins\.eval/],
    // STACK_GLOBAL torch.load
    [pickle([0x80, 4, 0x8c, 5], 'torch', [0x8c, 4], 'load', [0x93, 0x2e]), TypeError, /names the global torch\.load/],
    // _rebuild_tensor_v2 with a size of 2^62 (LONG1): refused, not wrapped.
    [pickle([0x80, 2, 0x63], 'torch._utils\n_rebuild_tensor_v2\n', [0x28, 0x28], [0x58, 7, 0, 0, 0], 'storage', [0x63], 'torch\nFloatStorage\n',
      [0x58, 1, 0, 0, 0], '0', [0x58, 3, 0, 0, 0], 'cpu', [0x4b, 4, 0x74, 0x51, 0x4b, 0, 0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x85, 0x4b, 1, 0x85, 0x74, 0x52, 0x2e]),
    RangeError, /a tensor size\[0\] is 4611686018427387904n/],
    // An opcode torch.save never writes (INST).
    [pickle([0x80, 2, 0x69], 'os\nsystem\n', [0x2e]), TypeError, /opcode 0x69/],
    // Values left on the stack, a MARK never closed, an empty stack.
    [pickle([0x80, 2, 0x4e, 0x4e, 0x2e]), RangeError, /STOP with more than one value left/],
    [pickle([0x80, 2, 0x28, 0x2e]), RangeError, /STOP with more than one value left/],
    [pickle([0x80, 2, 0x52]), RangeError, /an empty stack/],
    [pickle([0x80, 2, 0x68, 9]), RangeError, /memo entry 9 that was never put/],
  ];
  for (const [bytes, type, message] of cases) {
    assert.throws(() => unpickle(bytes), (e) => e instanceof type && message.test(e.message), String(message));
  }
});

test('fromTorch reads every source kind, with onProgress and signal; bad options are clear errors', async () => {
  const bytes = file('bag.pt');
  const want = expected['bag.pt'][0].values;
  const sources = [`${dir}bag.pt`, new URL(`file://${dir}bag.pt`), bytes, bytes.slice().buffer, new Blob([bytes]), new Response(bytes.slice()),
    new ReadableStream({ start(c) { c.enqueue(bytes.slice(0, 100)); c.enqueue(bytes.slice(100)); c.close(); } })];
  for (const source of sources) {
    let heard = 0;
    const bag = await EmbeddingBag.fromTorch(source, { onProgress: () => heard++ });
    assert.deepEqual(Array.from(bag.weight), want);
    assert.ok(heard >= 1);
    bag.dispose();
  }
  await assert.rejects(EmbeddingBag.fromTorch(bytes, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  await assert.rejects(EmbeddingBag.fromTorch(bytes, { tensor: 3 }), { name: 'TypeError', message: /tensor = 3 must be a string/ });
  await assert.rejects(EmbeddingBag.fromTorch(bytes, { dtype: 'int3' }), { name: 'RangeError', message: /dtype = "int3" must be one of/ });
  await assert.rejects(EmbeddingBag.fromTorch(bytes, { mdoe: 'sum' }), { name: 'TypeError', message: /unknown option 'mdoe' \(did you mean 'mode'\?\)/ });
});

test('toTorch writes what fromTorch reads back bit for bit, every dtype, and a collection under TorchRec\'s names', async () => {
  const bag = new EmbeddingBag(12, 5, { mode: 'sum', seed: 7 });
  const back = await EmbeddingBag.fromTorch(bag.toTorch());
  assert.deepEqual(Array.from(back.weight), Array.from(bag.weight));
  assert.deepEqual(await readStateDict(bag.toTorch({ name: 'emb.weight' })), [{ name: 'emb.weight', dtype: 'float32', shape: [12, 5] }]);
  for (const dtype of ['fp16', 'int8', 'int4']) {
    const q = EmbeddingBag.quantize(bag, { dtype });
    const [entry] = await readStateDict(q.toTorch());
    assert.equal(entry.dtype, dtype === 'fp16' ? 'float16' : 'uint8', dtype);
    const again = await EmbeddingBag.fromTorch(q.toTorch(), { dtype });
    assert.deepEqual(Array.from(again.quantizedWeight), Array.from(q.quantizedWeight), `${dtype}: the same rows`);
    for (const b of [q, again]) b.dispose();
  }
  assert.throws(() => bag.toTorch({ name: '' }), { name: 'TypeError', message: /name = "" must be a non-empty string/ });
  assert.throws(() => bag.toTorch({ nmae: 'x' }), { name: 'TypeError', message: /unknown toTorch option 'nmae' \(did you mean 'name'\?\)/ });
  const ebc = new EmbeddingBagCollection([{ name: 'a', numEmbeddings: 6, embeddingDim: 2, featureNames: ['f'] },
    { name: 'b', numEmbeddings: 4, embeddingDim: 3, featureNames: ['g'], dtype: 'int8' }], { seed: 3 });
  const file = ebc.toTorch();
  assert.deepEqual((await readStateDict(file)).map((t) => t.name), ['embedding_bags.a.weight', 'embedding_bags.b.weight']);
  const loaded = await EmbeddingBagCollection.fromTorch(file, [{ name: 'a', featureNames: ['f'] }, { name: 'b', featureNames: ['g'], dtype: 'int8' }]);
  assert.deepEqual(Array.from(loaded.table('a').weight), Array.from(ebc.table('a').weight));
  assert.deepEqual(Array.from(loaded.table('b').quantizedWeight), Array.from(ebc.table('b').quantizedWeight));
  for (const x of [bag, back, ebc, loaded]) x.dispose();
  assert.throws(() => bag.toTorch(), { name: 'Error', message: /disposed/ });
});
