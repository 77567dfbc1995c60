// The rows a set of indices names, as runs [begin, end) of consecutive row
// ids in ascending order, found through a bitmap of the table's rows. The
// wrapper copies a dense gradient out of wasm memory run by run: every row
// outside the runs of the last forward's indices has a zero gradient, and the
// copy (a fresh, zeroed Float32Array) then reads only the rows that matter —
// on a large table with few rows touched, or out of a SharedArrayBuffer
// (which V8 copies more slowly than an ordinary ArrayBuffer).
#pragma once

#include <cstdint>
#include <cstring>

#include "buffer.h"

namespace ebag::bindings {

class RowRuns {
 public:
  // Marks the rows of indices[0, count) in [0, num_rows) (others are
  // skipped) and lists their runs. False when the memory cannot be had.
  template <typename IndexT>
  [[nodiscard]] bool find(const IndexT* indices, int64_t count, int64_t num_rows) {
    const auto words = static_cast<size_t>((num_rows + 31) / 32);
    if (!bitmap_.resize(words)) return false;
    std::memset(bitmap_.data(), 0, words * sizeof(uint32_t));
    for (int64_t i = 0; i < count; ++i) {
      const auto row = static_cast<int64_t>(indices[i]);
      if (row >= 0 && row < num_rows) bitmap_[static_cast<size_t>(row >> 5)] |= uint32_t{1} << (row & 31);
    }
    int64_t runs = 0;
    for_each_run(num_rows, [&](int64_t, int64_t) { ++runs; });
    if (!runs_.resize(static_cast<size_t>(2 * runs + 1))) return false;  // +1: never null
    size_t k = 0;
    for_each_run(num_rows, [&](int64_t begin, int64_t end) {
      runs_[k++] = static_cast<int32_t>(begin);
      runs_[k++] = static_cast<int32_t>(end);
    });
    count_ = runs;
    return true;
  }

  // Run k is [pairs()[2k], pairs()[2k + 1]).
  const int32_t* pairs() const { return runs_.data(); }
  int64_t count() const { return count_; }

  void release() {
    bitmap_.release();
    runs_.release();
    count_ = 0;
  }
  size_t capacity_bytes() const { return bitmap_.capacity_bytes() + runs_.capacity_bytes(); }

 private:
  // The first row >= from in [from, num_rows) whose bit is `set`, else num_rows.
  int64_t next_row(int64_t from, bool set, int64_t num_rows) const {
    if (from >= num_rows) return num_rows;
    const uint32_t flip = set ? 0u : ~0u;
    auto word = static_cast<size_t>(from >> 5);
    uint32_t bits = (bitmap_[word] ^ flip) & (~0u << (from & 31));
    const auto words = static_cast<size_t>((num_rows + 31) / 32);
    while (bits == 0) {
      if (++word == words) return num_rows;
      bits = bitmap_[word] ^ flip;
    }
    const int64_t row = static_cast<int64_t>(word) * 32 + __builtin_ctz(bits);
    return row < num_rows ? row : num_rows;
  }

  template <typename RunFn>
  void for_each_run(int64_t num_rows, RunFn&& fn) const {
    for (int64_t begin = next_row(0, true, num_rows); begin < num_rows;) {
      const int64_t end = next_row(begin, false, num_rows);
      fn(begin, end);
      begin = next_row(end, true, num_rows);
    }
  }

  Buffer<uint32_t> bitmap_;
  Buffer<int32_t> runs_;
  int64_t count_ = 0;
};

}  // namespace ebag::bindings
