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

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const TaskRef* task;
    for (int poll = 0; poll < kSpinPolls && generation_.load(std::memory_order_acquire) == seen; ++poll) {
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stopping_) return;
      seen = generation_.load(std::memory_order_relaxed);
      if (index >= tasks_) continue;
      task = task_;
    }
    (*task)(index);
    std::lock_guard<std::mutex> lock(mutex_);
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace ebag
