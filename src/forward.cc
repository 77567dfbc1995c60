// Forward driver: validate, renorm, then one micro-kernel call per bag (a
// float32 table or a quantized one).
#include <algorithm>
#include <cstring>

#include "bag_scale.h"
#include "bags.h"
#include "embedding_bag_internal.h"
#include "renorm.h"
#include "validate.h"
#include "work_split.h"
#include "workspace.h"

namespace ebag {

namespace {

// Whether a bag has an entry that is not the padding row.
template <typename IndexT>
bool has_live_entry(const IndexT* indices, int64_t length, int64_t pad) {
  for (int64_t k = 0; k < length; ++k) {
    if (indices[k] != pad) return true;
  }
  return false;
}

// Walks the output rows of bags first, first + 1, ... of an OutputRows
// layout (row_stride resolved: not 0), dividing once at the start.
class OutputCursor {
 public:
  OutputCursor(const OutputRows& out, int64_t first) : out_(out) {
    const int64_t group = out.group > 0 ? first / out.group : 0;
    in_group_ = out.group > 0 ? first % out.group : first;
    group_row_ = out.data + group * out.group_stride;
    row_ = group_row_ + in_group_ * out.row_stride;
  }
  float* row() const { return row_; }
  // Bags from this one to the end of its group (each a row_stride apart).
  int64_t left_in_group() const { return out_.group > 0 ? out_.group - in_group_ : INT64_MAX; }
  // n <= left_in_group().
  void advance(int64_t n) {
    row_ += n * out_.row_stride;
    in_group_ += n;
    if (in_group_ == out_.group) {
      in_group_ = 0;
      group_row_ += out_.group_stride;
      row_ = group_row_;
    }
  }

 private:
  const OutputRows& out_;
  int64_t in_group_ = 0;
  float* group_row_ = nullptr;
  float* row_ = nullptr;
};

// The layout with row_stride resolved, or kLengthMismatch when its rows are
// shorter than D.
Status resolve_output(OutputRows& output, int64_t dim, int64_t num_bags) {
  if (Status s = validate_buffer(output.data, Argument::kOutput, num_bags * dim); !s.ok()) return s;
  if (output.row_stride == 0) output.row_stride = dim;
  if (output.row_stride < dim || output.group < 0 || output.group_stride < 0) {
    return make_error(ErrorCode::kLengthMismatch, Argument::kOutput, -1, output.row_stride);
  }
  return {};
}

// Bags [first, last), columns [cols.begin, cols.end) of the output: one
// kernel call per bag (per run of one-entry bags), through a Pooler
// (FloatPooler, QuantizedPooler below) that makes the kernels' bag reference
// and calls them.
template <typename IndexT, typename OffsetT, typename Pooler>
void forward_piece(const Pooler& pool, const Bags<IndexT, OffsetT>& bags, const Options& options,
                   int64_t num_embeddings, int64_t first, int64_t last,
                   detail::IndexRange cols, const OutputRows& output) {
  const int64_t width = cols.end - cols.begin;
  OutputCursor cursor(output, first);
  const int64_t pad = detail::wrapped_padding_row(options, num_embeddings);
  const ModeTraits& mode = *mode_traits(options.mode);
  // Runs of one-entry bags (one-hot features) go to the singles kernel in
  // one call: unweighted, and not max (whose arg-max it does not keep).
  const bool singles = !mode.argmax && bags.per_sample_weights == nullptr;
  for (int64_t b = first; b < last; ++b) {
    const detail::IndexRange range = detail::bag_range(bags, b);
    const IndexT* indices = bags.indices + range.begin;
    const int64_t length = range.end - range.begin;
    if constexpr (Pooler::kSingles) {
      if (singles && length == 1) {
        // Consecutive one-entry bags have consecutive entries; a run stays in
        // one output group (its outputs one row_stride apart).
        const int64_t limit = std::min(last - b, cursor.left_in_group());
        int64_t run = 1;
        while (run < limit) {
          const detail::IndexRange next = detail::bag_range(bags, b + run);
          if (next.end - next.begin != 1) break;
          ++run;
        }
        pool.singles(indices, run, pad, mode.scaled, cols, cursor.row() + cols.begin, output.row_stride);
        cursor.advance(run);
        b += run - 1;
        continue;
      }
    }
    const float* weights = bags.per_sample_weights != nullptr ? bags.per_sample_weights + range.begin : nullptr;
    const auto bag = pool.bag(indices, length, weights, pad, cols);
    float* out = cursor.row() + cols.begin;
    cursor.advance(1);
    if (mode.scaled) {
      const float scale = detail::bag_scale(options, indices, weights, length, pad);
      if (scale == 0.0f) std::memset(out, 0, sizeof(float) * width);
      else pool.scaled_sum(bag, scale, out);
    } else if (!mode.argmax) {
      pool.sum(bag, out);
    } else if (has_live_entry(indices, length, pad)) {
      pool.max(bag, out, b, cols);
    } else {
      std::memset(out, 0, sizeof(float) * width);
      pool.no_max(b, cols);
    }
  }
}

template <typename IndexT>
struct FloatPooler {
  static constexpr bool kSingles = true;
  const kernels::KernelSet<IndexT>& kernels;
  const Table& table;
  int32_t* argmax;  // B x D, mode max

  kernels::BagRef<IndexT> bag(const IndexT* indices, int64_t length, const float* weights, int64_t pad,
                              detail::IndexRange cols) const {
    return {table.data + cols.begin, cols.end - cols.begin, table.embedding_dim, indices, length, weights, pad};
  }
  void sum(const kernels::BagRef<IndexT>& bag, float* out) const { kernels.sum(bag, out); }
  void scaled_sum(const kernels::BagRef<IndexT>& bag, float scale, float* out) const {
    kernels.scaled_sum(bag, scale, out);
  }
  void singles(const IndexT* ids, int64_t count, int64_t pad, bool scaled, detail::IndexRange cols, float* out,
               int64_t out_stride) const {
    kernels.singles({table.data + cols.begin, cols.end - cols.begin, table.embedding_dim, ids, count, pad, scaled,
                     out, out_stride});
  }
  void max(const kernels::BagRef<IndexT>& bag, float* out, int64_t b, detail::IndexRange cols) const {
    kernels.max(bag, out, argmax + b * table.embedding_dim + cols.begin);
  }
  void no_max(int64_t b, detail::IndexRange cols) const {
    for (int64_t d = cols.begin; d < cols.end; ++d) argmax[b * table.embedding_dim + d] = -1;
  }
};

template <typename IndexT>
struct QuantizedPooler {
  static constexpr bool kSingles = false;  // every bag through sum / scaled_sum: no singles()
  const kernels::QuantizedKernels<IndexT>& kernels;
  const QuantizedTable& table;
  int64_t stride;  // row_bytes

  kernels::QuantizedBagRef<IndexT> bag(const IndexT* indices, int64_t length, const float* weights,
                                       int64_t pad, detail::IndexRange cols) const {
    return {table.data, stride, table.embedding_dim, cols.begin, cols.end - cols.begin, indices, length, weights, pad};
  }
  void sum(const kernels::QuantizedBagRef<IndexT>& bag, float* out) const { kernels.sum(bag, out); }
  void scaled_sum(const kernels::QuantizedBagRef<IndexT>& bag, float scale, float* out) const {
    kernels.scaled_sum(bag, scale, out);
  }
  void max(const kernels::QuantizedBagRef<IndexT>& bag, float* out, int64_t, detail::IndexRange) const {
    kernels.max(bag, out);
  }
  void no_max(int64_t, detail::IndexRange) const {}  // no arg-max: no backward
};

// Runs piece(first_bag, last_bag, columns) over the call's bags, on the
// pool's threads when the work is large enough: cut into chunks of bags
// balanced on entry count, or of columns when one bag holds most of the
// entries, which the threads take as they come free (run_chunks).
template <typename IndexT, typename OffsetT, typename PieceFn>
void run_forward_pieces(const Bags<IndexT, OffsetT>& bags, const Options& options, int64_t dim,
                        const Parallelism& parallel, PieceFn&& piece) {
  const int64_t num = detail::bag_count(bags, options);
  const int64_t entries = detail::bag_entries_end(bags, options);
  const int threads = detail::threads_for(parallel, entries * dim);
  int64_t largest = 0;
  if (threads > 1) {
    for (int64_t b = 0; b < num; ++b) {
      const detail::IndexRange range = detail::bag_range(bags, b);
      largest = std::max(largest, range.end - range.begin);
    }
  }
  if (threads > 1 && dim >= 8 && largest * threads > 2 * entries) {
    // One bag holds most of the work: split the columns instead of the bags,
    // in pieces of at least 32 columns (a kernel's column block) when D allows.
    const int64_t blocks = std::max<int64_t>(threads, dim / 32);
    const int pieces = static_cast<int>(std::min<int64_t>({threads * detail::kChunksPerThread, blocks, dim / 4}));
    detail::run_chunks(parallel, pieces, [&](int t) { piece(0, num, detail::column_piece(dim, pieces, t)); });
  } else if (threads > 1) {
    // Chunks of bags balanced on entry count, taken by whichever thread is free.
    const int pieces = static_cast<int>(std::min<int64_t>(threads * detail::kChunksPerThread, num));
    detail::run_chunks(parallel, pieces, [&](int t) {
      piece(detail::first_bag_of_piece(bags, num, entries, pieces, t),
            detail::first_bag_of_piece(bags, num, entries, pieces, t + 1), detail::IndexRange{0, dim});
    });
  } else {
    piece(0, num, detail::IndexRange{0, dim});
  }
}

}  // namespace

template <typename IndexT, typename OffsetT>
Status forward_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                    const Bags<IndexT, OffsetT>& bags, const Options& options, OutputRows output,
                    int32_t* argmax, Workspace& workspace, const Parallelism& parallel, Checks checks) {
  if (checks == Checks::kAll) {
    if (Status s = validate(table, bags, options); !s.ok()) return s;
  }
  const int64_t dim = table.embedding_dim;
  const int64_t num = detail::bag_count(bags, options);
  if (Status s = resolve_output(output, dim, num); !s.ok()) return s;
  if (mode_traits(options.mode)->argmax) {
    if (Status s = validate_buffer(argmax, Argument::kArgmax, num * dim); !s.ok()) return s;
  }
  const int64_t entries = detail::bag_entries_end(bags, options);
  if (options.max_norm &&
      !detail::renorm_rows(table, bags.indices, entries, *options.max_norm, options.norm_type,
                           workspace.impl().rows)) {
    return out_of_memory(static_cast<int64_t>(table.num_embeddings / 8));
  }
  const FloatPooler<IndexT> pool{kernels, table, argmax};
  run_forward_pieces(bags, options, dim, parallel, [&](int64_t first, int64_t last, detail::IndexRange cols) {
    forward_piece(pool, bags, options, table.num_embeddings, first, last, cols, output);
  });
  return {};
}

template <typename IndexT, typename OffsetT>
Status quantized_forward_with(const kernels::KernelSet<IndexT>& kernels, const QuantizedTable& table,
                              const Bags<IndexT, OffsetT>& bags, const Options& options,
                              OutputRows output, const Parallelism& parallel, Checks checks) {
  if (checks == Checks::kAll) {
    if (Status s = validate(table, bags, options); !s.ok()) return s;
  }
  const int64_t dim = table.embedding_dim;
  if (Status s = resolve_output(output, dim, detail::bag_count(bags, options)); !s.ok()) return s;
  const QuantizedPooler<IndexT> pool{kernels.quantized->of(table.format), table, row_bytes(table.format, dim)};
  run_forward_pieces(bags, options, dim, parallel, [&](int64_t first, int64_t last, detail::IndexRange cols) {
    forward_piece(pool, bags, options, table.num_embeddings, first, last, cols, output);
  });
  return {};
}

template <typename IndexT, typename OffsetT>
Status forward(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
               OutputRows output, int32_t* argmax, Workspace& workspace, const Parallelism& parallel) {
  return forward_with(kernels::best_kernel_set<IndexT>(), table, bags, options, output, argmax,
                      workspace, parallel);
}

template <typename IndexT, typename OffsetT>
Status forward(const QuantizedTable& table, const Bags<IndexT, OffsetT>& bags,
               const Options& options, OutputRows output, const Parallelism& parallel) {
  return quantized_forward_with(kernels::best_kernel_set<IndexT>(), table, bags, options, output,
                                parallel);
}

#define EBAG_INSTANTIATE(I, O)                                                                 \
  template Status forward_with<I, O>(const kernels::KernelSet<I>&, const Table&,             \
                                     const Bags<I, O>&, const Options&, OutputRows, int32_t*, \
                                     Workspace&, const Parallelism&, Checks);                  \
  template Status forward<I, O>(const Table&, const Bags<I, O>&, const Options&, OutputRows, \
                                int32_t*, Workspace&, const Parallelism&);                  \
  template Status quantized_forward_with<I, O>(const kernels::KernelSet<I>&,                  \
                                               const QuantizedTable&, const Bags<I, O>&,      \
                                               const Options&, OutputRows, const Parallelism&, \
                                               Checks);                                        \
  template Status forward<I, O>(const QuantizedTable&, const Bags<I, O>&, const Options&,    \
                                OutputRows, const Parallelism&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
