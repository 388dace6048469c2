#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer (clang 14;
# build-fuzz/) and runs each for RUNS executions (default 1,000,000; the dataset target 3,000, since
# each of its inputs writes and opens an HDF5 file through MPI-IO, about 12 a second) from its seed corpus
# (tests/fuzz/corpus/TARGET, copied: the repository's corpus is not changed). A crash, a leak, a
# sanitizer report or an input slower than 10 s fails the run; libFuzzer then writes the input as
# build-fuzz/crash-* (add it to the corpus once fixed). FUZZ_CHUNK=N runs each target as fresh processes of N
# executions each, the corpus carried from one to the next, until RUNS (a bound on what one process
# accumulates; the dataset target's falling rate had its cause in the harness, see fuzz_dataset.cpp).
# Usage: bash tests/fuzz/run.sh [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
source jobs/env.sh
runs=${RUNS:-1000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(libsvm csv idx config preset dataset)
# FUZZ_ASAN=0: UndefinedBehaviorSanitizer only, in build-fuzz-ubsan/ (several times faster where
# allocation dominates, as in the dataset target; memory errors are then found only when they crash).
build=build-fuzz
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ "${FUZZ_ASAN:-1}" = 0 ]; then
  build=build-fuzz-ubsan
  sanitize="-fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
fi
cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DPIMSCALE_FUZZ=ON -DPIMSCALE_NATIVE=OFF \
  -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_CXX_FLAGS="$sanitize -fsanitize=fuzzer-no-link" >/dev/null
cmake --build $build -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
# Open MPI and HDF5 keep some allocations until exit (not ours): tests/fuzz/lsan.supp.
export LSAN_OPTIONS="suppressions=$here/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1
for t in "${targets[@]}"; do
  n=$runs leaks=1
  # The dataset target opens files through MPI-IO, whose components keep allocations LeakSanitizer
  # cannot attribute (unloaded modules) on inputs that reach new MPI paths: overflows, use after free
  # and undefined behaviour are checked there, leaks by the parser targets.
  [ "$t" != dataset ] || { n=${RUNS:-3000}; leaks=0; }
  work=$build/corpus-$t
  rm -rf "$work"
  mkdir -p "$work"
  start=$(date +%s)
  chunk=${FUZZ_CHUNK:-$n} done_runs=0 part=0
  : >"$build/fuzz-$t.log"
  while [ "$done_runs" -lt "$n" ]; do
    this=$((n - done_runs < chunk ? n - done_runs : chunk))
    part=$((part + 1))
    # -detect_leaks=0 stops the check after each input; ASAN_OPTIONS also the one at exit.
    (cd $build && ASAN_OPTIONS="detect_leaks=$leaks" "./tests/fuzz_$t" -runs="$this" -detect_leaks="$leaks" -timeout=10 \
      -rss_limit_mb=4096 -print_final_stats=1 "corpus-$t" "$here/tests/fuzz/corpus/$t" >"fuzz-$t.part.log" 2>&1) ||
      { tail -40 "$build/fuzz-$t.part.log"; echo "fuzz_$t: FAILED ($build/fuzz-$t.part.log)"; exit 1; }
    cat "$build/fuzz-$t.part.log" >>"$build/fuzz-$t.log"
    done_runs=$((done_runs + $(grep -m1 "stat::number_of_executed_units" "$build/fuzz-$t.part.log" | awk '{print $2}')))
    [ "$chunk" -ge "$n" ] || echo "  fuzz_$t: part $part, $done_runs executions, $(($(date +%s) - start)) s"
  done
  execs=$done_runs
  cover=$(grep -Eo "cov: [0-9]+" "$build/fuzz-$t.log" | tail -1)
  echo "fuzz_$t: $execs executions in $(($(date +%s) - start)) s, $cover, no crash, leak or hang"
done
