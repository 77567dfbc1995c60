// RowBitmap (src/row_bitmap.h) and RowRuns (bindings/row_runs.h) on it: the
// rows and runs of rows a set of indices names, against a brute-force scan,
// on layouts around the bitmap's 64-bit words; the bitmap is clear after.
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "../../bindings/row_runs.h"
#include "catch.hpp"

namespace {

// Runs [begin, end) of the rows in [0, n) that `indices` names, by a plain scan.
std::vector<std::pair<int32_t, int32_t>> expected_runs(const std::vector<int64_t>& indices, int64_t n) {
  std::vector<bool> named(static_cast<size_t>(n), false);
  for (int64_t row : indices) {
    if (row >= 0 && row < n) named[static_cast<size_t>(row)] = true;
  }
  std::vector<std::pair<int32_t, int32_t>> runs;
  for (int64_t r = 0; r < n; ++r) {
    if (!named[static_cast<size_t>(r)]) continue;
    if (!runs.empty() && runs.back().second == r) runs.back().second = static_cast<int32_t>(r + 1);
    else runs.emplace_back(static_cast<int32_t>(r), static_cast<int32_t>(r + 1));
  }
  return runs;
}

template <typename IndexT>
void check_runs(const std::vector<int64_t>& indices, int64_t n) {
  const std::vector<IndexT> typed(indices.begin(), indices.end());
  ebag::bindings::RowRuns runs;
  ebag::detail::RowBitmap bitmap;
  REQUIRE(runs.find(typed.data(), static_cast<int64_t>(typed.size()), n, bitmap));
  std::vector<std::pair<int32_t, int32_t>> found;
  for (int64_t k = 0; k < runs.count(); ++k) found.emplace_back(runs.pairs()[2 * k], runs.pairs()[2 * k + 1]);
  INFO("n = " << n << ", " << indices.size() << " indices");
  CHECK(found == expected_runs(indices, n));
  // Clear again, and the same rows through mark / for_each_row.
  std::vector<int64_t> listed;
  bitmap.for_each_row([&](int64_t row) { listed.push_back(row); });
  CHECK(listed.empty());
  std::vector<int64_t> rows;
  for (int64_t row : indices) {
    if (row >= 0 && row < n) bitmap.mark(row);
  }
  bitmap.for_each_row([&](int64_t row) { rows.push_back(row); });
  std::vector<int64_t> expected;
  for (const auto& [begin, end] : expected_runs(indices, n)) {
    for (int64_t r = begin; r < end; ++r) expected.push_back(r);
  }
  CHECK(rows == expected);
  for (int64_t row : expected) CHECK(bitmap.test(row));
  bitmap.clear_rows(indices.data(), 0);
  std::vector<int64_t> valid;
  for (int64_t row : indices) {
    if (row >= 0 && row < n) valid.push_back(row);
  }
  bitmap.clear_rows(valid.data(), static_cast<int64_t>(valid.size()));
  rows.clear();
  bitmap.for_each_row([&](int64_t row) { rows.push_back(row); });
  CHECK(rows.empty());
}

}  // namespace

TEST_CASE("RowBitmap / RowRuns list the named rows as ascending runs, bitmap word edges included", "[row_runs]") {
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> layouts = {
      {1, {}}, {1, {0}}, {1, {0, 0, 0}}, {31, {30}}, {32, {31, 0}}, {33, {32}}, {33, {31, 32}},
      {64, {31, 32, 63}}, {65, {63, 64, 0, 1}}, {100, {5, 4, 3, 96, 97, 98, 99}},
      {128, {63, 64, 127}}, {129, {127, 128}}, {130, {62, 63, 64, 65, 129}},
      // Out-of-range rows are skipped (the caller passes validated indices).
      {40, {-1, 40, 1000, 39}},
  };
  for (const auto& [n, indices] : layouts) {
    check_runs<int32_t>(indices, n);
    check_runs<int64_t>(indices, n);
  }
  std::mt19937 gen(11);
  for (int64_t n : {1, 2, 31, 32, 33, 63, 64, 65, 200, 1000}) {
    for (int64_t count : {int64_t{0}, int64_t{1}, n / 8, n / 2, n, 3 * n}) {
      std::uniform_int_distribution<int64_t> row(0, n - 1);
      std::vector<int64_t> indices(static_cast<size_t>(count));
      for (auto& i : indices) i = row(gen);
      check_runs<int32_t>(indices, n);
    }
  }
  // Every row named: one run; reused for fewer rows: nothing stale.
  ebag::bindings::RowRuns runs;
  ebag::detail::RowBitmap bitmap;
  std::vector<int32_t> all(70);
  for (int32_t r = 0; r < 70; ++r) all[static_cast<size_t>(r)] = r;
  REQUIRE(runs.find(all.data(), 70, 70, bitmap));
  CHECK(runs.count() == 1);
  const int32_t two[] = {3, 5};
  REQUIRE(runs.find(two, 2, 70, bitmap));
  REQUIRE(runs.count() == 2);
  CHECK((runs.pairs()[0] == 3 && runs.pairs()[1] == 4 && runs.pairs()[2] == 5 && runs.pairs()[3] == 6));
}
