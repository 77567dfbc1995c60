// The collection's library functions (include/ebag/collection.h) and the
// state the JavaScript classes hold (bindings/: BagCore, CollectionCore),
// natively under ASan + UBSan: a KJT's bag starts and their refusals, the
// stacking plan, the table schedule; a CollectionCore driven as the wrapper
// drives it (stage, forward, backward) against one BagCore per (key,
// table), bit for bit, on one thread and on the pool; hostile staged calls
// (tables out of range, columns that overlap, counts that do not add up)
// refused with nothing run.
#include <cstdint>
#include <cstring>
#include <memory>
#include <algorithm>
#include <random>
#include <vector>

#include <string>

#include "bag_core.h"
#include "catch.hpp"
#include "collection_core.h"
#include "ebag/collection.h"
#include "module_threads.h"
#include "nlohmann/json.hpp"
#include "registry_json.h"

using ebag::Argument;
using ebag::ErrorCode;
using ebag::KeySpan;
using ebag::bindings::BagCore;
using ebag::bindings::CollectionCore;

namespace {

template <typename T>
T* at(size_t address) { return reinterpret_cast<T*>(address); }

// A float32 bag of n x d with W[r][c] = r + c / 8 (sums exact) and `mode`.
std::unique_ptr<BagCore> make_bag(int64_t n, int64_t d, ebag::Mode mode) {
  auto core = std::make_unique<BagCore>(static_cast<double>(n), static_cast<double>(d), 0);
  REQUIRE(core->ok());
  REQUIRE(core->set_options(static_cast<int32_t>(mode), false, 0, false, 0, 2, false, false, false) == 0);
  float* w = at<float>(core->weight_ptr());
  for (int64_t r = 0; r < n; ++r) for (int64_t c = 0; c < d; ++c) w[r * d + c] = static_cast<float>(r) + static_cast<float>(c) / 8;
  return core;
}

// A KJT as the wrapper stages it: key k -> (table, first column).
struct Kjt {
  std::vector<int32_t> keys;  // pairs
  std::vector<int32_t> values;
  std::vector<int32_t> lengths;
  std::vector<float> weights;
};

int32_t stage_and_forward(CollectionCore& c, const Kjt& kjt, int64_t batch, int64_t width, bool offsets_form = false) {
  const auto num_keys = static_cast<int64_t>(kjt.keys.size() / 2);
  std::memcpy(at<int32_t>(c.stage_keys(static_cast<double>(num_keys))), kjt.keys.data(), kjt.keys.size() * 4);
  std::memcpy(at<int32_t>(c.stage_values(ebag::bindings::kInt32, static_cast<double>(kjt.values.size()))), kjt.values.data(),
              kjt.values.size() * 4);
  std::memcpy(at<int32_t>(c.stage_lengths(static_cast<double>(kjt.lengths.size()))), kjt.lengths.data(), kjt.lengths.size() * 4);
  float* w = at<float>(c.stage_weights(static_cast<double>(kjt.weights.size())));
  if (!kjt.weights.empty()) std::memcpy(w, kjt.weights.data(), kjt.weights.size() * 4);
  return c.forward(static_cast<double>(num_keys), static_cast<double>(batch), offsets_form, !kjt.weights.empty(),
                   static_cast<double>(width));
}

// One BagCore forward of bags (offsets form) on `core`: its output.
std::vector<float> alone(BagCore& core, const std::vector<int32_t>& ids, const std::vector<int32_t>& offsets) {
  std::memcpy(at<int32_t>(core.stage_indices(ebag::bindings::kInt32, static_cast<double>(ids.size()))), ids.data(), ids.size() * 4);
  std::memcpy(at<int32_t>(core.stage_offsets(ebag::bindings::kInt32, static_cast<double>(offsets.size()))), offsets.data(),
              offsets.size() * 4);
  REQUIRE(core.forward(true, 0, 0, false) == 0);
  const float* out = at<float>(core.output_ptr());
  return std::vector<float>(out, out + static_cast<size_t>(core.last_num_bags() * static_cast<double>(core.embedding_dim())));
}

}  // namespace

TEST_CASE("kjt_bag_starts: lengths and offsets, and every refusal", "[bindings][collection]") {
  std::vector<int64_t> starts(7, -9);
  const std::vector<int32_t> lengths = {1, 0, 2, 3, 0, 1};
  REQUIRE(ebag::kjt_bag_starts(lengths.data(), 6, false, 6, 7, starts.data()).ok());
  CHECK(starts == std::vector<int64_t>{0, 1, 1, 3, 6, 6, 7});
  const std::vector<int32_t> offsets = {0, 1, 1, 3, 6, 6, 7};
  std::fill(starts.begin(), starts.end(), -9);
  REQUIRE(ebag::kjt_bag_starts(offsets.data(), 7, true, 6, 7, starts.data()).ok());
  CHECK(starts == std::vector<int64_t>{0, 1, 1, 3, 6, 6, 7});

  auto refused = [&](std::vector<int32_t> given, bool offsets_form, int64_t bags, int64_t values) {
    std::vector<int64_t> out(static_cast<size_t>(bags) + 2, -9);
    const ebag::Status s = ebag::kjt_bag_starts(given.data(), static_cast<int64_t>(given.size()), offsets_form, bags, values, out.data());
    CHECK(out.back() == -9);  // nothing past starts[bags]
    return s;
  };
  ebag::Status s = refused({1, -1, 2}, false, 3, 2);
  CHECK((s.code == ErrorCode::kNegativeSize && s.argument == Argument::kLengths && s.position == 1 && s.value == -1));
  s = refused({1, 1, 2}, false, 3, 5);
  CHECK((s.code == ErrorCode::kLengthMismatch && s.argument == Argument::kValues && s.value == 4));
  s = refused({1, 1}, false, 3, 2);
  CHECK((s.code == ErrorCode::kLengthMismatch && s.argument == Argument::kLengths && s.value == 2));
  s = refused({1, 1, 2, 3}, true, 3, 3);
  CHECK((s.code == ErrorCode::kFirstOffsetNotZero && s.position == 0));
  s = refused({0, 2, 1, 3}, true, 3, 3);
  CHECK((s.code == ErrorCode::kOffsetsDecreasing && s.position == 2 && s.value == 1));
  s = refused({0, 5, 5, 5}, true, 3, 3);
  CHECK((s.code == ErrorCode::kOffsetPastEnd && s.position == 1));
  s = refused({0, 1, 2, 2}, true, 3, 3);
  CHECK((s.code == ErrorCode::kLengthMismatch && s.argument == Argument::kValues && s.value == 2));
  s = refused({0, 1, 2}, true, 3, 3);
  CHECK((s.code == ErrorCode::kLengthMismatch && s.argument == Argument::kOffsets));
}

TEST_CASE("stack_keys: each table's keys by column, stacked; tables and columns checked", "[bindings][collection]") {
  // Keys: 0 -> table 1 at column 4, 1 -> table 0 at column 0, 2 -> table 1 at column 2 (both tables D 2).
  const std::vector<int32_t> pairs = {1, 4, 0, 0, 1, 2};
  const std::vector<int64_t> starts = {0, 2, 3, 3, 4, 6, 9};  // 3 keys x B 2
  std::vector<KeySpan> spans;
  std::vector<std::vector<int32_t>> by_table;
  REQUIRE(ebag::stack_keys(pairs.data(), 3, 2, starts.data(), {2, 2}, 6, spans, by_table).ok());
  CHECK(by_table == std::vector<std::vector<int32_t>>{{1}, {2, 0}});
  // Table 1 stacks key 2 (column 2: ids 4..8) before key 0 (column 4: ids 0..2).
  CHECK((spans[0].begin == 0 && spans[0].count == 3 && spans[0].stack_slot == 1 && spans[0].stack_begin == 5));
  CHECK((spans[2].begin == 4 && spans[2].count == 5 && spans[2].stack_slot == 0 && spans[2].stack_begin == 0));
  CHECK(ebag::key_at(spans, by_table[1], 4) == 2);
  CHECK(ebag::key_at(spans, by_table[1], 5) == 0);
  CHECK(ebag::key_at(spans, by_table[1], 8) == -1);

  const std::vector<int32_t> bad_table = {1, 4, 2, 0, 1, 2};
  ebag::Status s = ebag::stack_keys(bad_table.data(), 3, 2, starts.data(), {2, 2}, 6, spans, by_table);
  CHECK((s.code == ErrorCode::kIndexOutOfRange && s.argument == Argument::kTable && s.position == 1 && s.value == 2));
  const std::vector<int32_t> negative_table = {-1, 0};
  s = ebag::stack_keys(negative_table.data(), 1, 2, starts.data(), {2}, 2, spans, by_table);
  CHECK((s.code == ErrorCode::kIndexOutOfRange && s.argument == Argument::kTable));
  const std::vector<int32_t> gap = {1, 5, 0, 0, 1, 2};  // table 1's keys at 2 and 5: not D apart
  s = ebag::stack_keys(gap.data(), 3, 2, starts.data(), {2, 2}, 7, spans, by_table);
  CHECK((s.code == ErrorCode::kLengthMismatch && s.argument == Argument::kOutput && s.position == 0));
  const std::vector<int32_t> past = {1, 4, 0, 0, 1, 2};
  s = ebag::stack_keys(past.data(), 3, 2, starts.data(), {2, 2}, 5, spans, by_table);
  CHECK((s.code == ErrorCode::kLengthMismatch && s.argument == Argument::kOutput));
}

TEST_CASE("schedule_tables: whole tables to threads when they balance, largest first, the same plan every time", "[bindings][collection]") {
  std::vector<int32_t> thread_of, order;
  std::vector<int64_t> load;
  // Four like tables on two threads: balanced.
  REQUIRE(ebag::schedule_tables({100, 100, 101, 99}, 2, thread_of, order, load));
  CHECK(order == std::vector<int32_t>{2, 0, 1, 3});
  CHECK(thread_of == std::vector<int32_t>{1, 1, 0, 0});
  CHECK(load == std::vector<int64_t>{200, 200});
  // One table dominates: split by bag instead.
  CHECK_FALSE(ebag::schedule_tables({1000, 10, 10}, 2, thread_of, order, load));
  // Fewer tables in the call than threads, or one thread: by bag.
  CHECK_FALSE(ebag::schedule_tables({100, 0, 0}, 2, thread_of, order, load));
  CHECK_FALSE(ebag::schedule_tables({100, 100}, 1, thread_of, order, load));
  // Ties by number.
  REQUIRE(ebag::schedule_tables({50, 50, 50, 50}, 2, thread_of, order, load));
  CHECK(order == std::vector<int32_t>{0, 1, 2, 3});
}

TEST_CASE("CollectionCore: forward and backward equal one BagCore per key, bit for bit; refusals change nothing", "[bindings][collection]") {
  for (int threads : {1, 2}) {
    ebag::bindings::start_threads(threads);
    ebag::bindings::set_min_parallel_work(0);
    INFO("threads " << threads);
    // Tables: users (n 50, D 4, sum) with one key; items (n 30, D 3, mean) with two.
    auto users = make_bag(50, 4, ebag::Mode::kSum);
    auto items = make_bag(30, 3, ebag::Mode::kMean);
    auto check = make_bag(30, 3, ebag::Mode::kMean);
    auto check_users = make_bag(50, 4, ebag::Mode::kSum);
    CollectionCore c;
    c.add_table(static_cast<double>(users->address()));
    c.add_table(static_cast<double>(items->address()));
    // Output columns: user_id [0, 4), item_id [4, 7), history [7, 10). KJT keys in another order.
    Kjt kjt;
    kjt.keys = {1, 7, 0, 0, 1, 4};  // history, user_id, item_id
    const int64_t batch = 3;
    kjt.lengths = {2, 0, 3, 1, 1, 1, 1, 2, 1};
    kjt.values = {5, 6, 1, 2, 3, 10, 20, 49, 0, 7, 8, 29};
    REQUIRE(stage_and_forward(c, kjt, batch, 10) == 0);
    const float* out = at<float>(c.output_ptr());
    // Per key, alone: history = values[0..5), user_id = [5..8), item_id = [8..12).
    const auto history = alone(*check, {5, 6, 1, 2, 3}, {0, 2, 2});
    const auto user_id = alone(*check_users, {10, 20, 49}, {0, 1, 2});
    const auto item_id = alone(*check, {0, 7, 8, 29}, {0, 1, 3});
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t d = 0; d < 4; ++d) CHECK(out[b * 10 + d] == user_id[b * 4 + d]);
      for (int64_t d = 0; d < 3; ++d) CHECK(out[b * 10 + 4 + d] == item_id[b * 3 + d]);
      for (int64_t d = 0; d < 3; ++d) CHECK(out[b * 10 + 7 + d] == history[b * 3 + d]);
    }
    CHECK(c.table_ids(1) == 9);

    // Backward: the items table's gradient sums its two keys' slices.
    float* grad = at<float>(c.stage_grad_output(30));
    for (int i = 0; i < 30; ++i) grad[i] = static_cast<float>(i % 7) - 3;
    REQUIRE(c.backward(30, false, false) == 0);
    const float* g_items = at<float>(items->grad_weight_ptr());
    std::vector<double> expected(30 * 3, 0.0);
    auto add_key = [&](const std::vector<int32_t>& ids, const std::vector<int32_t>& offs, int64_t column) {
      for (int64_t b = 0; b < batch; ++b) {
        const int32_t begin = offs[static_cast<size_t>(b)];
        const int32_t end = b + 1 < batch ? offs[static_cast<size_t>(b + 1)] : static_cast<int32_t>(ids.size());
        for (int32_t i = begin; i < end; ++i) {
          for (int64_t d = 0; d < 3; ++d) expected[static_cast<size_t>(ids[static_cast<size_t>(i)] * 3 + d)] += grad[b * 10 + column + d] / (end - begin);
        }
      }
    };
    add_key({0, 7, 8, 29}, {0, 1, 3}, 4);
    add_key({5, 6, 1, 2, 3}, {0, 2, 2}, 7);
    for (size_t i = 0; i < expected.size(); ++i) CHECK(g_items[i] == Approx(expected[i]).margin(1e-6));

    // Refusals: nothing runs, the last forward stays the one backward reads.
    const std::vector<float> before(out, out + 30);
    Kjt bad = kjt;
    bad.values[9] = 30;  // item_id's sample 1: out of the items table
    REQUIRE(stage_and_forward(c, bad, batch, 10) == static_cast<int32_t>(ErrorCode::kIndexOutOfRange));
    CHECK((c.error_argument() == static_cast<int32_t>(Argument::kValues) && c.error_position() == 9 && c.error_key() == 2 &&
           c.error_table() == 1));
    bad = kjt;
    bad.keys[0] = 5;  // a table the collection does not have
    REQUIRE(stage_and_forward(c, bad, batch, 10) == static_cast<int32_t>(ErrorCode::kIndexOutOfRange));
    CHECK((c.error_argument() == static_cast<int32_t>(Argument::kTable) && c.error_key() == 0));
    bad = kjt;
    bad.keys[1] = 8;  // history's columns overlap item_id's
    CHECK(stage_and_forward(c, bad, batch, 10) == static_cast<int32_t>(ErrorCode::kLengthMismatch));
    bad = kjt;
    bad.lengths[4] = -2;
    CHECK(stage_and_forward(c, bad, batch, 10) == static_cast<int32_t>(ErrorCode::kNegativeSize));
    bad = kjt;
    bad.lengths.pop_back();
    CHECK(stage_and_forward(c, bad, batch, 10) == static_cast<int32_t>(ErrorCode::kLengthMismatch));
    bad = kjt;
    bad.weights.assign(3, 1.0f);  // not one per id
    CHECK(stage_and_forward(c, bad, batch, 10) == static_cast<int32_t>(ErrorCode::kLengthMismatch));
    CHECK(std::memcmp(before.data(), at<float>(c.output_ptr()), 30 * sizeof(float)) == 0);
    REQUIRE(c.backward(30, false, false) == 0);  // still the good forward's

    // A table used alone since the collection's forward: its backward is refused.
    alone(*items, {1}, {0});
    CHECK(c.backward(30, false, false) == static_cast<int32_t>(ErrorCode::kTableCalledAlone));
    ebag::bindings::stop_threads();
  }
}

TEST_CASE("CollectionCore: many like tables run whole on the pool give the bits of one thread", "[bindings][collection]") {
  std::mt19937 rng(20261204);
  std::vector<std::unique_ptr<BagCore>> tables;
  std::vector<std::vector<float>> outputs;
  for (int threads : {1, 2}) {
    ebag::bindings::start_threads(threads);
    ebag::bindings::set_min_parallel_work(0);
    tables.clear();
    CollectionCore c;
    Kjt kjt;
    const int64_t batch = 16;
    rng.seed(7);
    for (int32_t t = 0; t < 8; ++t) {
      tables.push_back(make_bag(100, 5, t % 2 ? ebag::Mode::kMax : ebag::Mode::kSum));
      c.add_table(static_cast<double>(tables.back()->address()));
      kjt.keys.push_back(t);
      kjt.keys.push_back(t * 5);
      for (int64_t b = 0; b < batch; ++b) {
        const int32_t n = static_cast<int32_t>(rng() % 4);
        kjt.lengths.push_back(n);
        for (int32_t i = 0; i < n; ++i) kjt.values.push_back(static_cast<int32_t>(rng() % 100));
      }
    }
    REQUIRE(stage_and_forward(c, kjt, batch, 40) == 0);
    const float* out = at<float>(c.output_ptr());
    outputs.emplace_back(out, out + batch * 40);
    ebag::bindings::stop_threads();
  }
  CHECK(outputs[0] == outputs[1]);
}

TEST_CASE("BagCore: gradOutput of another length than the last forward's is refused at staging, nothing grown", "[bindings]") {
  auto core = make_bag(10, 4, ebag::Mode::kSum);
  alone(*core, {1, 2, 3}, {0, 2});  // 2 bags x 4
  const double held = core->held_bytes();
  CHECK(core->stage_grad_output(1 << 20) == 0);
  CHECK(core->status_code() == static_cast<int32_t>(ebag::ErrorCode::kLengthMismatch));
  CHECK(core->held_bytes() == held);
  float* grad = at<float>(core->stage_grad_output(8));
  REQUIRE(grad != nullptr);
  std::fill(grad, grad + 8, 1.0f);
  CHECK(core->backward(8, false, false) == 0);
}

TEST_CASE("BagCore: rows staged and quantized chunk by chunk equal quantize_from of the whole table", "[bindings]") {
  const int64_t n = 11, d = 5;
  BagCore source(n, d, 0);
  auto* w = at<float>(source.weight_ptr());
  for (int64_t i = 0; i < n * d; ++i) w[i] = static_cast<float>((i * 7919) % 23) * 0.37f - 3.0f;
  const int32_t int8 = static_cast<int32_t>(ebag::RowFormat::kInt8RowWise);
  BagCore whole(n, d, int8);
  REQUIRE(whole.quantize_from(source) == 0);
  BagCore chunked(n, d, int8);
  for (int64_t first = 0; first < n; first += 4) {
    const int64_t rows = std::min<int64_t>(4, n - first);
    auto* staged = at<float>(chunked.stage_float_rows(4));
    REQUIRE(staged != nullptr);
    std::memcpy(staged, w + first * d, static_cast<size_t>(rows * d) * sizeof(float));
    REQUIRE(chunked.quantize_staged_rows(static_cast<double>(first), static_cast<double>(rows)) == 0);
  }
  const auto bytes = static_cast<size_t>(n * whole.row_bytes());
  CHECK(std::memcmp(at<uint8_t>(whole.weight_ptr()), at<uint8_t>(chunked.weight_ptr()), bytes) == 0);
  // Rows past the table or the staged room, and a float32 table: refused.
  CHECK(chunked.quantize_staged_rows(8, 4) == static_cast<int32_t>(ErrorCode::kLengthMismatch));
  CHECK(chunked.quantize_staged_rows(0, 5) == static_cast<int32_t>(ErrorCode::kLengthMismatch));
  CHECK(chunked.quantize_staged_rows(-1, 1) == static_cast<int32_t>(ErrorCode::kLengthMismatch));
  CHECK(source.stage_float_rows(1) == 0);
  CHECK(source.quantize_staged_rows(0, 1) == static_cast<int32_t>(ErrorCode::kTableMismatch));
  CHECK(std::memcmp(at<uint8_t>(whole.weight_ptr()), at<uint8_t>(chunked.weight_ptr()), bytes) == 0);
  const double held = chunked.held_bytes();
  chunked.release_staged_rows();
  CHECK(chunked.held_bytes() < held);
}

TEST_CASE("the registry JSON parses and holds every list: hyper-parameters and per-call exports included", "[bindings][registry]") {
  const auto r = nlohmann::json::parse(ebag::bindings::registry_json());
  CHECK(r["hyperparameters"].size() == ebag::kNumHyperparameters + 1);  // and the closing null
  int hot_calls = 0;
#define EBAG_HOT_CALL(...) ++hot_calls;
#include "hot_calls.inc"
#undef EBAG_HOT_CALL
  const std::string calls = r["hotCalls"];
  CHECK(std::count(calls.begin(), calls.end(), ' ') == hot_calls);
  CHECK(calls.find("collection_forward:5:0 ") != std::string::npos);
  CHECK(calls.find("stage_indices:2:1 ") == 0);
  CHECK(r["maxSize"] == 2147483647);
}
