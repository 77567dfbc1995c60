#include "tester.h"

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <vector>

#include "catch.hpp"
#include "embedding_bag_internal.h"

#include "test_util.h"

namespace {

using ebag::Mode;

constexpr int kGuard = 8;
constexpr float kGuardFloat = -12345.678f;
constexpr int32_t kGuardInt = -777777;

// A buffer with guard values after its end.
template <typename T>
struct Guarded {
  Guarded(size_t n, T guard) : size(n), data(n + kGuard, guard), guard_value(guard) {}
  size_t size;
  std::vector<T> data;
  T guard_value;
  T* ptr() { return data.data(); }
  bool guards_intact() const {
    for (size_t k = size; k < data.size(); ++k) {
      if (std::memcmp(&data[k], &guard_value, sizeof(T)) != 0) return false;
    }
    return true;
  }
};

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// Checks ok(j) for every j < count; reports the first failing element with
// what(j) (values, position) instead of building a message per element.
template <typename OkFn, typename WhatFn>
void require_each(int64_t count, OkFn&& ok, WhatFn&& what) {
  for (int64_t j = 0; j < count; ++j) {
    if (!ok(j)) {
      FAIL(what(j));
    }
  }
}

// One problem: table, bags, grad_output; everything the oracle needs.
struct Problem {
  int64_t n = 0, d = 0, num_bags = 0;
  std::vector<float> table;
  std::vector<int64_t> indices;
  std::vector<int64_t> offsets;  // empty for 2-D
  int64_t row_length = 0;        // 2-D
  std::vector<float> psw;
  std::vector<float> grad_output;
};

// What the header says should come out, in double, computed from the
// pseudocode directly (membership lists, no shared driver code).
struct Oracle {
  std::vector<float> table_after;  // after max_norm
  std::vector<double> out, out_tol;
  std::vector<int32_t> argmax;
  std::vector<double> grad, grad_tol;
  std::vector<char> grad_row_touched;
  std::vector<double> grad_psw, grad_psw_tol;
};

constexpr double kEps = 1.2e-7;

Oracle compute_oracle(const Problem& p, const ebag::Options& o) {
  Oracle r;
  const int64_t n = p.n, d = p.d, B = p.num_bags;
  const int64_t pad = o.padding_idx ? (*o.padding_idx < 0 ? *o.padding_idx + n : *o.padding_idx) : -1;
  // members[b] = positions of bag b
  std::vector<std::vector<int64_t>> members(B);
  for (int64_t b = 0; b < B; ++b) {
    int64_t start, stop;
    if (p.offsets.empty()) {
      start = b * p.row_length;
      stop = start + p.row_length;
    } else {
      start = p.offsets[b];
      if (b == B - 1) stop = o.include_last_offset ? p.offsets[B] : static_cast<int64_t>(p.indices.size());
      else stop = p.offsets[b + 1];
    }
    for (int64_t i = start; i < stop; ++i) members[b].push_back(i);
  }
  r.table_after = p.table;
  if (o.max_norm) {
    std::vector<char> done(n, 0);
    for (const auto& bag : members) {
      for (int64_t i : bag) {
        const int64_t row = p.indices[i];
        if (done[row]) continue;
        done[row] = 1;
        double norm = 0;
        for (int64_t k = 0; k < d; ++k) {
          const double v = std::fabs(static_cast<double>(r.table_after[row * d + k]));
          if (std::isinf(o.norm_type)) norm = std::max(norm, v);
          else norm += std::pow(v, o.norm_type);
        }
        if (!std::isinf(o.norm_type)) norm = std::pow(norm, 1.0 / o.norm_type);
        if (norm > *o.max_norm) {
          const float scale = static_cast<float>(*o.max_norm / (norm + 1e-7));
          for (int64_t k = 0; k < d; ++k) r.table_after[row * d + k] *= scale;
        }
      }
    }
  }
  const auto& w = r.table_after;
  r.out.assign(B * d, 0.0);
  r.out_tol.assign(B * d, 0.0);
  r.argmax.assign(B * d, -1);
  std::vector<int64_t> count(B, 0), freq(n, 0);
  // The divisor of a scaled mode, in double: count, sum of weights, or the
  // square roots of count / sum of squared weights.
  std::vector<double> divisor(B, 0.0), divisor_abs(B, 0.0), rel(B, 0.0);
  const bool scaled = ebag::mode_traits(o.mode)->scaled;
  const bool sqrtn = o.mode == Mode::kSqrtn;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i : members[b]) {
      if (p.indices[i] == pad) continue;
      ++count[b];
      ++freq[p.indices[i]];
      const double wi = p.psw.empty() ? 1.0 : p.psw[i];
      divisor[b] += sqrtn ? wi * wi : wi;
      divisor_abs[b] += sqrtn ? wi * wi : std::fabs(wi);
    }
    // Relative error of the float32 divisor (cancellation in a sum of weights).
    if (divisor[b] != 0.0) rel[b] = (count[b] + 4) * kEps * divisor_abs[b] / std::fabs(divisor[b]);
    if (sqrtn) divisor[b] = std::sqrt(divisor[b]);
  }
  // scale(b) = 1 / divisor, 0 for a zero divisor (div_no_nan).
  auto bag_scale = [&](int64_t b) { return divisor[b] != 0.0 ? 1.0 / divisor[b] : 0.0; };
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t k = 0; k < d; ++k) {
      double acc = 0, mag = 0;
      float best = 0;
      bool any = false;
      for (int64_t i : members[b]) {
        const int64_t row = p.indices[i];
        if (row == pad) continue;
        const float v = w[row * d + k];
        const double term = p.psw.empty() ? v : static_cast<double>(p.psw[i]) * v;
        acc += term;
        mag += std::fabs(term);
        if (!any || v > best) {
          best = v;
          r.argmax[b * d + k] = static_cast<int32_t>(row);
        }
        any = true;
      }
      double value = acc;
      if (scaled) value = acc * bag_scale(b);
      if (o.mode == Mode::kMax) value = any ? best : 0.0;
      r.out[b * d + k] = value;
      // The float32 divisor itself carries up to (count + 2) rounding errors.
      const double scale = scaled ? std::fabs(bag_scale(b)) : 1.0;
      r.out_tol[b * d + k] =
          o.mode == Mode::kMax ? 0.0 : 2 * (count[b] + 4) * kEps * mag * scale + 2 * rel[b] * std::fabs(value);
    }
  }
  // Backward.
  r.grad.assign(n * d, 0.0);
  r.grad_tol.assign(n * d, 0.0);
  r.grad_row_touched.assign(n, 0);
  r.grad_psw.assign(p.indices.size(), 0.0);
  r.grad_psw_tol.assign(p.indices.size(), 0.0);
  const auto& g = p.grad_output;
  if (o.mode == Mode::kMax) {
    for (int64_t j = 0; j < B * d; ++j) {
      if (r.argmax[j] >= 0) {
        r.grad[r.argmax[j] * d + j % d] += g[j];
        r.grad_tol[r.argmax[j] * d + j % d] += (B + 1) * kEps * std::fabs(g[j]);
      }
    }
    return r;
  }
  for (int64_t b = 0; b < B; ++b) {
    const double bag_s = scaled ? bag_scale(b) : 1.0;
    // c = dot(G[b], the bag's weighted sum), for the scaled modes' weight gradient.
    double c = 0, c_mag = 0;
    for (int64_t i : members[b]) {
      const int64_t row = p.indices[i];
      if (row == pad || p.psw.empty()) continue;
      for (int64_t k = 0; k < d; ++k) {
        c += static_cast<double>(p.psw[i]) * g[b * d + k] * w[row * d + k];
        c_mag += std::fabs(static_cast<double>(p.psw[i]) * g[b * d + k] * w[row * d + k]);
      }
    }
    for (int64_t i : members[b]) {
      const int64_t row = p.indices[i];
      if (row == pad) continue;
      r.grad_row_touched[row] = 1;
      double s = (p.psw.empty() ? 1.0 : p.psw[i]) * bag_s;
      if (o.scale_grad_by_freq) s /= freq[row];
      for (int64_t k = 0; k < d; ++k) {
        r.grad[row * d + k] += g[b * d + k] * s;
        r.grad_tol[row * d + k] += (2 * (freq[row] + 4) * kEps + 2 * rel[b]) * std::fabs(g[b * d + k] * s);
      }
      if (!p.psw.empty()) {
        double dot = 0, mag = 0;
        for (int64_t k = 0; k < d; ++k) {
          dot += static_cast<double>(g[b * d + k]) * w[row * d + k];
          mag += std::fabs(static_cast<double>(g[b * d + k]) * w[row * d + k]);
        }
        if (!scaled) {
          r.grad_psw[i] = dot;
          r.grad_psw_tol[i] = (d + 2) * kEps * mag;
        } else if (bag_s != 0.0) {
          // d out / d w_i: mean: s (p - s c); sqrtn: s (p - w_i s^2 c).
          const double dscale = sqrtn ? p.psw[i] * bag_s * bag_s : bag_s;
          r.grad_psw[i] = bag_s * (dot - dscale * c);
          r.grad_psw_tol[i] = 4 * (d + count[b] + 4) * kEps * std::fabs(bag_s) * (mag + std::fabs(dscale) * c_mag) +
                              4 * rel[b] * (std::fabs(bag_s * dot) + 3 * std::fabs(bag_s * dscale * c));
        }
      }
    }
  }
  return r;
}

template <typename IndexT>
uint64_t mix_seed(uint64_t seed) {
  return seed * 0x9E3779B97F4A7C15ull + sizeof(IndexT);
}

Problem make_problem(int64_t n, int64_t d, int64_t num_bags, int64_t min_len, int64_t max_len,
                     bool two_d, bool include_last_offset, int64_t trailing, bool psw,
                     std::optional<int64_t> padding_idx, double padding_rate, double dup_rate,
                     bool coarse, bool dominant, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  Problem p;
  p.n = n;
  p.d = d;
  p.num_bags = num_bags;
  p.table.resize(n * d);
  for (auto& v : p.table) v = coarse ? std::round(value(rng) * 4.0f) / 4.0f : value(rng) * 3.0f;
  const int64_t pad = padding_idx ? (*padding_idx < 0 ? *padding_idx + n : *padding_idx) : -1;
  auto next_index = [&]() -> int64_t {
    if (pad >= 0 && chance(rng) < padding_rate) return pad;
    if (!p.indices.empty() && chance(rng) < dup_rate) {
      return p.indices[std::uniform_int_distribution<size_t>(0, p.indices.size() - 1)(rng)];
    }
    if (chance(rng) < 0.1) return n - 1;  // the last table row, often
    return std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
  };
  std::uniform_int_distribution<int64_t> length(min_len, max_len);
  if (two_d) {
    p.row_length = length(rng);
    for (int64_t i = 0; i < num_bags * p.row_length; ++i) p.indices.push_back(next_index());
  } else {
    for (int64_t b = 0; b < num_bags; ++b) {
      p.offsets.push_back(static_cast<int64_t>(p.indices.size()));
      const int64_t len = dominant && b == 0 ? 10 * max_len + 5 : length(rng);
      for (int64_t k = 0; k < len; ++k) p.indices.push_back(next_index());
    }
    if (include_last_offset) {
      p.offsets.push_back(static_cast<int64_t>(p.indices.size()));
      for (int64_t k = 0; k < trailing; ++k) p.indices.push_back(next_index());
    }
  }
  if (psw) {
    for (size_t i = 0; i < p.indices.size(); ++i) p.psw.push_back(value(rng) * 2.0f);
  }
  p.grad_output.resize(num_bags * d);
  for (auto& v : p.grad_output) v = value(rng);
  return p;
}

template <typename T>
std::vector<T> narrow(const std::vector<int64_t>& v) {
  return std::vector<T>(v.begin(), v.end());
}

#if EBAG_TEST_THREADS
// One pool for the whole suite (not one per template instantiation): the
// pthreads build preloads exactly 2 workers, and asking 3.1.6 for more hangs.
ebag::ThreadPool& shared_test_pool() {
  static ebag::ThreadPool pool(3);
  return pool;
}
#endif

}  // namespace

ebag::ThreadPool* test_thread_pool() {
#if EBAG_TEST_THREADS
  return &shared_test_pool();
#else
  return nullptr;
#endif
}

int64_t ulp_distance(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if (ia < 0) ia = INT32_MIN - ia;
  if (ib < 0) ib = INT32_MIN - ib;
  return std::llabs(static_cast<int64_t>(ia) - ib);
}

std::string EmbeddingBagTester::describe() const {
  std::ostringstream s;
  s << "seed=" << seed_ << " N=" << rows_ << " D=" << dim_ << " bags=" << bags_ << " len=["
    << min_len_ << "," << max_len_ << "] mode=" << ebag::mode_traits(mode_)->name
    << " two_d=" << two_d_ << " include_last_offset=" << include_last_offset_
    << " trailing=" << trailing_ << " psw=" << psw_ << " sgbf=" << sgbf_ << " dominant=" << dominant_;
  if (padding_idx_) s << " padding_idx=" << *padding_idx_;
  if (max_norm_) s << " max_norm=" << *max_norm_ << " p=" << norm_type_;
  return s.str();
}

template <typename IndexT, typename OffsetT>
void EmbeddingBagTester::run(const ebag::kernels::KernelSet<IndexT>& kernels) const {
  INFO("kernels=" << kernels.name << " index=int" << 8 * sizeof(IndexT) << " offsets=int"
                  << 8 * sizeof(OffsetT) << " " << describe());
  const Problem p = make_problem(rows_, dim_, bags_, min_len_, max_len_, two_d_,
                                 include_last_offset_, trailing_, psw_, padding_idx_,
                                 padding_rate_, duplicate_rate_, coarse_, dominant_, mix_seed<IndexT>(seed_));
  ebag::Options options;
  options.mode = mode_;
  options.padding_idx = padding_idx_;
  options.max_norm = max_norm_;
  options.norm_type = norm_type_;
  options.scale_grad_by_freq = sgbf_;
  options.include_last_offset = include_last_offset_;
  const Oracle oracle = compute_oracle(p, options);

  const std::vector<IndexT> indices = narrow<IndexT>(p.indices);
  const std::vector<OffsetT> offsets = narrow<OffsetT>(p.offsets);
  ebag::Bags<IndexT, OffsetT> bags =
      two_d_ ? ebag::Bags<IndexT, OffsetT>::from_2d(indices.data(), bags_, p.row_length)
             : ebag::Bags<IndexT, OffsetT>::from_offsets(indices.data(), indices.size(),
                                                         offsets.data(), offsets.size());
  if (psw_) bags.with_per_sample_weights(p.psw.data(), p.psw.size());
  REQUIRE(ebag::num_bags(bags, options) == bags_);

  const int64_t n = rows_, d = dim_, out_size = bags_ * d;
  struct Run {
    std::vector<float> table;
    Guarded<float> out, grad, grad_psw, grad_psw_sparse;
    Guarded<int32_t> argmax;
    ebag::SparseGradient sparse;
  };
  auto execute = [&](const ebag::kernels::KernelSet<IndexT>& k, const ebag::Parallelism& parallel) {
    Run r{p.table,
          Guarded<float>(out_size, kGuardFloat),
          Guarded<float>(n * d, kGuardFloat),
          Guarded<float>(indices.size(), kGuardFloat),
          Guarded<float>(indices.size(), kGuardFloat),
          Guarded<int32_t>(out_size, kGuardInt),
          {}};
    ebag::Workspace ws;
    const ebag::Table table{r.table.data(), n, d};
    ebag::Status s = ebag::forward_with(k, table, bags, options, r.out.ptr(), r.argmax.ptr(), ws, parallel);
    REQUIRE(s.ok());
    s = ebag::backward_dense_with(k, table, bags, options, p.grad_output.data(), out_size,
                                  r.argmax.ptr(), r.grad.ptr(), r.grad_psw.ptr(), ws, parallel);
    REQUIRE(s.ok());
    if (!is_argmax(mode_)) {
      s = ebag::backward_sparse_with(k, table, bags, options, p.grad_output.data(), out_size,
                                     r.sparse, r.grad_psw_sparse.ptr(), ws, parallel);
      REQUIRE(s.ok());
    }
    CHECK(r.out.guards_intact());
    CHECK(r.grad.guards_intact());
    CHECK(r.argmax.guards_intact());
    CHECK(r.grad_psw.guards_intact());
    CHECK(r.grad_psw_sparse.guards_intact());
    return r;
  };
  const Run ref = execute(ebag::kernels::kernel_set__ref<IndexT>(), ebag::Parallelism{});
  const Run got = execute(kernels, ebag::Parallelism{});
#if EBAG_TEST_THREADS
  // The same call split over threads (every call, however small): the same bits.
  const Run threaded = execute(kernels, ebag::Parallelism{&shared_test_pool(), 0});
  REQUIRE(std::memcmp(threaded.table.data(), got.table.data(), 4 * got.table.size()) == 0);
  REQUIRE(std::memcmp(threaded.out.data.data(), got.out.data.data(), 4 * out_size) == 0);
  REQUIRE(std::memcmp(threaded.grad.data.data(), got.grad.data.data(), 4 * n * d) == 0);
  REQUIRE(test_util::to_vector(threaded.sparse.rows) == test_util::to_vector(got.sparse.rows));
  REQUIRE(threaded.sparse.values.size() == got.sparse.values.size());
  REQUIRE((got.sparse.values.empty() ||
           std::memcmp(threaded.sparse.values.data(), got.sparse.values.data(), 4 * got.sparse.values.size()) == 0));
  if (mode_ == Mode::kMax) REQUIRE(threaded.argmax.data == got.argmax.data);
  if (psw_) REQUIRE(std::memcmp(threaded.grad_psw.data.data(), got.grad_psw.data.data(), 4 * indices.size()) == 0);
#endif

  auto at = [d](const char* name, int64_t j) {
    std::ostringstream m;
    m << name << "[" << j / d << "][" << j % d << "]";
    return m.str();
  };
  auto show = [&](const char* name, int64_t j, double a, double b, double c) {
    std::ostringstream m;
    m.precision(9);
    m << at(name, j) << ": reference " << a << ", kernels " << b << ", oracle " << c;
    return m.str();
  };
  // The table: changed only by max_norm, identically in both runs.
  require_each(n * d, [&](int64_t j) {
    const bool expected = max_norm_ ? std::fabs(ref.table[j] - oracle.table_after[j]) <=
                                          4 * kEps * std::fabs(oracle.table_after[j])
                                    : same_bits(ref.table[j], p.table[j]);
    return expected && same_bits(ref.table[j], got.table[j]);
  }, [&](int64_t j) { return show("table", j, ref.table[j], got.table[j], oracle.table_after[j]); });
  // Forward: the reference against the oracle, the kernels against the reference.
  require_each(out_size, [&](int64_t j) {
    if (std::fabs(ref.out.data[j] - oracle.out[j]) > oracle.out_tol[j]) return false;
    return same_bits(ref.out.data[j], got.out.data[j]);
  }, [&](int64_t j) { return show("output", j, ref.out.data[j], got.out.data[j], oracle.out[j]); });
  if (mode_ == Mode::kMax) {
    require_each(out_size, [&](int64_t j) {
      return ref.argmax.data[j] == oracle.argmax[j] && got.argmax.data[j] == oracle.argmax[j];
    }, [&](int64_t j) {
      return show("argmax", j, ref.argmax.data[j], got.argmax.data[j], oracle.argmax[j]);
    });
  }
  // Backward, dense.
  require_each(n * d, [&](int64_t j) {
    return std::fabs(ref.grad.data[j] - oracle.grad[j]) <= oracle.grad_tol[j] &&
           same_bits(ref.grad.data[j], got.grad.data[j]);
  }, [&](int64_t j) { return show("grad_weight", j, ref.grad.data[j], got.grad.data[j], oracle.grad[j]); });
  // Backward, sparse: exactly the touched rows, ascending, with the dense bits.
  if (mode_ != Mode::kMax) {
    std::vector<int32_t> touched;
    for (int64_t row = 0; row < n; ++row) {
      if (oracle.grad_row_touched[row]) touched.push_back(static_cast<int32_t>(row));
    }
    REQUIRE(test_util::to_vector(ref.sparse.rows) == touched);
    REQUIRE(test_util::to_vector(got.sparse.rows) == touched);
    REQUIRE(got.sparse.values.size() == touched.size() * d);
    require_each(static_cast<int64_t>(touched.size()) * d, [&](int64_t j) {
      const float dense = got.grad.data[touched[j / d] * d + j % d];
      return same_bits(got.sparse.values[j], dense) && same_bits(ref.sparse.values[j], got.sparse.values[j]);
    }, [&](int64_t j) {
      return show("sparse values", j, ref.sparse.values[j], got.sparse.values[j], oracle.grad[touched[j / d] * d + j % d]);
    });
  }
  if (psw_) {
    const auto count = static_cast<int64_t>(indices.size());
    require_each(count, [&](int64_t i) {
      return std::fabs(ref.grad_psw.data[i] - oracle.grad_psw[i]) <= oracle.grad_psw_tol[i] &&
             same_bits(ref.grad_psw.data[i], got.grad_psw.data[i]) &&
             same_bits(got.grad_psw.data[i], got.grad_psw_sparse.data[i]);
    }, [&](int64_t i) {
      std::ostringstream m;
      m.precision(9);
      m << "grad_per_sample_weights[" << i << "]: reference " << ref.grad_psw.data[i] << ", kernels "
        << got.grad_psw.data[i] << " (sparse call " << got.grad_psw_sparse.data[i] << "), oracle "
        << oracle.grad_psw[i];
      return m.str();
    });
  }
}

void EmbeddingBagTester::test(const ebag::kernels::KernelSet<int32_t>& k) const { run<int32_t, int32_t>(k); }
void EmbeddingBagTester::test(const ebag::kernels::KernelSet<int64_t>& k) const { run<int64_t, int64_t>(k); }
void EmbeddingBagTester::test_mixed(const ebag::kernels::KernelSet<int32_t>& k) const { run<int32_t, int64_t>(k); }
void EmbeddingBagTester::test_mixed(const ebag::kernels::KernelSet<int64_t>& k) const { run<int64_t, int32_t>(k); }
