// A growable array that reports allocation failure instead of throwing:
// without C++ exceptions (the wasm build) a failed std::vector allocation
// aborts the whole instance, and no input may do that. Part of the public
// interface (Workspace, SparseGradient use it); plain C++ only.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

namespace ebag {

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
  // changed) when memory cannot be had.
  [[nodiscard]] bool resize(size_t n) {
    if (n > capacity_) {
      if (n > SIZE_MAX / sizeof(T)) return false;
      void* grown = std::realloc(data_, n * sizeof(T));
      if (grown == nullptr) return false;
      data_ = static_cast<T*>(grown);
      capacity_ = n;
    }
    size_ = n;
    return true;
  }
  // As resize, with every new element (index >= size()) set to zero.
  [[nodiscard]] bool resize_zeroed(size_t n) {
    const size_t old = size_;
    if (!resize(n)) return false;
    if (n > old) std::memset(static_cast<void*>(data_ + old), 0, (n - old) * sizeof(T));
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
