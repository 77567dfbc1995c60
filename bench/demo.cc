// npm start: EmbeddingBag forward (sum, mean, max) and backward (dense and
// sparse) on a 100k x 64 table with 2048 bags of 1..80 indices, printing the
// head of each result and the median time of a few runs. Built natively and
// as WebAssembly SIMD (run under Node by scripts/start.sh).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "embedding_bag.h"
#include "simd/vec128.h"

namespace {

// V8 starts wasm in its baseline compiler and swaps in optimised code only
// for later calls of a function, never for one that is running. The timed
// work therefore goes through std::function (an indirect call the optimiser
// cannot inline into main), so each run enters it afresh; warm-up runs first.
double median_ms(int runs, const std::function<void()>& fn) {
  for (int r = 0; r < 20; ++r) fn();
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void print_head(const char* label, const float* v, int count) {
  std::printf("  %-22s", label);
  for (int k = 0; k < count; ++k) std::printf(" %9.5f", v[k]);
  std::printf(" ...\n");
}

void check(const ebag::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s failed: %s %s (position %lld, value %lld)\n", what,
               ebag::argument_name(s.argument), ebag::error_message(s.code),
               static_cast<long long>(s.position), static_cast<long long>(s.value));
  std::exit(1);
}

}  // namespace

int main() {
  const int64_t n = 100000, d = 64, num_bags = 2048;
  std::vector<float> weight(n * d);
  const ebag::Table table{weight.data(), n, d};
  check(ebag::init_normal(table, 0, std::nullopt), "init_normal");

  std::mt19937 rng(7);
  std::vector<int32_t> indices, offsets;
  for (int64_t b = 0; b < num_bags; ++b) {
    offsets.push_back(static_cast<int32_t>(indices.size()));
    const int len = std::uniform_int_distribution<int>(1, 80)(rng);
    for (int k = 0; k < len; ++k) indices.push_back(std::uniform_int_distribution<int32_t>(0, n - 1)(rng));
  }
  const auto bags = ebag::Bags<int32_t>::from_offsets(indices.data(), indices.size(), offsets.data(), offsets.size());
  const double gathered_gb = static_cast<double>(indices.size()) * d * 4 / 1e9;
  std::printf("embedding-bag-wasm demo: table %lld x %lld, %lld bags, %zu indices, kernels %s\n",
              static_cast<long long>(n), static_cast<long long>(d), static_cast<long long>(num_bags),
              indices.size(), EBAG_VEC128_ISA);

  std::vector<float> out(num_bags * d);
  std::vector<int32_t> argmax(num_bags * d);
  ebag::Workspace ws;
  const char* names[] = {"sum", "mean", "max"};
  for (ebag::Mode mode : {ebag::Mode::kSum, ebag::Mode::kMean, ebag::Mode::kMax}) {
    ebag::Options options;
    options.mode = mode;
    const double ms = median_ms(9, [&] { check(ebag::forward(table, bags, options, out.data(), argmax.data(), ws), "forward"); });
    std::printf("forward %-4s  %7.3f ms  %6.2f GB/s of rows gathered\n", names[static_cast<int>(mode)], ms,
                gathered_gb / (ms / 1e3));
    print_head("output[0][0:6]", out.data(), 6);
  }

  ebag::Options mean;
  std::vector<float> grad_output(num_bags * d, 0.0f);
  for (size_t j = 0; j < grad_output.size(); ++j) grad_output[j] = static_cast<float>(j % 7) - 3.0f;
  check(ebag::forward(table, bags, mean, out.data(), nullptr, ws), "forward");
  std::vector<float> grad(n * d);
  const double dense_ms = median_ms(5, [&] {
    check(ebag::backward_dense(table, bags, mean, grad_output.data(), grad_output.size(), nullptr, grad.data(), nullptr, ws), "backward_dense");
  });
  ebag::SparseGradient sparse;
  const double sparse_ms = median_ms(9, [&] {
    check(ebag::backward_sparse(table, bags, mean, grad_output.data(), grad_output.size(), sparse, nullptr, ws), "backward_sparse");
  });
  std::printf("backward mean, dense   %7.3f ms  (grad_weight %lld x %lld)\n", dense_ms,
              static_cast<long long>(n), static_cast<long long>(d));
  std::printf("backward mean, sparse  %7.3f ms  (%zu distinct rows)\n", sparse_ms, sparse.rows.size());
  print_head("sparse row 0", sparse.values.data(), 6);
  const int32_t first_row = sparse.rows[0];
  print_head("dense same row", grad.data() + first_row * d, 6);
  return 0;
}
