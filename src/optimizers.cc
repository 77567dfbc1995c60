// step(): the batch's coalesced weight gradient, row by row, and each row's
// update by its optimizer. On a large table (backward_sparse's grouped path)
// the rows' gradients are made a 16 KB block at a time and applied at once,
// never stored whole: extra memory O(num_indices) for the grouping, no
// O(rows x D).
// Otherwise (a cache-sized table, or max mode's argmax rows) the coalesced
// gradient is built first, then applied. Rows split over threads: each row's
// update is independent, so the bits do not depend on the split. The float32
// order of operations is PyTorch 1.13's sparse paths (torch/optim) and
// FBGEMM's for rowwise-adagrad (a row's squares summed in lanes); a Python
// scalar enters as float32, as ATen casts it.
#include <algorithm>
#include <cmath>
#include <limits>

#include "backward/grouping.h"
#include "backward/psw_gradient.h"
#include "backward/strategy.h"
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

// Finite and in the interval [low, high] (an open end excluded) as the
// float32 the update computes with: 1e39 is a finite double but infinite as
// a float, 1e-50 is > 0 but 0 as a float (and a double beyond the float
// range is not cast: that would be undefined).
bool in_interval(double given, double low, bool low_open, double high, bool high_open) {
  if (!(std::fabs(given) <= static_cast<double>(std::numeric_limits<float>::max()))) return false;
  const double x = static_cast<float>(given);
  return (low_open ? x > low : x >= low) && (high_open ? x < high : x <= high);
}

// The scalars of one step's update, as float32 (ATen casts a Python scalar
// so), computed once per step.
struct StepScalars {
  float minus_lr = 0;    // sgd: -lr; adagrad: -clr
  float lr = 0;          // rowwise-adagrad
  float eps = 0;
  float one_minus_b1 = 0, one_minus_b2 = 0, minus_step_size = 0;  // sparse-adam
};

StepScalars step_scalars(const OptimizerOptions& o, int64_t steps) {
  StepScalars s;
  s.eps = static_cast<float>(o.eps);
  s.lr = static_cast<float>(o.lr);
  switch (o.optimizer) {
    case Optimizer::kSgd:
      s.minus_lr = static_cast<float>(-o.lr);
      break;
    case Optimizer::kAdagrad:
      s.minus_lr = static_cast<float>(-(o.lr / (1.0 + static_cast<double>(steps - 1) * o.lr_decay)));
      break;
    case Optimizer::kRowwiseAdagrad:
      break;
    case Optimizer::kSparseAdam: {
      const auto step = static_cast<double>(steps);
      const double step_size = o.lr * std::sqrt(1.0 - std::pow(o.beta2, step)) / (1.0 - std::pow(o.beta1, step));
      s.one_minus_b1 = static_cast<float>(1.0 - o.beta1);
      s.one_minus_b2 = static_cast<float>(1.0 - o.beta2);
      s.minus_step_size = static_cast<float>(-step_size);
      break;
    }
  }
  return s;
}

// Row r of the table (w) and of the state, updated by its gradient row g.
// Plain loops the compiler vectorises (each column is independent).
void update_row(Optimizer optimizer, const StepScalars& c, OptimizerState& state, int64_t r, const float* g,
                float* w, int64_t dim) {
  switch (optimizer) {
    case Optimizer::kSgd: {
      const float alpha = c.minus_lr;
      for (int64_t d = 0; d < dim; ++d) w[d] = w[d] + alpha * g[d];
      return;
    }
    case Optimizer::kAdagrad: {
      const float alpha = c.minus_lr;
      const float eps = c.eps;
      float* sum = state.state[0] + r * dim;
      for (int64_t d = 0; d < dim; ++d) {
        const float s = sum[d] + g[d] * g[d];
        sum[d] = s;
        w[d] = w[d] + alpha * (g[d] / (std::sqrt(s) + eps));
      }
      return;
    }
    case Optimizer::kRowwiseAdagrad: {
      // The row's sum of squares in four lanes (column d in lane d % 4),
      // then (lane 0 + lane 1) + (lane 2 + lane 3): one vector register,
      // as FBGEMM sums in its vector lanes (a sequential sum waits on every
      // add's latency).
      float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      int64_t d = 0;
      for (; d + 4 <= dim; d += 4) {
        for (int k = 0; k < 4; ++k) lane[k] = lane[k] + g[d + k] * g[d + k];
      }
      for (int k = 0; d < dim; ++d, ++k) lane[k] = lane[k] + g[d] * g[d];
      const float square = (lane[0] + lane[1]) + (lane[2] + lane[3]);
      float& m = state.state[0][r];
      m = m + square / static_cast<float>(dim);
      const float multiplier = c.lr / (std::sqrt(m) + c.eps);
      for (d = 0; d < dim; ++d) w[d] = w[d] - multiplier * g[d];
      return;
    }
    case Optimizer::kSparseAdam: {
      const float b1 = c.one_minus_b1;
      const float b2 = c.one_minus_b2;
      const float eps = c.eps;
      const float minus_step = c.minus_step_size;
      float* m = state.state[0] + r * dim;
      float* v = state.state[1] + r * dim;
      for (int64_t d = 0; d < dim; ++d) {
        const float old_m = m[d];
        const float dm = (g[d] - old_m) * b1;
        m[d] = old_m + dm;
        const float old_v = v[d];
        const float dv = (g[d] * g[d] - old_v) * b2;
        v[d] = old_v + dv;
        w[d] = w[d] + minus_step * ((dm + old_m) / (std::sqrt(dv + old_v) + eps));
      }
      return;
    }
  }
}

// Every row of a coalesced gradient updated, rows split over threads.
void update_coalesced(const Table& table, const SparseGradient& g, Optimizer optimizer, const StepScalars& c,
                      OptimizerState& state, const Parallelism& parallel) {
  const int64_t dim = table.embedding_dim;
  const auto rows = static_cast<int64_t>(g.rows.size());
  const int threads = detail::threads_for(parallel, rows * dim);
  detail::run_tasks(parallel, threads, [&](int t) {
    const detail::IndexRange mine = detail::row_piece(rows, threads, t);
    for (int64_t k = mine.begin; k < mine.end; ++k) {
      const int64_t r = g.rows[k];
      update_row(optimizer, c, state, r, g.values.data() + k * dim, table.data + r * dim, dim);
    }
  });
}

// A thread's gradient rows made before they are applied: 16 KB, in L1.
// Applying a block of rows in one loop lets the CPU overlap the rows' cache
// misses in a large table (each row's update is independent), where applying
// each row as it is made waits on one miss at a time, and storing the whole
// gradient first leaves L1 (bench: training, recsys and text, every
// optimizer).
constexpr int64_t kStepChunkFloats = 4096;

// The grouped sparse gradient (backward_sparse's path for large tables),
// fused with the update: a block of rows' gradients made into a thread's
// cache-sized scratch, then applied, never stored whole (the same row bits
// as backward_sparse's).
template <typename IndexT, typename OffsetT>
Status grouped_step(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
                    const float* grad_output, Optimizer optimizer, const StepScalars& c, OptimizerState& state,
                    float* grad_per_sample_weights, Workspace::Impl& ws, const Parallelism& parallel) {
  const kernels::KernelSet<IndexT>& kernels = kernels::best_kernel_set<IndexT>();
  const int64_t dim = table.embedding_dim;
  detail::RowGroups groups(ws.grouping);
  if (!groups.reserve(bags.num_indices)) return out_of_memory(detail::RowGroups::bytes_needed(bags.num_indices));
  groups.group(bags, options, table.num_embeddings);
  const int pieces = detail::threads_for(parallel, groups.live() * dim);
  const int64_t chunk_rows = std::max<int64_t>(1, kStepChunkFloats / dim);
  const int64_t chunk = chunk_rows * dim;
  if (!ws.step_rows.resize(static_cast<uint64_t>(pieces * chunk))) return out_of_memory(static_cast<double>(pieces * chunk) * 4);
  // The per-sample weights' gradient reads the rows before they change.
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    detail::per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights, parallel);
  }
  detail::run_tasks(parallel, pieces, [&](int t) {
    float* scratch = ws.step_rows.data() + t * chunk;
    const int64_t last = groups.first_group_of_piece(pieces, t + 1);
    for (int64_t first = groups.first_group_of_piece(pieces, t); first < last; first += chunk_rows) {
      const int64_t end = std::min(last, first + chunk_rows);
      for (int64_t g = first; g < end; ++g) {
        groups.gradient_row(kernels, options.scale_grad_by_freq, grad_output, dim, g, scratch + (g - first) * dim);
      }
      for (int64_t g = first; g < end; ++g) {
        const int64_t r = groups.row(g);
        update_row(optimizer, c, state, r, scratch + (g - first) * dim, table.data + r * dim, dim);
      }
    }
  });
  return {};
}

}  // namespace

Status validate_optimizer(const OptimizerOptions& o) {
  if (optimizer_traits(o.optimizer) == nullptr) {
    return make_error(ErrorCode::kBadOptimizerOption, Argument::kOptimizer, -1, static_cast<int32_t>(o.optimizer));
  }
#define EBAG_HYPERPARAMETER(Name, field, argument, js_name, js_index, default_value, low, low_open, high, high_open, rule) \
  if (!in_interval(o.field, low, low_open, high, high_open)) {                                                          \
    return make_error(ErrorCode::kBadOptimizerOption, Argument::k##argument);                                           \
  }
#include "ebag/hyperparameters.inc"
#undef EBAG_HYPERPARAMETER
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
  Workspace::Impl& ws = workspace.impl();
  const bool argmax_mode = mode_traits(options.mode)->argmax;
  const bool grouped = !argmax_mode && detail::choose_sparse_path(options.scale_grad_by_freq, table.num_embeddings,
                                                                   table.embedding_dim) ==
                                           detail::SparseGradientPath::kGrouped;
  SparseGradient& g = ws.step_gradient;
  if (grouped) {
    // Checked before the per-sample weights' gradient is written.
    if (Status s = validate(table, bags, options); !s.ok()) return s;
    if (Status s = validate_grad_output(grad_output, grad_output_length,
                                        detail::bag_count(bags, options) * table.embedding_dim);
        !s.ok()) {
      return s;
    }
  } else {
    const Status built =
        argmax_mode
            ? backward_sparse_argmax(table, bags, options, grad_output, grad_output_length, argmax, g, workspace, parallel)
            : backward_sparse(table, bags, options, grad_output, grad_output_length, g, grad_per_sample_weights,
                              workspace, parallel);
    if (!built.ok()) return built;
  }
  const StepScalars scalars = step_scalars(optimizer, state.steps + 1);
  if (grouped) {
    if (Status s = grouped_step(table, bags, options, grad_output, optimizer.optimizer, scalars, state,
                                grad_per_sample_weights, ws, parallel);
        !s.ok()) {
      return s;
    }
  } else {
    update_coalesced(table, g, optimizer.optimizer, scalars, state, parallel);
  }
  ++state.steps;  // a batch of padding only still counts (as PyTorch)
  return {};
}

#define EBAG_INSTANTIATE(I, O)                                                                          \
  template Status step<I, O>(const Table&, const Bags<I, O>&, const Options&, const float*, int64_t,     \
                             const int32_t*, const OptimizerOptions&, OptimizerState&, float*, Workspace&, \
                             const Parallelism&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
