// The native side of `npm run bench`: the same C++ kernels built with
// -O3 -march=native, on the workloads of bench/workloads.json and the same
// data as bench/child.mjs, speaking the same protocol (one JSON line each
// way on stdin / stdout), so that bench.mjs interleaves its rounds with the
// wasm processes':
//   -> {"describe": true}   <- {"kernelSets": ["ref", "v128"], "avx2": true}   (kernel_sets.inc; avx2_forward.h runs here)
//   -> {"prepare": "recsys", "quick": false}   <- {"indices": ..., "dim": ..., "hasBackward": ...}
//   -> {"time": "forward" | "forward_<dtype>" | "forwardAvx2[NoPrefetch]_<dtype>" | "probeSse" | "probeAvx2" | "backwardSparse" | "backwardDense" | "step_<optimizer>", "runs": 5, "warmup": 1, "repeat": 1}
//   <- {"ms": [...]}   (ms per call; a sample times `repeat` calls)
// An op is the public entry point (the best kernel set), or "<op>@<variant>"
// for one variant of kernel_sets.inc through the same drivers.
// forward_<dtype> (fp16, int8, int4): forward over the table quantized to that
// row format (ebag::quantize, made on first use), as the wasm runner's
// forwardView_<dtype>. forwardAvx2_<dtype> (fp32 too): the FBGEMM-style
// AVX2 loop of avx2_forward.h over the same rows, checked against ebag::forward.
// One thread; inputs are already in memory and outputs are preallocated, so a
// time is validation plus the kernel.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebag/embedding_bag.h"
#include "embedding_bag_internal.h"
#include "avx2_forward.h"

// bench/probe/gather_probe.c, built twice (CMakeLists.txt): SSE and AVX2.
extern "C" int probe_forward_sse(const float* table, int32_t dim, const int32_t* indices, const int32_t* offsets,
                                 int32_t bags, int32_t mean, float* out);
extern "C" int probe_forward_avx2(const float* table, int32_t dim, const int32_t* indices, const int32_t* offsets,
                                  int32_t bags, int32_t mean, float* out);

namespace {

struct Workload {
  std::string name;
  int64_t n, dim, bags, min_len, max_len;
  ebag::Mode mode;
};

ebag::Mode mode_named(const std::string& name) {
#define EBAG_MODE(Name, number, js_name, per_sample_weights, scaled, argmax) \
  if (name == js_name) return ebag::Mode::k##Name;
#include "ebag/modes.inc"
#undef EBAG_MODE
  std::fprintf(stderr, "bench_native: unknown mode %s\n", name.c_str());
  std::exit(2);
}

// bench/workloads.json (EBAG_WORKLOADS_JSON, set by CMake): the workloads,
// at --quick caps when asked.
std::vector<Workload> read_workloads(bool quick) {
  std::ifstream in(EBAG_WORKLOADS_JSON);
  if (!in.good()) {
    std::fprintf(stderr, "bench_native: cannot read %s\n", EBAG_WORKLOADS_JSON);
    std::exit(2);
  }
  const auto spec = nlohmann::json::parse(in);
  const auto& cap = spec["quick"];
  std::vector<Workload> out;
  for (const auto& w : spec["workloads"]) {
    Workload x{w["name"], w["n"], w["dim"], w["bags"], w["minLen"], w["maxLen"], mode_named(w["mode"])};
    if (quick) {
      x.n = std::min<int64_t>(x.n, cap["n"]);
      x.bags = std::min<int64_t>(x.bags, cap["bags"]);
      x.max_len = std::min<int64_t>(x.max_len, cap["maxLen"]);
      x.min_len = std::min<int64_t>(x.min_len, cap["minLen"]);
    }
    out.push_back(x);
  }
  return out;
}

// Every variant of kernel_sets.inc, by name.
const std::vector<const ebag::kernels::KernelSet<int32_t>*>& kernel_sets() {
  static const std::vector<const ebag::kernels::KernelSet<int32_t>*> sets = {
#define EBAG_KERNEL_SET(variant) &ebag::kernels::kernel_set__##variant<int32_t>(),
#include "kernels/kernel_sets.inc"
#undef EBAG_KERNEL_SET
  };
  return sets;
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
  std::vector<float> optimizer_state[2];  // made by the first step op
  std::map<std::string, std::vector<uint8_t>> quantized;  // by dtype, made by the first forward_<dtype>
  std::set<std::string> avx2_checked;  // dtypes whose forwardAvx2 matched ebag::forward since the prepare
  std::vector<int32_t> probe_offsets;  // offsets and the number of indices after them (probe_forward's)
  std::set<std::string> probes_checked;  // probe ops that matched ebag::forward since the prepare
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

// The bench table quantized to `dtype` (made on first use after a prepare).
ebag::QuantizedTable quantized_table(State& st, const std::string& dtype) {
  ebag::RowFormat format{};
  bool known = false;
#define EBAG_ROW_FORMAT(Name, number, js_dtype, code_bits, param_bytes, layout) \
  if (dtype == js_dtype) {                                                     \
    format = ebag::RowFormat::k##Name;                                         \
    known = true;                                                              \
  }
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
  if (!known) {
    std::fprintf(stderr, "bench_native: unknown dtype %s\n", dtype.c_str());
    std::exit(2);
  }
  auto& bytes = st.quantized[dtype];
  if (bytes.empty()) {
    bytes.assign(static_cast<size_t>(st.w.n * ebag::row_bytes(format, st.w.dim)), 0);
    check(ebag::quantize(st.view(), format, bytes.data()), "quantize");
  }
  return {bytes.data(), st.w.n, st.w.dim, format};
}

// forwardAvx2_<dtype> (fp32, fp16, int8, int4): avx2_forward.h's loop over
// the same rows (forwardAvx2NoPrefetch_<dtype>: without its prefetches). Its
// first call after a prepare is checked bit for bit against ebag::forward
// (exit 1 on a difference: then it is not the same loop).
void forward_avx2(State& st, const std::string& dtype, bool prefetch) {
  const bool mean = st.w.mode == ebag::Mode::kMean;
  if (!avx2::supported() || (!mean && st.w.mode != ebag::Mode::kSum)) {
    std::fprintf(stderr, "bench_native: forwardAvx2 needs AVX2 and F16C, and mode sum or mean\n");
    std::exit(2);
  }
  const auto* indices = st.batch.indices.data();
  const auto num_indices = static_cast<int64_t>(st.batch.indices.size());
  const auto* offsets = st.batch.offsets.data();
  const auto num_bags = static_cast<int64_t>(st.batch.offsets.size());
  const uint8_t* rows = dtype == "fp32" ? reinterpret_cast<const uint8_t*>(st.table.data()) : quantized_table(st, dtype).data;
  bool ran = false;
  if (dtype == "fp32") ran = avx2::forward<avx2::Rows::kFloat32>(rows, st.w.dim, indices, num_indices, offsets, num_bags, mean, prefetch, st.output.data());
  if (dtype == "fp16") ran = avx2::forward<avx2::Rows::kFloat16>(rows, st.w.dim, indices, num_indices, offsets, num_bags, mean, prefetch, st.output.data());
  if (dtype == "int8") ran = avx2::forward<avx2::Rows::kInt8>(rows, st.w.dim, indices, num_indices, offsets, num_bags, mean, prefetch, st.output.data());
  if (dtype == "int4") ran = avx2::forward<avx2::Rows::kInt4>(rows, st.w.dim, indices, num_indices, offsets, num_bags, mean, prefetch, st.output.data());
  if (!ran) {
    std::fprintf(stderr, "bench_native: forwardAvx2_%s: no loop for D = %lld\n", dtype.c_str(), static_cast<long long>(st.w.dim));
    std::exit(2);
  }
  if (st.avx2_checked.insert(dtype).second) {
    std::vector<float> expected(st.output.size());
    if (dtype == "fp32") {
      check(ebag::forward(st.view(), st.bags(), st.options, expected.data(), st.argmax.data(), st.workspace), "forward");
    } else {
      check(ebag::forward(quantized_table(st, dtype), st.bags(), st.options, expected.data()), "quantized forward");
    }
    if (std::memcmp(expected.data(), st.output.data(), expected.size() * sizeof(float)) != 0) {
      std::fprintf(stderr, "bench_native: forwardAvx2_%s differs from ebag::forward\n", dtype.c_str());
      std::exit(1);
    }
  }
}

// probeSse / probeAvx2: the limit probe (bench/probe/gather_probe.c) over the
// same table and batch, its first call after a prepare checked bit for bit
// against ebag::forward (the same adds in the same order).
void forward_probe(State& st, const std::string& op) {
  const bool mean = st.w.mode == ebag::Mode::kMean;
  if ((!mean && st.w.mode != ebag::Mode::kSum) || (op == "probeAvx2" && !avx2::supported())) {
    std::fprintf(stderr, "bench_native: %s needs mode sum or mean (and AVX2)\n", op.c_str());
    std::exit(2);
  }
  if (st.probe_offsets.empty()) {
    st.probe_offsets = st.batch.offsets;
    st.probe_offsets.push_back(static_cast<int32_t>(st.batch.indices.size()));
  }
  auto* probe = op == "probeSse" ? probe_forward_sse : probe_forward_avx2;
  if (probe(st.table.data(), static_cast<int32_t>(st.w.dim), st.batch.indices.data(), st.probe_offsets.data(),
            static_cast<int32_t>(st.w.bags), mean ? 1 : 0, st.output.data()) != 0) {
    std::fprintf(stderr, "bench_native: %s: no loop for D = %lld\n", op.c_str(), static_cast<long long>(st.w.dim));
    std::exit(2);
  }
  if (st.probes_checked.insert(op).second) {
    std::vector<float> expected(st.output.size());
    check(ebag::forward(st.view(), st.bags(), st.options, expected.data(), st.argmax.data(), st.workspace), "forward");
    if (std::memcmp(expected.data(), st.output.data(), expected.size() * sizeof(float)) != 0) {
      std::fprintf(stderr, "bench_native: %s differs from ebag::forward\n", op.c_str());
      std::exit(1);
    }
  }
}

// "forward" (the public entry point) or "forward@v128" (that variant).
void run_op(State& st, const std::string& request) {
  if (request == "forward") {  // the public entry point, without the parsing below (a tiny call would time it)
    check(ebag::forward(st.view(), st.bags(), st.options, st.output.data(), st.argmax.data(), st.workspace), "forward");
    return;
  }
  const size_t at = request.find('@');
  const std::string op = request.substr(0, at);
  const ebag::kernels::KernelSet<int32_t>* k = &ebag::kernels::best_kernel_set<int32_t>();
  if (at != std::string::npos) {
    const std::string variant = request.substr(at + 1);
    const auto& sets = kernel_sets();
    const auto found = std::find_if(sets.begin(), sets.end(), [&](const auto* s) { return variant == s->name; });
    if (found == sets.end()) {
      std::fprintf(stderr, "bench_native: unknown kernel set %s\n", variant.c_str());
      std::exit(2);
    }
    k = *found;
  }
  const auto n_out = static_cast<int64_t>(st.grad_output.size());
  if (op == "forward") {
    check(ebag::forward_with(*k, st.view(), st.bags(), st.options, st.output.data(), st.argmax.data(), st.workspace),
          "forward");
  } else if (op.rfind("forward_", 0) == 0) {
    check(ebag::forward(quantized_table(st, op.substr(8)), st.bags(), st.options, st.output.data()),
          "quantized forward");
  } else if (op.rfind("forwardAvx2_", 0) == 0) {
    forward_avx2(st, op.substr(12), true);
  } else if (op.rfind("forwardAvx2NoPrefetch_", 0) == 0) {
    forward_avx2(st, op.substr(22), false);
  } else if (op == "probeSse" || op == "probeAvx2") {
    forward_probe(st, op);
  } else if (op == "backwardSparse") {
    check(ebag::backward_sparse_with(*k, st.view(), st.bags(), st.options, st.grad_output.data(), n_out, st.sparse,
                                     nullptr, st.workspace),
          "backward_sparse");
  } else if (op == "backwardDense") {
    check(ebag::backward_dense_with(*k, st.view(), st.bags(), st.options, st.grad_output.data(), n_out,
                                    st.argmax.data(), st.grad_dense.data(), nullptr, st.workspace),
          "backward_dense");
  } else if (op.rfind("step_", 0) == 0) {
    // step_<optimizer>: backward fused with the optimizer (lr 1e-4; the
    // table drifts a little, the timing does not).
    ebag::OptimizerOptions o;
    o.lr = 1e-4;
    const std::string name = op.substr(5);
    bool known = false;
#define EBAG_OPTIMIZER(Name, number, js_name, ...) \
    if (name == js_name) {                       \
      o.optimizer = ebag::Optimizer::k##Name;    \
      known = true;                              \
    }
#include "ebag/optimizers.inc"
#undef EBAG_OPTIMIZER
    if (!known) {
      std::fprintf(stderr, "bench_native: unknown optimizer %s\n", name.c_str());
      std::exit(2);
    }
    ebag::OptimizerState state;
    for (int k = 0; k < 2; ++k) {
      if (st.optimizer_state[k].empty()) st.optimizer_state[k].assign(st.table.size(), 0.0f);
      state.state[k] = st.optimizer_state[k].data();
    }
    check(ebag::step(st.view(), st.bags(), st.options, st.grad_output.data(), n_out, st.argmax.data(), o, state, nullptr,
                     st.workspace),
          "step");
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
    if (request.contains("describe")) {
      std::vector<std::string> names;
      for (const auto* k : kernel_sets()) names.emplace_back(k->name);
      reply = {{"kernelSets", names}, {"avx2", avx2::supported()}};
    } else if (request.contains("prepare")) {
      const std::string name = request["prepare"];
      const std::vector<Workload> workloads = read_workloads(request.value("quick", false));
      const auto found = std::find_if(workloads.begin(), workloads.end(), [&](const Workload& w) { return w.name == name; });
      if (found == workloads.end()) {
        std::fprintf(stderr, "bench_native: unknown workload %s\n", name.c_str());
        return 2;
      }
      st.w = *found;
      st.batch = make_batch(st.w);
      st.quantized.clear();
      st.avx2_checked.clear();
      st.probe_offsets.clear();
      st.probes_checked.clear();
      st.table.assign(static_cast<size_t>(st.w.n * st.w.dim), 0.0f);
      check(ebag::init_normal(st.view(), 3, std::nullopt), "init_normal");
      st.options = ebag::Options{};
      st.options.mode = st.w.mode;
      st.output.assign(static_cast<size_t>(st.w.bags * st.w.dim), 0.0f);
      st.argmax.assign(st.output.size(), 0);
      st.grad_output.assign(st.output.size(), 0.5f);
      st.grad_dense.assign(st.table.size(), 0.0f);
      run_op(st, "forward");  // argmax for the max backward
      reply = {{"indices", st.batch.indices.size()},
               {"dim", st.w.dim},
               {"hasBackward", !ebag::mode_traits(st.w.mode)->argmax}};
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
