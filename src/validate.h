// Internal: the validation helpers shared by forward, backward and init.
#pragma once

#include "ebag/embedding_bag.h"

namespace ebag {

// Every Status that is not ok is made here.
inline Status make_error(ErrorCode code, Argument argument = Argument::kNone, int64_t position = -1,
                         int64_t value = 0) {
  return Status{code, argument, position, value};
}

Status validate_table(int64_t num_embeddings, int64_t embedding_dim,
                      std::optional<int64_t> padding_idx);
Status validate_options(const Options& options);
// A bag's offsets (count of them over num_indices indices): from 0, never
// decreasing, none past the end. Also a KJT's (collection.cc).
template <typename OffsetT>
Status validate_offsets(const OffsetT* offsets, int64_t count, int64_t num_indices);
// kMissingBuffer when pointer is null but needed_elements > 0.
Status validate_buffer(const void* pointer, Argument argument, int64_t needed_elements);
Status validate_grad_output(const float* grad_output, int64_t length, int64_t expected);
// kBadRowFormat unless format is one of RowFormat's values.
Status validate_row_format(RowFormat format);
// kOutOfMemory, value = the bytes that could not be had.
Status out_of_memory(int64_t bytes);
Status out_of_memory(double bytes);
// Every argmax entry in [-1, num_embeddings): backward indexes the table with them.
Status validate_argmax(const int32_t* argmax, int64_t length, int64_t num_embeddings);

}  // namespace ebag
