// 128-bit SIMD micro-kernels, vectorised across the embedding dimension.
// Columns go in blocks of up to k*BlockVecs vectors held in registers while
// the bag's rows stream past (max loads several live rows per step so that
// their cache misses are in flight at once). Each column still adds its rows
// one after the other, in bag order, so sum and max give the reference's bits.
#include <atomic>

#include "kernels/ukernels.h"
#include "kernels/v128_blocks.h"

namespace ebag::kernels {
namespace {

using namespace v128;

// Vectors per column block. Sum keeps 8 accumulators (a 32-float slice of
// the row): with 16, V8 on x64 (15 vector registers for wasm) spills them
// inside the row loop -- Node 20 schedules a whole row's loads before its
// adds (bench workloads recsys and text). Max keeps a value and an arg-max
// vector per column vector: 16.
constexpr int kSumBlockVecs = 8;
constexpr int kMaxBlockVecs = 8;
// Rows gathered per step of max: its compare and two selects per vector
// need several rows' loads in flight to overlap them (bench workload
// small-max). Sum adds each row as it comes: the loads of the next rows are
// independent of the adds, so the out-of-order core overlaps them by itself.
constexpr int kMaxRowsInFlight = 16;

// Up to kCapacity live rows of the bag, starting at entry *k.
template <typename IndexT, int kCapacity>
struct RowBatch {
  const float* rows[kCapacity];
  int32_t ids[kCapacity];
  int count = 0;

  void fill(const BagRef<IndexT>& bag, int64_t col, int64_t* k) {
    count = 0;
    for (; *k < bag.length && count < kCapacity; ++*k) {
      const int64_t row = bag.indices[*k];
      if (row == bag.pad) continue;
      rows[count] = bag.table + row * bag.stride + col;
      ids[count] = static_cast<int32_t>(row);
      ++count;
    }
  }
};

// Sum (times out_scale, applied once at the store, when scale_out: the scaled modes) of columns
// [col, col + 4*kVecs) (the last vector partial when kPartial).
template <int kVecs, bool kPartial, bool kWeighted, typename IndexT>
void pool_sum_block(const BagRef<IndexT>& bag, int64_t col, int64_t tail, bool scale_out,
                    float out_scale, float* out) {
  F32x4 acc[kVecs];
  EBAG_UNROLL for (int v = 0; v < kVecs; ++v) acc[v] = simd::zero_f32x4();
  RowToucher ahead;
  // Offsets in intptr_t: 32-bit arithmetic in wasm32 (a table's floats
  // number under 2^30), where int64_t costs 64-bit multiplies per entry.
  const intptr_t length = static_cast<intptr_t>(bag.length), stride = static_cast<intptr_t>(bag.stride);
  const IndexT* indices = bag.indices;
  const IndexT pad = static_cast<IndexT>(bag.pad);
  const float* table = bag.table + col;
  for (intptr_t k = 0; k < length; ++k) {
    if (k + kTouchAhead < length) ahead.touch(table + static_cast<intptr_t>(indices[k + kTouchAhead]) * stride);
    const IndexT row = indices[k];
    if (row == pad) continue;
    const float* r = table + static_cast<intptr_t>(row) * stride;
    const F32x4 w = kWeighted ? simd::splat(bag.weights[k]) : simd::zero_f32x4();
    EBAG_UNROLL for (int v = 0; v < kVecs; ++v) {
      F32x4 x = load_block_vec<kVecs, kPartial>(r, v, tail);
      if (kWeighted) x = simd::mul(x, w);
      acc[v] = simd::add(acc[v], x);
    }
  }
  if (scale_out) {
    const F32x4 vscale = simd::splat(out_scale);
    EBAG_UNROLL for (int v = 0; v < kVecs; ++v) acc[v] = simd::mul(acc[v], vscale);
  }
  EBAG_UNROLL for (int v = 0; v < kVecs; ++v) store_block_vec<kVecs, kPartial>(out + col, v, acc[v], tail);
  ahead.finish();
}

template <int kVecs, bool kPartial, typename IndexT>
void pool_max_block(const BagRef<IndexT>& bag, int64_t col, int64_t tail, float* out,
                    int32_t* argmax) {
  F32x4 acc[kVecs];
  I32x4 arg[kVecs];
  RowBatch<IndexT, kMaxRowsInFlight> batch;
  int64_t k = 0;
  batch.fill(bag, col, &k);  // the caller guarantees at least one live row
  for (int v = 0; v < kVecs; ++v) {
    acc[v] = load_block_vec<kVecs, kPartial>(batch.rows[0], v, tail);
    arg[v] = simd::splat_i32(batch.ids[0]);
  }
  int first = 1;
  for (;;) {
    // Column vector by column vector across the batch's rows: the first
    // vector of every row is loaded (and its cache miss started) early.
    for (int v = 0; v < kVecs; ++v) {
      for (int j = first; j < batch.count; ++j) {
        const F32x4 x = load_block_vec<kVecs, kPartial>(batch.rows[j], v, tail);
        const simd::M32x4 larger = simd::greater(x, acc[v]);
        acc[v] = simd::max_keep_first(acc[v], x);
        arg[v] = simd::select(larger, simd::splat_i32(batch.ids[j]), arg[v]);
      }
    }
    if (batch.count < kMaxRowsInFlight) break;
    batch.fill(bag, col, &k);
    first = 0;
  }
  for (int v = 0; v < kVecs; ++v) {
    store_block_vec<kVecs, kPartial>(out + col, v, acc[v], tail);
    store_block_vec<kVecs, kPartial>(argmax + col, v, arg[v], tail);
  }
}

// A bag of one unweighted entry (one-hot features, one id per bag): its row
// added to zero (so -0 becomes +0, as the reference's 0 + x) and scaled when
// scaled, without the batching of pool_sum_block, whose setup costs more than
// one row of a small D.
template <typename IndexT>
void one_entry(const BagRef<IndexT>& bag, bool scaled, float scale, float* out) {
  // In locals: the stores through `out` may alias `bag` for the compiler.
  const int64_t dim = bag.dim;
  const int64_t row = bag.indices[0];
  const bool live = row != bag.pad;
  const float* w = bag.table + (live ? row * bag.stride : 0);
  const F32x4 zero = simd::zero_f32x4();
  const F32x4 vscale = simd::splat(scale);
  int64_t d = 0;
  for (; d + 4 <= dim; d += 4) {
    F32x4 a = live ? simd::add(zero, simd::load(w + d)) : zero;
    if (scaled) a = simd::mul(a, vscale);
    simd::store(out + d, a);
  }
  if (d < dim) {
    F32x4 a = live ? simd::add(zero, simd::load_partial(w + d, dim - d)) : zero;
    if (scaled) a = simd::mul(a, vscale);
    simd::store_partial(out + d, a, dim - d);
  }
}

// Every other sum / scaled-sum bag: column blocks of pool_sum_block. Not
// inlined into the entry points, so that a one-entry bag does not pay its
// stack frame.
template <typename IndexT>
[[gnu::noinline]] void pool_sum_rows(const BagRef<IndexT>& bag, bool scaled, float scale, float* out) {
  for_each_column_block<kSumBlockVecs>(bag.dim, [&](auto vecs, auto partial, int64_t col, int64_t tail) {
    if (bag.weights != nullptr) {
      pool_sum_block<decltype(vecs)::value, decltype(partial)::value, true>(bag, col, tail, scaled, scale, out);
    } else {
      pool_sum_block<decltype(vecs)::value, decltype(partial)::value, false>(bag, col, tail, scaled, scale, out);
    }
  });
}

// v128w's: unweighted bags in blocks of 16 vectors (64 columns), which V8's
// revectorizer (--experimental-wasm-revectorize) fuses into 8 AVX2
// accumulators; the rest of D, and weighted bags, as pool_sum_rows. Without
// the revectorizer 16 accumulators spill (see kSumBlockVecs): the module
// uses v128w only where the engine fuses (bindings: setWideSumBlocks).
constexpr int kWideSumBlockVecs = 16;
template <typename IndexT>
[[gnu::noinline]] void pool_sum_rows_wide(const BagRef<IndexT>& bag, bool scaled, float scale, float* out) {
  if (bag.weights != nullptr || bag.dim < 4 * kWideSumBlockVecs) return pool_sum_rows(bag, scaled, scale, out);
  int64_t col = 0;
  for (; col + 4 * kWideSumBlockVecs <= bag.dim; col += 4 * kWideSumBlockVecs) {
    pool_sum_block<kWideSumBlockVecs, false, false>(bag, col, 0, scaled, scale, out);
  }
  if (col < bag.dim) {
    BagRef<IndexT> rest = bag;
    rest.table += col;
    rest.dim -= col;
    pool_sum_rows(rest, scaled, scale, out + col);
  }
}

template <typename IndexT, bool kWide>
void pool_sum_any(const BagRef<IndexT>& bag, bool scaled, float scale, float* out) {
  if (bag.length == 1 && bag.weights == nullptr) one_entry(bag, scaled, scale, out);
  else if (kWide) pool_sum_rows_wide(bag, scaled, scale, out);
  else pool_sum_rows(bag, scaled, scale, out);
}

template <typename IndexT>
void pool_sum__v128(const BagRef<IndexT>& bag, float* out) { pool_sum_any<IndexT, false>(bag, false, 1.0f, out); }
template <typename IndexT>
void pool_scaled_sum__v128(const BagRef<IndexT>& bag, float scale, float* out) { pool_sum_any<IndexT, false>(bag, true, scale, out); }
template <typename IndexT>
void pool_sum__v128w(const BagRef<IndexT>& bag, float* out) { pool_sum_any<IndexT, true>(bag, false, 1.0f, out); }
template <typename IndexT>
void pool_scaled_sum__v128w(const BagRef<IndexT>& bag, float scale, float* out) { pool_sum_any<IndexT, true>(bag, true, scale, out); }

template <typename IndexT>
void pool_singles__v128(const SingleRows<IndexT>& rows) {
  const int64_t count = rows.count, out_stride = rows.out_stride;
  float* out = rows.out;
  for (int64_t j = 0; j < count; ++j, out += out_stride) {
    one_entry(BagRef<IndexT>{rows.table, rows.dim, rows.stride, rows.ids + j, 1, nullptr, rows.pad}, rows.scaled,
              1.0f, out);
  }
}

template <typename IndexT>
void pool_max__v128(const BagRef<IndexT>& bag, float* out, int32_t* argmax) {
  for_each_column_block<kMaxBlockVecs>(bag.dim, [&](auto vecs, auto partial, int64_t col, int64_t tail) {
    pool_max_block<decltype(vecs)::value, decltype(partial)::value>(bag, col, tail, out, argmax);
  });
}

// Columns [col, col + 4*kVecs) of a gradient row: rows of G four at a time,
// their pointers and scales in locals, each column adding them in order
// (the same adds as gradient_row__ref; x * s == s * x exactly).
template <int kVecs, bool kPartial>
void gradient_row_block(const float* rows, int64_t dim, const uint32_t* ids, const float* scales,
                        int64_t count, int64_t col, int64_t tail, float* out) {
  F32x4 acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = simd::zero_f32x4();
  auto row = [&](int64_t j) { return rows + static_cast<int64_t>(ids[j]) * dim + col; };
  int64_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const float *r0 = row(j), *r1 = row(j + 1), *r2 = row(j + 2), *r3 = row(j + 3);
    const F32x4 s0 = simd::splat(scales[j]), s1 = simd::splat(scales[j + 1]);
    const F32x4 s2 = simd::splat(scales[j + 2]), s3 = simd::splat(scales[j + 3]);
    for (int v = 0; v < kVecs; ++v) {
      F32x4 a = simd::add(acc[v], simd::mul(load_block_vec<kVecs, kPartial>(r0, v, tail), s0));
      a = simd::add(a, simd::mul(load_block_vec<kVecs, kPartial>(r1, v, tail), s1));
      a = simd::add(a, simd::mul(load_block_vec<kVecs, kPartial>(r2, v, tail), s2));
      acc[v] = simd::add(a, simd::mul(load_block_vec<kVecs, kPartial>(r3, v, tail), s3));
    }
  }
  for (; j < count; ++j) {
    const float* r = row(j);
    const F32x4 sj = simd::splat(scales[j]);
    for (int v = 0; v < kVecs; ++v) acc[v] = simd::add(acc[v], simd::mul(load_block_vec<kVecs, kPartial>(r, v, tail), sj));
  }
  for (int v = 0; v < kVecs; ++v) store_block_vec<kVecs, kPartial>(out + col, v, acc[v], tail);
}

void gradient_row__v128(const float* rows, int64_t dim, const uint32_t* ids, const float* scales,
                        int64_t count, float* out) {
  if (count == 1) {  // out = +0 + g * s: one pass
    const float* g = rows + static_cast<int64_t>(ids[0]) * dim;
    const F32x4 vs = simd::splat(scales[0]);
    int64_t d = 0;
    for (; d + 4 <= dim; d += 4) simd::store(out + d, simd::add(simd::zero_f32x4(), simd::mul(simd::load(g + d), vs)));
    if (d < dim) {
      const int64_t tail = dim - d;
      simd::store_partial(out + d, simd::add(simd::zero_f32x4(), simd::mul(simd::load_partial(g + d, tail), vs)), tail);
    }
    return;
  }
  for_each_column_block<kSumBlockVecs>(dim, [&](auto vecs, auto partial, int64_t col, int64_t tail) {
    gradient_row_block<decltype(vecs)::value, decltype(partial)::value>(rows, dim, ids, scales, count, col, tail, out);
  });
}

// One column block of scatter_bag: the block of g (times the bag's scale when
// unweighted: the same product for every entry) stays in registers while the
// entries' rows are read, added to and written back in entry order.
template <int kVecs, bool kPartial, bool kWeighted, typename IndexT>
void scatter_bag_block(const BagScatter<IndexT>& bag, int64_t col, int64_t tail, float* grad) {
  F32x4 gv[kVecs];
  for (int v = 0; v < kVecs; ++v) gv[v] = load_block_vec<kVecs, kPartial>(bag.g + col, v, tail);
  if (!kWeighted) {
    const F32x4 s = simd::splat(bag.scale);
    for (int v = 0; v < kVecs; ++v) gv[v] = simd::mul(gv[v], s);
  }
  for (int64_t j = 0; j < bag.length; ++j) {
    const int64_t row = bag.indices[j];
    if (row == bag.pad || row < bag.row_begin || row >= bag.row_end) continue;
    float* out = grad + row * bag.dim + col;
    if (kWeighted) {
      const F32x4 s = simd::splat(bag.weights[j] * bag.scale);
      for (int v = 0; v < kVecs; ++v) {
        store_block_vec<kVecs, kPartial>(out, v, simd::add(load_block_vec<kVecs, kPartial>(out, v, tail), simd::mul(gv[v], s)), tail);
      }
    } else {
      for (int v = 0; v < kVecs; ++v) {
        store_block_vec<kVecs, kPartial>(out, v, simd::add(load_block_vec<kVecs, kPartial>(out, v, tail), gv[v]), tail);
      }
    }
  }
}

template <typename IndexT>
void scatter_bag__v128(const BagScatter<IndexT>& bag, float* grad) {
  auto blocks = [&](auto weighted) {
    for_each_column_block<kSumBlockVecs>(bag.dim, [&](auto vecs, auto partial, int64_t col, int64_t tail) {
      scatter_bag_block<decltype(vecs)::value, decltype(partial)::value, decltype(weighted)::value>(bag, col, tail, grad);
    });
  };
  if (bag.weights != nullptr) blocks(std::true_type{});
  else blocks(std::false_type{});
}

// A vector's lanes are the four vectors: each lane one sequential sum.
void row_dots4__v128(const float* rows, int64_t num_rows, int64_t dim, const float* vt, float* out) {
  int64_t r = 0;
  for (; r + 2 <= num_rows; r += 2) {  // two rows in flight
    const float* a = rows + r * dim;
    const float* b = a + dim;
    F32x4 acc_a = simd::zero_f32x4(), acc_b = simd::zero_f32x4();
    for (int64_t c = 0; c < dim; ++c) {
      const F32x4 column = simd::load(vt + c * 4);
      acc_a = simd::add(acc_a, simd::mul(simd::splat(a[c]), column));
      acc_b = simd::add(acc_b, simd::mul(simd::splat(b[c]), column));
    }
    simd::store(out + r * 4, acc_a);
    simd::store(out + r * 4 + 4, acc_b);
  }
  for (; r < num_rows; ++r) {
    F32x4 acc = simd::zero_f32x4();
    for (int64_t c = 0; c < dim; ++c) acc = simd::add(acc, simd::mul(simd::splat(rows[r * dim + c]), simd::load(vt + c * 4)));
    simd::store(out + r * 4, acc);
  }
}

float dot4__v128(const float* x, const float* y, int64_t dim) {
  F32x4 acc = simd::zero_f32x4();
  int64_t d = 0;
  for (; d + 4 <= dim; d += 4) acc = simd::add(acc, simd::mul(simd::load(x + d), simd::load(y + d)));
  if (d < dim) {
    // Lanes past the tail add 0 * 0 = +0, which leaves them unchanged.
    const int64_t tail = dim - d;
    acc = simd::add(acc, simd::mul(simd::load_partial(x + d, tail), simd::load_partial(y + d, tail)));
  }
  return simd::reduce_pairwise(acc);
}

}  // namespace

template <typename IndexT>
const KernelSet<IndexT>& kernel_set__v128() {
  static const KernelSet<IndexT> set = {"v128", pool_sum__v128<IndexT>,
                                        pool_scaled_sum__v128<IndexT>, pool_max__v128<IndexT>,
                                        pool_singles__v128<IndexT>, gradient_row__v128, scatter_bag__v128<IndexT>, dot4__v128, row_dots4__v128,
                                        &quantized_kernel_set__v128<IndexT>()};
  return set;
}

template const KernelSet<int32_t>& kernel_set__v128<int32_t>();
template const KernelSet<int64_t>& kernel_set__v128<int64_t>();

template <typename IndexT>
const KernelSet<IndexT>& kernel_set__v128w() {
  static const KernelSet<IndexT> set = {"v128w", pool_sum__v128w<IndexT>,
                                        pool_scaled_sum__v128w<IndexT>, pool_max__v128<IndexT>,
                                        pool_singles__v128<IndexT>, gradient_row__v128, scatter_bag__v128<IndexT>, dot4__v128, row_dots4__v128,
                                        &quantized_kernel_set__v128w<IndexT>()};
  return set;
}

template const KernelSet<int32_t>& kernel_set__v128w<int32_t>();
template const KernelSet<int64_t>& kernel_set__v128w<int64_t>();

template <typename IndexT>
const QuantizedKernelSet<IndexT>& quantized_kernel_set__v128w() {
  return quantized_kernel_set__v128<IndexT>();
}

template const QuantizedKernelSet<int32_t>& quantized_kernel_set__v128w<int32_t>();
template const QuantizedKernelSet<int64_t>& quantized_kernel_set__v128w<int64_t>();

namespace {
std::atomic<bool> g_wide_sum_blocks{false};
}  // namespace

void prefer_wide_sum_blocks(bool wide) { g_wide_sum_blocks.store(wide, std::memory_order_relaxed); }

template <typename IndexT>
const KernelSet<IndexT>& best_kernel_set() {
  return g_wide_sum_blocks.load(std::memory_order_relaxed) ? kernel_set__v128w<IndexT>() : kernel_set__v128<IndexT>();
}

template const KernelSet<int32_t>& best_kernel_set<int32_t>();
template const KernelSet<int64_t>& best_kernel_set<int64_t>();

}  // namespace ebag::kernels
