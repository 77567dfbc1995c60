// Timing shared by the demo and the benchmark: warm-up runs first (V8 swaps
// in optimised wasm code only for later calls), then one time per run.
export function timeRuns(fn, runs, warmup) {
  return timeRunsInTurn([fn], runs, warmup)[0];
}

// As timeRuns for several functions at once, taking turns sample by sample
// (the first one first in even runs, last in odd ones): one array of times each.
export function timeRunsInTurn(fns, runs, warmup) {
  for (let k = 0; k < warmup; k++) fns.forEach((fn) => fn());
  const ms = fns.map(() => []);
  const inOrder = [...fns.keys()];
  const reversed = [...inOrder].reverse();
  for (let k = 0; k < runs; k++) {
    for (const f of k % 2 === 0 ? inOrder : reversed) {
      const t0 = performance.now();
      fns[f]();
      ms[f].push(performance.now() - t0);
    }
  }
  return ms;
}

export function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
