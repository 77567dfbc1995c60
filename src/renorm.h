// Internal: max_norm renormalisation of the rows a call references.
#pragma once

#include "ebag/embedding_bag.h"
#include "row_bitmap.h"

namespace ebag::detail {

// Scales every distinct row named by indices[0:count) whose norm_type-norm
// exceeds max_norm to max_norm / (norm + 1e-7) of itself. Inputs validated.
// seen: all clear before and after. False, with the
// table untouched, when the bitmap cannot be allocated.
template <typename IndexT>
[[nodiscard]] bool renorm_rows(const Table& table, const IndexT* indices, int64_t count, double max_norm,
                 double norm_type, RowBitmap& seen);

}  // namespace ebag::detail
