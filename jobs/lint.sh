#!/usr/bin/env bash
# Checks the C++ sources against .clang-format and .clang-tidy with Debian's clang 14 tools.
# Usage: bash jobs/lint.sh [format|tidy|all]   (default all; tidy needs a build: bash jobs/build.sh)
#   format: clang-format-14 --dry-run --Werror on every .h and .cpp (a second or two)
#   tidy:   clang-tidy-14 on every .cpp of the build's compile_commands.json (minutes on 2 cores)
# Fix formatting with: clang-format-14 -i $(git ls-files '*.h' '*.cpp')
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
mapfile -t sources < <(git ls-files '*.h' '*.cpp' | grep -v '^tests/golden/')
if [[ $what == format || $what == all ]]; then
  clang-format-14 --dry-run --Werror "${sources[@]}"
  echo "lint: clang-format: ${#sources[@]} files formatted"
fi
if [[ $what == tidy || $what == all ]]; then
  [ -f build/compile_commands.json ] || { echo "lint: no build/compile_commands.json; run bash jobs/build.sh" >&2; exit 1; }
  mapfile -t units < <(git ls-files '*.cpp' | grep -E '^(src|pim_emul|node|comm|io)/')
  printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy-14 -p build --quiet
  echo "lint: clang-tidy: ${#units[@]} files clean"
fi
