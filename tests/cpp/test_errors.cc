// Every error code: the right code, argument, position and value, and a call
// that fails changes nothing (not the table, even with max_norm; not the output).
#include <cmath>
#include <cstring>
#include <limits>

#include "catch.hpp"
#include "ebag/embedding_bag.h"
#include "test_util.h"

using ebag::Argument;
using ebag::Bags;
using ebag::ErrorCode;
using ebag::Mode;
using ebag::Options;

namespace {

constexpr int64_t kN = 10, kD = 3;

// A valid call (sum, max_norm small enough to change every row) that each
// section breaks in one way.
struct Call {
  std::vector<int64_t> indices = {1, 2, 9, 0, 4};
  std::vector<int64_t> offsets = {0, 2, 5};
  std::vector<float> psw;
  bool two_d = false;
  int64_t rows = 0, row_length = 0;
  int64_t num_indices_override = -1;
  Options options;
  int64_t n = kN, d = kD;
  Call() {
    options.mode = Mode::kSum;
    options.max_norm = 0.5;
  }
  Bags<int64_t> bags() const {
    Bags<int64_t> b = two_d ? Bags<int64_t>::from_2d(indices.data(), rows, row_length)
                            : Bags<int64_t>::from_offsets(indices.data(), indices.size(),
                                                          offsets.data(), offsets.size());
    if (num_indices_override >= 0) b.num_indices = num_indices_override;
    if (!psw.empty()) b.with_per_sample_weights(psw.data(), psw.size());
    return b;
  }
};

void expect_error(const Call& c, ErrorCode code, Argument argument, int64_t position, int64_t value) {
  std::vector<float> table = test_util::counting_table(kN, kD);
  const std::vector<float> before = table;
  std::vector<float> out(64, 7.0f);
  std::vector<int32_t> argmax(64, 7);
  ebag::Workspace ws;
  const ebag::Status s = ebag::forward(ebag::Table{table.data(), c.n, c.d}, c.bags(), c.options,
                                       out.data(), argmax.data(), ws);
  INFO("got code " << static_cast<int>(s.code) << " (" << ebag::error_message(s.code) << ") argument "
                   << ebag::argument_name(s.argument) << " position " << s.position << " value " << s.value);
  CHECK(s.code == code);
  CHECK(s.argument == argument);
  CHECK(s.position == position);
  CHECK(s.value == value);
  CHECK(table == before);
  CHECK(out == std::vector<float>(64, 7.0f));
  CHECK(argmax == std::vector<int32_t>(64, 7));
  CHECK(std::string(ebag::error_message(s.code)).size() > 3);
  CHECK(std::string(ebag::argument_name(s.argument)).size() > 3);
}

}  // namespace

TEST_CASE("the valid call the error cases start from is valid", "[errors]") {
  Call c;
  std::vector<float> table = test_util::counting_table(kN, kD);
  std::vector<float> out(9);
  ebag::Workspace ws;
  REQUIRE(ebag::forward(ebag::Table{table.data(), kN, kD}, c.bags(), c.options, out.data(),
                        nullptr, ws).ok());
  CHECK(table != test_util::counting_table(kN, kD));  // max_norm did change rows
}

TEST_CASE("errors: table and options", "[errors]") {
  Call c;
  SECTION("N < 1") { c.n = 0; expect_error(c, ErrorCode::kBadNumEmbeddings, Argument::kNumEmbeddings, -1, 0); }
  SECTION("N too large") {
    c.n = int64_t{1} << 31;
    expect_error(c, ErrorCode::kBadNumEmbeddings, Argument::kNumEmbeddings, -1, int64_t{1} << 31);
  }
  SECTION("D < 1") { c.d = -3; expect_error(c, ErrorCode::kBadEmbeddingDim, Argument::kEmbeddingDim, -1, -3); }
  SECTION("unknown mode") {
    c.options.mode = static_cast<Mode>(7);
    expect_error(c, ErrorCode::kBadMode, Argument::kMode, -1, 7);
  }
  SECTION("padding_idx too small") {
    c.options.padding_idx = -11;
    expect_error(c, ErrorCode::kBadPaddingIdx, Argument::kPaddingIdx, -1, -11);
  }
  SECTION("padding_idx too large") {
    c.options.padding_idx = 10;
    expect_error(c, ErrorCode::kBadPaddingIdx, Argument::kPaddingIdx, -1, 10);
  }
  SECTION("max_norm negative") { c.options.max_norm = -1.0; expect_error(c, ErrorCode::kBadMaxNorm, Argument::kMaxNorm, -1, 0); }
  SECTION("max_norm NaN") { c.options.max_norm = NAN; expect_error(c, ErrorCode::kBadMaxNorm, Argument::kMaxNorm, -1, 0); }
  SECTION("norm_type 0") { c.options.norm_type = 0.0; expect_error(c, ErrorCode::kBadNormType, Argument::kNormType, -1, 0); }
  SECTION("norm_type NaN") { c.options.norm_type = NAN; expect_error(c, ErrorCode::kBadNormType, Argument::kNormType, -1, 0); }
  SECTION("max with scale_grad_by_freq") {
    c.options.mode = Mode::kMax;
    c.options.scale_grad_by_freq = true;
    expect_error(c, ErrorCode::kMaxModeWithScaleGradByFreq, Argument::kScaleGradByFreq, -1, 0);
  }
  SECTION("max with sparse") {
    c.options.mode = Mode::kMax;
    c.options.sparse = true;
    expect_error(c, ErrorCode::kMaxModeWithSparse, Argument::kSparse, -1, 0);
  }
}

// The index check works on blocks: the first bad index is found wherever it
// falls (first, middle or last block, block edges), for both index types,
// including an int64 index that would be in range if truncated to 32 bits.
template <typename IndexT>
void check_first_bad_index(int64_t position, IndexT bad, IndexT later_bad) {
  constexpr int64_t kCount = 1500;
  std::vector<IndexT> indices(kCount);
  for (int64_t i = 0; i < kCount; ++i) indices[i] = static_cast<IndexT>(i % kN);
  indices[position] = bad;
  if (position + 1 < kCount) indices[kCount - 1] = later_bad;
  const std::vector<int64_t> offsets = {0};
  std::vector<float> table = test_util::counting_table(kN, kD);
  std::vector<float> out(kD, 7.0f);
  ebag::Workspace ws;
  const auto bags = Bags<IndexT, int64_t>::from_offsets(indices.data(), kCount, offsets.data(), 1);
  const ebag::Status s = ebag::forward(ebag::Table{table.data(), kN, kD}, bags, Options{}, out.data(), nullptr, ws);
  INFO("position " << position << " value " << static_cast<int64_t>(bad));
  CHECK(s.code == ErrorCode::kIndexOutOfRange);
  CHECK(s.position == position);
  CHECK(s.value == static_cast<int64_t>(bad));
  CHECK(out == std::vector<float>(kD, 7.0f));
}

TEST_CASE("errors: the first out-of-range index among many", "[errors]") {
  for (const int64_t position : {0, 1, 511, 512, 700, 1023, 1024, 1499}) {
    check_first_bad_index<int32_t>(position, kN, -1);
    check_first_bad_index<int32_t>(position, -1, kN);
    check_first_bad_index<int32_t>(position, std::numeric_limits<int32_t>::min(), kN);
    check_first_bad_index<int64_t>(position, (int64_t{1} << 32) + 1, -1);
    check_first_bad_index<int64_t>(position, std::numeric_limits<int64_t>::min(), kN);
  }
}

TEST_CASE("errors: indices, offsets, 2-D shape, per_sample_weights", "[errors]") {
  Call c;
  SECTION("index >= N, last position") {
    c.indices[4] = 10;
    expect_error(c, ErrorCode::kIndexOutOfRange, Argument::kIndices, 4, 10);
  }
  SECTION("negative index") {
    c.indices[1] = -1;
    expect_error(c, ErrorCode::kIndexOutOfRange, Argument::kIndices, 1, -1);
  }
  SECTION("bad index after the bags with include_last_offset is still an error") {
    c.options.include_last_offset = true;
    c.offsets = {0, 2, 3};
    c.indices[4] = 1000;
    expect_error(c, ErrorCode::kIndexOutOfRange, Argument::kIndices, 4, 1000);
  }
  SECTION("offsets[0] != 0") {
    c.offsets[0] = 1;
    expect_error(c, ErrorCode::kFirstOffsetNotZero, Argument::kOffsets, 0, 1);
  }
  SECTION("decreasing offsets") {
    c.offsets = {0, 3, 2};
    expect_error(c, ErrorCode::kOffsetsDecreasing, Argument::kOffsets, 2, 2);
  }
  SECTION("offset past the end") {
    c.offsets = {0, 2, 6};
    expect_error(c, ErrorCode::kOffsetPastEnd, Argument::kOffsets, 2, 6);
  }
  SECTION("include_last_offset with no offsets") {
    c.options.include_last_offset = true;
    c.offsets.clear();
    expect_error(c, ErrorCode::kEmptyOffsetsWithIncludeLastOffset, Argument::kOffsets, -1, 0);
  }
  SECTION("2-D shape mismatch") {
    c.two_d = true;
    c.rows = 2;
    c.row_length = 2;
    c.num_indices_override = 5;
    expect_error(c, ErrorCode::kShapeMismatch, Argument::kIndices, -1, 5);
  }
  SECTION("2-D negative rows") {
    c.two_d = true;
    c.rows = -1;
    c.row_length = 5;
    expect_error(c, ErrorCode::kNegativeSize, Argument::kRows, -1, -1);
  }
  SECTION("negative num_indices") {
    c.num_indices_override = 0;
    Bags<int64_t> b = c.bags();
    b.num_indices = -4;
    std::vector<float> table = test_util::counting_table(kN, kD);
    std::vector<float> out(6);
    ebag::Workspace ws;
    const auto s = ebag::forward(ebag::Table{table.data(), kN, kD}, b, c.options, out.data(), nullptr, ws);
    CHECK(s.code == ErrorCode::kNegativeSize);
    CHECK(s.argument == Argument::kIndices);
    CHECK(s.value == -4);
  }
  SECTION("too many offsets") {
    Bags<int64_t> b = c.bags();
    b.num_offsets = int64_t{1} << 32;
    std::vector<float> table = test_util::counting_table(kN, kD);
    ebag::Workspace ws;
    float out[1];
    const auto s = ebag::forward(ebag::Table{table.data(), kN, kD}, b, c.options, out, nullptr, ws);
    CHECK(s.code == ErrorCode::kTooLarge);
    CHECK(s.argument == Argument::kOffsets);
  }
  SECTION("per_sample_weights with max") {
    c.options.mode = Mode::kMax;
    c.psw.assign(5, 1.0f);
    expect_error(c, ErrorCode::kPerSampleWeightsNotSupported, Argument::kPerSampleWeights, -1, 2);
  }
  SECTION("per_sample_weights of the wrong length") {
    c.psw.assign(4, 1.0f);
    expect_error(c, ErrorCode::kLengthMismatch, Argument::kPerSampleWeights, -1, 4);
  }
}

TEST_CASE("errors: missing buffers", "[errors]") {
  Call c;
  std::vector<float> table = test_util::counting_table(kN, kD);
  ebag::Workspace ws;
  float out[9];
  auto s = ebag::forward(ebag::Table{nullptr, kN, kD}, c.bags(), c.options, out, nullptr, ws);
  CHECK(s.code == ErrorCode::kMissingBuffer);
  CHECK(s.argument == Argument::kTable);
  s = ebag::forward(ebag::Table{table.data(), kN, kD}, c.bags(), c.options, nullptr, nullptr, ws);
  CHECK(s.code == ErrorCode::kMissingBuffer);
  CHECK(s.argument == Argument::kOutput);
  c.options.mode = Mode::kMax;
  s = ebag::forward(ebag::Table{table.data(), kN, kD}, c.bags(), c.options, out, nullptr, ws);
  CHECK(s.code == ErrorCode::kMissingBuffer);
  CHECK(s.argument == Argument::kArgmax);
  CHECK(table == test_util::counting_table(kN, kD));
  Bags<int64_t> b = c.bags();
  b.indices = nullptr;
  s = ebag::forward(ebag::Table{table.data(), kN, kD}, b, c.options, out, nullptr, ws);
  CHECK(s.code == ErrorCode::kMissingBuffer);
  CHECK(s.argument == Argument::kIndices);
}

TEST_CASE("errors: backward", "[errors]") {
  Call c;
  c.options.max_norm.reset();
  std::vector<float> table = test_util::counting_table(kN, kD);
  std::vector<float> grad_out(9, 1.0f);  // 3 bags x D = 3
  std::vector<float> grad(kN * kD, 5.0f);
  ebag::Workspace ws;
  const ebag::Table t{table.data(), kN, kD};
  SECTION("grad_output of the wrong length") {
    const auto s = ebag::backward_dense(t, c.bags(), c.options, grad_out.data(), 5, nullptr,
                                        grad.data(), nullptr, ws);
    CHECK(s.code == ErrorCode::kLengthMismatch);
    CHECK(s.argument == Argument::kGradOutput);
    CHECK(s.value == 5);
    CHECK(grad == std::vector<float>(kN * kD, 5.0f));
  }
  SECTION("sparse gradient of max") {
    c.options.mode = Mode::kMax;
    ebag::SparseGradient sparse;
    const auto s = ebag::backward_sparse(t, c.bags(), c.options, grad_out.data(), 9, sparse, nullptr, ws);
    CHECK(s.code == ErrorCode::kMaxModeWithSparse);
    CHECK(sparse.rows.empty());
  }
  SECTION("max without argmax") {
    c.options.mode = Mode::kMax;
    const auto s = ebag::backward_dense(t, c.bags(), c.options, grad_out.data(), 9, nullptr,
                                        grad.data(), nullptr, ws);
    CHECK(s.code == ErrorCode::kMissingBuffer);
    CHECK(s.argument == Argument::kArgmax);
    CHECK(grad == std::vector<float>(kN * kD, 5.0f));
  }
  SECTION("argmax out of range") {
    c.options.mode = Mode::kMax;
    const std::vector<int32_t> argmax = {1, 2, 3, 4, 10, 0, -1, -1, -1};
    const auto s = ebag::backward_dense(t, c.bags(), c.options, grad_out.data(), 9, argmax.data(),
                                        grad.data(), nullptr, ws);
    CHECK(s.code == ErrorCode::kBadArgmax);
    CHECK(s.position == 4);
    CHECK(s.value == 10);
    CHECK(grad == std::vector<float>(kN * kD, 5.0f));
  }
  SECTION("bad indices are caught in backward too") {
    c.indices[2] = 77;
    const auto s = ebag::backward_dense(t, c.bags(), c.options, grad_out.data(), 9, nullptr,
                                        grad.data(), nullptr, ws);
    CHECK(s.code == ErrorCode::kIndexOutOfRange);
    CHECK(s.position == 2);
    CHECK(grad == std::vector<float>(kN * kD, 5.0f));
  }
  SECTION("missing grad_weight") {
    const auto s = ebag::backward_dense(t, c.bags(), c.options, grad_out.data(), 9, nullptr,
                                        nullptr, nullptr, ws);
    CHECK(s.code == ErrorCode::kMissingBuffer);
    CHECK(s.argument == Argument::kGradWeight);
  }
}

TEST_CASE("errors: init_normal", "[errors]") {
  std::vector<float> w(6, 3.0f);
  CHECK(ebag::init_normal(ebag::Table{w.data(), 2, 3}, 1, 2).code == ErrorCode::kBadPaddingIdx);
  CHECK(ebag::init_normal(ebag::Table{w.data(), 0, 3}, 1, std::nullopt).code == ErrorCode::kBadNumEmbeddings);
  CHECK(ebag::init_normal(ebag::Table{nullptr, 2, 3}, 1, std::nullopt).code == ErrorCode::kMissingBuffer);
  CHECK(w == std::vector<float>(6, 3.0f));
}

TEST_CASE("every error code has a message", "[errors]") {
  for (int code = 0; code <= static_cast<int>(ErrorCode::kMissingBuffer); ++code) {
    CHECK(std::string(ebag::error_message(static_cast<ErrorCode>(code))) != "unknown error");
  }
  for (int a = 1; a <= static_cast<int>(Argument::kGradPerSampleWeights); ++a) {
    CHECK(std::string(ebag::argument_name(static_cast<Argument>(a))) != "unknown argument");
  }
}
