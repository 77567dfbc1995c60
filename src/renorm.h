// Internal: max_norm renormalisation of the rows a call references.
#pragma once

#include "embedding_bag.h"

namespace ebag::detail {

// Scales every distinct row named by indices[0:count) whose norm_type-norm
// exceeds max_norm to max_norm / (norm + 1e-7) of itself. Inputs validated.
// seen: scratch bitmap of N bits, all zero before and after. False, with the
// table untouched, when the bitmap cannot be allocated.
template <typename IndexT>
[[nodiscard]] bool renorm_rows(const Table& table, const IndexT* indices, int64_t count, double max_norm,
                 double norm_type, Buffer<uint64_t>& seen);

}  // namespace ebag::detail
