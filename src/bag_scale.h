// Internal: the scale of a bag in a scaled mode (mean, sqrtn: modes.inc),
// as embedding_bag.h defines it -- forward multiplies the bag's (weighted)
// sum by it, backward each entry's gradient. A new scaled mode adds its
// divisor here.
#pragma once

#include <cmath>
#include <cstdint>

#include "ebag/embedding_bag.h"

namespace ebag::detail {

// Whether the scale of a weighted bag depends on its weights (mean and
// sqrtn do, unless mean divides by the count: weighted_mean_by_count).
inline bool scale_reads_weights(const Options& options) {
  return !(options.mode == Mode::kMean && options.weighted_mean_by_count);
}

// 1 / divisor(b) in float32, or 0 when the divisor is 0 (the bag's output
// and gradients are then zero: TensorFlow's div_no_nan). `weights` aligned
// with `indices`, or nullptr; pad = the wrapped padding row or -1. Sums run
// over the live entries in ascending order, in float32.
template <typename IndexT>
float bag_scale(const Options& options, const IndexT* indices, const float* weights, int64_t length, int64_t pad) {
  const Mode mode = options.mode;
  if (!scale_reads_weights(options)) weights = nullptr;
  float divisor = 0.0f;
  if (weights == nullptr) {
    int64_t count = length;
    if (pad >= 0) {
      for (int64_t k = 0; k < length; ++k) count -= indices[k] == pad;
    }
    divisor = static_cast<float>(count);
    if (mode == Mode::kSqrtn) divisor = std::sqrt(divisor);
  } else if (mode == Mode::kSqrtn) {
    for (int64_t k = 0; k < length; ++k) {
      if (indices[k] != pad) divisor = divisor + weights[k] * weights[k];
    }
    divisor = std::sqrt(divisor);
  } else {
    for (int64_t k = 0; k < length; ++k) {
      if (indices[k] != pad) divisor = divisor + weights[k];
    }
  }
  return divisor == 0.0f ? 0.0f : 1.0f / divisor;
}

// The gradient of a weighted scaled-mode bag with respect to w_i, dotted
// with G[b]: out = sum(b) * scale(b), so it is scale * p_i + c * d scale / d w_i,
// with p_i = dot4(G[b], W[indices[i]]) and c = dot(G[b], sum(b)). Only for a
// nonzero divisor.
inline float scaled_weight_gradient(Mode mode, float p, float w, float scale, float c) {
  if (mode == Mode::kSqrtn) return scale * (p - w * (scale * scale) * c);  // d scale / d w_i = -w_i scale^3
  return scale * (p - scale * c);                                          // mean: d scale / d w_i = -scale^2
}

}  // namespace ebag::detail
