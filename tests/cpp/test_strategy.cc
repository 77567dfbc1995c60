// The backward path choices (src/backward/strategy.h) at and around their
// thresholds. Every path gives the same bits (the tester checks that across
// sizes); these pin which one runs.
#include "backward/strategy.h"
#include "catch.hpp"

using ebag::detail::choose_dense_path;
using ebag::detail::choose_sparse_path;
using ebag::detail::DenseGradientPath;
using ebag::detail::kScatterCacheBytes;
using ebag::detail::SparseGradientPath;

TEST_CASE("strategy: dense gradient path", "[strategy]") {
  const int64_t cache_rows = kScatterCacheBytes / 4 / 16;  // N x 16 floats filling the cache
  CHECK(choose_dense_path(true, false, 10, 16, 5) == DenseGradientPath::kArgmax);
  CHECK(choose_dense_path(false, true, 10, 16, 5) == DenseGradientPath::kGrouped);       // scale_grad_by_freq
  CHECK(choose_dense_path(false, false, cache_rows, 16, 10 * cache_rows) == DenseGradientPath::kScatter);
  CHECK(choose_dense_path(false, false, cache_rows + 1, 16, cache_rows) == DenseGradientPath::kGrouped);
  // Past the cache, few rows touched (entries x 8 <= N) still scatter.
  CHECK(choose_dense_path(false, false, 8 * cache_rows, 16, cache_rows) == DenseGradientPath::kScatter);
  CHECK(choose_dense_path(false, false, 8 * cache_rows, 16, cache_rows + 1) == DenseGradientPath::kGrouped);
  CHECK(!ebag::detail::scatter_on_threads(cache_rows, 16));
  CHECK(ebag::detail::scatter_on_threads(cache_rows + 1, 16));
}

TEST_CASE("strategy: sparse gradient path", "[strategy]") {
  const int64_t cache_rows = kScatterCacheBytes / 4 / 16;
  CHECK(choose_sparse_path(false, cache_rows, 16) == SparseGradientPath::kThroughDense);
  CHECK(choose_sparse_path(false, cache_rows + 1, 16) == SparseGradientPath::kGrouped);
  CHECK(choose_sparse_path(true, 10, 16) == SparseGradientPath::kGrouped);
}
