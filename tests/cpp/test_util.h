// Small helpers for the hand-written tests: one call of forward / backward on
// std::vectors, with the public entry points.
#pragma once

#include <cstdint>
#include <vector>

#include "ebag/embedding_bag.h"

namespace test_util {

template <typename T>
std::vector<T> to_vector(const ebag::Buffer<T>& b) {
  return std::vector<T>(b.begin(), b.end());
}

// W[r][d] = 10 r + d: every sum of a few rows is exact and easy to state.
inline std::vector<float> counting_table(int64_t n, int64_t d) {
  std::vector<float> w(n * d);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t k = 0; k < d; ++k) w[r * d + k] = static_cast<float>(10 * r + k);
  }
  return w;
}

struct Forward {
  ebag::Status status;
  std::vector<float> out;
  std::vector<int32_t> argmax;
};

template <typename I, typename O>
Forward forward(std::vector<float>& table, int64_t n, int64_t d, const ebag::Bags<I, O>& bags,
                const ebag::Options& options) {
  Forward f;
  const int64_t b = ebag::num_bags(bags, options);
  f.out.assign(b > 0 ? b * d : 0, -1.0f);
  f.argmax.assign(f.out.size(), -2);
  ebag::Workspace ws;
  f.status = ebag::forward(ebag::Table{table.data(), n, d}, bags, options, f.out.data(),
                           f.argmax.data(), ws);
  return f;
}

struct Backward {
  ebag::Status status;
  std::vector<float> grad;  // dense N x D
  ebag::SparseGradient sparse;
  std::vector<float> grad_psw;
};

template <typename I, typename O>
Backward backward(std::vector<float>& table, int64_t n, int64_t d, const ebag::Bags<I, O>& bags,
                  const ebag::Options& options, const std::vector<float>& grad_output,
                  const std::vector<int32_t>& argmax, bool sparse) {
  Backward g;
  g.grad.assign(n * d, -1.0f);
  g.grad_psw.assign(bags.num_indices, -1.0f);
  ebag::Workspace ws;
  const ebag::Table t{table.data(), n, d};
  if (sparse) {
    g.status = ebag::backward_sparse(t, bags, options, grad_output.data(), grad_output.size(),
                                     g.sparse, g.grad_psw.data(), ws);
  } else {
    g.status = ebag::backward_dense(t, bags, options, grad_output.data(), grad_output.size(),
                                    argmax.data(), g.grad.data(), g.grad_psw.data(), ws);
  }
  return g;
}

}  // namespace test_util
