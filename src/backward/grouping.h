// Internal (backward): the bag entries grouped by destination row with a
// stable radix sort, so every row adds its contributions in ascending entry
// order -- one deterministic order for the dense and the sparse gradient,
// which lets threads split the work by row without changing any bit.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "backward/entries.h"
#include "kernels/ukernels.h"
#include "workspace.h"

namespace ebag::detail {

// The radix sort by row id takes one pass when row ids fit in 16 bits (a
// counting sort: N <= 65536), else two passes over half the bits each.
constexpr int kMaxRadixBits = 16;

// The grouping of one call's live entries: after group(), groups() runs of
// equal rows in row order.
class RowGroups {
 public:
  explicit RowGroups(GroupingBuffers& buffers) : b_(buffers) {}

  // Room for n index positions; false when memory cannot be had.
  [[nodiscard]] bool reserve(size_t n) { return b_.reserve(n, size_t{1} << kMaxRadixBits); }
  static int64_t bytes_needed(int64_t n) { return n * GroupingBuffers::kBytesPerIndex; }

  // Sorts the live entries by row (ties in entry order) and finds the runs
  // of equal rows. reserve(num_indices) came first.
  template <typename IndexT, typename OffsetT>
  void group(const Bags<IndexT, OffsetT>& bags, const Options& options, int64_t num_embeddings) {
    const int64_t pad = wrapped_padding_row(options, num_embeddings);
    // Locals, not members, in the loops: the compiler keeps them in registers.
    uint32_t* entry_rows = b_.entry_rows.data();
    uint32_t* entry_pos = b_.entry_pos.data();
    uint32_t* entry_bag = b_.entry_bag.data();
    float* entry_scale = b_.entry_scale.data();
    int64_t live = 0;
    for_each_live_entry(bags, options, pad, [&](int64_t b, int64_t i, int64_t row, float scale) {
      entry_rows[live] = static_cast<uint32_t>(row);
      entry_pos[live] = static_cast<uint32_t>(i);
      ++live;
      entry_bag[i] = static_cast<uint32_t>(b);
      entry_scale[i] = scale;
    });
    live_ = live;
    sort_by_row(num_embeddings);
    v_ = {b_.sort_rows.data(), b_.sort_pos.data(), b_.group_starts.data(), b_.entry_bag.data(),
          b_.entry_scale.data(), b_.group_bags.data(), b_.group_scales.data()};
    const uint32_t* sorted = b_.sort_rows.data();
    uint32_t* starts = b_.group_starts.data();
    int64_t groups = 0;
    for (int64_t e = 0; e < live; ++e) {
      if (e == 0 || sorted[e] != sorted[e - 1]) starts[groups++] = static_cast<uint32_t>(e);
    }
    starts[groups] = static_cast<uint32_t>(live);
    groups_ = groups;
  }

  int64_t live() const { return live_; }
  int64_t groups() const { return groups_; }
  // The destination row of group g.
  int64_t row(int64_t g) const { return v_.sort_rows[v_.group_starts[g]]; }

  // First group of piece t of `pieces`, splitting the groups' entries evenly.
  int64_t first_group_of_piece(int pieces, int t) const {
    if (t >= pieces) return groups_;
    const auto target = static_cast<uint32_t>(live_ * t / pieces);
    return std::lower_bound(v_.group_starts, v_.group_starts + groups_, target) - v_.group_starts;
  }

  // dest = the gradient row of group g: its entries' bags and scales (divided
  // by the row's frequency with scale_grad_by_freq) laid out in entry order,
  // then one gradient_row kernel call that keeps the row in registers.
  template <typename IndexT>
  void gradient_row(const kernels::KernelSet<IndexT>& kernels, bool scale_grad_by_freq, const float* grad_output,
                    int64_t dim, int64_t g, float* dest) {
    const Views v = v_;  // in registers for the loop
    const int64_t first = v.group_starts[g];
    const int64_t last = v.group_starts[g + 1];
    const auto freq = static_cast<float>(last - first);
    if (last - first == 1) {  // most rows of a large table: no layout needed
      const uint32_t i = v.sort_pos[first];
      const float s = scale_grad_by_freq ? v.entry_scale[i] / freq : v.entry_scale[i];
      kernels.gradient_row(grad_output, dim, &v.entry_bag[i], &s, 1, dest);
      return;
    }
    for (int64_t e = first; e < last; ++e) {
      const uint32_t i = v.sort_pos[e];
      float s = v.entry_scale[i];
      if (scale_grad_by_freq) s = s / freq;
      v.group_bags[e] = v.entry_bag[i];
      v.group_scales[e] = s;
    }
    kernels.gradient_row(grad_output, dim, v.group_bags + first, v.group_scales + first, last - first, dest);
  }

 private:
  // LSD radix sort of entries [0, live_) on the row id; stable, so equal
  // rows keep entry order. Rows need as many bits as N - 1 has.
  void sort_by_row(int64_t num_embeddings) {
    const int64_t live = live_;
    uint32_t* rows = b_.entry_rows.data();
    uint32_t* pos = b_.entry_pos.data();
    uint32_t* rows_out = b_.sort_rows.data();
    uint32_t* pos_out = b_.sort_pos.data();
    uint32_t* hist = b_.histogram.data();
    const auto max_row = static_cast<uint32_t>(num_embeddings - 1);
    int bits = 0;
    while (bits < 32 && (max_row >> bits) != 0) ++bits;
    const int pass_bits = bits <= kMaxRadixBits ? bits : (bits + 1) / 2;
    const uint32_t mask = (1u << pass_bits) - 1;  // pass_bits <= kMaxRadixBits
    for (int shift = 0; shift < bits; shift += pass_bits) {
      std::memset(hist, 0, sizeof(uint32_t) * (mask + 1));
      for (int64_t e = 0; e < live; ++e) ++hist[(rows[e] >> shift) & mask];
      uint32_t start = 0;
      for (uint32_t d = 0; d <= mask; ++d) {
        const uint32_t c = hist[d];
        hist[d] = start;
        start += c;
      }
      for (int64_t e = 0; e < live; ++e) {
        const uint32_t slot = hist[(rows[e] >> shift) & mask]++;
        rows_out[slot] = rows[e];
        pos_out[slot] = pos[e];
      }
      std::swap(rows, rows_out);
      std::swap(pos, pos_out);
    }
    if (rows != b_.sort_rows.data()) {
      std::memcpy(b_.sort_rows.data(), rows, sizeof(uint32_t) * live);
      std::memcpy(b_.sort_pos.data(), pos, sizeof(uint32_t) * live);
    }
  }

  // The buffers' data, fixed once group() has run (reserve came before).
  struct Views {
    const uint32_t* sort_rows;
    const uint32_t* sort_pos;
    const uint32_t* group_starts;
    const uint32_t* entry_bag;
    const float* entry_scale;
    uint32_t* group_bags;
    float* group_scales;
  };

  GroupingBuffers& b_;
  Views v_{};
  int64_t live_ = 0;
  int64_t groups_ = 0;
};

}  // namespace ebag::detail
