// Input validation: every check of the public header, before any memory of
// the table or the outputs is touched.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "bags.h"
#include "ebag/embedding_bag.h"
#include "validate.h"

namespace ebag {
namespace {

Status check_size(int64_t size, Argument argument) {
  if (size < 0) return make_error(ErrorCode::kNegativeSize, argument, -1, size);
  if (size > kMaxSize) return make_error(ErrorCode::kTooLarge, argument, -1, size);
  return {};
}

// Position of the first index outside [0, n), or -1. A block with no bad
// index costs one branch-free OR-reduction (scalar: this file is built for
// size, and V8 runs the loop-pragma vectorisation of it slower than this
// loop); only a block with a bad index is scanned again for its position.
template <typename IndexT>
int64_t first_index_out_of_range(const IndexT* indices, int64_t count, int64_t n) {
  using Unsigned = std::make_unsigned_t<IndexT>;
  const auto limit = static_cast<Unsigned>(n);  // negative indices wrap to >= limit
  constexpr int64_t kBlock = 512;
  for (int64_t begin = 0; begin < count; begin += kBlock) {
    const int64_t end = std::min(count, begin + kBlock);
    Unsigned bad = 0;
    for (int64_t i = begin; i < end; ++i) bad |= static_cast<Unsigned>(static_cast<Unsigned>(indices[i]) >= limit);
    if (bad == 0) continue;
    for (int64_t i = begin; i < end; ++i) {
      if (static_cast<Unsigned>(indices[i]) >= limit) return i;
    }
  }
  return -1;
}

}  // namespace

template <typename OffsetT>
Status validate_offsets(const OffsetT* offsets, int64_t count, int64_t num_indices) {
  if (count > 0 && offsets[0] != 0) return make_error(ErrorCode::kFirstOffsetNotZero, Argument::kOffsets, 0, offsets[0]);
  for (int64_t k = 1; k < count; ++k) {
    const int64_t offset = offsets[k];
    if (offset < static_cast<int64_t>(offsets[k - 1])) return make_error(ErrorCode::kOffsetsDecreasing, Argument::kOffsets, k, offset);
    if (offset > num_indices) return make_error(ErrorCode::kOffsetPastEnd, Argument::kOffsets, k, offset);
  }
  return {};
}

template Status validate_offsets(const int32_t*, int64_t, int64_t);
template Status validate_offsets(const int64_t*, int64_t, int64_t);

Status validate_table(int64_t num_embeddings, int64_t embedding_dim,
                      std::optional<int64_t> padding_idx) {
  if (num_embeddings < 1 || num_embeddings > kMaxSize) {
    return make_error(ErrorCode::kBadNumEmbeddings, Argument::kNumEmbeddings, -1, num_embeddings);
  }
  if (embedding_dim < 1 || embedding_dim > kMaxSize) {
    return make_error(ErrorCode::kBadEmbeddingDim, Argument::kEmbeddingDim, -1, embedding_dim);
  }
  if (padding_idx && (*padding_idx < -num_embeddings || *padding_idx >= num_embeddings)) {
    return make_error(ErrorCode::kBadPaddingIdx, Argument::kPaddingIdx, -1, *padding_idx);
  }
  return {};
}

Status validate_options(const Options& options) {
  if (mode_traits(options.mode) == nullptr) {
    return make_error(ErrorCode::kBadMode, Argument::kMode, -1, static_cast<int32_t>(options.mode));
  }
  if (options.max_norm && !(*options.max_norm >= 0.0)) {
    return make_error(ErrorCode::kBadMaxNorm, Argument::kMaxNorm);
  }
  if (!(options.norm_type > 0.0)) return make_error(ErrorCode::kBadNormType, Argument::kNormType);
  const bool argmax = mode_traits(options.mode)->argmax;
  if (argmax && options.scale_grad_by_freq) {
    return make_error(ErrorCode::kMaxModeWithScaleGradByFreq, Argument::kScaleGradByFreq);
  }
  if (argmax && options.sparse) {
    return make_error(ErrorCode::kMaxModeWithSparse, Argument::kSparse);
  }
  return {};
}

namespace {

// The bag part of validate(): sizes, offsets, indices in [0, n), per-sample weights.
template <typename IndexT, typename OffsetT>
Status validate_bags(int64_t n, const Bags<IndexT, OffsetT>& bags, const Options& options) {
  if (bags.is_2d) {
    if (Status s = check_size(bags.rows, Argument::kRows); !s.ok()) return s;
    if (Status s = check_size(bags.row_length, Argument::kRowLength); !s.ok()) return s;
  }
  if (Status s = check_size(bags.num_indices, Argument::kIndices); !s.ok()) return s;
  if (bags.indices == nullptr && bags.num_indices > 0) {
    return make_error(ErrorCode::kMissingBuffer, Argument::kIndices);
  }
  if (bags.is_2d) {
    if (bags.rows * bags.row_length != bags.num_indices) {
      return make_error(ErrorCode::kShapeMismatch, Argument::kIndices, -1, bags.num_indices);
    }
  } else {
    const int64_t m = bags.num_offsets;
    if (Status s = check_size(m, Argument::kOffsets); !s.ok()) return s;
    if (bags.offsets == nullptr && m > 0) return make_error(ErrorCode::kMissingBuffer, Argument::kOffsets);
    if (options.include_last_offset && m == 0) {
      return make_error(ErrorCode::kEmptyOffsetsWithIncludeLastOffset, Argument::kOffsets);
    }
    if (Status s = validate_offsets(bags.offsets, m, bags.num_indices); !s.ok()) return s;
  }
  if (const int64_t i = first_index_out_of_range(bags.indices, bags.num_indices, n); i >= 0) {
    return make_error(ErrorCode::kIndexOutOfRange, Argument::kIndices, i, bags.indices[i]);
  }
  if (bags.per_sample_weights != nullptr) {
    if (!mode_traits(options.mode)->per_sample_weights) {
      return make_error(ErrorCode::kPerSampleWeightsNotSupported, Argument::kPerSampleWeights, -1,
                        static_cast<int32_t>(options.mode));
    }
    if (bags.num_per_sample_weights != bags.num_indices) {
      return make_error(ErrorCode::kLengthMismatch, Argument::kPerSampleWeights, -1,
                  bags.num_per_sample_weights);
    }
  }
  return {};
}

}  // namespace

template <typename IndexT, typename OffsetT>
Status validate(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options) {
  const int64_t n = table.num_embeddings;
  if (Status s = validate_table(n, table.embedding_dim, options.padding_idx); !s.ok()) return s;
  if (Status s = validate_options(options); !s.ok()) return s;
  if (table.data == nullptr) return make_error(ErrorCode::kMissingBuffer, Argument::kTable);
  return validate_bags(n, bags, options);
}

template <typename IndexT, typename OffsetT>
Status validate(const QuantizedTable& table, const Bags<IndexT, OffsetT>& bags,
                const Options& options) {
  const int64_t n = table.num_embeddings;
  if (Status s = validate_table(n, table.embedding_dim, options.padding_idx); !s.ok()) return s;
  if (Status s = validate_row_format(table.format); !s.ok()) return s;
  if (Status s = validate_options(options); !s.ok()) return s;
  if (options.max_norm) return make_error(ErrorCode::kQuantizedTable, Argument::kMaxNorm);
  if (table.data == nullptr) return make_error(ErrorCode::kMissingBuffer, Argument::kTable);
  return validate_bags(n, bags, options);
}

template <typename IndexT, typename OffsetT>
int64_t num_bags(const Bags<IndexT, OffsetT>& bags, const Options& options) {
  return detail::bag_count(bags, options);
}

Status validate_buffer(const void* pointer, Argument argument, int64_t needed_elements) {
  if (pointer == nullptr && needed_elements > 0) return make_error(ErrorCode::kMissingBuffer, argument);
  return {};
}

Status validate_row_format(RowFormat format) {
  if (row_format_traits(format) == nullptr) {
    return make_error(ErrorCode::kBadRowFormat, Argument::kRowFormat, -1, static_cast<int32_t>(format));
  }
  return {};
}

Status out_of_memory(int64_t bytes) { return make_error(ErrorCode::kOutOfMemory, Argument::kNone, -1, bytes); }

Status out_of_memory(double bytes) {
  // A size beyond int64 (a double from JavaScript) reads as the largest one.
  return out_of_memory(bytes < 9.2e18 ? static_cast<int64_t>(bytes) : std::numeric_limits<int64_t>::max());
}

Status validate_grad_output(const float* grad_output, int64_t length, int64_t expected) {
  if (length != expected) return make_error(ErrorCode::kLengthMismatch, Argument::kGradOutput, -1, length);
  return validate_buffer(grad_output, Argument::kGradOutput, expected);
}

Status validate_argmax(const int32_t* argmax, int64_t length, int64_t num_embeddings) {
  if (Status s = validate_buffer(argmax, Argument::kArgmax, length); !s.ok()) return s;
  for (int64_t j = 0; j < length; ++j) {
    if (argmax[j] < -1 || argmax[j] >= num_embeddings) {
      return make_error(ErrorCode::kBadArgmax, Argument::kArgmax, j, argmax[j]);
    }
  }
  return {};
}

#define EBAG_INSTANTIATE(I, O)                                                           \
  template Status validate<I, O>(const Table&, const Bags<I, O>&, const Options&); \
  template Status validate<I, O>(const QuantizedTable&, const Bags<I, O>&, const Options&); \
  template int64_t num_bags<I, O>(const Bags<I, O>&, const Options&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
