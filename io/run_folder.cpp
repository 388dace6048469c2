#include "io/run_folder.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "src/base/error.h"

namespace pimscale {

namespace fs = std::filesystem;

RunFolder::RunFolder(std::string out) : out_(std::move(out)), staging_(out_ + ".partial") {
  std::error_code ec;
  fs::remove_all(staging_, ec);
  fs::create_directories(staging_, ec);
  if (ec) {
    throw IoError("cannot create results folder '" + staging_ + "': " + ec.message() +
                  "; choose a writable --out");
  }
}

RunFolder::~RunFolder() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void RunFolder::write_text(const std::string& name, const std::string& text) {
  const fs::path p = fs::path(staging_) / name;
  std::ofstream f(p);
  f << text;
  if (!f.good())
    throw IoError("cannot write '" + p.string() + "'; check free space and permissions");
}

void RunFolder::write_json(const std::string& name, const nlohmann::json& value) {
  write_text(name, value.dump(2) + "\n");
}

void RunFolder::write_csv(const std::string& name, const std::vector<std::string>& header,
                          const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) text += (i ? "," : "") + cells[i];
    text += "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  write_text(name, text);
}

void RunFolder::commit() {
  std::error_code ec;
  const std::string old = out_ + ".old";
  fs::remove_all(old, ec);
  if (fs::exists(out_)) fs::rename(out_, old, ec);
  fs::rename(staging_, out_, ec);
  if (ec) throw IoError("cannot move results into '" + out_ + "': " + ec.message());
  fs::remove_all(old, ec);
  committed_ = true;
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::stringstream ss(l);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    return cells;
  };
  if (std::getline(f, line)) header = split(line);
  while (std::getline(f, line)) {
    const std::vector<std::string> cells = split(line);
    std::map<std::string, std::string>& row = rows.emplace_back();
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
  }
  return rows;
}

}  // namespace pimscale
