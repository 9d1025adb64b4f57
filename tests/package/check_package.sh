#!/usr/bin/env bash
# Checks a built orchestrator_<version>_amd64.deb the way an operator would meet it: lintian, the
# files and their modes, then the package unpacked into a scratch root (dpkg -x) where the
# installed binary runs against a temporary configuration and finds its plugin, sandbox helper
# and example pipeline; the packaged configuration, man page, completion and unit.
#   tests/package/check_package.sh PATH/orchestrator_<version>_amd64.deb
set -euo pipefail
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d /tmp/orch-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
bad() { echo "FAILED: $*" >&2; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

version=$(dpkg-deb -f "$deb" Version)
[ "$(basename "$deb")" = "orchestrator_${version}_amd64.deb" ] && ok "file name" || bad "file name $(basename "$deb")"

# lintian: no errors; the warnings are printed for the record.
lintian_out=$(lintian --pedantic -I "$deb" 2>&1 | grep -v 'running with root privileges' || true)
echo "$lintian_out" | sed -n 's/^/lintian: /p'
if echo "$lintian_out" | grep -q '^E: '; then bad "lintian reports errors"; else ok "lintian: no errors"; fi

# Files, modes, conffiles, dependencies.
listing=$(dpkg-deb -c "$deb")
for path in ./usr/bin/orchestrator ./usr/lib/orchestrator/orch_notify_net.so \
  ./usr/lib/orchestrator/orchestrator-sandbox ./usr/lib/orchestrator/orchestrator-example-pipeline \
  ./lib/systemd/system/orchestrator.service ./etc/orchestrator/orchestrator.toml \
  ./etc/orchestrator/environment ./usr/share/man/man1/orchestrator.1.gz \
  ./usr/share/bash-completion/completions/orchestrator ./usr/share/doc/orchestrator/README.md \
  ./usr/share/doc/orchestrator/docs/guide/commands.md \
  ./usr/share/doc/orchestrator/docs/guide/configuration.md \
  ./usr/share/doc/orchestrator/copyright ./usr/share/doc/orchestrator/changelog.gz; do
  echo "$listing" | grep -q " $path\$" || bad "missing $path"
done
ok "every file is in the package"
echo "$listing" | grep -q '^-rw-r----- root/root .* ./etc/orchestrator/environment$' &&
  ok "environment is 0640" || bad "environment is not 0640"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles"
check "conffiles" diff <(printf '/etc/orchestrator/orchestrator.toml\n/etc/orchestrator/environment\n') "$work/conffiles"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser libnettle8 libsoci-sqlite3-4.0 libsoci-postgresql4.0 libc6; do
  [[ $depends == *"$dep"* ]] || bad "Depends lacks $dep: $depends"
done
ok "Depends (dpkg-shlibdeps): $depends"
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$work/$script"
  check "$script is valid sh" sh -n "$work/$script"
done
grep -q 'adduser --system --group --home /var/lib/orchestrator' "$work/postinst" &&
  grep -q 'chmod 0750 /var/lib/orchestrator' "$work/postinst" &&
  ok "postinst makes the user and /var/lib/orchestrator" || bad "postinst"

# Unpacked into a scratch root, the binary runs and finds what it installs beside it.
root=$work/root
dpkg -x "$deb" "$root"
bin=$root/usr/bin/orchestrator
check "--version" test "$("$bin" --version)" = "orchestrator $version"
mkdir -p "$work/run"
cat >"$work/run/test.toml" <<TOML
[paths]
input_dir = "$work/run/inputs"
output_dir = "$work/run/outputs"
[database]
url = "sqlite:$work/run/orchestrator.db"
[notify]
channels = ["log", "email"]
[notify.smtp]
host = "127.0.0.1"
from = "orchestrator@example.com"
TOML
env -i PATH=/usr/bin:/bin "$bin" --config "$work/run/test.toml" check-config >"$work/check.out" 2>"$work/check.err" &&
  ok "check-config passes (the plugin loads from /usr/lib/orchestrator)" ||
  { bad "check-config: $(cat "$work/check.err")"; }
grep -qx "command = \[\"$root/usr/lib/orchestrator/orchestrator-example-pipeline\"\]" "$work/check.out" &&
  ok "the default pipeline is the installed example" || bad "default pipeline: $(grep '^command' "$work/check.out")"
grep -q '^# isolation: landlock' "$work/check.out" && ok "the sandbox helper is found" ||
  bad "isolation: $(grep '^# isolation' "$work/check.out")"
sed -i 's/"log", "email"/"log"/' "$work/run/test.toml"
mkdir -p "$work/run/inputs/files_required"
printf 'loan_id,borrower,amount,rate,term_months\nL1,Ann,1000.50,4.5,36\n' >"$work/run/inputs/files_required/loans_20260101.csv"
# Under the unit's UMask=0027: files 0640 and folders 0750, the database and outputs included
# (the inputs' snapshot is hard links to the team's own files, whose modes are the uploader's).
(umask 0027 && env -i PATH=/usr/bin:/bin "$bin" --config "$work/run/test.toml" run --general) \
  >"$work/run.out" 2>"$work/run.err" &&
  grep -q 'status: completed' "$work/run.out" &&
  ok "run --general completes with the installed example pipeline in its sandbox" ||
  bad "run --general: $(cat "$work/run.out" "$work/run.err")"
check "the database is 0640" test "$(stat -c %a "$work/run/orchestrator.db")" = 640
open_to_others=$(find "$work/run/outputs" "$work/run/orchestrator.db" \( -type f -links 1 -o -type d \) \
  -perm /0027 -printf '%m %p\n')
check "outputs are 0640 files and 0750 folders ${open_to_others:+(not: $open_to_others)}" \
  test -z "$open_to_others"

# The packaged configuration: valid, and every commented key at its built-in default. Uncommenting
# every key must give the same effective configuration as leaving them commented.
conf=$root/etc/orchestrator/orchestrator.toml
describe() {  # describe FILE: check-config's output without the source line, paths relative to /
  (cd "$work" && env -i PATH=/usr/bin:/bin "$bin" --config "$1" check-config 2>/dev/null || true) |
    sed -e '/^# source:/d' -e '/^# database:/d' -e "s|$root||g"
}
sed -E 's/^# ([a-z_]+ = )/\1/' "$conf" >"$work/uncommented.toml"
describe "$conf" >"$work/commented.txt"
describe "$work/uncommented.toml" >"$work/uncommented.txt"
if [ -s "$work/commented.txt" ] && grep -q '^\[scheduler\]' "$work/commented.txt" &&
  diff "$work/commented.txt" "$work/uncommented.txt" >/dev/null; then
  ok "the packaged configuration loads, every key commented at its default"
else
  bad "the packaged configuration: $(diff "$work/commented.txt" "$work/uncommented.txt" | head -5)"
fi
commented=$(grep -cE '^# [a-z_]+ = ' "$conf")
set_keys=$(grep -E '^[a-z_]+ = ' "$conf" | cut -d' ' -f1 | tr '\n' ' ')
check "only the state paths are set ($set_keys; $commented keys commented)" \
  test "$set_keys" = "input_dir output_dir url "

# The man page documents every command the binary has.
zcat "$root/usr/share/man/man1/orchestrator.1.gz" >"$work/orchestrator.1"
check "the man page renders without warnings" \
  test -z "$(groff -man -ww -z "$work/orchestrator.1" 2>&1)"
commands=$("$bin" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}')
for command in $commands; do
  grep -qE "^\.SS $command( |\$)" "$work/orchestrator.1" || bad "the man page lacks $command"
done
ok "the man page has a section for each of: $(echo $commands)"

# Bash completion offers the installed binary's commands and a command's options.
completion=$root/usr/share/bash-completion/completions/orchestrator
offered=$(bash -c 'source "$1"; COMP_WORDS=("$2" ""); COMP_CWORD=1; _orchestrator; echo "${COMPREPLY[*]}"' _ "$completion" "$bin")
check "completion offers every command" test "$offered" = "$(echo $commands)"
offered=$(bash -c 'source "$1"; COMP_WORDS=("$2" prune --); COMP_CWORD=2; _orchestrator; echo "${COMPREPLY[*]}"' _ "$completion" "$bin")
check "completion offers prune's options ($offered)" test "$offered" = "--help --dry-run"

# The unit: systemd-analyze verify (on a copy pointing into the scratch root, since nothing is
# installed on this machine) and its security exposure.
unit=$root/lib/systemd/system/orchestrator.service
sed "s|/usr/bin/orchestrator|$bin|g" "$unit" >"$work/orchestrator.service"
check "systemd-analyze verify" test -z "$(cd "$work" && systemd-analyze verify --man=no "$work/orchestrator.service" 2>&1)"
exposure=$(cd "$work" && systemd-analyze security --offline=true "$work/orchestrator.service" 2>&1 |
  sed -n 's/.*Overall exposure level for orchestrator.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: $exposure (at most 3.5)" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 3.5) }'

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "package checks passed"
