// The staging buffers the wrapper writes a call's inputs into (BagCore,
// CollectionCore): a count from JavaScript is an integer in [0, 2^31 - 1]
// (the wrapper made sure; checked again here), and a buffer gets one spare
// element so that an empty one still has an address.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "ebag/buffer.h"
#include "ebag/embedding_bag.h"
#include "validate.h"

namespace ebag::bindings {

constexpr double kMaxCount = static_cast<double>(std::numeric_limits<int32_t>::max());

inline bool valid_count(double count) { return count >= 0 && count <= kMaxCount && std::floor(count) == count; }

// `buffer` resized for `count` elements of `element_bytes` bytes and the
// spare one; its address, or 0 with `status` saying why (kTooLarge,
// kOutOfMemory). The byte count is taken in 64 bits: 2^31 - 1 elements of 8
// bytes pass what wasm32 addresses.
template <typename T>
size_t stage_buffer(Buffer<T>& buffer, double count, size_t element_bytes, Status& status) {
  if (!valid_count(count)) {
    status = make_error(ErrorCode::kTooLarge, Argument::kNone, -1, static_cast<int64_t>(count));
    return 0;
  }
  const uint64_t bytes = static_cast<uint64_t>(count) * element_bytes;
  if (!buffer.resize((bytes + element_bytes + sizeof(T) - 1) / sizeof(T))) {
    status = out_of_memory(static_cast<double>(bytes));
    return 0;
  }
  return reinterpret_cast<size_t>(buffer.data());
}

}  // namespace ebag::bindings
