// Quantized tables: the row formats (binary16 conversions, PyTorch's prepack
// arithmetic on rows known by hand), then every kernel set's quantized
// forward against the float forward of the same set over the dequantised
// table -- bit for bit, every format, mode and D around the SIMD tiles, with
// padding, per-sample weights, both index types, split over threads -- and
// the errors.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "catch.hpp"
#include "embedding_bag_internal.h"
#include "row_format.h"
#include "simd/vec128.h"
#include "test_util.h"
#include "tester.h"

namespace {

using ebag::ErrorCode;
using ebag::Mode;
using ebag::RowFormat;
using ebag::detail::float_bits;
using ebag::detail::float_to_half;
using ebag::detail::half_to_float;

const std::vector<RowFormat> kFormats = all_row_formats();
const std::vector<Mode> kModes = all_modes();

const char* format_name(RowFormat f) {
  return ebag::row_format_traits(f)->dtype;
}

std::vector<uint8_t> quantized(const std::vector<float>& w, int64_t n, int64_t d, RowFormat f) {
  std::vector<uint8_t> q(static_cast<size_t>(n * ebag::row_bytes(f, d)), 0xab);
  const ebag::Status s = ebag::quantize(ebag::Table{const_cast<float*>(w.data()), n, d}, f, q.data());
  REQUIRE(s.ok());
  return q;
}

std::vector<float> dequantized(const std::vector<uint8_t>& q, int64_t n, int64_t d, RowFormat f) {
  std::vector<float> w(static_cast<size_t>(n * d));
  REQUIRE(ebag::dequantize(ebag::QuantizedTable{q.data(), n, d, f}, w.data()).ok());
  return w;
}

// One random problem: bags (some empty) over a table of n rows.
template <typename IndexT>
struct Problem {
  std::vector<IndexT> indices;
  std::vector<IndexT> offsets;
  std::vector<float> weights;
};

template <typename IndexT>
Problem<IndexT> random_problem(std::mt19937_64& rng, int64_t n, int64_t bags, int64_t max_len,
                               int64_t pad, bool dominant) {
  Problem<IndexT> p;
  std::uniform_int_distribution<int64_t> row(0, n - 1), len(0, max_len);
  std::uniform_real_distribution<float> weight(-2.0f, 2.0f), coin(0.0f, 1.0f);
  for (int64_t b = 0; b < bags; ++b) {
    p.offsets.push_back(static_cast<IndexT>(p.indices.size()));
    const int64_t length = dominant && b == 0 ? 20 * max_len : len(rng);
    for (int64_t k = 0; k < length; ++k) {
      p.indices.push_back(static_cast<IndexT>(pad >= 0 && coin(rng) < 0.2f ? pad : row(rng)));
      p.weights.push_back(weight(rng));
    }
  }
  return p;
}

// Output B x D followed by guard values that must survive.
constexpr int kGuard = 8;
constexpr float kGuardValue = -12345.0f;

template <typename IndexT>
void check_against_float(const ebag::kernels::KernelSet<IndexT>& kernels, RowFormat format,
                         Mode mode, int64_t dim, bool with_psw, bool with_pad, bool dominant,
                         uint64_t seed) {
  const int64_t n = 37, bags = 9;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(static_cast<size_t>(n * dim));
  for (float& x : w) x = normal(rng);
  const std::vector<uint8_t> q = quantized(w, n, dim, format);
  std::vector<float> table = dequantized(q, n, dim, format);

  ebag::Options options;
  options.mode = mode;
  if (with_pad) options.padding_idx = -3;
  const int64_t pad = with_pad ? n - 3 : -1;
  Problem<IndexT> p = random_problem<IndexT>(rng, n, bags, 12, pad, dominant);
  auto call = ebag::Bags<IndexT>::from_offsets(p.indices.data(), static_cast<int64_t>(p.indices.size()),
                                               p.offsets.data(), bags);
  if (with_psw) call.with_per_sample_weights(p.weights.data(), static_cast<int64_t>(p.weights.size()));

  std::vector<float> expected(static_cast<size_t>(bags * dim + kGuard), kGuardValue);
  std::vector<int32_t> argmax(static_cast<size_t>(bags * dim));
  ebag::Workspace ws;
  REQUIRE(ebag::forward_with(kernels, ebag::Table{table.data(), n, dim}, call, options, expected.data(),
                             argmax.data(), ws).ok());

  const ebag::QuantizedTable qt{q.data(), n, dim, format};
  std::vector<float> got(expected.size(), kGuardValue);
  REQUIRE(ebag::quantized_forward_with(kernels, qt, call, options, got.data()).ok());
  INFO(kernels.name << " " << format_name(format) << " mode " << static_cast<int>(mode) << " D " << dim
                    << (with_psw ? " psw" : "") << (with_pad ? " pad" : "") << (dominant ? " dominant" : ""));
  CHECK(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);

  if (ebag::ThreadPool* pool = test_thread_pool()) {
    std::vector<float> split(expected.size(), kGuardValue);
    REQUIRE(ebag::quantized_forward_with(kernels, qt, call, options, split.data(),
                                         ebag::Parallelism{pool, 0}).ok());
    CHECK(std::memcmp(split.data(), got.data(), got.size() * sizeof(float)) == 0);
  }
}

}  // namespace

TEST_CASE("binary16: every value widens exactly, round-trips, and the SIMD decode agrees", "[quantized]") {
  for (uint32_t h = 0; h < 65536; h += 4) {
    uint8_t bytes[8];
    for (uint32_t k = 0; k < 4; ++k) {
      bytes[2 * k] = static_cast<uint8_t>((h + k) & 0xff);
      bytes[2 * k + 1] = static_cast<uint8_t>((h + k) >> 8);
    }
    const ebag::simd::F32x4 lanes = ebag::simd::load_half4(bytes, ebag::simd::decode_constants());
    for (uint32_t k = 0; k < 4; ++k) {
      const auto half = static_cast<uint16_t>(h + k);
      const float f = half_to_float(half);
      INFO("half 0x" << std::hex << half);
      REQUIRE(float_bits(ebag::simd::lane(lanes, static_cast<int>(k))) == float_bits(f));
      if (std::isnan(f)) {
        CHECK((float_to_half(f) & 0x7c00) == 0x7c00);
        CHECK((float_to_half(f) & 0x3ff) != 0);
      } else {
        REQUIRE(float_to_half(f) == half);
      }
    }
  }
  // Sixteen at a time (load_half16, the kernels' block decode), every half.
  for (uint32_t h = 0; h < 65536; h += 16) {
    uint8_t bytes[32];
    for (uint32_t k = 0; k < 16; ++k) {
      bytes[2 * k] = static_cast<uint8_t>((h + k) & 0xff);
      bytes[2 * k + 1] = static_cast<uint8_t>((h + k) >> 8);
    }
    ebag::simd::F32x4 lanes[4];
    ebag::simd::load_half16(bytes, lanes, ebag::simd::decode_constants());
    for (uint32_t k = 0; k < 16; ++k) {
      const auto half = static_cast<uint16_t>(h + k);
      INFO("half 0x" << std::hex << half << " (load_half16)");
      REQUIRE(float_bits(ebag::simd::lane(lanes[k / 4], static_cast<int>(k % 4))) == float_bits(half_to_float(half)));
    }
  }
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0x0001) == 0x1p-24f);
  CHECK(half_to_float(0x7bff) == 65504.0f);
  CHECK(std::isinf(half_to_float(0xfc00)));
}

TEST_CASE("binary16: rounding to nearest even, overflow to infinity", "[quantized][slow]") {
  struct Case { float x; uint16_t half; };
  const Case cases[] = {
      {1.0f, 0x3c00},           {1.0f + 0x1p-11f, 0x3c00},  // a tie: to even
      {1.0f + 0x3p-11f, 0x3c02}, {1.0f + 0x1p-12f, 0x3c00},
      {65504.0f, 0x7bff},       {65519.99f, 0x7bff},         {65520.0f, 0x7c00},
      {1e6f, 0x7c00},           {-65520.0f, 0xfc00},
      {0x1p-14f, 0x0400},       {0x1p-24f, 0x0001},          {0x1p-25f, 0x0000},  // ties to even (0)
      {0x3p-25f, 0x0002},       {0x5p-26f, 0x0001},          {-0.0f, 0x8000},
      {0x1.ffcp-15f, 0x0400},   // the largest subnormal rounds up into the normals
  };
  for (const Case& c : cases) {
    INFO("x = " << c.x);
    CHECK(float_to_half(c.x) == c.half);
  }
#if defined(__FLT16_MAX__) && !defined(__EMSCRIPTEN__)
  // The compiler's own conversion, over a spread of float bit patterns.
  for (uint64_t bits = 0; bits < (1ull << 32); bits += 4099) {
    const float x = ebag::detail::bits_float(static_cast<uint32_t>(bits));
    if (std::isnan(x)) continue;
    const _Float16 h = static_cast<_Float16>(x);
    uint16_t expected;
    std::memcpy(&expected, &h, 2);
    INFO("bits 0x" << std::hex << bits);
    REQUIRE(float_to_half(x) == expected);
  }
#endif
}

TEST_CASE("quantize: rows known by hand, as PyTorch's prepack ops write them", "[quantized]") {
  std::vector<float> row = {-1.0f, 0.0f, 0.5f, 1.0f};
  SECTION("int8: codes, then float32 scale = range / 255 and bias = min") {
    const std::vector<uint8_t> q = quantized(row, 1, 4, RowFormat::kInt8RowWise);
    REQUIRE(q.size() == 12);
    // inverse scale 255 / (2 + 1e-8) = 127.5: codes 0, 127.5 -> 128 (even), 191.25 -> 191, 255.
    CHECK(std::vector<uint8_t>(q.begin(), q.begin() + 4) == std::vector<uint8_t>{0, 128, 191, 255});
    CHECK(ebag::detail::load_f32(&q[4]) == 2.0f / 255.0f);
    CHECK(ebag::detail::load_f32(&q[8]) == -1.0f);
    const std::vector<float> back = dequantized(q, 1, 4, RowFormat::kInt8RowWise);
    CHECK(back[2] == 191.0f * (2.0f / 255.0f) + -1.0f);
  }
  SECTION("int4: low nibble first, then binary16 scale and bias") {
    const std::vector<uint8_t> q = quantized(row, 1, 4, RowFormat::kInt4RowWise);
    REQUIRE(q.size() == 6);
    // scale = half(2 / 15) = 0x3044 (0.13330078125); codes 0, 8, 11, 15.
    CHECK(std::vector<uint8_t>(q.begin(), q.end()) == std::vector<uint8_t>{0x80, 0xfb, 0x44, 0x30, 0x00, 0xbc});
    const std::vector<float> back = dequantized(q, 1, 4, RowFormat::kInt4RowWise);
    CHECK(back[1] == 8.0f * 0.13330078125f + -1.0f);
  }
  SECTION("int4, odd D: the last byte's high nibble stays 0") {
    std::vector<float> odd = {0.0f, 1.0f, 2.0f};
    const std::vector<uint8_t> q = quantized(odd, 1, 3, RowFormat::kInt4RowWise);
    REQUIRE(q.size() == 2 + 4);
    CHECK((q[1] >> 4) == 0);
  }
  SECTION("constant rows decode to their value") {
    std::vector<float> flat = {0.3f, 0.3f, 0.3f};
    CHECK(dequantized(quantized(flat, 1, 3, RowFormat::kInt8RowWise), 1, 3, RowFormat::kInt8RowWise) == flat);
    const std::vector<float> four = dequantized(quantized(flat, 1, 3, RowFormat::kInt4RowWise), 1, 3,
                                                RowFormat::kInt4RowWise);
    // bias = half(0.3) = 0.30005 > 0.3, so max - bias is a tiny negative
    // range and the codes make up the difference (as in PyTorch).
    CHECK(std::fabs(four[0] - 0.3f) < 1e-4f);
  }
  SECTION("float16: each value rounded to nearest even") {
    const std::vector<uint8_t> q = quantized(row, 1, 4, RowFormat::kFloat16);
    CHECK(std::vector<uint8_t>(q.begin(), q.end()) ==
          std::vector<uint8_t>{0x00, 0xbc, 0x00, 0x00, 0x00, 0x38, 0x00, 0x3c});
  }
  CHECK(ebag::row_bytes(RowFormat::kInt8RowWise, 64) == 72);
  CHECK(ebag::row_bytes(RowFormat::kInt4RowWise, 64) == 36);
  CHECK(ebag::row_bytes(RowFormat::kInt4RowWise, 7) == 8);
  CHECK(ebag::row_bytes(RowFormat::kFloat16, 64) == 128);
  CHECK(ebag::row_bytes(static_cast<RowFormat>(9), 64) == 0);
}

TEST_CASE("quantized forward = float forward over the dequantised table, every kernel set", "[quantized]") {
  const int64_t dims[] = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 20, 31, 32, 33, 63, 64, 65, 100, 129};
  uint64_t seed = 1;
  for (RowFormat format : kFormats) {
    for (Mode mode : kModes) {
      for (int64_t dim : dims) {
        for (const auto* k : all_kernel_sets<int32_t>()) {
          check_against_float(*k, format, mode, dim, false, false, false, seed++);
          check_against_float(*k, format, mode, dim, false, true, false, seed++);
          if (takes_weights(mode)) check_against_float(*k, format, mode, dim, true, true, false, seed++);
        }
        for (const auto* k : all_kernel_sets<int64_t>()) {
          check_against_float(*k, format, mode, dim, takes_weights(mode), true, false, seed++);
        }
      }
      // One bag with most of the entries: threads split the columns.
      for (int64_t dim : {16, 33, 64}) {
        for (const auto* k : all_kernel_sets<int32_t>()) check_against_float(*k, format, mode, dim, false, true, true, seed++);
      }
    }
  }
}

TEST_CASE("quantized forward: the public entry point, 2-D input, include_last_offset", "[quantized]") {
  // W[r] = (r, r + 0.5, ...): every value exact in every format at this size.
  const int64_t n = 6, d = 5;
  std::vector<float> w(n * d);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < d; ++c) w[r * d + c] = static_cast<float>(r) + 0.5f * static_cast<float>(c % 2);
  }
  for (RowFormat format : {RowFormat::kFloat16, RowFormat::kInt8RowWise}) {
    const std::vector<uint8_t> q = quantized(w, n, d, format);
    const ebag::QuantizedTable qt{q.data(), n, d, format};
    const std::vector<int32_t> input = {1, 2, 5, 0};  // 2 x 2
    ebag::Options o;
    o.mode = Mode::kSum;
    std::vector<float> out(2 * d);
    REQUIRE(ebag::forward(qt, ebag::Bags<int32_t>::from_2d(input.data(), 2, 2), o, out.data()).ok());
    INFO(format_name(format));
    CHECK(std::fabs(out[0] - 3.0f) < 0.02f);
    CHECK(std::fabs(out[1] - 4.0f) < 0.02f);
    CHECK(std::fabs(out[d] - 5.0f) < 0.02f);
    o.mode = Mode::kMax;
    o.include_last_offset = true;
    const std::vector<int32_t> offsets = {0, 3, 3};  // bag 1 empty; entry 3 after the last bag
    REQUIRE(ebag::forward(qt, ebag::Bags<int32_t>::from_offsets(input.data(), 4, offsets.data(), 3), o,
                          out.data()).ok());
    CHECK(std::fabs(out[0] - 5.0f) < 0.02f);
    CHECK(out[d] == 0.0f);
  }
}

TEST_CASE("quantized errors name the argument and change nothing", "[quantized]") {
  const int64_t n = 4, d = 3;
  std::vector<float> w = test_util::counting_table(n, d);
  const std::vector<uint8_t> q = quantized(w, n, d, RowFormat::kInt8RowWise);
  const std::vector<int32_t> indices = {0, 3, 1};
  const std::vector<int32_t> offsets = {0, 2};
  const auto bags = ebag::Bags<int32_t>::from_offsets(indices.data(), 3, offsets.data(), 2);
  std::vector<float> out(2 * d, kGuardValue);
  ebag::Options o;

  SECTION("max_norm needs a float32 table") {
    o.max_norm = 1.0;
    const ebag::Status s = ebag::forward(ebag::QuantizedTable{q.data(), n, d, RowFormat::kInt8RowWise}, bags, o, out.data());
    CHECK(s.code == ErrorCode::kQuantizedTable);
    CHECK(s.argument == ebag::Argument::kMaxNorm);
  }
  SECTION("an unknown row format") {
    const ebag::Status s = ebag::forward(ebag::QuantizedTable{q.data(), n, d, static_cast<RowFormat>(7)}, bags, o, out.data());
    CHECK(s.code == ErrorCode::kBadRowFormat);
    CHECK(s.value == 7);
  }
  SECTION("an index out of range") {
    const std::vector<int32_t> bad = {0, 4, 1};
    const ebag::Status s = ebag::forward(ebag::QuantizedTable{q.data(), n, d, RowFormat::kInt8RowWise},
                                         ebag::Bags<int32_t>::from_offsets(bad.data(), 3, offsets.data(), 2), o,
                                         out.data());
    CHECK(s.code == ErrorCode::kIndexOutOfRange);
    CHECK(s.position == 1);
    CHECK(s.value == 4);
  }
  SECTION("a missing table") {
    const ebag::Status s = ebag::forward(ebag::QuantizedTable{nullptr, n, d, RowFormat::kInt8RowWise}, bags, o, out.data());
    CHECK(s.code == ErrorCode::kMissingBuffer);
  }
  for (float x : out) CHECK(x == kGuardValue);
}

TEST_CASE("quantize refuses values it cannot represent, before writing anything", "[quantized]") {
  struct Case {
    RowFormat format;
    int64_t row, col;
    float value;
  };
  const Case cases[] = {
      {RowFormat::kInt8RowWise, 2, 1, NAN},
      {RowFormat::kInt4RowWise, 3, 0, INFINITY},
      {RowFormat::kFloat16, 1, 2, 65520.0f},     // rounds past 65504
      {RowFormat::kFloat16, 0, 0, -1e30f},
      {RowFormat::kInt8RowWise, 1, 2, 3e38f},    // with -3e38 below: max - min overflows
      {RowFormat::kInt4RowWise, 2, 2, -70000.0f},  // half(min) overflows
  };
  for (const Case& c : cases) {
    const int64_t n = 4, d = 3;
    std::vector<float> w = test_util::counting_table(n, d);
    w[c.row * d + c.col] = c.value;
    if (c.value == 3e38f) w[c.row * d] = -3e38f;
    std::vector<uint8_t> q(static_cast<size_t>(n * ebag::row_bytes(c.format, d)), 0xab);
    const ebag::Status s = ebag::quantize(ebag::Table{w.data(), n, d}, c.format, q.data());
    INFO(format_name(c.format) << " value " << c.value);
    CHECK(s.code == ErrorCode::kNotQuantizable);
    CHECK(s.argument == ebag::Argument::kTable);
    CHECK(s.position == c.row * d + c.col);
    for (uint8_t byte : q) REQUIRE(byte == 0xab);
  }
  std::vector<float> edge = {65504.0f, 65519.0f, -65504.0f};
  std::vector<uint8_t> q(6);
  CHECK(ebag::quantize(ebag::Table{edge.data(), 1, 3}, RowFormat::kFloat16, q.data()).ok());
  CHECK(ebag::quantize(ebag::Table{edge.data(), 1, 3}, static_cast<RowFormat>(0), q.data()).code ==
        ErrorCode::kBadRowFormat);
}

TEST_CASE("quantize_rows: a table quantized in chunks of rows is the whole table's quantize, byte for byte", "[quantized]") {
  std::mt19937 rng(30);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (RowFormat f : kFormats) {
    for (int64_t d : {1, 3, 16, 33}) {
      const int64_t n = 37;
      std::vector<float> w(static_cast<size_t>(n * d));
      for (float& x : w) x = normal(rng);
      w[5 * d] = -0.0f;  // a row of equal values: scale 0 / 1
      for (int64_t c = 0; c < d; ++c) w[7 * d + c] = 2.5f;
      const std::vector<uint8_t> whole = quantized(w, n, d, f);
      const int64_t stride = ebag::row_bytes(f, d);
      for (int64_t chunk : {1, 4, 36, 37}) {
        INFO(format_name(f) << " D " << d << " chunk " << chunk);
        std::vector<uint8_t> q(whole.size(), 0xab);
        for (int64_t first = 0; first < n; first += chunk) {
          const int64_t rows = std::min(chunk, n - first);
          // Only those rows, copied out, as a loader stages them.
          std::vector<float> part(w.begin() + first * d, w.begin() + (first + rows) * d);
          REQUIRE(ebag::quantize_rows(ebag::Table{part.data(), rows, d}, first, f, q.data() + first * stride).ok());
        }
        CHECK(q == whole);
      }
    }
  }
}

TEST_CASE("quantize_rows: a refusal counts its position from the table's start and writes nothing", "[quantized]") {
  const int64_t d = 3;
  std::vector<float> part = test_util::counting_table(2, d);
  part[1 * d + 2] = NAN;
  std::vector<uint8_t> q(static_cast<size_t>(2 * ebag::row_bytes(RowFormat::kInt8RowWise, d)), 0xab);
  const ebag::Status s = ebag::quantize_rows(ebag::Table{part.data(), 2, d}, 40, RowFormat::kInt8RowWise, q.data());
  CHECK(s.code == ErrorCode::kNotQuantizable);
  CHECK(s.position == (40 + 1) * d + 2);
  for (uint8_t byte : q) REQUIRE(byte == 0xab);
  CHECK(ebag::quantize_rows(ebag::Table{part.data(), 2, d}, -1, RowFormat::kInt8RowWise, q.data()).code ==
        ErrorCode::kBadNumEmbeddings);
}
