#!/usr/bin/env bash
# Builds the unit and MPI tests with AddressSanitizer and UndefinedBehaviorSanitizer (clang 14;
# build-asan/) and runs them: the unit tests, unit_self_tests, and the MPI tests at 1, 2 and 4 ranks.
# Any report fails the run. Not in .ci/run (a second full build doubles its time); run it before
# landing changes to memory handling. Usage: bash jobs/sanitize.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
source jobs/env.sh
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DPIMSCALE_NATIVE=OFF -DCMAKE_C_FLAGS="$sanitize" \
  -DCMAKE_CXX_FLAGS="$sanitize" >/dev/null
cmake --build build-asan -j"$(nproc)" --target unit_tests unit_self_tests mpi_tests
export LSAN_OPTIONS="suppressions=$here/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1
export PIMSCALE_PRESETS="$here/jobs/presets"
build-asan/tests/unit_tests --gtest_brief=1
# Leak checking is off where MPI starts: Open MPI's components keep allocations until exit that
# LeakSanitizer can no longer attribute (their modules are unloaded: "<unknown module>", no pimscale
# frame). Overflows, use after free and undefined behaviour are still checked there; leaks are checked
# in unit_tests above and per input by the fuzz targets (tests/fuzz/run.sh).
export ASAN_OPTIONS=detect_leaks=0
build-asan/tests/unit_self_tests --gtest_brief=1
for n in 1 2 4; do
  mpirun -n "$n" build-asan/tests/mpi_tests --gtest_brief=1
done
echo "sanitize: unit (leaks too), unit_self and MPI tests (1, 2, 4 ranks) clean under ASan + UBSan"
