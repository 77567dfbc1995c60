#include "renorm.h"

#include <cmath>

namespace ebag::detail {
namespace {

// Accumulated in double, like PyTorch's CPU norm (acc_type<float> = double).
double row_norm(const float* row, int64_t dim, double p) {
  double acc = 0.0;
  if (std::isinf(p)) {
    for (int64_t d = 0; d < dim; ++d) acc = std::fmax(acc, std::fabs(static_cast<double>(row[d])));
    return acc;
  }
  if (p == 1.0) {
    for (int64_t d = 0; d < dim; ++d) acc += std::fabs(static_cast<double>(row[d]));
    return acc;
  }
  if (p == 2.0) {
    for (int64_t d = 0; d < dim; ++d) acc += static_cast<double>(row[d]) * row[d];
    return std::sqrt(acc);
  }
  for (int64_t d = 0; d < dim; ++d) acc += std::pow(std::fabs(static_cast<double>(row[d])), p);
  return std::pow(acc, 1.0 / p);
}

}  // namespace

template <typename IndexT>
bool renorm_rows(const Table& table, const IndexT* indices, int64_t count, double max_norm,
                 double norm_type, RowBitmap& seen) {
  const int64_t dim = table.embedding_dim;
  if (!seen.reserve(table.num_embeddings)) return false;
  for (int64_t i = 0; i < count; ++i) {
    const auto row = static_cast<int64_t>(indices[i]);
    if (!seen.mark(row)) continue;
    float* w = table.data + row * dim;
    const double norm = row_norm(w, dim, norm_type);
    if (norm > max_norm) {
      const auto scale = static_cast<float>(max_norm / (norm + 1e-7));
      for (int64_t d = 0; d < dim; ++d) w[d] = w[d] * scale;
    }
  }
  seen.clear_rows(indices, count);
  return true;
}

template bool renorm_rows<int32_t>(const Table&, const int32_t*, int64_t, double, double,
                                   RowBitmap&);
template bool renorm_rows<int64_t>(const Table&, const int64_t*, int64_t, double, double,
                                   RowBitmap&);

}  // namespace ebag::detail
