// Internal: the column blocking shared by the 128-bit SIMD kernels (v128.cc,
// v128_quantized.cc): a row's columns go in blocks of whole vectors held in
// registers, the last vector of the last block possibly partial.
#pragma once

#include <cstdint>
#include <type_traits>

#include "simd/vec128.h"

namespace ebag::kernels::v128 {

using simd::F32x4;
using simd::I32x4;

// Loads vector v of a block whose last vector may be partial (tail lanes).
template <int kVecs, bool kPartial>
inline F32x4 load_block_vec(const float* p, int v, int64_t tail) {
  if (kPartial && v == kVecs - 1) return simd::load_partial(p + 4 * v, tail);
  return simd::load(p + 4 * v);
}
template <int kVecs, bool kPartial>
inline void store_block_vec(float* p, int v, F32x4 a, int64_t tail) {
  if (kPartial && v == kVecs - 1) return simd::store_partial(p + 4 * v, a, tail);
  simd::store(p + 4 * v, a);
}
template <int kVecs, bool kPartial>
inline void store_block_vec(int32_t* p, int v, I32x4 a, int64_t tail) {
  if (kPartial && v == kVecs - 1) return simd::store_partial(p + 4 * v, a, tail);
  simd::store(p + 4 * v, a);
}

// Walks the columns in blocks: full blocks of kMaxVecs vectors, then the
// remaining whole vectors in blocks of 8, 4, 2 and 1 (the remainder's bits),
// then the partial tail vector. Few block sizes keep the module small (one
// instantiation each); a D that is not a multiple of 4 * kMaxVecs pays a few
// more passes over its bag's indices.
template <int kMaxVecs, typename BlockFn>
inline void for_each_column_block(int64_t dim, BlockFn&& block) {
  const int64_t full_vecs = dim / 4;
  const int64_t tail = dim % 4;
  int64_t col = 0;
  for (int64_t left = full_vecs; left >= kMaxVecs; left -= kMaxVecs, col += 4 * kMaxVecs) {
    block(std::integral_constant<int, kMaxVecs>{}, std::false_type{}, col, 0);
  }
  const int64_t rest = full_vecs % kMaxVecs;
  auto part = [&](auto vecs) {
    if constexpr (decltype(vecs)::value < kMaxVecs) {
      if ((rest & decltype(vecs)::value) != 0) {
        block(vecs, std::false_type{}, col, 0);
        col += 4 * decltype(vecs)::value;
      }
    }
  };
  part(std::integral_constant<int, 8>{});
  part(std::integral_constant<int, 4>{});
  part(std::integral_constant<int, 2>{});
  part(std::integral_constant<int, 1>{});
  if (tail != 0) block(std::integral_constant<int, 1>{}, std::true_type{}, col, tail);
}

}  // namespace ebag::kernels::v128
