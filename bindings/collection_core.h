// One call over the many tables of an EmbeddingBagCollection (TorchRec's EBC
// and KeyedJaggedTensor). The wrapper stages the KJT once: its ids
// (`values`, key-major: key 0's bags for samples 0..B-1, then key 1's), its
// bag lengths (or offsets), its per-id weights, and for each of its keys the
// table that owns it and the key's first column in the output. forward()
// checks the whole call before it runs any table, stacks each table's keys
// into one call of the table's BagCore (k keys of B bags: k * B bags, in the
// order of their columns, which is the collection's order) and writes the
// KeyedTensor [B, total_dim], every key in its columns. backward() gives each
// table its keys' slices of the output gradient, stacked the same way, so the
// table's one backward sums the gradients of the keys that share it; per-id
// weight gradients come back in the KJT's order.
//
// The BagCores belong to the wrapper's EmbeddingBag objects (one per table);
// this object holds their addresses only while the collection lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bag_core.h"
#include "ebag/buffer.h"
#include "ebag/collection.h"
#include "ebag/embedding_bag.h"

namespace ebag::bindings {

class CollectionCore {
 public:
  // This object's address, for the plain exports of hot_calls.cc.
  size_t address() const { return reinterpret_cast<size_t>(this); }
  // The collection's tables in order (BagCore::address() of each).
  void add_table(double core_address);

  // The call's inputs (addresses to write them at; 0 when out of memory).
  size_t stage_values(int32_t kind, double count);
  size_t stage_lengths(double count);   // int32: keys x B lengths, or keys x B + 1 offsets
  size_t stage_weights(double count);   // float32, one per id
  size_t stage_keys(double count);      // int32 pairs per key: table, first output column

  // forward over the staged KJT: num_keys x batch bags; output [batch, total_dim].
  int32_t forward(double num_keys, double batch, bool offsets_form, bool with_weights, double total_dim);
  size_t output_ptr() const { return reinterpret_cast<size_t>(output_.data()); }

  // backward for grad_output [batch, total_dim] of the last forward: each
  // table's gradient is its BagCore's (read through it); the per-id weight
  // gradient (KJT order) is weights_grad_ptr(), 0 without weights.
  int32_t backward(double grad_output_length, bool sparse, bool want_weights_grad);
  // backward fused with each table's optimizer (BagCore::step): every
  // table of the last forward takes its step; refused before any runs when
  // one of them has no optimizer.
  int32_t step(double grad_output_length, bool want_weights_grad);
  size_t stage_grad_output(double count);
  size_t weights_grad_ptr() const;
  // Ids of table t in the last forward (its keys' ids, stacked).
  double table_ids(int32_t table) const;

  // The last status; error_key() is the call's key it concerns (-1: none).
  int32_t status_code() const { return static_cast<int32_t>(status_.code); }
  int32_t error_argument() const { return static_cast<int32_t>(status_.argument); }
  double error_position() const { return static_cast<double>(status_.position); }
  std::string error_value() const { return std::to_string(status_.value); }
  int32_t error_key() const { return error_key_; }
  int32_t error_table() const { return error_table_; }

 private:
  int32_t finish(Status status, int32_t key = -1, int32_t table = -1);
  Status read_structure(int64_t num_keys, int64_t batch, bool offsets_form, bool with_weights, int64_t width);
  Status stage_table(int32_t table, int64_t batch, bool with_weights);
  // Runs the checked call's tables (by bag or by table; error_table_ names a
  // table that fails).
  Status run_tables(int64_t batch, int64_t width, bool with_weights);
  // backward() and step(): each table's slices of the gradient, then its
  // backward (or step when `step`).
  int32_t run_backward(double grad_output_length, bool sparse, bool step, bool want_weights_grad);

  std::vector<BagCore*> tables_;
  Buffer<uint8_t> values_;
  int32_t value_kind_ = 0;
  int64_t num_values_ = 0;
  Buffer<int32_t> lengths_;
  int64_t num_lengths_ = 0;
  Buffer<float> weights_;
  int64_t num_weights_ = 0;
  Buffer<int32_t> keys_;
  int64_t num_key_entries_ = 0;
  Buffer<int64_t> bag_starts_;            // keys x B + 1, from lengths or offsets
  // The call being checked (spans_, by_table_) and the last forward's, which
  // backward reads: a forward that fails leaves the last one's intact.
  std::vector<KeySpan> spans_;                  // per key of the call
  std::vector<std::vector<int32_t>> by_table_;  // per table: its keys, by column
  struct Committed {
    std::vector<KeySpan> spans;
    std::vector<std::vector<int32_t>> by_table;
    int64_t num_values = 0;
    bool with_weights = false;
    std::vector<int64_t> ids;  // per table: its keys' ids
  } committed_;
  std::vector<int64_t> table_ids_;  // per table, of the call being checked (stage_table)
  std::vector<int64_t> table_dims_;  // per table, its D
  Buffer<float> output_;
  Buffer<float> grad_output_;
  Buffer<float> weights_grad_;
  std::vector<uint64_t> forward_counts_;  // per table, after our forward
  // run_tables' plan: per table its work, thread and result; tables by
  // work; per thread its load.
  std::vector<int64_t> table_work_;
  std::vector<int64_t> thread_load_;
  std::vector<int32_t> table_thread_;
  std::vector<int32_t> table_codes_;
  std::vector<int32_t> table_order_;
  int64_t batch_ = 0;
  int64_t total_dim_ = 0;
  bool has_forward_ = false;
  bool has_weights_grad_ = false;
  Status status_;
  int32_t error_key_ = -1;
  int32_t error_table_ = -1;
};

}  // namespace ebag::bindings
