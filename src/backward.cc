// Backward drivers. sum/mean gradients are built row by row: the bag entries
// are grouped by destination row with a stable radix sort, so every row adds
// its contributions in ascending entry order. That gives one deterministic
// order for the dense and the sparse gradient alike (and lets a later
// threaded build split the work by row without changing any bit).
#include <cstring>

#include "bags.h"
#include "embedding_bag_internal.h"
#include "validate.h"

namespace ebag {
namespace {

constexpr int kRadixBits = 11;
constexpr uint32_t kRadixMask = (1u << kRadixBits) - 1;

// Allocates what group_entries_by_row needs for n index positions.
bool reserve_grouping(Workspace& ws, size_t n) {
  for (auto* b : {&ws.entry_rows, &ws.entry_pos, &ws.sort_rows, &ws.sort_pos, &ws.entry_bag}) {
    if (b->size() < n && !b->resize(n)) return false;
  }
  if (ws.entry_scale.size() < n && !ws.entry_scale.resize(n)) return false;
  return ws.histogram.size() >= (1u << kRadixBits) || ws.histogram.resize(1u << kRadixBits);
}

Status grouping_out_of_memory(size_t n) { return out_of_memory(static_cast<int64_t>(n * 24)); }

// Fills workspace.sort_rows / sort_pos with the live bag entries ordered by
// row (ties in entry order), and entry_bag / entry_scale for every entry.
// Returns the number of live entries. reserve_grouping() came first.
template <typename IndexT, typename OffsetT>
int64_t group_entries_by_row(const Table& table, const Bags<IndexT, OffsetT>& bags,
                             const Options& options, Workspace& ws) {
  const int64_t num = detail::bag_count(bags, options);
  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);

  int64_t live = 0;
  for (int64_t b = 0; b < num; ++b) {
    const detail::IndexRange range = detail::bag_range(bags, b);
    float bag_scale = 1.0f;
    if (options.mode == Mode::kMean) {
      int64_t count = 0;
      for (int64_t i = range.begin; i < range.end; ++i) count += bags.indices[i] != pad;
      if (count > 0) bag_scale = 1.0f / static_cast<float>(count);
    }
    for (int64_t i = range.begin; i < range.end; ++i) {
      const int64_t row = bags.indices[i];
      if (row == pad) continue;
      ws.entry_rows[live] = static_cast<uint32_t>(row);
      ws.entry_pos[live] = static_cast<uint32_t>(i);
      ++live;
      ws.entry_bag[i] = static_cast<uint32_t>(b);
      ws.entry_scale[i] = bags.per_sample_weights != nullptr ? bags.per_sample_weights[i] : bag_scale;
    }
  }

  // LSD radix sort on the row id, kRadixBits per pass; stable, so equal rows
  // keep entry order. Rows need as many bits as N - 1 has.
  uint32_t* rows = ws.entry_rows.data();
  uint32_t* pos = ws.entry_pos.data();
  uint32_t* rows_out = ws.sort_rows.data();
  uint32_t* pos_out = ws.sort_pos.data();
  uint32_t* hist = ws.histogram.data();
  const auto max_row = static_cast<uint32_t>(table.num_embeddings - 1);
  for (int shift = 0; shift < 32 && (max_row >> shift) != 0; shift += kRadixBits) {
    std::memset(hist, 0, sizeof(uint32_t) << kRadixBits);
    for (int64_t e = 0; e < live; ++e) ++hist[(rows[e] >> shift) & kRadixMask];
    uint32_t start = 0;
    for (uint32_t d = 0; d <= kRadixMask; ++d) {
      const uint32_t c = hist[d];
      hist[d] = start;
      start += c;
    }
    for (int64_t e = 0; e < live; ++e) {
      const uint32_t slot = hist[(rows[e] >> shift) & kRadixMask]++;
      rows_out[slot] = rows[e];
      pos_out[slot] = pos[e];
    }
    std::swap(rows, rows_out);
    std::swap(pos, pos_out);
  }
  if (rows != ws.sort_rows.data()) {
    std::memcpy(ws.sort_rows.data(), rows, sizeof(uint32_t) * live);
    std::memcpy(ws.sort_pos.data(), pos, sizeof(uint32_t) * live);
  }
  return live;
}

// Calls emit(row, first, last) for every run of equal rows in sort_rows.
template <typename EmitFn>
void for_each_row_group(const Workspace& ws, int64_t live, EmitFn&& emit) {
  int64_t first = 0;
  while (first < live) {
    const uint32_t row = ws.sort_rows[first];
    int64_t last = first + 1;
    while (last < live && ws.sort_rows[last] == row) ++last;
    emit(row, first, last);
    first = last;
  }
}

// dest = sum of the group's contributions, added in entry order onto dest.
template <typename IndexT>
void accumulate_group(const kernels::KernelSet<IndexT>& kernels, const Workspace& ws,
                      const Options& options, const float* grad_output, int64_t dim,
                      int64_t first, int64_t last, float* dest) {
  const auto freq = static_cast<float>(last - first);
  for (int64_t e = first; e < last; ++e) {
    const uint32_t i = ws.sort_pos[e];
    float s = ws.entry_scale[i];
    if (options.scale_grad_by_freq) s = s / freq;
    kernels.scaled_add(dest, grad_output + static_cast<int64_t>(ws.entry_bag[i]) * dim, s, dim);
  }
}

template <typename IndexT, typename OffsetT>
void per_sample_weights_gradient(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                                 const Bags<IndexT, OffsetT>& bags, const Options& options,
                                 const float* grad_output, float* grad_psw) {
  const int64_t dim = table.embedding_dim;
  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);
  std::memset(grad_psw, 0, sizeof(float) * bags.num_indices);
  const int64_t num = detail::bag_count(bags, options);
  for (int64_t b = 0; b < num; ++b) {
    const detail::IndexRange range = detail::bag_range(bags, b);
    for (int64_t i = range.begin; i < range.end; ++i) {
      const int64_t row = bags.indices[i];
      if (row == pad) continue;
      grad_psw[i] = kernels.dot4(grad_output + b * dim, table.data + row * dim, dim);
    }
  }
}

// Checks shared by both backward forms.
template <typename IndexT, typename OffsetT>
Status validate_backward(const Table& table, const Bags<IndexT, OffsetT>& bags,
                         const Options& options, const float* grad_output,
                         int64_t grad_output_length) {
  if (Status s = validate(table, bags, options); !s.ok()) return s;
  const int64_t expected = detail::bag_count(bags, options) * table.embedding_dim;
  return validate_grad_output(grad_output, grad_output_length, expected);
}

}  // namespace

template <typename IndexT, typename OffsetT>
Status backward_dense_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                           const Bags<IndexT, OffsetT>& bags, const Options& options,
                           const float* grad_output, int64_t grad_output_length,
                           const int32_t* argmax, float* grad_weight,
                           float* grad_per_sample_weights, Workspace& workspace) {
  if (Status s = validate_backward(table, bags, options, grad_output, grad_output_length); !s.ok()) {
    return s;
  }
  const int64_t dim = table.embedding_dim;
  const int64_t table_size = table.num_embeddings * dim;
  if (Status s = validate_buffer(grad_weight, Argument::kGradWeight, table_size); !s.ok()) return s;
  const int64_t out_size = detail::bag_count(bags, options) * dim;
  if (options.mode == Mode::kMax) {
    if (Status s = validate_argmax(argmax, out_size, table.num_embeddings); !s.ok()) return s;
  }

  if (options.mode != Mode::kMax && !reserve_grouping(workspace, bags.num_indices)) {
    return grouping_out_of_memory(bags.num_indices);
  }
  std::memset(grad_weight, 0, sizeof(float) * table_size);
  if (options.mode == Mode::kMax) {
    for (int64_t j = 0; j < out_size; ++j) {
      const int64_t row = argmax[j];
      if (row >= 0) grad_weight[row * dim + j % dim] += grad_output[j];
    }
  } else {
    const int64_t live = group_entries_by_row(table, bags, options, workspace);
    for_each_row_group(workspace, live, [&](uint32_t row, int64_t first, int64_t last) {
      accumulate_group(kernels, workspace, options, grad_output, dim, first, last,
                       grad_weight + static_cast<int64_t>(row) * dim);
    });
  }
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights);
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status backward_sparse_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                            const Bags<IndexT, OffsetT>& bags, const Options& options,
                            const float* grad_output, int64_t grad_output_length,
                            SparseGradient& grad_weight, float* grad_per_sample_weights,
                            Workspace& workspace) {
  if (Status s = validate_backward(table, bags, options, grad_output, grad_output_length); !s.ok()) {
    return s;
  }
  if (options.mode == Mode::kMax) {
    Status s;
    s.code = ErrorCode::kMaxModeWithSparse;
    s.argument = Argument::kSparse;
    return s;
  }
  const int64_t dim = table.embedding_dim;
  if (!reserve_grouping(workspace, bags.num_indices)) return grouping_out_of_memory(bags.num_indices);
  const int64_t live = group_entries_by_row(table, bags, options, workspace);
  int64_t unique = 0;
  for_each_row_group(workspace, live, [&](uint32_t, int64_t, int64_t) { ++unique; });
  if (!grad_weight.rows.resize(unique) || !grad_weight.values.resize(unique * dim)) {
    grad_weight.rows.release();
    grad_weight.values.release();
    return out_of_memory(unique * (dim + 1) * 4);
  }
  if (unique > 0) std::memset(grad_weight.values.data(), 0, sizeof(float) * unique * dim);
  int64_t g = 0;
  for_each_row_group(workspace, live, [&](uint32_t row, int64_t first, int64_t last) {
    grad_weight.rows[g] = static_cast<int32_t>(row);
    accumulate_group(kernels, workspace, options, grad_output, dim, first, last,
                     grad_weight.values.data() + g * dim);
    ++g;
  });
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights);
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status backward_dense(const Table& table, const Bags<IndexT, OffsetT>& bags,
                      const Options& options, const float* grad_output,
                      int64_t grad_output_length, const int32_t* argmax, float* grad_weight,
                      float* grad_per_sample_weights, Workspace& workspace) {
  return backward_dense_with(kernels::best_kernel_set<IndexT>(), table, bags, options,
                             grad_output, grad_output_length, argmax, grad_weight,
                             grad_per_sample_weights, workspace);
}

template <typename IndexT, typename OffsetT>
Status backward_sparse(const Table& table, const Bags<IndexT, OffsetT>& bags,
                       const Options& options, const float* grad_output,
                       int64_t grad_output_length, SparseGradient& grad_weight,
                       float* grad_per_sample_weights, Workspace& workspace) {
  return backward_sparse_with(kernels::best_kernel_set<IndexT>(), table, bags, options,
                              grad_output, grad_output_length, grad_weight,
                              grad_per_sample_weights, workspace);
}

#define EBAG_INSTANTIATE(I, O)                                                                  \
  template Status backward_dense_with<I, O>(const kernels::KernelSet<I>&, const Table&,       \
                                            const Bags<I, O>&, const Options&, const float*,  \
                                            int64_t, const int32_t*, float*, float*,          \
                                            Workspace&);                                        \
  template Status backward_sparse_with<I, O>(const kernels::KernelSet<I>&, const Table&,      \
                                             const Bags<I, O>&, const Options&, const float*, \
                                             int64_t, SparseGradient&, float*, Workspace&);    \
  template Status backward_dense<I, O>(const Table&, const Bags<I, O>&, const Options&,       \
                                       const float*, int64_t, const int32_t*, float*, float*,  \
                                       Workspace&);                                             \
  template Status backward_sparse<I, O>(const Table&, const Bags<I, O>&, const Options&,      \
                                        const float*, int64_t, SparseGradient&, float*,        \
                                        Workspace&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
