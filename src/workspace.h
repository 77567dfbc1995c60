// Internal: what a Workspace holds (embedding_bag.h declares it opaque).
// Every buffer only grows, so steady-state calls do not allocate; nothing in
// it carries meaning from one call to the next except that `rows` is all
// clear between calls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ebag/buffer.h"
#include "ebag/embedding_bag.h"
#include "row_bitmap.h"

namespace ebag {

// The buffers of backward's grouping of bag entries by destination row
// (backward/grouping.h): O(num_indices).
struct GroupingBuffers {
  Buffer<uint32_t> entry_rows;    // radix sort keys and their
  Buffer<uint32_t> entry_pos;     // entry positions, then
  Buffer<uint32_t> sort_rows;     // the same sorted
  Buffer<uint32_t> sort_pos;
  Buffer<uint32_t> entry_bag;     // bag of every index position
  Buffer<float> entry_scale;      // scale of every index position
  Buffer<uint32_t> histogram;
  Buffer<uint32_t> group_starts;  // first sorted entry of every destination row
  Buffer<uint32_t> group_bags;    // bag of every sorted entry
  Buffer<float> group_scales;     // scale of every sorted entry

  // Room for n index positions and radix passes of histogram_size buckets.
  [[nodiscard]] bool reserve(size_t n, size_t histogram_size) {
    for (auto* b : {&entry_rows, &entry_pos, &sort_rows, &sort_pos, &entry_bag, &group_bags}) {
      if (b->size() < n && !b->resize(n)) return false;
    }
    for (auto* b : {&entry_scale, &group_scales}) {
      if (b->size() < n && !b->resize(n)) return false;
    }
    if (group_starts.size() < n + 1 && !group_starts.resize(n + 1)) return false;
    return histogram.size() >= histogram_size || histogram.resize(histogram_size);
  }
  // Bytes per index position that reserve asks for: nine 4-byte buffers
  // (the histogram is of fixed size).
  static constexpr int64_t kBytesPerIndex = 36;

  size_t held_bytes() const {
    size_t bytes = entry_scale.capacity_bytes() + group_scales.capacity_bytes();
    for (const auto* b : {&entry_rows, &entry_pos, &sort_rows, &sort_pos, &entry_bag, &histogram, &group_starts,
                          &group_bags}) {
      bytes += b->capacity_bytes();
    }
    return bytes;
  }
};

struct Workspace::Impl {
  detail::RowBitmap rows;       // N bits, all clear between calls: renorm's rows
                                // seen, a sparse gradient's rows touched, the
                                // bindings' dense-copy runs
  Buffer<float> dense_scratch;  // a cache-sized sparse gradient, built dense
  GroupingBuffers grouping;
  Buffer<float> row_dots;       // row_dots: four vectors by column, and their N x 4 dots (per thread)
  SparseGradient step_gradient; // step(): the batch's coalesced rows (paths that store them)
  Buffer<float> step_rows;      // step(): one gradient row per thread (the fused path)

  size_t held_bytes() const {
    return rows.capacity_bytes() + dense_scratch.capacity_bytes() + grouping.held_bytes() +
           row_dots.capacity_bytes() + step_gradient.rows.capacity_bytes() + step_gradient.values.capacity_bytes() +
           step_rows.capacity_bytes();
  }
};

}  // namespace ebag
