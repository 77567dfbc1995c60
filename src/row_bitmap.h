// Internal: one bit per table row. Renorm marks the rows it has seen, the
// sparse gradient the rows it touches, the bindings the rows whose dense
// gradient they copy. All bits are clear between uses: whoever marks rows
// clears them again (clear_rows for a few, clear for all).
#pragma once

#include <cstdint>
#include <cstring>

#include "ebag/buffer.h"

namespace ebag::detail {

class RowBitmap {
 public:
  // Room for rows [0, num_rows), the new bits clear. False when memory
  // cannot be had (nothing changed).
  [[nodiscard]] bool reserve(int64_t num_rows) {
    const auto words = static_cast<size_t>((num_rows + 63) / 64);
    if (words_.size() < words && !words_.resize_zeroed(words)) return false;
    num_rows_ = num_rows;
    return true;
  }
  // Sets row's bit; true when it was clear.
  bool mark(int64_t row) {
    uint64_t& word = words_[static_cast<size_t>(row >> 6)];
    const uint64_t bit = uint64_t{1} << (row & 63);
    const bool was_clear = (word & bit) == 0;
    word |= bit;
    return was_clear;
  }
  bool test(int64_t row) const { return (words_[static_cast<size_t>(row >> 6)] >> (row & 63)) & 1; }

  // fn(row) for every set row, ascending.
  template <typename RowFn>
  void for_each_row(RowFn&& fn) const {
    const size_t words = used_words();
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        fn(static_cast<int64_t>(w) * 64 + __builtin_ctzll(bits));
      }
    }
  }
  // fn(begin, end) for every run [begin, end) of consecutive set rows, ascending.
  template <typename RunFn>
  void for_each_run(RunFn&& fn) const {
    for (int64_t begin = next_row(0, true); begin < num_rows_;) {
      const int64_t end = next_row(begin, false);
      fn(begin, end);
      begin = next_row(end, true);
    }
  }

  // Clears the bits of rows[0, count) (cheaper than clear() for a few rows).
  template <typename IndexT>
  void clear_rows(const IndexT* rows, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      const auto row = static_cast<int64_t>(rows[i]);
      words_[static_cast<size_t>(row >> 6)] &= ~(uint64_t{1} << (row & 63));
    }
  }
  void clear() {
    if (!words_.empty()) std::memset(words_.data(), 0, words_.size() * sizeof(uint64_t));
  }
  void release() {
    words_.release();
    num_rows_ = 0;
  }
  size_t capacity_bytes() const { return words_.capacity_bytes(); }

 private:
  size_t used_words() const { return static_cast<size_t>((num_rows_ + 63) / 64); }
  // The first row >= from whose bit is `set`, else num_rows_.
  int64_t next_row(int64_t from, bool set) const {
    if (from >= num_rows_) return num_rows_;
    const uint64_t flip = set ? 0u : ~uint64_t{0};
    auto word = static_cast<size_t>(from >> 6);
    uint64_t bits = (words_[word] ^ flip) & (~uint64_t{0} << (from & 63));
    const size_t words = used_words();
    while (bits == 0) {
      if (++word == words) return num_rows_;
      bits = words_[word] ^ flip;
    }
    const int64_t row = static_cast<int64_t>(word) * 64 + __builtin_ctzll(bits);
    return row < num_rows_ ? row : num_rows_;
  }

  Buffer<uint64_t> words_;
  int64_t num_rows_ = 0;
};

}  // namespace ebag::detail
