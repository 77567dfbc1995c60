#include "module_threads.h"

#include "ebag/thread_pool.h"

namespace ebag::bindings {
namespace {

// One pool per wasm instance: init() starts it, shutdown() stops it.
Parallelism g_parallelism;
ThreadPool* g_pool = nullptr;

}  // namespace

int32_t start_threads(int32_t num_threads) {
#if defined(__EMSCRIPTEN_PTHREADS__) || !defined(__EMSCRIPTEN__)
  if (g_pool == nullptr && num_threads > 1) {
    g_pool = new ThreadPool(num_threads);
    g_parallelism.pool = g_pool;
  }
#else
  (void)num_threads;
#endif
  return thread_count();
}

void stop_threads() {
  g_parallelism.pool = nullptr;
  delete g_pool;
  g_pool = nullptr;
}

int32_t thread_count() { return g_pool != nullptr ? g_pool->size() : 1; }

void set_min_parallel_work(double work) { g_parallelism.min_work = static_cast<int64_t>(work); }

const Parallelism& module_parallelism() { return g_parallelism; }

}  // namespace ebag::bindings
