// Internal (backward): which path builds a weight gradient, with the
// thresholds that decide it. Every path gives the same bits; they differ in
// time and scratch (measurements in bench/RESULTS.md and beside each value).
#pragma once

#include <cstdint>

namespace ebag::detail {

// A gradient of at most this many bytes counts as cache-sized.
constexpr int64_t kScatterCacheBytes = int64_t{4} << 20;
// A dense gradient with entries x this ratio <= N has few rows touched.
constexpr int64_t kScatterTouchRatio = 8;

enum class DenseGradientPath {
  kArgmax,   // max: G added at the forward's arg-max rows
  kScatter,  // each bag's G row added to its entries' rows in entry order,
             // straight into the zeroed gradient: no scratch
  kGrouped,  // entries grouped by row (radix sort), each row written once, in
             // row order: 36 bytes of scratch per index
};

// Scatter when the gradient fits in cache, or when few of its rows are
// touched (then most of it is zeroing); else grouped: where many rows of a
// large table are touched, writing them in row order keeps the writes in
// cache where a scatter misses on each (bench workload text: half the rows of
// a 100k x 128 table touched). The grouped pass
// alone divides by a row's frequency (scale_grad_by_freq).
inline DenseGradientPath choose_dense_path(bool argmax_mode, bool scale_grad_by_freq, int64_t num_rows,
                                           int64_t dim, int64_t entries) {
  if (argmax_mode) return DenseGradientPath::kArgmax;
  if (scale_grad_by_freq) return DenseGradientPath::kGrouped;
  const bool in_cache = num_rows * dim * 4 <= kScatterCacheBytes;
  return in_cache || entries * kScatterTouchRatio <= num_rows ? DenseGradientPath::kScatter
                                                              : DenseGradientPath::kGrouped;
}

// Threads scatter only into a gradient larger than the cache: on one that
// fits, every thread's walk over all the entries (half of them skipped, an
// unpredictable branch) costs more than the second thread saves.
inline bool scatter_on_threads(int64_t num_rows, int64_t dim) { return num_rows * dim * 4 > kScatterCacheBytes; }

enum class SparseGradientPath {
  kThroughDense,  // rows marked in a bitmap, bags scattered into a zeroed
                  // cache-sized dense scratch, touched rows copied out
  kGrouped,       // entries grouped by row, one gradient row per group
};

// Through a dense scratch when the table's N x D gradient is cache-sized
// (no scale_grad_by_freq): one pass over the entries and no O(entries)
// buffers, where grouping sorts them first (bench: sparse backward, small).
inline SparseGradientPath choose_sparse_path(bool scale_grad_by_freq, int64_t num_rows, int64_t dim) {
  return !scale_grad_by_freq && num_rows * dim * 4 <= kScatterCacheBytes ? SparseGradientPath::kThroughDense
                                                                         : SparseGradientPath::kGrouped;
}

}  // namespace ebag::detail
