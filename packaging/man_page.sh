#!/usr/bin/env bash
# Writes orchestrator(1) from the binary's own --help, so that the page lists exactly the commands
# and options the binary has: help2man for the top level, and a COMMANDS section with the --help
# of every command and subcommand.
#   packaging/man_page.sh BINARY OUTPUT.1
set -euo pipefail
binary=$1 out=$2
include=$(mktemp)
trap 'rm -f "$include"' EXIT

# The names under "Subcommands:" in a --help text.
subcommands() {
  "$binary" "$@" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}'
}

{
  echo '[COMMANDS]'
  for command in $(subcommands); do
    children=$(subcommands "$command")
    for sub in "" $children; do
      name="$command${sub:+ $sub}"
      # A command with subcommands is described by them.
      [ -z "$sub" ] && [ -n "$children" ] && continue
      echo ".SS $name"
      echo '.nf'
      # roff: a leading dot or quote would start a request; backslashes are escapes.
      # shellcheck disable=SC2086
      "$binary" $name --help | sed -n '1p; /^Options:/,$p' | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/"
      echo '.fi'
    done
  done
  cat <<'TEXT'
[FILES]
.TP
.I /etc/orchestrator/orchestrator.toml
The configuration (when neither \-\-config nor ORCHESTRATOR_CONFIG names another file and the
working folder has no orchestrator.toml).
.TP
.I /etc/orchestrator/environment
Secrets for the service (DATABASE_URL, SMTP_PASSWORD, SLACK_WEBHOOK_URL), mode 0640.
.TP
.I /var/lib/orchestrator
The service's SQLite database, inputs and outputs.
.TP
.I /usr/lib/orchestrator
The email and Slack plugin, the sandbox helper and the example pipeline.
[EXIT STATUS]
0 success; 1 a run failed; 2 bad usage or configuration; 3 the team is busy; 4 the database
cannot be reached or did not take a run's end; 5 a timeout.
[SEE ALSO]
The guide: /usr/share/doc/orchestrator/README.md and, for every key and option,
/usr/share/doc/orchestrator/docs/guide/.
TEXT
} >"$include"

help2man --no-info --section=1 --source="Pipeline Orchestrator" --manual="User Commands" \
  --name="runs a daily data pipeline once per sales team" --include="$include" \
  --output="$out" "$binary"
