// Golden cases: forward, the table after max_norm, dense and sparse weight
// gradients and the per-sample-weight gradient, with int64 and int32 indices.
// Computed with PyTorch 1.13 (tests/golden/generate.py), and for the scaled
// modes beyond PyTorch (sqrtn, weighted mean) from the formula in float64
// (tests/golden/generate_scaled.py).
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "tester.h"
#include "ebag/embedding_bag.h"
#include "test_util.h"
#include "nlohmann/json.hpp"

using nlohmann::json;

namespace {

json read_cases(const char* file) {
  std::ifstream in(std::string(EBAG_GOLDEN_DIR) + "/" + file);
  REQUIRE(in.good());
  return json::parse(in)["cases"];
}

std::vector<float> floats(const json& j) {
  std::vector<float> v;
  for (const auto& x : j) v.push_back(static_cast<float>(x.get<double>()));
  return v;
}

// PyTorch adds in its own order (and renorms in float): close, not bitwise.
void check_close(const std::vector<float>& got, const std::vector<float>& want, const char* what) {
  REQUIRE(got.size() == want.size());
  for (size_t j = 0; j < got.size(); ++j) {
    INFO(what << "[" << j << "] got " << got[j] << " want " << want[j]);
    REQUIRE(std::fabs(got[j] - want[j]) <= 2e-5f + 2e-5f * std::fabs(want[j]));
  }
}

ebag::Mode parse_mode(const std::string& m) {
  for (ebag::Mode mode : all_modes()) {
    if (m == ebag::mode_traits(mode)->name) return mode;
  }
  FAIL("unknown mode " << m);
  return ebag::Mode::kSum;
}

template <typename IndexT>
void run_case(const json& c) {
  INFO("golden case " << c["name"].get<std::string>() << " index=int" << 8 * sizeof(IndexT));
  const int64_t n = c["num_embeddings"], d = c["embedding_dim"];
  ebag::Options o;
  o.mode = parse_mode(c["mode"]);
  if (!c["padding_idx"].is_null()) o.padding_idx = c["padding_idx"].get<int64_t>();
  if (!c["max_norm"].is_null()) o.max_norm = c["max_norm"].get<double>();
  o.norm_type = c["norm_type"];
  o.scale_grad_by_freq = c["scale_grad_by_freq"];
  o.include_last_offset = c["include_last_offset"];

  std::vector<float> table = floats(c["weight"]);
  const std::vector<IndexT> indices = c["indices"].get<std::vector<IndexT>>();
  std::vector<IndexT> offsets;
  ebag::Bags<IndexT> bags;
  if (c["offsets"].is_null()) {
    bags = ebag::Bags<IndexT>::from_2d(indices.data(), c["rows"], c["row_length"]);
  } else {
    offsets = c["offsets"].get<std::vector<IndexT>>();
    bags = ebag::Bags<IndexT>::from_offsets(indices.data(), indices.size(), offsets.data(), offsets.size());
  }
  std::vector<float> psw;
  if (!c["per_sample_weights"].is_null()) {
    psw = floats(c["per_sample_weights"]);
    bags.with_per_sample_weights(psw.data(), psw.size());
  }
  const json& want = c["expected"];
  const int64_t num = ebag::num_bags(bags, o);
  REQUIRE(num == want["output_shape"][0].get<int64_t>());

  ebag::Workspace ws;
  const ebag::Table t{table.data(), n, d};
  std::vector<float> out(num * d);
  std::vector<int32_t> argmax(num * d);
  REQUIRE(ebag::forward(t, bags, o, out.data(), argmax.data(), ws).ok());
  check_close(out, floats(want["output"]), "output");
  check_close(table, floats(want["weight_after"]), "weight_after");

  const std::vector<float> grad_out = floats(c["grad_output"]);
  std::vector<float> grad(n * d), grad_psw(indices.size());
  REQUIRE(ebag::backward_dense(t, bags, o, grad_out.data(), grad_out.size(), argmax.data(),
                               grad.data(), grad_psw.data(), ws).ok());
  check_close(grad, floats(want["grad_weight"]), "grad_weight");
  if (!psw.empty()) check_close(grad_psw, floats(want["grad_per_sample_weights"]), "grad_per_sample_weights");

  if (o.mode != ebag::Mode::kMax) {
    ebag::SparseGradient sparse;
    REQUIRE(ebag::backward_sparse(t, bags, o, grad_out.data(), grad_out.size(), sparse, nullptr, ws).ok());
    CHECK(test_util::to_vector(sparse.rows) == want["sparse_rows"].get<std::vector<int32_t>>());
    check_close(test_util::to_vector(sparse.values), floats(want["sparse_values"]), "sparse_values");
  }
}

}  // namespace

// Every case of a golden file, with int64 and int32 indices.
static void run_file(const char* file, size_t min_cases) {
  const json cases = read_cases(file);
  REQUIRE(cases.size() >= min_cases);
  for (const auto& c : cases) {
    run_case<int64_t>(c);
    run_case<int32_t>(c);
  }
}

TEST_CASE("golden cases from PyTorch 1.13", "[golden]") { run_file("embedding_bag_golden.json", 50); }

TEST_CASE("golden cases of sqrtn and weighted mean, from the formula in float64", "[golden]") {
  run_file("scaled_golden.json", 30);
}
