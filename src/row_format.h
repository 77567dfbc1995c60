// Internal: the quantized row formats of embedding_bag.h, one element at a
// time. The scalar reference kernels, quantize() and dequantize() decode
// through here; the SIMD kernels must give the same bits.
#pragma once

#include <cstdint>
#include <cstring>

#include "ebag/embedding_bag.h"

namespace ebag::detail {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// IEEE binary16 -> binary32, exact (NaN payloads kept, shifted up).
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return bits_float(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) return bits_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Zero or subnormal: mantissa * 2^-24, exact in binary32.
  return bits_float(sign | float_bits(static_cast<float>(mantissa) * 0x1p-24f));
}

// binary32 -> binary16, rounding to nearest even; too large -> infinity,
// NaN -> a quiet NaN (as c10::Half / numpy do).
inline uint16_t float_to_half(float f) {
  uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  uint32_t h;
  if (x >= 0x47800000u) {  // >= 65536 (or inf / NaN): past the largest half after rounding
    h = x > 0x7f800000u ? 0x7e00u : 0x7c00u;
  } else if (x < 0x38800000u) {  // below 2^-14: a subnormal half or zero
    // Adding 0.5 aligns the 10 mantissa bits at the bottom of the float; the
    // add rounds to nearest even.
    h = float_bits(bits_float(x) + 0.5f) - float_bits(0.5f);
  } else {
    const uint32_t odd = (x >> 13) & 1u;
    h = (x + 0xc8000fffu + odd) >> 13;  // rebias the exponent (-112 << 23), round to nearest even
  }
  return static_cast<uint16_t>(h | sign);
}

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline float load_f32(const uint8_t* p) {
  float f;
  std::memcpy(&f, p, sizeof f);
  return f;
}

// The value of column d of a row that starts at `row`, a table of dim columns.
template <RowFormat kFormat>
inline float decode_value(const uint8_t* row, int64_t dim, int64_t d) {
  if constexpr (kFormat == RowFormat::kFloat16) {
    return half_to_float(load_u16(row + 2 * d));
  } else if constexpr (kFormat == RowFormat::kInt8RowWise) {
    const float scale = load_f32(row + dim);
    const float bias = load_f32(row + dim + 4);
    return static_cast<float>(row[d]) * scale + bias;
  } else {
    const uint8_t* params = row + (dim + 1) / 2;
    const float scale = half_to_float(load_u16(params));
    const float bias = half_to_float(load_u16(params + 2));
    const uint32_t code = (row[d / 2] >> ((d & 1) * 4)) & 0xfu;
    return static_cast<float>(code) * scale + bias;
  }
}

}  // namespace ebag::detail
