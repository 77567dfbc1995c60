// A fixed pool of worker threads for splitting one call across cores. Part of
// the public interface (embedding_bag.h takes a Parallelism that points at
// one). std::thread underneath: native threads, or Emscripten pthreads (Web
// Workers) in the threaded wasm build, where the pool must be created once
// with no more threads than PTHREAD_POOL_SIZE preloaded workers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ebag {

class ThreadPool {
 public:
  // num_threads counts the calling thread: num_threads - 1 workers start.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();  // stops and joins the workers
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(t) for every t in [0, tasks), tasks <= size(); the caller runs
  // task 0 itself, worker t - 1 runs task t. Returns when all have finished.
  // One run at a time (the pool is not shared between concurrent callers).
  void run(int tasks, const std::function<void(int)>& task);

  // How long a worker (or the caller, waiting for the workers) polls before
  // it blocks: waking a blocked thread costs tens of microseconds, more than
  // a whole small call, and calls tend to come back to back.
  static constexpr int kSpinPolls = 1 << 14;

 private:
  void worker_loop(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(int)>* task_ = nullptr;
  int tasks_ = 0;
  // Written under mutex_; atomic so that spinning threads can poll them.
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  bool stopping_ = false;
};

}  // namespace ebag
