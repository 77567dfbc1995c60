// A fixed pool of worker threads for splitting one call across cores. Part of
// the public interface (embedding_bag.h takes a Parallelism that points at
// one). std::thread underneath: native threads, or Emscripten pthreads (Web
// Workers) in the threaded wasm build, where the pool must be created once
// with no more threads than PTHREAD_POOL_SIZE preloaded workers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace ebag {

// A task t -> void that ThreadPool::run calls, taken by reference: any
// callable (a lambda, a std::function) converts to it, and it must outlive
// the run it is passed to (a temporary in the call's expression does). A
// std::function would do, but each callable type wrapped in one brings its
// own copy, destroy and call functions into the module.
class TaskRef {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TaskRef>>>
  TaskRef(F&& f)  // NOLINT(google-explicit-constructor): as std::function converts
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_(&call<std::remove_reference_t<F>>) {}
  void operator()(int t) const { call_(object_, t); }

 private:
  template <typename F>
  static void call(void* f, int t) {
    (*static_cast<F*>(f))(t);
  }
  void* object_;
  void (*call_)(void*, int);
};

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
  void run(int tasks, TaskRef task);

  // Runs chunk(c) for every c in [0, chunks), each once, on whichever thread
  // is free: the caller starts at once and takes chunks until none are left,
  // a worker takes them from when it wakes. Returns when every chunk is done
  // and no worker still runs one; a worker that wakes after the last chunk
  // was taken is not waited for (on a loaded machine that wake-up can cost
  // as much as the call). One run at a time, as run().
  void run_shared(int chunks, TaskRef chunk);

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
  const TaskRef* task_ = nullptr;
  int tasks_ = 0;
  // run_shared's call in progress, while chunks may still be taken (null
  // once the caller has closed it: a later worker skips it).
  struct SharedRun {
    const TaskRef* chunk;
    int chunks;
    std::atomic<int> next{0};
    std::atomic<int> active{0};  // workers inside it; written under mutex_, polled
  };
  SharedRun* shared_ = nullptr;
  // Written under mutex_; atomic so that spinning threads can poll them.
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  bool stopping_ = false;
};

}  // namespace ebag
