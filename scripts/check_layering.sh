#!/usr/bin/env bash
# Checks every #include of the production folders against a table of allowed edges (docs/layering.md
# says why the table is what it is). A source file may include:
#   - a header of its own folder;
#   - a header of a folder, or a single header, that its folder's row names ("ours");
#   - a library that its folder's row names ("libraries"), or that a row for the file itself adds;
#   - the C++ standard library and the system's headers (<vector>, <unistd.h>, <sys/...>, <linux/...>).
# A sub-folder is a folder of its own: config/ does not inherit config/base/'s row, nor the reverse.
# Every folder holding sources needs a row, so that a new folder gets its place in the table.
# Prints one line per violation: the file and line, the include, and what that file may include.
set -euo pipefail
cd "$(dirname "$0")/.."

# FOLDER or FILE                  | ours                                           | libraries
read -r -d '' table <<'EOF' || true
config/base                      |                                                | date
config/log                       | config/base                                    | spdlog fmt nlohmann
config                           | config/base                                    | date toml++ nlohmann
pipeline                         | config config/base                             | date nlohmann nettle asio
pipeline/example                 |                                                | nlohmann
pipeline/sandbox_helper          |                                                |
notify                           | config config/base notify/net/abi.h            | nlohmann
notify/net                       | notify config config/base                      | poco
orchestrator/schedule            | config config/base                             | date
orchestrator/store               | config config/base notify/delivery.h           | date soci
orchestrator/core                | orchestrator/schedule orchestrator/store pipeline notify config config/base | date nlohmann asio
orchestrator/api                 | orchestrator/core orchestrator/store orchestrator/schedule notify config config/base | date nlohmann
orchestrator/api/http_server.cpp |                                                | asio beast
orchestrator/cli                 | orchestrator/api orchestrator/core orchestrator/store orchestrator/schedule pipeline notify config config/base | date nlohmann asio cli11
orchestrator                     | orchestrator/cli                               |
bench                            | orchestrator/schedule pipeline config/base     | date benchmark
packaging                        | config config/base                             |
EOF

declare -A ours libs
while IFS='|' read -r key our lib; do
  read -r key <<<"$key"
  [ -n "$key" ] || continue
  ours[$key]=" $(echo $our) "  # unquoted: one space between words
  libs[$key]=" $(echo $lib) "
done <<<"$table"


# Sets `library` to the library an angle-bracket include belongs to: "system" for the standard
# library and the OS. (A variable rather than output: a subshell per include made the check slow.)
library_of() {
  case $1 in
    date/*) library=date ;;
    nlohmann/*) library=nlohmann ;;
    spdlog/*) library=spdlog ;;
    fmt/*) library=fmt ;;
    toml++/*) library=toml++ ;;
    boost/asio/* | boost/asio.hpp) library=asio ;;
    boost/beast/* | boost/beast.hpp) library=beast ;;
    boost/*) library=boost ;;
    Poco/*) library=poco ;;
    soci/*) library=soci ;;
    CLI/*) library=cli11 ;;
    nettle/*) library=nettle ;;
    benchmark/*) library=benchmark ;;
    sys/* | linux/* | asm/* | netinet/* | arpa/* | net/* | bits/*) library=system ;;
    */*) library="unknown: add it to library_of" ;;
    *) library=system ;;
  esac
}

# The words of a row's column, or "nothing" for an empty one.
names() {
  if [ $# -eq 0 ]; then
    echo nothing
  else
    echo "$*"
  fi
}

status=0
violation() {  # violation FILE:LINE INCLUDE WHY
  echo "layering: $1: $2 $3" >&2
  status=1
}

while IFS= read -r file; do
  folder=${file%/*}
  if [ -z "${ours[$folder]+set}" ]; then
    violation "$file" "(folder $folder)" "has no row in scripts/check_layering.sh's table"
    continue
  fi
  allowed_ours="${ours[$folder]}"
  allowed_libs="${libs[$folder]}${libs[$file]:-}"
  while IFS=: read -r line text; do
    if [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      header=${BASH_REMATCH[1]}
      target=${header%/*}
      if [ "$target" = "$folder" ] || [[ $allowed_ours == *" $target "* ]] ||
          [[ $allowed_ours == *" $header "* ]]; then
        continue
      fi
      violation "$file:$line" "\"$header\"" \
        "is not an allowed edge ($folder/ may include its own headers and: $(names $allowed_ours))"
    elif [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      header=${BASH_REMATCH[1]}
      library_of "$header"
      if [ "$library" = system ] || [[ $allowed_libs == *" $library "* ]]; then
        continue
      fi
      violation "$file:$line" "<$header>" \
        "is not an allowed library ('$library'; $file may use the standard library and: $(names $allowed_libs))"
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$file" || true)
done < <(for root in config notify pipeline orchestrator bench packaging; do
           if [ -d "$root" ]; then
             find "$root" -name '*.h' -o -name '*.cpp' -o -name '*.c'
           fi
         done | sort)
exit $status
