// The BagCore calls of every forward() / backward(), straight to the plain
// wasm exports of bindings/hot_calls.cc (one closure per bag, made once):
// Embind's invokers, built without eval for strict Content-Security-Policy
// pages, are generic and slow on a per-call path. Addresses are read unsigned (>>> 0). Only the
// class calls these, and only while its BagCore is alive.
export function hotCalls(m, core) {
  const self = core.address();
  return {
    stageIndices: (kind, count) => m._ebag_stage_indices(self, kind, count) >>> 0,
    stageOffsets: (kind, count) => m._ebag_stage_offsets(self, kind, count) >>> 0,
    stagePerSampleWeights: (count) => m._ebag_stage_per_sample_weights(self, count) >>> 0,
    stageGradOutput: (count) => m._ebag_stage_grad_output(self, count) >>> 0,
    forward: (offsetsForm, rows, rowLength, withPsw) => m._ebag_forward(self, offsetsForm, rows, rowLength, withPsw),
    outputPtr: () => m._ebag_output_ptr(self) >>> 0,
    lastNumBags: () => m._ebag_last_num_bags(self),
    backward: (length, sparse, wantPsw) => m._ebag_backward(self, length, sparse, wantPsw),
    step: (length, wantPsw) => m._ebag_step(self, length, wantPsw),
    gradWeightPtr: () => m._ebag_grad_weight_ptr(self) >>> 0,
    sparseRowsPtr: () => m._ebag_sparse_rows_ptr(self) >>> 0,
    sparseValuesPtr: () => m._ebag_sparse_values_ptr(self) >>> 0,
    sparseRowCount: () => m._ebag_sparse_row_count(self),
    gradPerSampleWeightsPtr: () => m._ebag_grad_per_sample_weights_ptr(self) >>> 0,
    gradientRowRuns: () => m._ebag_gradient_row_runs(self),
    rowRunsPtr: () => m._ebag_row_runs_ptr(self) >>> 0,
    releaseGradients: () => m._ebag_release_gradients(self),
    stageVectors: (count) => m._ebag_stage_vectors(self, count) >>> 0,
    rowDots: (count) => m._ebag_row_dots(self, count),
    dotsPtr: () => m._ebag_dots_ptr(self) >>> 0,
  };
}

/** The calls of an EmbeddingBagCollection's forward / backward (a CollectionCore). */
export function collectionCalls(m, core) {
  const self = core.address();
  return {
    stageValues: (kind, count) => m._ebag_collection_stage_values(self, kind, count) >>> 0,
    stageLengths: (count) => m._ebag_collection_stage_lengths(self, count) >>> 0,
    stageWeights: (count) => m._ebag_collection_stage_weights(self, count) >>> 0,
    stageKeys: (count) => m._ebag_collection_stage_keys(self, count) >>> 0,
    forward: (numKeys, batch, offsetsForm, withWeights, totalDim) =>
      m._ebag_collection_forward(self, numKeys, batch, offsetsForm, withWeights, totalDim),
    outputPtr: () => m._ebag_collection_output_ptr(self) >>> 0,
    stageGradOutput: (count) => m._ebag_collection_stage_grad_output(self, count) >>> 0,
    backward: (length, sparse, wantWeightsGrad) => m._ebag_collection_backward(self, length, sparse, wantWeightsGrad),
    step: (length, wantWeightsGrad) => m._ebag_collection_step(self, length, wantWeightsGrad),
    weightsGradPtr: () => m._ebag_collection_weights_grad_ptr(self) >>> 0,
    tableIds: (table) => m._ebag_collection_table_ids(self, table),
  };
}

/** The names hotCalls() and collectionCalls() reach (tests check each is a wasm export). */
export const HOT_EXPORTS = Object.freeze([
  'stage_indices', 'stage_offsets', 'stage_per_sample_weights', 'stage_grad_output', 'forward', 'output_ptr',
  'last_num_bags', 'backward', 'step', 'grad_weight_ptr', 'sparse_rows_ptr', 'sparse_values_ptr', 'sparse_row_count',
  'grad_per_sample_weights_ptr', 'gradient_row_runs', 'row_runs_ptr', 'release_gradients',
  'stage_vectors', 'row_dots', 'dots_ptr',
  'collection_stage_values', 'collection_stage_lengths', 'collection_stage_weights', 'collection_stage_keys',
  'collection_forward', 'collection_output_ptr', 'collection_stage_grad_output', 'collection_backward', 'collection_step',
  'collection_weights_grad_ptr', 'collection_table_ids',
].map((name) => `_ebag_${name}`));
