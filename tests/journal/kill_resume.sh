#!/usr/bin/env bash
# A run of the main example killed with SIGKILL three times and resumed gives what an
# uninterrupted run gives: the same regret table, and a journal in which no record is lost or
# repeated.
#   kill_resume.sh <hyperparameter_prediction binary> <datasets folder> <work folder>
set -euo pipefail
bin=$1
data=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
# Load-independent settings: no time limit on meta-feature groups or evaluations. The decision
# tree: its evaluations are the cheapest, on the weka sets alone (the test runs under the
# sanitizers).
args=(--datasets "$data/weka" --quick --threads 2 --model decision_tree --meta-model ridge --mf-time-limit 0 --time-budget 0)

"$bin" "${args[@]}" --out "$work/whole" >"$work/whole.log" 2>&1 || { cat "$work/whole.log"; exit 1; }
planned=$(wc -l <"$work/whole/records_quick.jsonl")
echo "uninterrupted run: $planned records"

journal="$work/killed/records_quick.jsonl"
mkdir -p "$work/killed"
for kill in 1 2 3; do
  "$bin" "${args[@]}" --out "$work/killed" >"$work/killed_$kill.log" 2>&1 &
  pid=$!
  # kill it once it has appended a few more records than there were
  before=$( [ -f "$journal" ] && wc -l <"$journal" || echo 0)
  target=$((before + planned / 5))
  for _ in $(seq 1 600); do
    now=$( [ -f "$journal" ] && wc -l <"$journal" || echo 0)
    [ "$now" -ge "$target" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "kill $kill: journal has $( [ -f "$journal" ] && wc -l <"$journal" || echo 0) lines"
done
"$bin" "${args[@]}" --out "$work/killed" >"$work/resumed.log" 2>&1 || { cat "$work/resumed.log"; exit 1; }
grep -E "^evaluated" "$work/resumed.log" || true

status=0
lines=$(grep -c . "$journal")
if [ "$lines" -ne "$planned" ]; then
  echo "FAIL: the resumed journal has $lines records, the uninterrupted one $planned (lost or repeated records)"
  status=1
fi
if ! cmp -s "$work/whole/regret.csv" "$work/killed/regret.csv"; then
  echo "FAIL: the regret tables differ"
  diff "$work/whole/regret.csv" "$work/killed/regret.csv" || true
  status=1
fi
[ "$status" -eq 0 ] && echo "resumed run: $lines records, regret table identical to the uninterrupted run"
exit "$status"
