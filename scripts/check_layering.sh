#!/usr/bin/env bash
# Checks the direction of dependencies between the top-level folders (see STYLE in the README's
# Layout section): config/base -> nothing of ours; config -> base; pipeline and notify -> config,
# never each other; only orchestrator/ and tests/ may include orchestrator/, and of orchestrator/
# only cli/ includes api/; only notify/net/ may include Poco; only api/http_server.cpp Beast.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # check FOLDER FORBIDDEN-INCLUDE-PREFIX...
  local folder=$1
  shift
  for prefix in "$@"; do
    if grep -rn --include='*.h' --include='*.cpp' "#include \"$prefix" "$folder" 2>/dev/null; then
      echo "layering: $folder must not include $prefix" >&2
      status=1
    fi
  done
}
check config/base config/config pipeline/ notify/ orchestrator/
check config pipeline/ notify/ orchestrator/
check packaging pipeline/ notify/ orchestrator/
check pipeline notify/ orchestrator/
check notify pipeline/ orchestrator/
# The HTTP API sits on top of the service's parts: only the command line (and the tests) include it,
# and it never includes the command line.
check orchestrator/schedule orchestrator/api/ orchestrator/cli/
check orchestrator/store orchestrator/api/ orchestrator/cli/
check orchestrator/core orchestrator/api/ orchestrator/cli/
check orchestrator/api orchestrator/cli/
# Beast (and the Asio it brings) stays in the server's one .cpp file.
if grep -rln --include='*.h' --include='*.cpp' '#include <boost/beast' config pipeline notify orchestrator |
    grep -v '^orchestrator/api/http_server.cpp$'; then
  echo "layering: only orchestrator/api/http_server.cpp may include Boost.Beast" >&2
  status=1
fi
# Poco (and OpenSSL's TLS with it) stays in the network plugin, which only a process with email or
# Slack on loads: a Poco header anywhere else would map it into every process.
if grep -rln --include='*.h' --include='*.cpp' '#include <Poco/' config pipeline notify orchestrator |
    grep -v '^notify/net/'; then
  echo "layering: only notify/net/ (the network plugin) may include Poco" >&2
  status=1
fi
exit $status
