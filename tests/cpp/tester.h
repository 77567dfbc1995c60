// EmbeddingBagTester: builds one random EmbeddingBag problem from a fixed
// seed and checks a kernel set on it, through the real drivers:
//   - the reference kernels against an independent double-precision oracle
//     written straight from the header's pseudocode (tolerance; argmax exact),
//   - the given kernels against the reference: outputs, gradients and the
//     per-sample-weight gradient bit for bit, in every mode,
//   - guard values after every output unchanged, the sparse gradient equal
//     to the dense one row for row, the table changed only by max_norm,
//   - (where threads exist) the same call split over a 3-thread pool, bit
//     for bit equal to the single-threaded one.
//
//   EmbeddingBagTester().rows(100).dim(17).bags(8).bag_length(0, 9)
//       .mode(ebag::Mode::kMax).padding_idx(-1).test(kernel_set__v128<int32_t>());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ebag/embedding_bag.h"
#include "kernels/ukernels.h"

// Threads: natively, and in the pthreads wasm build of the suite.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define EBAG_TEST_THREADS 1
#else
#define EBAG_TEST_THREADS 0
#endif

class EmbeddingBagTester {
 public:
  EmbeddingBagTester& rows(int64_t n) { rows_ = n; return *this; }
  EmbeddingBagTester& dim(int64_t d) { dim_ = d; return *this; }
  EmbeddingBagTester& bags(int64_t b) { bags_ = b; return *this; }
  EmbeddingBagTester& bag_length(int64_t min, int64_t max) { min_len_ = min; max_len_ = max; return *this; }
  EmbeddingBagTester& mode(ebag::Mode m) { mode_ = m; return *this; }
  EmbeddingBagTester& padding_idx(std::optional<int64_t> p) { padding_idx_ = p; return *this; }
  // Chance that an entry is the padding row (when padding_idx is set).
  EmbeddingBagTester& padding_rate(double r) { padding_rate_ = r; return *this; }
  // Chance that an entry repeats an earlier entry of the call.
  EmbeddingBagTester& duplicate_rate(double r) { duplicate_rate_ = r; return *this; }
  EmbeddingBagTester& two_d(bool on) { two_d_ = on; return *this; }
  EmbeddingBagTester& include_last_offset(bool on) { include_last_offset_ = on; return *this; }
  // Indices after the last bag (include_last_offset only): ignored by every mode.
  EmbeddingBagTester& trailing_indices(int64_t n) { trailing_ = n; return *this; }
  EmbeddingBagTester& per_sample_weights(bool on) { psw_ = on; return *this; }
  EmbeddingBagTester& max_norm(double max_norm, double norm_type) {
    max_norm_ = max_norm; norm_type_ = norm_type; return *this;
  }
  EmbeddingBagTester& scale_grad_by_freq(bool on) { sgbf_ = on; return *this; }
  // Table values on a coarse grid (multiples of 1/4), so max mode sees ties.
  EmbeddingBagTester& coarse_values(bool on) { coarse_ = on; return *this; }
  // Bag 0 holds ten times the longest other bag: threads split its columns.
  EmbeddingBagTester& dominant_bag(bool on) { dominant_ = on; return *this; }
  EmbeddingBagTester& seed(uint64_t s) { seed_ = s; return *this; }

  // Offsets index type defaults to the indices' type; test_mixed swaps it.
  void test(const ebag::kernels::KernelSet<int32_t>& kernels) const;
  void test(const ebag::kernels::KernelSet<int64_t>& kernels) const;
  void test_mixed(const ebag::kernels::KernelSet<int32_t>& kernels) const;  // int64 offsets
  void test_mixed(const ebag::kernels::KernelSet<int64_t>& kernels) const;  // int32 offsets

  std::string describe() const;

 private:
  template <typename IndexT, typename OffsetT>
  void run(const ebag::kernels::KernelSet<IndexT>& kernels) const;

  int64_t rows_ = 50, dim_ = 8, bags_ = 6, min_len_ = 0, max_len_ = 8, trailing_ = 0;
  ebag::Mode mode_ = ebag::Mode::kSum;
  std::optional<int64_t> padding_idx_;
  double padding_rate_ = 0.2, duplicate_rate_ = 0.2;
  bool two_d_ = false, include_last_offset_ = false, psw_ = false, sgbf_ = false, coarse_ = false;
  bool dominant_ = false;
  std::optional<double> max_norm_;
  double norm_type_ = 2.0;
  uint64_t seed_ = 1;
};

// Every kernel variant of kernel_sets.inc, ref first.
template <typename IndexT>
std::vector<const ebag::kernels::KernelSet<IndexT>*> all_kernel_sets() {
  std::vector<const ebag::kernels::KernelSet<IndexT>*> sets;
#define EBAG_KERNEL_SET(variant) sets.push_back(&ebag::kernels::kernel_set__##variant<IndexT>());
#include "kernels/kernel_sets.inc"
#undef EBAG_KERNEL_SET
  return sets;
}

// Every mode of modes.inc, in its order.
inline std::vector<ebag::Mode> all_modes() {
  return {
#define EBAG_MODE(Name, number, name, per_sample_weights, scaled, argmax) ebag::Mode::k##Name,
#include "ebag/modes.inc"
#undef EBAG_MODE
  };
}
// Every row format of row_formats.inc, in its order.
inline std::vector<ebag::RowFormat> all_row_formats() {
  return {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) ebag::RowFormat::k##Name,
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
  };
}
inline bool takes_weights(ebag::Mode mode) { return ebag::mode_traits(mode)->per_sample_weights; }
inline bool is_argmax(ebag::Mode mode) { return ebag::mode_traits(mode)->argmax; }

// The suite's 3-thread pool, or nullptr in a build without threads.
ebag::ThreadPool* test_thread_pool();

// ulp distance between two floats of the same sign class (0 when equal bits).
int64_t ulp_distance(float a, float b);
