#include "src/base/text.h"

#include <algorithm>
#include <exception>

namespace pimscale {

std::vector<std::string> split_list(const std::string& list, char separator) {
  std::vector<std::string> items;
  size_t at = 0;
  while (true) {
    const size_t end = std::min(list.find(separator, at), list.size());
    items.push_back(list.substr(at, end - at));
    if (end == list.size()) return items;
    at = end + 1;
  }
}

std::optional<int64_t> whole_integer(const std::string& item) {
  try {
    size_t used = 0;
    const int64_t v = std::stoll(item, &used);
    if (used == item.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace pimscale
