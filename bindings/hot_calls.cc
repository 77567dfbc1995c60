// The BagCore and CollectionCore calls made on every forward() /
// backward(), as plain wasm exports generated from hot_calls.inc: JS calls
// them directly (js/hot-calls.mjs, from the registry), without Embind's
// invokers (a tiny forward makes six calls: bench workload tiny-sum).
// Everything else (the constructor, options, errors, loaders) stays on
// Embind (embind.cc).
//
// `self` is the address address() gave; the wrapper stops calling once the
// object is disposed. Addresses come back as size_t (JS reads them
// unsigned).
#include <emscripten/emscripten.h>

#include "bag_core.h"
#include "collection_core.h"

using ebag::bindings::BagCore;
using ebag::bindings::CollectionCore;

extern "C" {

#define EBAG_HOT_CALL(Class, export_name, method, result, params, args) \
  EMSCRIPTEN_KEEPALIVE result ebag_##export_name params { return self->method args; }
#include "hot_calls.inc"
#undef EBAG_HOT_CALL

}  // extern "C"
