// npm run bench: EmbeddingBag forward and backward on the workloads of workloads.json,
// in long-lived processes that take turns in short rounds (the machine's
// speed drifts by 2x over seconds; interleaving gives every runner the same
// drift):
//   wasm 1T    the package, simd variant (child.mjs 1), plus a plain-JS loop;
//              also forward over the recsys / text tables as fp16 / int8 / int4
//   wasm NT    the package, simd-threaded variant on N threads (child.mjs N)
//   pair       both variants in one process (child.mjs pair N), timed in turn:
//              1T vs NT on the workloads marked threadsInOneProcess (tiny calls)
//   native     the same C++ kernels, -O3 -march=native (bench/native)
//   tfjs       tfjs-backend-wasm, the peer (tfjs_child.mjs)
//   Node <C>    the package's wasm 1T runner on another Node (child.mjs 1),
//              for the comparison across runtimes (--compare-node, default 20)
//   chromium    the same runner in a page of Debian's Chromium (browser_runner.mjs)
// The runners run on Node 24 (the official build from the runtimes cache,
// scripts/setup.sh) unless --node=20|22|26 says otherwise: the benchmark
// starts itself again on that Node.
// Prints medians, min-max, GB/s of rows gathered and ratios of this run;
// writes bench/results/latest.json. Not a test: nothing asserts on time.
//   node bench/bench.mjs [--quick] [--only=threads] [--threads=N] [--rounds=R]
//                        [--node=24] [--compare-node=20] [--browsers=chromium|none]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

import { startBrowserRunner } from './browser_runner.mjs';
import { benchCollection, printCollection } from './collection.mjs';
import { benchDlrm, printDlrm } from './dlrm.mjs';
import { benchFastText, printFastText } from './fasttext.mjs';
import { benchTraining, printTraining } from './training.mjs';
import { writeResults } from './results_md.mjs';
import { findNode, HOST_NODE, majorOf, requireNode } from './node_binary.mjs';
import { probeFits } from './probe/probe.mjs';
import { median } from './timing.mjs';
import { WORKLOADS } from './workloads.mjs';

const quick = process.argv.includes('--quick');
const stringArg = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
};
const numberArg = (name, fallback) => Number(stringArg(name, fallback));

// On the Node asked for: started again there when this one is another.
const mainNode = numberArg('node', 24);
if (majorOf(process.version) !== mainNode) {
  const { binary } = requireNode(mainNode);
  const run = spawnSync(binary, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, EBAG_BENCH_HOST_NODE: HOST_NODE },
  });
  process.exit(run.status ?? 1);
}
// The other Node the forward is compared on, and the browsers.
const compareNode = numberArg('compare-node', 20);
const otherNode = compareNode === mainNode ? null : findNode(compareNode);
if (compareNode !== mainNode && otherNode === null) console.error(`bench: Node ${compareNode} not found; its column is left out`);
const browsers = stringArg('browsers', 'chromium').split(',').filter((b) => b && b !== 'none');
const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
const nThreads = numberArg('threads', Math.max(2, Math.min(8, cores)));
// --only=threads: just the 1- and N-thread runners and their forward and
// sparse-backward series, in more rounds (the other runners stay unstarted).
const threadsOnly = process.argv.includes('--only=threads');
const rounds = numberArg('rounds', quick ? 1 : threadsOnly ? 25 : 9);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const nativeBinary = here('../build/bench/bench/native/bench_native');
// The wasm limit probe (bench/probe), built with bench_native.
const probeBuilt = existsSync(here('../build/bench/gather_probe.wasm'));
// V8's revectorizer (pairs of 128-bit operations fused into 256-bit AVX2
// ones), off by default: a runner on this Node with it on, when this Node
// knows the flag. The package never sets it; a user starts node with it.
const REVECTORIZE = '--experimental-wasm-revectorize';
const canRevectorize = spawnSync(process.execPath, [REVECTORIZE, '-e', '0']).status === 0;

// A process answering one JSON line per request (see child.mjs).
function startRunner(name, command, args) {
  const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  return {
    name,
    async ask(request) {
      proc.stdin.write(`${JSON.stringify(request)}\n`);
      const { value, done } = await replies.next();
      if (done) throw new Error(`benchmark runner '${name}' ended early`);
      return JSON.parse(value);
    },
    stop: () => new Promise((resolve) => {
      proc.on('exit', resolve);
      proc.stdin.end();
    }),
  };
}

if (!threadsOnly && !existsSync(nativeBinary)) {
  console.error(`bench: ${nativeBinary} is missing: run bash scripts/build.sh bench (npm run bench does)`);
  process.exit(1);
}
const runners = {
  one: startRunner('wasm 1T', process.execPath, ['--expose-gc', here('./child.mjs'), '1']),
  many: startRunner(`wasm ${nThreads}T`, process.execPath, ['--expose-gc', here('./child.mjs'), String(nThreads)]),
  pair: startRunner(`wasm 1T + ${nThreads}T`, process.execPath, ['--expose-gc', here('./child.mjs'), 'pair', String(nThreads)]),
  ...(threadsOnly ? {} : {
    native: startRunner('native', nativeBinary, []),
    tfjs: startRunner('tfjs', process.execPath, ['--expose-gc', here('./tfjs_child.mjs')]),
    ...(otherNode ? { otherNode: startRunner(`wasm 1T, Node ${compareNode}`, otherNode.binary, ['--expose-gc', here('./child.mjs'), '1']) } : {}),
    ...(canRevectorize ? { revectorize: startRunner(`wasm 1T, ${REVECTORIZE}`, process.execPath, ['--expose-gc', REVECTORIZE, here('./child.mjs'), '1']) } : {}),
    ...Object.fromEntries(await Promise.all(browsers.map(async (b) => [b, await startBrowserRunner(b)]))),
  }),
};
// Where users run: the wasm 1T runner on this Node, the other Node, each
// browser; and native. key -> column name.
const nodePlaces = [['one', process.version], ...(runners.otherNode ? [['otherNode', otherNode.version]] : [])]
  .sort(([, a], [, b]) => majorOf(a) - majorOf(b)).map(([key, version]) => [key, `Node ${version.slice(1)}`]);
const PLACES = threadsOnly ? {} : {
  ...Object.fromEntries(nodePlaces),
  ...(runners.revectorize ? { revectorize: `Node ${process.version.slice(1)}, ${REVECTORIZE}` } : {}),
  ...Object.fromEntries(browsers.map((b) => [b, runners[b].version.replace('/', ' ')])),
};

// What the runners can time: the package's quantized dtypes (its registry),
// the native build's kernel variants (src/kernels/kernel_sets.inc).
const { quantizedDtypes: QUANTIZED_DTYPES } = await runners.one.ask({ describe: true });
const { kernelSets: NATIVE_KERNEL_SETS, avx2: NATIVE_AVX2 } = threadsOnly
  ? { kernelSets: [], avx2: false }
  : await runners.native.ask({ describe: true });
// The dimensions bench/native/avx2_forward.h has loops for (sum and mean).
const AVX2_DIMS = [8, 16, 32, 64, 128];

// Every timed series of a workload: key -> [runner, op], or, for series
// timed in turn in one runner, name -> [runner, [op, op], [key, key]]. A
// 1-thread series and its N-thread twin are timed back to back (their ratio
// is taken per round, so a drift of the machine's speed between rounds
// cancels out).
function seriesFor(workload, hasBackward, quantizedDtypes) {
  const inTurn = (op, key) => ['pair', [`${op}@1`, `${op}@N`], [`${key}1`, `${key}N`]];
  // In one process, also the dense gradient, copied and as a view (its copy
  // out of shared memory is the threaded build's one measured cost).
  const threadPairs = workload.threadsInOneProcess
    ? {
      forwardThreads: inTurn('forward', 'forward'),
      ...(hasBackward ? { sparseThreads: inTurn('backwardSparse', 'sparse') } : {}),
      denseThreads: inTurn('backwardDense', 'denseThreads'),
      denseViewThreads: inTurn('backwardDenseView', 'denseViewThreads'),
    }
    : {
      forward1: ['one', 'forward'],
      forwardN: ['many', 'forward'],
      ...(hasBackward ? { sparse1: ['one', 'backwardSparse'], sparseN: ['many', 'backwardSparse'] } : {}),
    };
  if (threadsOnly) return threadPairs;
  const series = {
    plainJs: ['one', 'plainJs'],
    tfjs: ['tfjs', 'forward'],
    forward1View: ['one', 'forwardView'],
    forwardNative: ['native', 'forward'],
    ...threadPairs,
    denseView1: ['one', 'backwardDenseView'],
    denseNative: ['native', 'backwardDense'],
    passNxD: ['one', 'passNxD'],
  };
  if (hasBackward) {
    Object.assign(series, {
      sparseView1: ['one', 'backwardSparseView'],
      sparseNative: ['native', 'backwardSparse'],
    });
  }
  for (const dtype of quantizedDtypes) {
    series[`quantizedView_${dtype}`] = ['one', `forwardView_${dtype}`];
    series[`quantizedNative_${dtype}`] = ['native', `forward_${dtype}`];
  }
  // The FBGEMM-style AVX2 loop natively, float32 and each dtype (the native
  // reference for quantized rows).
  if (quantizedDtypes.length > 0 && NATIVE_AVX2 && AVX2_DIMS.includes(workload.dim) && ['sum', 'mean'].includes(workload.mode)) {
    for (const dtype of ['fp32', ...quantizedDtypes]) {
      series[`avx2Native_${dtype}`] = ['native', `forwardAvx2_${dtype}`];
      series[`avx2NoPrefetchNative_${dtype}`] = ['native', `forwardAvx2NoPrefetch_${dtype}`];
    }
  }
  // The same forward (into an out array, and as a view) and sparse backward
  // elsewhere: the other Node, the browsers.
  series.forward1Out = ['one', 'forwardOut'];
  for (const place of Object.keys(PLACES).filter((p) => p !== 'one')) {
    series[`forwardOut@${place}`] = [place, 'forwardOut'];
    series[`forwardView@${place}`] = [place, 'forwardView'];
    series[`plainJs@${place}`] = [place, 'plainJs'];
    if (hasBackward) series[`sparseView@${place}`] = [place, 'backwardSparseView'];
    for (const dtype of quantizedDtypes) series[`quantizedView_${dtype}@${place}`] = [place, `forwardView_${dtype}`];
  }
  // The limit probe: the simplest gather loop, in wasm where users run, and
  // natively at the same vector width (SSE) and with AVX2.
  if (probeBuilt && probeFits(workload)) {
    for (const place of Object.keys(PLACES)) series[place === 'one' ? 'probe' : `probe@${place}`] = [place, 'probe'];
    series.probeSse = ['native', 'probeSse'];
    if (NATIVE_AVX2) series.probeAvx2 = ['native', 'probeAvx2'];
  }
  // Every native kernel variant through the real drivers.
  for (const k of NATIVE_KERNEL_SETS) {
    series[`forwardNative_${k}`] = ['native', `forward@${k}`];
    if (hasBackward) series[`sparseNative_${k}`] = ['native', `backwardSparse@${k}`];
    series[`denseNative_${k}`] = ['native', `backwardDense@${k}`];
  }
  return series;
}

// The median over rounds of (1-thread time / N-thread time) within a round.
function pairedSpeedup(oneByRound, manyByRound) {
  return median(oneByRound.map((ms, round) => median(ms) / median(manyByRound[round])));
}
const minMax = (values) => [Math.min(...values), Math.max(...values)];

// Samples per round, warm-up samples (first round only) and calls per
// sample (tiny calls are timed 50 at a time), by workload size.
function runsFor(name) {
  if (quick) return { runs: 3, warmup: 1, repeat: 1 };
  return name.startsWith('tiny') ? { runs: 40, warmup: 20, repeat: 50 } : { runs: 5, warmup: 10, repeat: 1 };
}

// One workload's medians by place: forward into an out array and as a view,
// the plain-JS loop, the sparse backward (view), each quantized forward
// (view) and its speed against float32 there.
function whereOf(m, quantizedDtypes) {
  const at = (key, place) => m[place === 'one' ? key.one : `${key.other}@${place}`];
  const keys = {
    forwardOut: { one: 'forward1Out', other: 'forwardOut' },
    forwardView: { one: 'forward1View', other: 'forwardView' },
    plainJs: { one: 'plainJs', other: 'plainJs' },
    sparseView: { one: 'sparseView1', other: 'sparseView' },
    ...Object.fromEntries(quantizedDtypes.map((d) => [d, { one: `quantizedView_${d}`, other: `quantizedView_${d}` }])),
  };
  const places = Object.entries(PLACES).map(([place, name]) => {
    const ms = Object.fromEntries(Object.entries(keys).map(([what, key]) => [what, at(key, place) ?? null]));
    return { place: name, ms, outVsPlainJs: ms.plainJs / ms.forwardOut,
      vsFp32: Object.fromEntries(quantizedDtypes.map((d) => [d, ms.forwardView / ms[d]])) };
  });
  places.push({
    place: 'native', ms: { forwardOut: m.forwardNative, forwardView: m.forwardNative, plainJs: null, sparseView: m.sparseNative ?? null,
      ...Object.fromEntries(quantizedDtypes.map((d) => [d, m[`quantizedNative_${d}`]])) },
    outVsPlainJs: null, vsFp32: Object.fromEntries(quantizedDtypes.map((d) => [d, m.forwardNative / m[`quantizedNative_${d}`]])),
  });
  return places;
}

// The limit probe and our forward (view, and { out }) by place; natively
// the probe at 128 bits (SSE) and with AVX2, and our forward.
function ceilingOf(m) {
  const places = Object.entries(PLACES).map(([place, name]) => {
    const at = (one, other) => m[place === 'one' ? one : `${other}@${place}`];
    const probeMs = at('probe', 'probe');
    const viewMs = at('forward1View', 'forwardView');
    const outMs = at('forward1Out', 'forwardOut');
    return { place: name, probeMs, viewMs, outMs, viewOverProbe: viewMs / probeMs, outOverProbe: outMs / probeMs };
  });
  return {
    places,
    native: { sseMs: m.probeSse, avx2Ms: m.probeAvx2 ?? null, forwardMs: m.forwardNative },
  };
}

const infos = {};
const rows = [];
for (const workload of WORKLOADS) {
  // The workload's series, then the runners they use, prepared (every JS
  // runner answers with the same shape; rowBytes from the 1-thread one).
  const quantizedDtypes = !threadsOnly && workload.quantized ? QUANTIZED_DTYPES : [];
  const series = Object.entries(seriesFor(workload, workload.mode !== 'max', quantizedDtypes));
  let shape;
  for (const key of new Set(series.map(([, [runner]]) => runner))) {
    const reply = await runners[key].ask({ prepare: workload.name, quick });
    if (key === 'one' || (key === 'pair' && !shape)) shape = reply;
    infos[key] = reply.info ?? reply.variant ?? runners[key].name;
  }
  // key -> [ms of round 0, ...]
  const byRound = Object.fromEntries(series.flatMap(([key, [, , keys]]) => (keys ?? [key]).map((k) => [k, []])));
  const { runs, warmup, repeat } = runsFor(workload.name);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? series : [...series].reverse();
    for (const [key, [runner, op, keys]] of order) {
      const request = { runs, warmup: round === 0 ? warmup : 1, repeat };
      if (keys) {
        const { ms } = await runners[runner].ask({ timeInTurn: op, ...request });
        keys.forEach((k, i) => byRound[k].push(ms[i]));
      } else {
        byRound[key].push((await runners[runner].ask({ time: op, ...request })).ms);
      }
    }
  }
  const times = Object.fromEntries(Object.entries(byRound).map(([key, perRound]) => [key, perRound.flat()]));
  const m = Object.fromEntries(Object.entries(times).map(([key, ms]) => [key, median(ms)]));
  const gb = (shape.indices * shape.dim * 4) / 1e9;
  const ratio = (a, b) => (a === undefined || b === undefined ? null : a / b);
  rows.push({
    workload: workload.name,
    indices: shape.indices,
    dim: shape.dim,
    samples: times.forward1.length,
    medianMs: m,
    forward1RangeMs: [Math.min(...times.forward1), Math.max(...times.forward1)],
    gbPerS1: gb / (m.forward1 / 1e3),
    ratios: {
      vsPlainJs: ratio(m.plainJs, m.forward1),
      outVsPlainJs: ratio(m.plainJs, m.forward1Out),
      ...Object.fromEntries(quantizedDtypes.map((d) => [`${d}VsFp32`, ratio(m.forward1View, m[`quantizedView_${d}`])])),
      vsTfjs: ratio(m.tfjs, m.forward1),
      wasmOverNative: ratio(m.forward1, m.forwardNative),
      wasmViewOverNative: ratio(m.forward1View, m.forwardNative),
      threadSpeedup: pairedSpeedup(byRound.forward1, byRound.forwardN),
      sparseViewOverForwardView: ratio(m.sparseView1, m.forward1View),
      sparseThreadSpeedup: byRound.sparse1 ? pairedSpeedup(byRound.sparse1, byRound.sparseN) : null,
      denseThreadSpeedup: byRound.denseThreads1 ? pairedSpeedup(byRound.denseThreads1, byRound.denseThreadsN) : null,
      denseViewThreadSpeedup: byRound.denseViewThreads1 ? pairedSpeedup(byRound.denseViewThreads1, byRound.denseViewThreadsN) : null,
      denseViewOverForwardViewPlusPass: ratio(m.denseView1, m.forward1View === undefined ? undefined : m.forward1View + m.passNxD),
      // The spread of the per-round ratios (min-max), to show how much the machine moved.
      threadSpeedupRange: minMax(byRound.forward1.map((ms, r) => median(ms) / median(byRound.forwardN[r]))),
    },
    // The native build's kernel variants: forward, sparse and dense gradient.
    nativeKernels: NATIVE_KERNEL_SETS.map((k) => ({
      kernels: k,
      forwardMs: m[`forwardNative_${k}`],
      forwardGbPerS: gb / (m[`forwardNative_${k}`] / 1e3),
      sparseMs: m[`sparseNative_${k}`] ?? null,
      denseMs: m[`denseNative_${k}`],
    })),
    // Forward (view) over the same table in each dtype: bytes per row, ms,
    // speed against fp32, GB/s of rows gathered.
    quantized: quantizedDtypes.length === 0 ? null : [['fp32', shape.dim * 4, m.forward1View, m.forwardNative],
      ...quantizedDtypes.map((dtype) => [dtype, shape.rowBytes[dtype], m[`quantizedView_${dtype}`], m[`quantizedNative_${dtype}`]])]
      .map(([dtype, rowBytes, ms, nativeMs]) => ({
        dtype, rowBytes, ms, vsFp32: m.forward1View / ms, gbPerS: (shape.indices * rowBytes) / 1e9 / (ms / 1e3),
        nativeMs, nativeVsFp32: m.forwardNative / nativeMs,
        avx2Ms: m[`avx2Native_${dtype}`] ?? null,
        avx2VsFp32: m[`avx2Native_${dtype}`] === undefined ? null : m.avx2Native_fp32 / m[`avx2Native_${dtype}`],
        avx2NoPrefetchMs: m[`avx2NoPrefetchNative_${dtype}`] ?? null,
      })),
    // The same calls where users run (PLACES) and natively: ms by place.
    where: threadsOnly ? null : whereOf(m, quantizedDtypes),
    // The limit probe by place, our forward against it, and natively.
    ceiling: m.probe === undefined ? null : ceilingOf(m),
  });
}
await Promise.all(Object.values(runners).map((r) => r.stop()));

const fmt = (ms) => (ms === undefined ? '-' : ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
const x = (ratio) => (ratio === null ? '-' : `${ratio.toFixed(2)}x`);
const table = (header, cells) => {
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((row) => row[k].length)));
  const line = (row) => row.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ');
  console.log(line(header));
  for (const row of cells) console.log(line(row));
};

const fmtRange = ([lo, hi]) => `${lo.toFixed(2)}-${hi.toFixed(2)}`;
console.log(`embedding-bag-wasm bench${quick ? ' (quick sizes)' : ''}${threadsOnly ? ' --only=threads' : ''}: ` +
  `node ${process.version}, ${cores} cores, ${rounds} interleaved rounds; wasm 1T = ${infos.one.variant}, ` +
  `wasm NT = ${infos.many.variant} (${infos.many.threads}); ` +
  `${WORKLOADS.filter((w) => w.threadsInOneProcess).map((w) => w.name).join(', ')}: 1T and NT timed in turn in one process` +
  (threadsOnly ? '' : `, native = same kernels -O3 -march=native, tfjs = ${infos.tfjs}`));
if (threadsOnly) {
  console.log('\n1 vs N threads, ms (medians); NT/1T = median over rounds of the ratio within a round (min-max of those)');
  table(['workload', 'indices', 'D', 'forward 1T', 'forward NT', 'NT/1T', 'round ratios', 'sparse 1T', 'sparse NT', 'NT/1T'],
    rows.map((r) => [r.workload, String(r.indices), String(r.dim), fmt(r.medianMs.forward1), fmt(r.medianMs.forwardN),
      x(r.ratios.threadSpeedup), fmtRange(r.ratios.threadSpeedupRange), fmt(r.medianMs.sparse1), fmt(r.medianMs.sparseN),
      x(r.ratios.sparseThreadSpeedup)]));
} else {
  console.log('\nforward, ms (medians); "view" = forward(..., { copy: false }); NT/1T = median over rounds of the ratio within a round');
  table(['workload', 'indices', 'D', 'plain JS', 'tfjs', 'wasm 1T (min-max)', 'GB/s', 'x JS', 'x tfjs', 'wasm view', 'native', 'wasm/native', 'view/native', 'wasm NT', 'NT/1T'],
    rows.map((r) => [r.workload, String(r.indices), String(r.dim), fmt(r.medianMs.plainJs), fmt(r.medianMs.tfjs),
      `${fmt(r.medianMs.forward1)} (${fmt(r.forward1RangeMs[0])}-${fmt(r.forward1RangeMs[1])})`, r.gbPerS1.toFixed(2),
      x(r.ratios.vsPlainJs), x(r.ratios.vsTfjs), fmt(r.medianMs.forward1View), fmt(r.medianMs.forwardNative),
      x(r.ratios.wasmOverNative), x(r.ratios.wasmViewOverNative), fmt(r.medianMs.forwardN), x(r.ratios.threadSpeedup)]));
  console.log('\nbackward, ms (medians): sparse gradient (1T, view, native, NT) and dense gradient (view) against forward (view) + one pass over N x D');
  table(['workload', 'sparse 1T', 'sparse view', 'view/fwd view', 'native', 'sparse NT', 'NT/1T', 'dense view', 'fwd view + pass', 'dense/(fwd+pass)', 'native dense'],
    rows.map((r) => [r.workload, fmt(r.medianMs.sparse1), fmt(r.medianMs.sparseView1), x(r.ratios.sparseViewOverForwardView),
      fmt(r.medianMs.sparseNative), fmt(r.medianMs.sparseN), x(r.ratios.sparseThreadSpeedup), fmt(r.medianMs.denseView1),
      fmt(r.medianMs.forward1View + r.medianMs.passNxD), x(r.ratios.denseViewOverForwardViewPlusPass), fmt(r.medianMs.denseNative)]));
  console.log('\nnative kernel variants (src/kernels/kernel_sets.inc) through the real drivers, one thread, ms (medians)');
  table(['workload', 'kernels', 'forward', 'GB/s', 'sparse', 'dense'],
    rows.flatMap((r) => r.nativeKernels.map((k) => [r.workload, k.kernels, fmt(k.forwardMs), k.forwardGbPerS.toFixed(2),
      k.sparseMs === null ? '-' : fmt(k.sparseMs), fmt(k.denseMs)])));
  console.log(`\nquantized tables: forward (view, 1T), ms (medians), over the same table stored as ${['fp32', ...QUANTIZED_DTYPES].join(' / ')}`);
  const orDash = (v) => (v === null ? '-' : fmt(v));
  table(['workload', 'dtype', 'bytes/row', 'forward view', 'x fp32', 'GB/s of rows', 'native', 'x fp32', 'native AVX2', 'x fp32', 'AVX2 no prefetch'],
    rows.filter((r) => r.quantized).flatMap((r) => r.quantized.map((q) => [r.workload, q.dtype, String(q.rowBytes), fmt(q.ms),
      x(q.vsFp32), q.gbPerS.toFixed(2), fmt(q.nativeMs), x(q.nativeVsFp32), orDash(q.avx2Ms), x(q.avx2VsFp32), orDash(q.avx2NoPrefetchMs)])));
}
if (!threadsOnly) {
  console.log('\nwhere users run: one thread, ms (medians); out = forward(..., { out }), view = { copy: false }; quantized: forward (view)');
  const cols = rows[0].where.map((p) => p.place);
  table(['workload', 'call', ...cols], rows.flatMap((r) => Object.keys(r.where[0].ms).map((what) => [r.workload, what,
    ...r.where.map((p) => (p.ms[what] === null || p.ms[what] === undefined ? '-' : fmt(p.ms[what])))])));
}
const ceilingRows = rows.filter((r) => r.ceiling);
if (ceilingRows.length > 0) {
  console.log('\nthe limit probe (bench/probe: the simplest gather loop) and our forward, one thread, ms (medians)');
  table(['workload', 'place', 'probe', 'forward view', 'view/probe', 'forward out', 'out/probe'],
    ceilingRows.flatMap((r) => [...r.ceiling.places.map((p) => [r.workload, p.place, fmt(p.probeMs), fmt(p.viewMs), x(p.viewOverProbe),
      fmt(p.outMs), x(p.outOverProbe)]),
    [r.workload, 'native SSE / AVX2 probe, our forward', `${fmt(r.ceiling.native.sseMs)} / ${fmt(r.ceiling.native.avx2Ms ?? undefined)}`,
      fmt(r.ceiling.native.forwardMs), '', '', '']]));
}
const denseRows = rows.filter((r) => r.ratios.denseThreadSpeedup !== null);
if (denseRows.length > 0) {
  console.log('\ndense gradient, 1 vs N threads timed in turn in one process, ms (medians): copied (the default) and as a view');
  table(['workload', 'dense 1T', 'dense NT', 'NT/1T', 'view 1T', 'view NT', 'NT/1T'],
    denseRows.map((r) => [r.workload, fmt(r.medianMs.denseThreads1), fmt(r.medianMs.denseThreadsN), x(r.ratios.denseThreadSpeedup),
      fmt(r.medianMs.denseViewThreads1), fmt(r.medianMs.denseViewThreadsN), x(r.ratios.denseViewThreadSpeedup)]));
}

// EmbeddingBagCollection: its own runners (collection.mjs), after the others.
const collection = threadsOnly ? undefined : await benchCollection({ rounds: quick ? 1 : 7, threads: nThreads, quick });
if (collection) printCollection(collection, table, fmt, x);

// fastText: predictBatch against fastText's CLI (fasttext.mjs).
const fastText = threadsOnly ? undefined : await benchFastText({ rounds: quick ? 1 : 7, quick });
if (fastText) printFastText(fastText, table, fmt, x);

// A whole model: examples/dlrm against the same model all in onnxruntime-web (dlrm.mjs).
const dlrm = threadsOnly ? undefined : benchDlrm({ rounds: quick ? 1 : 7, quick });
if (dlrm) printDlrm(dlrm, table, fmt, x);

// Training: step() with each optimizer (training.mjs).
const training = threadsOnly ? undefined : await benchTraining({ rounds: quick ? 1 : 5, threads: nThreads, quick });
if (training) printTraining(training, table, fmt, x);

// The module each variant ships: raw, and as a server would send it.
const moduleSizes = ['simd', 'simd_threaded'].map((variant) => {
  const bytes = readFileSync(here(`../dist/embedding_bag_${variant}.wasm`));
  return {
    variant: variant.replace('_', '-'), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
console.log(`\nmodule sizes (bytes): ${moduleSizes.map((m) => `${m.variant} ${m.raw} (gzip ${m.gzip}, brotli ${m.brotli})`).join(', ')}`);

const outDir = here('./results/');
mkdirSync(outDir, { recursive: true });
const file = `${outDir}${quick ? 'quick' : 'latest'}${threadsOnly ? '-threads' : ''}.json`;
writeFileSync(file, `${JSON.stringify({
  date: new Date().toISOString(), node: process.version, cores, cpu: cpus()[0]?.model, quick, threads: nThreads, rounds,
  runners: infos, places: PLACES, moduleSizes, rows, collection, fastText, dlrm, training,
}, null, 2)}\n`);
console.log(`\nwrote ${file}`);
if (!quick && !threadsOnly) {
  writeResults();
  console.log('wrote bench/RESULTS.md and the README\'s summary table from it');
}
