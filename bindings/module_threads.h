// The module's thread pool, shared by every BagCore of one wasm instance.
#pragma once

#include <cstdint>

#include "ebag/embedding_bag.h"

namespace ebag::bindings {

// start_threads(n) makes n - 1 workers (the threaded build preloads exactly
// that many; asking 3.1.6 for more hangs) and returns the thread count now in
// use: 1 in the single-threaded build. stop_threads() joins the workers.
int32_t start_threads(int32_t num_threads);
void stop_threads();
int32_t thread_count();
// Calls whose work (bag entries x embedding_dim) is below this stay on the
// calling thread.
void set_min_parallel_work(double work);
// What every BagCore call passes to the library.
const Parallelism& module_parallelism();

}  // namespace ebag::bindings
