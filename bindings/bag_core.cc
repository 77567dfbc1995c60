#include "bag_core.h"

#include <cstring>

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "embedding_bag_internal.h"
#include "module_threads.h"
#include "staging.h"
#include "validate.h"
#include "workspace.h"

namespace ebag::bindings {

size_t BagCore::Inputs::held_bytes() const {
  return indices.capacity_bytes() + offsets.capacity_bytes() + per_sample_weights.capacity_bytes() +
         argmax.capacity_bytes();
}

BagCore::BagCore(double num_embeddings, double embedding_dim, int32_t row_format) {
  const auto n = static_cast<int64_t>(num_embeddings);
  const auto d = static_cast<int64_t>(embedding_dim);
  status_ = validate_table(n, d, std::nullopt);
  if (!status_.ok()) return;
  if (row_format == 0) {
    const double bytes = static_cast<double>(n) * static_cast<double>(d) * 4;
    if (bytes > static_cast<double>(SIZE_MAX) ||
        !table_storage_.resize_zeroed(static_cast<size_t>(n) * static_cast<size_t>(d))) {
      status_ = out_of_memory(bytes);
      return;
    }
    table_ = Table{table_storage_.data(), n, d};
    return;
  }
  const auto format = static_cast<RowFormat>(row_format);
  status_ = validate_row_format(format);
  if (!status_.ok()) return;
  const double bytes = static_cast<double>(n) * static_cast<double>(ebag::row_bytes(format, d));
  if (bytes > static_cast<double>(SIZE_MAX) || !quantized_storage_.resize_zeroed(static_cast<size_t>(bytes))) {
    status_ = out_of_memory(bytes);
    return;
  }
  quantized_ = QuantizedTable{quantized_storage_.data(), n, d, format};
}

size_t BagCore::weight_ptr() const {
  return quantized() ? reinterpret_cast<size_t>(quantized_.data) : reinterpret_cast<size_t>(table_.data);
}

double BagCore::row_bytes() const {
  if (quantized()) return static_cast<double>(ebag::row_bytes(quantized_.format, quantized_.embedding_dim));
  return static_cast<double>(table_.embedding_dim) * 4;
}

int64_t BagCore::num_embeddings() const { return quantized() ? quantized_.num_embeddings : table_.num_embeddings; }
int64_t BagCore::embedding_dim() const { return quantized() ? quantized_.embedding_dim : table_.embedding_dim; }

int32_t BagCore::quantize_from(const BagCore& source) {
  if (!quantized() || source.quantized() || !source.ok() ||
      source.table_.num_embeddings != quantized_.num_embeddings ||
      source.table_.embedding_dim != quantized_.embedding_dim) {
    return finish(make_error(ErrorCode::kTableMismatch, Argument::kTable));
  }
  return finish(ebag::quantize(source.table_, quantized_.format, quantized_storage_.data()));
}

size_t BagCore::stage_float_rows(double count) {
  if (!quantized()) {
    finish(make_error(ErrorCode::kTableMismatch, Argument::kTable));
    return 0;
  }
  return stage(vectors_, sizeof(float), count * static_cast<double>(quantized_.embedding_dim));
}

int32_t BagCore::quantize_staged_rows(double first_row, double count) {
  if (!quantized()) return finish(make_error(ErrorCode::kTableMismatch, Argument::kTable));
  const int64_t dim = quantized_.embedding_dim;
  // Whole rows inside both the staged room and the table.
  if (!(first_row >= 0 && count >= 1 && first_row + count <= static_cast<double>(quantized_.num_embeddings) &&
        count * static_cast<double>(dim) * sizeof(float) <= static_cast<double>(vectors_.size()))) {
    const int64_t given = count >= 0 && count < 0x1p62 ? static_cast<int64_t>(count) : -1;
    return finish(make_error(ErrorCode::kLengthMismatch, Argument::kTable, -1, given));
  }
  const auto first = static_cast<int64_t>(first_row);
  const Table rows{reinterpret_cast<float*>(vectors_.data()), static_cast<int64_t>(count), dim};
  return finish(ebag::quantize_rows(rows, first, quantized_.format,
                                    quantized_storage_.data() + first * ebag::row_bytes(quantized_.format, dim)));
}

int32_t BagCore::dequantize_into(BagCore& target) const {
  if (!quantized() || target.quantized() || !target.ok() ||
      target.table_.num_embeddings != quantized_.num_embeddings ||
      target.table_.embedding_dim != quantized_.embedding_dim) {
    return target.finish(make_error(ErrorCode::kTableMismatch, Argument::kTable));
  }
  return target.finish(ebag::dequantize(quantized_, target.table_.data));
}

int32_t BagCore::finish(Status status) {
  status_ = status;
  return static_cast<int32_t>(status.code);
}

int32_t BagCore::set_options(int32_t mode, bool has_padding_idx, double padding_idx, bool has_max_norm,
                             double max_norm, double norm_type, bool scale_grad_by_freq, bool sparse,
                             bool include_last_offset) {
  staged_checked_ = false;  // validated under the previous options
  Options o;
  o.mode = static_cast<Mode>(mode);
  // A double beyond +-2^62 (or NaN) is out of range for any table; cast as it
  // is it would be undefined behaviour: saturated, validation refuses it.
  if (has_padding_idx) {
    o.padding_idx = padding_idx > -0x1p62 && padding_idx < 0x1p62 ? static_cast<int64_t>(padding_idx)
                                                                  : int64_t{1} << 62;
  }
  if (has_max_norm) o.max_norm = max_norm;
  o.norm_type = norm_type;
  o.scale_grad_by_freq = scale_grad_by_freq;
  o.sparse = sparse;
  o.include_last_offset = include_last_offset;
  if (Status s = validate_table(num_embeddings(), embedding_dim(), o.padding_idx); !s.ok()) {
    return finish(s);
  }
  if (Status s = validate_options(o); !s.ok()) return finish(s);
  if (quantized() && o.max_norm) return finish(make_error(ErrorCode::kQuantizedTable, Argument::kMaxNorm));
  options_ = o;
  return finish({});
}

int32_t BagCore::init_normal(double seed_high, double seed_low) {
  if (quantized()) return finish(make_error(ErrorCode::kQuantizedTable, Argument::kTable));
  const uint64_t seed = (static_cast<uint64_t>(seed_high) << 32) | static_cast<uint64_t>(seed_low);
  return finish(ebag::init_normal(table_, seed, options_.padding_idx));
}

size_t BagCore::stage(Buffer<uint8_t>& buffer, size_t element_bytes, double count) {
  Status status;
  const size_t address = stage_buffer(buffer, count, element_bytes, status);
  if (address == 0) finish(status);
  return address;
}

size_t BagCore::stage_indices(int32_t kind, double count) {
  staged_checked_ = false;
  staged_->index_kind = kind == kInt64 ? kInt64 : kInt32;
  staged_->num_indices = static_cast<int64_t>(count);
  return stage(staged_->indices, staged_->index_kind == kInt64 ? 8 : 4, count);
}

size_t BagCore::stage_offsets(int32_t kind, double count) {
  staged_checked_ = false;
  staged_->offset_kind = kind == kInt64 ? kInt64 : kInt32;
  staged_->num_offsets = static_cast<int64_t>(count);
  return stage(staged_->offsets, staged_->offset_kind == kInt64 ? 8 : 4, count);
}

size_t BagCore::stage_per_sample_weights(double count) {
  staged_checked_ = false;
  staged_->num_per_sample_weights = static_cast<int64_t>(count);
  return stage(staged_->per_sample_weights, sizeof(float), count);
}

size_t BagCore::stage_grad_output(double count) {
  // A length other than the last forward's output is refused before the
  // buffer grows to take it (backward would refuse it after).
  if (has_forward_ && count != static_cast<double>(committed_num_bags_) * static_cast<double>(embedding_dim())) {
    const int64_t given = count >= 0 && count < 0x1p62 ? static_cast<int64_t>(count) : -1;
    finish(make_error(ErrorCode::kLengthMismatch, Argument::kGradOutput, -1, given));
    return 0;
  }
  return stage(grad_output_, sizeof(float), count);
}

size_t BagCore::stage_vectors(double count) { return stage(vectors_, sizeof(float), count); }

int32_t BagCore::row_dots(double count) {
  if (!ok()) return finish(status_);
  if (quantized()) return finish(make_error(ErrorCode::kQuantizedTable, Argument::kVectors));
  const auto vectors = static_cast<int64_t>(count);
  const double size = count * static_cast<double>(table_.num_embeddings);
  if (size > kMaxCount) return finish(make_error(ErrorCode::kTooLarge, Argument::kOutput, -1, static_cast<int64_t>(size)));
  if (!dots_.resize(static_cast<uint64_t>(size) + 1)) return finish(out_of_memory(size * 4));
  return finish(ebag::row_dots(table_, reinterpret_cast<const float*>(vectors_.data()), vectors, dots_.data(), workspace_,
                               module_parallelism()));
}

template <typename Fn>
Status BagCore::with_bags(const Inputs& in, Fn&& fn) {
  // int32 both: narrow_staged() ran on these inputs before they were staged
  // for a call (run_forward, check_staged), and backward uses the committed
  // inputs of a forward.
  const auto* indices = reinterpret_cast<const int32_t*>(in.indices.data());
  Bags<int32_t> bags = in.offsets_form
      ? Bags<int32_t>::from_offsets(indices, in.num_indices, reinterpret_cast<const int32_t*>(in.offsets.data()),
                                    in.num_offsets)
      : Bags<int32_t>::from_2d(indices, in.rows, in.row_length);
  if (in.with_per_sample_weights) {
    bags.with_per_sample_weights(reinterpret_cast<const float*>(in.per_sample_weights.data()), in.num_per_sample_weights);
  }
  return fn(bags);
}

namespace {

// int64 values narrowed to int32 in place, front to back (element i is
// written over bytes of element i / 2, already read).
void narrow_in_place(uint8_t* data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    int64_t wide;
    std::memcpy(&wide, data + 8 * i, 8);
    const auto narrow = static_cast<int32_t>(wide);
    std::memcpy(data + 4 * i, &narrow, 4);
  }
}

}  // namespace

Status BagCore::narrow_staged() {
  Inputs& in = *staged_;
  const bool wide_indices = in.index_kind == kInt64;
  const bool wide_offsets = in.offsets_form && in.offset_kind == kInt64;
  if (!wide_indices && !wide_offsets) return {};
  auto check = [&](const auto& bags) {
    return quantized() ? validate(quantized_, bags, options_) : validate(table_, bags, options_);
  };
  auto with_offsets = [&](const auto* indices) -> Status {
    using IndexT = std::remove_cv_t<std::remove_pointer_t<decltype(indices)>>;
    if (!in.offsets_form) return check(Bags<IndexT>::from_2d(indices, in.rows, in.row_length));
    if (wide_offsets) {
      return check(Bags<IndexT, int64_t>::from_offsets(indices, in.num_indices,
                                                       reinterpret_cast<const int64_t*>(in.offsets.data()), in.num_offsets));
    }
    return check(Bags<IndexT, int32_t>::from_offsets(indices, in.num_indices,
                                                     reinterpret_cast<const int32_t*>(in.offsets.data()), in.num_offsets));
  };
  // Per-sample weights are checked later, on the narrowed bags (their count
  // does not depend on the index type).
  const Status valid = wide_indices ? with_offsets(reinterpret_cast<const int64_t*>(in.indices.data()))
                                    : with_offsets(reinterpret_cast<const int32_t*>(in.indices.data()));
  if (!valid.ok()) return valid;
  if (wide_indices) {
    narrow_in_place(in.indices.data(), in.num_indices);
    in.index_kind = kInt32;
  }
  if (wide_offsets) {
    narrow_in_place(in.offsets.data(), in.num_offsets);
    in.offset_kind = kInt32;
  }
  return {};
}

int32_t BagCore::forward(bool offsets_form, double rows, double row_length, bool with_per_sample_weights) {
  if (!ok()) return finish(status_);
  staged_->offsets_form = offsets_form;
  staged_->rows = static_cast<int64_t>(rows);
  staged_->row_length = static_cast<int64_t>(row_length);
  staged_->with_per_sample_weights = with_per_sample_weights;
  if (!offsets_form) staged_->num_offsets = 0;
  return run_forward(nullptr, module_parallelism());
}

size_t BagCore::small_inputs() {
  if (small_inputs_.size() == 0 && !small_inputs_.resize(kSmallInputs)) {
    finish(out_of_memory(static_cast<double>(kSmallInputs) * 4));
    return 0;
  }
  return reinterpret_cast<size_t>(small_inputs_.data());
}

size_t BagCore::forward_small(double num_indices, double num_offsets) {
  // The caller counts within kSmallInputs; anything else is a caller's bug,
  // refused without reading the buffer.
  if (!(num_indices >= 0 && num_offsets >= 0 && num_indices + num_offsets <= static_cast<double>(kSmallInputs)) ||
      small_inputs_.size() == 0) {
    finish(make_error(ErrorCode::kTooLarge, Argument::kIndices, -1, static_cast<int64_t>(num_indices)));
    return 0;
  }
  const auto ni = static_cast<size_t>(num_indices), no = static_cast<size_t>(num_offsets);
  const size_t indices = stage_indices(kInt32, num_indices);
  if (indices == 0) return 0;
  std::memcpy(reinterpret_cast<void*>(indices), small_inputs_.data(), ni * 4);
  const size_t offsets = stage_offsets(kInt32, num_offsets);
  if (offsets == 0) return 0;
  std::memcpy(reinterpret_cast<void*>(offsets), small_inputs_.data() + ni, no * 4);
  if (forward(true, 0, 0, false) != static_cast<int32_t>(ErrorCode::kOk)) return 0;
  return output_ptr();
}

int32_t BagCore::forward_into(const OutputRows& into, bool with_per_sample_weights, const Parallelism& parallel) {
  if (!ok()) return finish(status_);
  staged_->offsets_form = true;
  staged_->with_per_sample_weights = with_per_sample_weights;
  return run_forward(&into, parallel);
}

int32_t BagCore::run_forward(const OutputRows* into, const Parallelism& parallel) {
  // check_staged() validated these very inputs (a collection checks every
  // table first): not again.
  const bool checked = staged_checked_ && staged_->with_per_sample_weights == checked_with_weights_;
  staged_checked_ = false;
  if (Status s = narrow_staged(); !s.ok()) return finish(s);
  int64_t num_bags = 0;
  const Status status = with_bags(*staged_, [&](const auto& bags) -> Status {
    if (!checked) {
      const Status valid = quantized() ? validate(quantized_, bags, options_) : validate(table_, bags, options_);
      if (!valid.ok()) return valid;
    }
    num_bags = ebag::num_bags(bags, options_);
    // B x D in 64 bits (each < 2^31); its floats must be addressable.
    const int64_t out_size = num_bags * embedding_dim();
    if (static_cast<uint64_t>(out_size) > SIZE_MAX / sizeof(float)) {
      return make_error(ErrorCode::kTooLarge, Argument::kOutput, -1, out_size);
    }
    // Outputs sized before anything is written: running out here changes nothing.
    if (into == nullptr && !output_.resize(out_size)) return out_of_memory(static_cast<double>(out_size) * 4);
    const OutputRows output = into != nullptr ? *into : OutputRows(output_.data());
    // Validated above: the drivers skip their own pass over the inputs.
    const auto& kernels = kernels::best_kernel_set<int32_t>();
    if (quantized()) return quantized_forward_with(kernels, quantized_, bags, options_, output, parallel, Checks::kValidated);
    if (mode_traits(options_.mode)->argmax && !staged_->argmax.resize(out_size)) {
      return out_of_memory(static_cast<double>(out_size) * 4);
    }
    return forward_with(kernels, table_, bags, options_, output, staged_->argmax.data(), workspace_, parallel,
                        Checks::kValidated);
  });
  if (!status.ok()) return finish(status);
  std::swap(staged_, committed_);  // the pointers: no copy, no member-wise swap
  committed_num_bags_ = num_bags;
  has_forward_ = true;
  ++forward_count_;
  return finish(status);
}

int32_t BagCore::check_staged(bool with_per_sample_weights) {
  if (!ok()) return finish(status_);
  staged_->offsets_form = true;
  staged_->with_per_sample_weights = with_per_sample_weights;
  if (Status s = narrow_staged(); !s.ok()) return finish(s);
  const Status status = with_bags(*staged_, [&](const auto& bags) -> Status {
    return quantized() ? validate(quantized_, bags, options_) : validate(table_, bags, options_);
  });
  staged_checked_ = status.ok();
  checked_with_weights_ = with_per_sample_weights;
  return finish(status);
}

int32_t BagCore::backward(double grad_output_length, bool sparse, bool want_per_sample_weights_grad) {
  if (!ok()) return finish(status_);
  if (quantized()) return finish(make_error(ErrorCode::kQuantizedTable, Argument::kGradOutput));
  const auto length = static_cast<int64_t>(grad_output_length);
  const bool psw_grad = want_per_sample_weights_grad && committed_->with_per_sample_weights;
  const int64_t n = table_.num_embeddings * table_.embedding_dim;  // allocated: addressable
  return finish(with_bags(*committed_, [&](const auto& bags) -> Status {
    if (psw_grad && !grad_psw_.resize(static_cast<uint64_t>(bags.num_indices) + 1)) {  // +1: never null
      return out_of_memory(static_cast<double>(bags.num_indices) * 4);
    }
    float* grad_psw = psw_grad ? grad_psw_.data() : nullptr;
    if (sparse) {
      return backward_sparse(table_, bags, options_, reinterpret_cast<const float*>(grad_output_.data()),
                             length, sparse_, grad_psw, workspace_, module_parallelism());
    }
    if (!grad_weight_.resize(n)) return out_of_memory(static_cast<double>(n) * 4);
    return backward_dense(table_, bags, options_, reinterpret_cast<const float*>(grad_output_.data()),
                          length, committed_->argmax.data(), grad_weight_.data(), grad_psw, workspace_,
                          module_parallelism());
  }));
}

int32_t BagCore::set_optimizer(int32_t optimizer) {
  if (!ok()) return finish(status_);
  if (quantized()) return finish(make_error(ErrorCode::kQuantizedTable, Argument::kOptimizer));
  OptimizerOptions o;
  o.optimizer = static_cast<Optimizer>(optimizer);
  int k = 0;
#define EBAG_HYPERPARAMETER(Name, field, ...) o.field = hyperparameters_[k++];
#include "ebag/hyperparameters.inc"
#undef EBAG_HYPERPARAMETER
  if (Status s = validate_optimizer(o); !s.ok()) return finish(s);
  int full = 0;
  int row = 0;
  switch (o.optimizer) {
#define EBAG_OPTIMIZER(Name, number, name, full_states, row_states, ...) \
  case Optimizer::k##Name:                                                \
    full = full_states;                                                   \
    row = row_states;                                                     \
    break;
#include "ebag/optimizers.inc"
#undef EBAG_OPTIMIZER
  }
  // The new state is made whole before the old one goes.
  const int64_t n = table_.num_embeddings;
  Buffer<float> made[2];
  for (int k = 0; k < full + row; ++k) {
    const auto length = static_cast<uint64_t>(k < full ? n * table_.embedding_dim : n);
    const float fill = o.optimizer == Optimizer::kAdagrad ? static_cast<float>(o.initial_accumulator_value) : 0.0f;
    if (!made[k].resize_zeroed(length)) return finish(out_of_memory(static_cast<double>(length) * 4));
    if (fill != 0.0f) std::fill(made[k].data(), made[k].data() + length, fill);
  }
  for (int k = 0; k < 2; ++k) {
    optimizer_storage_[k].swap(made[k]);
    optimizer_state_.state[k] = optimizer_storage_[k].data();
  }
  optimizer_state_.steps = 0;
  optimizer_ = o;
  has_optimizer_ = true;
  return finish({});
}

void BagCore::clear_optimizer() {
  for (auto& storage : optimizer_storage_) storage.release();
  optimizer_state_ = OptimizerState{};
  has_optimizer_ = false;
}

size_t BagCore::optimizer_state_ptr(int32_t k) const {
  return k == 0 || k == 1 ? reinterpret_cast<size_t>(optimizer_storage_[k].data()) : 0;
}

int32_t BagCore::step(double grad_output_length, bool want_per_sample_weights_grad) {
  if (!ok()) return finish(status_);
  if (quantized()) return finish(make_error(ErrorCode::kQuantizedTable, Argument::kGradOutput));
  if (!has_optimizer_) return finish(make_error(ErrorCode::kMissingBuffer, Argument::kOptimizer));
  const auto length = static_cast<int64_t>(grad_output_length);
  const bool psw_grad = want_per_sample_weights_grad && committed_->with_per_sample_weights;
  return finish(with_bags(*committed_, [&](const auto& bags) -> Status {
    if (psw_grad && !grad_psw_.resize(static_cast<uint64_t>(bags.num_indices) + 1)) {
      return out_of_memory(static_cast<double>(bags.num_indices) * 4);
    }
    return ebag::step(table_, bags, options_, reinterpret_cast<const float*>(grad_output_.data()), length,
                      committed_->argmax.data(), optimizer_, optimizer_state_, psw_grad ? grad_psw_.data() : nullptr,
                      workspace_, module_parallelism());
  }));
}

double BagCore::gradient_row_runs() {
  if (!has_forward_) return -1;
  const Status found = with_bags(*committed_, [&](const auto& bags) -> Status {
    if (row_runs_.find(bags.indices, bags.num_indices, num_embeddings(), workspace_.impl().rows)) return {};
    return out_of_memory(static_cast<double>(num_embeddings()) / 8);
  });
  return found.ok() ? static_cast<double>(row_runs_.count()) : -1;
}

void BagCore::release_gradients() {
  row_runs_.release();
  grad_weight_.release();
  sparse_.rows.release();
  sparse_.values.release();
  grad_psw_.release();
}

double BagCore::held_bytes() const {
  return static_cast<double>(table_storage_.capacity_bytes() + quantized_storage_.capacity_bytes() +
                             workspace_.held_bytes() + staged_->held_bytes() + committed_->held_bytes() +
                             output_.capacity_bytes() + grad_output_.capacity_bytes() +
                             grad_weight_.capacity_bytes() + grad_psw_.capacity_bytes() +
                             sparse_.rows.capacity_bytes() + sparse_.values.capacity_bytes() +
                             row_runs_.capacity_bytes() + vectors_.capacity_bytes() + dots_.capacity_bytes() +
                             optimizer_storage_[0].capacity_bytes() + optimizer_storage_[1].capacity_bytes());
}

// mallinfo() reports an int: read it as the unsigned 32-bit count it is in
// wasm32, so that a heap past 2 GiB does not read as negative.
#if defined(__EMSCRIPTEN__)
double allocated_heap_bytes() { return static_cast<double>(static_cast<uint32_t>(mallinfo().uordblks)); }
#else
// Natively (the sanitizer suite): glibc's mallinfo2, in size_t.
double allocated_heap_bytes() { return static_cast<double>(mallinfo2().uordblks); }
#endif

}  // namespace ebag::bindings
