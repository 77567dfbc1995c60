// One benchmark process: one variant (argv[2] = threads), every workload.
// Prints one JSON line with the timings (ms, every run) per workload.
import { EmbeddingBag, init } from '../js/index.node.mjs';
import { plainEmbeddingBag } from './plain_js.mjs';
import { timeRuns } from './timing.mjs';
import { makeBatch, quickWorkload, WORKLOADS } from './workloads.mjs';

const threads = Number(process.argv[2]);
const quick = process.argv.includes('--quick');
const minParallelWork = process.argv.find((a) => a.startsWith('--min-parallel-work='));
const info = await init({ threads, ...(minParallelWork ? { minParallelWork: Number(minParallelWork.split('=')[1]) } : {}) });

const results = [];
for (const full of WORKLOADS) {
  const w = quick ? quickWorkload(full) : full;
  const runs = quick ? 3 : w.name.startsWith('tiny') ? 200 : 21;
  const warmup = quick ? 1 : w.name.startsWith('tiny') ? 200 : 15;
  const { indices, offsets } = makeBatch(w);
  const row = { workload: w.name, indices: indices.length, dim: w.dim };
  const forward = new EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3 });
  row.forward = timeRuns(() => forward.forward(indices, offsets), runs, warmup);
  if (w.mode !== 'max') {
    const sparse = new EmbeddingBag(w.n, w.dim, { mode: w.mode, seed: 3, sparse: true });
    sparse.forward(indices, offsets);
    const g = new Float32Array(w.bags * w.dim).fill(0.5);
    row.backwardSparse = timeRuns(() => sparse.backward(g), runs, warmup);
    sparse.dispose();
  }
  if (threads === 1) {
    const weight = forward.weight.slice();
    row.plainJs = timeRuns(() => plainEmbeddingBag(weight, w.dim, indices, offsets, w.mode), runs, warmup);
  }
  forward.dispose();
  results.push(row);
}
console.log(JSON.stringify({ info, results }));
