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
                 double norm_type, Buffer<uint64_t>& seen) {
  const int64_t dim = table.embedding_dim;
  const auto words = static_cast<size_t>((table.num_embeddings + 63) / 64);
  if (seen.size() < words && !seen.resize_zeroed(words)) return false;
  for (int64_t i = 0; i < count; ++i) {
    const auto row = static_cast<uint64_t>(indices[i]);
    const uint64_t bit = uint64_t{1} << (row % 64);
    if (seen[row / 64] & bit) continue;
    seen[row / 64] |= bit;
    float* w = table.data + static_cast<int64_t>(row) * dim;
    const double norm = row_norm(w, dim, norm_type);
    if (norm > max_norm) {
      const auto scale = static_cast<float>(max_norm / (norm + 1e-7));
      for (int64_t d = 0; d < dim; ++d) w[d] = w[d] * scale;
    }
  }
  for (int64_t i = 0; i < count; ++i) {
    const auto row = static_cast<uint64_t>(indices[i]);
    seen[row / 64] &= ~(uint64_t{1} << (row % 64));
  }
  return true;
}

template bool renorm_rows<int32_t>(const Table&, const int32_t*, int64_t, double, double,
                                   Buffer<uint64_t>&);
template bool renorm_rows<int64_t>(const Table&, const int64_t*, int64_t, double, double,
                                   Buffer<uint64_t>&);

}  // namespace ebag::detail
