// Internal: how a validated Bags description maps bag numbers to index ranges.
#pragma once

#include "ebag/embedding_bag.h"

// Every (index type, offset type) pair the entry points are instantiated for:
// X(IndexT, OffsetT) once per pair.
#define EBAG_FOR_EACH_INDEX_PAIR(X) \
  X(int32_t, int32_t)               \
  X(int32_t, int64_t)               \
  X(int64_t, int32_t)               \
  X(int64_t, int64_t)

namespace ebag::detail {

struct IndexRange {
  int64_t begin;
  int64_t end;
};

template <typename IndexT, typename OffsetT>
inline int64_t bag_count(const Bags<IndexT, OffsetT>& bags, const Options& options) {
  if (bags.is_2d) return bags.rows;
  if (options.include_last_offset) return bags.num_offsets > 0 ? bags.num_offsets - 1 : 0;
  return bags.num_offsets;
}

// Entries of bag b (0 <= b < bag_count).
template <typename IndexT, typename OffsetT>
inline IndexRange bag_range(const Bags<IndexT, OffsetT>& bags, int64_t b) {
  if (bags.is_2d) return {b * bags.row_length, (b + 1) * bags.row_length};
  const int64_t end = b + 1 < bags.num_offsets ? static_cast<int64_t>(bags.offsets[b + 1])
                                               : bags.num_indices;
  return {static_cast<int64_t>(bags.offsets[b]), end};
}

// Bags are contiguous from entry 0: every entry below this belongs to a bag,
// every entry from it on (include_last_offset's trailing indices) to none.
template <typename IndexT, typename OffsetT>
inline int64_t bag_entries_end(const Bags<IndexT, OffsetT>& bags, const Options& options) {
  const int64_t num = bag_count(bags, options);
  return num == 0 ? 0 : bag_range(bags, num - 1).end;
}

// padding_idx wrapped into [0, N), or -1 for none (validated before).
inline int64_t wrapped_padding_row(const Options& options, int64_t num_embeddings) {
  if (!options.padding_idx) return -1;
  const int64_t p = *options.padding_idx;
  return p < 0 ? p + num_embeddings : p;
}

}  // namespace ebag::detail
