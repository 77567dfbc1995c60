// Buffer: the non-throwing growable array under Workspace and SparseGradient.
#include <cstdint>

#include "ebag/buffer.h"
#include "catch.hpp"

TEST_CASE("Buffer keeps contents when it grows, zeroes on request, reports failure", "[buffer]") {
  ebag::Buffer<int32_t> b;
  CHECK(b.empty());
  REQUIRE(b.resize(3));
  b[0] = 7; b[1] = 8; b[2] = 9;
  REQUIRE(b.resize_zeroed(6));
  CHECK(b[0] == 7);
  CHECK(b[2] == 9);
  CHECK(b[3] == 0);
  CHECK(b[5] == 0);
  const size_t capacity = b.capacity_bytes();
  REQUIRE(b.resize(2));  // shrinking keeps capacity
  CHECK(b.size() == 2);
  CHECK(b.capacity_bytes() == capacity);
  CHECK_FALSE(b.resize(SIZE_MAX / 2));  // cannot be had: false, nothing changed
  CHECK(b.size() == 2);
  CHECK(b[1] == 8);
  ebag::Buffer<int32_t> moved(std::move(b));
  CHECK(moved.size() == 2);
  CHECK(b.empty());
  moved.release();
  CHECK(moved.capacity_bytes() == 0);
}

TEST_CASE("Buffer never truncates a 64-bit size to size_t (wasm32: 2^32 floats is not 0)", "[buffer]") {
  ebag::Buffer<float> b;
  REQUIRE(b.resize(4));
  // Element counts that wrap to small numbers in a 32-bit size_t.
  for (uint64_t n : {uint64_t{1} << 32, (uint64_t{1} << 32) + 3, uint64_t{1} << 62, ~uint64_t{0}}) {
    if (n <= SIZE_MAX / sizeof(float)) continue;  // natively, 2^32 floats is a real (huge) request
    INFO("n = " << n);
    CHECK_FALSE(b.resize(n));
    CHECK_FALSE(b.resize_zeroed(n));
    CHECK(b.size() == 4);
  }
  // A negative int64 count is a huge uint64: refused everywhere.
  CHECK_FALSE(b.resize(static_cast<uint64_t>(int64_t{-1})));
  CHECK(b.size() == 4);
}
