#include "comm/calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace pimscale {

CostTerms cost_terms(const std::vector<Step>& steps) {
  CostTerms t;
  for (const Step& s : steps) {
    const double r = static_cast<double>(s.repeat);
    t.a += r;
    t.b += r * s.bytes;
    t.c += r * s.reduce_bytes;
  }
  return t;
}

double seconds_under(const CostTerms& t, const LinkCosts& costs) {
  return t.a * costs.alpha_s() + t.b * costs.beta_s_per_byte() + t.c * costs.gamma_s_per_byte();
}

namespace {
size_t words(double bytes) { return static_cast<size_t>(std::ceil(bytes / 8.0)); }
}  // namespace

double ScheduleReplay::run(const std::vector<Step>& steps) {
  int p = 0, me = 0;
  MPI_Comm_size(comm_, &p);
  MPI_Comm_rank(comm_, &me);
  size_t most = 1;
  for (const Step& s : steps) most = std::max(most, words(s.bytes));
  if (send_.size() < most) {
    send_.assign(most, 1);
    acc_.assign(most, 0);
  }
  std::vector<int> to, from;
  const double start = MPI_Wtime();
  for (const Step& s : steps) {
    to.clear();
    from.clear();
    for_each_flow(s, p, [&](int64_t src, int64_t dst) {
      if (src == me) to.push_back(static_cast<int>(dst));
      if (dst == me) from.push_back(static_cast<int>(src));
    });
    const size_t n = words(s.bytes), reduce = std::min(n, words(s.reduce_bytes));
    if (recv_.size() < n * from.size()) recv_.resize(n * from.size());
    for (int64_t rep = 0; rep < s.repeat; ++rep) {
      requests_.clear();
      for (size_t i = 0; i < from.size(); ++i) {
        MPI_Request& r = requests_.emplace_back();
        MPI_Irecv(recv_.data() + i * n, static_cast<int>(n), MPI_INT64_T, from[i], 0, comm_, &r);
      }
      for (int dst : to) {
        MPI_Request& r = requests_.emplace_back();
        MPI_Isend(send_.data(), static_cast<int>(n), MPI_INT64_T, dst, 0, comm_, &r);
      }
      MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
      for (size_t i = 0; i < from.size(); ++i) {
        const int64_t* in = recv_.data() + i * n;
        for (size_t j = 0; j < reduce; ++j) acc_[j] += in[j];
      }
    }
  }
  return MPI_Wtime() - start;
}

FirstRanks::FirstRanks(MPI_Comm comm, int k) {
  int me = 0;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_split(comm, me < k ? 0 : MPI_UNDEFINED, me, &comm_);
}

FirstRanks::~FirstRanks() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

namespace {

// Least squares of sum_i ((sum_k x_k f_ik) / y_i - 1)^2 over the columns in `free` (the others
// zero): the normal equations of the relative-error weighted system, solved by Gaussian
// elimination.
template <size_t K>
std::array<double, K> weighted_least_squares(const std::vector<std::array<double, K>>& f,
                                             const std::vector<double>& y,
                                             const std::array<bool, K>& free) {
  std::array<std::array<double, K + 1>, K> m{};
  for (size_t i = 0; i < f.size(); ++i) {
    const double w = 1.0 / (y[i] * y[i]);
    for (size_t a = 0; a < K; ++a) {
      for (size_t b = 0; b < K; ++b) m[a][b] += w * f[i][a] * f[i][b];
      m[a][K] += w * f[i][a] * y[i];
    }
  }
  for (size_t a = 0; a < K; ++a) {
    if (!free[a]) {
      m[a].fill(0);
      m[a][a] = 1;  // x_a = 0
    }
  }
  for (size_t c = 0; c < K; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < K; ++r) {
      if (std::fabs(m[r][c]) > std::fabs(m[pivot][c])) pivot = r;
    }
    std::swap(m[c], m[pivot]);
    if (std::fabs(m[c][c]) < 1e-300) continue;
    for (size_t r = 0; r < K; ++r) {
      if (r == c) continue;
      const double q = m[r][c] / m[c][c];
      for (size_t k = c; k <= K; ++k) m[r][k] -= q * m[c][k];
    }
  }
  std::array<double, K> x{};
  for (size_t a = 0; a < K; ++a) x[a] = std::fabs(m[a][a]) < 1e-300 ? 0 : m[a][K] / m[a][a];
  return x;
}

// Non-negative least squares by trying every set of free columns (K <= 3: at most 8 solves).
template <size_t K>
std::array<double, K> non_negative_fit(const std::vector<std::array<double, K>>& f,
                                       const std::vector<double>& y) {
  std::array<double, K> best{};
  double best_err = std::numeric_limits<double>::infinity();
  for (unsigned mask = 1; mask < (1u << K); ++mask) {
    std::array<bool, K> free{};
    for (size_t a = 0; a < K; ++a) free[a] = (mask >> a) & 1u;
    const std::array<double, K> x = weighted_least_squares(f, y, free);
    if (std::any_of(x.begin(), x.end(), [](double v) { return v < 0; })) continue;
    double err = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      double model = 0;
      for (size_t a = 0; a < K; ++a) model += x[a] * f[i][a];
      err += (model / y[i] - 1) * (model / y[i] - 1);
    }
    if (err < best_err) best = x, best_err = err;
  }
  return best;
}

// Seconds per message, per byte and per reduced byte back to a preset's units (within the preset's
// ranges).
LinkCosts to_link(double alpha, double beta, double gamma) {
  LinkCosts c;
  c.latency_us = alpha * 1e6;
  c.bandwidth_gbit_s = beta > 0 ? std::clamp(8.0 / (beta * 1e9), 1e-3, 1e6) : 1e6;
  c.reduce_gbps = gamma > 0 ? std::clamp(1.0 / (gamma * 1e9), 1e-3, 1e6) : 1e6;
  return c;
}

}  // namespace

LinkCosts fit_link(const std::vector<FitPoint>& points) {
  std::vector<std::array<double, 3>> f;
  std::vector<double> y;
  for (const FitPoint& p : points) {
    f.push_back({p.terms.a, p.terms.b, p.terms.c});
    y.push_back(p.seconds);
  }
  const std::array<double, 3> x = non_negative_fit(f, y);
  return to_link(x[0], x[1], x[2]);
}

LinkCosts fit_scaled(const std::vector<FitPoint>& points, const LinkCosts& base) {
  std::vector<std::array<double, 2>> f;
  std::vector<double> y;
  for (const FitPoint& p : points) {
    f.push_back(
        {p.terms.a, p.terms.b * base.beta_s_per_byte() + p.terms.c * base.gamma_s_per_byte()});
    y.push_back(p.seconds);
  }
  const std::array<double, 2> x = non_negative_fit(f, y);
  const double scale = x[1];
  return to_link(x[0], scale * base.beta_s_per_byte(), scale * base.gamma_s_per_byte());
}

}  // namespace pimscale
