#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) over the production sources, headers included, using
# the debug build's compile_commands.json, and fails on any finding. Tests are not checked: the
# GoogleTest macros trip half the checks by design.
# Usage: scripts/check_tidy.sh [folder or file...]   (default: every production folder)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
folders=("$@")
if [ ${#folders[@]} -eq 0 ]; then
  folders=(config notify pipeline orchestrator bench)
fi
if [ ! -f build-debug/compile_commands.json ]; then
  echo "check_tidy: build-debug/compile_commands.json is missing; run scripts/build.sh debug first" >&2
  exit 2
fi
pattern=$(IFS='|'; echo "${folders[*]}")
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# run-clang-tidy takes a regular expression of the files to check; headers are reported through
# the header filter, only for our own folders (never a generated file under build-*/).
run-clang-tidy-14 -p build-debug -j2 -quiet \
    -header-filter="^$root/(config|notify|pipeline|orchestrator|bench)/" \
    "^$root/($pattern)(/|$)" >"$report" 2>/dev/null || true
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$report" | grep -E '^/.*: (warning|error): ' | sort -u || true)
if [ -n "$findings" ]; then
  echo "$findings" | sed "s|^$root/||"
  echo "check_tidy: $(echo "$findings" | wc -l) finding(s); see .clang-tidy" >&2
  exit 1
fi
echo "check_tidy: no findings in ${folders[*]}"
