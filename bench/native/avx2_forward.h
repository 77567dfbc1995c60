// The native comparison point for quantized rows in `npm run bench`: a
// forward written as FBGEMM writes its EmbeddingSpMDM kernels for x86, with
// AVX2 and F16C intrinsics. Each bag's row is held in ymm accumulators (D / 8
// of them; D a multiple of 8 up to 128), the rows of the entries 16 on are
// prefetched (FBGEMM's distance), and codes are widened and converted by the
// vector units (int8: one zero-extend and one convert a vector; int4: the
// nibbles split and interleaved first; fp16: vcvtph2ps). The values and the
// order of the adds are ebag::forward's (value = float(code) * scale + bias as
// a multiply and an add, never fused: the project builds with
// -ffp-contract=off; each column adds the bag's rows in order; mean scaled
// once at the end), so bench_native checks its output bit for bit against
// ebag::forward before timing it.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace avx2 {

enum class Rows { kFloat32, kFloat16, kInt8, kInt4 };

inline bool supported() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
#else
  return false;
#endif
}

#if defined(__x86_64__) || defined(__i386__)

// The bytes a row of D columns takes (ebag's row formats, float32 included).
inline int64_t row_bytes(Rows rows, int64_t dim) {
  switch (rows) {
    case Rows::kFloat32: return dim * 4;
    case Rows::kFloat16: return dim * 2;
    case Rows::kInt8: return dim + 8;
    case Rows::kInt4: return (dim + 1) / 2 + 4;
  }
  return 0;
}

// Columns [8v, 8v + 8) of a row as floats, before scale and bias.
template <Rows kRows>
__attribute__((target("avx2,f16c"))) inline __m256 load8(const uint8_t* row, int v) {
  if constexpr (kRows == Rows::kFloat32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + 8 * v);
  } else if constexpr (kRows == Rows::kFloat16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 16 * v)));
  } else if constexpr (kRows == Rows::kInt8) {
    int64_t bytes;
    std::memcpy(&bytes, row + 8 * v, 8);
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes)));
  } else {
    int32_t bytes;
    std::memcpy(&bytes, row + 4 * v, 4);
    const __m128i b = _mm_cvtsi32_si128(bytes);
    const __m128i low = _mm_and_si128(b, _mm_set1_epi8(0x0f));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0x0f));
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpacklo_epi8(low, high)));  // low nibble first
  }
}

inline float half_to_float(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

template <Rows kRows, int kVecs>
__attribute__((target("avx2,f16c"))) void forward_bags(const uint8_t* table, int64_t dim, const int32_t* indices,
                                                       int64_t num_indices, const int32_t* offsets, int64_t num_bags,
                                                       bool mean, bool prefetch, float* out) {
  constexpr int kPrefetch = 16;
  const int64_t stride = row_bytes(kRows, dim);
  const int64_t prefetch_end = prefetch ? num_indices : 0;
  for (int64_t b = 0; b < num_bags; ++b) {
    const int64_t begin = offsets[b];
    const int64_t end = b + 1 < num_bags ? offsets[b + 1] : num_indices;
    __m256 acc[kVecs];
    for (int v = 0; v < kVecs; ++v) acc[v] = _mm256_setzero_ps();
    for (int64_t k = begin; k < end; ++k) {
      if (k + kPrefetch < prefetch_end) {
        const char* ahead = reinterpret_cast<const char*>(table + indices[k + kPrefetch] * stride);
        for (int64_t line = 0; line < stride; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
      }
      const uint8_t* row = table + indices[k] * stride;
      if constexpr (kRows == Rows::kInt8 || kRows == Rows::kInt4) {
        float scale, bias;
        if constexpr (kRows == Rows::kInt8) {
          std::memcpy(&scale, row + dim, 4);
          std::memcpy(&bias, row + dim + 4, 4);
        } else {
          scale = half_to_float(row + (dim + 1) / 2);
          bias = half_to_float(row + (dim + 1) / 2 + 2);
        }
        const __m256 vscale = _mm256_set1_ps(scale);
        const __m256 vbias = _mm256_set1_ps(bias);
        for (int v = 0; v < kVecs; ++v) {
          acc[v] = _mm256_add_ps(acc[v], _mm256_add_ps(_mm256_mul_ps(load8<kRows>(row, v), vscale), vbias));
        }
      } else {
        for (int v = 0; v < kVecs; ++v) acc[v] = _mm256_add_ps(acc[v], load8<kRows>(row, v));
      }
    }
    float* o = out + b * dim;
    if (mean) {
      const float scale = end > begin ? 1.0f / static_cast<float>(end - begin) : 0.0f;
      for (int v = 0; v < kVecs; ++v) {
        _mm256_storeu_ps(o + 8 * v, scale == 0.0f ? _mm256_setzero_ps() : _mm256_mul_ps(acc[v], _mm256_set1_ps(scale)));
      }
    } else {
      for (int v = 0; v < kVecs; ++v) _mm256_storeu_ps(o + 8 * v, acc[v]);
    }
  }
}

// Sum or mean bags (no padding row, no per-sample weights) over rows of a
// D in {8, 16, 32, 64, 128}; false for any other D (not timed). prefetch
// false: no prefetch (as wasm, which has no prefetch instruction).
template <Rows kRows>
bool forward(const uint8_t* table, int64_t dim, const int32_t* indices, int64_t num_indices, const int32_t* offsets,
             int64_t num_bags, bool mean, bool prefetch, float* out) {
  auto run = [&](auto vecs) {
    forward_bags<kRows, decltype(vecs)::value>(table, dim, indices, num_indices, offsets, num_bags, mean, prefetch, out);
    return true;
  };
  switch (dim) {
    case 8: return run(std::integral_constant<int, 1>{});
    case 16: return run(std::integral_constant<int, 2>{});
    case 32: return run(std::integral_constant<int, 4>{});
    case 64: return run(std::integral_constant<int, 8>{});
    case 128: return run(std::integral_constant<int, 16>{});
    default: return false;
  }
}

#endif

}  // namespace avx2
