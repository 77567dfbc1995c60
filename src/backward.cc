// Backward drivers. sum/mean gradients are built row by row: the bag entries
// are grouped by destination row with a stable radix sort, so every row adds
// its contributions in ascending entry order. That gives one deterministic
// order for the dense and the sparse gradient alike, and lets threads split
// the work by row without changing any bit. A dense gradient may instead add
// the entries in entry order straight into the zeroed rows, each thread the
// rows of its own row range: per element the same adds in the same order, so
// the same bits, without the grouping buffers (see kScatterCacheBytes for when).
#include <algorithm>
#include <cstring>

#include "bags.h"
#include "embedding_bag_internal.h"
#include "validate.h"
#include "work_split.h"

namespace ebag {
namespace {

// The radix sort by row id takes one pass when row ids fit in 16 bits (a
// counting sort: N <= 65536), else two passes over half the bits each.
constexpr int kMaxRadixBits = 16;

// Allocates what group_entries_by_row needs for n index positions.
bool reserve_grouping(Workspace& ws, size_t n) {
  for (auto* b : {&ws.entry_rows, &ws.entry_pos, &ws.sort_rows, &ws.sort_pos, &ws.entry_bag, &ws.group_bags}) {
    if (b->size() < n && !b->resize(n)) return false;
  }
  for (auto* b : {&ws.entry_scale, &ws.group_scales}) {
    if (b->size() < n && !b->resize(n)) return false;
  }
  if (ws.group_starts.size() < n + 1 && !ws.group_starts.resize(n + 1)) return false;
  return ws.histogram.size() >= (1u << kMaxRadixBits) || ws.histogram.resize(1u << kMaxRadixBits);
}

// Bytes per index position that reserve_grouping asks for: nine 4-byte buffers.
Status grouping_out_of_memory(size_t n) { return out_of_memory(static_cast<int64_t>(n * 36)); }

// The dense gradient scatters entries straight into the rows (no grouping)
// when the N x D gradient is at most this many bytes, or when entries x this
// ratio <= N (few rows touched).
constexpr int64_t kScatterCacheBytes = int64_t{4} << 20;
constexpr int64_t kScatterTouchRatio = 8;

// The scale of an unweighted bag's entries: 1 / (its live entries) for
// mean, else 1.
template <typename IndexT, typename OffsetT>
float unweighted_bag_scale(const Bags<IndexT, OffsetT>& bags, const Options& options, int64_t pad,
                           detail::IndexRange range) {
  if (options.mode != Mode::kMean) return 1.0f;
  int64_t count = 0;
  for (int64_t i = range.begin; i < range.end; ++i) count += bags.indices[i] != pad;
  return count > 0 ? 1.0f / static_cast<float>(count) : 1.0f;
}

// fn(bag, entry, row, scale) for every non-padding bag entry, in entry
// order; scale = per_sample_weights[entry], or unweighted_bag_scale.
template <typename IndexT, typename OffsetT, typename EntryFn>
void for_each_live_entry(const Bags<IndexT, OffsetT>& bags, const Options& options, int64_t pad,
                         EntryFn&& fn) {
  const int64_t num = detail::bag_count(bags, options);
  for (int64_t b = 0; b < num; ++b) {
    const detail::IndexRange range = detail::bag_range(bags, b);
    const float bag_scale = unweighted_bag_scale(bags, options, pad, range);
    for (int64_t i = range.begin; i < range.end; ++i) {
      const int64_t row = bags.indices[i];
      if (row == pad) continue;
      fn(b, i, row, bags.per_sample_weights != nullptr ? bags.per_sample_weights[i] : bag_scale);
    }
  }
}

// Adds every bag's entries whose rows lie in `rows` into grad (N x D, those
// rows zeroed), bag by bag in entry order: scatter_bag.
template <typename IndexT, typename OffsetT>
void scatter_bags(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                  const Bags<IndexT, OffsetT>& bags, const Options& options, const float* grad_output,
                  detail::IndexRange rows, float* grad) {
  const int64_t dim = table.embedding_dim;
  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);
  const int64_t num = detail::bag_count(bags, options);
  const float* weights = bags.per_sample_weights;
  for (int64_t b = 0; b < num; ++b) {
    const detail::IndexRange range = detail::bag_range(bags, b);
    kernels.scatter_bag({bags.indices + range.begin, range.end - range.begin,
                         weights != nullptr ? weights + range.begin : nullptr,
                         weights != nullptr ? 1.0f : unweighted_bag_scale(bags, options, pad, range), pad,
                         grad_output + b * dim, dim, rows.begin, rows.end},
                        grad);
  }
}

// Fills workspace.sort_rows / sort_pos with the live bag entries ordered by
// row (ties in entry order), and entry_bag / entry_scale for every entry.
// Returns the number of live entries. reserve_grouping() came first.
template <typename IndexT, typename OffsetT>
int64_t group_entries_by_row(const Table& table, const Bags<IndexT, OffsetT>& bags,
                             const Options& options, Workspace& ws) {
  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);
  int64_t live = 0;
  for_each_live_entry(bags, options, pad, [&](int64_t b, int64_t i, int64_t row, float scale) {
    ws.entry_rows[live] = static_cast<uint32_t>(row);
    ws.entry_pos[live] = static_cast<uint32_t>(i);
    ++live;
    ws.entry_bag[i] = static_cast<uint32_t>(b);
    ws.entry_scale[i] = scale;
  });

  // LSD radix sort on the row id; stable, so equal rows keep entry order.
  // Rows need as many bits as N - 1 has: one pass up to 16 bits, else two.
  uint32_t* rows = ws.entry_rows.data();
  uint32_t* pos = ws.entry_pos.data();
  uint32_t* rows_out = ws.sort_rows.data();
  uint32_t* pos_out = ws.sort_pos.data();
  uint32_t* hist = ws.histogram.data();
  const auto max_row = static_cast<uint32_t>(table.num_embeddings - 1);
  int bits = 0;
  while (bits < 32 && (max_row >> bits) != 0) ++bits;
  const int pass_bits = bits <= kMaxRadixBits ? bits : (bits + 1) / 2;
  const uint32_t mask = (1u << pass_bits) - 1;  // pass_bits <= kMaxRadixBits
  for (int shift = 0; shift < bits; shift += pass_bits) {
    std::memset(hist, 0, sizeof(uint32_t) * (mask + 1));
    for (int64_t e = 0; e < live; ++e) ++hist[(rows[e] >> shift) & mask];
    uint32_t start = 0;
    for (uint32_t d = 0; d <= mask; ++d) {
      const uint32_t c = hist[d];
      hist[d] = start;
      start += c;
    }
    for (int64_t e = 0; e < live; ++e) {
      const uint32_t slot = hist[(rows[e] >> shift) & mask]++;
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

// workspace.group_starts = the first sorted entry of every run of equal rows,
// plus `live` at the end. Returns the number of runs (destination rows).
int64_t find_row_groups(Workspace& ws, int64_t live) {
  int64_t groups = 0;
  for (int64_t e = 0; e < live; ++e) {
    if (e == 0 || ws.sort_rows[e] != ws.sort_rows[e - 1]) ws.group_starts[groups++] = static_cast<uint32_t>(e);
  }
  ws.group_starts[groups] = static_cast<uint32_t>(live);
  return groups;
}

// First group of piece t, splitting the groups' entries evenly.
int64_t first_group_of_piece(const Workspace& ws, int64_t groups, int64_t live, int pieces, int t) {
  if (t >= pieces) return groups;
  const auto target = static_cast<uint32_t>(live * t / pieces);
  return std::lower_bound(ws.group_starts.data(), ws.group_starts.data() + groups, target) -
         ws.group_starts.data();
}

// dest = the gradient row of one group (sorted entries [first, last), one
// destination row): its entries' bags and scales (divided by the row's
// frequency with scale_grad_by_freq) laid out in entry order, then one
// gradient_row kernel call that keeps the row in registers.
template <typename IndexT>
void gradient_row_of_group(const kernels::KernelSet<IndexT>& kernels, Workspace& ws,
                           const Options& options, const float* grad_output, int64_t dim,
                           int64_t first, int64_t last, float* dest) {
  const auto freq = static_cast<float>(last - first);
  if (last - first == 1) {  // most rows of a large table: no layout needed
    const uint32_t i = ws.sort_pos[first];
    const float s = options.scale_grad_by_freq ? ws.entry_scale[i] / freq : ws.entry_scale[i];
    kernels.gradient_row(grad_output, dim, &ws.entry_bag[i], &s, 1, dest);
    return;
  }
  for (int64_t e = first; e < last; ++e) {
    const uint32_t i = ws.sort_pos[e];
    float s = ws.entry_scale[i];
    if (options.scale_grad_by_freq) s = s / freq;
    ws.group_bags[e] = ws.entry_bag[i];
    ws.group_scales[e] = s;
  }
  kernels.gradient_row(grad_output, dim, ws.group_bags.data() + first, ws.group_scales.data() + first,
                       last - first, dest);
}

template <typename IndexT, typename OffsetT>
void per_sample_weights_gradient(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                                 const Bags<IndexT, OffsetT>& bags, const Options& options,
                                 const float* grad_output, float* grad_psw,
                                 const Parallelism& parallel) {
  const int64_t dim = table.embedding_dim;
  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);
  std::memset(grad_psw, 0, sizeof(float) * bags.num_indices);
  const int64_t num = detail::bag_count(bags, options);
  const int64_t entries = detail::bag_entries_end(bags, options);
  const int pieces = detail::threads_for(parallel, entries * dim);
  detail::run_tasks(parallel, pieces, [&](int t) {
    const int64_t last = detail::first_bag_of_piece(bags, num, entries, pieces, t + 1);
    for (int64_t b = detail::first_bag_of_piece(bags, num, entries, pieces, t); b < last; ++b) {
      const detail::IndexRange range = detail::bag_range(bags, b);
      for (int64_t i = range.begin; i < range.end; ++i) {
        const int64_t row = bags.indices[i];
        if (row == pad) continue;
        grad_psw[i] = kernels.dot4(grad_output + b * dim, table.data + row * dim, dim);
      }
    }
  });
}

// The sparse gradient by grouping the entries by row (any table size).
template <typename IndexT, typename OffsetT>
Status sparse_gradient_grouped(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                               const Bags<IndexT, OffsetT>& bags, const Options& options,
                               const float* grad_output, SparseGradient& grad_weight, Workspace& workspace,
                               const Parallelism& parallel) {
  const int64_t dim = table.embedding_dim;
  if (!reserve_grouping(workspace, bags.num_indices)) return grouping_out_of_memory(bags.num_indices);
  const int64_t live = group_entries_by_row(table, bags, options, workspace);
  const int64_t groups = find_row_groups(workspace, live);
  if (!grad_weight.rows.resize(groups) || !grad_weight.values.resize(groups * dim)) {
    grad_weight.rows.release();
    grad_weight.values.release();
    return out_of_memory(groups * (dim + 1) * 4);
  }
  const int pieces = detail::threads_for(parallel, live * dim);
  detail::run_tasks(parallel, pieces, [&](int t) {
    const int64_t last = first_group_of_piece(workspace, groups, live, pieces, t + 1);
    for (int64_t g = first_group_of_piece(workspace, groups, live, pieces, t); g < last; ++g) {
      const int64_t first_entry = workspace.group_starts[g];
      grad_weight.rows[g] = static_cast<int32_t>(workspace.sort_rows[first_entry]);
      gradient_row_of_group(kernels, workspace, options, grad_output, dim, first_entry,
                            workspace.group_starts[g + 1], grad_weight.values.data() + g * dim);
    }
  });
  return {};
}

// The sparse gradient of a table whose N x D gradient fits in cache (no
// scale_grad_by_freq): the rows touched marked in workspace.row_bits, the
// entries scattered into a zeroed dense scratch (scatter_bags, as the dense
// gradient), then the touched rows copied out in ascending order -- the same
// bits as grouping, without the O(entries) grouping buffers. Measured (wasm,
// same process) against grouping: small sum (10k x 32, 65k entries)
// 0.47-0.58x the time on one thread, 0.50x on two; tiny (1k x 16) 0.80x.
// One thread: the scratch is cache-sized, and the scatter is not split.
template <typename IndexT, typename OffsetT>
Status sparse_gradient_through_dense(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                                     const Bags<IndexT, OffsetT>& bags, const Options& options,
                                     const float* grad_output, SparseGradient& grad_weight,
                                     Workspace& workspace) {
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  const auto words = static_cast<size_t>((n + 63) / 64);
  Buffer<uint64_t>& touched = workspace.row_bits;  // all zero between calls
  if ((touched.size() < words && !touched.resize_zeroed(words)) ||
      (workspace.dense_scratch.size() < static_cast<size_t>(n * dim) &&
       !workspace.dense_scratch.resize(static_cast<size_t>(n * dim)))) {
    return out_of_memory(n * dim * 4 + n / 8);
  }
  int64_t count = 0;
  for_each_live_entry(bags, options, detail::wrapped_padding_row(options, n),
                      [&](int64_t, int64_t, int64_t row, float) {
                        const uint64_t bit = uint64_t{1} << (row % 64);
                        count += (touched[static_cast<size_t>(row / 64)] & bit) == 0;
                        touched[static_cast<size_t>(row / 64)] |= bit;
                      });
  if (!grad_weight.rows.resize(static_cast<size_t>(count)) ||
      !grad_weight.values.resize(static_cast<size_t>(count * dim))) {
    std::memset(touched.data(), 0, words * sizeof(uint64_t));
    grad_weight.rows.release();
    grad_weight.values.release();
    return out_of_memory(count * (dim + 1) * 4);
  }
  float* scratch = workspace.dense_scratch.data();
  std::memset(scratch, 0, sizeof(float) * n * dim);
  scatter_bags(kernels, table, bags, options, grad_output, {0, n}, scratch);
  int64_t k = 0;
  for (size_t w = 0; w < words; ++w) {
    for (uint64_t bits = touched[w]; bits != 0; bits &= bits - 1) {
      const int64_t row = static_cast<int64_t>(w) * 64 + __builtin_ctzll(bits);
      grad_weight.rows[static_cast<size_t>(k)] = static_cast<int32_t>(row);
      std::memcpy(grad_weight.values.data() + k * dim, scratch + row * dim, sizeof(float) * dim);
      ++k;
    }
    touched[w] = 0;
  }
  return {};
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
                           float* grad_per_sample_weights, Workspace& workspace,
                           const Parallelism& parallel) {
  if (Status s = validate_backward(table, bags, options, grad_output, grad_output_length); !s.ok()) {
    return s;
  }
  const int64_t n = table.num_embeddings;
  const int64_t dim = table.embedding_dim;
  if (Status s = validate_buffer(grad_weight, Argument::kGradWeight, n * dim); !s.ok()) return s;
  const int64_t out_size = detail::bag_count(bags, options) * dim;
  // sum / mean without scale_grad_by_freq, when the gradient fits in cache or
  // few of its rows are touched: the entries are added to their rows in entry
  // order, straight into the zeroed gradient -- no grouping buffers, and per
  // element the adds of gradient_row. One scatter_bag call per bag keeps the
  // bag's G row in registers. With threads, each piece owns a range of rows
  // and walks every entry, adding the ones in its range. Measured (wasm, same
  // process) against the grouped pass, with a kernel call per entry: one
  // thread 0.71-0.79x the time on recsys (8% of 1M rows touched), 0.75x on
  // small sum (a 1.3 MB gradient); two threads 0.88x on recsys; but 1.6-1.7x
  // on text (half of 100k x 128 rows touched: the grouped pass writes them in
  // row order, the scatter in random order). A call per bag instead of per
  // entry: 0.73x on recsys, 0.47x on small sum (one thread), 0.74x on recsys
  // (two threads).
  const int64_t entries = detail::bag_entries_end(bags, options);
  // Threads scatter only into a gradient larger than the cache: on one that
  // fits, every thread's walk over all the entries (half of them skipped, an
  // unpredictable branch) cost more than the second thread saved (small sum,
  // two threads: 1.5x the one-thread time).
  const bool gradient_in_cache = n * dim * 4 <= kScatterCacheBytes;
  const int scatter_pieces = gradient_in_cache ? 1 : detail::threads_for(parallel, (n + entries) * dim);
  const bool scatter = options.mode != Mode::kMax && !options.scale_grad_by_freq &&
                       (gradient_in_cache || entries * kScatterTouchRatio <= n);
  if (options.mode == Mode::kMax) {
    if (Status s = validate_argmax(argmax, out_size, n); !s.ok()) return s;
  } else if (!scatter && !reserve_grouping(workspace, bags.num_indices)) {
    return grouping_out_of_memory(bags.num_indices);
  }

  if (options.mode == Mode::kMax) {
    // Zero the gradient (split by rows), then add every bag's G at its
    // argmax rows, split by columns: every (row, column) adds its bags in order.
    const int zero_pieces = detail::threads_for(parallel, n * dim);
    detail::run_tasks(parallel, zero_pieces, [&](int t) {
      const detail::IndexRange rows = detail::row_piece(n, zero_pieces, t);
      std::memset(grad_weight + rows.begin * dim, 0, sizeof(float) * (rows.end - rows.begin) * dim);
    });
    const int pieces = std::min<int>(detail::threads_for(parallel, out_size), static_cast<int>((dim + 3) / 4));
    detail::run_tasks(parallel, std::max(pieces, 1), [&](int t) {
      const detail::IndexRange cols = detail::column_piece(dim, std::max(pieces, 1), t);
      for (int64_t j = 0; j < out_size; j += dim) {
        for (int64_t d = cols.begin; d < cols.end; ++d) {
          const int64_t row = argmax[j + d];
          if (row >= 0) grad_weight[row * dim + d] += grad_output[j + d];
        }
      }
    });
  } else if (scatter) {
    // Each piece owns a range of rows: zeroes them, then walks every entry
    // and adds the ones that land in its range, in entry order.
    detail::run_tasks(parallel, scatter_pieces, [&](int t) {
      const detail::IndexRange rows = detail::row_piece(n, scatter_pieces, t);
      std::memset(grad_weight + rows.begin * dim, 0, sizeof(float) * (rows.end - rows.begin) * dim);
      scatter_bags(kernels, table, bags, options, grad_output, rows, grad_weight);
    });
  } else {
    // One pass over the N x D gradient: each piece owns a range of rows,
    // writes the rows that have entries and zeroes the ones between.
    const int64_t live = group_entries_by_row(table, bags, options, workspace);
    const int64_t groups = find_row_groups(workspace, live);
    const int pieces = detail::threads_for(parallel, (n + live) * dim);
    auto first_row_of_piece = [&](int t) -> int64_t {
      if (t == 0) return 0;
      const int64_t g = first_group_of_piece(workspace, groups, live, pieces, t);
      return g == groups ? n : static_cast<int64_t>(workspace.sort_rows[workspace.group_starts[g]]);
    };
    detail::run_tasks(parallel, pieces, [&](int t) {
      const int64_t end_row = first_row_of_piece(t + 1);
      int64_t row = first_row_of_piece(t);
      const int64_t last = first_group_of_piece(workspace, groups, live, pieces, t + 1);
      for (int64_t g = first_group_of_piece(workspace, groups, live, pieces, t); g < last; ++g) {
        const int64_t first_entry = workspace.group_starts[g];
        const int64_t dest_row = workspace.sort_rows[first_entry];
        std::memset(grad_weight + row * dim, 0, sizeof(float) * (dest_row - row) * dim);
        gradient_row_of_group(kernels, workspace, options, grad_output, dim, first_entry,
                              workspace.group_starts[g + 1], grad_weight + dest_row * dim);
        row = dest_row + 1;
      }
      std::memset(grad_weight + row * dim, 0, sizeof(float) * (end_row - row) * dim);
    });
  }
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights,
                                parallel);
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status backward_sparse_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                            const Bags<IndexT, OffsetT>& bags, const Options& options,
                            const float* grad_output, int64_t grad_output_length,
                            SparseGradient& grad_weight, float* grad_per_sample_weights,
                            Workspace& workspace, const Parallelism& parallel) {
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
  const int64_t n = table.num_embeddings;
  if (!options.scale_grad_by_freq && n * dim * 4 <= kScatterCacheBytes) {
    if (Status s = sparse_gradient_through_dense(kernels, table, bags, options, grad_output, grad_weight, workspace);
        !s.ok()) {
      return s;
    }
  } else if (Status s = sparse_gradient_grouped(kernels, table, bags, options, grad_output, grad_weight, workspace,
                                                parallel);
             !s.ok()) {
    return s;
  }
  if (grad_per_sample_weights != nullptr && bags.per_sample_weights != nullptr) {
    per_sample_weights_gradient(kernels, table, bags, options, grad_output, grad_per_sample_weights,
                                parallel);
  }
  return {};
}


template <typename IndexT, typename OffsetT>
Status backward_dense(const Table& table, const Bags<IndexT, OffsetT>& bags,
                      const Options& options, const float* grad_output,
                      int64_t grad_output_length, const int32_t* argmax, float* grad_weight,
                      float* grad_per_sample_weights, Workspace& workspace,
                      const Parallelism& parallel) {
  return backward_dense_with(kernels::best_kernel_set<IndexT>(), table, bags, options,
                             grad_output, grad_output_length, argmax, grad_weight,
                             grad_per_sample_weights, workspace, parallel);
}

template <typename IndexT, typename OffsetT>
Status backward_sparse(const Table& table, const Bags<IndexT, OffsetT>& bags,
                       const Options& options, const float* grad_output,
                       int64_t grad_output_length, SparseGradient& grad_weight,
                       float* grad_per_sample_weights, Workspace& workspace,
                       const Parallelism& parallel) {
  return backward_sparse_with(kernels::best_kernel_set<IndexT>(), table, bags, options,
                              grad_output, grad_output_length, grad_weight,
                              grad_per_sample_weights, workspace, parallel);
}

#define EBAG_INSTANTIATE(I, O)                                                                  \
  template Status backward_dense_with<I, O>(const kernels::KernelSet<I>&, const Table&,       \
                                            const Bags<I, O>&, const Options&, const float*,  \
                                            int64_t, const int32_t*, float*, float*,          \
                                            Workspace&, const Parallelism&);                    \
  template Status backward_sparse_with<I, O>(const kernels::KernelSet<I>&, const Table&,      \
                                             const Bags<I, O>&, const Options&, const float*, \
                                             int64_t, SparseGradient&, float*, Workspace&,      \
                                             const Parallelism&);                             \
  template Status backward_dense<I, O>(const Table&, const Bags<I, O>&, const Options&,       \
                                       const float*, int64_t, const int32_t*, float*, float*,  \
                                       Workspace&, const Parallelism&);                        \
  template Status backward_sparse<I, O>(const Table&, const Bags<I, O>&, const Options&,      \
                                        const float*, int64_t, SparseGradient&, float*,        \
                                        Workspace&, const Parallelism&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
