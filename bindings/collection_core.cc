#include "collection_core.h"

#include <algorithm>
#include <cstring>

#include "ebag/collection.h"
#include "module_threads.h"
#include "staging.h"
#include "validate.h"
#include "work_split.h"

namespace ebag::bindings {

void CollectionCore::add_table(double core_address) {
  tables_.push_back(reinterpret_cast<BagCore*>(static_cast<uintptr_t>(core_address)));
  // A collection's tables pool as TorchRec's (FBGEMM's): a weighted mean
  // divides by the bag's length.
  tables_.back()->set_weighted_mean_by_count();
  forward_counts_.push_back(0);
  by_table_.emplace_back();
  committed_.by_table.emplace_back();
  table_ids_.push_back(0);
}

int32_t CollectionCore::finish(Status status, int32_t key, int32_t table) {
  status_ = status;
  error_key_ = status.ok() ? -1 : key;
  error_table_ = status.ok() ? -1 : table;
  return static_cast<int32_t>(status.code);
}

size_t CollectionCore::stage_values(int32_t kind, double count) {
  value_kind_ = kind == kInt64 ? kInt64 : kInt32;
  num_values_ = static_cast<int64_t>(count);
  if (!valid_count(count)) return (finish(make_error(ErrorCode::kTooLarge, Argument::kValues, -1, num_values_)), 0);
  Status status;
  const size_t address = stage_buffer(values_, count, value_kind_ == kInt64 ? 8 : 4, status);
  if (address == 0) finish(status);
  return address;
}

size_t CollectionCore::stage_lengths(double count) {
  num_lengths_ = static_cast<int64_t>(count);
  return stage_buffer(lengths_, count, sizeof(int32_t), status_);
}

size_t CollectionCore::stage_weights(double count) {
  num_weights_ = static_cast<int64_t>(count);
  return stage_buffer(weights_, count, sizeof(float), status_);
}

size_t CollectionCore::stage_keys(double count) {
  num_key_entries_ = static_cast<int64_t>(count);
  return stage_buffer(keys_, count * 2, sizeof(int32_t), status_);
}

size_t CollectionCore::stage_grad_output(double count) { return stage_buffer(grad_output_, count, sizeof(float), status_); }

// The KJT's structure, checked (ebag::kjt_bag_starts, ebag::stack_keys):
// where every bag starts, where each key's ids are and how each table's keys
// stack.
Status CollectionCore::read_structure(int64_t num_keys, int64_t batch, bool offsets_form, bool with_weights, int64_t width) {
  const int64_t bags = num_keys * batch;
  if (!bag_starts_.resize(static_cast<uint64_t>(bags) + 1)) return out_of_memory(static_cast<double>(bags) * 8);
  if (Status s = kjt_bag_starts(lengths_.data(), num_lengths_, offsets_form, bags, num_values_, bag_starts_.data()); !s.ok()) {
    return s;
  }
  if (num_weights_ != (with_weights ? num_values_ : 0)) {
    return make_error(ErrorCode::kLengthMismatch, Argument::kWeights, -1, num_weights_);
  }
  if (num_key_entries_ != num_keys) return make_error(ErrorCode::kLengthMismatch, Argument::kTable, -1, num_key_entries_);
  table_dims_.resize(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t) table_dims_[t] = tables_[t]->embedding_dim();
  std::fill(table_ids_.begin(), table_ids_.end(), 0);
  return stack_keys(keys_.data(), num_keys, batch, bag_starts_.data(), table_dims_, width, spans_, by_table_);
}

// Writes table t's keys, stacked, into its BagCore's staging buffers.
Status CollectionCore::stage_table(int32_t t, int64_t batch, bool with_weights) {
  BagCore& core = *tables_[static_cast<size_t>(t)];
  const auto& keys = by_table_[static_cast<size_t>(t)];
  int64_t ids = 0;
  for (int32_t k : keys) ids += spans_[static_cast<size_t>(k)].count;
  table_ids_[static_cast<size_t>(t)] = ids;
  const size_t element = value_kind_ == kInt64 ? 8 : 4;
  auto* indices = reinterpret_cast<uint8_t*>(core.stage_indices(value_kind_, static_cast<double>(ids)));
  auto* offsets = reinterpret_cast<int32_t*>(core.stage_offsets(kInt32, static_cast<double>(keys.size() * batch)));
  float* weights = with_weights ? reinterpret_cast<float*>(core.stage_per_sample_weights(static_cast<double>(ids))) : nullptr;
  if (indices == nullptr || offsets == nullptr || (with_weights && weights == nullptr)) return core.status();
  const int64_t* starts = bag_starts_.data();
  for (int32_t k : keys) {
    const KeySpan& span = spans_[static_cast<size_t>(k)];
    std::memcpy(indices + span.stack_begin * element, values_.data() + span.begin * element, span.count * element);
    if (with_weights) std::memcpy(weights + span.stack_begin, weights_.data() + span.begin, span.count * sizeof(float));
    for (int64_t b = 0; b < batch; ++b) {
      offsets[span.stack_slot * batch + b] = static_cast<int32_t>(span.stack_begin + starts[k * batch + b] - span.begin);
    }
  }
  return {};
}

int32_t CollectionCore::forward(double num_keys, double batch, bool offsets_form, bool with_weights, double total_dim) {
  const auto keys = static_cast<int64_t>(num_keys);
  const auto b = static_cast<int64_t>(batch);
  const auto width = static_cast<int64_t>(total_dim);
  if (Status s = read_structure(keys, b, offsets_form, with_weights, width); !s.ok()) {
    return finish(s, s.argument == Argument::kTable || s.argument == Argument::kOutput ? static_cast<int32_t>(s.position) : -1);
  }
  // Every table checked before any runs: a failing call changes nothing.
  for (int32_t t = 0; t < static_cast<int32_t>(tables_.size()); ++t) {
    if (by_table_[static_cast<size_t>(t)].empty()) continue;
    if (Status s = stage_table(t, b, with_weights); !s.ok()) return finish(s, -1, t);
    if (tables_[static_cast<size_t>(t)]->check_staged(with_weights) != 0) {
      Status s = tables_[static_cast<size_t>(t)]->status();
      int32_t key = -1;
      // A position in the table's stacked ids is one in the KJT's values.
      if (s.position >= 0 && (s.argument == Argument::kIndices || s.argument == Argument::kPerSampleWeights)) {
        key = key_at(spans_, by_table_[static_cast<size_t>(t)], s.position);
        if (key >= 0) {
          const KeySpan& span = spans_[static_cast<size_t>(key)];
          s.position = span.begin + (s.position - span.stack_begin);
          s.argument = s.argument == Argument::kIndices ? Argument::kValues : Argument::kWeights;
        }
      }
      return finish(s, key, t);
    }
  }
  const int64_t out_size = b * width;
  if (static_cast<uint64_t>(out_size) > SIZE_MAX / sizeof(float)) {
    return finish(make_error(ErrorCode::kTooLarge, Argument::kOutput, -1, out_size));
  }
  if (!output_.resize(static_cast<uint64_t>(out_size) + 1)) return finish(out_of_memory(static_cast<double>(out_size) * 4));
  has_forward_ = false;
  if (Status s = run_tables(b, width, with_weights); !s.ok()) return finish(s, -1, error_table_);
  // What backward reads: only a forward that succeeds replaces it.
  std::swap(committed_.spans, spans_);
  std::swap(committed_.by_table, by_table_);
  committed_.ids = table_ids_;
  committed_.num_values = num_values_;
  committed_.with_weights = with_weights;
  batch_ = b;
  total_dim_ = width;
  has_forward_ = true;
  return finish({});
}

// Runs every table of the call into its columns, by table or by bag,
// whichever balances the pool (ebag::schedule_tables). By bag: one table
// after another, each split over the pool by its bags when large enough
// (BagCore's rule). Either way every table's bags give the bits of one
// thread.
Status CollectionCore::run_tables(int64_t batch, int64_t width, bool with_weights) {
  const Parallelism& parallel = module_parallelism();
  const auto num_tables = static_cast<int32_t>(tables_.size());
  auto used = [&](int32_t t) { return !by_table_[static_cast<size_t>(t)].empty(); };
  auto into = [&](int32_t t) {
    const int64_t first_column = spans_[static_cast<size_t>(by_table_[static_cast<size_t>(t)][0])].column;
    return OutputRows(output_.data() + first_column, width, batch, tables_[static_cast<size_t>(t)]->embedding_dim());
  };
  // Work of a table: its entries x D, + 1 so that empty ones count.
  int64_t total = 0;
  table_work_.assign(static_cast<size_t>(num_tables), 0);
  for (int32_t t = 0; t < num_tables; ++t) {
    if (!used(t)) continue;
    table_work_[static_cast<size_t>(t)] = table_ids_[static_cast<size_t>(t)] * tables_[static_cast<size_t>(t)]->embedding_dim() + 1;
    total += table_work_[static_cast<size_t>(t)];
  }
  const int threads = detail::threads_for(parallel, total);
  const bool by_table = schedule_tables(table_work_, threads, table_thread_, table_order_, thread_load_);
  if (!by_table) {
    for (int32_t t = 0; t < num_tables; ++t) {
      if (!used(t)) continue;
      BagCore& core = *tables_[static_cast<size_t>(t)];
      if (core.forward_into(into(t), with_weights, parallel) != 0) {
        error_table_ = t;
        return core.status();
      }
      forward_counts_[static_cast<size_t>(t)] = core.forward_count();
    }
    return {};
  }
  table_codes_.assign(static_cast<size_t>(num_tables), 0);
  detail::run_tasks(parallel, threads, [&](int thread) {
    for (int32_t t : table_order_) {
      if (table_thread_[static_cast<size_t>(t)] != thread) continue;
      table_codes_[static_cast<size_t>(t)] = tables_[static_cast<size_t>(t)]->forward_into(into(t), with_weights, Parallelism{});
    }
  });
  for (int32_t t = 0; t < num_tables; ++t) {
    if (!used(t)) continue;
    if (table_codes_[static_cast<size_t>(t)] != 0) {
      error_table_ = t;
      return tables_[static_cast<size_t>(t)]->status();
    }
    forward_counts_[static_cast<size_t>(t)] = tables_[static_cast<size_t>(t)]->forward_count();
  }
  return {};
}

int32_t CollectionCore::backward(double grad_output_length, bool sparse, bool want_weights_grad) {
  return run_backward(grad_output_length, sparse, false, want_weights_grad);
}

int32_t CollectionCore::step(double grad_output_length, bool want_weights_grad) {
  return run_backward(grad_output_length, true, true, want_weights_grad);
}

int32_t CollectionCore::run_backward(double grad_output_length, bool sparse, bool step, bool want_weights_grad) {
  if (!has_forward_) return finish(make_error(ErrorCode::kMissingBuffer, Argument::kGradOutput));
  const auto length = static_cast<int64_t>(grad_output_length);
  if (length != batch_ * total_dim_) return finish(make_error(ErrorCode::kLengthMismatch, Argument::kGradOutput, -1, length));
  for (int32_t t = 0; t < static_cast<int32_t>(tables_.size()); ++t) {
    if (!committed_.by_table[static_cast<size_t>(t)].empty() && tables_[static_cast<size_t>(t)]->forward_count() != forward_counts_[static_cast<size_t>(t)]) {
      return finish(make_error(ErrorCode::kTableCalledAlone, Argument::kTable, t), -1, t);
    }
  }
  if (step) {
    for (int32_t t = 0; t < static_cast<int32_t>(tables_.size()); ++t) {
      if (!committed_.by_table[static_cast<size_t>(t)].empty() && !tables_[static_cast<size_t>(t)]->has_optimizer()) {
        return finish(make_error(ErrorCode::kMissingBuffer, Argument::kOptimizer, t), -1, t);
      }
    }
  }
  const bool weights_grad = want_weights_grad && committed_.with_weights;
  has_weights_grad_ = false;
  if (weights_grad && !weights_grad_.resize(static_cast<uint64_t>(committed_.num_values) + 1)) {
    return finish(out_of_memory(static_cast<double>(committed_.num_values) * 4));
  }
  for (int32_t t = 0; t < static_cast<int32_t>(tables_.size()); ++t) {
    const auto& table_keys = committed_.by_table[static_cast<size_t>(t)];
    if (table_keys.empty()) continue;
    BagCore& core = *tables_[static_cast<size_t>(t)];
    const int64_t dim = core.embedding_dim();
    const auto count = static_cast<double>(static_cast<int64_t>(table_keys.size()) * batch_ * dim);
    auto* grad = reinterpret_cast<float*>(core.stage_grad_output(count));
    if (grad == nullptr) return finish(core.status(), -1, t);
    for (int32_t k : table_keys) {
      const KeySpan& span = committed_.spans[static_cast<size_t>(k)];
      float* to = grad + span.stack_slot * batch_ * dim;
      const float* from = grad_output_.data() + span.column;
      for (int64_t s = 0; s < batch_; ++s) std::memcpy(to + s * dim, from + s * total_dim_, dim * sizeof(float));
    }
    const int32_t code = step ? core.step(count, weights_grad) : core.backward(count, sparse, weights_grad);
    if (code != 0) return finish(core.status(), -1, t);
    if (weights_grad) {
      const auto* per_id = reinterpret_cast<const float*>(core.grad_per_sample_weights_ptr());
      for (int32_t k : table_keys) {
        const KeySpan& span = committed_.spans[static_cast<size_t>(k)];
        std::memcpy(weights_grad_.data() + span.begin, per_id + span.stack_begin, span.count * sizeof(float));
      }
    }
  }
  has_weights_grad_ = weights_grad;
  return finish({});
}

size_t CollectionCore::weights_grad_ptr() const {
  return has_weights_grad_ ? reinterpret_cast<size_t>(weights_grad_.data()) : 0;
}

double CollectionCore::table_ids(int32_t table) const {
  if (!has_forward_ || table < 0 || table >= static_cast<int32_t>(committed_.ids.size())) return 0;
  return static_cast<double>(committed_.ids[static_cast<size_t>(table)]);
}

}  // namespace ebag::bindings
