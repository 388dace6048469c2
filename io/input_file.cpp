#include "io/input_file.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "src/base/error.h"

namespace pimscale {

InputFile::InputFile(const std::string& path, const std::string& flag)
    : path_(path), buffer_(size_t{1} << 16) {
  // gzopen reads files that are not gzip as they are ("transparent" mode).
  file_.reset(gzopen(path.c_str(), "rb"));
  if (!file_) {
    throw InputError("cannot read '" + path + "' (" + flag + "); check the path and permissions");
  }
  if (refill() && end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) at_ = 3;
}

bool InputFile::refill() {
  const int n = gzread(file_.get(), buffer_.data(), static_cast<unsigned>(buffer_.size()));
  int code = Z_OK;
  const char* why = gzerror(file_.get(), &code);
  // A .gz file cut short reads as data and then an end with Z_BUF_ERROR, not as an error.
  if (n < 0 || (n == 0 && code != Z_OK)) {
    throw InputError("'" + path_ + "' cannot be read: " + (why && *why ? why : "read error") +
                     " (a corrupt or truncated .gz file?)");
  }
  at_ = 0;
  end_ = static_cast<size_t>(n);
  if (progress_) {
    progress_->update(static_cast<uint64_t>(gzoffset(file_.get())) >> 20);
    if (n == 0) progress_->finish();
  }
  return n > 0;
}

void InputFile::show_progress(const std::string& what) {
  std::error_code error;
  const uintmax_t bytes = std::filesystem::file_size(path_, error);
  if (error) return;  // not a regular file (a pipe): no total to show against
  progress_.emplace(what, std::max<uint64_t>(bytes >> 20, 1), "MiB", true);
}

bool InputFile::getline(std::string& line) {
  line.clear();
  int c = get();
  if (c < 0) return false;
  for (; c >= 0 && c != '\n'; c = get()) line.push_back(static_cast<char>(c));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

bool InputFile::read(void* out, size_t n) {
  char* to = static_cast<char*>(out);
  while (n > 0) {
    if (at_ == end_ && !refill()) return false;
    const size_t take = std::min(n, end_ - at_);
    std::memcpy(to, buffer_.data() + at_, take);
    at_ += take;
    to += take;
    n -= take;
  }
  return true;
}

}  // namespace pimscale
