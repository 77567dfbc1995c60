// Hand-computed cases for the scaled modes (mean, sqrtn) with and without
// per-sample weights, and their zero-divisor rule (TensorFlow's div_no_nan),
// through the public entry points.
#include <cmath>
#include <vector>

#include "catch.hpp"
#include "ebag/embedding_bag.h"
#include "test_util.h"

using ebag::Bags;
using ebag::Mode;
using ebag::Options;
using test_util::counting_table;

namespace {

Options with(Mode mode, std::optional<int64_t> padding_idx = std::nullopt) {
  Options o;
  o.mode = mode;
  o.padding_idx = padding_idx;
  return o;
}

}  // namespace

TEST_CASE("sqrtn: sum / sqrt(count) without weights, padding counted in neither", "[semantics][sqrtn]") {
  auto w = counting_table(6, 2);  // W[r][k] = 10 r + k
  const int64_t idx[] = {1, 2, 3, 5, 0, 5};
  const int64_t off[] = {0, 4, 5};  // bags [1, 2, 3, 5], [0], [5]
  const auto bags = Bags<int64_t>::from_offsets(idx, 6, off, 3);
  const auto f = test_util::forward(w, 6, 2, bags, with(Mode::kSqrtn, 5));
  REQUIRE(f.status.ok());
  const float scale3 = 1.0f / std::sqrt(3.0f);
  CHECK(f.out[0] == 60.0f * scale3);  // rows 1, 2, 3 (5 is padding)
  CHECK(f.out[1] == 63.0f * scale3);
  CHECK(f.out[2] == 0.0f);            // row 0 / sqrt(1)
  CHECK(f.out[3] == 1.0f);
  CHECK(f.out[4] == 0.0f);            // all padding: zeros
  CHECK(f.out[5] == 0.0f);
}

TEST_CASE("sqrtn and mean with weights: TensorFlow's combiners", "[semantics][sqrtn]") {
  auto w = counting_table(4, 1);  // W[r] = 10 r
  const int64_t idx[] = {1, 2, 3, 3};
  const int64_t off[] = {0, 2};   // bags [1, 2], [3, 3]
  const float psw[] = {3.0f, 4.0f, 2.0f, -2.0f};
  auto bags = Bags<int64_t>::from_offsets(idx, 4, off, 2);
  bags.with_per_sample_weights(psw, 4);
  // sqrtn: (3*10 + 4*20) / sqrt(9 + 16) = 110 / 5 = 22; bag 2: (20*3 - 20*3) / sqrt(8) = 0.
  const auto s = test_util::forward(w, 4, 1, bags, with(Mode::kSqrtn));
  REQUIRE(s.status.ok());
  CHECK(s.out[0] == 110.0f * (1.0f / 5.0f));
  CHECK(s.out[1] == 0.0f);
  // mean: (30 + 80) / (3 + 4); bag 2: weights sum to 0 -> zeros (div_no_nan), not NaN.
  const auto m = test_util::forward(w, 4, 1, bags, with(Mode::kMean));
  REQUIRE(m.status.ok());
  CHECK(m.out[0] == 110.0f * (1.0f / 7.0f));
  CHECK(m.out[1] == 0.0f);

  // Gradients with G = 1: rows get w_i * scale; bag 2 (zero divisor for mean) nothing.
  const std::vector<float> g = {1.0f, 1.0f};
  const auto gm = test_util::backward(w, 4, 1, bags, with(Mode::kMean), g, m.argmax, false);
  REQUIRE(gm.status.ok());
  CHECK(gm.grad[0] == 0.0f);
  CHECK(gm.grad[1] == 3.0f * (1.0f / 7.0f));
  CHECK(gm.grad[2] == 4.0f * (1.0f / 7.0f));
  CHECK(gm.grad[3] == 0.0f);
  // d out / d w_i for mean = (W_i - out) / sum w: (10 - 110/7) / 7, (20 - 110/7) / 7.
  CHECK(gm.grad_psw[0] == Approx((10.0 - 110.0 / 7) / 7).epsilon(1e-6));
  CHECK(gm.grad_psw[1] == Approx((20.0 - 110.0 / 7) / 7).epsilon(1e-6));
  CHECK(gm.grad_psw[2] == 0.0f);
  CHECK(gm.grad_psw[3] == 0.0f);
  // sqrtn: d out / d w_i = W_i / 5 - w_i * out / 25: 10/5 - 3*22/25, 20/5 - 4*22/25.
  const auto gs = test_util::backward(w, 4, 1, bags, with(Mode::kSqrtn), g, s.argmax, true);
  REQUIRE(gs.status.ok());
  CHECK(gs.grad_psw[0] == Approx(2.0 - 66.0 / 25).epsilon(1e-6));
  CHECK(gs.grad_psw[1] == Approx(4.0 - 88.0 / 25).epsilon(1e-6));
  // bag 2 of sqrtn: divisor sqrt(8), out 0: d/dw = 30 / sqrt(8) for both entries (same row).
  CHECK(gs.grad_psw[2] == Approx(30.0 / std::sqrt(8.0)).epsilon(1e-6));
  CHECK(gs.grad_psw[3] == Approx(30.0 / std::sqrt(8.0)).epsilon(1e-6));
  REQUIRE(gs.sparse.rows.size() == 3);  // rows 1, 2, 3
  CHECK(gs.sparse.values[0] == 3.0f * (1.0f / 5.0f));
  CHECK(gs.sparse.values[2] == 2.0f * (1.0f / std::sqrt(8.0f)) + -2.0f * (1.0f / std::sqrt(8.0f)));
}

TEST_CASE("mean with weights by count (a collection's: FBGEMM's TBE): the weighted sum over the bag's length", "[semantics][sqrtn]") {
  auto w = counting_table(4, 1);  // W[r] = 10 r
  const int64_t idx[] = {1, 2, 3, 3, 0};
  const int64_t off[] = {0, 2, 4};  // bags [1, 2], [3, 3], [0 (padding)]
  const float psw[] = {3.0f, 4.0f, 2.0f, -2.0f, 5.0f};
  auto bags = Bags<int64_t>::from_offsets(idx, 5, off, 3);
  bags.with_per_sample_weights(psw, 5);
  Options o = with(Mode::kMean, 0);
  o.weighted_mean_by_count = true;
  const auto m = test_util::forward(w, 4, 1, bags, o);
  REQUIRE(m.status.ok());
  CHECK(m.out[0] == 110.0f * (1.0f / 2.0f));  // (3*10 + 4*20) / 2
  CHECK(m.out[1] == 0.0f * (1.0f / 2.0f));    // (2*30 - 2*30) / 2: weights summing to 0 divide nothing here
  CHECK(m.out[2] == 0.0f);                    // all padding: count 0, zeros
  for (const bool sparse : {false, true}) {
    const std::vector<float> g = {1.0f, 2.0f, 7.0f};
    const auto gm = test_util::backward(w, 4, 1, bags, o, g, m.argmax, sparse);
    REQUIRE(gm.status.ok());
    // The scale 1 / count does not read the weights: d out / d w_i = W_i * G / count.
    CHECK(gm.grad_psw[0] == 10.0f * (1.0f / 2.0f));
    CHECK(gm.grad_psw[1] == 20.0f * (1.0f / 2.0f));
    CHECK(gm.grad_psw[2] == 60.0f * (1.0f / 2.0f));
    CHECK(gm.grad_psw[3] == 60.0f * (1.0f / 2.0f));
    CHECK(gm.grad_psw[4] == 0.0f);  // padding
    if (!sparse) {
      CHECK(gm.grad[1] == 3.0f * (1.0f / 2.0f));
      CHECK(gm.grad[2] == 4.0f * (1.0f / 2.0f));
      CHECK(gm.grad[3] == 2.0f * 2.0f * (1.0f / 2.0f) + 2.0f * -2.0f * (1.0f / 2.0f));
    }
  }
}

TEST_CASE("scaled modes: zero divisors give zeros, never NaN", "[semantics][sqrtn]") {
  auto w = counting_table(3, 2);
  const int64_t idx[] = {0, 1, 2};
  const int64_t off[] = {0, 0, 2};  // an empty bag, [0, 1] with weights 0, [2] with weight 0
  const float psw[] = {0.0f, 0.0f, 0.0f};
  for (Mode mode : {Mode::kMean, Mode::kSqrtn}) {
    auto bags = Bags<int64_t>::from_offsets(idx, 3, off, 3);
    bags.with_per_sample_weights(psw, 3);
    const auto f = test_util::forward(w, 3, 2, bags, with(mode));
    REQUIRE(f.status.ok());
    for (float v : f.out) CHECK(v == 0.0f);
    const auto g = test_util::backward(w, 3, 2, bags, with(mode), std::vector<float>(6, 1.0f), f.argmax, false);
    REQUIRE(g.status.ok());
    for (float v : g.grad) CHECK(v == 0.0f);
    for (float v : g.grad_psw) CHECK(v == 0.0f);
  }
}
