// The wasm limit probe (gather_probe.c, built by scripts/build.sh bench into
// build/bench/gather_probe.wasm) in a JS runner, Node or page: the same
// table, indices and offsets as the package's bag, copied into the probe's
// own memory once, then its loop timed alone. No Node APIs here.

// Whether the probe has a loop for a workload: sum or mean, D a multiple of
// its 64-float block.
export const probeFits = (w) => (w.mode === 'sum' || w.mode === 'mean') && w.dim % 64 === 0;

// bytes: gather_probe.wasm; weight: the bag's table (Float32Array, N x D);
// expected: the package's forward of the same batch, which the probe must
// give bit for bit (the same adds in the same order; mean multiplies by
// 1 / length as the package does) -- else it would not be the same work.
export async function startProbe(bytes, w, indices, offsets, weight, expected) {
  const { instance } = await WebAssembly.instantiate(bytes, { env: { emscripten_notify_memory_growth() {} } });
  const e = instance.exports;
  e._initialize?.();
  const table = e.malloc(weight.byteLength);
  const idx = e.malloc(indices.byteLength);
  const off = e.malloc((offsets.length + 1) * 4);
  const out = e.malloc(w.bags * w.dim * 4);
  if (!table || !idx || !off || !out) throw new Error('gather probe: out of memory');
  const heap = e.memory.buffer;  // read after the last malloc (it may have grown)
  new Float32Array(heap, table, weight.length).set(weight);
  new Int32Array(heap, idx, indices.length).set(indices);
  const o = new Int32Array(heap, off, offsets.length + 1);
  o.set(offsets);
  o[offsets.length] = indices.length;
  const mean = w.mode === 'mean' ? 1 : 0;
  const run = () => e.probe_forward(table, w.dim, idx, off, w.bags, mean, out);
  if (run() !== 0) throw new Error(`gather probe: no loop for D = ${w.dim}`);
  const got = new Uint32Array(e.memory.buffer, out, w.bags * w.dim);
  const want = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const at = got.findIndex((bits, k) => bits !== want[k]);
  if (got.length !== want.length || at >= 0) throw new Error(`gather probe: differs from the package's forward at ${at}`);
  return run;
}
