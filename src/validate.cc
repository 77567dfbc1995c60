// Input validation: every check of the public header, before any memory of
// the table or the outputs is touched.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "bags.h"
#include "embedding_bag.h"
#include "validate.h"

namespace ebag {
namespace {

constexpr int64_t kMaxSize = std::numeric_limits<int32_t>::max();

Status fail(ErrorCode code, Argument argument, int64_t position = -1, int64_t value = 0) {
  Status s;
  s.code = code;
  s.argument = argument;
  s.position = position;
  s.value = value;
  return s;
}

Status check_size(int64_t size, Argument argument) {
  if (size < 0) return fail(ErrorCode::kNegativeSize, argument, -1, size);
  if (size > kMaxSize) return fail(ErrorCode::kTooLarge, argument, -1, size);
  return {};
}

// Position of the first index outside [0, n), or -1. A block with no bad
// index costs one branch-free OR-reduction, which the compiler vectorises;
// only a block with a bad index is scanned again for its position.
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

const char* error_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kBadNumEmbeddings: return "must be an integer in [1, 2147483647]";
    case ErrorCode::kBadEmbeddingDim: return "must be an integer in [1, 2147483647]";
    case ErrorCode::kBadMode: return "must be sum, mean or max";
    case ErrorCode::kBadPaddingIdx: return "must be in [-num_embeddings, num_embeddings)";
    case ErrorCode::kBadMaxNorm: return "must be a number >= 0";
    case ErrorCode::kBadNormType: return "must be a number > 0 (or Infinity)";
    case ErrorCode::kPerSampleWeightsNeedSumMode: return "is only supported with mode sum";
    case ErrorCode::kMaxModeWithScaleGradByFreq: return "is not supported with mode max";
    case ErrorCode::kMaxModeWithSparse: return "is not supported with mode max";
    case ErrorCode::kShapeMismatch: return "does not match rows * row_length";
    case ErrorCode::kNegativeSize: return "has a negative size";
    case ErrorCode::kTooLarge: return "is larger than 2147483647 elements";
    case ErrorCode::kEmptyOffsetsWithIncludeLastOffset:
      return "must have at least one entry with include_last_offset";
    case ErrorCode::kFirstOffsetNotZero: return "must start at 0";
    case ErrorCode::kOffsetsDecreasing: return "must not decrease";
    case ErrorCode::kOffsetPastEnd: return "is past the end of indices";
    case ErrorCode::kIndexOutOfRange: return "is out of range [0, num_embeddings)";
    case ErrorCode::kLengthMismatch: return "has the wrong length";
    case ErrorCode::kBadArgmax: return "is out of range [-1, num_embeddings)";
    case ErrorCode::kMissingBuffer: return "is missing (null)";
    case ErrorCode::kOutOfMemory: return "does not fit in memory";
    case ErrorCode::kBadRowFormat: return "must be float16, int8 or int4 row-wise";
    case ErrorCode::kNotQuantizable: return "cannot be quantized (not finite, or out of range)";
    case ErrorCode::kQuantizedTable: return "is not supported on a quantized table";
  }
  return "unknown error";
}

const char* argument_name(Argument argument) {
  switch (argument) {
    case Argument::kNone: return "";
    case Argument::kNumEmbeddings: return "num_embeddings";
    case Argument::kEmbeddingDim: return "embedding_dim";
    case Argument::kMode: return "mode";
    case Argument::kPaddingIdx: return "padding_idx";
    case Argument::kMaxNorm: return "max_norm";
    case Argument::kNormType: return "norm_type";
    case Argument::kScaleGradByFreq: return "scale_grad_by_freq";
    case Argument::kSparse: return "sparse";
    case Argument::kIncludeLastOffset: return "include_last_offset";
    case Argument::kTable: return "table";
    case Argument::kIndices: return "indices";
    case Argument::kOffsets: return "offsets";
    case Argument::kRows: return "rows";
    case Argument::kRowLength: return "row_length";
    case Argument::kPerSampleWeights: return "per_sample_weights";
    case Argument::kOutput: return "output";
    case Argument::kArgmax: return "argmax";
    case Argument::kGradOutput: return "grad_output";
    case Argument::kGradWeight: return "grad_weight";
    case Argument::kGradPerSampleWeights: return "grad_per_sample_weights";
    case Argument::kRowFormat: return "row_format";
  }
  return "unknown argument";
}

Status validate_table(int64_t num_embeddings, int64_t embedding_dim,
                      std::optional<int64_t> padding_idx) {
  if (num_embeddings < 1 || num_embeddings > kMaxSize) {
    return fail(ErrorCode::kBadNumEmbeddings, Argument::kNumEmbeddings, -1, num_embeddings);
  }
  if (embedding_dim < 1 || embedding_dim > kMaxSize) {
    return fail(ErrorCode::kBadEmbeddingDim, Argument::kEmbeddingDim, -1, embedding_dim);
  }
  if (padding_idx && (*padding_idx < -num_embeddings || *padding_idx >= num_embeddings)) {
    return fail(ErrorCode::kBadPaddingIdx, Argument::kPaddingIdx, -1, *padding_idx);
  }
  return {};
}

Status validate_options(const Options& options) {
  const auto mode = static_cast<int32_t>(options.mode);
  if (mode < 0 || mode > 2) return fail(ErrorCode::kBadMode, Argument::kMode, -1, mode);
  if (options.max_norm && !(*options.max_norm >= 0.0)) {
    return fail(ErrorCode::kBadMaxNorm, Argument::kMaxNorm);
  }
  if (!(options.norm_type > 0.0)) return fail(ErrorCode::kBadNormType, Argument::kNormType);
  if (options.mode == Mode::kMax && options.scale_grad_by_freq) {
    return fail(ErrorCode::kMaxModeWithScaleGradByFreq, Argument::kScaleGradByFreq);
  }
  if (options.mode == Mode::kMax && options.sparse) {
    return fail(ErrorCode::kMaxModeWithSparse, Argument::kSparse);
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
    return fail(ErrorCode::kMissingBuffer, Argument::kIndices);
  }
  if (bags.is_2d) {
    if (bags.rows * bags.row_length != bags.num_indices) {
      return fail(ErrorCode::kShapeMismatch, Argument::kIndices, -1, bags.num_indices);
    }
  } else {
    const int64_t m = bags.num_offsets;
    if (Status s = check_size(m, Argument::kOffsets); !s.ok()) return s;
    if (bags.offsets == nullptr && m > 0) return fail(ErrorCode::kMissingBuffer, Argument::kOffsets);
    if (options.include_last_offset && m == 0) {
      return fail(ErrorCode::kEmptyOffsetsWithIncludeLastOffset, Argument::kOffsets);
    }
    if (m > 0 && bags.offsets[0] != 0) {
      return fail(ErrorCode::kFirstOffsetNotZero, Argument::kOffsets, 0, bags.offsets[0]);
    }
    for (int64_t k = 1; k < m; ++k) {
      const int64_t offset = bags.offsets[k];
      if (offset < static_cast<int64_t>(bags.offsets[k - 1])) {
        return fail(ErrorCode::kOffsetsDecreasing, Argument::kOffsets, k, offset);
      }
      if (offset > bags.num_indices) {
        return fail(ErrorCode::kOffsetPastEnd, Argument::kOffsets, k, offset);
      }
    }
  }
  if (const int64_t i = first_index_out_of_range(bags.indices, bags.num_indices, n); i >= 0) {
    return fail(ErrorCode::kIndexOutOfRange, Argument::kIndices, i, bags.indices[i]);
  }
  if (bags.per_sample_weights != nullptr) {
    if (options.mode != Mode::kSum) {
      return fail(ErrorCode::kPerSampleWeightsNeedSumMode, Argument::kPerSampleWeights, -1,
                  static_cast<int32_t>(options.mode));
    }
    if (bags.num_per_sample_weights != bags.num_indices) {
      return fail(ErrorCode::kLengthMismatch, Argument::kPerSampleWeights, -1,
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
  if (table.data == nullptr) return fail(ErrorCode::kMissingBuffer, Argument::kTable);
  return validate_bags(n, bags, options);
}

template <typename IndexT, typename OffsetT>
Status validate(const QuantizedTable& table, const Bags<IndexT, OffsetT>& bags,
                const Options& options) {
  const int64_t n = table.num_embeddings;
  if (Status s = validate_table(n, table.embedding_dim, options.padding_idx); !s.ok()) return s;
  if (Status s = validate_row_format(table.format); !s.ok()) return s;
  if (Status s = validate_options(options); !s.ok()) return s;
  if (options.max_norm) return fail(ErrorCode::kQuantizedTable, Argument::kMaxNorm);
  if (table.data == nullptr) return fail(ErrorCode::kMissingBuffer, Argument::kTable);
  return validate_bags(n, bags, options);
}

template <typename IndexT, typename OffsetT>
int64_t num_bags(const Bags<IndexT, OffsetT>& bags, const Options& options) {
  return detail::bag_count(bags, options);
}

Status validate_buffer(const void* pointer, Argument argument, int64_t needed_elements) {
  if (pointer == nullptr && needed_elements > 0) return fail(ErrorCode::kMissingBuffer, argument);
  return {};
}

Status validate_row_format(RowFormat format) {
  if (row_bytes(format, 1) == 0) {
    return fail(ErrorCode::kBadRowFormat, Argument::kRowFormat, -1, static_cast<int32_t>(format));
  }
  return {};
}

Status out_of_memory(int64_t bytes) { return fail(ErrorCode::kOutOfMemory, Argument::kNone, -1, bytes); }

Status validate_grad_output(const float* grad_output, int64_t length, int64_t expected) {
  if (length != expected) return fail(ErrorCode::kLengthMismatch, Argument::kGradOutput, -1, length);
  return validate_buffer(grad_output, Argument::kGradOutput, expected);
}

Status validate_argmax(const int32_t* argmax, int64_t length, int64_t num_embeddings) {
  if (Status s = validate_buffer(argmax, Argument::kArgmax, length); !s.ok()) return s;
  for (int64_t j = 0; j < length; ++j) {
    if (argmax[j] < -1 || argmax[j] >= num_embeddings) {
      return fail(ErrorCode::kBadArgmax, Argument::kArgmax, j, argmax[j]);
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
