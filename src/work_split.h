// Internal: how a call is cut into per-thread pieces. Every piece produces
// output elements no other piece touches, and each element is computed in
// the same order as in one piece, so any split gives the same bits.
#pragma once

#include <algorithm>
#include <cstdint>

#include "bags.h"
#include "ebag/embedding_bag.h"

namespace ebag::detail {

// Threads a call of `work` units may use under `parallel` (1 = run inline).
inline int threads_for(const Parallelism& parallel, int64_t work) {
  if (parallel.pool == nullptr || work < parallel.min_work) return 1;
  return parallel.pool->size();
}

// Runs task(t) for t in [0, tasks) on the pool (inline when tasks == 1).
template <typename TaskFn>
void run_tasks(const Parallelism& parallel, int tasks, TaskFn&& task) {
  if (tasks <= 1) {
    task(0);
    return;
  }
  parallel.pool->run(tasks, task);
}

// Runs chunk(c) for c in [0, chunks) on the pool's free threads, each once
// (ThreadPool::run_shared): for work cut finer than the threads, so that a
// worker slow to wake takes fewer chunks instead of holding up the call.
template <typename ChunkFn>
void run_chunks(const Parallelism& parallel, int chunks, ChunkFn&& chunk) {
  if (parallel.pool == nullptr || chunks <= 1) {
    for (int c = 0; c < chunks; ++c) chunk(c);
    return;
  }
  parallel.pool->run_shared(chunks, chunk);
}

// Chunks per thread of a call cut by run_chunks: enough that a late worker
// costs little of the caller's time, few enough that each stays large.
constexpr int kChunksPerThread = 8;

// First bag of piece t of `pieces`, splitting the bags' entries evenly.
template <typename IndexT, typename OffsetT>
int64_t first_bag_of_piece(const Bags<IndexT, OffsetT>& bags, int64_t num_bags, int64_t entries,
                           int pieces, int t) {
  if (t == 0) return 0;
  if (t >= pieces) return num_bags;
  const int64_t target = entries * t / pieces;
  // The first bag starting at or after target (bag starts never decrease).
  int64_t lo = 0, hi = num_bags;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (bag_range(bags, mid).begin < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Columns [begin, end) of piece t: whole 4-float vectors, the tail with the last piece.
inline IndexRange column_piece(int64_t dim, int pieces, int t) {
  const int64_t vectors = dim / 4;
  const int64_t begin = 4 * (vectors * t / pieces);
  const int64_t end = t + 1 == pieces ? dim : 4 * (vectors * (t + 1) / pieces);
  return {begin, end};
}

// Rows [begin, end) of piece t of n rows.
inline IndexRange row_piece(int64_t n, int pieces, int t) { return {n * t / pieces, n * (t + 1) / pieces}; }

}  // namespace ebag::detail
