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
