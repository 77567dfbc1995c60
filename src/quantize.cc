// Quantizing a float32 table into the row formats of embedding_bag.h (as
// PyTorch's embedding_bag_byte_prepack / embedding_bag_4bit_prepack do it,
// bit for bit) and decoding it back.
#include <algorithm>
#include <cmath>
#include <limits>

#include "row_format.h"
#include "validate.h"

namespace ebag {

namespace {

// row counts from the first row given; first_row places it in the table.
Status not_quantizable(int64_t first_row, int64_t row, int64_t dim, int64_t col) {
  return make_error(ErrorCode::kNotQuantizable, Argument::kTable, (first_row + row) * dim + col);
}

// Columns of the smallest and largest value of a row (the first of equals).
struct RowRange {
  int64_t min_col = 0;
  int64_t max_col = 0;
};
// The extremes are kept as values, not re-read through their columns: a
// load that waits on the previous compare would chain every value's latency.
[[gnu::always_inline]] inline RowRange row_range(const float* row, int64_t dim) {
  RowRange r;
  float min = row[0];
  float max = row[0];
  for (int64_t d = 1; d < dim; ++d) {
    const float x = row[d];
    if (x < min) {
      min = x;
      r.min_col = d;
    }
    if (x > max) {
      max = x;
      r.max_col = d;
    }
  }
  return r;
}

// Below this magnitude a float32 rounds to a finite float16 (65504 is the
// largest; from 65520, halfway to 65536, it rounds to infinity).
constexpr float kHalfLimit = 65520.0f;

// Whether x rounds to a finite float16: one compare, false for NaN too.
bool fits_half(float x) { return std::fabs(x) < kHalfLimit; }

// The first value that cannot be quantized, or ok. Checked for the whole
// table before anything is written.
Status check_quantizable(const Table& table, int64_t first_row, RowFormat format) {
  const int64_t dim = table.embedding_dim;
  const float limit = format == RowFormat::kFloat16 ? kHalfLimit : std::numeric_limits<float>::infinity();
  for (int64_t r = 0; r < table.num_embeddings; ++r) {
    const float* row = table.data + r * dim;
    for (int64_t d = 0; d < dim; ++d) {
      if (!(std::fabs(row[d]) < limit)) return not_quantizable(first_row, r, dim, d);  // also NaN
    }
    if (format == RowFormat::kFloat16) continue;
    const RowRange range = row_range(row, dim);
    const float min = row[range.min_col];
    if (format == RowFormat::kInt8RowWise) {
      if (!std::isfinite(row[range.max_col] - min)) return not_quantizable(first_row, r, dim, range.max_col);
    } else {
      if (!fits_half(min)) return not_quantizable(first_row, r, dim, range.min_col);
      const float bias = detail::half_to_float(detail::float_to_half(min));
      if (!fits_half((row[range.max_col] - bias) / 15.0f)) return not_quantizable(first_row, r, dim, range.max_col);
    }
  }
  return {};
}

// lrintf(x) clamped to [0, top]: clamping first keeps the conversion defined
// and gives the same result (the bounds are integers). For 0 <= x < 2^23,
// (x + 2^23) - 2^23 is x rounded to the nearest integer, ties to even, as
// nearbyint in the default rounding mode: two adds inline, where nearbyint is
// a library call (natively without SSE4.1, and at -Oz in wasm).
[[gnu::always_inline]] inline uint8_t round_code(float x, float top) {
  constexpr float kShift = 0x1p23f;
  const float clamped = std::min(std::max(x, 0.0f), top);
  return static_cast<uint8_t>((clamped + kShift) - kShift);
}

void quantize_row_int8(const float* row, int64_t dim, uint8_t* out) {
  const RowRange r = row_range(row, dim);
  const float min = row[r.min_col];
  const float range = row[r.max_col] - min;
  const float scale = range / 255.0f;
  const float inverse_scale = 255.0f / (range + 1e-8f);
  for (int64_t d = 0; d < dim; ++d) out[d] = round_code((row[d] - min) * inverse_scale, 255.0f);
  std::memcpy(out + dim, &scale, 4);
  std::memcpy(out + dim + 4, &min, 4);
}

void quantize_row_int4(const float* row, int64_t dim, uint8_t* out) {
  const RowRange r = row_range(row, dim);
  const uint16_t bias_half = detail::float_to_half(row[r.min_col]);
  const float bias = detail::half_to_float(bias_half);
  const float range = row[r.max_col] - bias;
  uint16_t scale_half = detail::float_to_half(range == 0.0f ? 1.0f : range / 15.0f);
  float inverse_scale = 1.0f / detail::half_to_float(scale_half);
  if (detail::half_to_float(scale_half) == 0.0f || std::isinf(inverse_scale)) {
    scale_half = detail::float_to_half(1.0f);
    inverse_scale = 1.0f;
  }
  const int64_t bytes = (dim + 1) / 2;
  std::memset(out, 0, static_cast<size_t>(bytes));
  for (int64_t d = 0; d < dim; ++d) {
    const uint8_t code = round_code((row[d] - bias) * inverse_scale, 15.0f);
    out[d / 2] = static_cast<uint8_t>(out[d / 2] | (code << ((d & 1) * 4)));
  }
  out[bytes] = static_cast<uint8_t>(scale_half & 0xff);
  out[bytes + 1] = static_cast<uint8_t>(scale_half >> 8);
  out[bytes + 2] = static_cast<uint8_t>(bias_half & 0xff);
  out[bytes + 3] = static_cast<uint8_t>(bias_half >> 8);
}

void quantize_row_half(const float* row, int64_t dim, uint8_t* out) {
  for (int64_t d = 0; d < dim; ++d) {
    const uint16_t h = detail::float_to_half(row[d]);
    out[2 * d] = static_cast<uint8_t>(h & 0xff);
    out[2 * d + 1] = static_cast<uint8_t>(h >> 8);
  }
}

template <RowFormat kFormat>
void dequantize_rows(const QuantizedTable& table, float* out) {
  const int64_t dim = table.embedding_dim;
  const int64_t stride = row_bytes(kFormat, dim);
  for (int64_t r = 0; r < table.num_embeddings; ++r) {
    const uint8_t* row = table.data + r * stride;
    for (int64_t d = 0; d < dim; ++d) out[r * dim + d] = detail::decode_value<kFormat>(row, dim, d);
  }
}

}  // namespace

// One row of a format, as PyTorch's prepack writes it.
template <RowFormat kFormat>
void quantize_row(const float* row, int64_t dim, uint8_t* out);
template <>
void quantize_row<RowFormat::kFloat16>(const float* row, int64_t dim, uint8_t* out) { quantize_row_half(row, dim, out); }
template <>
void quantize_row<RowFormat::kInt8RowWise>(const float* row, int64_t dim, uint8_t* out) { quantize_row_int8(row, dim, out); }
template <>
void quantize_row<RowFormat::kInt4RowWise>(const float* row, int64_t dim, uint8_t* out) { quantize_row_int4(row, dim, out); }

Status quantize(const Table& table, RowFormat format, uint8_t* out) { return quantize_rows(table, 0, format, out); }

Status quantize_rows(const Table& table, int64_t first_row, RowFormat format, uint8_t* out) {
  const int64_t dim = table.embedding_dim;
  if (Status s = validate_table(table.num_embeddings, dim, std::nullopt); !s.ok()) return s;
  if (first_row < 0) return make_error(ErrorCode::kBadNumEmbeddings, Argument::kNumEmbeddings, -1, first_row);
  if (Status s = validate_row_format(format); !s.ok()) return s;
  if (Status s = validate_buffer(table.data, Argument::kTable, 1); !s.ok()) return s;
  if (Status s = validate_buffer(out, Argument::kOutput, 1); !s.ok()) return s;
  if (Status s = check_quantizable(table, first_row, format); !s.ok()) return s;
  const int64_t stride = row_bytes(format, dim);
  for (int64_t r = 0; r < table.num_embeddings; ++r) {
    const float* row = table.data + r * dim;
    uint8_t* dst = out + r * stride;
    switch (format) {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) \
  case RowFormat::k##Name: quantize_row<RowFormat::k##Name>(row, dim, dst); break;
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
    }
  }
  return {};
}

Status dequantize(const QuantizedTable& table, float* out) {
  if (Status s = validate_table(table.num_embeddings, table.embedding_dim, std::nullopt); !s.ok()) return s;
  if (Status s = validate_row_format(table.format); !s.ok()) return s;
  if (Status s = validate_buffer(table.data, Argument::kTable, 1); !s.ok()) return s;
  if (Status s = validate_buffer(out, Argument::kOutput, 1); !s.ok()) return s;
  switch (table.format) {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) \
  case RowFormat::k##Name: dequantize_rows<RowFormat::k##Name>(table, out); break;
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
  }
  return {};
}

}  // namespace ebag
