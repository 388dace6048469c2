// The speed yardstick for the emulator (issue 14): a plain float32 mini-batch SGD trainer, logistic
// regression, on one core: Eigen matrix-vector products for dense rows, a CSR loop for sparse ones.
// Same file, same batch as a GA-SGD `pimscale train` run; prints seconds per epoch (the median of
// the epochs run). Not a reference for accuracy (tests/e2e/reference_trainers.sh is): only for how
// fast the work can go. Usage: native_sgd FILE.h5 BATCH EPOCHS
#include <Eigen/Dense>
#include <boost/mpi/environment.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "io/dataset.h"
#include "pim_emul/mram_allocator.h"

using namespace pimscale;

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  if (argc != 4) {
    std::fprintf(stderr, "usage: native_sgd FILE.h5 BATCH EPOCHS\n");
    return 2;
  }
  const Dataset data = Dataset::open(argv[1], MPI_COMM_SELF);
  const uint64_t b = std::strtoull(argv[2], nullptr, 10);
  const int epochs = std::atoi(argv[3]);
  const uint64_t rows = data.rows("train") / b * b, f = data.features();
  const float lr = 1.0f / 16, reg = 1.0f / 1024;
  Eigen::VectorXf w = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(f));
  float bias = 0;
  std::vector<double> seconds;
  if (data.kind() == DataKind::kDense) {
    const DenseRows r = data.read_dense("train", 0, rows);
    // On huge pages where the kernel grants them, as the emulator's and the CPU trainer's rows.
    const std::vector<float, MramAllocator<float>> rx(r.x.begin(), r.x.end());
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::VectorXf d(static_cast<Eigen::Index>(b));
    for (int e = 0; e < epochs; ++e) {
      const auto t0 = std::chrono::steady_clock::now();
      for (uint64_t first = 0; first < rows; first += b) {
        const Eigen::Map<const RowMajor> x(rx.data() + first * f, static_cast<Eigen::Index>(b),
                                           static_cast<Eigen::Index>(f));
        d.noalias() = x * w;
        for (uint64_t i = 0; i < b; ++i) {
          d[static_cast<Eigen::Index>(i)] =
              1.0f / (1.0f + std::exp(-(d[static_cast<Eigen::Index>(i)] + bias))) - r.y[first + i];
        }
        bias -= lr * d.sum() / static_cast<float>(b);
        w = (1.0f - lr * reg) * w - (lr / static_cast<float>(b)) * (x.transpose() * d);
      }
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  } else {
    const SparseRows r = data.read_sparse("train", 0, rows);
    std::vector<float> g(f, 0.0f);
    std::vector<uint32_t> touched;
    for (int e = 0; e < epochs; ++e) {
      const auto t0 = std::chrono::steady_clock::now();
      for (uint64_t first = 0; first < rows; first += b) {
        float g_bias = 0;
        for (uint64_t i = first; i < first + b; ++i) {
          float z = bias;
          for (uint64_t k = r.indptr[i]; k < r.indptr[i + 1]; ++k) z += w[r.indices[k]];
          const float d = 1.0f / (1.0f + std::exp(-z)) - r.y[i];
          for (uint64_t k = r.indptr[i]; k < r.indptr[i + 1]; ++k) g[r.indices[k]] += d;
          g_bias += d;
        }
        // The dense decay of every weight, as GA-SGD's update does, then the batch's gradient.
        w *= 1.0f - lr * reg;
        for (uint64_t k = r.indptr[first]; k < r.indptr[first + b]; ++k) {
          const uint32_t j = r.indices[k];
          w[j] -= lr / static_cast<float>(b) * g[j];
          g[j] = 0;
        }
        bias -= lr * g_bias / static_cast<float>(b);
      }
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf("%.6f\n", seconds[seconds.size() / 2]);
  return std::isfinite(bias) ? 0 : 1;
}
