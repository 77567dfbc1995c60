// row_dots driver: four vectors at a time, laid out column by column for the
// kernel (its lanes are the vectors), the table's rows split over threads.
#include <algorithm>

#include "embedding_bag_internal.h"
#include "validate.h"
#include "work_split.h"
#include "workspace.h"

namespace ebag {

Status row_dots_with(const kernels::KernelSet<int32_t>& kernels, const Table& table, const float* vectors,
                     int64_t count, float* out, Workspace& workspace, const Parallelism& parallel) {
  if (Status s = validate_table(table.num_embeddings, table.embedding_dim, std::nullopt); !s.ok()) return s;
  if (table.data == nullptr) return make_error(ErrorCode::kMissingBuffer, Argument::kTable);
  if (count < 0) return make_error(ErrorCode::kNegativeSize, Argument::kVectors, -1, count);
  const int64_t n = table.num_embeddings, dim = table.embedding_dim;
  if (Status s = validate_buffer(vectors, Argument::kVectors, count * dim); !s.ok()) return s;
  if (Status s = validate_buffer(out, Argument::kOutput, count * n); !s.ok()) return s;
  if (count == 0) return {};
  // Blocks of four vectors to the threads when there are enough of them (a
  // batch), else each block's rows (one vector, many labels).
  const int64_t blocks = (count + 3) / 4;
  const int threads = detail::threads_for(parallel, n * dim * count);
  const bool by_block = blocks >= threads;
  const int64_t per_scratch = 4 * dim + 4 * n;
  Buffer<float>& scratch = workspace.impl().row_dots;
  const auto needed = static_cast<size_t>((by_block ? threads : 1) * per_scratch);
  if (scratch.size() < needed && !scratch.resize(needed)) return out_of_memory(static_cast<int64_t>(needed) * 4);
  auto fill = [&](int64_t first, float* vt) {
    const int64_t lanes = std::min<int64_t>(4, count - first);
    for (int64_t c = 0; c < dim; ++c) {
      for (int64_t lane = 0; lane < 4; ++lane) vt[c * 4 + lane] = lane < lanes ? vectors[(first + lane) * dim + c] : 0.0f;
    }
  };
  auto place = [&](int64_t first, const float* dots) {
    for (int64_t lane = 0; lane < std::min<int64_t>(4, count - first); ++lane) {
      float* to = out + (first + lane) * n;
      for (int64_t r = 0; r < n; ++r) to[r] = dots[r * 4 + lane];
    }
  };
  if (by_block) {
    detail::run_tasks(parallel, threads, [&](int t) {
      float* vt = scratch.data() + t * per_scratch;
      float* dots = vt + 4 * dim;
      const detail::IndexRange mine = detail::row_piece(blocks, threads, t);
      for (int64_t b = mine.begin; b < mine.end; ++b) {
        fill(4 * b, vt);
        kernels.row_dots4(table.data, n, dim, vt, dots);
        place(4 * b, dots);
      }
    });
    return {};
  }
  float* vt = scratch.data();
  float* dots = vt + 4 * dim;
  for (int64_t b = 0; b < blocks; ++b) {
    fill(4 * b, vt);
    detail::run_tasks(parallel, threads, [&](int t) {
      const detail::IndexRange rows = detail::row_piece(n, threads, t);
      kernels.row_dots4(table.data + rows.begin * dim, rows.end - rows.begin, dim, vt, dots + rows.begin * 4);
    });
    place(4 * b, dots);
  }
  return {};
}

Status row_dots(const Table& table, const float* vectors, int64_t count, float* out, Workspace& workspace,
                const Parallelism& parallel) {
  return row_dots_with(kernels::best_kernel_set<int32_t>(), table, vectors, count, out, workspace, parallel);
}

}  // namespace ebag
