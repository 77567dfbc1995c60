// A table's weight gradient out of the core (a bag's, or one table's of a
// collection): where the caller wants it (a new array, a view, or their own
// arrays: `out`), checked before anything is written. The gradient is
// dense (N x D) or, for a sparse table, { indices, values } of the rows the
// batch touched.
import { copyDenseGradient } from './dense-copy.mjs';
import { isArray, show } from './errors.mjs';
import { checkCapacity as checkHolds, checkLength, ownArray, part, writeResult } from './results.mjs';

/**
 * out checked as the weight gradient's destination (named `name`): dense, a
 * Float32Array of N x D; sparse, { indices: Int32Array, values: Float32Array }
 * whose capacity is checked once the row count is known (checkCapacity).
 * table: { numEmbeddings, embeddingDim, sparse }.
 */
export function weightOut(table, out, name) {
  const n = table.numEmbeddings;
  const d = table.embeddingDim;
  if (!table.sparse) {
    ownArray(out, name);
    checkLength(out, name, n * d, `numEmbeddings x embeddingDim = ${n} x ${d}: the dense weight gradient`);
    return out;
  }
  if (out === null || typeof out !== 'object' || ArrayBuffer.isView(out) || isArray(out, name)) {
    throw new TypeError(`${name} = ${show(out)} must be { indices: Int32Array, values: Float32Array }: the weight gradient is sparse (sparse: true)`);
  }
  return { indices: ownArray(out.indices, `${name}.indices`, Int32Array), values: ownArray(out.values, `${name}.values`), name };
}

/** A sparse weightOut checked against the row count of the core's last backward. */
export function checkCapacity(handle, table, { indices, values, name }) {
  const rows = handle.calls.sparseRowCount();
  const d = table.embeddingDim;
  checkHolds(indices, `${name}.indices`, rows, `the gradient has ${rows} rows`);
  checkHolds(values, `${name}.values`, rows * d, `${rows} rows x embeddingDim ${d}`);
}

/**
 * The weight gradient the core's last backward left: a copy, a view
 * (copy false), or written into `out` (from weightOut; a sparse one's
 * capacity is checked here, and on a refusal the gradient buffers are
 * released). numIndices: the entries of the last forward (the dense copy
 * copies just their rows when they are few).
 */
export function weightGradient(handle, table, copy, numIndices, out = null) {
  const calls = handle.calls;
  const n = table.numEmbeddings;
  const d = table.embeddingDim;
  if (!table.sparse) {
    if (copy) return copyDenseGradient(calls, n, d, numIndices, out);
    return handle.result(calls.gradWeightPtr(), n * d, 'f32', false);
  }
  const rows = calls.sparseRowCount();
  if (out === null) {
    return {
      indices: handle.result(calls.sparseRowsPtr(), rows, 'i32', copy),
      values: handle.result(calls.sparseValuesPtr(), rows * d, 'f32', copy),
      shape: [n, d],
    };
  }
  try {
    checkCapacity(handle, table, out);
  } catch (error) {
    calls.releaseGradients();
    throw error;
  }
  const weight = { indices: part(out.indices, 0, rows), values: part(out.values, 0, rows * d), shape: [n, d] };
  writeResult(weight.indices, calls.sparseRowsPtr(), rows);
  writeResult(weight.values, calls.sparseValuesPtr(), rows * d);
  return weight;
}
