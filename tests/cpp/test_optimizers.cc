// ebag::step: backward fused with each sparse optimizer of optimizers.inc.
// The update against its formula in float64 on the rows backward_sparse
// gives (the gradient itself is tested against PyTorch elsewhere), over five
// steps; rows outside the batches untouched; the same bits on any thread
// count; a batch of padding counts a step; errors change nothing.
#include <cmath>
#include <cstring>
#include <vector>

#include "catch.hpp"
#include "ebag/embedding_bag.h"
#include "tester.h"

using ebag::Mode;
using ebag::Optimizer;

namespace {

constexpr int64_t kN = 12, kD = 5;

const std::vector<Optimizer> kOptimizers = {
#define EBAG_OPTIMIZER(Name, number, name, full_states, row_states, ...) Optimizer::k##Name,
#include "ebag/optimizers.inc"
#undef EBAG_OPTIMIZER
};

uint32_t g_state = 17;
float uniform() {
  g_state = g_state * 1103515245u + 12345u;
  return static_cast<float>((g_state >> 9) % 20001) / 10000.0f - 1.0f;
}

struct Batch {
  std::vector<int32_t> indices, offsets;
  std::vector<float> psw, grad;
};

// Bags of 0..4 rows among the first 9 (rows 9..11 never used), duplicates likely.
Batch make_batch(int64_t bags) {
  Batch b;
  for (int64_t k = 0; k < bags; ++k) {
    b.offsets.push_back(static_cast<int32_t>(b.indices.size()));
    const int length = static_cast<int>((uniform() + 1.0f) * 2.5f);
    for (int i = 0; i < length; ++i) b.indices.push_back(static_cast<int32_t>((uniform() + 1.0f) * 4.49f));
  }
  for (size_t i = 0; i < b.indices.size(); ++i) b.psw.push_back(uniform() + 1.5f);
  for (int64_t i = 0; i < bags * kD; ++i) b.grad.push_back(uniform());
  return b;
}

struct Model {
  std::vector<float> w;
  std::vector<float> s0, s1;
  ebag::OptimizerState state;
  explicit Model(float init) : w(kN * kD), s0(kN * kD, init), s1(kN * kD, 0.0f) {
    for (float& x : w) x = uniform();
    state.state[0] = s0.data();
    state.state[1] = s1.data();
  }
};

// The optimizer's update of one row in float64, from float32 inputs.
void expected_update(const ebag::OptimizerOptions& o, int64_t steps, const float* g, double* w, double* s0, double* s1,
                     int64_t r, int64_t kD = ::kD) {
  switch (o.optimizer) {
    case Optimizer::kSgd:
      for (int64_t d = 0; d < kD; ++d) w[d] -= o.lr * g[d];
      break;
    case Optimizer::kAdagrad: {
      const double clr = o.lr / (1 + (steps - 1) * o.lr_decay);
      for (int64_t d = 0; d < kD; ++d) {
        s0[r * kD + d] += double(g[d]) * g[d];
        w[d] -= clr * g[d] / (std::sqrt(s0[r * kD + d]) + o.eps);
      }
      break;
    }
    case Optimizer::kRowwiseAdagrad: {
      double square = 0;
      for (int64_t d = 0; d < kD; ++d) square += double(g[d]) * g[d];
      s0[r] += square / kD;
      for (int64_t d = 0; d < kD; ++d) w[d] -= o.lr * g[d] / (std::sqrt(s0[r]) + o.eps);
      break;
    }
    case Optimizer::kSparseAdam: {
      const double step_size = o.lr * std::sqrt(1 - std::pow(o.beta2, steps)) / (1 - std::pow(o.beta1, steps));
      for (int64_t d = 0; d < kD; ++d) {
        double& m = s0[r * kD + d];
        double& v = s1[r * kD + d];
        m = o.beta1 * m + (1 - o.beta1) * g[d];
        v = o.beta2 * v + (1 - o.beta2) * double(g[d]) * g[d];
        w[d] -= step_size * m / (std::sqrt(v) + o.eps);
      }
      break;
    }
  }
}

ebag::OptimizerOptions options_for(Optimizer optimizer) {
  ebag::OptimizerOptions o;
  o.optimizer = optimizer;
  o.lr = optimizer == Optimizer::kSparseAdam ? 0.05 : 0.3;
  o.lr_decay = optimizer == Optimizer::kAdagrad ? 0.1 : 0.0;
  o.eps = optimizer == Optimizer::kAdagrad ? 1e-10 : 1e-8;
  return o;
}

}  // namespace

TEST_CASE("step: every optimizer, five steps, against its formula in float64; rows outside the batches untouched", "[optimizers]") {
  for (Optimizer optimizer : kOptimizers) {
    for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kSqrtn}) {
      for (int variant = 0; variant < 3; ++variant) {  // plain, per-sample weights, padding + scale_grad_by_freq
        INFO("optimizer=" << static_cast<int>(optimizer) << " mode=" << static_cast<int>(mode) << " variant=" << variant);
        const ebag::OptimizerOptions o = options_for(optimizer);
        ebag::Options options;
        options.mode = mode;
        if (variant == 2) {
          options.padding_idx = 2;
          options.scale_grad_by_freq = true;
        }
        Model model(optimizer == Optimizer::kAdagrad ? 0.1f : 0.0f);
        std::vector<double> w(model.w.begin(), model.w.end()), s0(model.s0.begin(), model.s0.end()), s1(kN * kD, 0.0);
        const std::vector<float> untouched(model.w.begin() + 9 * kD, model.w.end());
        ebag::Workspace ws;
        for (int s = 1; s <= 5; ++s) {
          Batch b = make_batch(6);
          auto bags = ebag::Bags<int32_t>::from_offsets(b.indices.data(), static_cast<int64_t>(b.indices.size()),
                                                        b.offsets.data(), 6);
          if (variant == 1) bags.with_per_sample_weights(b.psw.data(), static_cast<int64_t>(b.psw.size()));
          // The rows and gradient this step uses, from the tested backward_sparse.
          ebag::SparseGradient g;
          REQUIRE(ebag::backward_sparse(ebag::Table{model.w.data(), kN, kD}, bags, options, b.grad.data(),
                                        static_cast<int64_t>(b.grad.size()), g, nullptr, ws).ok());
          REQUIRE(ebag::step(ebag::Table{model.w.data(), kN, kD}, bags, options, b.grad.data(),
                             static_cast<int64_t>(b.grad.size()), nullptr, o, model.state, nullptr, ws).ok());
          REQUIRE(model.state.steps == s);
          for (size_t k = 0; k < g.rows.size(); ++k) {
            const int64_t r = g.rows[k];
            expected_update(o, s, g.values.data() + k * kD, w.data() + r * kD, s0.data(), s1.data(), r);
          }
          for (int64_t i = 0; i < kN * kD; ++i) {
            INFO("step " << s << " [" << i << "]");
            REQUIRE(std::fabs(model.w[i] - w[i]) <= 1e-5 * std::fabs(w[i]) + 1e-6);
          }
          const int64_t state_size = optimizer == Optimizer::kRowwiseAdagrad ? kN : kN * kD;
          if (optimizer != Optimizer::kSgd) {
            for (int64_t i = 0; i < state_size; ++i) REQUIRE(std::fabs(model.s0[i] - s0[i]) <= 1e-5 * std::fabs(s0[i]) + 1e-6);
          }
          if (optimizer == Optimizer::kSparseAdam) {
            for (int64_t i = 0; i < kN * kD; ++i) REQUIRE(std::fabs(model.s1[i] - s1[i]) <= 1e-5 * std::fabs(s1[i]) + 1e-6);
          }
        }
        REQUIRE(std::memcmp(model.w.data() + 9 * kD, untouched.data(), untouched.size() * 4) == 0);
      }
    }
  }
}

TEST_CASE("step on a table larger than the cache (gradient rows fused with the update): the formula, the per-sample weights' gradient of backward", "[optimizers][slow]") {
  constexpr int64_t n = 40000, d = 33;  // 5.3 MB: backward_sparse's grouped path
  for (Optimizer optimizer : kOptimizers) {
    for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kSqrtn}) {
      INFO("optimizer=" << static_cast<int>(optimizer) << " mode=" << static_cast<int>(mode));
      const ebag::OptimizerOptions o = options_for(optimizer);
      ebag::Options options;
      options.mode = mode;
      options.padding_idx = 7;
      std::vector<float> w(n * d), s0(n * d, 0.0f), s1(n * d, 0.0f);
      for (float& x : w) x = uniform();
      ebag::OptimizerState state;
      state.state[0] = s0.data();
      state.state[1] = s1.data();
      std::vector<double> w64(w.begin(), w.end()), s064(n * d, 0.0), s164(n * d, 0.0);
      // The same steps on the pool's threads (threaded build): the same bits.
      ebag::ThreadPool* pool = test_thread_pool();
      std::vector<float> wt(w), s0t(s0), s1t(s1);
      ebag::OptimizerState state_t;
      state_t.state[0] = s0t.data();
      state_t.state[1] = s1t.data();
      ebag::Workspace ws, ws_t;
      for (int s = 1; s <= 3; ++s) {
        std::vector<int32_t> indices, offsets;
        for (int b = 0; b < 300; ++b) {
          offsets.push_back(static_cast<int32_t>(indices.size()));
          const int length = static_cast<int>((uniform() + 1.0f) * 6);
          for (int i = 0; i < length; ++i) {
            // Duplicates (a few hot rows), the padding row, and rows anywhere.
            const float u = uniform();
            indices.push_back(u < -0.6f ? 7 : u < -0.2f ? static_cast<int32_t>((u + 1.0f) * 20) : static_cast<int32_t>((u + 1.0f) * 0.5f * (n - 1)));
          }
        }
        std::vector<float> psw(indices.size()), grad(300 * d);
        for (float& x : psw) x = uniform() + 1.5f;
        for (float& x : grad) x = uniform();
        auto bags = ebag::Bags<int32_t>::from_offsets(indices.data(), static_cast<int64_t>(indices.size()), offsets.data(), 300);
        bags.with_per_sample_weights(psw.data(), static_cast<int64_t>(psw.size()));
        const ebag::Table table{w.data(), n, d};
        ebag::SparseGradient g;
        std::vector<float> psw_grad(indices.size()), psw_grad_step(indices.size());
        REQUIRE(ebag::backward_sparse(table, bags, options, grad.data(), 300 * d, g, psw_grad.data(), ws).ok());
        REQUIRE(ebag::step(table, bags, options, grad.data(), 300 * d, nullptr, o, state, psw_grad_step.data(), ws).ok());
        REQUIRE(psw_grad_step == psw_grad);
        if (pool != nullptr) {
          REQUIRE(ebag::step(ebag::Table{wt.data(), n, d}, bags, options, grad.data(), 300 * d, nullptr, o, state_t, nullptr,
                             ws_t, ebag::Parallelism{pool, 1}).ok());
          REQUIRE(std::memcmp(wt.data(), w.data(), w.size() * 4) == 0);
          REQUIRE(std::memcmp(s0t.data(), s0.data(), s0.size() * 4) == 0);
          REQUIRE(std::memcmp(s1t.data(), s1.data(), s1.size() * 4) == 0);
        }
        for (size_t k = 0; k < g.rows.size(); ++k) {
          const int64_t r = g.rows[k];
          expected_update(o, s, g.values.data() + k * d, w64.data() + r * d, s064.data(), s164.data(), r, d);
        }
        for (int64_t i = 0; i < n * d; ++i) {
          if (std::fabs(w[i] - w64[i]) > 1e-5 * std::fabs(w64[i]) + 1e-6) FAIL("step " << s << " w[" << i << "] = " << w[i] << ", expected " << w64[i]);
        }
        const int64_t state_size = optimizer == Optimizer::kRowwiseAdagrad ? n : n * d;
        for (int64_t i = 0; optimizer != Optimizer::kSgd && i < state_size; ++i) {
          if (std::fabs(s0[i] - s064[i]) > 1e-5 * std::fabs(s064[i]) + 1e-6) FAIL("state[" << i << "]");
        }
      }
    }
  }
}

TEST_CASE("step in max mode: the rows the argmax names, each column's bags summed, as the dense gradient", "[optimizers]") {
  for (Optimizer optimizer : kOptimizers) {
    INFO("optimizer=" << static_cast<int>(optimizer));
    g_state = 5;
    const ebag::OptimizerOptions o = options_for(optimizer);
    ebag::Options options;
    options.mode = Mode::kMax;
    Model model(optimizer == Optimizer::kAdagrad ? 0.1f : 0.0f);
    std::vector<double> w(model.w.begin(), model.w.end()), s0(model.s0.begin(), model.s0.end()), s1(kN * kD, 0.0);
    ebag::Workspace ws;
    for (int s = 1; s <= 5; ++s) {
      Batch b = make_batch(6);  // empty bags among them: argmax -1
      const auto bags = ebag::Bags<int32_t>::from_offsets(b.indices.data(), static_cast<int64_t>(b.indices.size()),
                                                          b.offsets.data(), 6);
      const ebag::Table table{model.w.data(), kN, kD};
      std::vector<float> out(6 * kD);
      std::vector<int32_t> argmax(6 * kD);
      REQUIRE(ebag::forward(table, bags, options, out.data(), argmax.data(), ws).ok());
      std::vector<float> dense(kN * kD);
      REQUIRE(ebag::backward_dense(table, bags, options, b.grad.data(), 6 * kD, argmax.data(), dense.data(), nullptr, ws).ok());
      std::vector<bool> chosen(kN, false);
      for (int32_t r : argmax) {
        if (r >= 0) chosen[r] = true;
      }
      REQUIRE(ebag::step(table, bags, options, b.grad.data(), 6 * kD, argmax.data(), o, model.state, nullptr, ws).ok());
      for (int64_t r = 0; r < kN; ++r) {
        if (chosen[r]) expected_update(o, s, dense.data() + r * kD, w.data() + r * kD, s0.data(), s1.data(), r);
      }
      for (int64_t i = 0; i < kN * kD; ++i) {
        INFO("step " << s << " [" << i << "]");
        REQUIRE(std::fabs(model.w[i] - w[i]) <= 1e-5 * std::fabs(w[i]) + 1e-6);
      }
    }
  }
}

TEST_CASE("step: the same table and state bits on any thread count", "[optimizers][threads]") {
  ebag::ThreadPool* pool = test_thread_pool();
  if (pool == nullptr) return;  // the single-threaded build
  for (Optimizer optimizer : kOptimizers) {
    INFO("optimizer=" << static_cast<int>(optimizer));
    g_state = 99;
    Model one(0.0f);
    g_state = 99;
    Model many(0.0f);
    ebag::Workspace ws1, ws2;
    for (int s = 0; s < 5; ++s) {
      Batch b = make_batch(40);
      const auto bags = ebag::Bags<int32_t>::from_offsets(b.indices.data(), static_cast<int64_t>(b.indices.size()),
                                                          b.offsets.data(), 40);
      ebag::Options options;
      options.mode = s % 2 == 0 ? Mode::kMean : Mode::kMax;
      std::vector<float> out(40 * kD);
      std::vector<int32_t> argmax(40 * kD);
      REQUIRE(ebag::forward(ebag::Table{one.w.data(), kN, kD}, bags, options, out.data(), argmax.data(), ws1).ok());
      REQUIRE(ebag::step(ebag::Table{one.w.data(), kN, kD}, bags, options, b.grad.data(), 40 * kD, argmax.data(),
                         options_for(optimizer), one.state, nullptr, ws1).ok());
      REQUIRE(ebag::step(ebag::Table{many.w.data(), kN, kD}, bags, options, b.grad.data(), 40 * kD, argmax.data(),
                         options_for(optimizer), many.state, nullptr, ws2, ebag::Parallelism{pool, 1}).ok());
    }
    REQUIRE(std::memcmp(one.w.data(), many.w.data(), one.w.size() * 4) == 0);
    REQUIRE(std::memcmp(one.s0.data(), many.s0.data(), one.s0.size() * 4) == 0);
    REQUIRE(std::memcmp(one.s1.data(), many.s1.data(), one.s1.size() * 4) == 0);
  }
}

TEST_CASE("step: a batch of padding only counts a step and changes nothing; errors change nothing", "[optimizers]") {
  Model model(0.0f);
  const std::vector<float> before = model.w;
  const int32_t idx[] = {3, 3};
  const int32_t off[] = {0, 1};
  ebag::Options options;
  options.padding_idx = 3;
  const auto bags = ebag::Bags<int32_t>::from_offsets(idx, 2, off, 2);
  std::vector<float> grad(2 * kD, 1.0f);
  ebag::Workspace ws;
  const ebag::Table table{model.w.data(), kN, kD};
  REQUIRE(ebag::step(table, bags, options, grad.data(), 2 * kD, nullptr, options_for(Optimizer::kSparseAdam), model.state, nullptr, ws).ok());
  REQUIRE(model.state.steps == 1);
  REQUIRE(model.w == before);

  auto refused = [&](ebag::OptimizerOptions o, ebag::Argument argument) {
    const ebag::Status s = ebag::step(table, bags, ebag::Options{}, grad.data(), 2 * kD, nullptr, o, model.state, nullptr, ws);
    REQUIRE(s.code == ebag::ErrorCode::kBadOptimizerOption);
    REQUIRE(s.argument == argument);
  };
  ebag::OptimizerOptions o = options_for(Optimizer::kAdagrad);
  refused([&] { auto x = o; x.lr = 0; return x; }(), ebag::Argument::kLr);
  refused([&] { auto x = o; x.lr = NAN; return x; }(), ebag::Argument::kLr);
  // Checked as the float32 the update uses: a finite double that is infinite
  // (or 0) as a float would turn rows NaN (or train nothing).
  refused([&] { auto x = o; x.lr = 1e39; return x; }(), ebag::Argument::kLr);
  refused([&] { auto x = o; x.lr = 1e-50; return x; }(), ebag::Argument::kLr);
  refused([&] { auto x = o; x.eps = -1e39; return x; }(), ebag::Argument::kEps);
  refused([&] { auto x = o; x.beta1 = 0.999999999; return x; }(), ebag::Argument::kBetas);
  refused([&] { auto x = o; x.eps = -1; return x; }(), ebag::Argument::kEps);
  refused([&] { auto x = o; x.lr_decay = -0.5; return x; }(), ebag::Argument::kLrDecay);
  refused([&] { auto x = o; x.initial_accumulator_value = INFINITY; return x; }(), ebag::Argument::kInitialAccumulatorValue);
  refused([&] { auto x = o; x.beta2 = 1.0; return x; }(), ebag::Argument::kBetas);
  refused([&] { auto x = o; x.optimizer = static_cast<Optimizer>(9); return x; }(), ebag::Argument::kOptimizer);
  ebag::OptimizerState missing;
  ebag::Status s = ebag::step(table, bags, ebag::Options{}, grad.data(), 2 * kD, nullptr, o, missing, nullptr, ws);
  REQUIRE((s.code == ebag::ErrorCode::kMissingBuffer && s.argument == ebag::Argument::kOptimizerState));
  ebag::Options max;
  max.mode = Mode::kMax;
  s = ebag::step(table, bags, max, grad.data(), 2 * kD, nullptr, o, model.state, nullptr, ws);
  REQUIRE((s.code == ebag::ErrorCode::kMissingBuffer && s.argument == ebag::Argument::kArgmax));
  s = ebag::step(table, bags, ebag::Options{}, grad.data(), 3, nullptr, o, model.state, nullptr, ws);  // wrong grad length
  REQUIRE_FALSE(s.ok());
  REQUIRE(model.state.steps == 1);  // no failing call counted
  REQUIRE(model.w == before);
}
