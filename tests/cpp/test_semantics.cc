// Hand-computed cases for each point of the header's semantics, through the
// public entry points (the best kernels of the build).
#include <cmath>
#include <cstring>

#include "catch.hpp"
#include "ebag/embedding_bag.h"
#include "test_util.h"

using ebag::Bags;
using ebag::Mode;
using ebag::Options;
using test_util::counting_table;

namespace {

Options with_mode(Mode mode) {
  Options o;
  o.mode = mode;
  return o;
}

}  // namespace

TEST_CASE("lucid example: 20 x 8 mean on [[1,3,5],[0,2,4]] gives (2, 8)", "[semantics]") {
  auto w = counting_table(20, 8);
  const int64_t idx[] = {1, 3, 5, 0, 2, 4};
  const auto bags = Bags<int64_t>::from_2d(idx, 2, 3);
  REQUIRE(ebag::num_bags(bags, Options{}) == 2);  // default mode is mean
  const auto f = test_util::forward(w, 20, 8, bags, Options{});
  REQUIRE(f.status.ok());
  REQUIRE(f.out.size() == 2 * 8);
  for (int k = 0; k < 8; ++k) {
    CHECK(f.out[k] == 30.0f + k);      // (10 + 30 + 50) / 3 + k
    CHECK(f.out[8 + k] == 20.0f + k);  // (0 + 20 + 40) / 3 + k
  }
}

TEST_CASE("lucid example: 10 x 4 sum with offsets [0,2,5] gives (3, 4)", "[semantics]") {
  auto w = counting_table(10, 4);
  const int64_t idx[] = {0, 1, 2, 3, 4, 5};
  const int64_t off[] = {0, 2, 5};
  const auto bags = Bags<int64_t>::from_offsets(idx, 6, off, 3);
  const auto f = test_util::forward(w, 10, 4, bags, with_mode(Mode::kSum));
  REQUIRE(f.status.ok());
  REQUIRE(f.out.size() == 3 * 4);
  for (int k = 0; k < 4; ++k) {
    CHECK(f.out[k] == 10.0f + 2 * k);      // rows 0, 1
    CHECK(f.out[4 + k] == 90.0f + 3 * k);  // rows 2, 3, 4
    CHECK(f.out[8 + k] == 50.0f + k);      // row 5
  }
}

TEST_CASE("int32 and int64 indices give the same result", "[semantics]") {
  auto w = counting_table(7, 3);
  const int32_t idx32[] = {6, 0, 6, 2};
  const int64_t idx64[] = {6, 0, 6, 2};
  const int32_t off32[] = {0, 1};
  const int64_t off64[] = {0, 1};
  for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kMax}) {
    const auto a = test_util::forward(w, 7, 3, Bags<int32_t>::from_offsets(idx32, 4, off32, 2), with_mode(mode));
    const auto b = test_util::forward(w, 7, 3, Bags<int64_t>::from_offsets(idx64, 4, off64, 2), with_mode(mode));
    const auto c = test_util::forward(w, 7, 3, Bags<int32_t, int64_t>::from_offsets(idx32, 4, off64, 2), with_mode(mode));
    REQUIRE(a.status.ok());
    CHECK(a.out == b.out);
    CHECK(a.out == c.out);
  }
  const auto s = test_util::forward(w, 7, 3, Bags<int32_t>::from_offsets(idx32, 4, off32, 2), with_mode(Mode::kSum));
  CHECK(s.out == std::vector<float>{60, 61, 62, 80, 83, 86});
}

TEST_CASE("empty bags give zeros in every mode; max records -1", "[semantics]") {
  auto w = counting_table(5, 2);
  const int64_t idx[] = {3, 4};
  const int64_t off[] = {0, 0, 2, 2};  // bags: [], [3, 4], [], []
  for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kMax}) {
    const auto f = test_util::forward(w, 5, 2, Bags<int64_t>::from_offsets(idx, 2, off, 4), with_mode(mode));
    REQUIRE(f.status.ok());
    CHECK(f.out[0] == 0.0f);
    CHECK(f.out[1] == 0.0f);
    CHECK(f.out[4] == 0.0f);
    CHECK(f.out[7] == 0.0f);
    if (mode == Mode::kMax) {
      CHECK(f.argmax == std::vector<int32_t>{-1, -1, 4, 4, -1, -1, -1, -1});
      CHECK(f.out[2] == 40.0f);
    }
  }
  // 2-D with L = 0: B empty bags.
  const auto f = test_util::forward(w, 5, 2, Bags<int64_t>::from_2d(idx, 3, 0), with_mode(Mode::kMean));
  REQUIRE(f.status.ok());
  CHECK(f.out == std::vector<float>(6, 0.0f));
  // No offsets (B = 0): nothing to write, not an error.
  const auto e = test_util::forward(w, 5, 2, Bags<int64_t>::from_offsets(idx, 2, off, 0), with_mode(Mode::kSum));
  CHECK(e.status.ok());
  CHECK(e.out.empty());
}

TEST_CASE("padding_idx: skipped, not counted, no gradient; negative wraps", "[semantics]") {
  auto w = counting_table(6, 2);
  const int64_t idx[] = {5, 1, 5, 3, 5, 5};
  const int64_t off[] = {0, 4};  // bags: [5, 1, 5, 3], [5, 5]
  const auto bags = Bags<int64_t>::from_offsets(idx, 6, off, 2);
  for (int64_t pad : {5, -1}) {
    Options o = with_mode(Mode::kMean);
    o.padding_idx = pad;
    const auto f = test_util::forward(w, 6, 2, bags, o);
    REQUIRE(f.status.ok());
    CHECK(f.out == std::vector<float>{20, 21, 0, 0});  // (10 + 30) / 2; all-padding bag -> 0
    const auto g = test_util::backward(w, 6, 2, bags, o, {2, 4, 8, 16}, {}, false);
    REQUIRE(g.status.ok());
    CHECK(g.grad == std::vector<float>{0, 0, 1, 2, 0, 0, 1, 2, 0, 0, 0, 0});
    const auto s = test_util::backward(w, 6, 2, bags, o, {2, 4, 8, 16}, {}, true);
    REQUIRE(s.status.ok());
    CHECK(test_util::to_vector(s.sparse.rows) == std::vector<int32_t>{1, 3});
    CHECK(test_util::to_vector(s.sparse.values) == std::vector<float>{1, 2, 1, 2});
    o.mode = Mode::kMax;
    const auto m = test_util::forward(w, 6, 2, bags, o);
    CHECK(m.out == std::vector<float>{30, 31, 0, 0});
    CHECK(m.argmax == std::vector<int32_t>{3, 3, -1, -1});
  }
}

TEST_CASE("max: strict >, the first occurrence wins ties; gradient to the arg-max row", "[semantics]") {
  // rows: 0 = [1, 5], 1 = [3, 5], 2 = [3, 2]
  std::vector<float> w = {1, 5, 3, 5, 3, 2};
  const int32_t idx[] = {0, 1, 2, 2, 1};
  const int32_t off[] = {0, 3};
  const auto bags = Bags<int32_t>::from_offsets(idx, 5, off, 2);
  const auto f = test_util::forward(w, 3, 2, bags, with_mode(Mode::kMax));
  REQUIRE(f.status.ok());
  CHECK(f.out == std::vector<float>{3, 5, 3, 5});
  CHECK(f.argmax == std::vector<int32_t>{1, 0, 2, 1});
  const auto g = test_util::backward(w, 3, 2, bags, with_mode(Mode::kMax), {1, 2, 4, 8}, f.argmax, false);
  REQUIRE(g.status.ok());
  CHECK(g.grad == std::vector<float>{0, 2, 1, 8, 4, 0});
}

TEST_CASE("include_last_offset: B + 1 offsets; trailing indices ignored by every mode", "[semantics]") {
  auto w = counting_table(10, 1);
  const int64_t idx[] = {1, 2, 3, 9, 9};
  const int64_t off[] = {0, 2, 3};  // bags [1, 2], [3]; 9, 9 ignored
  Options o = with_mode(Mode::kMean);
  o.include_last_offset = true;
  const auto bags = Bags<int64_t>::from_offsets(idx, 5, off, 3);
  REQUIRE(ebag::num_bags(bags, o) == 2);
  const auto f = test_util::forward(w, 10, 1, bags, o);
  REQUIRE(f.status.ok());
  CHECK(f.out == std::vector<float>{15, 30});  // PyTorch's mean would give 70 / 3 for bag 1
  o.mode = Mode::kSum;
  CHECK(test_util::forward(w, 10, 1, bags, o).out == std::vector<float>{30, 30});
  o.mode = Mode::kMax;
  CHECK(test_util::forward(w, 10, 1, bags, o).out == std::vector<float>{20, 30});
  o.mode = Mode::kSum;
  o.scale_grad_by_freq = true;
  const auto g = test_util::backward(w, 10, 1, bags, o, {1, 1}, {}, true);
  REQUIRE(g.status.ok());
  CHECK(test_util::to_vector(g.sparse.rows) == std::vector<int32_t>{1, 2, 3});  // no gradient for row 9
  // max_norm leaves the ignored rows alone.
  o.scale_grad_by_freq = false;
  o.max_norm = 1.0;
  test_util::forward(w, 10, 1, bags, o);
  CHECK(w[9] == 90.0f);
  CHECK(w[3] <= 1.0f);  // 30 scaled to max_norm
  // Without include_last_offset the same offsets make three bags, the last to the end.
  o = with_mode(Mode::kSum);
  CHECK(test_util::forward(w, 10, 1, bags, o).out.size() == 3);
}

TEST_CASE("2-D input ignores include_last_offset: always B bags", "[semantics]") {
  auto w = counting_table(4, 1);
  const int32_t idx[] = {1, 2, 3, 0};
  Options o = with_mode(Mode::kSum);
  o.include_last_offset = true;
  const auto f = test_util::forward(w, 4, 1, Bags<int32_t>::from_2d(idx, 2, 2), o);
  REQUIRE(f.status.ok());
  CHECK(f.out == std::vector<float>{30, 30});
}

TEST_CASE("per_sample_weights: weighted sum and their gradient", "[semantics]") {
  auto w = counting_table(4, 2);
  const int64_t idx[] = {1, 3, 2, 0};
  const int64_t off[] = {0, 2};
  const float psw[] = {2.0f, 0.5f, -1.0f, 4.0f};
  Options o = with_mode(Mode::kSum);
  o.padding_idx = 0;
  auto bags = Bags<int64_t>::from_offsets(idx, 4, off, 2).with_per_sample_weights(psw, 4);
  const auto f = test_util::forward(w, 4, 2, bags, o);
  REQUIRE(f.status.ok());
  CHECK(f.out == std::vector<float>{35, 37.5f, -20, -21});
  const std::vector<float> g_out = {1, 2, 3, 4};
  const auto g = test_util::backward(w, 4, 2, bags, o, g_out, {}, false);
  REQUIRE(g.status.ok());
  // dot(G[b], W[idx]); padding entry -> 0
  CHECK(g.grad_psw == std::vector<float>{10 + 2 * 11, 30 + 2 * 31, 3 * 20 + 4 * 21, 0});
  CHECK(g.grad == std::vector<float>{0, 0, 2, 4, -3, -4, 0.5f, 1});
}

TEST_CASE("scale_grad_by_freq: the [1, 1, 3] case", "[semantics]") {
  auto w = counting_table(4, 2);
  const int64_t idx[] = {1, 1, 3};
  const int64_t off[] = {0};
  const auto bags = Bags<int64_t>::from_offsets(idx, 3, off, 1);
  const std::vector<float> g_out = {6, 12};
  Options o = with_mode(Mode::kSum);
  o.scale_grad_by_freq = true;
  for (bool sparse : {false, true}) {
    auto g = test_util::backward(w, 4, 2, bags, o, g_out, {}, sparse);
    REQUIRE(g.status.ok());
    // row 1 occurs twice: 2 * G / 2 = G; row 3 once: G.
    if (sparse) {
      CHECK(test_util::to_vector(g.sparse.rows) == std::vector<int32_t>{1, 3});
      CHECK(test_util::to_vector(g.sparse.values) == std::vector<float>{6, 12, 6, 12});
    } else {
      CHECK(g.grad == std::vector<float>{0, 0, 6, 12, 0, 0, 6, 12});
    }
  }
  o.mode = Mode::kMean;  // G / 3 per entry, then / freq
  auto g = test_util::backward(w, 4, 2, bags, o, g_out, {}, false);
  CHECK(g.grad == std::vector<float>{0, 0, 2, 4, 0, 0, 2, 4});
  o.scale_grad_by_freq = false;
  g = test_util::backward(w, 4, 2, bags, o, g_out, {}, false);
  CHECK(g.grad == std::vector<float>{0, 0, 4, 8, 0, 0, 2, 4});
}

TEST_CASE("max_norm: referenced rows above the norm are scaled in place, once", "[semantics]") {
  // row 0 = [3, 4], row 1 = [0.3, 0.4] (below), row 2 = [6, 8] (unreferenced), row 3 = [-3, 4] (padding)
  const std::vector<float> start = {3, 4, 0.3f, 0.4f, 6, 8, -3, 4};
  const int64_t idx[] = {0, 1, 0, 3, 0};
  const int64_t off[] = {0, 2};
  const auto bags = Bags<int64_t>::from_offsets(idx, 5, off, 2);
  struct Case { double p; double norm; };
  for (Case c : {Case{1.0, 7.0}, Case{2.0, 5.0}, Case{3.0, std::cbrt(91.0)}, Case{INFINITY, 4.0}}) {
    INFO("p = " << c.p);
    std::vector<float> w = start;
    Options o = with_mode(Mode::kSum);
    o.max_norm = 1.0;
    o.norm_type = c.p;
    o.padding_idx = 3;
    const auto f = test_util::forward(w, 4, 2, bags, o);
    REQUIRE(f.status.ok());
    const float scale = static_cast<float>(1.0 / (c.norm + 1e-7));
    CHECK(w[0] == 3 * scale);  // scaled once although referenced three times
    CHECK(w[1] == 4 * scale);
    CHECK(w[2] == 0.3f);  // below max_norm: untouched
    CHECK(w[3] == 0.4f);
    CHECK(w[4] == 6.0f);  // not referenced: untouched
    CHECK(w[5] == 8.0f);
    CHECK(w[6] == -3 * scale);  // the padding row too, as PyTorch does
    CHECK(w[7] == 4 * scale);
    CHECK(f.out[0] == w[0] + w[2]);  // forward sees the renormed rows
    CHECK(f.out[2] == w[0] + w[0]);  // bag [0, 3(pad), 0]
  }
}

TEST_CASE("backward is deterministic: same bits on every call", "[semantics]") {
  std::vector<float> w(300 * 19);
  for (size_t j = 0; j < w.size(); ++j) w[j] = std::sin(static_cast<float>(j)) * 3.0f;
  std::vector<int32_t> idx;
  std::vector<int32_t> off;
  for (int b = 0; b < 50; ++b) {
    off.push_back(static_cast<int32_t>(idx.size()));
    for (int k = 0; k < b % 9; ++k) idx.push_back((b * 31 + k * 17) % 300);
  }
  const auto bags = Bags<int32_t>::from_offsets(idx.data(), idx.size(), off.data(), off.size());
  std::vector<float> g_out(50 * 19);
  for (size_t j = 0; j < g_out.size(); ++j) g_out[j] = std::cos(static_cast<float>(j));
  Options o = with_mode(Mode::kMean);
  o.scale_grad_by_freq = true;
  const auto a = test_util::backward(w, 300, 19, bags, o, g_out, {}, false);
  const auto b = test_util::backward(w, 300, 19, bags, o, g_out, {}, false);
  REQUIRE(a.status.ok());
  REQUIRE(std::memcmp(a.grad.data(), b.grad.data(), 4 * a.grad.size()) == 0);
}

TEST_CASE("init_normal: N(0, 1), padding row zero, reproducible from a seed", "[semantics][init]") {
  const int64_t n = 1000, d = 101;
  std::vector<float> a(n * d), b(n * d), c(n * d);
  REQUIRE(ebag::init_normal(ebag::Table{a.data(), n, d}, 42, -2).ok());
  REQUIRE(ebag::init_normal(ebag::Table{b.data(), n, d}, 42, -2).ok());
  REQUIRE(ebag::init_normal(ebag::Table{c.data(), n, d}, 43, std::nullopt).ok());
  CHECK(std::memcmp(a.data(), b.data(), 4 * a.size()) == 0);
  CHECK(std::memcmp(a.data(), c.data(), 4 * a.size()) != 0);
  for (int64_t k = 0; k < d; ++k) CHECK(a[(n - 2) * d + k] == 0.0f);
  double mean = 0, var = 0;
  for (float v : c) mean += v;
  mean /= c.size();
  for (float v : c) var += (v - mean) * (v - mean);
  var /= c.size();
  CHECK(std::fabs(mean) < 0.01);       // 4 sigma for 101000 samples is 0.0126
  CHECK(std::fabs(var - 1.0) < 0.02);
  int64_t beyond_3 = 0;
  for (float v : c) beyond_3 += std::fabs(v) > 3.0f;
  CHECK(beyond_3 > 150);  // expected 0.27% = 273
  CHECK(beyond_3 < 420);
}

TEST_CASE("init_normal: the same bits natively and in wasm", "[semantics][init]") {
  // The checksum below was computed by one build; the suite runs in both, so
  // a libm-dependent (or otherwise platform-dependent) init fails one of them.
  std::vector<float> w(64 * 16);
  REQUIRE(ebag::init_normal(ebag::Table{w.data(), 64, 16}, 2026, std::nullopt).ok());
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the bytes
  const auto* bytes = reinterpret_cast<const unsigned char*>(w.data());
  for (size_t j = 0; j < 4 * w.size(); ++j) hash = (hash ^ bytes[j]) * 1099511628211ull;
  INFO("first values " << w[0] << " " << w[1] << " " << w[2]);
  CHECK(hash == 0xd1eaba5575749c2aull);
}
