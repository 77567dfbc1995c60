// A runner process of the collection and training benchmarks: started with
// its arguments, asked for one round at a time ("round" on its stdin), it
// answers each with one JSON line of medians; "stop" (or stdin's end) ends it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export function startRoundRunner(script, args) {
  const child = spawn(process.execPath, [fileURLToPath(script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()(JSON.parse(line)));
  return {
    round: () => new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin.write('round\n');
    }),
    stop: () => child.stdin.end('stop\n'),
  };
}
