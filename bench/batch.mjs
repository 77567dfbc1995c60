// A workload's batch of bags from a fixed seed: the same data in every
// process and in the demo page (no Node APIs here).
// make_batch() in bench/native/bench_native.cc is the same, bit for bit.
// A uniform [0, 1) generator from a 32-bit LCG (Math.imul keeps every bit).
export function lcg(seed) {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
}

export function makeBatch(w, seed = 1) {
  const random = lcg(seed);
  const offsets = new Int32Array(w.bags);
  const lengths = Array.from({ length: w.bags }, () => w.minLen + Math.floor(random() * (w.maxLen - w.minLen + 1)));
  const indices = new Int32Array(lengths.reduce((a, b) => a + b, 0));
  for (let b = 0, at = 0; b < w.bags; b++) {
    offsets[b] = at;
    for (let k = 0; k < lengths[b]; k++) indices[at++] = Math.floor(random() * w.n);
  }
  return { indices, offsets };
}

// A workload at most as large as `cap` (workloads.json's "quick" sizes).
export function capWorkload(w, cap) {
  return { ...w, n: Math.min(w.n, cap.n), bags: Math.min(w.bags, cap.bags), maxLen: Math.min(w.maxLen, cap.maxLen), minLen: Math.min(w.minLen, cap.minLen) };
}
