// Feature probes shared by the Node and browser entries.

// A module whose one function does i32.const 0; i8x16.splat; drop: it
// validates only where WebAssembly SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
]);

// A module with one shared memory (limits flag 3: maximum + shared): it
// validates only where WebAssembly threads are supported.
const THREADS_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1]);

export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

// Why the threaded variant cannot run here, or null when it can.
export function threadsUnavailable() {
  if (typeof SharedArrayBuffer !== 'function') {
    return 'SharedArrayBuffer is not available' +
      (globalThis.crossOriginIsolated === false
        ? ': the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
        : '');
  }
  if (globalThis.crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (!WebAssembly.validate(THREADS_PROBE)) return 'this WebAssembly engine has no threads (shared memory)';
  return null;
}

// File names of a variant in dist/: 'simd-threaded' -> embedding_bag_simd_threaded.
export function variantStem(variant) {
  return `embedding_bag_${variant.replace('-', '_')}`;
}
