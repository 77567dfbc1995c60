// Forward driver: validate, renorm, then one micro-kernel call per bag.
#include <cstring>

#include "bags.h"
#include "embedding_bag_internal.h"
#include "renorm.h"
#include "validate.h"

namespace ebag {

template <typename IndexT, typename OffsetT>
Status forward_with(const kernels::KernelSet<IndexT>& kernels, const Table& table,
                    const Bags<IndexT, OffsetT>& bags, const Options& options, float* output,
                    int32_t* argmax, Workspace& workspace) {
  if (Status s = validate(table, bags, options); !s.ok()) return s;
  const int64_t dim = table.embedding_dim;
  const int64_t num = detail::bag_count(bags, options);
  if (Status s = validate_buffer(output, Argument::kOutput, num * dim); !s.ok()) return s;
  if (options.mode == Mode::kMax) {
    if (Status s = validate_buffer(argmax, Argument::kArgmax, num * dim); !s.ok()) return s;
  }

  if (options.max_norm &&
      !detail::renorm_rows(table, bags.indices, detail::bag_entries_end(bags, options),
                           *options.max_norm, options.norm_type, workspace.renorm_seen)) {
    return out_of_memory(static_cast<int64_t>(table.num_embeddings / 8));
  }

  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);
  for (int64_t b = 0; b < num; ++b) {
    const detail::IndexRange range = detail::bag_range(bags, b);
    kernels::BagRef<IndexT> bag{table.data, dim, bags.indices + range.begin,
                                range.end - range.begin,
                                bags.per_sample_weights != nullptr
                                    ? bags.per_sample_weights + range.begin
                                    : nullptr,
                                pad};
    float* out = output + b * dim;
    if (options.mode == Mode::kSum) {
      kernels.sum(bag, out);
      continue;
    }
    int64_t count = bag.length;
    if (pad >= 0) {
      for (int64_t k = 0; k < bag.length; ++k) count -= bag.indices[k] == pad;
    }
    if (count == 0) {
      std::memset(out, 0, sizeof(float) * dim);
      if (options.mode == Mode::kMax) {
        for (int64_t d = 0; d < dim; ++d) argmax[b * dim + d] = -1;
      }
    } else if (options.mode == Mode::kMean) {
      kernels.mean(bag, count, out);
    } else {
      kernels.max(bag, out, argmax + b * dim);
    }
  }
  return {};
}

template <typename IndexT, typename OffsetT>
Status forward(const Table& table, const Bags<IndexT, OffsetT>& bags, const Options& options,
               float* output, int32_t* argmax, Workspace& workspace) {
  return forward_with(kernels::best_kernel_set<IndexT>(), table, bags, options, output, argmax,
                      workspace);
}

#define EBAG_INSTANTIATE(I, O)                                                                 \
  template Status forward_with<I, O>(const kernels::KernelSet<I>&, const Table&,             \
                                     const Bags<I, O>&, const Options&, float*, int32_t*,    \
                                     Workspace&);                                              \
  template Status forward<I, O>(const Table&, const Bags<I, O>&, const Options&, float*,     \
                                int32_t*, Workspace&);
EBAG_FOR_EACH_INDEX_PAIR(EBAG_INSTANTIATE)
#undef EBAG_INSTANTIATE

}  // namespace ebag
