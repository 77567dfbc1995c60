// 128-bit SIMD micro-kernels over quantized rows (the RowFormats of
// embedding_bag.h). A row's codes are widened and dequantised in registers,
// four vectors (16 columns) at a time -- value = float(code) * scale + bias,
// one multiply and one add as in row_format.h -- and reduced like the float
// kernels: each column adds its rows in bag order. So a quantized forward
// gives the bits of the float forward over the dequantised table, with no
// dequantised copy of the table anywhere.
#include "kernels/ukernels.h"
#include "kernels/v128_blocks.h"
#include "row_format.h"

namespace ebag::kernels {
namespace {

using namespace v128;
using C = simd::DecodeConstants;

// Vectors per column block of max; sum's is per format (kSumBlockVecs). Four:
// with eight, a decode's temporaries and the maxima spill in V8, and each
// block size is code in the module.
constexpr int kMaxBlockVecs = 4;

// How a format's row is read. at(row, col): the codes of column col (a
// multiple of 4). load16 / load4: vectors [v, v + 4) / v of a block whose
// codes start at `codes`, as float32 codes (or values, for float16).
// load_partial: the block's last vector, `tail` (1..3) columns of it.
// kAffine: value = code * scale + bias, with params() giving the row's scale
// and bias. kSumBlockVecs: accumulators of sum, per format. float16 and int8
// take 4: a block's loop over the bag is then short enough that more rows'
// misses are in flight on a large table, the later blocks finding the rows
// in cache (bench workload recsys). int4 takes 8: its decode is cheap per
// column, and more passes over the bag cost it more than they save (text);
// 2 would lose the same way for float16 and int8.
template <RowFormat kFormat>
struct RowCodes;

template <>
struct RowCodes<RowFormat::kInt8RowWise> {
  static constexpr bool kAffine = true;
  static constexpr int kSumBlockVecs = 4;
  static const uint8_t* at(const uint8_t* row, int64_t col) { return row + col; }
  static void params(const uint8_t* row, int64_t dim, float* scale, float* bias) {
    *scale = detail::load_f32(row + dim);
    *bias = detail::load_f32(row + dim + 4);
  }
  static void load16(const uint8_t* codes, int v, F32x4* out, const C& c) { simd::load_u8x16(codes + 4 * v, out, c); }
  static F32x4 load4(const uint8_t* codes, int v, const C& c) { return simd::load_u8x4(codes + 4 * v, c); }
  // Reads 4 codes: the row's scale and bias follow its codes, so the read
  // stays inside the row; the lanes past the tail are never stored.
  static F32x4 load_partial(const uint8_t* codes, int v, int64_t, const C& c) { return load4(codes, v, c); }
};

template <>
struct RowCodes<RowFormat::kInt4RowWise> {
  static constexpr bool kAffine = true;
  static constexpr int kSumBlockVecs = 8;
  static const uint8_t* at(const uint8_t* row, int64_t col) { return row + col / 2; }
  static void params(const uint8_t* row, int64_t dim, float* scale, float* bias) {
    const uint8_t* p = row + (dim + 1) / 2;
    *scale = detail::half_to_float(detail::load_u16(p));
    *bias = detail::half_to_float(detail::load_u16(p + 2));
  }
  static void load16(const uint8_t* codes, int v, F32x4* out, const C& c) { simd::load_u4x16(codes + 2 * v, out, c); }
  static F32x4 load4(const uint8_t* codes, int v, const C& c) { return simd::load_u4x4(codes + 2 * v, c); }
  // Reads 2 bytes; the scale and bias follow the codes (as int8).
  static F32x4 load_partial(const uint8_t* codes, int v, int64_t, const C& c) { return load4(codes, v, c); }
};

template <>
struct RowCodes<RowFormat::kFloat16> {
  static constexpr bool kAffine = false;
  static constexpr int kSumBlockVecs = 4;
  static const uint8_t* at(const uint8_t* row, int64_t col) { return row + 2 * col; }
  static void params(const uint8_t*, int64_t, float*, float*) {}
  static void load16(const uint8_t* codes, int v, F32x4* out, const C& c) { simd::load_half16(codes + 8 * v, out, c); }
  static F32x4 load4(const uint8_t* codes, int v, const C& c) { return simd::load_half4(codes + 8 * v, c); }
  // Nothing follows a float16 row: the last row may end at the heap's end.
  static F32x4 load_partial(const uint8_t* codes, int v, int64_t tail, const C& c) {
    return simd::load_half_partial(codes + 8 * v, tail, c);
  }
};

// One row's decoded block, handed out four vectors (16 columns) at a time so
// that only those four are live next to the accumulators.
template <RowFormat kFormat, int kVecs, bool kPartial>
struct RowBlock {
  const uint8_t* codes;
  F32x4 scale, bias;
  int64_t tail;
  const C& consts;

  template <typename IndexT>
  RowBlock(const QuantizedBagRef<IndexT>& bag, int64_t row, int64_t col, int64_t tail_columns, const C& c)
      : tail(tail_columns), consts(c) {
    const uint8_t* r = bag.table + static_cast<uintptr_t>(row) * static_cast<uintptr_t>(bag.row_bytes);
    codes = RowCodes<kFormat>::at(r, bag.col + col);
    if constexpr (RowCodes<kFormat>::kAffine) {
      float s, b;
      RowCodes<kFormat>::params(r, bag.table_dim, &s, &b);
      scale = simd::splat(s);
      bias = simd::splat(b);
    }
  }

  // Vectors [g, g + n) of the block into x[0, n), n = min(4, kVecs - g).
  void values(int g, F32x4* x) const {
    constexpr int kWhole = kPartial ? kVecs - 1 : kVecs;
    const int n = kVecs - g < 4 ? kVecs - g : 4;
    if (g + 4 <= kWhole) {
      RowCodes<kFormat>::load16(codes, g, x, consts);
    } else {
      EBAG_UNROLL for (int j = 0; j < n; ++j) {
        x[j] = kPartial && g + j == kVecs - 1 ? RowCodes<kFormat>::load_partial(codes, g + j, tail, consts)
                                              : RowCodes<kFormat>::load4(codes, g + j, consts);
      }
    }
    if constexpr (RowCodes<kFormat>::kAffine) {
      EBAG_UNROLL for (int j = 0; j < n; ++j) x[j] = simd::add(simd::mul(x[j], scale), bias);
    }
  }
};

template <RowFormat kFormat, int kVecs, bool kPartial, bool kWeighted, typename IndexT>
void quantized_sum_block(const QuantizedBagRef<IndexT>& bag, int64_t col, int64_t tail,
                         bool scale_out, float out_scale, float* out) {
  const C consts = simd::decode_constants();
  F32x4 acc[kVecs];
  EBAG_UNROLL for (int v = 0; v < kVecs; ++v) acc[v] = simd::zero_f32x4();
  RowToucher ahead;
  // Offsets in uintptr_t: 32-bit arithmetic in wasm32 (a table's bytes
  // number under 2^32), where int64_t costs 64-bit multiplies per entry.
  const intptr_t length = static_cast<intptr_t>(bag.length);
  const uintptr_t row_bytes = static_cast<uintptr_t>(bag.row_bytes);
  const IndexT pad = static_cast<IndexT>(bag.pad);
  for (intptr_t k = 0; k < length; ++k) {
    if (k + kTouchAhead < length) {
      ahead.touch(RowCodes<kFormat>::at(bag.table + static_cast<uintptr_t>(bag.indices[k + kTouchAhead]) * row_bytes, bag.col + col));
    }
    const IndexT row = bag.indices[k];
    if (row == pad) continue;
    const RowBlock<kFormat, kVecs, kPartial> block(bag, row, col, tail, consts);
    F32x4 weight;
    if (kWeighted) weight = simd::splat(bag.weights[k]);
    EBAG_UNROLL for (int g = 0; g < kVecs; g += 4) {
      F32x4 x[4];
      block.values(g, x);
      EBAG_UNROLL_BOUNDED for (int j = 0; j < 4 && g + j < kVecs; ++j) {
        acc[g + j] = simd::add(acc[g + j], kWeighted ? simd::mul(weight, x[j]) : x[j]);
      }
    }
  }
  if (scale_out) {
    const F32x4 vscale = simd::splat(out_scale);
    EBAG_UNROLL for (int v = 0; v < kVecs; ++v) acc[v] = simd::mul(acc[v], vscale);
  }
  EBAG_UNROLL for (int v = 0; v < kVecs; ++v) store_block_vec<kVecs, kPartial>(out + col, v, acc[v], tail);
  ahead.finish();
}

// GCC (the native test and bench builds) cannot see that the caller passes
// a bag with a live entry, whose row sets every accumulator before any is
// read (forward.cc: has_live_entry): its uninitialized warnings here are
// false, and zeroing the accumulators would cost the module code in every
// instantiation.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <RowFormat kFormat, int kVecs, bool kPartial, typename IndexT>
void quantized_max_block(const QuantizedBagRef<IndexT>& bag, int64_t col, int64_t tail, float* out) {
  const C consts = simd::decode_constants();
  F32x4 acc[kVecs];
  bool first = true;
  for (int64_t k = 0; k < bag.length; ++k) {
    const int64_t row = bag.indices[k];
    if (row == bag.pad) continue;
    const RowBlock<kFormat, kVecs, kPartial> block(bag, row, col, tail, consts);
    EBAG_UNROLL for (int g = 0; g < kVecs; g += 4) {
      F32x4 x[4];
      block.values(g, x);
      EBAG_UNROLL_BOUNDED for (int j = 0; j < 4 && g + j < kVecs; ++j) {
        acc[g + j] = first ? x[j] : simd::max_keep_first(acc[g + j], x[j]);
      }
    }
    first = false;
  }
  EBAG_UNROLL for (int v = 0; v < kVecs; ++v) store_block_vec<kVecs, kPartial>(out + col, v, acc[v], tail);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Sum, times out_scale when scale_out (the scaled modes): one body for sum
// and scaled sum (not inlined into both: the module carries it once).
template <RowFormat kFormat, typename IndexT>
[[gnu::noinline]] void quantized_sum_any(const QuantizedBagRef<IndexT>& bag, bool scale_out, float out_scale, float* out) {
  for_each_column_block_compact<RowCodes<kFormat>::kSumBlockVecs>(bag.dim, [&](auto vecs, auto partial, int64_t col, int64_t tail) {
    constexpr int kVecs = decltype(vecs)::value;
    constexpr bool kPartial = decltype(partial)::value;
    if (bag.weights != nullptr) {
      quantized_sum_block<kFormat, kVecs, kPartial, true>(bag, col, tail, scale_out, out_scale, out);
    } else {
      quantized_sum_block<kFormat, kVecs, kPartial, false>(bag, col, tail, scale_out, out_scale, out);
    }
  });
}

template <RowFormat kFormat, typename IndexT>
void quantized_sum__v128(const QuantizedBagRef<IndexT>& bag, float* out) {
  quantized_sum_any<kFormat>(bag, false, 1.0f, out);
}

template <RowFormat kFormat, typename IndexT>
void quantized_scaled_sum__v128(const QuantizedBagRef<IndexT>& bag, float scale, float* out) {
  quantized_sum_any<kFormat>(bag, true, scale, out);
}

template <RowFormat kFormat, typename IndexT>
void quantized_max__v128(const QuantizedBagRef<IndexT>& bag, float* out) {
  for_each_column_block_compact<kMaxBlockVecs>(bag.dim, [&](auto vecs, auto partial, int64_t col, int64_t tail) {
    quantized_max_block<kFormat, decltype(vecs)::value, decltype(partial)::value>(bag, col, tail, out);
  });
}

template <RowFormat kFormat, typename IndexT>
constexpr QuantizedKernels<IndexT> quantized_kernels__v128() {
  return {quantized_sum__v128<kFormat, IndexT>, quantized_scaled_sum__v128<kFormat, IndexT>,
          quantized_max__v128<kFormat, IndexT>};
}

}  // namespace

template <typename IndexT>
const QuantizedKernelSet<IndexT>& quantized_kernel_set__v128() {
  static const QuantizedKernelSet<IndexT> set = QuantizedKernelSet<IndexT>::make(
      [](auto format) { return quantized_kernels__v128<decltype(format)::value, IndexT>(); });
  return set;
}

template const QuantizedKernelSet<int32_t>& quantized_kernel_set__v128<int32_t>();
template const QuantizedKernelSet<int64_t>& quantized_kernel_set__v128<int64_t>();

}  // namespace ebag::kernels
