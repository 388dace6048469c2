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

namespace {

// Edits (insert, delete, substitute, swap two neighbours) from a to b: the optimal string
// alignment distance, so "trian" is one edit from "train".
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> closest_name(const std::string& word,
                                        const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  bool tied = false;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
      tied = false;
    } else if (d == best_distance) {
      tied = true;
    }
  }
  if (best && !tied) return best;
  // A word cut short or run on ("--batchsize" for "--batch"): the one candidate it starts or ends.
  std::optional<std::string> prefix;
  for (const std::string& c : candidates) {
    const size_t shorter = std::min(c.size(), word.size());
    if (shorter < 4 || c.compare(0, shorter, word, 0, shorter) != 0) continue;
    if (prefix) return std::nullopt;
    prefix = c;
  }
  return prefix;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::optional<std::string> name = closest_name(word, candidates);
  return name ? "; did you mean '" + *name + "'?" : "";
}

}  // namespace pimscale
