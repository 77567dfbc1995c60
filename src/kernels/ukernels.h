// Internal: the micro-kernel interface. A micro-kernel reduces one bag (or
// does one row operation of backward); the drivers in src/*.cc loop over bags
// and rows. Every variant listed in kernel_sets.inc implements all of them;
// `ref` is the executable spec the others are tested against.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ebag/embedding_bag.h"

namespace ebag::kernels {

// One bag, already validated: every index is in [0, N).
template <typename IndexT>
struct BagRef {
  const float* table;      // row r starts at table + r * stride
  int64_t dim;             // columns to reduce (out has dim floats)
  int64_t stride;          // floats from one table row to the next (>= dim)
  const IndexT* indices;   // the bag's entries
  int64_t length;
  const float* weights;    // per-sample weights aligned with indices, or nullptr
  int64_t pad;             // wrapped padding row, or -1
};

// A bag may cover a column slice of the table (table pointing at its first
// column, stride = D): threads split a huge bag by columns.
// out[0:dim] = sum over live entries (weighted when bag.weights).
template <typename IndexT>
using PoolSumFn = void (*)(const BagRef<IndexT>& bag, float* out);
// out[0:dim] = (sum over live entries, weighted when bag.weights) * scale:
// every scaled mode (mean, sqrtn), scale = 1 / the bag's divisor.
template <typename IndexT>
using PoolScaledSumFn = void (*)(const BagRef<IndexT>& bag, float scale, float* out);
// out[0:dim] = element-wise max, argmax[0:dim] = its row; the bag has a live entry.
template <typename IndexT>
using PoolMaxFn = void (*)(const BagRef<IndexT>& bag, float* out, int32_t* argmax);
// Consecutive bags of one unweighted entry each (one-hot features), in one
// call instead of one per bag: bag j (j in [0, count)) is row ids[j]; its
// output, at out + j * out_stride, is what PoolSumFn gives that one-entry
// bag, out[d] = 0 + w[d], then times 1.0f when `scaled` (a scaled mode: the
// scale of a one-entry bag is 1 / 1); +0 throughout for the padding row (a
// scaled mode's scale is then 0, and the driver writes zeros).
template <typename IndexT>
struct SingleRows {
  const float* table;   // row r starts at table + r * stride (as BagRef)
  int64_t dim;
  int64_t stride;
  const IndexT* ids;
  int64_t count;
  int64_t pad;          // wrapped padding row, or -1
  bool scaled;
  float* out;
  int64_t out_stride;   // floats from one bag's output to the next (>= dim)
};
template <typename IndexT>
using PoolSinglesFn = void (*)(const SingleRows<IndexT>& rows);

// Dot products of table rows [0, num_rows) (row r at rows + r * dim) with
// four vectors given column by column (vt[d * 4 + lane] is column d of
// vector `lane`): out[r * 4 + lane] = the float32 sum over d in ascending
// order, from +0, of rows[r * dim + d] * vt[d * 4 + lane] (product rounded,
// then added). row_dots (embedding_bag.h) in blocks of four vectors.
using RowDots4Fn = void (*)(const float* rows, int64_t num_rows, int64_t dim, const float* vt, float* out);

// One row of a sum/mean weight gradient:
//   out[d] = sum over j in [0, count), in ascending j, of rows[ids[j] * dim + d] * scales[j]
// starting from +0 (rows: the output gradient G; ids: the bags of the row's
// entries; scales: their scales). The order is the reference's.
using GradientRowFn = void (*)(const float* rows, int64_t dim, const uint32_t* ids,
                               const float* scales, int64_t count, float* out);
// One bag's contributions to a dense sum/mean weight gradient, added in
// place: for each entry j in ascending j that is not padding and whose row r
// lies in [row_begin, row_end) (a thread's rows),
//   grad[r * dim + d] = grad[r * dim + d] + g[d] * s_j   for d in [0, dim),
// s_j = weights[j] * scale when weights, else scale (embedding_bag.h's s). Bags in order, from a zeroed
// gradient: per element the adds of gradient_row, in the same order.
template <typename IndexT>
struct BagScatter {
  const IndexT* indices;   // the bag's entries
  int64_t length;
  const float* weights;    // per-sample weights aligned with indices, or nullptr
  float scale;             // the bag's scale: 1 for sum, scale(b) for a scaled mode
  int64_t pad;             // wrapped padding row, or -1
  const float* g;          // the bag's row of the output gradient G
  int64_t dim;
  int64_t row_begin, row_end;
};
template <typename IndexT>
using ScatterBagFn = void (*)(const BagScatter<IndexT>& bag, float* grad);
// Four-lane striped dot product (see dot4 in embedding_bag.h).
using Dot4Fn = float (*)(const float* x, const float* y, int64_t dim);

// One bag over a quantized table (a RowFormat of embedding_bag.h), already
// validated. Columns [col, col + dim) of the table are reduced into out[0:dim];
// col is a multiple of 4 (threads split a huge bag by columns).
template <typename IndexT>
struct QuantizedBagRef {
  const uint8_t* table;    // row r starts at table + r * row_bytes
  int64_t row_bytes;
  int64_t table_dim;       // D of the table: where a row's codes end
  int64_t col;
  int64_t dim;
  const IndexT* indices;
  int64_t length;
  const float* weights;    // per-sample weights aligned with indices, or nullptr
  int64_t pad;             // wrapped padding row, or -1
};

// As PoolSumFn / PoolScaledSumFn / PoolMaxFn over the decoded values; max
// keeps no arg-max (a quantized table has no backward).
template <typename IndexT>
using QuantizedSumFn = void (*)(const QuantizedBagRef<IndexT>& bag, float* out);
template <typename IndexT>
using QuantizedScaledSumFn = void (*)(const QuantizedBagRef<IndexT>& bag, float scale, float* out);
template <typename IndexT>
using QuantizedMaxFn = void (*)(const QuantizedBagRef<IndexT>& bag, float* out);

template <typename IndexT>
struct QuantizedKernels {
  QuantizedSumFn<IndexT> sum;
  QuantizedScaledSumFn<IndexT> scaled_sum;
  QuantizedMaxFn<IndexT> max;
};

// Slot of a RowFormat in a QuantizedKernelSet: its place in row_formats.inc.
enum class RowFormatSlot : int {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) k##Name,
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
  kCount
};
constexpr int row_format_slot(RowFormat format) {
  switch (format) {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) \
  case RowFormat::k##Name: return static_cast<int>(RowFormatSlot::k##Name);
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
  }
  return -1;
}

// One QuantizedKernels per RowFormat, in the order of row_formats.inc. A
// variant fills it with make(kernels_of), kernels_of(std::integral_constant<
// RowFormat, f>) giving format f's kernels: a new format is one more line of
// the list, and one more instantiation of each variant's templates.
template <typename IndexT>
struct QuantizedKernelSet {
  QuantizedKernels<IndexT> formats[static_cast<int>(RowFormatSlot::kCount)];

  // `format` is valid (validated before any kernel runs).
  const QuantizedKernels<IndexT>& of(RowFormat format) const { return formats[row_format_slot(format)]; }

  template <typename KernelsOf>
  static QuantizedKernelSet make(KernelsOf kernels_of) {
    return {{
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) \
  kernels_of(std::integral_constant<RowFormat, RowFormat::k##Name>{}),
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
    }};
  }
};

template <typename IndexT>
struct KernelSet {
  const char* name;
  PoolSumFn<IndexT> sum;
  PoolScaledSumFn<IndexT> scaled_sum;
  PoolMaxFn<IndexT> max;
  PoolSinglesFn<IndexT> singles;
  GradientRowFn gradient_row;
  ScatterBagFn<IndexT> scatter_bag;
  Dot4Fn dot4;
  RowDots4Fn row_dots4;
  const QuantizedKernelSet<IndexT>* quantized;
};

// kernel_set__<variant><IndexT>() and quantized_kernel_set__<variant><IndexT>()
// for every variant in kernel_sets.inc.
#define EBAG_KERNEL_SET(variant)                 \
  template <typename IndexT>                     \
  const KernelSet<IndexT>& kernel_set__##variant(); \
  template <typename IndexT>                     \
  const QuantizedKernelSet<IndexT>& quantized_kernel_set__##variant();
#include "kernels/kernel_sets.inc"
#undef EBAG_KERNEL_SET

// The variant the public entry points use: v128, or v128w after
// prefer_wide_sum_blocks(true) (for engines that fuse 128-bit SIMD pairs
// into 256-bit ones: V8's --experimental-wasm-revectorize).
template <typename IndexT>
const KernelSet<IndexT>& best_kernel_set();
void prefer_wide_sum_blocks(bool wide);

}  // namespace ebag::kernels
