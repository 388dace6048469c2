// Host-side model quality (not timed, not part of the emulated arithmetic): loss, accuracy,
// ROC-AUC, computed in floating point on w / 2^31 as PIM-Opt's host code does. Not responsible for
// gathering values across ranks (train.cpp does, deterministically).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace pimscale {

// z = sum_j (x_j / 2^31) (w_j / 2^31) + bias / 2^31 for one row of Q31 features.
double linear_score(const uint32_t* x, std::span<const int32_t> w, int64_t bias);

// Logistic loss of one row, log(1 + exp(-z)) for y = 1 and log(1 + exp(z)) for y = 0 (stable form).
double logistic_loss(double z, uint8_t y);

// Hinge loss of one row, max(0, margin - y' z) with y' = +-1 (the host-side loss uses margin 0.5).
double hinge_loss(double z, uint8_t y, double margin = 0.5);

// The loss quantised to 2^-32 so that sums over rows are exact integers, identical for every split
// of the rows over ranks.
int64_t quantised_loss(double loss);
inline constexpr double kLossQuantum = 0x1.0p-32;

// The training rows a loss is computed on: every k-th row of the training split, from its first
// (the same rows for any split over ranks), where k is the stride returned. eval_rows > 0 asks for
// about that many rows: k = ceil(rows / eval_rows). 0 bounds the pass's cost at kLossValues:
// k = ceil(cost / kLossValues), the cost being the rows' values (dense: rows x features) or
// kNonZeroCost x their non-zeros (sparse). Every row where k is 1. Measured here (README, emulator
// speed): a full pass costs about 0.34 ns a dense value and 2-8 ns a non-zero (a random read of the
// model, and each row's loss), against an epoch's 0.37 ns a dense value (GA-SGD) and 9-18 ns
// a non-zero, so only a sample keeps it small beside a large epoch. 2^23 values take about 3 ms
// dense and 10 ms sparse, and keep the recorded golden runs (up to 5.1 million dense values, 1.3
// million non-zeros) on every row.
inline constexpr uint64_t kLossValues = uint64_t{1} << 23;
inline constexpr uint64_t kNonZeroCost = 4;
uint64_t loss_stride(uint64_t rows, uint64_t values, bool sparse, int64_t eval_rows);

// Area under the ROC curve, ties counted half (Mann-Whitney U). NaN when a class is absent.
double roc_auc(std::span<const double> scores, std::span<const uint8_t> labels);

}  // namespace pimscale
