// The error type every pimscale layer throws for input a user can fix (a file, a flag, a preset).
// Not responsible for printing or for stopping MPI ranks: src/ decides that.
#pragma once

#include <stdexcept>
#include <string>

namespace pimscale {

// A problem with the user's input. The message is one line naming the input and the fix.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pimscale
