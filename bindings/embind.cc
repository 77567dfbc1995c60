// The Embind surface of the wasm module: BagCore and a few free functions (the
// calls of every forward / backward are plain exports: hot_calls.cc). The
// JavaScript wrapper (js/) is the only caller; users never see these names.
#include <emscripten/bind.h>

#include "bag_core.h"
#include "collection_core.h"
#include "kernels/ukernels.h"
#include "module_threads.h"
#include "registry_json.h"

using ebag::bindings::BagCore;
using ebag::bindings::CollectionCore;

EMSCRIPTEN_BINDINGS(embedding_bag) {
  emscripten::class_<BagCore>("BagCore")
      .constructor<double, double, int32_t>()
      .function("ok", &BagCore::ok)
      .function("address", &BagCore::address)
      .function("statusCode", &BagCore::status_code)
      .function("errorArgument", &BagCore::error_argument)
      .function("errorPosition", &BagCore::error_position)
      .function("errorValue", &BagCore::error_value)
      .function("quantized", &BagCore::quantized)
      .function("weightPtr", &BagCore::weight_ptr)
      .function("rowBytes", &BagCore::row_bytes)
      .function("quantizeFrom", &BagCore::quantize_from)
      .function("dequantizeInto", &BagCore::dequantize_into)
      .function("stageFloatRows", &BagCore::stage_float_rows)
      .function("quantizeStagedRows", &BagCore::quantize_staged_rows)
      .function("releaseStagedRows", &BagCore::release_staged_rows)
      .function("setOptions", &BagCore::set_options)
      .function("initNormal", &BagCore::init_normal)
      .function("stageHyperparameters", &BagCore::stage_hyperparameters)
      .function("setOptimizer", &BagCore::set_optimizer)
      .function("clearOptimizer", &BagCore::clear_optimizer)
      .function("hasOptimizer", &BagCore::has_optimizer)
      .function("optimizerStatePtr", &BagCore::optimizer_state_ptr)
      .function("optimizerSteps", &BagCore::optimizer_steps)
      .function("setOptimizerSteps", &BagCore::set_optimizer_steps)
      .function("heldBytes", &BagCore::held_bytes);
  emscripten::class_<CollectionCore>("CollectionCore")
      .constructor<>()
      .function("address", &CollectionCore::address)
      .function("addTable", &CollectionCore::add_table)
      .function("statusCode", &CollectionCore::status_code)
      .function("errorArgument", &CollectionCore::error_argument)
      .function("errorPosition", &CollectionCore::error_position)
      .function("errorValue", &CollectionCore::error_value)
      .function("errorKey", &CollectionCore::error_key)
      .function("errorTable", &CollectionCore::error_table);
  emscripten::function("allocatedHeapBytes", &ebag::bindings::allocated_heap_bytes);
  emscripten::function("startThreads", &ebag::bindings::start_threads);
  emscripten::function("stopThreads", &ebag::bindings::stop_threads);
  emscripten::function("threadCount", &ebag::bindings::thread_count);
  emscripten::function("setMinParallelWork", &ebag::bindings::set_min_parallel_work);
  emscripten::function("setWideSumBlocks", &ebag::kernels::prefer_wide_sum_blocks);
  emscripten::function("registry", &ebag::bindings::registry_json);
}
