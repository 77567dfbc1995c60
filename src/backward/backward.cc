// Backward drivers: validate, choose a path (strategy.h), run it over the
// pool's threads, then the per-sample-weight gradient. Every path and every
// split gives the same bits.
#include <algorithm>
#include <cstring>

#include "backward/grouping.h"
#include "backward/psw_gradient.h"
#include "backward/scatter.h"
#include "backward/strategy.h"
#include "embedding_bag_internal.h"
#include "validate.h"
#include "work_split.h"

namespace ebag {
namespace {

using detail::IndexRange;

// The sparse gradient by grouping the entries by row (any table size).
template <typename IndexT, typename OffsetT>
Status sparse_gradient_grouped(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                               const Bags<IndexT, OffsetT>& bags, const Options& options, const float* grad_output,
                               SparseGradient& grad_weight, Workspace::Impl& ws, const Parallelism& parallel) {
  const int64_t dim = table.embedding_dim;
  detail::RowGroups groups(ws.grouping);
  if (!groups.reserve(bags.num_indices)) return out_of_memory(detail::RowGroups::bytes_needed(bags.num_indices));
  groups.group(bags, options, table.num_embeddings);
  const int64_t count = groups.groups();
  if (!grad_weight.rows.resize(static_cast<uint64_t>(count)) ||
      !grad_weight.values.resize(static_cast<uint64_t>(count * dim))) {
    grad_weight.rows.release();
    grad_weight.values.release();
    return out_of_memory(count * (dim + 1) * 4);
  }
  const int pieces = detail::threads_for(parallel, groups.live() * dim);
  detail::run_tasks(parallel, pieces, [&](int t) {
    const int64_t last = groups.first_group_of_piece(pieces, t + 1);
    for (int64_t g = groups.first_group_of_piece(pieces, t); g < last; ++g) {
      grad_weight.rows[g] = static_cast<int32_t>(groups.row(g));
      groups.gradient_row(kernels, options.scale_grad_by_freq, grad_output, dim, g, grad_weight.values.data() + g * dim);
    }
  });
  return {};
}

// Threads for max's gradient, split by columns (column_piece: whole 4-float
// vectors, so at most one piece per vector).
int argmax_column_pieces(const Parallelism& parallel, int64_t out_size, int64_t dim) {
  return std::max(1, std::min<int>(detail::threads_for(parallel, out_size), static_cast<int>((dim + 3) / 4)));
}

// max: zero the gradient (split by rows), then add every bag's G at its
// argmax rows, split by columns: every (row, column) adds its bags in order.
void dense_gradient_argmax(const Table& table, const float* grad_output, int64_t out_size, const int32_t* argmax,
                           float* grad_weight, const Parallelism& parallel) {
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  const int zero_pieces = detail::threads_for(parallel, n * dim);
  detail::run_tasks(parallel, zero_pieces, [&](int t) {
    const IndexRange rows = detail::row_piece(n, zero_pieces, t);
    std::memset(grad_weight + rows.begin * dim, 0, sizeof(float) * (rows.end - rows.begin) * dim);
  });
  const int pieces = argmax_column_pieces(parallel, out_size, dim);
  detail::run_tasks(parallel, pieces, [&](int t) {
    const IndexRange cols = detail::column_piece(dim, pieces, t);
    for (int64_t j = 0; j < out_size; j += dim) {
      for (int64_t d = cols.begin; d < cols.end; ++d) {
        const int64_t row = argmax[j + d];
        if (row >= 0) grad_weight[row * dim + d] += grad_output[j + d];
      }
    }
  });
}

// max, sparse (step() in max mode): the rows some (bag, column) took its
// maximum from, ascending, each with its columns' sums of G over the bags
// that chose it, bags in order (as dense_gradient_argmax adds them; split by
// columns, so the bits do not depend on the split).
Status sparse_gradient_argmax(const Table& table, const float* grad_output, int64_t out_size, const int32_t* argmax,
                              SparseGradient& grad_weight, Workspace::Impl& ws, const Parallelism& parallel) {
  const int64_t dim = table.embedding_dim;
  if (!ws.rows.reserve(table.num_embeddings)) return out_of_memory(static_cast<double>(table.num_embeddings) / 8);
  int64_t count = 0;
  for (int64_t j = 0; j < out_size; ++j) {
    if (argmax[j] >= 0 && ws.rows.mark(argmax[j])) ++count;
  }
  if (!grad_weight.rows.resize(static_cast<uint64_t>(count)) ||
      !grad_weight.values.resize(static_cast<uint64_t>(count * dim))) {
    ws.rows.clear();
    grad_weight.rows.release();
    grad_weight.values.release();
    return out_of_memory(static_cast<double>(count * (dim + 1)) * 4);
  }
  int32_t* rows = grad_weight.rows.data();
  int64_t k = 0;
  ws.rows.for_each_row([&](int64_t row) { rows[k++] = static_cast<int32_t>(row); });
  ws.rows.clear_rows(rows, count);
  float* values = grad_weight.values.data();
  std::memset(values, 0, sizeof(float) * static_cast<size_t>(count * dim));
  const int pieces = argmax_column_pieces(parallel, out_size, dim);
  detail::run_tasks(parallel, pieces, [&](int t) {
    const IndexRange cols = detail::column_piece(dim, pieces, t);
    for (int64_t j = 0; j < out_size; j += dim) {
      for (int64_t d = cols.begin; d < cols.end; ++d) {
        const int32_t row = argmax[j + d];
        if (row < 0) continue;
        const int64_t at = std::lower_bound(rows, rows + count, row) - rows;
        values[at * dim + d] += grad_output[j + d];
      }
    }
  });
  return {};
}

// Scatter: each piece owns a range of rows, zeroes them, then walks every
// entry and adds the ones that land in its range, in entry order.
template <typename IndexT, typename OffsetT>
void dense_gradient_scatter(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                            const Bags<IndexT, OffsetT>& bags, const Options& options, const float* grad_output,
                            float* grad_weight, const Parallelism& parallel) {
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  const int64_t entries = detail::bag_entries_end(bags, options);
  const int pieces = detail::scatter_on_threads(n, dim) ? detail::threads_for(parallel, (n + entries) * dim) : 1;
  detail::run_tasks(parallel, pieces, [&](int t) {
    const IndexRange rows = detail::row_piece(n, pieces, t);
    std::memset(grad_weight + rows.begin * dim, 0, sizeof(float) * (rows.end - rows.begin) * dim);
    detail::scatter_bags(kernels, table, bags, options, grad_output, rows, grad_weight);
  });
}

// Grouped: one pass over the N x D gradient; each piece owns a range of
// rows, writes the rows that have entries and zeroes the ones between.
template <typename IndexT>
void dense_gradient_grouped(const kernels::KernelSet<IndexT>& kernels, const Table& table, const Options& options,
                            const float* grad_output, detail::RowGroups& groups, float* grad_weight,
                            const Parallelism& parallel) {
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  const int pieces = detail::threads_for(parallel, (n + groups.live()) * dim);
  auto first_row_of_piece = [&](int t) -> int64_t {
    if (t == 0) return 0;
    const int64_t g = groups.first_group_of_piece(pieces, t);
    return g == groups.groups() ? n : groups.row(g);
  };
  detail::run_tasks(parallel, pieces, [&](int t) {
    const int64_t end_row = first_row_of_piece(t + 1);
    int64_t row = first_row_of_piece(t);
    const int64_t last = groups.first_group_of_piece(pieces, t + 1);
    for (int64_t g = groups.first_group_of_piece(pieces, t); g < last; ++g) {
      const int64_t dest_row = groups.row(g);
      std::memset(grad_weight + row * dim, 0, sizeof(float) * (dest_row - row) * dim);
      groups.gradient_row(kernels, options.scale_grad_by_freq, grad_output, dim, g, grad_weight + dest_row * dim);
      row = dest_row + 1;
    }
    std::memset(grad_weight + row * dim, 0, sizeof(float) * (end_row - row) * dim);
  });
}

// Checks shared by both backward forms.
template <typename IndexT, typename OffsetT>
Status validate_backward(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
                         const float* grad_output, int64_t grad_output_length) {
  if (Status s = validate(table, bags, options); !s.ok()) return s;
  const int64_t expected = detail::bag_count(bags, options) * table.embedding_dim;
  return validate_grad_output(grad_output, grad_output_length, expected);
}

}  // namespace

template <typename IndexT, typename OffsetT>
Status backward_dense_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                           const Bags<IndexT, OffsetT>& bags, const Options& options, const float* grad_output,
                           int64_t grad_output_length, const int32_t* argmax, float* grad_weight,
                           float* grad_per_sample_weights, Workspace& workspace, const Parallelism& parallel) {
  if (Status s = validate_backward(table, bags, options, grad_output, grad_output_length); !s.ok()) return s;
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  if (Status s = validate_buffer(grad_weight, Argument::kGradWeight, n * dim); !s.ok()) return s;
  const int64_t out_size = detail::bag_count(bags, options) * dim;
  const detail::DenseGradientPath path =
      detail::choose_dense_path(mode_traits(options.mode)->argmax, options.scale_grad_by_freq, n, dim,
                                detail::bag_entries_end(bags, options));
  detail::RowGroups groups(workspace.impl().grouping);
  // Everything that can fail, before the gradient is written.
  if (path == detail::DenseGradientPath::kArgmax) {
    if (Status s = validate_argmax(argmax, out_size, n); !s.ok()) return s;
  } else if (path == detail::DenseGradientPath::kGrouped && !groups.reserve(bags.num_indices)) {
    return out_of_memory(detail::RowGroups::bytes_needed(bags.num_indices));
  }
  switch (path) {
    case detail::DenseGradientPath::kArgmax:
      dense_gradient_argmax(table, grad_output, out_size, argmax, grad_weight, parallel);
      break;
    case detail::DenseGradientPath::kScatter:
      dense_gradient_scatter(kernels, table, bags, options, grad_output, grad_weight, parallel);
      break;
    case detail::DenseGradientPath::kGrouped:
      groups.group(bags, options, n);
      dense_gradient_grouped(kernels, table, options, grad_output, groups, grad_weight, parallel);
      break;
  }
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    detail::per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights, parallel);
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status backward_sparse_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                            const Bags<IndexT, OffsetT>& bags, const Options& options, const float* grad_output,
                            int64_t grad_output_length, SparseGradient& grad_weight, float* grad_per_sample_weights,
                            Workspace& workspace, const Parallelism& parallel) {
  if (Status s = validate_backward(table, bags, options, grad_output, grad_output_length); !s.ok()) return s;
  if (mode_traits(options.mode)->argmax) return make_error(ErrorCode::kMaxModeWithSparse, Argument::kSparse);
  const Status built =
      detail::choose_sparse_path(options.scale_grad_by_freq, table.num_embeddings, table.embedding_dim) ==
              detail::SparseGradientPath::kThroughDense
          ? detail::sparse_gradient_through_dense(kernels, table, bags, options, grad_output, grad_weight,
                                                  workspace.impl())
          : sparse_gradient_grouped(kernels, table, bags, options, grad_output, grad_weight, workspace.impl(),
                                    parallel);
  if (!built.ok()) return built;
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    detail::per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights, parallel);
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status backward_sparse_argmax(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
                              const float* grad_output, int64_t grad_output_length, const int32_t* argmax,
                              SparseGradient& grad_weight, Workspace& workspace, const Parallelism& parallel) {
  if (Status s = validate_backward(table, bags, options, grad_output, grad_output_length); !s.ok()) return s;
  const int64_t out_size = detail::bag_count(bags, options) * table.embedding_dim;
  if (Status s = validate_argmax(argmax, out_size, table.num_embeddings); !s.ok()) return s;
  return sparse_gradient_argmax(table, grad_output, out_size, argmax, grad_weight, workspace.impl(), parallel);
}

template <typename IndexT, typename OffsetT>
Status backward_dense(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
                      const float* grad_output, int64_t grad_output_length, const int32_t* argmax,
                      float* grad_weight, float* grad_per_sample_weights, Workspace& workspace,
                      const Parallelism& parallel) {
  return backward_dense_with(kernels::best_kernel_set<IndexT>(), table, bags, options, grad_output,
                             grad_output_length, argmax, grad_weight, grad_per_sample_weights, workspace, parallel);
}

template <typename IndexT, typename OffsetT>
Status backward_sparse(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
                       const float* grad_output, int64_t grad_output_length, SparseGradient& grad_weight,
                       float* grad_per_sample_weights, Workspace& workspace, const Parallelism& parallel) {
  return backward_sparse_with(kernels::best_kernel_set<IndexT>(), table, bags, options, grad_output,
                              grad_output_length, grad_weight, grad_per_sample_weights, workspace, parallel);
}

#define EBAG_INSTANTIATE(I, O)                                                                             \
  template Status backward_dense_with<I, O>(const kernels::KernelSet<I>&, const Table&, const Bags<I, O>&, \
                                            const Options&, const float*, int64_t, const int32_t*, float*, \
                                            float*, Workspace&, const Parallelism&);                       \
  template Status backward_sparse_with<I, O>(const kernels::KernelSet<I>&, const Table&, const Bags<I, O>&, \
                                             const Options&, const float*, int64_t, SparseGradient&, float*, \
                                             Workspace&, const Parallelism&);                                \
  template Status backward_dense<I, O>(const Table&, const Bags<I, O>&, const Options&, const float*, int64_t, \
                                       const int32_t*, float*, float*, Workspace&, const Parallelism&);        \
  template Status backward_sparse<I, O>(const Table&, const Bags<I, O>&, const Options&, const float*, int64_t, \
                                        SparseGradient&, float*, Workspace&, const Parallelism&);            \
  template Status backward_sparse_argmax<I, O>(const Table&, const Bags<I, O>&, const Options&, const float*, \
                                               int64_t, const int32_t*, SparseGradient&, Workspace&,         \
                                               const Parallelism&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
