// Calibrating the network model from real MPI: replaying a collective's schedule as real messages,
// and fitting alpha, beta and gamma to measured times. Used by `pimscale netbench`. Not responsible
// for choosing sizes, repetitions or writing results (src/netbench.cpp does).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "comm/collective_cost.h"

namespace pimscale {

// How often a schedule pays each cost on a single switch: t = a alpha + b beta + c gamma.
struct CostTerms {
  double a = 0, b = 0, c = 0;
};
CostTerms cost_terms(const std::vector<Step>& steps);
double seconds_under(const CostTerms& t, const LinkCosts& costs);

// Collective. Runs `steps` over `comm` as real messages: in every step each rank sends to and
// receives from exactly the partners the schedule names, message sizes rounded up to 8 bytes, and
// sums the reduced part of what it received into an int64 accumulator. Returns this rank's wall
// seconds.
class ScheduleReplay {
 public:
  explicit ScheduleReplay(MPI_Comm comm) : comm_(comm) {}
  double run(const std::vector<Step>& steps);

 private:
  MPI_Comm comm_;
  std::vector<int64_t> send_, recv_, acc_;
  std::vector<MPI_Request> requests_;
};

// Collective over `comm`. The first `k` ranks of `comm` as a communicator of their own, for
// measuring at fewer ranks than were started; the other ranks hold MPI_COMM_NULL.
class FirstRanks {
 public:
  FirstRanks(MPI_Comm comm, int k);
  ~FirstRanks();
  FirstRanks(const FirstRanks&) = delete;
  FirstRanks& operator=(const FirstRanks&) = delete;
  MPI_Comm comm() const { return comm_; }
  bool member() const { return comm_ != MPI_COMM_NULL; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

struct FitPoint {
  CostTerms terms;
  double seconds = 0;  // measured
};

// The non-negative alpha, beta, gamma minimising the squared relative error over `points`.
LinkCosts fit_link(const std::vector<FitPoint>& points);
// One algorithm's costs: its own alpha, and `base`'s beta and gamma scaled by one common factor (an
// all-reduce alone cannot separate beta from gamma: both scale with n). Minimises the relative
// error.
LinkCosts fit_scaled(const std::vector<FitPoint>& points, const LinkCosts& base);

}  // namespace pimscale
