// Every kernel variant against the reference (and the reference against the
// oracle) through EmbeddingBagTester, on shape families around the SIMD tiles:
// D below, at and above one vector (4) and one register block (32), bag
// lengths 0, 1 and many, both index types, both input forms.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "embedding_bag_internal.h"
#include "simd/vec128.h"
#include "tester.h"

namespace {

using ebag::Mode;

const std::vector<int64_t> kDims = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33,
                                    63, 64, 65, 127, 128, 129};
const std::vector<Mode> kModes = all_modes();

// Runs `tester` on every variant with both index types (and mixed offsets).
void test_all_variants(const EmbeddingBagTester& tester) {
  for (const auto* k : all_kernel_sets<int32_t>()) {
    tester.test(*k);
    tester.test_mixed(*k);
  }
  for (const auto* k : all_kernel_sets<int64_t>()) {
    tester.test(*k);
    tester.test_mixed(*k);
  }
}

}  // namespace

TEST_CASE("the wasm build runs the WebAssembly SIMD kernels", "[kernels]") {
#if defined(__EMSCRIPTEN__)
  CHECK(std::string(EBAG_VEC128_ISA) == "wasmsimd");
#else
  CHECK(std::string(EBAG_VEC128_ISA) == "portable");
#endif
  WARN("vec128 kernels run on " EBAG_VEC128_ISA);
}

TEST_CASE("kernel list names every variant once, ref first", "[kernels]") {
  const auto sets = all_kernel_sets<int32_t>();
  REQUIRE(sets.size() >= 2);
  CHECK(std::string(sets[0]->name) == "ref");
  for (size_t a = 0; a < sets.size(); ++a) {
    for (size_t b = a + 1; b < sets.size(); ++b) CHECK(std::string(sets[a]->name) != sets[b]->name);
  }
}

TEST_CASE("every dimension, every mode, bags of length 0, 1 and many", "[kernels][slow]") {
  for (int64_t dim : kDims) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(40).dim(dim).bags(7).bag_length(0, 12).mode(mode).seed(100 + dim);
      test_all_variants(t);
      test_all_variants(EmbeddingBagTester(t).bag_length(1, 1).seed(200 + dim));
      test_all_variants(EmbeddingBagTester(t).bag_length(0, 0).seed(300 + dim));
      test_all_variants(EmbeddingBagTester(t).bag_length(30, 70).bags(3).seed(400 + dim));
    }
  }
}

TEST_CASE("padding everywhere: some, all, negative padding_idx, the last row", "[kernels]") {
  for (int64_t dim : {3, 16, 33}) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(30).dim(dim).bags(9).bag_length(0, 10).mode(mode).seed(500 + dim);
      test_all_variants(EmbeddingBagTester(t).padding_idx(4).padding_rate(0.3));
      test_all_variants(EmbeddingBagTester(t).padding_idx(-1).padding_rate(0.5));   // row N-1
      test_all_variants(EmbeddingBagTester(t).padding_idx(-30).padding_rate(0.5));  // row 0
      test_all_variants(EmbeddingBagTester(t).padding_idx(7).padding_rate(1.0));    // all padding
    }
  }
}

TEST_CASE("duplicates and ties (first occurrence wins in max)", "[kernels]") {
  for (int64_t dim : {1, 4, 9, 36}) {
    EmbeddingBagTester t;
    t.rows(6).dim(dim).bags(10).bag_length(0, 15).duplicate_rate(0.6).coarse_values(true).seed(600 + dim);
    for (Mode mode : kModes) test_all_variants(EmbeddingBagTester(t).mode(mode));
  }
}

TEST_CASE("one dominant bag (threads split its columns)", "[kernels]") {
  for (int64_t dim : {3, 8, 17, 64, 129}) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(60).dim(dim).bags(5).bag_length(0, 6).dominant_bag(true).mode(mode).padding_idx(1)
          .per_sample_weights(takes_weights(mode)).seed(750 + dim);
      test_all_variants(t);
    }
  }
}

TEST_CASE("2-D input form", "[kernels]") {
  for (int64_t dim : {1, 5, 64, 65}) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(25).dim(dim).bags(6).bag_length(0, 9).two_d(true).mode(mode).padding_idx(2).seed(700 + dim);
      test_all_variants(t);
    }
  }
}

TEST_CASE("include_last_offset, with ignored trailing indices", "[kernels]") {
  for (int64_t dim : {2, 17}) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(20).dim(dim).bags(5).bag_length(0, 6).include_last_offset(true).mode(mode).seed(800 + dim);
      test_all_variants(t);
      test_all_variants(EmbeddingBagTester(t).trailing_indices(5).padding_idx(3));
      test_all_variants(EmbeddingBagTester(t).bags(0).trailing_indices(3));  // offsets = [0]
    }
  }
}

TEST_CASE("per_sample_weights (sum) and their gradient", "[kernels]") {
  for (int64_t dim : kDims) {
    EmbeddingBagTester t;
    t.rows(30).dim(dim).bags(6).bag_length(0, 10).mode(Mode::kSum).per_sample_weights(true)
        .padding_idx(5).seed(900 + dim);
    test_all_variants(t);
    test_all_variants(EmbeddingBagTester(t).scale_grad_by_freq(true).duplicate_rate(0.5));
  }
}

TEST_CASE("max_norm with p = 1, 2, 3 and inf", "[kernels]") {
  for (double p : {1.0, 2.0, 3.0, double{INFINITY}}) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(15).dim(13).bags(5).bag_length(0, 8).mode(mode).max_norm(1.5, p).padding_idx(0)
          .seed(1000 + static_cast<int>(p));
      test_all_variants(t);
    }
  }
}

TEST_CASE("scale_grad_by_freq (every mode but max)", "[kernels]") {
  for (Mode mode : kModes) {
    if (is_argmax(mode)) continue;
    for (int64_t dim : {1, 8, 45}) {
      EmbeddingBagTester t;
      t.rows(8).dim(dim).bags(8).bag_length(0, 10).mode(mode).scale_grad_by_freq(true)
          .duplicate_rate(0.5).padding_idx(2).seed(1100 + dim);
      test_all_variants(t);
    }
  }
}

TEST_CASE("large tables: radix grouping over several digit passes", "[kernels][slow]") {
  // N > 2^22 needs three 11-bit passes; rows chosen sparse over the table.
  for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kSqrtn}) {
    EmbeddingBagTester t;
    t.rows(5000000).dim(1).bags(40).bag_length(0, 30).mode(mode).duplicate_rate(0.3).seed(1200);
    t.test(ebag::kernels::kernel_set__v128<int32_t>());
  }
}

TEST_CASE("gradients past 4 MiB: rows grouped, or scattered by row range over threads", "[kernels][slow]") {
  // 20000 x 64 floats (5.1 MB) with ~16k entries: the dense and the sparse
  // gradient group the entries by row. 100000 x 16 (6.4 MB) with ~1000
  // entries (few rows touched): the dense gradient scatters, each thread its
  // own row range; the sparse one groups.
  for (Mode mode : kModes) {
    if (is_argmax(mode)) continue;
    EmbeddingBagTester many;
    many.rows(20000).dim(64).bags(400).bag_length(0, 80).mode(mode).padding_idx(7).duplicate_rate(0.3)
        .per_sample_weights(takes_weights(mode)).seed(1300);
    many.test(ebag::kernels::kernel_set__v128<int32_t>());
    EmbeddingBagTester few;
    few.rows(100000).dim(16).bags(50).bag_length(0, 40).mode(mode).duplicate_rate(0.3)
        .per_sample_weights(takes_weights(mode)).seed(1301);
    few.test(ebag::kernels::kernel_set__v128<int32_t>());
  }
}

#if EBAG_TEST_THREADS  // not in the single-threaded wasm build
TEST_CASE("thread pool: run_shared runs every chunk once, between fixed runs, whether the workers are awake or not", "[threads]") {
  ebag::ThreadPool* pool = test_thread_pool();
  REQUIRE(pool != nullptr);
  for (int round = 0; round < 3000; ++round) {
    const int chunks = 1 + round % 37;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(chunks));
    pool->run_shared(chunks, [&](int c) {
      // Some chunks take a while, so that a worker that joined is still in one when the caller runs out.
      if (c % 5 == 4) std::this_thread::sleep_for(std::chrono::microseconds(20));
      hits[static_cast<size_t>(c)].fetch_add(1);
    });
    for (const auto& h : hits) REQUIRE(h.load() == 1);
    if (round % 3 == 0) {
      std::atomic<int> ran{0};
      pool->run(pool->size(), [&](int) { ran.fetch_add(1); });
      REQUIRE(ran.load() == pool->size());
    }
    // Now and then long enough for the workers to stop polling and block.
    if (round % 250 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST_CASE("threads scattering a dense gradient by row range add the rows at range edges once", "[kernels][threads]") {
  ebag::ThreadPool* pool = test_thread_pool();
  REQUIRE(pool != nullptr);
  // 100000 x 16 floats (6.4 MB, past the cache bound) and few entries: the
  // scatter is split into pool->size() row ranges; rows at and around every
  // range edge, each named by several bags.
  constexpr int64_t kRows = 100000, kDim = 16;
  std::vector<float> table(kRows * kDim, 0.5f);
  std::vector<int32_t> indices, offsets;
  const int pieces = pool->size();
  for (int t = 0; t <= pieces; ++t) {
    const int64_t edge = kRows * t / pieces;
    offsets.push_back(static_cast<int32_t>(indices.size()));
    for (int64_t row = edge - 2; row <= edge + 2; ++row) {
      if (row >= 0 && row < kRows) indices.push_back(static_cast<int32_t>(row));
    }
    indices.push_back(static_cast<int32_t>(std::min<int64_t>(edge, kRows - 1)));
  }
  const auto bags = ebag::Bags<int32_t>::from_offsets(indices.data(), static_cast<int64_t>(indices.size()),
                                                      offsets.data(), static_cast<int64_t>(offsets.size()));
  const auto num_bags = static_cast<int64_t>(offsets.size());
  std::vector<float> grad_output(num_bags * kDim);
  for (size_t j = 0; j < grad_output.size(); ++j) grad_output[j] = static_cast<float>(j % 7) * 0.37f - 1.0f;
  // Expected: every entry's G row added to its row in entry order, from +0.
  std::vector<float> expected(kRows * kDim, 0.0f);
  for (int64_t b = 0; b < num_bags; ++b) {
    const int64_t end = b + 1 < num_bags ? offsets[b + 1] : static_cast<int64_t>(indices.size());
    for (int64_t i = offsets[b]; i < end; ++i) {
      for (int64_t d = 0; d < kDim; ++d) expected[indices[i] * kDim + d] += grad_output[b * kDim + d];
    }
  }
  ebag::Options options;
  options.mode = Mode::kSum;
  for (const auto* kernels : all_kernel_sets<int32_t>()) {
    INFO("kernels=" << kernels->name);
    std::vector<float> grad(kRows * kDim, -1.0f);
    ebag::Workspace ws;
    REQUIRE(ebag::backward_dense_with(*kernels, ebag::Table{table.data(), kRows, kDim}, bags, options,
                                      grad_output.data(), static_cast<int64_t>(grad_output.size()), nullptr,
                                      grad.data(), nullptr, ws, ebag::Parallelism{pool, 0})
                .ok());
    REQUIRE(std::memcmp(grad.data(), expected.data(), grad.size() * 4) == 0);
  }
}
#endif

TEST_CASE("random configurations", "[kernels][fuzz]") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Mode mode = kModes[seed % kModes.size()];
    EmbeddingBagTester t;
    t.rows(1 + seed % 37).dim(1 + (seed * 7) % 70).bags(seed % 9).bag_length(0, seed % 13)
        .mode(mode).two_d(seed % 4 == 0).include_last_offset(seed % 5 == 1).trailing_indices(seed % 3)
        .per_sample_weights(takes_weights(mode) && seed % 2 == 0)
        .scale_grad_by_freq(!is_argmax(mode) && seed % 3 == 1).seed(seed);
    if (seed % 3 == 0) t.padding_idx(-static_cast<int64_t>(1 + seed % 37) + static_cast<int64_t>(seed % 2));
    if (seed % 7 == 2) t.max_norm(0.8, 1.0 + seed % 3);
    test_all_variants(t);
  }
}

TEST_CASE("bags of one unweighted entry: the row plus zero (-0 becomes +0), scaled, padding", "[kernels]") {
  const auto& ref = ebag::kernels::kernel_set__ref<int32_t>();
  for (const auto* k : all_kernel_sets<int32_t>()) {
    for (int64_t dim : kDims) {
      INFO("kernels=" << k->name << " D=" << dim);
      // Row 0 holds -0, subnormals, infinities and a NaN; row 1 ordinary values.
      const float specials[] = {-0.0f, 0x1p-140f, -0x1p-149f, INFINITY, -INFINITY, NAN, -1.5f, 0.0f};
      std::vector<float> table(3 * dim);
      for (int64_t d = 0; d < dim; ++d) {
        table[d] = specials[d % 8];
        table[dim + d] = static_cast<float>(d) / 7.0f - 1.0f;
        table[2 * dim + d] = -0.0f;
      }
      for (int32_t row : {0, 1, 2}) {
        for (int64_t pad : {int64_t{-1}, int64_t{row}}) {
          const int32_t index = row;
          const ebag::kernels::BagRef<int32_t> bag{table.data(), dim, dim, &index, 1, nullptr, pad};
          for (float scale : {1.0f, 0.5f, -0.0f}) {
            INFO("row=" << row << " pad=" << pad << " scale=" << scale);
            std::vector<float> out1(dim + 1, 9.0f), out2(dim + 1, 9.0f);
            k->sum(bag, out1.data());
            ref.sum(bag, out2.data());
            REQUIRE(std::memcmp(out1.data(), out2.data(), 4 * out1.size()) == 0);
            k->scaled_sum(bag, scale, out1.data());
            ref.scaled_sum(bag, scale, out2.data());
            REQUIRE(std::memcmp(out1.data(), out2.data(), 4 * out1.size()) == 0);
            REQUIRE(out1[dim] == 9.0f);  // nothing written past dim
          }
          // The same bag through the singles kernel: three copies of it, their
          // outputs dim + 2 apart, columns [1, dim) when dim > 1 (a slice).
          const int32_t ids[] = {index, index, index};
          const int64_t col = dim > 1 ? 1 : 0, width = dim - col, out_stride = dim + 2;
          for (bool scaled : {false, true}) {
            INFO("row=" << row << " pad=" << pad << " singles, scaled=" << scaled);
            std::vector<float> got(3 * out_stride, 9.0f), want(3 * out_stride, 9.0f), one(width + 1, 9.0f);
            k->singles({table.data() + col, width, dim, ids, 3, pad, scaled, got.data(), out_stride});
            ref.singles({table.data() + col, width, dim, ids, 3, pad, scaled, want.data(), out_stride});
            REQUIRE(std::memcmp(got.data(), want.data(), 4 * got.size()) == 0);
            // The reference's singles are its one-entry bags (a scaled mode's
            // scale 1, or zeros for the padding row, as the driver writes them).
            const ebag::kernels::BagRef<int32_t> slice{table.data() + col, width, dim, &index, 1, nullptr, pad};
            if (!scaled) ref.sum(slice, one.data());
            else if (row == pad) std::fill(one.begin(), one.end() - 1, 0.0f);
            else ref.scaled_sum(slice, 1.0f, one.data());
            for (int j = 0; j < 3; ++j) {
              REQUIRE(std::memcmp(&got[j * out_stride], one.data(), 4 * width) == 0);
              REQUIRE(got[j * out_stride + width] == 9.0f);  // nothing between the rows
            }
          }
        }
      }
    }
  }
}

TEST_CASE("runs of one-entry bags (one kernel call a run) among empty and longer bags, every form", "[kernels]") {
  for (int64_t dim : {1, 4, 16, 33}) {
    for (Mode mode : kModes) {
      EmbeddingBagTester t;
      t.rows(50).dim(dim).bags(120).bag_length(0, 2).mode(mode).seed(2100 + dim);
      test_all_variants(t);
      test_all_variants(EmbeddingBagTester(t).bag_length(1, 1).padding_idx(3).padding_rate(0.3).seed(2200 + dim));
      test_all_variants(EmbeddingBagTester(t).bag_length(1, 1).two_d(true).seed(2300 + dim));
      test_all_variants(EmbeddingBagTester(t).include_last_offset(true).trailing_indices(3).seed(2400 + dim));
      test_all_variants(EmbeddingBagTester(t).max_norm(1.0, 2.0).seed(2500 + dim));
    }
  }
}

TEST_CASE("dot4 and gradient_row match the reference bit for bit", "[kernels]") {
  const auto& ref = ebag::kernels::kernel_set__ref<int32_t>();
  for (const auto* k : all_kernel_sets<int32_t>()) {
    for (int64_t dim : kDims) {
      INFO("kernels=" << k->name << " D=" << dim);
      // Exactly D floats, so that any read or write past the end is caught by
      // the guard checks below (and by the sanitizers natively).
      std::vector<float> x(dim + kDims.size()), y(dim + kDims.size());
      for (int64_t j = 0; j < static_cast<int64_t>(x.size()); ++j) {
        x[j] = static_cast<float>((j * 37 % 11) - 5) / 3.0f;
        y[j] = static_cast<float>((j * 53 % 17) - 8) / 7.0f;
      }
      const float a = k->dot4(x.data(), y.data(), dim);
      const float b = ref.dot4(x.data(), y.data(), dim);
      REQUIRE(std::memcmp(&a, &b, 4) == 0);

      // gradient_row over 7 rows of G, with repeats, every count from 0 (a
      // +0 row) past a batch of rows, scales with signs and zeros (-0 * x).
      constexpr int64_t kRows = 7;
      std::vector<float> g(kRows * dim);
      for (int64_t j = 0; j < kRows * dim; ++j) g[j] = static_cast<float>((j * 29 % 23) - 11) / 9.0f;
      const std::vector<uint32_t> ids = {3, 0, 6, 3, 3, 1, 5, 2, 6, 0, 4, 4, 1, 6, 2, 5, 3, 0, 1};
      const std::vector<float> scales = {0.5f, -1.25f, 2.0f, 0.0f, -0.0f, 1.0f / 3.0f, 7.0f, -0.75f, 1.5f,
                                         0.1f, -2.5f, 0.3f, 1.0f, -1.0f, 0.2f, 4.0f, -0.6f, 0.9f, 1.1f};
      for (int64_t count = 0; count <= static_cast<int64_t>(ids.size()); ++count) {
        INFO("count=" << count);
        std::vector<float> out1(dim + 2, 9.0f), out2(dim + 2, 9.0f);
        k->gradient_row(g.data(), dim, ids.data(), scales.data(), count, out1.data());
        ref.gradient_row(g.data(), dim, ids.data(), scales.data(), count, out2.data());
        REQUIRE(std::memcmp(out1.data(), out2.data(), 4 * out1.size()) == 0);
        REQUIRE(out1[dim] == 9.0f);  // nothing written past dim
        if (count == 0) REQUIRE(!std::signbit(out1[0]));
      }
    }
  }
}

#if defined(__EMSCRIPTEN__)
#include <unistd.h>

// In wasm, reading past the end of linear memory traps. A table whose last
// row ends exactly at the end of memory therefore proves that no kernel loads
// a whole vector where only a partial one is left (natively, ASan does this).
TEST_CASE("no read past the last table row: table at the very end of wasm memory", "[kernels]") {
  for (const auto* k : all_kernel_sets<int32_t>()) {
    for (int64_t dim : kDims) {
      const int64_t n = 5;
      const auto bytes = static_cast<uintptr_t>(n * dim * 4);
      auto memory_end = [] { return static_cast<uintptr_t>(__builtin_wasm_memory_size(0)) * 65536; };
      if (memory_end() - reinterpret_cast<uintptr_t>(sbrk(0)) < bytes) sbrk(static_cast<intptr_t>(bytes));
      sbrk(static_cast<intptr_t>(memory_end() - reinterpret_cast<uintptr_t>(sbrk(0))));  // up to the end
      REQUIRE(reinterpret_cast<uintptr_t>(sbrk(0)) == memory_end());
      float* table = reinterpret_cast<float*>(memory_end() - bytes);
      for (int64_t j = 0; j < n * dim; ++j) table[j] = static_cast<float>((j * 7) % 13) - 6.0f;
      std::vector<float> copy(table, table + n * dim);

      const int32_t idx[] = {4, 1, 4, 4, 0, 4};  // the last row, often
      const int32_t off[] = {0, 1, 3};
      const float psw[] = {1.0f, -2.0f, 0.5f, 3.0f, 1.5f, -1.0f};
      for (Mode mode : kModes) {
        INFO("kernels=" << k->name << " D=" << dim << " mode=" << static_cast<int>(mode));
        ebag::Options o;
        o.mode = mode;
        auto bags = ebag::Bags<int32_t>::from_offsets(idx, 6, off, 3);
        if (takes_weights(mode)) bags.with_per_sample_weights(psw, 6);
        std::vector<float> out(3 * dim), want(3 * dim), grad(n * dim), want_grad(n * dim);
        std::vector<float> g(3 * dim, 0.25f), gpsw(6), want_gpsw(6);
        std::vector<int32_t> argmax(3 * dim), want_argmax(3 * dim);
        ebag::Workspace ws;
        const ebag::Table at_end{table, n, dim}, normal{copy.data(), n, dim};
        const auto& ref = ebag::kernels::kernel_set__ref<int32_t>();
        REQUIRE(ebag::forward_with(*k, at_end, bags, o, out.data(), argmax.data(), ws).ok());
        REQUIRE(ebag::forward_with(ref, normal, bags, o, want.data(), want_argmax.data(), ws).ok());
        REQUIRE(ebag::backward_dense_with(*k, at_end, bags, o, g.data(), g.size(), argmax.data(),
                                          grad.data(), gpsw.data(), ws).ok());
        REQUIRE(ebag::backward_dense_with(ref, normal, bags, o, g.data(), g.size(), want_argmax.data(),
                                          want_grad.data(), want_gpsw.data(), ws).ok());
        REQUIRE(std::memcmp(out.data(), want.data(), 4 * out.size()) == 0);
        REQUIRE(std::memcmp(grad.data(), want_grad.data(), 4 * grad.size()) == 0);
        if (takes_weights(mode)) REQUIRE(std::memcmp(gpsw.data(), want_gpsw.data(), 4 * 6) == 0);
      }
    }
  }
}
#endif

TEST_CASE("forward into an OutputRows layout writes each bag's row where the layout says, and nothing else", "[kernels][layout]") {
  // 3 groups of 25 bags (a collection's table with three features, B = 25),
  // into columns 5.. of a [25, 40] array: rows 40 apart, groups D apart.
  constexpr int64_t kN = 50, kGroups = 3, kB = 25, kWidth = 40, kFirst = 5;
  std::vector<int32_t> indices, offsets;
  uint32_t state = 7;
  auto next = [&](uint32_t m) { state = state * 1103515245u + 12345u; return (state >> 8) % m; };
  for (int64_t b = 0; b < kGroups * kB; ++b) {
    offsets.push_back(static_cast<int32_t>(indices.size()));
    // Lengths 0..2, one-entry bags across the end of group 0 (a run of the
    // singles kernel must stop there), one bag of 300 (the split by columns
    // when threaded).
    const uint32_t length = b >= 20 && b < 30 ? 1 : b == 31 ? 300 : next(3);
    for (uint32_t i = 0; i < length; ++i) indices.push_back(static_cast<int32_t>(next(kN)));
  }
  std::vector<float> psw(indices.size());
  for (size_t i = 0; i < psw.size(); ++i) psw[i] = static_cast<float>(next(9)) * 0.25f - 1.0f;
  std::vector<ebag::Parallelism> parallel = {{}};
  if (ebag::ThreadPool* pool = test_thread_pool()) parallel.push_back({pool, 1});
  for (int64_t dim : {3, 8, 11}) {
    std::vector<float> table(kN * dim);
    for (size_t j = 0; j < table.size(); ++j) table[j] = static_cast<float>(next(2001)) / 64.0f - 15.0f;
    std::vector<uint8_t> quantized(kN * ebag::row_bytes(ebag::RowFormat::kInt8RowWise, dim));
    REQUIRE(ebag::quantize(ebag::Table{table.data(), kN, dim}, ebag::RowFormat::kInt8RowWise, quantized.data()).ok());
    const ebag::QuantizedTable qt{quantized.data(), kN, dim, ebag::RowFormat::kInt8RowWise};
    for (const auto* k : all_kernel_sets<int32_t>()) {
      for (Mode mode : kModes) {
        for (size_t p = 0; p < parallel.size(); ++p) {
          for (int variant = 0; variant < 3; ++variant) {
            // Unweighted (one-entry bags in runs), weighted, quantized.
            const bool quant = variant == 2, weighted = variant == 1 && takes_weights(mode);
            INFO("kernels=" << k->name << " D=" << dim << " mode=" << static_cast<int>(mode) << " threads=" << p << " variant=" << variant);
            ebag::Options o;
            o.mode = mode;
            auto bags = ebag::Bags<int32_t>::from_offsets(indices.data(), static_cast<int64_t>(indices.size()),
                                                          offsets.data(), kGroups * kB);
            if (weighted) bags.with_per_sample_weights(psw.data(), static_cast<int64_t>(psw.size()));
            std::vector<float> plain(kGroups * kB * dim), wide(kB * kWidth, -7.5f);
            std::vector<int32_t> argmax(plain.size()), argmax_wide(plain.size());
            ebag::Workspace ws;
            const ebag::OutputRows into(wide.data() + kFirst, kWidth, kB, dim);
            if (quant) {
              REQUIRE(ebag::quantized_forward_with(*k, qt, bags, o, plain.data(), parallel[p]).ok());
              REQUIRE(ebag::quantized_forward_with(*k, qt, bags, o, into, parallel[p]).ok());
            } else {
              const ebag::Table t{table.data(), kN, dim};
              REQUIRE(ebag::forward_with(*k, t, bags, o, plain.data(), argmax.data(), ws, parallel[p]).ok());
              REQUIRE(ebag::forward_with(*k, t, bags, o, into, argmax_wide.data(), ws, parallel[p]).ok());
              REQUIRE(argmax == argmax_wide);  // the arg-max stays plain B x D
            }
            std::vector<float> want(kB * kWidth, -7.5f);
            for (int64_t b = 0; b < kGroups * kB; ++b) {
              std::memcpy(&want[(b % kB) * kWidth + kFirst + (b / kB) * dim], &plain[b * dim], dim * 4);
            }
            REQUIRE(std::memcmp(wide.data(), want.data(), wide.size() * 4) == 0);
          }
        }
      }
    }
  }
  // Rows shorter than D are refused before anything is written.
  std::vector<float> table(kN * 4, 1.0f), out(400, -7.5f);
  ebag::Workspace ws;
  const auto bags = ebag::Bags<int32_t>::from_offsets(indices.data(), static_cast<int64_t>(indices.size()), offsets.data(), 3);
  const ebag::Status s = ebag::forward(ebag::Table{table.data(), kN, 4}, bags, ebag::Options{}, ebag::OutputRows(out.data(), 3), nullptr, ws);
  REQUIRE(s.code == ebag::ErrorCode::kLengthMismatch);
  REQUIRE(s.argument == ebag::Argument::kOutput);
  REQUIRE(std::all_of(out.begin(), out.end(), [](float v) { return v == -7.5f; }));
}

TEST_CASE("row_dots: every vector against every row, as one float32 sum in column order, on every variant and thread count", "[kernels][row_dots]") {
  uint32_t state = 11;
  auto next = [&]() { state = state * 1103515245u + 12345u; return static_cast<float>((state >> 9) % 2001) / 97.0f - 10.0f; };
  std::vector<ebag::Parallelism> parallel = {{}};
  if (ebag::ThreadPool* pool = test_thread_pool()) parallel.push_back({pool, 1});
  for (int64_t n : {1, 7, 64}) {
    for (int64_t dim : {1, 3, 16, 33}) {
      std::vector<float> table(n * dim);
      for (float& v : table) v = next();
      for (int64_t count : {0, 1, 3, 4, 5, 9, 40}) {
        std::vector<float> vectors(count * dim);
        for (float& v : vectors) v = next();
        // fastText's DenseMatrix::dotRow: d = d + a * b, in order, from 0.
        std::vector<float> want(count * n);
        for (int64_t t = 0; t < count; ++t) {
          for (int64_t r = 0; r < n; ++r) {
            float d = 0.0f;
            for (int64_t c = 0; c < dim; ++c) {
              const float product = table[r * dim + c] * vectors[t * dim + c];
              d = d + product;
            }
            want[t * n + r] = d;
          }
        }
        for (const auto* k : all_kernel_sets<int32_t>()) {
          for (size_t p = 0; p < parallel.size(); ++p) {
            INFO("kernels=" << k->name << " N=" << n << " D=" << dim << " count=" << count << " threads=" << p);
            std::vector<float> got(count * n + 1, -7.5f);
            ebag::Workspace ws;
            REQUIRE(ebag::row_dots_with(*k, ebag::Table{table.data(), n, dim}, vectors.data(), count, got.data(), ws, parallel[p]).ok());
            if (!want.empty()) REQUIRE(std::memcmp(got.data(), want.data(), 4 * want.size()) == 0);
            REQUIRE(got[count * n] == -7.5f);  // nothing past the end
          }
        }
      }
    }
  }
  std::vector<float> table(12, 1.0f), out(4, -7.5f);
  ebag::Workspace ws;
  const ebag::Table t{table.data(), 4, 3};
  ebag::Status s = ebag::row_dots(t, table.data(), -1, out.data(), ws);
  REQUIRE((s.code == ebag::ErrorCode::kNegativeSize && s.argument == ebag::Argument::kVectors));
  s = ebag::row_dots(t, nullptr, 1, out.data(), ws);
  REQUIRE((s.code == ebag::ErrorCode::kMissingBuffer && s.argument == ebag::Argument::kVectors));
  s = ebag::row_dots(ebag::Table{nullptr, 4, 3}, table.data(), 1, out.data(), ws);
  REQUIRE((s.code == ebag::ErrorCode::kMissingBuffer && s.argument == ebag::Argument::kTable));
  REQUIRE(std::all_of(out.begin(), out.end(), [](float v) { return v == -7.5f; }));
}
