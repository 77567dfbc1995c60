// Copying a dense N x D weight gradient out of wasm memory.
import { heap } from './module.mjs';
import { copyInto, fill } from './results.mjs';

// When the last forward had at most N/8 indices, a zeroed Float32Array into
// which just the rows they name are copied, run by run (RowRuns in
// bindings/): outside them the gradient is zero. Else, or without memory for
// the runs, one slice. Few indices leave most rows zero, which a fresh
// (zeroed) array already is; once runs cover much of the table, copying run
// by run costs more than one slice (bench: dense backward, recsys against
// text).
const RUN_COPY_MAX_INDICES_PER_ROW = 1 / 8;

// `calls`: the bag's hotCalls(). `target`: a Float32Array of n x d of the
// caller's to write into (zeroed first on the runs path), or null for a new one.
export function copyDenseGradient(calls, n, d, numIndices, target = null) {
  const ptr = calls.gradWeightPtr();
  const base = ptr / 4;
  const runs = numIndices <= n * RUN_COPY_MAX_INDICES_PER_ROW ? calls.gradientRowRuns() : -1;
  if (runs < 0) {
    const all = heap(ptr + n * d * 4).f32;
    if (target === null) return all.slice(base, base + n * d);
    copyInto(target, all.subarray(base, base + n * d));
    return target;
  }
  const rp = calls.rowRunsPtr() / 4;
  const { f32, i32 } = heap(Math.max(ptr + n * d * 4, (rp + 2 * runs) * 4));
  const out = target === null ? new Float32Array(n * d) : fill(target, 0);
  for (let k = 0; k < runs; k++) {
    const begin = i32[rp + 2 * k] * d;
    const end = i32[rp + 2 * k + 1] * d;
    // A short run by a loop (a subarray costs more than copying 64 floats).
    if (end - begin <= 64) {
      for (let j = begin; j < end; j++) out[j] = f32[base + j];
    } else {
      copyInto(out, f32.subarray(base + begin, base + end), begin);
    }
  }
  return out;
}
