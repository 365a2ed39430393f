#!/usr/bin/env bash
# examples/tune refuses bad input with a message that says what and where, and never mixes the
# scores of another dataset into a study:
#   - a journal resumed on another dataset, or with other folds: refused, naming both datasets
#     and checksums; a journal from before checksums were recorded: resumed with a warning;
#   - a journal line with a score out of the metric's range: refused with file and line, the
#     journal untouched;
#   - --seed -1 (an unsigned option would wrap it) and --folds 1: refused;
#   - rows with a missing target: dropped with a warning that counts them;
#   - a class too small for the folds: refused naming the class and its count, with the fix.
#   tune_bad_input.sh <tune binary> <work folder>
# Exits 77 (skipped) when the binary is not built (examples outside the default target).
set -uo pipefail
bin=$1
work=$2
if [ ! -x "$bin" ]; then
  echo "skipped: $bin is not built (cmake --build <dir> --target tune)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# run <name> <args...>: runs tune, keeps its exit code in $rc and its output in $work/<name>.log
run() {
  local name=$1
  shift
  "$bin" "$@" --cold --trials 2 --threads 1 >"$work/$name.log" 2>&1
  rc=$?
}
expect_fail() {  # expect_fail <name> <text>...: the run failed and its output has every text
  local name=$1
  shift
  [ "$rc" -ne 0 ] || fail "$name: exit code 0, expected an error"
  for text in "$@"; do
    grep -qF -- "$text" "$work/$name.log" || fail "$name: output lacks '$text'"
  done
}
expect_ok() {
  local name=$1
  shift
  [ "$rc" -eq 0 ] || fail "$name: exit code $rc"
  for text in "$@"; do
    grep -qF -- "$text" "$work/$name.log" || fail "$name: output lacks '$text'"
  done
}

# Two small classification tables (class last).
{
  echo "a,b,class"
  for i in $(seq 1 30); do echo "$i,$(( (i * 7) % 11 )),$([ $((i % 2)) -eq 0 ] && echo x || echo y)"; done
} >"$work/first.csv"
{
  echo "a,b,class"
  for i in $(seq 1 30); do echo "$((i * 3)),$(( (i * 5) % 13 )),$([ $((i % 3)) -eq 0 ] && echo x || echo y)"; done
} >"$work/second.csv"

journal="$work/study.jsonl"
run first "$work/first.csv" --journal "$journal"
expect_ok first
head -1 "$journal" | grep -q '"checksum"' || fail "first: the journal's first line records no checksum"
run resume "$work/first.csv" --journal "$journal"
expect_ok resume "resuming"
cp "$journal" "$work/study.before"
run other_data "$work/second.csv" --journal "$journal"
expect_fail other_data 'dataset: journal "first", this run "second"' 'checksum: journal "' "another journal"
cmp -s "$journal" "$work/study.before" || fail "other_data: the journal was changed"
run other_folds "$work/first.csv" --journal "$journal" --folds 2
expect_fail other_folds 'folds: journal 3, this run 2'

# A journal written before the context was recorded: resumed, with a warning.
sed '1s/"context":{[^}]*},//' "$work/study.before" >"$work/old.jsonl"
grep -q '"context"' "$work/old.jsonl" && fail "old: could not strip the context from the test journal"
run old "$work/first.csv" --journal "$work/old.jsonl"
expect_ok old "records no study context"

# A score out of range (an edited journal): refused, file and line, nothing lost.
awk '!done && /"event":"tell"/ && /"state":"complete"/ { sub(/"score":[-0-9.e]+/, "\"score\":55"); done = 1 } { print }' \
  "$work/study.before" >"$work/edited.jsonl"
line=$(grep -n '"score":55' "$work/edited.jsonl" | cut -d: -f1)
[ -n "$line" ] || fail "edited: no line to edit"
cp "$work/edited.jsonl" "$work/edited.before"
run edited "$work/first.csv" --journal "$work/edited.jsonl"
expect_fail edited "$work/edited.jsonl:$line:" "score 55" "[0, 1]"
cmp -s "$work/edited.jsonl" "$work/edited.before" || fail "edited: the journal was changed"

# Options out of range.
run seed "$work/first.csv" --journal "$work/seed.jsonl" --seed -1
expect_fail seed "--seed" "non-negative"
[ -e "$work/seed.jsonl" ] && fail "seed: a journal was written"
run folds1 "$work/first.csv" --journal "$work/folds1.jsonl" --folds 1
expect_fail folds1 "--folds"

# Rows without a target: dropped, and said.
{ cat "$work/first.csv"; echo "5,5,"; echo "6,6,?"; } >"$work/missing.csv"
run missing "$work/missing.csv" --journal "$work/missing.jsonl"
expect_ok missing "dropped 2 row(s) with a missing target 'class'"

# A class of one sample: which class, how many, what to do; nothing written.
{ cat "$work/first.csv"; echo "99,1,lonely"; } >"$work/single.csv"
run single "$work/single.csv" --journal "$work/single.jsonl"
expect_fail single "class 'lonely' has 1 sample" "drop its rows"
[ -e "$work/single.jsonl" ] && fail "single: a journal was written"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; logs in $work"
  exit 1
fi
echo "all checks passed"
