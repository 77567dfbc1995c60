// Many tables in one call: TorchRec's EmbeddingBagCollection over a
// KeyedJaggedTensor (KJT), as the checks and plans such a call needs. The
// forward and backward of each table stay ebag::forward / backward_* over
// its own bags; these functions say which bags those are, check the call as
// a whole before any table runs, and plan how tables share threads.
//
// A KJT of K keys and batch B:
//   values        the ids, key-major: key 0's bags for samples 0..B-1, then key 1's, ...
//   lengths       K x B bag sizes (>= 0, summing to the number of values), or
//   offsets       K x B + 1 bag starts (from 0, never decreasing, ending at the number of values)
//   weights       optional, one per id
// Each key is pooled by one table (several keys may share a table) into
// its columns of the output [B, total_dim] (TorchRec's KeyedTensor):
//
//   for key k of table t, sample b, column d < D_t:
//     out[b][column_k + d] = ebag::forward over table t of the bag
//                            values[starts[k*B + b] : starts[k*B + b + 1]] (weights alike)
//
// Stacking: table t runs once per call, on its keys' bags one after another
// in the order of their columns (k_t keys x B bags), so its backward sums the
// gradients of every key that shares it, in that order. Bits do not depend
// on threads: each bag is computed as one table's forward computes it alone.
#pragma once

#include <cstdint>
#include <vector>

#include "ebag/embedding_bag.h"

namespace ebag {

// Where each of num_bags bags starts in values: starts[0..num_bags], from
// `given`, TorchRec's lengths (num_given = num_bags) or offsets (num_given =
// num_bags + 1). Checked: a lengths entry < 0 (kNegativeSize at its
// position), offsets not starting at 0, decreasing, or past the values
// (validate.cc's rules for a bag's offsets), a count that does not match
// (kLengthMismatch: kLengths / kOffsets with the count given, kValues with
// what the bags add up to). Nothing is written past starts[num_bags].
Status kjt_bag_starts(const int32_t* given, int64_t num_given, bool offsets_form, int64_t num_bags,
                      int64_t num_values, int64_t* starts);

// One key of the call: its table and first output column (as given), where
// its ids are in values (begin, count), and its place in its table's stacked
// call (slot among the table's keys, first id there).
struct KeySpan {
  int32_t table = 0;
  int64_t column = 0;
  int64_t begin = 0;
  int64_t count = 0;
  int64_t stack_slot = 0;
  int64_t stack_begin = 0;
};

// The stacking plan of a call: key_pairs holds num_keys (table, first
// column) pairs; starts is kjt_bag_starts' (num_keys x batch + 1). Fills
// spans (one per key) and by_table (per table, its keys by column; the
// call's scratch, partly written when it fails). Checked: every table in
// [0, num_tables) (kIndexOutOfRange, argument kTable, at the key, before
// anything is written), and each table's keys in consecutive columns
// table_dims[t] apart, inside [0, total_dim) (kLengthMismatch, argument
// kOutput, at the key). A table may have no key.
Status stack_keys(const int32_t* key_pairs, int64_t num_keys, int64_t batch, const int64_t* starts,
                  const std::vector<int64_t>& table_dims, int64_t total_dim, std::vector<KeySpan>& spans,
                  std::vector<std::vector<int32_t>>& by_table);

// The key of table t whose stacked ids hold position p of t's call, or -1
// (a table's error position mapped back onto the KJT).
int32_t key_at(const std::vector<KeySpan>& spans, const std::vector<int32_t>& table_keys, int64_t p);

// Whole tables to threads, or not. work[t]: table t's share of the call
// (its ids x D + 1; 0 for a table outside the call). Tables are taken
// largest first (ties by number: the same plan every time), each to the
// least loaded of `threads`; the plan is taken when no thread carries more
// than 10% above an even share (many tables of like size: one dispatch for
// all, rather than one per table split by its bags). Returns whether it is
// taken; thread_of[t] is then table t's thread. order, load: scratch.
bool schedule_tables(const std::vector<int64_t>& work, int threads, std::vector<int32_t>& thread_of,
                     std::vector<int32_t>& order, std::vector<int64_t>& load);

}  // namespace ebag
