// N(0, 1) initialisation that gives the same bits in every build: SplitMix64
// for uniform bits, Marsaglia's polar method for normals, and a logarithm of
// our own made only of IEEE-exact operations (+, -, *, /, sqrt, frexp), since
// libm's log may differ between glibc and the wasm libc.
#include <cmath>
#include <cstring>

#include "bags.h"
#include "ebag/embedding_bag.h"
#include "validate.h"

namespace ebag {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [-1, 1) with 53 random bits.
double uniform_pm1(uint64_t& state) {
  return static_cast<double>(splitmix64(state) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

// log(x) for x > 0: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), then
// log(m) = 2 atanh(z), z = (m - 1) / (m + 1), |z| < 0.172: 12 odd terms
// reach double precision.
double portable_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double z = (m - 1.0) / (m + 1.0);
  const double z2 = z * z;
  double series = 0.0;
  for (int k = 23; k >= 1; k -= 2) series = series * z2 + 1.0 / k;
  return 2.0 * z * series + e * 0.69314718055994530942;
}

}  // namespace

Status init_normal(const Table& table, uint64_t seed, std::optional<int64_t> padding_idx) {
  if (Status s = validate_table(table.num_embeddings, table.embedding_dim, padding_idx); !s.ok()) {
    return s;
  }
  const int64_t size = table.num_embeddings * table.embedding_dim;
  if (Status s = validate_buffer(table.data, Argument::kTable, size); !s.ok()) return s;
  uint64_t state = seed;
  int64_t j = 0;
  while (j < size) {
    double u, v, s;
    do {
      u = uniform_pm1(state);
      v = uniform_pm1(state);
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * portable_log(s) / s);
    table.data[j++] = static_cast<float>(u * f);
    if (j < size) table.data[j++] = static_cast<float>(v * f);
  }
  Options options;
  options.padding_idx = padding_idx;
  const int64_t pad = detail::wrapped_padding_row(options, table.num_embeddings);
  if (pad >= 0) std::memset(table.data + pad * table.embedding_dim, 0, sizeof(float) * table.embedding_dim);
  return {};
}

}  // namespace ebag
