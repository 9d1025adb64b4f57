#!/usr/bin/env bash
# Configures and builds one flavour of the project with Ninja.
#   scripts/build.sh release   -> build-release/ (optimised, what the demo runs)
#   scripts/build.sh debug     -> build-debug/   (warnings are errors, what the tests run; with
#                                                the benchmarks, so that clang-tidy sees them)
#   scripts/build.sh asan      -> build-asan/    (debug with AddressSanitizer and UBSan, the tests' second run)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) dir=build-release; flags=(-DCMAKE_BUILD_TYPE=Release -DORCH_BUILD_TESTS=OFF) ;;
  debug) dir=build-debug; flags=(-DCMAKE_BUILD_TYPE=Debug -DORCH_WERROR=ON -DORCH_BUILD_BENCH=ON) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DORCH_WERROR=ON -DORCH_SANITIZE=ON) ;;
  *) echo "usage: scripts/build.sh release|debug|asan" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j2
