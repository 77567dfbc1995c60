// A runner's answer to one request of bench.mjs's protocol
// (runner_protocol.mjs), in any JS environment (Node runners, the bench
// page): describe() -> reply object; prepare(name, quick) -> reply object;
// operation(op) -> the function to time.
import { timeRuns, timeRunsInTurn } from './timing.mjs';

export function answer(request, { describe = () => ({}), prepare, operation }) {
  if (request.describe) return describe();
  if (request.prepare) return prepare(request.prepare, request.quick);
  const repeat = request.repeat ?? 1;
  const sampleOf = (name) => {
    const op = operation(name);
    if (op === undefined) throw new Error(`this runner cannot time '${name}'`);
    return repeat === 1 ? op : () => { for (let r = 0; r < repeat; r++) op(); };
  };
  const perCall = (ms) => ms.map((t) => t / repeat);
  const reply = request.timeInTurn
    ? { ms: timeRunsInTurn(request.timeInTurn.map(sampleOf), request.runs, request.warmup).map(perCall) }
    : { ms: perCall(timeRuns(sampleOf(request.time), request.runs, request.warmup)) };
  // Collect this runner's garbage now (Node runners get --expose-gc), so
  // that V8's background GC threads do not run into the next runner's
  // samples: on 2 cores they took a core from the threaded variant.
  globalThis.gc?.();
  return reply;
}
