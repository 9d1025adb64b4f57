#!/usr/bin/env bash
# Writes demo loan tapes for teams 1-3 and the general run under INPUT_DIR (default data/inputs):
# a few good loans and a few exception rows (missing borrower, bad amounts, a duplicate id).
set -euo pipefail
root=${1:-data/inputs}
today=$(date -u +%Y%m%d)
write_tape() {  # write_tape FOLDER SEED
  local folder=$1 seed=$2
  mkdir -p "$folder"
  {
    echo "loan_id,borrower,amount,rate,term_months,origination_date"
    for i in $(seq 1 $((10 + seed * 5))); do
      echo "L${seed}$(printf %04d "$i"),Borrower $i,$((10000 + i * 137)).50,$((3 + i % 5)).25,$((12 * (1 + i % 5))),2026-0$((1 + i % 9))-1$((i % 9))"
    done
    echo "L${seed}9001,,2500.00,4.5,36,2026-05-02"
    echo "L${seed}9002,\"Doe, Jane\",-10,4.5,36,2026-05-02"
    echo "L${seed}9003,Acme Ltd,abc,4.5,36,2026-05-02"
    echo "L${seed}0001,Duplicate Co,1000.00,4.5,36,2026-05-02"
  } >"$folder/loans_${today}.csv"
}
for team in 1 2 3; do
  write_tape "$root/sales_team_$team/files_required" "$team"
done
write_tape "$root/files_required" 4
echo "demo loan tapes written under $root"
