// The BagCore calls made on every forward() / backward(), as plain wasm
// exports: JS calls them directly (js/hot-calls.mjs), without Embind's
// invokers. Built with -sDYNAMIC_EXECUTION=0 (no eval, for strict
// Content-Security-Policy pages) those invokers are generic (they walk their
// argument list at run time), and a tiny forward makes six calls (bench
// workload tiny-sum). Everything else (the
// constructor, options, errors, loaders) stays on Embind (embind.cc).
//
// `core` is the address BagCore::address() gave; the wrapper stops calling
// once the bag is disposed. Addresses come back as size_t (JS reads them
// unsigned).
#include <emscripten/emscripten.h>

#include "bag_core.h"
#include "collection_core.h"

using ebag::bindings::BagCore;
using ebag::bindings::CollectionCore;

extern "C" {

EMSCRIPTEN_KEEPALIVE size_t ebag_stage_indices(BagCore* core, int32_t kind, double count) {
  return core->stage_indices(kind, count);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_stage_offsets(BagCore* core, int32_t kind, double count) {
  return core->stage_offsets(kind, count);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_stage_per_sample_weights(BagCore* core, double count) {
  return core->stage_per_sample_weights(count);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_stage_grad_output(BagCore* core, double count) {
  return core->stage_grad_output(count);
}
EMSCRIPTEN_KEEPALIVE int32_t ebag_forward(BagCore* core, bool offsets_form, double rows, double row_length,
                                          bool with_per_sample_weights) {
  return core->forward(offsets_form, rows, row_length, with_per_sample_weights);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_output_ptr(const BagCore* core) { return core->output_ptr(); }
EMSCRIPTEN_KEEPALIVE double ebag_last_num_bags(const BagCore* core) { return core->last_num_bags(); }
EMSCRIPTEN_KEEPALIVE int32_t ebag_backward(BagCore* core, double grad_output_length, bool sparse,
                                           bool want_per_sample_weights_grad) {
  return core->backward(grad_output_length, sparse, want_per_sample_weights_grad);
}
EMSCRIPTEN_KEEPALIVE int32_t ebag_step(BagCore* core, double grad_output_length, bool want_per_sample_weights_grad) {
  return core->step(grad_output_length, want_per_sample_weights_grad);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_grad_weight_ptr(const BagCore* core) { return core->grad_weight_ptr(); }
EMSCRIPTEN_KEEPALIVE size_t ebag_sparse_rows_ptr(const BagCore* core) { return core->sparse_rows_ptr(); }
EMSCRIPTEN_KEEPALIVE size_t ebag_sparse_values_ptr(const BagCore* core) { return core->sparse_values_ptr(); }
EMSCRIPTEN_KEEPALIVE double ebag_sparse_row_count(const BagCore* core) { return core->sparse_row_count(); }
EMSCRIPTEN_KEEPALIVE size_t ebag_grad_per_sample_weights_ptr(const BagCore* core) {
  return core->grad_per_sample_weights_ptr();
}
EMSCRIPTEN_KEEPALIVE double ebag_gradient_row_runs(BagCore* core) { return core->gradient_row_runs(); }
EMSCRIPTEN_KEEPALIVE size_t ebag_row_runs_ptr(const BagCore* core) { return core->row_runs_ptr(); }
EMSCRIPTEN_KEEPALIVE void ebag_release_gradients(BagCore* core) { core->release_gradients(); }

// An EmbeddingBagCollection's call (collection_core.h).
EMSCRIPTEN_KEEPALIVE size_t ebag_stage_vectors(BagCore* core, double count) { return core->stage_vectors(count); }
EMSCRIPTEN_KEEPALIVE int32_t ebag_row_dots(BagCore* core, double count) { return core->row_dots(count); }
EMSCRIPTEN_KEEPALIVE size_t ebag_dots_ptr(const BagCore* core) { return core->dots_ptr(); }
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_stage_values(CollectionCore* c, int32_t kind, double count) {
  return c->stage_values(kind, count);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_stage_lengths(CollectionCore* c, double count) { return c->stage_lengths(count); }
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_stage_weights(CollectionCore* c, double count) { return c->stage_weights(count); }
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_stage_keys(CollectionCore* c, double count) { return c->stage_keys(count); }
EMSCRIPTEN_KEEPALIVE int32_t ebag_collection_forward(CollectionCore* c, double num_keys, double batch, bool offsets_form,
                                                     bool with_weights, double total_dim) {
  return c->forward(num_keys, batch, offsets_form, with_weights, total_dim);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_output_ptr(const CollectionCore* c) { return c->output_ptr(); }
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_stage_grad_output(CollectionCore* c, double count) {
  return c->stage_grad_output(count);
}
EMSCRIPTEN_KEEPALIVE int32_t ebag_collection_backward(CollectionCore* c, double length, bool sparse, bool want_weights_grad) {
  return c->backward(length, sparse, want_weights_grad);
}
EMSCRIPTEN_KEEPALIVE int32_t ebag_collection_step(CollectionCore* c, double length, bool want_weights_grad) {
  return c->step(length, want_weights_grad);
}
EMSCRIPTEN_KEEPALIVE size_t ebag_collection_weights_grad_ptr(const CollectionCore* c) { return c->weights_grad_ptr(); }
EMSCRIPTEN_KEEPALIVE double ebag_collection_table_ids(const CollectionCore* c, int32_t table) { return c->table_ids(table); }

}  // extern "C"
