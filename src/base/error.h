// pimscale's exceptions: one small hierarchy, so a caller can tell a user's mistake from a
// machine's limit, a failed file operation or a failed MPI call. Every message is one line naming
// the input and the fix. Not responsible for printing or for stopping MPI ranks: the commands
// decide that (src/commands).
#pragma once

#include <stdexcept>
#include <string>

namespace pimscale {

// The base of every pimscale error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with the user's input: a file's contents, a flag, a preset, a configuration that cannot
// work.
class InputError : public Error {
 public:
  using Error::Error;
};

// A mistake in the command line itself: an unknown command or flag, a flag's value that is not of
// its type. main exits with status 2 for it (1 for every other error).
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

// A configuration that is valid but does not fit the machine: MRAM, WRAM, host memory, DPU count.
class ResourceError : public Error {
 public:
  using Error::Error;
};

// A file or folder that cannot be opened, read or written (HDF5, results, presets).
class IoError : public Error {
 public:
  using Error::Error;
};

// An error on this rank inside a collective operation (an HDF5 read or write, an all-reduce) that
// the other ranks cannot learn of: they wait inside the collective, so no agreement can reach
// them. It is never agreed on (collective_step passes it through); main stops every rank
// (MPI_Abort) after printing it, and HDF5 handles are not closed on the way (h5::Handle), since
// closing a file is itself collective.
class CollectiveFault : public Error {
 public:
  using Error::Error;
};

// An MPI call that failed, or ranks that disagree where they must agree.
class MpiError : public Error {
 public:
  using Error::Error;
};

}  // namespace pimscale
