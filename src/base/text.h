// Reading the small lists users type on the command line ("1,1,2", "0=slow.toml,3=fast.toml"), and
// suggesting the name a typo meant. Not responsible for what the items mean: each flag's owner
// checks that.
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
// The candidate `word` most likely meant: the one closest by edit distance when that is at most a
// third of its letters (at least 1) and no other is as close, else the one candidate that starts
// with `word` or that `word` starts with (4 letters or more), else nothing.
std::optional<std::string> closest_name(const std::string& word,
                                        const std::vector<std::string>& candidates);
// "; did you mean 'X'?" for closest_name's answer, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace pimscale
