// Internal: the entry points of embedding_bag.h with an explicit kernel set,
// so that tests and benchmarks can run every variant through the real drivers.
#pragma once

#include "ebag/embedding_bag.h"
#include "kernels/ukernels.h"

namespace ebag {

// What a forward checks: everything (kAll), or all but what validate() has
// just passed for this table, bags and options (kValidated: the module's
// BagCore validates before it sizes its output, and the index check is a
// pass over every index).
enum class Checks { kAll, kValidated };

template <typename IndexT, typename OffsetT>
Status forward_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                    const Bags<IndexT, OffsetT>& bags, const Options& options, OutputRows output,
                    int32_t* argmax, Workspace& workspace, const Parallelism& parallel = {},
                    Checks checks = Checks::kAll);

template <typename IndexT, typename OffsetT>
Status quantized_forward_with(const kernels::KernelSet<IndexT>& kernels, const QuantizedTable& table,
                              const Bags<IndexT, OffsetT>& bags, const Options& options,
                              OutputRows output, const Parallelism& parallel = {},
                              Checks checks = Checks::kAll);

Status row_dots_with(const kernels::KernelSet<int32_t>& kernels, const Table& table, const float* vectors,
                     int64_t count, float* out, Workspace& workspace, const Parallelism& parallel = {});

template <typename IndexT, typename OffsetT>
Status backward_dense_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                           const Bags<IndexT, OffsetT>& bags, const Options& options,
                           const float* grad_output, int64_t grad_output_length,
                           const int32_t* argmax, float* grad_weight,
                           float* grad_per_sample_weights, Workspace& workspace,
                           const Parallelism& parallel = {});

template <typename IndexT, typename OffsetT>
Status backward_sparse_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                            const Bags<IndexT, OffsetT>& bags, const Options& options,
                            const float* grad_output, int64_t grad_output_length,
                            SparseGradient& grad_weight, float* grad_per_sample_weights,
                            Workspace& workspace, const Parallelism& parallel = {});

// Max mode's weight gradient as a sparse one (step() in max mode): the rows
// the forward's argmax names, each with the sum of G over the (bag, column)
// pairs that chose it.
template <typename IndexT, typename OffsetT>
Status backward_sparse_argmax(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
                              const float* grad_output, int64_t grad_output_length, const int32_t* argmax,
                              SparseGradient& grad_weight, Workspace& workspace, const Parallelism& parallel = {});

}  // namespace ebag
