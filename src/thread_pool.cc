#include "ebag/thread_pool.h"

namespace ebag {

ThreadPool::ThreadPool(int num_threads) {
  for (int w = 1; w < num_threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(int tasks, TaskRef task) {
  if (tasks <= 1 || workers_.empty()) {
    for (int t = 0; t < tasks; ++t) task(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    tasks_ = tasks;
    pending_ = tasks - 1;
    ++generation_;
  }
  start_.notify_all();
  task(0);
  for (int poll = 0; poll < kSpinPolls && pending_.load(std::memory_order_acquire) != 0; ++poll) {
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_.load(std::memory_order_relaxed) == 0; });
  task_ = nullptr;
}

void ThreadPool::run_shared(int chunks, TaskRef chunk) {
  if (chunks <= 1 || workers_.empty()) {
    for (int c = 0; c < chunks; ++c) chunk(c);
    return;
  }
  SharedRun run;
  run.chunk = &chunk;
  run.chunks = chunks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shared_ = &run;
    ++generation_;
  }
  start_.notify_all();
  for (int c; (c = run.next.fetch_add(1, std::memory_order_relaxed)) < chunks;) chunk(c);
  // Closed under the mutex: a worker joins only while shared_ points here,
  // and the caller waits for those that joined (their writes are seen once
  // it holds the mutex after their last decrement).
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shared_ = nullptr;
  }
  for (int poll = 0; poll < kSpinPolls && run.active.load(std::memory_order_acquire) != 0; ++poll) {
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return run.active.load(std::memory_order_relaxed) == 0; });
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const TaskRef* task;
    SharedRun* shared = nullptr;
    for (int poll = 0; poll < kSpinPolls && generation_.load(std::memory_order_acquire) == seen; ++poll) {
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stopping_) return;
      seen = generation_.load(std::memory_order_relaxed);
      if (shared_ != nullptr) {
        shared = shared_;
        ++shared->active;
      } else if (index >= tasks_ || task_ == nullptr) {
        continue;
      }
      task = task_;
    }
    if (shared != nullptr) {
      for (int c; (c = shared->next.fetch_add(1, std::memory_order_relaxed)) < shared->chunks;) (*shared->chunk)(c);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--shared->active == 0) done_.notify_one();
      continue;
    }
    (*task)(index);
    std::lock_guard<std::mutex> lock(mutex_);
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace ebag
