// BagCore: one EmbeddingBag as the JavaScript wrapper sees it through Embind.
// It owns the table, the options, the scratch the wrapper copies inputs into
// (one copy, reused across calls) and the outputs the wrapper copies out.
//
// Calls never throw and never abort: every entry point returns an
// ebag::ErrorCode (0 = ok) and keeps the last status for error_*().
//
// Inputs are staged: the wrapper asks for a staging buffer, writes into the
// wasm heap, then calls forward(). Only a forward that succeeds makes the
// staged inputs the ones backward() uses (a swap, no copy), so a call that
// fails changes nothing: not the table, not the next backward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ebag/embedding_bag.h"
#include "row_runs.h"

namespace ebag::bindings {

// The index (and offset) types a call's inputs may have: X(Name, "js name", number).
#define EBAG_INDEX_KINDS(X) \
  X(Int32, "int32", 0)      \
  X(Int64, "int64", 1)
enum IndexKind : int32_t {
#define EBAG_INDEX_KIND(Name, name, number) k##Name = number,
  EBAG_INDEX_KINDS(EBAG_INDEX_KIND)
#undef EBAG_INDEX_KIND
};

class BagCore {
 public:
  // num_embeddings, embedding_dim: checked by validate_table; row_format: 0
  // for a float32 table, else a RowFormat (a quantized, forward-only table of
  // zero bytes). On failure (or when the table does not fit in memory) ok()
  // is false and the status says why.
  BagCore(double num_embeddings, double embedding_dim, int32_t row_format);
  // Not copied or moved: staged_ and committed_ point into the object.
  BagCore(const BagCore&) = delete;
  BagCore& operator=(const BagCore&) = delete;

  // This object's address, for the plain exports of hot_calls.cc.
  size_t address() const { return reinterpret_cast<size_t>(this); }
  bool ok() const { return table_.data != nullptr || quantized_.data != nullptr; }
  bool quantized() const { return quantized_.data != nullptr; }
  int32_t status_code() const { return static_cast<int32_t>(status_.code); }
  int32_t error_argument() const { return static_cast<int32_t>(status_.argument); }
  double error_position() const { return static_cast<double>(status_.position); }
  std::string error_value() const { return std::to_string(status_.value); }

  // The table: N x D floats, or N rows of row_bytes() bytes when quantized.
  size_t weight_ptr() const;
  double row_bytes() const;

  // This (quantized) table from a float32 one of the same N x D, as
  // ebag::quantize; a failure writes nothing.
  int32_t quantize_from(const BagCore& source);
  // The values of this quantized table into a float32 one of the same N x D.
  int32_t dequantize_into(BagCore& target) const;
  // Rows that stream in (a loader quantizing a float file chunk by chunk):
  // stage_float_rows gives room for `count` rows of D floats, and
  // quantize_staged_rows(first_row, count) quantizes the first `count` of them
  // into this quantized table's rows [first_row, first_row + count), as
  // ebag::quantize_rows. release_staged_rows frees the room.
  size_t stage_float_rows(double count);
  int32_t quantize_staged_rows(double first_row, double count);
  void release_staged_rows() { vectors_.release(); }

  // Options for every later call; validated here (max_norm, norm_type,
  // padding_idx, mode conflicts). A failing call keeps the previous options.
  int32_t set_options(int32_t mode, bool has_padding_idx, double padding_idx, bool has_max_norm,
                      double max_norm, double norm_type, bool scale_grad_by_freq, bool sparse,
                      bool include_last_offset);
  // A weighted mean divides by the bag's count from now on (a collection's
  // table: Options::weighted_mean_by_count).
  void set_weighted_mean_by_count() { options_.weighted_mean_by_count = true; }
  // N(0, 1) with the padding row zeroed (padding from set_options).
  int32_t init_normal(double seed_high, double seed_low);

  // Staging buffers for the next call: byte address in the heap, 0 when the
  // memory cannot be had (then status_code() is kOutOfMemory).
  size_t stage_indices(int32_t kind, double count);
  size_t stage_offsets(int32_t kind, double count);
  size_t stage_per_sample_weights(double count);
  // gradOutput's buffer: refused (0, LengthMismatch) when the count is not
  // the last forward's numBags x embeddingDim.
  size_t stage_grad_output(double count);

  // Forward on the staged inputs. offsets_form false = 2-D (rows x row_length).
  int32_t forward(bool offsets_form, double rows, double row_length, bool with_per_sample_weights);
  // forward() in the offsets form, writing the bags into `into` (a
  // collection's columns of its KeyedTensor) instead of output_ptr(), with
  // `parallel` (a collection runs small tables side by side on one thread each).
  int32_t forward_into(const OutputRows& into, bool with_per_sample_weights, const Parallelism& parallel);
  // Validates the staged inputs in the offsets form as forward() would,
  // running nothing (a collection checks every table before it runs any).
  int32_t check_staged(bool with_per_sample_weights);
  size_t output_ptr() const { return reinterpret_cast<size_t>(output_.data()); }
  // The common small call in one crossing (js/embedding-bag.mjs): flat int32
  // indices and offsets, no per-sample weights. The caller writes the
  // indices, then the offsets, at small_inputs() (kSmallInputs int32 in all
  // at most; the buffer is made on the first call and never moves), and
  // forward_small stages them and runs forward(). Returns output_ptr(), or 0
  // when refused (status_code() says why, as forward() would).
#define EBAG_SMALL_INPUTS 1024
  static constexpr int64_t kSmallInputs = EBAG_SMALL_INPUTS;
  size_t small_inputs();
  size_t forward_small(double num_indices, double num_offsets);
  double output_length() const { return static_cast<double>(output_.size()); }
  double last_num_bags() const { return static_cast<double>(committed_num_bags_); }
  bool has_forward() const { return has_forward_; }
  // Successful forwards so far: a collection checks that its tables were not
  // called alone between its forward and its backward.
  uint64_t forward_count() const { return forward_count_; }

  // Dot products of `count` staged vectors (count x D) with every row
  // (ebag::row_dots; fastText's output layer): count x N floats at dots_ptr().
  size_t stage_vectors(double count);
  int32_t row_dots(double count);
  size_t dots_ptr() const { return reinterpret_cast<size_t>(dots_.data()); }

  // Backward of the last successful forward, grad_output staged.
  int32_t backward(double grad_output_length, bool sparse, bool want_per_sample_weights_grad);
  size_t grad_weight_ptr() const { return reinterpret_cast<size_t>(grad_weight_.data()); }
  size_t sparse_rows_ptr() const { return reinterpret_cast<size_t>(sparse_.rows.data()); }
  size_t sparse_values_ptr() const { return reinterpret_cast<size_t>(sparse_.values.data()); }
  double sparse_row_count() const { return static_cast<double>(sparse_.rows.size()); }
  size_t grad_per_sample_weights_ptr() const { return reinterpret_cast<size_t>(grad_psw_.data()); }
  // The rows of the last forward's indices as runs of consecutive row ids
  // (RowRuns): outside them the dense gradient is zero. Returns the run
  // count, -1 when out of memory (then copy the whole gradient).
  double gradient_row_runs();
  size_t row_runs_ptr() const { return reinterpret_cast<size_t>(row_runs_.pairs()); }
  // Frees the gradient outputs (the dense one is N x D) once copied out.
  void release_gradients();

  // Training (ebag::step). set_optimizer: the optimizer (an Optimizer
  // number) with the hyper-parameters staged at stage_hyperparameters()
  // (kNumHyperparameters doubles, in hyperparameters.inc's order),
  // validated; its state arrays made anew (adagrad's filled with
  // initial_accumulator_value, the rest zero), steps 0. A failure keeps the
  // previous optimizer and state. clear_optimizer frees them.
  size_t stage_hyperparameters() { return reinterpret_cast<size_t>(hyperparameters_); }
  int32_t set_optimizer(int32_t optimizer);
  void clear_optimizer();
  bool has_optimizer() const { return has_optimizer_; }
  // backward + the optimizer's update of the last forward's rows, in place;
  // grad_output staged. The per-sample weights' gradient (when asked and the
  // forward had them) at grad_per_sample_weights_ptr().
  int32_t step(double grad_output_length, bool want_per_sample_weights_grad);
  // State array k of the optimizer (N x D or N floats, as optimizers.inc).
  size_t optimizer_state_ptr(int32_t k) const;
  double optimizer_steps() const { return static_cast<double>(optimizer_state_.steps); }
  void set_optimizer_steps(double steps) { optimizer_state_.steps = static_cast<int64_t>(steps); }

  // Heap bytes this bag holds (table, scratch, outputs).
  double held_bytes() const;

  // N and D of the table, float32 or quantized.
  int64_t num_embeddings() const;
  int64_t embedding_dim() const;
  // The last status, whole (a collection maps its positions back).
  const Status& status() const { return status_; }

 private:
  // One call's inputs, as the wrapper wrote them.
  struct Inputs {
    Buffer<uint8_t> indices;
    int32_t index_kind = kInt32;
    int64_t num_indices = 0;
    Buffer<uint8_t> offsets;
    int32_t offset_kind = kInt32;
    int64_t num_offsets = 0;
    Buffer<uint8_t> per_sample_weights;  // float32
    int64_t num_per_sample_weights = 0;
    bool offsets_form = true;
    bool with_per_sample_weights = false;
    int64_t rows = 0;
    int64_t row_length = 0;
    Buffer<int32_t> argmax;  // max mode: written by forward, read by backward
    size_t held_bytes() const;
  };

  // Calls fn(bags) with the inputs' Bags<int32_t, int32_t> (narrowed first
  // by narrow_staged: the module runs the kernels of one index type only).
  template <typename Fn>
  Status with_bags(const Inputs& in, Fn&& fn);
  // The staged inputs checked against the table as given (int64 indices or
  // offsets too: errors report the values the caller passed), then int64
  // ones narrowed to int32 in place: a valid index is below N < 2^31, a
  // valid offset at most the number of indices, so no value changes.
  Status narrow_staged();
  int32_t finish(Status status);
  // forward() on the staged inputs, into output_ (into == nullptr) or `into`.
  int32_t run_forward(const OutputRows* into, const Parallelism& parallel);
  size_t stage(Buffer<uint8_t>& buffer, size_t element_bytes, double count);

  Table table_;                 // a float32 table, or data == nullptr
  QuantizedTable quantized_;    // a quantized table, or data == nullptr
  Buffer<float> table_storage_;
  Buffer<uint8_t> quantized_storage_;
  Options options_;
  Workspace workspace_;
  // The staged inputs and those of the last successful forward, swapped by
  // their pointers when a forward succeeds.
  Inputs inputs_[2];
  Inputs* staged_ = &inputs_[0];
  Inputs* committed_ = &inputs_[1];
  int64_t committed_num_bags_ = 0;
  bool has_forward_ = false;
  uint64_t forward_count_ = 0;
  Buffer<float> output_;
  Buffer<int32_t> small_inputs_;  // kSmallInputs, made by the first small_inputs()
  // check_staged() passed on the staged inputs (with or without weights) and
  // nothing was staged or set since: run_forward skips its validation.
  bool staged_checked_ = false;
  bool checked_with_weights_ = false;
  Buffer<uint8_t> grad_output_;  // float32
  Buffer<float> grad_weight_;
  Buffer<float> grad_psw_;
  Buffer<uint8_t> vectors_;  // float32: row_dots' input, or float rows to quantize
  Buffer<float> dots_;
  SparseGradient sparse_;
  double hyperparameters_[kNumHyperparameters] = {};
  bool has_optimizer_ = false;
  OptimizerOptions optimizer_;
  OptimizerState optimizer_state_;
  Buffer<float> optimizer_storage_[2];
  RowRuns row_runs_;
  Status status_;
};

// Bytes malloc has handed out and not taken back (the leak checks' measure).
double allocated_heap_bytes();

}  // namespace ebag::bindings
