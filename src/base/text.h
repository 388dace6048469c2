// Reading the small lists users type on the command line ("1,1,2", "0=slow.toml,3=fast.toml").
// Not responsible for what the items mean: each flag's owner checks that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pimscale {

// The `separator`-separated items of `list` ("" -> one empty item).
std::vector<std::string> split_list(const std::string& list, char separator = ',');
// `item` read as a whole integer (nothing for "", "1.5", "2x" or out of int64's range).
std::optional<int64_t> whole_integer(const std::string& item);

}  // namespace pimscale
