// Internal (backward): gradients built by scattering each bag's G row into
// its entries' rows in entry order, straight into a zeroed dense array -- per
// element the adds of the grouped path, in the same order, so the same bits.
#pragma once

#include <cstdint>
#include <cstring>

#include "backward/entries.h"
#include "kernels/ukernels.h"
#include "validate.h"
#include "workspace.h"

namespace ebag::detail {

// Adds every bag's entries whose rows lie in `rows` into grad (N x D, those
// rows zeroed), bag by bag in entry order: one scatter_bag call per bag keeps
// the bag's G row in registers.
template <typename IndexT, typename OffsetT>
void scatter_bags(const kernels::KernelSet<IndexT>& kernels, const Table& table, const Bags<IndexT, OffsetT>& bags,
                  const Options& options, const float* grad_output, IndexRange rows, float* grad) {
  const int64_t dim = table.embedding_dim;
  const int64_t pad = wrapped_padding_row(options, table.num_embeddings);
  const int64_t num = bag_count(bags, options);
  const float* weights = bags.per_sample_weights;
  const bool scaled = mode_traits(options.mode)->scaled;
  for (int64_t b = 0; b < num; ++b) {
    const IndexRange range = bag_range(bags, b);
    kernels.scatter_bag({bags.indices + range.begin, range.end - range.begin,
                         weights != nullptr ? weights + range.begin : nullptr,
                         bag_entry_scale(bags, options, scaled, pad, range), pad, grad_output + b * dim, dim, rows.begin,
                         rows.end},
                        grad);
  }
}

// The sparse gradient of a table whose N x D gradient fits in cache (no
// scale_grad_by_freq): the rows touched marked in the workspace's bitmap,
// the entries scattered into a zeroed dense scratch, then the touched rows
// copied out in ascending order. One thread: the scratch is cache-sized.
template <typename IndexT, typename OffsetT>
Status sparse_gradient_through_dense(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                                     const Bags<IndexT, OffsetT>& bags, const Options& options,
                                     const float* grad_output, SparseGradient& grad_weight, Workspace::Impl& ws) {
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  RowBitmap& touched = ws.rows;
  if (!touched.reserve(n) || (ws.dense_scratch.size() < static_cast<size_t>(n * dim) &&
                              !ws.dense_scratch.resize(static_cast<uint64_t>(n * dim)))) {
    return out_of_memory(n * dim * 4 + n / 8);
  }
  int64_t count = 0;
  for_each_live_entry(bags, options, wrapped_padding_row(options, n),
                      [&](int64_t, int64_t, int64_t row, float) { count += touched.mark(row); });
  if (!grad_weight.rows.resize(static_cast<uint64_t>(count)) ||
      !grad_weight.values.resize(static_cast<uint64_t>(count * dim))) {
    touched.clear();
    grad_weight.rows.release();
    grad_weight.values.release();
    return out_of_memory(count * (dim + 1) * 4);
  }
  float* scratch = ws.dense_scratch.data();
  std::memset(scratch, 0, sizeof(float) * n * dim);
  scatter_bags(kernels, table, bags, options, grad_output, {0, n}, scratch);
  int64_t k = 0;
  touched.for_each_row([&](int64_t row) {
    grad_weight.rows[static_cast<size_t>(k)] = static_cast<int32_t>(row);
    std::memcpy(grad_weight.values.data() + k * dim, scratch + row * dim, sizeof(float) * dim);
    ++k;
  });
  touched.clear();
  return {};
}

}  // namespace ebag::detail
