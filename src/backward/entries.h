// Internal (backward): the live bag entries of a call and the scale each
// entry's gradient row is multiplied by (embedding_bag.h: s = w_i * scale(b)).
#pragma once

#include <cstdint>

#include "bag_scale.h"
#include "bags.h"
#include "ebag/embedding_bag.h"

namespace ebag::detail {

// What every entry of bag `range` is scaled by before weights: scale(b) in
// a scaled mode (`scaled`: mode_traits(mode)->scaled, looked up once per
// call), else 1.
template <typename IndexT, typename OffsetT>
float bag_entry_scale(const Bags<IndexT, OffsetT>& bags, const Options& options, bool scaled, int64_t pad,
                      IndexRange range) {
  if (!scaled) return 1.0f;
  const float* weights = bags.per_sample_weights != nullptr ? bags.per_sample_weights + range.begin : nullptr;
  return bag_scale(options, bags.indices + range.begin, weights, range.end - range.begin, pad);
}

// fn(bag, entry, row, s) for every non-padding bag entry, in entry order;
// s = w_i * bag_entry_scale (w_i = 1 without weights; sum's weighted s is w_i
// exactly).
template <typename IndexT, typename OffsetT, typename EntryFn>
void for_each_live_entry(const Bags<IndexT, OffsetT>& bags, const Options& options, int64_t pad, EntryFn&& fn) {
  const int64_t num = bag_count(bags, options);
  const bool scaled = mode_traits(options.mode)->scaled;
  const float* weights = bags.per_sample_weights;
  for (int64_t b = 0; b < num; ++b) {
    const IndexRange range = bag_range(bags, b);
    const float scale = bag_entry_scale(bags, options, scaled, pad, range);
    for (int64_t i = range.begin; i < range.end; ++i) {
      const int64_t row = bags.indices[i];
      if (row == pad) continue;
      fn(b, i, row, weights != nullptr ? weights[i] * scale : scale);
    }
  }
}

}  // namespace ebag::detail
