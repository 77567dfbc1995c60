// A call over many tables (include/ebag/collection.h): the KJT's bag starts,
// the stacking plan, the table schedule.
#include "ebag/collection.h"

#include <algorithm>

#include "validate.h"

namespace ebag {

Status kjt_bag_starts(const int32_t* given, int64_t num_given, bool offsets_form, int64_t num_bags,
                      int64_t num_values, int64_t* starts) {
  if (num_bags < 0 || num_given != num_bags + (offsets_form ? 1 : 0)) {
    return make_error(ErrorCode::kLengthMismatch, offsets_form ? Argument::kOffsets : Argument::kLengths, -1, num_given);
  }
  if (offsets_form) {
    if (Status s = validate_offsets(given, num_given, num_values); !s.ok()) return s;
    for (int64_t k = 0; k <= num_bags; ++k) starts[k] = given[k];
  } else {
    int64_t at = 0;
    for (int64_t k = 0; k < num_bags; ++k) {
      if (given[k] < 0) return make_error(ErrorCode::kNegativeSize, Argument::kLengths, k, given[k]);
      starts[k] = at;
      at += given[k];
    }
    starts[num_bags] = at;
  }
  if (starts[num_bags] != num_values) return make_error(ErrorCode::kLengthMismatch, Argument::kValues, -1, starts[num_bags]);
  return {};
}

Status stack_keys(const int32_t* key_pairs, int64_t num_keys, int64_t batch, const int64_t* starts,
                  const std::vector<int64_t>& table_dims, int64_t total_dim, std::vector<KeySpan>& spans,
                  std::vector<std::vector<int32_t>>& by_table) {
  const auto num_tables = static_cast<int64_t>(table_dims.size());
  for (int64_t k = 0; k < num_keys; ++k) {
    const int32_t t = key_pairs[2 * k];
    if (t < 0 || t >= num_tables) return make_error(ErrorCode::kIndexOutOfRange, Argument::kTable, k, t);
  }
  spans.assign(static_cast<size_t>(num_keys), KeySpan{});
  by_table.resize(static_cast<size_t>(num_tables));
  for (auto& keys : by_table) keys.clear();
  for (int64_t k = 0; k < num_keys; ++k) {
    KeySpan& span = spans[static_cast<size_t>(k)];
    span.table = key_pairs[2 * k];
    span.column = key_pairs[2 * k + 1];
    span.begin = starts[k * batch];
    span.count = starts[(k + 1) * batch] - span.begin;
    by_table[static_cast<size_t>(span.table)].push_back(static_cast<int32_t>(k));
  }
  for (size_t t = 0; t < by_table.size(); ++t) {
    auto& keys = by_table[t];
    // By column: an insertion sort, as a table pools few features (and a
    // second std::sort instantiation would be code in the module for it).
    for (size_t i = 1; i < keys.size(); ++i) {
      const int32_t key = keys[i];
      const int64_t column = spans[static_cast<size_t>(key)].column;
      size_t j = i;
      for (; j > 0 && spans[static_cast<size_t>(keys[j - 1])].column > column; --j) keys[j] = keys[j - 1];
      keys[j] = key;
    }
    // A table's keys write their k x B stacked bags straight into their
    // columns (B bags a group, groups D apart): consecutive columns, inside
    // the output.
    int64_t stacked = 0;
    const int64_t dim = table_dims[t];
    for (size_t slot = 0; slot < keys.size(); ++slot) {
      KeySpan& span = spans[static_cast<size_t>(keys[slot])];
      const int64_t first = spans[static_cast<size_t>(keys[0])].column;
      if (span.column != first + static_cast<int64_t>(slot) * dim || span.column < 0 || span.column + dim > total_dim) {
        return make_error(ErrorCode::kLengthMismatch, Argument::kOutput, keys[slot], span.column);
      }
      span.stack_slot = static_cast<int64_t>(slot);
      span.stack_begin = stacked;
      stacked += span.count;
    }
  }
  return {};
}

int32_t key_at(const std::vector<KeySpan>& spans, const std::vector<int32_t>& table_keys, int64_t p) {
  for (int32_t k : table_keys) {
    const KeySpan& span = spans[static_cast<size_t>(k)];
    if (p >= span.stack_begin && p < span.stack_begin + span.count) return k;
  }
  return -1;
}

bool schedule_tables(const std::vector<int64_t>& work, int threads, std::vector<int32_t>& thread_of,
                     std::vector<int32_t>& order, std::vector<int64_t>& load) {
  order.clear();
  int64_t total = 0;
  for (size_t t = 0; t < work.size(); ++t) {
    if (work[t] <= 0) continue;
    order.push_back(static_cast<int32_t>(t));
    total += work[t];
  }
  if (threads <= 1 || static_cast<int64_t>(order.size()) < threads) return false;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return work[static_cast<size_t>(a)] != work[static_cast<size_t>(b)] ? work[static_cast<size_t>(a)] > work[static_cast<size_t>(b)]
                                                                         : a < b;
  });
  thread_of.assign(work.size(), 0);
  load.assign(static_cast<size_t>(threads), 0);
  for (int32_t t : order) {
    const auto least = std::min_element(load.begin(), load.end()) - load.begin();
    thread_of[static_cast<size_t>(t)] = static_cast<int32_t>(least);
    load[static_cast<size_t>(least)] += work[static_cast<size_t>(t)];
  }
  const int64_t busiest = *std::max_element(load.begin(), load.end());
  return static_cast<double>(busiest) * threads <= 1.1 * static_cast<double>(total);
}

}  // namespace ebag
