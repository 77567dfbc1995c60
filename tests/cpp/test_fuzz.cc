// A bounded random fuzz of the core through its public entry points: valid
// and hostile calls mixed (indices out of range or huge, offsets decreasing
// or past the end, wrong lengths, null buffers, negative and 2^31-sized
// counts, every mode and option). Natively under ASan + UBSan, and as wasm32
// (where a size product truncated to 32 bits would show). Every call either
// fails with nothing written (table, outputs and their guards unchanged) or
// succeeds with the guards after each output intact.
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "ebag/embedding_bag.h"
#include "tester.h"

namespace {

constexpr float kGuard = -31337.0f;

struct FuzzCase {
  int64_t n = 1, d = 1;
  ebag::Options options;
  std::vector<float> table;
  std::vector<int64_t> indices, offsets;
  std::vector<float> psw;
  bool two_d = false, with_psw = false, null_indices = false;
  int64_t rows = 0, row_length = 0, num_indices = 0, num_offsets = 0;
};

FuzzCase make_case(std::mt19937_64& rng) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  FuzzCase c;
  const int64_t ns[] = {1, 2, 7, 300};
  const int64_t ds[] = {1, 3, 4, 16, 65};
  c.n = ns[pick(0, 3)];
  c.d = ds[pick(0, 4)];
  const std::vector<ebag::Mode> modes = all_modes();
  c.options.mode = chance(0.03) ? static_cast<ebag::Mode>(pick(-2, 9)) : modes[pick(0, modes.size() - 1)];
  if (chance(0.3)) c.options.padding_idx = pick(-c.n - 2, c.n + 1);
  if (chance(0.2)) c.options.max_norm = chance(0.1) ? -1.0 : std::uniform_real_distribution<double>(0, 3)(rng);
  if (chance(0.2)) c.options.norm_type = chance(0.1) ? 0.0 : std::uniform_real_distribution<double>(0.5, 4)(rng);
  c.options.scale_grad_by_freq = chance(0.2);
  c.options.include_last_offset = chance(0.3);
  c.table.resize(static_cast<size_t>(c.n * c.d));
  for (auto& v : c.table) v = std::uniform_real_distribution<float>(-2, 2)(rng);
  const int64_t count = pick(0, 40);
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = pick(0, c.n - 1);
    if (chance(0.004)) v = pick(-5, -1);
    if (chance(0.004)) v = c.n + pick(0, 3);
    if (chance(0.002)) v = std::numeric_limits<int64_t>::max() - pick(0, 2);
    c.indices.push_back(v);
  }
  c.num_indices = count;
  c.two_d = chance(0.3);
  if (c.two_d) {
    c.row_length = pick(0, 5);
    c.rows = c.row_length == 0 ? pick(0, 6) : count / c.row_length;
    if (chance(0.1)) c.rows += 1;  // a shape that does not match
    if (chance(0.02)) c.rows = int64_t{1} << 31;
  } else {
    int64_t at = 0;
    const int64_t bags = pick(0, 6);
    for (int64_t b = 0; b < bags; ++b) {
      c.offsets.push_back(at);
      at = std::min(count, at + pick(0, 10));
    }
    if (c.options.include_last_offset) c.offsets.push_back(at);
    if (!c.offsets.empty() && chance(0.1)) c.offsets[pick(0, c.offsets.size() - 1)] = pick(-3, count + 3);
    c.num_offsets = static_cast<int64_t>(c.offsets.size());
    if (chance(0.02)) c.num_offsets = -1;
  }
  if (chance(0.02)) c.num_indices = -3;
  if (chance(0.01)) c.num_indices = int64_t{1} << 31;
  c.null_indices = chance(0.02);
  c.with_psw = chance(0.4);
  c.psw.resize(static_cast<size_t>(count));
  for (auto& v : c.psw) v = std::uniform_real_distribution<float>(-2, 2)(rng);
  if (chance(0.1)) c.psw.resize(static_cast<size_t>(pick(0, count + 2)));
  return c;
}

bool intact(const std::vector<float>& buffer, size_t size) {
  for (size_t k = size; k < buffer.size(); ++k) {
    if (buffer[k] != kGuard) return false;
  }
  return true;
}

template <typename IndexT>
void run(const FuzzCase& c, uint64_t id) {
  INFO("fuzz case " << id << " index=int" << 8 * sizeof(IndexT) << " N=" << c.n << " D=" << c.d << " mode="
                    << static_cast<int>(c.options.mode));
  // Hostile values are narrowed as a caller's int32 arrays would hold them.
  const std::vector<IndexT> indices(c.indices.begin(), c.indices.end());
  const std::vector<IndexT> offsets(c.offsets.begin(), c.offsets.end());
  const IndexT* idx = c.null_indices ? nullptr : indices.data();
  auto bags = c.two_d ? ebag::Bags<IndexT>::from_2d(idx, c.rows, c.row_length)
                      : ebag::Bags<IndexT>::from_offsets(idx, c.num_indices, offsets.data(), c.num_offsets);
  // The array holds count indices: a caller states that length (a 2-D shape
  // that does not multiply to it is kShapeMismatch), or a bad size on purpose.
  bags.num_indices = c.two_d ? static_cast<int64_t>(indices.size()) : c.num_indices;
  if (c.with_psw) bags.with_per_sample_weights(c.psw.data(), static_cast<int64_t>(c.psw.size()));
  std::vector<float> table = c.table;
  const ebag::Table t{table.data(), c.n, c.d};
  const ebag::Status valid = ebag::validate(t, bags, c.options);
  // Outputs sized for a valid call (or a token size), guards after them.
  const int64_t out_size = valid.ok() ? ebag::num_bags(bags, c.options) * c.d : 1;
  std::vector<float> out(static_cast<size_t>(out_size) + 8, kGuard);
  std::vector<int32_t> argmax(static_cast<size_t>(out_size) + 8, -7);
  ebag::Workspace ws;
  const ebag::Status f = ebag::forward(t, bags, c.options, out.data(), argmax.data(), ws);
  REQUIRE(f.code == valid.code);
  if (!f.ok()) {
    REQUIRE(std::memcmp(table.data(), c.table.data(), table.size() * sizeof(float)) == 0);
    REQUIRE(intact(out, 0));
    return;
  }
  REQUIRE(intact(out, static_cast<size_t>(out_size)));
  std::vector<float> grad_out(static_cast<size_t>(out_size), 0.5f);
  std::vector<float> grad(table.size() + 8, kGuard);
  std::vector<float> grad_psw(static_cast<size_t>(std::max<int64_t>(bags.num_indices, 0)) + 8, kGuard);
  const ebag::Status b = ebag::backward_dense(t, bags, c.options, grad_out.data(), out_size, argmax.data(), grad.data(),
                                              grad_psw.data(), ws);
  REQUIRE(b.ok());
  REQUIRE(intact(grad, table.size()));
  REQUIRE(intact(grad_psw, static_cast<size_t>(bags.num_indices)));
  ebag::SparseGradient sparse;
  const ebag::Status s = ebag::backward_sparse(t, bags, c.options, grad_out.data(), out_size, sparse, nullptr, ws);
  REQUIRE(s.ok() == !ebag::mode_traits(c.options.mode)->argmax);
  // A gradient length that does not match is refused, nothing written.
  std::vector<float> untouched(table.size() + 8, kGuard);
  const ebag::Status wrong = ebag::backward_dense(t, bags, c.options, grad_out.data(), out_size + 1, argmax.data(),
                                                  untouched.data(), nullptr, ws);
  REQUIRE(wrong.code == ebag::ErrorCode::kLengthMismatch);
  REQUIRE(intact(untouched, 0));
}

}  // namespace

TEST_CASE("fuzz: random and hostile calls fail cleanly or stay inside their buffers", "[fuzz][slow]") {
  std::mt19937_64 rng(20261202);
  constexpr uint64_t kCases = 10000;
  for (uint64_t id = 0; id < kCases; ++id) {
    const FuzzCase c = make_case(rng);
    run<int64_t>(c, id);
    run<int32_t>(c, id);
  }
}
