// The runner side of bench.mjs's protocol, shared by the JS runners (the
// native runner speaks the same in C++): one JSON request per stdin line,
// one JSON reply per stdout line.
//   -> { prepare: 'recsys', quick }   <- what prepare() returns
//   -> { time: <op>, runs, warmup }   <- { ms: [...] }
import { createInterface } from 'node:readline';

import { timeRuns } from './timing.mjs';
import { makeBatch, quickWorkload, WORKLOADS } from './workloads.mjs';

// The named workload (at --quick sizes when asked) and its batch.
export function workloadBatch(name, quick) {
  const full = WORKLOADS.find((w) => w.name === name);
  const w = quick ? quickWorkload(full) : full;
  return { w, ...makeBatch(w) };
}

// Answers requests until stdin ends: prepare(name, quick) -> reply object;
// operation(op) -> the function to time; release() at the end.
export async function serveRequests({ prepare, operation, release }) {
  for await (const line of createInterface({ input: process.stdin })) {
    const request = JSON.parse(line);
    const reply = request.prepare
      ? prepare(request.prepare, request.quick)
      : { ms: timeRuns(operation(request.time), request.runs, request.warmup) };
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
  release();
}
