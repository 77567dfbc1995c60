// The benchmark workloads of bench/workloads.json (which the native runner
// reads too) and the batch every runner builds from them: the same data in
// every process, from a fixed seed.
import { readFileSync } from 'node:fs';

import { capWorkload } from './batch.mjs';

const spec = JSON.parse(readFileSync(new URL('./workloads.json', import.meta.url), 'utf8'));

export const WORKLOADS = spec.workloads;

// --quick (npm test): the same code paths on small sizes.
export const quickWorkload = (w) => capWorkload(w, spec.quick);

export { makeBatch } from './batch.mjs';
