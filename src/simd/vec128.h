// Internal: the only place that names SIMD intrinsics. 128-bit vectors of
// four float32 / int32 lanes, with WebAssembly SIMD (-msimd128) underneath
// where available and a plain four-lane array elsewhere (the native build), so
// the same kernel source runs and is tested in both.
//
// Partial loads and stores (n = 1..3 lanes) never touch memory past lane n-1:
// the last row of a table may end at the end of the heap.
#pragma once

#include <cstdint>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define EBAG_VEC128_ISA "wasmsimd"
#else
#define EBAG_VEC128_ISA "portable"
#endif

namespace ebag::simd {

#if defined(__wasm_simd128__)

struct F32x4 { v128_t v; };
struct I32x4 { v128_t v; };
struct M32x4 { v128_t v; };  // all-ones / all-zeros lanes

inline F32x4 zero_f32x4() { return {wasm_f32x4_splat(0.0f)}; }
inline F32x4 splat(float x) { return {wasm_f32x4_splat(x)}; }
inline I32x4 splat_i32(int32_t x) { return {wasm_i32x4_splat(x)}; }
inline F32x4 load(const float* p) { return {wasm_v128_load(p)}; }
inline void store(float* p, F32x4 a) { wasm_v128_store(p, a.v); }
inline void store(int32_t* p, I32x4 a) { wasm_v128_store(p, a.v); }

inline F32x4 load_partial(const float* p, int64_t n) {  // n in 1..3, other lanes 0
  if (n == 1) return {wasm_v128_load32_zero(p)};
  v128_t v = wasm_v128_load64_zero(p);
  if (n == 3) v = wasm_v128_load32_lane(p + 2, v, 2);
  return {v};
}
inline void store_partial(float* p, F32x4 a, int64_t n) {
  if (n == 1) { wasm_v128_store32_lane(p, a.v, 0); return; }
  wasm_v128_store64_lane(p, a.v, 0);
  if (n == 3) wasm_v128_store32_lane(p + 2, a.v, 2);
}
inline void store_partial(int32_t* p, I32x4 a, int64_t n) {
  if (n == 1) { wasm_v128_store32_lane(p, a.v, 0); return; }
  wasm_v128_store64_lane(p, a.v, 0);
  if (n == 3) wasm_v128_store32_lane(p + 2, a.v, 2);
}

inline F32x4 add(F32x4 a, F32x4 b) { return {wasm_f32x4_add(a.v, b.v)}; }
inline F32x4 mul(F32x4 a, F32x4 b) { return {wasm_f32x4_mul(a.v, b.v)}; }
inline M32x4 greater(F32x4 a, F32x4 b) { return {wasm_f32x4_gt(a.v, b.v)}; }
// x where x > acc, else acc (so ties and NaN in x keep acc): f32x4.pmax(acc, x)
// is defined as acc < x ? x : acc, one instruction where a select is several.
inline F32x4 max_keep_first(F32x4 acc, F32x4 x) { return {wasm_f32x4_pmax(acc.v, x.v)}; }
inline F32x4 select(M32x4 m, F32x4 if_set, F32x4 if_clear) {
  return {wasm_v128_bitselect(if_set.v, if_clear.v, m.v)};
}
inline I32x4 select(M32x4 m, I32x4 if_set, I32x4 if_clear) {
  return {wasm_v128_bitselect(if_set.v, if_clear.v, m.v)};
}
inline float lane(F32x4 a, int k) {
  switch (k) {
    case 0: return wasm_f32x4_extract_lane(a.v, 0);
    case 1: return wasm_f32x4_extract_lane(a.v, 1);
    case 2: return wasm_f32x4_extract_lane(a.v, 2);
    default: return wasm_f32x4_extract_lane(a.v, 3);
  }
}

#else  // portable four-lane arrays, same lane semantics

struct F32x4 { float l[4]; };
struct I32x4 { int32_t l[4]; };
struct M32x4 { bool l[4]; };

inline F32x4 zero_f32x4() { return {{0.0f, 0.0f, 0.0f, 0.0f}}; }
inline F32x4 splat(float x) { return {{x, x, x, x}}; }
inline I32x4 splat_i32(int32_t x) { return {{x, x, x, x}}; }
inline F32x4 load(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
inline void store(float* p, F32x4 a) { for (int k = 0; k < 4; ++k) p[k] = a.l[k]; }
inline void store(int32_t* p, I32x4 a) { for (int k = 0; k < 4; ++k) p[k] = a.l[k]; }
inline F32x4 load_partial(const float* p, int64_t n) {
  F32x4 r = zero_f32x4();
  for (int64_t k = 0; k < n; ++k) r.l[k] = p[k];
  return r;
}
inline void store_partial(float* p, F32x4 a, int64_t n) { for (int64_t k = 0; k < n; ++k) p[k] = a.l[k]; }
inline void store_partial(int32_t* p, I32x4 a, int64_t n) { for (int64_t k = 0; k < n; ++k) p[k] = a.l[k]; }
inline F32x4 add(F32x4 a, F32x4 b) {
  F32x4 r;
  for (int k = 0; k < 4; ++k) r.l[k] = a.l[k] + b.l[k];
  return r;
}
inline F32x4 mul(F32x4 a, F32x4 b) {
  F32x4 r;
  for (int k = 0; k < 4; ++k) r.l[k] = a.l[k] * b.l[k];
  return r;
}
inline M32x4 greater(F32x4 a, F32x4 b) {
  M32x4 r;
  for (int k = 0; k < 4; ++k) r.l[k] = a.l[k] > b.l[k];
  return r;
}
inline F32x4 max_keep_first(F32x4 acc, F32x4 x) {
  F32x4 r;
  for (int k = 0; k < 4; ++k) r.l[k] = acc.l[k] < x.l[k] ? x.l[k] : acc.l[k];
  return r;
}
inline F32x4 select(M32x4 m, F32x4 if_set, F32x4 if_clear) {
  F32x4 r;
  for (int k = 0; k < 4; ++k) r.l[k] = m.l[k] ? if_set.l[k] : if_clear.l[k];
  return r;
}
inline I32x4 select(M32x4 m, I32x4 if_set, I32x4 if_clear) {
  I32x4 r;
  for (int k = 0; k < 4; ++k) r.l[k] = m.l[k] ? if_set.l[k] : if_clear.l[k];
  return r;
}
inline float lane(F32x4 a, int k) { return a.l[k]; }

#endif

// (lane0 + lane1) + (lane2 + lane3): the fixed order the reference dot4 uses.
inline float reduce_pairwise(F32x4 a) { return (lane(a, 0) + lane(a, 1)) + (lane(a, 2) + lane(a, 3)); }

}  // namespace ebag::simd
