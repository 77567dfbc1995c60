// A growable array that reports allocation failure instead of throwing:
// without C++ exceptions (the wasm build) a failed std::vector allocation
// aborts the whole instance, and no input may do that. Part of the public
// interface (Workspace, SparseGradient use it); plain C++ only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

namespace ebag {

// The most bytes one Buffer may hold. In wasm32: the heap's maximum (4 GiB
// less one 64 KiB page, -sMAXIMUM_MEMORY=4GB), so that n * sizeof(T) never
// wraps in a 32-bit size_t; whether it can be had is the allocator's answer.
#if defined(__EMSCRIPTEN__)
inline constexpr uint64_t kMaxBytes = (uint64_t{1} << 32) - (uint64_t{1} << 16);
#else
inline constexpr uint64_t kMaxBytes = SIZE_MAX;
#endif

template <typename T>
class Buffer {
  static_assert(std::is_trivially_copyable_v<T>, "Buffer holds plain values");

 public:
  Buffer() = default;
  ~Buffer() { std::free(data_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& other) noexcept { swap(other); }
  Buffer& operator=(Buffer&& other) noexcept {
    swap(other);
    return *this;
  }

  // Sets the size to n, keeping the first min(n, size()) elements; new
  // elements are uninitialised. Capacity only grows. False (and nothing
  // changed) when memory cannot be had, or when n elements are more than
  // kMaxBytes: n is taken as 64 bits and never truncated to size_t (in
  // wasm32, 2^32 floats would otherwise become 0).
  [[nodiscard]] bool resize(uint64_t n) {
    if (n > kMaxBytes / sizeof(T)) return false;
    const auto count = static_cast<size_t>(n);
    if (count > capacity_) {
      void* grown = std::realloc(data_, count * sizeof(T));
      if (grown == nullptr) return false;
      data_ = static_cast<T*>(grown);
      capacity_ = count;
    }
    size_ = count;
    return true;
  }
  // As resize, with every new element (index >= size()) set to zero.
  [[nodiscard]] bool resize_zeroed(uint64_t n) {
    const size_t old = size_;
    if (!resize(n)) return false;
    if (size_ > old) std::memset(static_cast<void*>(data_ + old), 0, (size_ - old) * sizeof(T));
    return true;
  }
  // Frees the memory.
  void release() {
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity_bytes() const { return capacity_ * sizeof(T); }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  void swap(Buffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace ebag
