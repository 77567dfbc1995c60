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

// As for_each_column_block with fewer block sizes (less code): full blocks
// of kMaxVecs vectors, then blocks of 4, then single vectors, then the
// partial tail. For kernels whose D is usually a multiple of 16 (quantized
// tables), where the remainder's blocks are rarely run.
template <int kMaxVecs, typename BlockFn>
inline void for_each_column_block_compact(int64_t dim, BlockFn&& block) {
  const int64_t full_vecs = dim / 4;
  const int64_t tail = dim % 4;
  int64_t col = 0;
  int64_t left = full_vecs;
  for (; left >= kMaxVecs; left -= kMaxVecs, col += 4 * kMaxVecs) {
    block(std::integral_constant<int, kMaxVecs>{}, std::false_type{}, col, 0);
  }
  if constexpr (kMaxVecs > 4) {
    for (; left >= 4; left -= 4, col += 16) block(std::integral_constant<int, 4>{}, std::false_type{}, col, 0);
  }
  for (; left >= 1; --left, col += 4) block(std::integral_constant<int, 1>{}, std::false_type{}, col, 0);
  if (tail != 0) block(std::integral_constant<int, 1>{}, std::true_type{}, col, tail);
}

// Rows read ahead of use. A gather over a large table is bound by how many
// rows' cache and TLB misses are in flight at once, which the out-of-order
// window limits to a few rows when each row costs many instructions (a
// quantized row's decode). WebAssembly has no prefetch instruction: a
// one-byte load of the row kTouchAhead entries on starts its miss early, and
// the row is in cache when its turn comes. Sixteen entries ahead is FBGEMM's
// prefetch distance; a separate touching pass over the bag loses (its loads
// hold the window themselves). Reproduced by `npm run bench`: the recsys
// workload (a table far larger than the cache), every dtype.
constexpr int kTouchAhead = 16;

// Sums the bytes it loads, so that the loads are not optimised away;
// finish() hands the sum to a volatile (a store, no shared state).
class RowToucher {
 public:
  // One byte: p may be the last byte of the heap (a float16 row's tail).
  void touch(const void* p) { sum_ += *static_cast<const uint8_t*>(p); }
  void finish() const {
    volatile uint32_t sink = sum_;
    (void)sink;
  }

 private:
  uint32_t sum_ = 0;
};

}  // namespace ebag::kernels::v128
