// Internal (backward): the gradient of the per-sample weights
// (embedding_bag.h, "psw grad"), split over threads by bags.
#pragma once

#include <cstdint>
#include <cstring>

#include "bag_scale.h"
#include "kernels/ukernels.h"
#include "work_split.h"

namespace ebag::detail {

template <typename IndexT, typename OffsetT>
void per_sample_weights_gradient(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                                 const Bags<IndexT, OffsetT>& bags, const Options& options, const float* grad_output,
                                 float* grad_psw, const Parallelism& parallel) {
  const int64_t dim = table.embedding_dim;
  const int64_t pad = wrapped_padding_row(options, table.num_embeddings);
  const float* weights = bags.per_sample_weights;
  const bool scaled = mode_traits(options.mode)->scaled;
  // A scale that reads the weights adds its own derivative to each entry's.
  const bool weighted_scale = scaled && scale_reads_weights(options);
  std::memset(grad_psw, 0, sizeof(float) * bags.num_indices);
  const int64_t num = bag_count(bags, options);
  const int64_t entries = bag_entries_end(bags, options);
  const int pieces = threads_for(parallel, entries * dim);
  run_tasks(parallel, pieces, [&](int t) {
    const int64_t last = first_bag_of_piece(bags, num, entries, pieces, t + 1);
    for (int64_t b = first_bag_of_piece(bags, num, entries, pieces, t); b < last; ++b) {
      const IndexRange range = bag_range(bags, b);
      const float* g = grad_output + b * dim;
      float scale = 1.0f;
      if (scaled) {
        scale = bag_scale(options, bags.indices + range.begin, weights + range.begin, range.end - range.begin, pad);
        if (scale == 0.0f) continue;  // a zero divisor: the output is constant 0
      }
      float c = 0.0f;  // dot(G[b], the bag's weighted sum) = sum of w_j * p_j
      for (int64_t i = range.begin; i < range.end; ++i) {
        const int64_t row = bags.indices[i];
        if (row == pad) continue;
        grad_psw[i] = kernels.dot4(g, table.data + row * dim, dim);
        if (weighted_scale) c = c + weights[i] * grad_psw[i];
      }
      if (!scaled) continue;
      for (int64_t i = range.begin; i < range.end; ++i) {
        if (bags.indices[i] == pad) continue;
        grad_psw[i] = weighted_scale ? scaled_weight_gradient(options.mode, grad_psw[i], weights[i], scale, c)
                                     : scale * grad_psw[i];
      }
    }
  });
}

}  // namespace ebag::detail
