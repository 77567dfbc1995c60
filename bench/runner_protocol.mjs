// The runner side of bench.mjs's protocol, shared by the JS runners (the
// native runner speaks the same in C++): one JSON request per stdin line,
// one JSON reply per stdout line.
//   -> { describe: true }   <- what the runner can time (quantizedDtypes of the
//      package's registry; the native runner: its kernelSets)
//   -> { prepare: 'recsys', quick }   <- what prepare() returns
//   -> { time: <op>, runs, warmup, repeat }   <- { ms: [...] }   (ms per call;
//      a sample times `repeat` calls, so that tiny calls are not lost in the timer's grain)
//   -> { timeInTurn: [<op>, <op>], runs, warmup, repeat }   <- { ms: [[...], [...]] }
//      (the ops' samples taken in turn)
import { createInterface } from 'node:readline';

import { timeRuns, timeRunsInTurn } from './timing.mjs';
import { makeBatch, quickWorkload, WORKLOADS } from './workloads.mjs';

// The named workload (at --quick sizes when asked) and its batch.
export function workloadBatch(name, quick) {
  const full = WORKLOADS.find((w) => w.name === name);
  const w = quick ? quickWorkload(full) : full;
  return { w, ...makeBatch(w) };
}

// Answers requests until stdin ends: describe() -> reply object;
// prepare(name, quick) -> reply object; operation(op) -> the function to
// time; release() at the end.
export async function serveRequests({ describe = () => ({}), prepare, operation, release }) {
  for await (const line of createInterface({ input: process.stdin })) {
    const request = JSON.parse(line);
    let reply;
    if (request.describe) {
      reply = describe();
    } else if (request.prepare) {
      reply = prepare(request.prepare, request.quick);
    } else {
      const repeat = request.repeat ?? 1;
      const sampleOf = (name) => {
        const op = operation(name);
        return repeat === 1 ? op : () => { for (let r = 0; r < repeat; r++) op(); };
      };
      const perCall = (ms) => ms.map((t) => t / repeat);
      reply = request.timeInTurn
        ? { ms: timeRunsInTurn(request.timeInTurn.map(sampleOf), request.runs, request.warmup).map(perCall) }
        : { ms: perCall(timeRuns(sampleOf(request.time), request.runs, request.warmup)) };
      // Collect this runner's garbage now (runners get --expose-gc), so that
      // V8's background GC threads do not run into the next runner's samples:
      // on 2 cores they took a core from the threaded variant.
      globalThis.gc?.();
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
  release();
}
