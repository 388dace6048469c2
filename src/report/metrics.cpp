#include "src/report/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "pim_emul/fixed_point.h"

namespace pimscale {

double linear_score(const uint32_t* x, std::span<const int32_t> w, int64_t bias) {
  double z = 0;
  for (size_t j = 0; j < w.size(); ++j) z += static_cast<double>(x[j]) * static_cast<double>(w[j]);
  return z * 0x1.0p-62 + fixed::q31_to_double(bias);
}

double logistic_loss(double z, uint8_t y) {
  const double m = y == 1 ? -z : z;  // log(1 + exp(m))
  return m > 0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m));
}

double hinge_loss(double z, uint8_t y, double margin) {
  return std::max(0.0, margin - (y == 1 ? z : -z));
}

int64_t quantised_loss(double loss) { return std::llround(loss / kLossQuantum); }

uint64_t loss_stride(uint64_t rows, uint64_t values, bool sparse, int64_t eval_rows) {
  const auto ceil_div = [](uint64_t a, uint64_t b) { return (a + b - 1) / b; };
  const uint64_t cost = sparse ? values * kNonZeroCost : values;
  const uint64_t k = eval_rows > 0 ? ceil_div(rows, static_cast<uint64_t>(eval_rows))
                                   : ceil_div(cost, kLossValues);
  return std::clamp<uint64_t>(k, 1, std::max<uint64_t>(rows, 1));
}

double roc_auc(std::span<const double> scores, std::span<const uint8_t> labels) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;  // sum of 1-based ranks of positives, ties get their average rank
  uint64_t pos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double avg_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] == 1) {
        rank_sum += avg_rank;
        ++pos;
      }
    }
    i = j;
  }
  const uint64_t neg = n - pos;
  if (pos == 0 || neg == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - 0.5 * static_cast<double>(pos) * static_cast<double>(pos + 1)) /
         (static_cast<double>(pos) * static_cast<double>(neg));
}

}  // namespace pimscale
