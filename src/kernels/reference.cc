// The scalar reference micro-kernels: the executable spec of
// include/ebag/embedding_bag.h. Plain loops in the documented order of operations.
#include "kernels/ukernels.h"
#include "row_format.h"

namespace ebag::kernels {
namespace {

template <typename IndexT>
void pool_sum__ref(const BagRef<IndexT>& bag, float* out) {
  const int64_t dim = bag.dim;
  for (int64_t d = 0; d < dim; ++d) out[d] = 0.0f;
  for (int64_t k = 0; k < bag.length; ++k) {
    const int64_t row = bag.indices[k];
    if (row == bag.pad) continue;
    const float* w = bag.table + row * bag.stride;
    if (bag.weights != nullptr) {
      const float scale = bag.weights[k];
      for (int64_t d = 0; d < dim; ++d) out[d] = out[d] + scale * w[d];
    } else {
      for (int64_t d = 0; d < dim; ++d) out[d] = out[d] + w[d];
    }
  }
}

template <typename IndexT>
void pool_scaled_sum__ref(const BagRef<IndexT>& bag, float scale, float* out) {
  pool_sum__ref(bag, out);
  for (int64_t d = 0; d < bag.dim; ++d) out[d] = out[d] * scale;
}

template <typename IndexT>
void pool_max__ref(const BagRef<IndexT>& bag, float* out, int32_t* argmax) {
  const int64_t dim = bag.dim;
  bool first = true;
  for (int64_t k = 0; k < bag.length; ++k) {
    const int64_t row = bag.indices[k];
    if (row == bag.pad) continue;
    const float* w = bag.table + row * bag.stride;
    for (int64_t d = 0; d < dim; ++d) {
      if (first || w[d] > out[d]) {
        out[d] = w[d];
        argmax[d] = static_cast<int32_t>(row);
      }
    }
    first = false;
  }
}

template <typename IndexT>
void pool_singles__ref(const SingleRows<IndexT>& rows) {
  for (int64_t j = 0; j < rows.count; ++j) {
    const BagRef<IndexT> bag{rows.table, rows.dim, rows.stride, rows.ids + j, 1, nullptr, rows.pad};
    float* out = rows.out + j * rows.out_stride;
    if (!rows.scaled) {
      pool_sum__ref(bag, out);
    } else if (rows.ids[j] == rows.pad) {
      for (int64_t d = 0; d < rows.dim; ++d) out[d] = 0.0f;
    } else {
      pool_scaled_sum__ref(bag, 1.0f, out);
    }
  }
}

void row_dots4__ref(const float* rows, int64_t num_rows, int64_t dim, const float* vt, float* out) {
  for (int64_t r = 0; r < num_rows; ++r) {
    for (int lane = 0; lane < 4; ++lane) {
      float d = 0.0f;
      for (int64_t c = 0; c < dim; ++c) d = d + rows[r * dim + c] * vt[c * 4 + lane];
      out[r * 4 + lane] = d;
    }
  }
}

void gradient_row__ref(const float* rows, int64_t dim, const uint32_t* ids, const float* scales,
                       int64_t count, float* out) {
  for (int64_t d = 0; d < dim; ++d) out[d] = 0.0f;
  for (int64_t j = 0; j < count; ++j) {
    const float* g = rows + static_cast<int64_t>(ids[j]) * dim;
    for (int64_t d = 0; d < dim; ++d) out[d] = out[d] + g[d] * scales[j];
  }
}

template <typename IndexT>
void scatter_bag__ref(const BagScatter<IndexT>& bag, float* grad) {
  for (int64_t j = 0; j < bag.length; ++j) {
    const int64_t row = bag.indices[j];
    if (row == bag.pad || row < bag.row_begin || row >= bag.row_end) continue;
    const float s = bag.weights != nullptr ? bag.weights[j] * bag.scale : bag.scale;
    float* out = grad + row * bag.dim;
    for (int64_t d = 0; d < bag.dim; ++d) out[d] = out[d] + bag.g[d] * s;
  }
}

float dot4__ref(const float* x, const float* y, int64_t dim) {
  float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t d = 0; d < dim; ++d) lane[d % 4] = lane[d % 4] + x[d] * y[d];
  return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

// Quantized rows: the float kernels above, with W[row][d] the decoded value.
template <RowFormat kFormat, typename IndexT>
inline float quantized_value(const QuantizedBagRef<IndexT>& bag, int64_t row, int64_t d) {
  return detail::decode_value<kFormat>(bag.table + row * bag.row_bytes, bag.table_dim, bag.col + d);
}

template <RowFormat kFormat, typename IndexT>
void quantized_sum__ref(const QuantizedBagRef<IndexT>& bag, float* out) {
  for (int64_t d = 0; d < bag.dim; ++d) out[d] = 0.0f;
  for (int64_t k = 0; k < bag.length; ++k) {
    const int64_t row = bag.indices[k];
    if (row == bag.pad) continue;
    for (int64_t d = 0; d < bag.dim; ++d) {
      const float w = quantized_value<kFormat>(bag, row, d);
      out[d] = out[d] + (bag.weights != nullptr ? bag.weights[k] * w : w);
    }
  }
}

template <RowFormat kFormat, typename IndexT>
void quantized_scaled_sum__ref(const QuantizedBagRef<IndexT>& bag, float scale, float* out) {
  quantized_sum__ref<kFormat>(bag, out);
  for (int64_t d = 0; d < bag.dim; ++d) out[d] = out[d] * scale;
}

template <RowFormat kFormat, typename IndexT>
void quantized_max__ref(const QuantizedBagRef<IndexT>& bag, float* out) {
  bool first = true;
  for (int64_t k = 0; k < bag.length; ++k) {
    const int64_t row = bag.indices[k];
    if (row == bag.pad) continue;
    for (int64_t d = 0; d < bag.dim; ++d) {
      const float w = quantized_value<kFormat>(bag, row, d);
      if (first || w > out[d]) out[d] = w;
    }
    first = false;
  }
}

template <RowFormat kFormat, typename IndexT>
constexpr QuantizedKernels<IndexT> quantized_kernels__ref() {
  return {quantized_sum__ref<kFormat, IndexT>, quantized_scaled_sum__ref<kFormat, IndexT>,
          quantized_max__ref<kFormat, IndexT>};
}

}  // namespace

template <typename IndexT>
const QuantizedKernelSet<IndexT>& quantized_kernel_set__ref() {
  static const QuantizedKernelSet<IndexT> set = QuantizedKernelSet<IndexT>::make(
      [](auto format) { return quantized_kernels__ref<decltype(format)::value, IndexT>(); });
  return set;
}

template <typename IndexT>
const KernelSet<IndexT>& kernel_set__ref() {
  static const KernelSet<IndexT> set = {"ref", pool_sum__ref<IndexT>, pool_scaled_sum__ref<IndexT>,
                                        pool_max__ref<IndexT>, pool_singles__ref<IndexT>, gradient_row__ref, scatter_bag__ref<IndexT>, dot4__ref, row_dots4__ref,
                                        &quantized_kernel_set__ref<IndexT>()};
  return set;
}

template const KernelSet<int32_t>& kernel_set__ref<int32_t>();
template const KernelSet<int64_t>& kernel_set__ref<int64_t>();
template const QuantizedKernelSet<int32_t>& quantized_kernel_set__ref<int32_t>();
template const QuantizedKernelSet<int64_t>& quantized_kernel_set__ref<int64_t>();

}  // namespace ebag::kernels
