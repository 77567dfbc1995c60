// The limit probe of `npm run bench`: the simplest register-blocked gather
// loop for sum / mean bags, written once with the compilers' generic vectors
// and built three ways -- wasm SIMD with the package's toolchain
// (scripts/build.sh bench: gather_probe.wasm), natively at the same 128-bit
// width (SSE) and natively with AVX2 (bench_native). No validation, no
// padding, no weights, no partial vectors: D must be a multiple of
// kBlockFloats. What it measures is what the rows can give on a runtime, not
// what the package does; the package's forward is compared with it.
#include <stdint.h>
#include <string.h>

#ifndef PROBE_VEC_BYTES
#define PROBE_VEC_BYTES 16
#endif
#ifndef PROBE_NAME
#define PROBE_NAME probe_forward
#endif

typedef float Vec __attribute__((vector_size(PROBE_VEC_BYTES)));
enum { kLanes = PROBE_VEC_BYTES / 4, kBlockFloats = 64, kVecs = kBlockFloats / kLanes };

static inline Vec load(const float* p) {
  Vec v;
  memcpy(&v, p, sizeof v);  // unaligned
  return v;
}

// out[b] = sum of the rows of bag b (times 1 / its length when mean), bags
// given by offsets into indices (offsets[bags] == the number of indices).
// Returns 0, or -1 when dim is not a multiple of the block.
int PROBE_NAME(const float* table, int32_t dim, const int32_t* indices, const int32_t* offsets, int32_t bags,
               int32_t mean, float* out) {
  if (dim % kBlockFloats != 0) return -1;
  for (int32_t b = 0; b < bags; ++b) {
    const int32_t begin = offsets[b], end = offsets[b + 1];
    for (int32_t col = 0; col < dim; col += kBlockFloats) {
      Vec acc[kVecs];
      for (int v = 0; v < kVecs; ++v) acc[v] = (Vec){0};
      for (int32_t k = begin; k < end; ++k) {
        const float* row = table + (intptr_t)indices[k] * dim + col;
        for (int v = 0; v < kVecs; ++v) acc[v] += load(row + v * kLanes);
      }
      if (mean && end > begin) {
        const float scale = 1.0f / (float)(end - begin);
        for (int v = 0; v < kVecs; ++v) acc[v] *= scale;
      }
      for (int v = 0; v < kVecs; ++v) memcpy(out + (intptr_t)b * dim + col + v * kLanes, &acc[v], sizeof acc[v]);
    }
  }
  return 0;
}
