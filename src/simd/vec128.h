// Internal: the only place that names SIMD intrinsics. 128-bit vectors of
// four float32 / int32 lanes, with WebAssembly SIMD (-msimd128) underneath
// where available and the compiler's generic vectors elsewhere (the native
// build), so the same kernel source runs and is tested in both.
//
// Partial loads and stores (n = 1..3 lanes) never touch memory past lane n-1:
// the last row of a table may end at the end of the heap.
#pragma once

#include <cstdint>
#include <cstring>

// Full unrolling of a loop with a constant trip count (block loops whose
// vectors must stay in registers, not in an array on the stack).
// EBAG_UNROLL_BOUNDED: the same for a loop whose bound also depends on a
// template constant (j < 4 && g + j < kVecs): clang unrolls it, GCC only
// unrolls a trip count it knows at the pragma (it would warn and ignore it).
#if defined(__clang__)
#define EBAG_UNROLL _Pragma("unroll")
#define EBAG_UNROLL_BOUNDED _Pragma("unroll")
#elif defined(__GNUC__)
#define EBAG_UNROLL _Pragma("GCC unroll 16")
#define EBAG_UNROLL_BOUNDED
#else
#define EBAG_UNROLL
#define EBAG_UNROLL_BOUNDED
#endif

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

// The constants of the decodes below, loaded once before a kernel's row
// loop and passed in. V8 materialises a vector constant at every use (three
// x64 instructions each: a float16 decode has four), where a value loaded
// from memory stays in a register, or is read from its stack slot by the
// instruction that uses it. kDecodeConstants is defined in another
// translation unit (vec128.cc), so the compiler cannot fold the loads back
// into constants.
struct DecodeConstants {
  v128_t two_pow_23;      // 0x4b000000 in each int32 lane
  v128_t low_nibbles;     // 0x0f in each byte
  v128_t half_place;      // 0x8fffe000: a shifted half's sign, exponent and mantissa bits
  v128_t half_scale;      // 2^112 as float32
  v128_t half_exponent;   // 0x00007c00
  v128_t float_exponent;  // 0x7f800000
  // The same, for halves in 16-bit lanes (load_half16):
  v128_t half_high_mask;      // 0x8fff: a half shifted right by 3, less its sign's copies
  v128_t half_exponent_16;    // 0x7c00
  v128_t float_exponent_16;   // 0x7f80: a float's exponent bits, in its upper half
};
extern const DecodeConstants kDecodeConstants;
inline DecodeConstants decode_constants() { return kDecodeConstants; }

// Quantized codes as float32 lanes. uint8 codes: load_u8x4 reads p[0..3];
// load_u8x16 p[0..15] into out[0..3]. 4-bit codes (column c in byte c / 2,
// the low nibble first): load_u4x4 reads p[0..1], load_u4x16 p[0..7].
// Codes become floats exactly as 2^23 + code (OR-ed into 2^23's bits) minus
// 2^23: two vector ops (LLVM 14 turns a convert of zero-extended lanes into
// per-lane scalar conversions).
inline F32x4 code_lanes_to_f32(v128_t codes, const DecodeConstants& c) {
  return {wasm_f32x4_sub(wasm_v128_or(codes, c.two_pow_23), c.two_pow_23)};
}
inline F32x4 widen_low_u8(v128_t bytes, const DecodeConstants& c) {
  return code_lanes_to_f32(wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(bytes)), c);
}
inline void widen_u8x16(v128_t bytes, F32x4* out, const DecodeConstants& c) {
  const v128_t lo = wasm_u16x8_extend_low_u8x16(bytes);
  const v128_t hi = wasm_u16x8_extend_high_u8x16(bytes);
  out[0] = code_lanes_to_f32(wasm_u32x4_extend_low_u16x8(lo), c);
  out[1] = code_lanes_to_f32(wasm_u32x4_extend_high_u16x8(lo), c);
  out[2] = code_lanes_to_f32(wasm_u32x4_extend_low_u16x8(hi), c);
  out[3] = code_lanes_to_f32(wasm_u32x4_extend_high_u16x8(hi), c);
}
// Bytes b0 b1 .. -> codes lo(b0) hi(b0) lo(b1) hi(b1) .. (the first 8 bytes).
inline v128_t split_nibbles(v128_t bytes, const DecodeConstants& c) {
  const v128_t lo = wasm_v128_and(bytes, c.low_nibbles);
  const v128_t hi = wasm_u8x16_shr(bytes, 4);
  return wasm_i8x16_shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
inline F32x4 load_u8x4(const uint8_t* p, const DecodeConstants& c) { return widen_low_u8(wasm_v128_load32_zero(p), c); }
inline void load_u8x16(const uint8_t* p, F32x4* out, const DecodeConstants& c) { widen_u8x16(wasm_v128_load(p), out, c); }
inline F32x4 load_u4x4(const uint8_t* p, const DecodeConstants& c) {
  return widen_low_u8(split_nibbles(wasm_v128_load16_splat(p), c), c);
}
inline void load_u4x16(const uint8_t* p, F32x4* out, const DecodeConstants& c) {
  widen_u8x16(split_nibbles(wasm_v128_load64_zero(p), c), out, c);
}
// IEEE binary16 bits, sign-extended to 32-bit lanes -> float32, exactly:
// sign and magnitude moved into a float's places and scaled by 2^112 (exact
// for normal and subnormal halves); an all-ones half exponent (inf / NaN)
// gets an all-ones float one.
inline F32x4 half_lanes_to_f32(v128_t h, const DecodeConstants& c) {
  const v128_t placed = wasm_v128_and(wasm_i32x4_shl(h, 13), c.half_place);
  const v128_t f = wasm_f32x4_mul(placed, c.half_scale);
  const v128_t inf_or_nan = wasm_i32x4_eq(wasm_v128_and(h, c.half_exponent), c.half_exponent);
  return {wasm_v128_or(f, wasm_v128_and(inf_or_nan, c.float_exponent))};
}
// float16 values: load_half4 reads 8 bytes, load_half16 32 (into out[0..3]),
// load_half_partial 2n bytes (n = 1..3, other lanes 0).
inline F32x4 load_half4(const uint8_t* p, const DecodeConstants& c) {
  return half_lanes_to_f32(wasm_i32x4_extend_low_i16x8(wasm_v128_load64_zero(p)), c);
}
// Eight halves at once, as half_lanes_to_f32 four: the float's upper and
// lower 16 bits are made in 16-bit lanes (h >> 3 masked, and h << 13) and
// interleaved into 32-bit lanes, the infinity / NaN patch likewise; the same
// bits for every half in fewer operations (fewer widenings).
inline void halves8_to_f32(v128_t h, F32x4* out, const DecodeConstants& c) {
  const v128_t low = wasm_i16x8_shl(h, 13);
  const v128_t high = wasm_v128_and(wasm_i16x8_shr(h, 3), c.half_high_mask);
  const v128_t f0 = wasm_f32x4_mul(wasm_i16x8_shuffle(low, high, 0, 8, 1, 9, 2, 10, 3, 11), c.half_scale);
  const v128_t f1 = wasm_f32x4_mul(wasm_i16x8_shuffle(low, high, 4, 12, 5, 13, 6, 14, 7, 15), c.half_scale);
  const v128_t special = wasm_i16x8_eq(wasm_v128_and(h, c.half_exponent_16), c.half_exponent_16);
  const v128_t patch = wasm_v128_and(special, c.float_exponent_16);
  const v128_t zero = wasm_i32x4_const_splat(0);
  out[0] = {wasm_v128_or(f0, wasm_i16x8_shuffle(zero, patch, 0, 8, 1, 9, 2, 10, 3, 11))};
  out[1] = {wasm_v128_or(f1, wasm_i16x8_shuffle(zero, patch, 4, 12, 5, 13, 6, 14, 7, 15))};
}
inline void load_half16(const uint8_t* p, F32x4* out, const DecodeConstants& c) {
  halves8_to_f32(wasm_v128_load(p), out, c);
  halves8_to_f32(wasm_v128_load(p + 16), out + 2, c);
}
inline F32x4 load_half_partial(const uint8_t* p, int64_t n, const DecodeConstants& c) {
  v128_t v = n == 1 ? wasm_v128_load16_lane(p, wasm_i32x4_splat(0), 0) : wasm_v128_load32_zero(p);
  if (n == 3) v = wasm_v128_load16_lane(p + 4, v, 2);
  return half_lanes_to_f32(wasm_i32x4_extend_low_i16x8(v), c);
}
#else  // portable: the compiler's generic four-lane vectors, same lane semantics

// GCC / clang vector extensions: each lane is an IEEE float32 operation
// (-ffp-contract=off, CMakeLists.txt), which the compiler maps to the host's
// 128-bit SIMD (SSE, NEON) in the native build and tests.
typedef float V4F __attribute__((vector_size(16)));
typedef int32_t V4I __attribute__((vector_size(16)));
// Unaligned (4-byte aligned) views of memory, loaded and stored in one
// instruction each (a memcpy through the stack would let GCC merge the
// stores of a block into one wide store that the next load must wait for).
typedef float V4FU __attribute__((vector_size(16), aligned(4), may_alias));
typedef int32_t V4IU __attribute__((vector_size(16), aligned(4), may_alias));
struct F32x4 { V4F v; };
struct I32x4 { V4I v; };
struct M32x4 { V4I v; };  // all-ones / all-zeros lanes

inline F32x4 zero_f32x4() { return {V4F{0.0f, 0.0f, 0.0f, 0.0f}}; }
inline F32x4 splat(float x) { return {V4F{x, x, x, x}}; }
inline I32x4 splat_i32(int32_t x) { return {V4I{x, x, x, x}}; }
inline F32x4 load(const float* p) { return {*reinterpret_cast<const V4FU*>(p)}; }
inline void store(float* p, F32x4 a) { *reinterpret_cast<V4FU*>(p) = a.v; }
inline void store(int32_t* p, I32x4 a) { *reinterpret_cast<V4IU*>(p) = a.v; }
inline F32x4 load_partial(const float* p, int64_t n) {
  F32x4 r = zero_f32x4();
  for (int64_t k = 0; k < n; ++k) r.v[k] = p[k];
  return r;
}
inline void store_partial(float* p, F32x4 a, int64_t n) { for (int64_t k = 0; k < n; ++k) p[k] = a.v[k]; }
inline void store_partial(int32_t* p, I32x4 a, int64_t n) { for (int64_t k = 0; k < n; ++k) p[k] = a.v[k]; }
inline F32x4 add(F32x4 a, F32x4 b) { return {a.v + b.v}; }
inline F32x4 mul(F32x4 a, F32x4 b) { return {a.v * b.v}; }
inline M32x4 greater(F32x4 a, F32x4 b) { return {a.v > b.v}; }
inline V4I bits_of(V4F a) {
  V4I r;
  std::memcpy(&r, &a, 16);
  return r;
}
inline V4F floats_of(V4I a) {
  V4F r;
  std::memcpy(&r, &a, 16);
  return r;
}
inline F32x4 select(M32x4 m, F32x4 if_set, F32x4 if_clear) {
  return {floats_of((m.v & bits_of(if_set.v)) | (~m.v & bits_of(if_clear.v)))};
}
inline I32x4 select(M32x4 m, I32x4 if_set, I32x4 if_clear) { return {(m.v & if_set.v) | (~m.v & if_clear.v)}; }
// x where acc < x, else acc (ties and NaN keep acc), as f32x4.pmax.
inline F32x4 max_keep_first(F32x4 acc, F32x4 x) { return select(M32x4{acc.v < x.v}, x, acc); }
inline float lane(F32x4 a, int k) { return a.v[k]; }

// No constants to keep: the compiler places its own.
struct DecodeConstants {};
inline DecodeConstants decode_constants() { return {}; }

inline F32x4 load_u8x4(const uint8_t* p, const DecodeConstants&) {
  return {V4F{float(p[0]), float(p[1]), float(p[2]), float(p[3])}};
}
inline void load_u8x16(const uint8_t* p, F32x4* out, const DecodeConstants&) {
  for (int j = 0; j < 4; ++j) out[j] = load_u8x4(p + 4 * j, {});
}
inline F32x4 load_u4x4(const uint8_t* p, const DecodeConstants&) {
  return {V4F{float(p[0] & 15), float(p[0] >> 4), float(p[1] & 15), float(p[1] >> 4)}};
}
inline void load_u4x16(const uint8_t* p, F32x4* out, const DecodeConstants&) {
  for (int j = 0; j < 4; ++j) out[j] = load_u4x4(p + 2 * j, {});
}
// The same steps as the wasm version, lane by lane.
inline float half_bits_to_f32(int32_t h) {  // h: the half's bits, sign-extended
  uint32_t bits = (static_cast<uint32_t>(h) << 13) & 0x8fffe000u;
  float f;
  std::memcpy(&f, &bits, 4);
  f *= 0x1p112f;
  std::memcpy(&bits, &f, 4);
  if ((h & 0x7c00) == 0x7c00) bits |= 0x7f800000u;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline int32_t load_s16(const uint8_t* p) { return static_cast<int16_t>(p[0] | (p[1] << 8)); }
inline F32x4 load_half4(const uint8_t* p, const DecodeConstants&) {
  F32x4 r;
  for (int j = 0; j < 4; ++j) r.v[j] = half_bits_to_f32(load_s16(p + 2 * j));
  return r;
}
inline void load_half16(const uint8_t* p, F32x4* out, const DecodeConstants&) {
  for (int j = 0; j < 4; ++j) out[j] = load_half4(p + 8 * j, {});
}
inline F32x4 load_half_partial(const uint8_t* p, int64_t n, const DecodeConstants&) {
  F32x4 r = zero_f32x4();
  for (int64_t j = 0; j < n; ++j) r.v[j] = half_bits_to_f32(load_s16(p + 2 * j));
  return r;
}

#endif

// (lane0 + lane1) + (lane2 + lane3): the fixed order the reference dot4 uses.
inline float reduce_pairwise(F32x4 a) { return (lane(a, 0) + lane(a, 1)) + (lane(a, 2) + lane(a, 3)); }

}  // namespace ebag::simd
