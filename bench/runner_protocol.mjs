// The runner side of bench.mjs's protocol, shared by the JS runners (the
// native runner speaks the same in C++): one JSON request per stdin line,
// one JSON reply per stdout line.
//   -> { describe: true }   <- what the runner can time (quantizedDtypes of the
//      package's registry; the native runner: its kernelSets)
//   -> { prepare: 'recsys', quick }   <- what prepare() returns (or resolves to)
//   -> { time: <op>, runs, warmup, repeat }   <- { ms: [...] }   (ms per call;
//      a sample times `repeat` calls, so that tiny calls are not lost in the timer's grain)
//   -> { timeInTurn: [<op>, <op>], runs, warmup, repeat }   <- { ms: [[...], [...]] }
//      (the ops' samples taken in turn)
import { createInterface } from 'node:readline';

import { answer } from './requests.mjs';
import { makeBatch, quickWorkload, WORKLOADS } from './workloads.mjs';

// The named workload (at --quick sizes when asked) and its batch.
export function workloadBatch(name, quick) {
  const full = WORKLOADS.find((w) => w.name === name);
  const w = quick ? quickWorkload(full) : full;
  return { w, ...makeBatch(w) };
}

// Answers requests (requests.mjs) until stdin ends; release() at the end.
export async function serveRequests({ release, ...handlers }) {
  for await (const line of createInterface({ input: process.stdin })) {
    process.stdout.write(`${JSON.stringify(await answer(JSON.parse(line), handlers))}\n`);
  }
  release();
}
