// The wasm module's lifecycle, in one place:
//   1. an entry point (index.node.mjs / index.browser.mjs) registers its
//      platform: how to load a variant, how many cores there are;
//   2. init() picks a variant, loads it once, starts its threads and reads its
//      registry (registry.mjs);
//   3. calls reach the module through requireModule() and read its memory
//      through heap();
//   4. shutdown() stops the threads and drops the module; bags made before
//      refuse to work (generation()), and init() may load it again.
import { loadRegistry } from './registry.mjs';
import { parseInitOptions } from './options.mjs';

const MAX_AUTO_THREADS = 8;

let platform = null;
let wasm = null; // the loaded Emscripten module
let loading = null;
let info = null;
let generationCount = 0; // bumped by shutdown()

// Views of the wasm heap, re-made when the memory has grown. With threads the
// heap is a SharedArrayBuffer: growing it does not detach old views, they
// silently keep the old length, so never hold one across a call.
// heap(end) only asks for the memory's buffer (a slow getter) when
// the current views do not reach byte `end`: a detached view has length 0,
// and an old view of shared memory still aliases the same bytes.
let views = null;
// Every buffer the heap has been while the package made views of it: with
// threads, a view made before the memory grew is a view of an older
// SharedArrayBuffer over the same memory (not the current buffer), and must
// still count as wasm memory. Views of the heap are only ever made of a
// buffer heap() returned, so no other buffer of wasm memory reaches a caller.
let heapBuffers = new WeakSet();
export function heap(end = Infinity) {
  if (views === null || views.u8.length < end) {
    const buffer = wasm.wasmMemory ? wasm.wasmMemory.buffer : wasm.HEAPU8.buffer;
    if (!views || views.buffer !== buffer) {
      heapBuffers.add(buffer);
      views = { buffer, u8: new Uint8Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer), last: null };
    }
  }
  return views;
}

/** Whether `buffer` is (or was, before the memory grew) the wasm heap's. */
export function isHeapBuffer(buffer) {
  return heapBuffers.has(buffer);
}

/**
 * A view of `count` float32 ('f32') or int32 ('i32') elements of the heap at
 * byte `ptr`. The last one made is kept and returned again for the same
 * request (a loop of calls reads the same result buffer each time, and a
 * new view costs more than copying a small result); it goes with the views
 * when the memory grows or the module is shut down.
 */
export function heapView(kind, ptr, count) {
  const v = heap(ptr + count * 4);
  const last = v.last;
  if (last !== null && last.ptr === ptr && last.count === count && last.kind === kind) return last.view;
  const view = kind === 'i32' ? new Int32Array(v.buffer, ptr, count) : new Float32Array(v.buffer, ptr, count);
  v.last = { kind, ptr, count, view };
  return view;
}

/**
 * Thrown by a platform's loadVariant('simd-threaded') when its workers cannot
 * start (a policy blocks them, their script cannot be fetched, they do not
 * answer in time): init() then loads the simd variant and reports the
 * message as info.reason.
 */
export class ThreadsBlocked extends Error {}

/** Registered by the entry point before anything else runs. */
export function setPlatform(p) {
  platform = p;
}

/** The platform (weight loaders read files through it). */
export const currentPlatform = () => platform;

/** Which load of the module is current: bags remember theirs. */
export const generation = () => generationCount;

/**
 * Loads the wasm module. Call (and await) once before anything else; later
 * calls return the same info (call shutdown() first to load it anew).
 * options.threads: 'auto' (default: min(8, cores) where threads can work) or
 * a number; > 1 loads the simd-threaded variant, 1 the simd one.
 * options.minParallelWork: calls with fewer bag entries x embeddingDim stay on
 * the calling thread.
 */
export async function init(options = {}) {
  const { threads, minParallelWork, wasmPaths } = parseInitOptions(options);
  if (info) return { ...info };
  if (!loading) {
    loading = (async () => {
      if (!platform) throw new Error('embedding-bag-wasm: no platform registered (import the package entry, not js/module.mjs)');
      if (!platform.simdSupported()) {
        throw new Error('embedding-bag-wasm needs WebAssembly SIMD (Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)');
      }
      const asked = threads === 'auto' ? Math.min(MAX_AUTO_THREADS, platform.cores()) : threads;
      let why = asked > 1 ? platform.threadsUnavailable() : null;
      let module = null;
      if (asked > 1 && !why) {
        try {
          module = await platform.loadVariant('simd-threaded', { wasmPaths, poolSize: asked - 1 });
        } catch (error) {
          if (!(error instanceof ThreadsBlocked)) throw error;
          why = error.message;
        }
      }
      const count = module === null ? 1 : asked;
      const variant = count > 1 ? 'simd-threaded' : 'simd';
      if (module === null) module = await platform.loadVariant('simd', { wasmPaths, poolSize: 0 });
      const running = module.startThreads(count);
      module.setMinParallelWork(minParallelWork);
      module.setWideSumBlocks(platform.fusesSimdPairs?.() === true);
      if (count > 1) platform.threadsStarted(module);
      loadRegistry(module);
      const loaded = { variant, simd: true, threads: running };
      if (why) loaded.reason = why;
      wasm = module;
      views = null;
      info = loaded;
    })();
  }
  try {
    await loading;
  } catch (error) {
    loading = null;
    throw error;
  }
  return { ...info };
}

/**
 * Stops the worker threads and unloads the module. Bags made before no
 * longer work; init() may be called again.
 */
export function shutdown() {
  if (!wasm) return;
  wasm.stopThreads();
  if (wasm.PThread) wasm.PThread.terminateAllThreads();
  wasm = null;
  views = null;
  info = null;
  loading = null;
  generationCount++;
}

/** Whether a module is loaded. */
export const loaded = () => wasm !== null;

/** The loaded module, or the Error users see before init(). */
export function requireModule() {
  if (!wasm) throw new Error('embedding-bag-wasm is not initialised: call `await init()` first');
  return wasm;
}

/** Heap size and the bytes malloc has handed out (leak checks). */
export function memoryInfo() {
  const m = requireModule();
  return { heapBytes: heap().buffer.byteLength, allocatedBytes: m.allocatedHeapBytes() };
}

