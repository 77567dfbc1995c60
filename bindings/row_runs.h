// The rows a set of indices names, as runs [begin, end) of consecutive row
// ids in ascending order, found through a RowBitmap. The wrapper copies a
// dense gradient out of wasm memory run by run: every row outside the runs of
// the last forward's indices has a zero gradient, and the copy (a fresh,
// zeroed Float32Array) then reads only the rows that matter — on a large
// table with few rows touched, or out of a SharedArrayBuffer (which V8 copies
// more slowly than an ordinary ArrayBuffer).
#pragma once

#include <cstdint>

#include "ebag/buffer.h"
#include "row_bitmap.h"

namespace ebag::bindings {

class RowRuns {
 public:
  // Marks the rows of indices[0, count) in [0, num_rows) (others are
  // skipped) in `bitmap` (all clear before and after) and lists their runs.
  // False when the memory cannot be had.
  template <typename IndexT>
  [[nodiscard]] bool find(const IndexT* indices, int64_t count, int64_t num_rows, detail::RowBitmap& bitmap) {
    if (!bitmap.reserve(num_rows)) return false;
    for (int64_t i = 0; i < count; ++i) {
      const auto row = static_cast<int64_t>(indices[i]);
      if (row >= 0 && row < num_rows) bitmap.mark(row);
    }
    int64_t runs = 0;
    bitmap.for_each_run([&](int64_t, int64_t) { ++runs; });
    const bool listed = runs_.resize(static_cast<size_t>(2 * runs + 1));  // +1: never null
    if (listed) {
      size_t k = 0;
      bitmap.for_each_run([&](int64_t begin, int64_t end) {
        runs_[k++] = static_cast<int32_t>(begin);
        runs_[k++] = static_cast<int32_t>(end);
      });
      count_ = runs;
    }
    bitmap.clear();
    return listed;
  }

  // Run k is [pairs()[2k], pairs()[2k + 1]).
  const int32_t* pairs() const { return runs_.data(); }
  int64_t count() const { return count_; }

  void release() {
    runs_.release();
    count_ = 0;
  }
  size_t capacity_bytes() const { return runs_.capacity_bytes(); }

 private:
  Buffer<int32_t> runs_;
  int64_t count_ = 0;
};

}  // namespace ebag::bindings
