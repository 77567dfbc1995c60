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

#if defined(__EMSCRIPTEN__)
#include <emscripten/heap.h>

// The modules' allocator (third_party/emmalloc) past 2 GiB: one request of
// most of the heap succeeds, is reused once freed, and a second one while it
// lives fails instead of overlapping it (3.1.6's emmalloc compared pointers
// that wrap past 4 GiB and handed out such overlapping memory). Run on a
// fresh heap (its own ctest entry: tests/cpp/CMakeLists.txt).
TEST_CASE("Buffer: one allocation of most of the wasm heap, reused, never overlapped", "[buffer][heap]") {
  const uint64_t heap_max = emscripten_get_heap_max();
  const uint64_t big = heap_max / 10 * 7;  // 3 GiB with -sMAXIMUM_MEMORY=4GB
  ebag::Buffer<uint8_t> first;
  REQUIRE(first.resize(big));
  const auto start = reinterpret_cast<uint64_t>(first.data());
  CHECK(start + big <= heap_max);
  first[0] = 1;
  first[big - 1] = 2;  // the last byte is inside the heap
  first.release();
  REQUIRE(first.resize(big));  // the freed space is found again
  ebag::Buffer<uint8_t> second;
  CHECK_FALSE(second.resize(big));  // cannot fit beside it: refused
  CHECK(second.empty());
  ebag::Buffer<uint8_t> small;
  REQUIRE(small.resize(1 << 20));
  CHECK_FALSE(small.resize(big));  // growing in place across the heap's end: refused, kept
  CHECK(small.size() == (1u << 20));
  const auto small_start = reinterpret_cast<uint64_t>(small.data());
  const auto first_start = reinterpret_cast<uint64_t>(first.data());
  CHECK((small_start + (1 << 20) <= first_start || small_start >= first_start + big));
}
#endif
