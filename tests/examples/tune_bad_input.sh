#!/usr/bin/env bash
# examples/tune refuses bad input with a message that says what and where, and never mixes the
# scores of another dataset into a study:
#   - a journal resumed on another dataset, or with other folds: refused, naming both datasets
#     and checksums; a journal from before checksums were recorded: resumed with a warning;
#   - a journal line with a score out of the metric's range: refused with file and line, the
#     journal untouched;
#   - --seed -1 or 2^64 (an unsigned option would wrap or saturate it) and --folds 1: refused;
#   - --time-budget out of range, --method random with a warm start or --compare-random, and
#     --cold with --knowledge: refused; --trace writes a header and a line per trial (those of
#     a round told after the budget ran out too), a spent budget stops the study;
#   - rows with a missing target: dropped with a warning that counts them;
#   - a class too small for the folds: refused naming the class and its count, with the fix;
#   - --trace naming the journal, the dataset or an existing file that is not a trace, --journal "", an unknown --model, a journal
#     that is a device or not a journal: refused, the files untouched;
#   - --records: a knowledge fitted on a record journal warm-starts the study; with --cold or a
#     missing file: refused, no journal written.
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
run seed_big "$work/first.csv" --journal "$work/seed_big.jsonl" --seed 18446744073709551616
expect_fail seed_big "--seed" "too large"
[ -e "$work/seed_big.jsonl" ] && fail "seed_big: a journal was written (2^64 read as 2^64 - 1)"
run folds1 "$work/first.csv" --journal "$work/folds1.jsonl" --folds 1
expect_fail folds1 "--folds"

# --time-budget: negative, NaN, zero refused (exit 2, nothing written); --method random with
# --knowledge or --compare-random refused.
for budget in -1 nan 0; do
  run "budget$budget" "$work/first.csv" --journal "$work/budget.jsonl" --time-budget "$budget"
  [ "$rc" -eq 2 ] || fail "budget $budget: exit code $rc, expected 2"
  expect_fail "budget$budget" "--time-budget must be a finite number of seconds > 0"
  [ -e "$work/budget.jsonl" ] && fail "budget $budget: a journal was written"
done
"$bin" "$work/first.csv" --method random --knowledge x.json --journal "$work/rk.jsonl" >"$work/random_knowledge.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "random_knowledge: exit code $rc, expected 2"
expect_fail random_knowledge "--method random is never warm-started"
run random_compare "$work/first.csv" --method random --compare-random --journal "$work/rc.jsonl"
expect_fail random_compare "--compare-random"

# --trace: a header and one line per trial of the run; a budget already spent stops after the
# first trial (one thread: one trial at a time), --trials bounds it otherwise (whichever first).
run trace "$work/first.csv" --journal "$work/trace.jsonl" --trace "$work/trace.tsv" --time-budget 1000
expect_ok trace
[ "$(head -1 "$work/trace.tsv")" = "$(printf 'trial\telapsed_s\tcpu_s\tscore\tbest_so_far')" ] || fail "trace: bad header"
[ "$(wc -l <"$work/trace.tsv")" -eq 3 ] || fail "trace: expected a header and 2 trials (--trials 2)"
run spent "$work/first.csv" --journal "$work/spent.jsonl" --trace "$work/spent.tsv" --time-budget 1e-9
expect_ok spent "time budget of 1e-09 s reached: evaluated 1 trials"
[ "$(wc -l <"$work/spent.tsv")" -eq 2 ] || fail "spent: expected a header and 1 trial"
# three threads: a round of three trials; the budget is spent at the first, and the other two,
# told after the study stopped, are traced and counted too
"$bin" "$work/first.csv" --cold --trials 50 --threads 3 --journal "$work/spent3.jsonl" --trace "$work/spent3.tsv" \
  --time-budget 1e-9 >"$work/spent3.log" 2>&1
rc=$?
expect_ok spent3 "evaluated 3 trials"
[ "$(wc -l <"$work/spent3.tsv")" -eq 4 ] || fail "spent3: expected a header and 3 trials"
# --cold with --knowledge: the knowledge would be ignored, refused
"$bin" "$work/first.csv" --cold --knowledge x.json --journal "$work/ck.jsonl" >"$work/cold_knowledge.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "cold_knowledge: exit code $rc, expected 2"
expect_fail cold_knowledge "--cold starts without knowledge"
run random "$work/first.csv" --journal "$work/random.jsonl" --method random
expect_ok random "random search"
grep -q '"source":"random"\|"source":"initial"' "$work/random.jsonl" || fail "random: no trial in the journal"

# Rows without a target: dropped, and said.
{ cat "$work/first.csv"; echo "5,5,"; echo "6,6,?"; } >"$work/missing.csv"
run missing "$work/missing.csv" --journal "$work/missing.jsonl"
expect_ok missing "dropped 2 row(s) with a missing target 'class'"

# A class of one sample: which class, how many, what to do; nothing written.
{ cat "$work/first.csv"; echo "99,1,lonely"; } >"$work/single.csv"
run single "$work/single.csv" --journal "$work/single.jsonl"
expect_fail single "class 'lonely' has 1 sample" "drop its rows"
[ -e "$work/single.jsonl" ] && fail "single: a journal was written"

# --trace never overwrites the journal or the dataset (the trace file would be emptied first);
# --journal "" and an unknown --model are refused before the dataset is read
cp "$work/trace.jsonl" "$work/keep.jsonl"
run trace_journal "$work/first.csv" --journal "$work/keep.jsonl" --trace "$work/keep.jsonl"
expect_fail trace_journal "--trace '$work/keep.jsonl' is the journal"
cmp -s "$work/trace.jsonl" "$work/keep.jsonl" || fail "trace_journal: the journal was changed"
cp "$work/first.csv" "$work/data.csv"
run trace_data "$work/data.csv" --journal "$work/trace_data.jsonl" --trace "$work/./data.csv"
expect_fail trace_data "is the dataset"
cmp -s "$work/first.csv" "$work/data.csv" || fail "trace_data: the dataset was changed"
run empty_journal "$work/first.csv" --journal ""
[ "$rc" -eq 2 ] || fail "empty_journal: exit code $rc, expected 2"
expect_fail empty_journal "--journal needs a file name"
run bogus_model "$work/missing-file.csv" --model bogus
[ "$rc" -eq 2 ] || fail "bogus_model: exit code $rc, expected 2"
expect_fail bogus_model "unknown model 'bogus'"
# a journal path that is not a regular file, and a file that is not a journal: refused, untouched
run dev_journal "$work/first.csv" --journal /dev/null
expect_fail dev_journal "not a regular file"
printf 'my notes, no newline' >"$work/notes.txt"
run notes_journal "$work/first.csv" --journal "$work/notes.txt"
expect_fail notes_journal "not a tuner journal"
[ "$(cat "$work/notes.txt")" = "my notes, no newline" ] || fail "notes_journal: the file was changed"
# --trace over an existing file: only a trace is replaced (never a knowledge file or any other file)
run trace_notes "$work/first.csv" --journal "$work/trace_notes.jsonl" --trace "$work/notes.txt"
expect_fail trace_notes "exists and is not a trace written by tune"
[ "$(cat "$work/notes.txt")" = "my notes, no newline" ] || fail "trace_notes: the file was changed"
run trace_again "$work/first.csv" --journal "$work/trace_again.jsonl" --trace "$work/trace.tsv"
expect_ok trace_again
[ "$(wc -l <"$work/trace.tsv")" -eq 3 ] || fail "trace_again: expected the trace replaced by a header and 2 trials"

# --records: a knowledge fitted on a record journal of the outer loop (4 tasks x 3 values of C,
# two meta-features); its picks are the first trials. Refused with --cold or a missing file.
for t in 1 2 3 4; do
  for c in 0.1 1 10; do
    score=$(awk -v t="$t" -v c="$c" 'BEGIN { printf "%.4f", 0.5 + 0.1 * t - 0.05 * (log(c) / log(10) - 0.3 * t) ^ 2 }')
    printf '{"config":{"C":%s,"class_weight":"none"},"data_checksum":"%016d","fold_scores":[%s,%s,%s],"mean_score":%s,' \
      "$c" "$t" "$score" "$score" "$score" "$score"
    printf '"meta_feature_names":["nr_attr","nr_inst"],"meta_features":[%d,%d],"metric":"balanced_accuracy",' "$((t + 1))" "$((20 * t))"
    printf '"model":"logistic_regression","n_folds":3,"seed":0,"seed_scheme":2,"status":"ok","task_id":"task%d","task_name":"task%d"}\n' "$t" "$t"
  done
done >"$work/records.jsonl"
"$bin" "$work/first.csv" --records "$work/records.jsonl" --trials 3 --threads 1 --journal "$work/records_study.jsonl" \
  >"$work/records_ok.log" 2>&1
rc=$?
expect_ok records_ok "knowledge fitted on 12 records of logistic_regression" "(4 tasks, balanced_accuracy 3-fold CV)" \
  "warm start from logistic_regression knowledge (4 tasks)"
"$bin" "$work/first.csv" --records "$work/records.jsonl" --cold --journal "$work/records_cold.jsonl" >"$work/records_cold.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "records_cold: exit code $rc, expected 2"
expect_fail records_cold "--records is a warm start"
"$bin" "$work/first.csv" --records "$work/no-such.jsonl" --journal "$work/records_missing.jsonl" >"$work/records_missing.log" 2>&1
rc=$?
expect_fail records_missing "--records '$work/no-such.jsonl' is not a file"
[ -e "$work/records_missing.jsonl" ] && fail "records_missing: a journal was written"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; logs in $work"
  exit 1
fi
echo "all checks passed"
