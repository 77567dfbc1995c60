// embedding-bag-wasm: the public C++ interface.
//
// EmbeddingBag = a lookup table W (N x D, float32, row-major) plus bags of row
// indices; every bag is reduced (sum / mean / max) over its rows without ever
// materialising the (B, L, D) per-token tensor. Semantics follow PyTorch's
// torch.nn.EmbeddingBag; where PyTorch is inconsistent the decisions below stand.
//
// Bags. Either 2-D input (B, L): bag b = indices[b*L : (b+1)*L]; or 1-D indices
// plus offsets (M entries):
//
//   B = include_last_offset ? M - 1 : M
//   end(b) = (b + 1 < M) ? offsets[b + 1] : num_indices     // the last bag runs to the end
//   bag b  = indices[offsets[b] : end(b)]
//
// With include_last_offset, bag B-1 ends at offsets[B] and indices after it
// are ignored by every mode, by max_norm and by backward (PyTorch's mean
// counts them; we do not). include_last_offset applies to the offsets form
// only: 2-D input always gives B bags.
//
// Forward, for every bag b and column d (pad = wrapped padding_idx, or none):
//
//   live(b) = [ i in bag b : indices[i] != pad ]      (in ascending i)
//   count(b) = |live(b)|
//   w_i = per_sample_weights[i] when given (modes sum, mean, sqrtn), else 1
//   sum(b, d) = 0;  for i in live(b): sum(b, d) = sum(b, d) + w_i * W[indices[i]][d]
//                                      (without weights:  sum(b, d) + W[indices[i]][d])
//   sum:    out[b][d] = sum(b, d)
//   mean:   out[b][d] = sum(b, d) * scale(b), divisor(b) = count(b)          without weights,
//                                                          sum of w_i over live(b)  with weights
//                                                          (count(b) with weights too when
//                                                          options.weighted_mean_by_count: FBGEMM)
//   sqrtn:  out[b][d] = sum(b, d) * scale(b), divisor(b) = sqrt(count(b))    without weights,
//                                                          sqrt(sum of w_i * w_i over live(b)) with
//           (TensorFlow's embedding_lookup_sparse combiners; PyTorch has no sqrtn and refuses
//            weights with mean.) Sums over live(b) run in ascending i, in float32; sqrt is
//           float32's; scale(b) = 1 / divisor(b) in float32; a zero divisor (an empty or
//           all-padding bag, weights summing -- or whose squares sum -- to 0) gives
//           out[b] = 0 (TensorFlow's div_no_nan).
//   max:    out[b][d] = 0, argmax[b][d] = -1 when count(b) == 0; else
//           out = W[first live][d], argmax = first live row, then for later i in live(b):
//             if (W[indices[i]][d] > out[b][d]) { out[b][d] = W[indices[i]][d]; argmax[b][d] = indices[i]; }
//           (strict > : the first occurrence wins ties; a NaN never replaces a value)
//           No per-sample weights.
//
// Additions run in the order written, one bag entry after the other, so the
// SIMD kernels give the same bits as the scalar reference in every mode.
// The modes and their properties are listed once in ebag/modes.inc.
//
// padding_idx: may be negative (wraps: pad = padding_idx + N); must lie in
// [-N, N-1]. Entries equal to it are skipped, not counted, get no gradient.
//
// max_norm (p = norm_type > 0, or +inf): before the lookup, every distinct row
// referenced by a bag entry (the padding row included, as in PyTorch) with
//   norm_p(W[r]) > max_norm   is scaled in place:   W[r] *= max_norm / (norm_p + 1e-7)
// (norm accumulated in double, scale applied in float). This happens only after
// every input has been validated: a call that fails validation changes nothing.
//
// Backward, given G (B x D):
//   sum/mean/sqrtn: for every live entry i of bag b, in ascending i:
//                s = w_i * scale(b)   (sum: s = w_i; a zero divisor: s = 0)
//                if (scale_grad_by_freq) s = s / freq(indices[i]);
//                gW[indices[i]][d] = gW[indices[i]][d] + G[b][d] * s
//              freq(r) = number of non-padding bag entries equal to r in this call.
//   max:       for every bag with count > 0:  gW[argmax[b][d]][d] += G[b][d]   (b, then d ascending)
//   psw grad:  p_i = dot4(G[bag(i)], W[indices[i]]) for the live entries; then
//                sum:    gpsw[i] = p_i
//                mean:   gpsw[i] = scale * (p_i - scale * c)              (d out / d w_i)
//                sqrtn:  gpsw[i] = scale * (p_i - w_i * (scale * scale) * c)
//              with scale = scale(b), c = the sum over live j of w_j * p_j in ascending j
//              (= dot(G[b], sum(b))), and gpsw[i] = 0 where the divisor is 0, for padding
//              entries and for indices outside every bag. dot4 sums lanes
//              d = 0,4,8,.. / 1,5,.. / 2,6,.. / 3,7,.. each in ascending d, then
//              (lane0 + lane1) + (lane2 + lane3)   (the order the SIMD kernel uses).
//   dense gradient: gW is N x D, zero where no entry points.
//   sparse gradient: coalesced COO: strictly increasing row ids (every row that
//              has a non-padding entry) and their D-wide gradient rows, the
//              same bits as the matching dense rows.
//   Deterministic: the same inputs give the same bits on every run.
//   mode max with scale_grad_by_freq, or with sparse: errors (as in PyTorch).
//
// Errors: every entry point validates all of its inputs before it reads the
// table or writes anything, and returns a Status naming the offending position
// and value. Nothing throws; no input leads to an out-of-bounds access.
#pragma once

#include <cstdint>
#include <cstddef>
#include <limits>
#include <optional>

#include "ebag/buffer.h"
#include "ebag/thread_pool.h"

namespace ebag {

// The largest N, D and element count of any argument (2^31 - 1): row ids and
// counts are int32 in the kernels and in JavaScript's typed arrays.
#define EBAG_MAX_SIZE 2147483647
constexpr int64_t kMaxSize = EBAG_MAX_SIZE;

// The modes of ebag/modes.inc: Mode::kSum, kMean, kMax, kSqrtn.
enum class Mode : int32_t {
#define EBAG_MODE(Name, number, name, per_sample_weights, scaled, argmax) k##Name = number,
#include "ebag/modes.inc"
#undef EBAG_MODE
};

// What a mode is, as ebag/modes.inc states it.
struct ModeTraits {
  const char* name;         // as the JavaScript API spells it
  bool per_sample_weights;  // takes per-sample weights
  bool scaled;              // out = (weighted) sum x scale(b)
  bool argmax;              // element-wise max with an arg-max
};
// The traits of a mode; nullptr when `mode` is not one.
const ModeTraits* mode_traits(Mode mode);

enum class ErrorCode : int32_t {
#define EBAG_STATUS_CODE(Name, number, message, ...) k##Name = number,
#include "ebag/status_codes.inc"
#undef EBAG_STATUS_CODE
};

// Which argument a Status refers to (ebag/arguments.inc).
enum class Argument : int32_t {
#define EBAG_ARGUMENT(Name, name) k##Name,
#include "ebag/arguments.inc"
#undef EBAG_ARGUMENT
};

// Short English text of a code ("is out of range", ...) and an argument's
// name as the header spells it ("indices", ...). Never null.
const char* error_message(ErrorCode code);
const char* argument_name(Argument argument);

struct Status {
  ErrorCode code = ErrorCode::kOk;
  Argument argument = Argument::kNone;
  int64_t position = -1;  // element position in that argument, -1 if none
  int64_t value = 0;      // the offending value
  bool ok() const { return code == ErrorCode::kOk; }
};

struct Options {
  Mode mode = Mode::kMean;
  std::optional<int64_t> padding_idx;  // none = no padding
  std::optional<double> max_norm;      // none = no renorm
  double norm_type = 2.0;              // p of the p-norm for max_norm; +inf allowed
  bool scale_grad_by_freq = false;
  bool sparse = false;                 // only checked for the max-mode conflict
  bool include_last_offset = false;
  // mean with per-sample weights divides the weighted sum by count(b), as
  // FBGEMM's table-batched embeddings do (TorchRec's sharded
  // EmbeddingBagCollection), instead of by the sum of the weights.
  bool weighted_mean_by_count = false;
};

// The table, owned by the caller. Forward writes to it only for max_norm.
struct Table {
  float* data = nullptr;
  int64_t num_embeddings = 0;  // N
  int64_t embedding_dim = 0;   // D
};

// One call's bags, in either form. IndexT / OffsetT: int32_t or int64_t.
template <typename IndexT, typename OffsetT = IndexT>
struct Bags {
  const IndexT* indices = nullptr;
  int64_t num_indices = 0;
  bool is_2d = false;                // true: (rows x row_length) input, no offsets
  const OffsetT* offsets = nullptr;  // 1-D form
  int64_t num_offsets = 0;
  int64_t rows = 0;                  // 2-D form: B
  int64_t row_length = 0;            // 2-D form: L
  const float* per_sample_weights = nullptr;  // nullptr = none
  int64_t num_per_sample_weights = 0;

  static Bags from_2d(const IndexT* data, int64_t rows, int64_t row_length) {
    Bags b;
    b.is_2d = true;
    b.indices = data;
    b.num_indices = rows * row_length;
    b.rows = rows;
    b.row_length = row_length;
    return b;
  }
  static Bags from_offsets(const IndexT* indices, int64_t num_indices, const OffsetT* offsets,
                           int64_t num_offsets) {
    Bags b;
    b.indices = indices;
    b.num_indices = num_indices;
    b.offsets = offsets;
    b.num_offsets = num_offsets;
    return b;
  }
  Bags& with_per_sample_weights(const float* weights, int64_t count) {
    per_sample_weights = weights;
    num_per_sample_weights = count;
    return *this;
  }
};

// Number of output bags B of a call (valid once validate() said ok).
template <typename IndexT, typename OffsetT>
int64_t num_bags(const Bags<IndexT, OffsetT>& bags, const Options& options);

// Checks every input of a forward call; touches nothing.
template <typename IndexT, typename OffsetT>
Status validate(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options);

// Scratch reused across calls so that steady-state calls do not allocate:
// backward's grouping buffers (O(num_indices)), a row bitmap (N bits), a
// dense scratch for the sparse gradient of a cache-sized table. What it holds
// and when is private to the drivers (src/workspace.h). Not shared between
// concurrent calls; movable.
class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(Workspace&& other) noexcept;
  Workspace& operator=(Workspace&& other) noexcept;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // Heap bytes held now.
  size_t held_bytes() const;

  struct Impl;  // src/workspace.h
  Impl& impl() { return *impl_; }

 private:
  Impl* impl_;
};

// How a call may use threads: none by default. With a pool, a call whose work
// (bag entries x D) reaches min_work runs on every thread of the pool; the
// results are bit-identical to the single-threaded ones (forward splits bags
// by entry count, or the columns of a dominant bag; backward splits by
// destination row or column, so each output element sums in the same order).
struct Parallelism {
  ThreadPool* pool = nullptr;
  int64_t min_work = 1 << 18;
};

// Where forward writes bag b's D floats:
//   data + (b / group) * group_stride + (b % group) * row_stride
// (group 0: all bags are one group; row_stride 0: D). A float* is the plain
// B x D row-major array. Other layouts let a caller write bags straight into
// its own columns of a wider array: an EmbeddingBagCollection puts a table's
// k features (k groups of B bags) into the KeyedTensor [B, W] with row_stride
// W, group B, group_stride D. Bags' rows must not overlap; row_stride below D
// is kLengthMismatch (of kOutput).
struct OutputRows {
  OutputRows(float* rows) : data(rows) {}  // NOLINT: a float* is the plain layout
  OutputRows(float* rows, int64_t stride, int64_t bags_per_group = 0, int64_t between_groups = 0)
      : data(rows), row_stride(stride), group(bags_per_group), group_stride(between_groups) {}
  float* data = nullptr;
  int64_t row_stride = 0;
  int64_t group = 0;
  int64_t group_stride = 0;
};

// Forward. output: B * D floats (or the layout OutputRows gives). argmax:
// B * D int32 (always plain), required for mode max (the row of the maximum
// per bag and column, -1 for empty bags), ignored otherwise.
template <typename IndexT, typename OffsetT>
Status forward(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
               OutputRows output, int32_t* argmax, Workspace& workspace,
               const Parallelism& parallel = {});

// Coalesced sparse weight gradient.
struct SparseGradient {
  Buffer<int32_t> rows;    // strictly increasing row ids
  Buffer<float> values;    // rows.size() * D, row-major
};

// Backward inputs: the forward's bags and options, the forward's argmax (max
// mode), and G (B x D). grad_per_sample_weights: num_indices floats or null.
template <typename IndexT, typename OffsetT>
Status backward_dense(const Table& table, const Bags<IndexT, OffsetT>& bags,
                      const Options& options, const float* grad_output,
                      int64_t grad_output_length, const int32_t* argmax, float* grad_weight,
                      float* grad_per_sample_weights, Workspace& workspace,
                      const Parallelism& parallel = {});

template <typename IndexT, typename OffsetT>
Status backward_sparse(const Table& table, const Bags<IndexT, OffsetT>& bags,
                       const Options& options, const float* grad_output,
                       int64_t grad_output_length, SparseGradient& grad_weight,
                       float* grad_per_sample_weights, Workspace& workspace,
                       const Parallelism& parallel = {});

// Sparse optimizers fused with backward (FBGEMM's table-batched training):
// step() computes the weight gradient of the bags' rows only, coalesced
// (O(rows touched x D), never N x D), and updates those rows of the table
// and of the optimizer's state in place; rows outside the batch keep their
// weights and state. The optimizers of ebag/optimizers.inc.
enum class Optimizer : int32_t {
#define EBAG_OPTIMIZER(Name, number, name, full_states, row_states, ...) k##Name = number,
#include "ebag/optimizers.inc"
#undef EBAG_OPTIMIZER
};

// An optimizer and its hyper-parameters (PyTorch's defaults; FBGEMM's for
// rowwise-adagrad). Only the ones the optimizer uses are read.
// No upper end of a hyper-parameter's interval (hyperparameters.inc).
constexpr double kNoBound = std::numeric_limits<double>::max();

// The optimizer and every hyper-parameter of hyperparameters.inc, at its
// default there: lr, lr_decay (adagrad), eps, initial_accumulator_value
// (adagrad, applied when its state is made), beta1 and beta2 (sparse-adam).
// Which optimizer reads which, and its own defaults of lr and eps:
// optimizers.inc.
struct OptimizerOptions {
  Optimizer optimizer = Optimizer::kSgd;
#define EBAG_HYPERPARAMETER(Name, field, argument, js_name, js_index, default_value, ...) double field = default_value;
#include "ebag/hyperparameters.inc"
#undef EBAG_HYPERPARAMETER
};

// The hyper-parameters of hyperparameters.inc, in its order (BagCore stages
// them as an array of this many doubles).
constexpr int kNumHyperparameters = 0
#define EBAG_HYPERPARAMETER(...) +1
#include "ebag/hyperparameters.inc"
#undef EBAG_HYPERPARAMETER
    ;

// The optimizer's state, owned by the caller: state[k] is its k-th array
// (optimizers.inc: N x D floats for the full ones, then N floats for the
// row ones), steps the steps taken so far (step() adds one).
struct OptimizerState {
  float* state[2] = {nullptr, nullptr};
  int64_t steps = 0;
};

// A known optimizer, and every hyper-parameter finite and inside its
// interval (hyperparameters.inc: lr > 0, lr_decay, eps and
// initial_accumulator_value >= 0, betas in [0, 1)): otherwise
// kBadOptimizerOption naming the first that is not (kLr, kEps, ..., kBetas).
Status validate_optimizer(const OptimizerOptions& options);

// One training step: the weight gradient of grad_output (B x D) for the
// bags of the last forward, coalesced as backward_sparse's (in max mode: the
// rows the forward's argmax names, each column summing the G of the bags
// that took it; argmax is read only in max mode), then the optimizer's
// update of those rows, in place. A batch whose entries are all padding
// updates nothing but counts as a step. Per-sample weights' gradient into
// grad_per_sample_weights when given. The same bits for any thread count.
template <typename IndexT, typename OffsetT>
Status step(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
            const float* grad_output, int64_t grad_output_length, const int32_t* argmax,
            const OptimizerOptions& optimizer, OptimizerState& state, float* grad_per_sample_weights,
            Workspace& workspace, const Parallelism& parallel = {});

// Quantized tables (forward only). Row r of a table in RowFormat f is
// row_bytes(f, D) bytes at data + r * row_bytes(f, D); column d's value is
//   kFloat16:      D IEEE binary16 values, little-endian (2 D bytes per row);
//                  value = the half widened to float32 (exact).
//   kInt8RowWise:  D uint8 codes, then float32 scale, float32 bias (D + 8
//                  bytes; PyTorch's embedding_bag_byte_prepack layout);
//                  value = float(code) * scale + bias.
//   kInt4RowWise:  ceil(D / 2) bytes of 4-bit codes (column d in byte d / 2,
//                  the low nibble for even d), then binary16 scale, binary16
//                  bias (ceil(D / 2) + 4 bytes; PyTorch's
//                  embedding_bag_4bit_prepack layout);
//                  value = float(code) * float(scale) + float(bias).
// (value: one float32 multiply, then one float32 add, each rounded.)
// Forward over a quantized table gives the same bits as forward over the
// float32 table of those values (dequantize()), in every mode, with
// per_sample_weights, padding and both input forms: the rows are decoded in
// registers inside the gather, never copied. max_norm is refused
// (kQuantizedTable): it would rewrite rows. No backward.
// The formats of ebag/row_formats.inc: RowFormat::kFloat16, kInt8RowWise, kInt4RowWise.
enum class RowFormat : int32_t {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) k##Name = number,
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
};

struct QuantizedTable {
  const uint8_t* data = nullptr;
  int64_t num_embeddings = 0;  // N
  int64_t embedding_dim = 0;   // D
  RowFormat format = RowFormat::kInt8RowWise;
};

// What a row format is, as ebag/row_formats.inc states it.
struct RowFormatTraits {
  const char* dtype;    // as the JavaScript API spells it
  int code_bits;        // bits per column's code
  int param_bytes;      // bytes of scale and bias after the codes
  const char* layout;   // the row in words
};
// The traits of a format; nullptr when `format` is not one.
const RowFormatTraits* row_format_traits(RowFormat format);

// Bytes per row of format f for D columns: ceil(D * code_bits / 8) +
// param_bytes; 0 when f is not a RowFormat.
int64_t row_bytes(RowFormat format, int64_t embedding_dim);

// Quantizes every row of a float32 table into `out` (N * row_bytes bytes),
// bit for bit as PyTorch's prepack ops do it (int8: scale = (max - min) / 255,
// bias = min, code = lrint((x - min) * (255 / (max - min + 1e-8))); int4:
// bias = half(min), scale = half((max - half(min)) / 15) (1 when that is 0),
// code = clamp(lrint((x - bias) / scale)...) as embedding_bag_4bit_prepack;
// float16: round to nearest even). Validates every value first: a value that
// is not finite (or, for float16, rounds beyond +-65504) is kNotQuantizable
// and nothing is written.
Status quantize(const Table& table, RowFormat format, uint8_t* out);

// Rows [first_row, first_row + rows.num_embeddings) of a quantized table, from
// those float32 rows alone (`rows`, e.g. one chunk of a file as it streams):
// each row is quantized on its own, so the rows written are those quantize()
// writes for the whole table. out: the first of those rows (row first_row of
// the quantized table). Validates every given value first; a refusal's
// position counts from the table's start ((first_row + r) * D + d).
Status quantize_rows(const Table& rows, int64_t first_row, RowFormat format, uint8_t* out);

// The float32 values of a quantized table (N * D floats), as forward sees them.
Status dequantize(const QuantizedTable& table, float* out);

// Checks a quantized forward call; touches nothing.
template <typename IndexT, typename OffsetT>
Status validate(const QuantizedTable& table, const Bags<IndexT, OffsetT>& bags,
                const Options& options);

// The dot product of each of `count` vectors (count x D floats, row-major)
// with every row of the table, as fastText's output layer computes them
// (DenseMatrix::dotRow): out[t * N + r] = the float32 sum over d in [0, D),
// in ascending d from +0, of table[r][d] * vectors[t][d] (each product
// rounded, then added; no fused multiply-add). out: count x N floats. The
// same bits on every kernel variant and thread count. count < 0 is
// kNegativeSize (of kVectors); a null vectors or out with count > 0,
// kMissingBuffer.
Status row_dots(const Table& table, const float* vectors, int64_t count, float* out, Workspace& workspace,
                const Parallelism& parallel = {});

// Forward over a quantized table. output: B * D floats (or an OutputRows
// layout). There is no argmax: a quantized table has no backward.
template <typename IndexT, typename OffsetT>
Status forward(const QuantizedTable& table, const Bags<IndexT, OffsetT>& bags,
               const Options& options, OutputRows output, const Parallelism& parallel = {});

// Fills the table with N(0, 1) samples (PyTorch's default init) from a 64-bit
// seed, then zeroes the padding row. The same seed gives the same bits in every
// build (native and wasm): only IEEE-exact operations are used.
// Status as validate() for N, D and padding_idx.
Status init_normal(const Table& table, uint64_t seed, std::optional<int64_t> padding_idx);

}  // namespace ebag
