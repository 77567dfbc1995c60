// step(): backward_sparse into the workspace's coalesced rows, then each
// row's update by its optimizer (rows split over threads: each row's update
// is independent, so the bits do not depend on the split). The float32
// order of operations is PyTorch 1.13's sparse paths (torch/optim) and
// FBGEMM's for rowwise-adagrad; a Python scalar enters as float32, as ATen
// casts it.
#include <cmath>

#include "bags.h"
#include "embedding_bag_internal.h"
#include "validate.h"
#include "work_split.h"
#include "workspace.h"

namespace ebag {
namespace {

struct OptimizerTraits {
  int full_states;
  int row_states;
};

const OptimizerTraits* optimizer_traits(Optimizer optimizer) {
  switch (optimizer) {
#define EBAG_OPTIMIZER(Name, number, name, full_states, row_states, ...) \
  case Optimizer::k##Name: {                                          \
    static constexpr OptimizerTraits traits{full_states, row_states}; \
    return &traits;                                                   \
  }
#include "ebag/optimizers.inc"
#undef EBAG_OPTIMIZER
  }
  return nullptr;
}

bool finite_at_least(double x, double low) { return std::isfinite(x) && x >= low; }

// The rows [first, last) of the coalesced gradient, updated.
void update_rows(const Table& table, const SparseGradient& g, int64_t first, int64_t last,
                 const OptimizerOptions& o, OptimizerState& state) {
  const int64_t dim = table.embedding_dim;
  for (int64_t k = first; k < last; ++k) {
    const int64_t r = g.rows[k];
    float* w = table.data + r * dim;
    const float* grad = g.values.data() + k * dim;
    switch (o.optimizer) {
      case Optimizer::kSgd: {
        const auto alpha = static_cast<float>(-o.lr);
        for (int64_t d = 0; d < dim; ++d) w[d] = w[d] + alpha * grad[d];
        break;
      }
      case Optimizer::kAdagrad: {
        const double clr = o.lr / (1.0 + static_cast<double>(state.steps - 1) * o.lr_decay);
        const auto alpha = static_cast<float>(-clr);
        const auto eps = static_cast<float>(o.eps);
        float* sum = state.state[0] + r * dim;
        for (int64_t d = 0; d < dim; ++d) {
          sum[d] = sum[d] + grad[d] * grad[d];
          const float std = std::sqrt(sum[d]) + eps;
          w[d] = w[d] + alpha * (grad[d] / std);
        }
        break;
      }
      case Optimizer::kRowwiseAdagrad: {
        float square = 0.0f;
        for (int64_t d = 0; d < dim; ++d) square = square + grad[d] * grad[d];
        float& m = state.state[0][r];
        m = m + square / static_cast<float>(dim);
        const float multiplier = static_cast<float>(o.lr) / (std::sqrt(m) + static_cast<float>(o.eps));
        for (int64_t d = 0; d < dim; ++d) w[d] = w[d] - multiplier * grad[d];
        break;
      }
      case Optimizer::kSparseAdam: {
        const auto step = static_cast<double>(state.steps);
        const double step_size = o.lr * std::sqrt(1.0 - std::pow(o.beta2, step)) / (1.0 - std::pow(o.beta1, step));
        const auto one_minus_b1 = static_cast<float>(1.0 - o.beta1);
        const auto one_minus_b2 = static_cast<float>(1.0 - o.beta2);
        const auto eps = static_cast<float>(o.eps);
        const auto minus_step = static_cast<float>(-step_size);
        float* m = state.state[0] + r * dim;
        float* v = state.state[1] + r * dim;
        for (int64_t d = 0; d < dim; ++d) {
          const float old_m = m[d];
          const float dm = (grad[d] - old_m) * one_minus_b1;
          m[d] = old_m + dm;
          const float old_v = v[d];
          const float dv = (grad[d] * grad[d] - old_v) * one_minus_b2;
          v[d] = old_v + dv;
          const float numer = dm + old_m;
          const float denom = std::sqrt(dv + old_v) + eps;
          w[d] = w[d] + minus_step * (numer / denom);
        }
        break;
      }
    }
  }
}

}  // namespace

Status validate_optimizer(const OptimizerOptions& o) {
  if (optimizer_traits(o.optimizer) == nullptr) {
    return make_error(ErrorCode::kBadOptimizerOption, Argument::kOptimizer, -1, static_cast<int32_t>(o.optimizer));
  }
  if (!finite_at_least(o.lr, 0.0) || o.lr == 0.0) return make_error(ErrorCode::kBadOptimizerOption, Argument::kLr);
  if (!finite_at_least(o.eps, 0.0)) return make_error(ErrorCode::kBadOptimizerOption, Argument::kEps);
  if (!finite_at_least(o.lr_decay, 0.0)) return make_error(ErrorCode::kBadOptimizerOption, Argument::kLrDecay);
  if (!finite_at_least(o.initial_accumulator_value, 0.0)) {
    return make_error(ErrorCode::kBadOptimizerOption, Argument::kInitialAccumulatorValue);
  }
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0 && o.beta2 >= 0.0 && o.beta2 < 1.0)) {
    return make_error(ErrorCode::kBadOptimizerOption, Argument::kBetas);
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status step(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
            const float* grad_output, int64_t grad_output_length, const int32_t* argmax,
            const OptimizerOptions& optimizer, OptimizerState& state, float* grad_per_sample_weights,
            Workspace& workspace, const Parallelism& parallel) {
  if (Status s = validate_optimizer(optimizer); !s.ok()) return s;
  const OptimizerTraits& traits = *optimizer_traits(optimizer.optimizer);
  for (int k = 0; k < traits.full_states + traits.row_states; ++k) {
    if (state.state[k] == nullptr) return make_error(ErrorCode::kMissingBuffer, Argument::kOptimizerState, k);
  }
  SparseGradient& g = workspace.impl().step_gradient;
  const Status built =
      mode_traits(options.mode)->argmax
          ? backward_sparse_argmax(table, bags, options, grad_output, grad_output_length, argmax, g, workspace, parallel)
          : backward_sparse(table, bags, options, grad_output, grad_output_length, g, grad_per_sample_weights,
                            workspace, parallel);
  if (!built.ok()) return built;
  ++state.steps;  // a batch of padding only still counts (as PyTorch)
  const auto rows = static_cast<int64_t>(g.rows.size());
  const int threads = detail::threads_for(parallel, rows * table.embedding_dim);
  detail::run_tasks(parallel, threads, [&](int t) {
    const detail::IndexRange mine = detail::row_piece(rows, threads, t);
    update_rows(table, g, mine.begin, mine.end, optimizer, state);
  });
  return {};
}

#define EBAG_INSTANTIATE(I, O)                                                                          \
  template Status step<I, O>(const Table&, const Bags<I, O>&, const Options&, const float*, int64_t,     \
                             const int32_t*, const OptimizerOptions&, OptimizerState&, float*, Workspace&, \
                             const Parallelism&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
