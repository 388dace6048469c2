#include "io/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/core.h>

#include "src/base/fault.h"

namespace pimscale {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'P', 'I', 'M', 'S', 'T', 'A', 'T', '1'};
constexpr uint64_t kFrame = sizeof kMagic + sizeof(uint64_t) + sizeof(uint32_t);

std::string state_name(int rank) { return fmt::format("rank-{:05d}.state", rank); }

// Writes `bytes` to `path` and flushes them to the disk (the renames that follow must not reach it
// before the data).
void write_synced(const fs::path& path, std::span<const char> head, std::span<const char> body) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok = fd >= 0;
  for (const std::span<const char> part : {head, body}) {
    size_t done = 0;
    while (ok && done < part.size()) {
      const ssize_t n = ::write(fd, part.data() + done, part.size() - done);
      ok = n > 0;
      if (ok) done += static_cast<size_t>(n);
    }
  }
  ok = ok && fsync(fd) == 0;
  if (fd >= 0) ok = close(fd) == 0 && ok;
  if (!ok) {
    throw IoError("cannot write the checkpoint file '" + path.string() +
                  "'; check free space and permissions");
  }
}

void sync_folder(const fs::path& folder) {
  const int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

std::string read_whole(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw InputError("the checkpoint file '" + path.string() +
                     "' is missing or unreadable; the checkpoint is incomplete (start the run "
                     "again without --resume)");
  }
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

StateArchive StateArchive::reader(std::vector<char> bytes, std::string what) {
  StateArchive a;
  a.reading_ = true;
  a.data_ = std::move(bytes);
  a.what_ = std::move(what);
  return a;
}

void StateArchive::bytes(void* p, uint64_t n) {
  if (!reading_) {
    const char* c = static_cast<const char*>(p);
    data_.insert(data_.end(), c, c + n);
    return;
  }
  if (n > left()) truncated();
  if (n > 0) std::memcpy(p, data_.data() + at_, n);
  at_ += n;
}

void StateArchive::truncated() const {
  throw InputError(what_ +
                   " ends before the state it should hold; it was written by another version or "
                   "for another run (start the run again without --resume)");
}

void StateArchive::finish() const {
  if (reading_ && left() != 0) {
    throw InputError(fmt::format(
        "{} holds {} bytes more than this run's state; it was written by another version or for "
        "another run (start the run again without --resume)",
        what_, left()));
  }
}

uint32_t crc32_of(std::span<const char> bytes, uint32_t crc) {
  uLong c = crc;
  const char* p = bytes.data();
  uint64_t n = bytes.size();
  while (n > 0) {  // zlib takes 32-bit lengths
    const uInt part = static_cast<uInt>(std::min<uint64_t>(n, uint64_t{1} << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(p), part);
    p += part;
    n -= part;
  }
  return static_cast<uint32_t>(c);
}

std::string CheckpointFolder::find(const std::string& staging) {
  std::error_code ec;
  for (const char* name : {"checkpoint", "checkpoint.old"}) {
    const fs::path p = fs::path(staging) / name;
    if (fs::exists(p / "meta.json", ec)) return p.string();
  }
  return "";
}

void CheckpointFolder::begin() {
  const fs::path fresh = fs::path(staging_) / "checkpoint.new";
  std::error_code ec;
  fs::remove_all(fresh, ec);
  if (!fs::create_directory(fresh, ec)) {
    throw IoError("cannot create the checkpoint folder '" + fresh.string() + "': " + ec.message() +
                  "; check free space and permissions");
  }
}

void CheckpointFolder::add_state(int rank, std::span<const char> state) {
  char head[kFrame];
  const uint64_t n = state.size();
  const uint32_t crc = crc32_of(state);
  std::memcpy(head, kMagic, sizeof kMagic);
  std::memcpy(head + sizeof kMagic, &n, sizeof n);
  std::memcpy(head + sizeof kMagic + sizeof n, &crc, sizeof crc);
  write_synced(fs::path(staging_) / "checkpoint.new" / state_name(rank), head, state);
}

void CheckpointFolder::finish(const nlohmann::json& meta) {
  const fs::path root(staging_), fresh = root / "checkpoint.new", current = root / "checkpoint",
                                 old = root / "checkpoint.old";
  const std::string text = meta.dump(2) + "\n";
  write_synced(fresh / "meta.json", text, {});
  sync_folder(fresh);
  // Swap: current -> old, new -> current, drop old. find() takes old while current is missing.
  std::error_code ec;
  // An earlier swap interrupted between its renames left the only complete checkpoint in old.
  if (!fs::exists(current, ec) && fs::exists(old / "meta.json", ec)) fs::rename(old, current, ec);
  fs::remove_all(old, ec);
  if (fs::exists(current, ec)) fs::rename(current, old, ec);
  // The resume test's crash between the renames (src/base/fault.h).
  kill_point("swap" + std::to_string(meta.value("epochs_done", int64_t{0})), 0);
  if (!ec) fs::rename(fresh, current, ec);
  if (ec) {
    throw IoError("cannot move the checkpoint into '" + current.string() + "': " + ec.message());
  }
  sync_folder(root);
  fs::remove_all(old, ec);
}

void CheckpointFolder::remove() const {
  std::error_code ec;
  for (const char* name : {"checkpoint", "checkpoint.new", "checkpoint.old"})
    fs::remove_all(fs::path(staging_) / name, ec);
}

nlohmann::json CheckpointFolder::read_meta() const {
  const std::string dir = find(staging_);
  const fs::path path = fs::path(dir) / "meta.json";
  nlohmann::json meta = nlohmann::json::parse(read_whole(path), nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) {
    throw InputError("the checkpoint file '" + path.string() +
                     "' is not valid JSON; start the run again without --resume");
  }
  return meta;
}

std::vector<char> CheckpointFolder::read_state(int rank) const {
  const fs::path path = fs::path(find(staging_)) / state_name(rank);
  const std::string text = read_whole(path);
  uint64_t n = 0;
  uint32_t crc = 0;
  if (text.size() >= kFrame) {
    std::memcpy(&n, text.data() + sizeof kMagic, sizeof n);
    std::memcpy(&crc, text.data() + sizeof kMagic + sizeof n, sizeof crc);
  }
  if (text.size() < kFrame || std::memcmp(text.data(), kMagic, sizeof kMagic) != 0 ||
      n != text.size() - kFrame) {
    throw InputError("the checkpoint file '" + path.string() +
                     "' is not a complete pimscale state file; start the run again without "
                     "--resume");
  }
  std::vector<char> state(text.begin() + kFrame, text.end());
  if (crc32_of(state) != crc) {
    throw InputError("the checkpoint file '" + path.string() +
                     "' is damaged (its CRC-32 does not match); start the run again without "
                     "--resume");
  }
  return state;
}

}  // namespace pimscale
