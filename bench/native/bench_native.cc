// The native side of `npm run bench`: the same C++ kernels built with
// -O3 -march=native, on the same workloads and data as bench/child.mjs, and
// speaking the same protocol (one JSON line each way on stdin / stdout), so
// that bench.mjs interleaves its rounds with the wasm processes':
//   -> {"prepare": "recsys", "quick": false}   <- {"indices": ..., "dim": ..., "hasBackward": ...}
//   -> {"time": "forward" | "backwardSparse" | "backwardDense", "runs": 5, "warmup": 1, "repeat": 1}
//   <- {"ms": [...]}   (ms per call; a sample times `repeat` calls)
// One thread; inputs are already in memory and outputs are preallocated, so a
// time is validation plus the kernel.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebag/embedding_bag.h"

namespace {

struct Workload {
  std::string name;
  int64_t n, dim, bags, min_len, max_len;
  ebag::Mode mode;
};

// bench/workloads.mjs, WORKLOADS and quickWorkload().
const Workload kWorkloads[] = {
    {"recsys", 1000000, 64, 2048, 1, 80, ebag::Mode::kSum},
    {"text", 100000, 128, 256, 1, 400, ebag::Mode::kMean},
    {"small-max", 10000, 32, 4096, 16, 16, ebag::Mode::kMax},
    {"small-sum", 10000, 32, 4096, 16, 16, ebag::Mode::kSum},
    {"tiny-sum", 1000, 16, 8, 1, 8, ebag::Mode::kSum},
};

Workload quick_workload(Workload w) {
  w.n = std::min<int64_t>(w.n, 5000);
  w.bags = std::min<int64_t>(w.bags, 64);
  w.max_len = std::min<int64_t>(w.max_len, 20);
  w.min_len = std::min<int64_t>(w.min_len, 20);
  return w;
}

// makeBatch() of bench/workloads.mjs, bit for bit: the same LCG, the same
// float arithmetic (a double divided by 2^32).
struct Batch {
  std::vector<int32_t> indices, offsets;
};

Batch make_batch(const Workload& w, uint32_t seed = 1) {
  uint32_t state = seed;
  auto random = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state) / 4294967296.0;
  };
  std::vector<int64_t> lengths(static_cast<size_t>(w.bags));
  for (auto& length : lengths) {
    length = w.min_len + static_cast<int64_t>(std::floor(random() * static_cast<double>(w.max_len - w.min_len + 1)));
  }
  Batch batch;
  for (const int64_t length : lengths) {
    batch.offsets.push_back(static_cast<int32_t>(batch.indices.size()));
    for (int64_t k = 0; k < length; ++k) {
      batch.indices.push_back(static_cast<int32_t>(std::floor(random() * static_cast<double>(w.n))));
    }
  }
  return batch;
}

struct State {
  Workload w;
  Batch batch;
  std::vector<float> table, output, grad_output, grad_dense;
  std::vector<int32_t> argmax;
  ebag::SparseGradient sparse;
  ebag::Workspace workspace;
  ebag::Options options;
  ebag::Table view() { return {table.data(), w.n, w.dim}; }
  ebag::Bags<int32_t> bags() const {
    return ebag::Bags<int32_t>::from_offsets(batch.indices.data(), static_cast<int64_t>(batch.indices.size()),
                                             batch.offsets.data(), static_cast<int64_t>(batch.offsets.size()));
  }
};

void check(const ebag::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "bench_native: %s failed: %s\n", what, ebag::error_message(s.code));
    std::exit(1);
  }
}

void run_op(State& st, const std::string& op) {
  if (op == "forward") {
    check(ebag::forward(st.view(), st.bags(), st.options, st.output.data(), st.argmax.data(), st.workspace), "forward");
  } else if (op == "backwardSparse") {
    check(ebag::backward_sparse(st.view(), st.bags(), st.options, st.grad_output.data(),
                                static_cast<int64_t>(st.grad_output.size()), st.sparse, nullptr, st.workspace),
          "backward_sparse");
  } else if (op == "backwardDense") {
    check(ebag::backward_dense(st.view(), st.bags(), st.options, st.grad_output.data(),
                               static_cast<int64_t>(st.grad_output.size()), st.argmax.data(), st.grad_dense.data(),
                               nullptr, st.workspace),
          "backward_dense");
  } else {
    std::fprintf(stderr, "bench_native: unknown op %s\n", op.c_str());
    std::exit(2);
  }
}

}  // namespace

int main() {
  State st;
  std::string line;
  while (std::getline(std::cin, line)) {
    const auto request = nlohmann::json::parse(line);
    nlohmann::json reply;
    if (request.contains("prepare")) {
      const std::string name = request["prepare"];
      const auto* found = std::find_if(std::begin(kWorkloads), std::end(kWorkloads),
                                       [&](const Workload& w) { return w.name == name; });
      if (found == std::end(kWorkloads)) {
        std::fprintf(stderr, "bench_native: unknown workload %s\n", name.c_str());
        return 2;
      }
      st.w = request.value("quick", false) ? quick_workload(*found) : *found;
      st.batch = make_batch(st.w);
      st.table.assign(static_cast<size_t>(st.w.n * st.w.dim), 0.0f);
      check(ebag::init_normal(st.view(), 3, std::nullopt), "init_normal");
      st.options = ebag::Options{};
      st.options.mode = st.w.mode;
      st.output.assign(static_cast<size_t>(st.w.bags * st.w.dim), 0.0f);
      st.argmax.assign(st.output.size(), 0);
      st.grad_output.assign(st.output.size(), 0.5f);
      st.grad_dense.assign(st.table.size(), 0.0f);
      run_op(st, "forward");  // argmax for the max backward
      reply = {{"indices", st.batch.indices.size()}, {"dim", st.w.dim}, {"hasBackward", st.w.mode != ebag::Mode::kMax}};
    } else {
      const std::string op = request["time"];
      const int runs = request["runs"];
      const int warmup = request["warmup"];
      const int repeat = request.value("repeat", 1);
      for (int k = 0; k < warmup; ++k) run_op(st, op);
      std::vector<double> ms;
      for (int k = 0; k < runs; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int r = 0; r < repeat; ++r) run_op(st, op);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / repeat);
      }
      reply = {{"ms", ms}};
    }
    std::cout << reply.dump() << std::endl;
  }
  return 0;
}
