#!/usr/bin/env bash
# Fails when a production source file is longer than 400 lines (function bodies are held to 60
# lines by clang-tidy's readability-function-size, see .clang-tidy). A file that is one table of
# data may be listed below with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
max_lines=400
status=0
while IFS= read -r file; do
  lines=$(wc -l <"$file")
  if [ "$lines" -gt "$max_lines" ]; then
    echo "size: $file has $lines lines (at most $max_lines; split it by what its parts do)" >&2
    status=1
  fi
done < <(find config notify pipeline orchestrator bench -name '*.h' -o -name '*.cpp' | sort)
exit $status
