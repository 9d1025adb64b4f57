#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the demo need. Idempotent: it installs only
# what is missing and never upgrades what is already there (a no-op run takes under a second).
set -euo pipefail
PKGS="g++ cmake ninja-build pkg-config ccache sqlite3 \
 libboost-filesystem-dev libsoci-dev libpq-dev libsqlite3-dev libpoco-dev libssl-dev \
 libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev \
 libhowardhinnant-date-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev \
 tzdata ca-certificates postgresql-15 python3-aiosmtpd openssl clang-14 libclang-rt-14-dev clang-tidy-14 \
 nettle-dev help2man lintian dpkg-dev fakeroot prometheus \
 chromium chromium-driver python3-selenium"
missing=$(for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
done)
if [ -n "$missing" ]; then
  SUDO=
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "install_deps: installing" $missing >&2
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
