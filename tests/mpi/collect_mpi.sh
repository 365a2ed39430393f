#!/usr/bin/env bash
# The distributed collection (examples/collect_mpi) on 3 ranks writes the records a single-process
# run writes (order and fit_seconds aside), and its distributed leave-one-task-out evaluation
# prints the single-process regret table, digit for digit; a worker rank killed with SIGKILL
# mid-run (MPI then ends the job), then the same command again, ends with the same records (and
# the same regret table), and the rerun evaluates exactly what the killed run had not written (no
# evaluation done twice, none lost).
#   collect_mpi.sh <collect_mpi binary> <mpirun> <weka datasets folder> <work folder>
set -euo pipefail
bin=$1
mpirun=$2
weka=$3
work=$4
rm -rf "$work"
mkdir -p "$work/data"
for f in iris diabetes glass ionosphere vote breast-cancer labor; do cp "$weka/$f.arff" "$work/data/"; done
# and iris with a class of two samples (fewer than the folds: accepted, the same on every rank)
sed -E 's/\{Iris-setosa,Iris-versicolor,Iris-virginica\}/{Iris-setosa,Iris-versicolor,Iris-virginica,Iris-rare}/' \
  "$weka/iris.arff" >"$work/data/iris_rare.arff"
printf '5.0,3.1,1.6,0.3,Iris-rare\n5.1,3.0,1.5,0.2,Iris-rare\n' >>"$work/data/iris_rare.arff"
args=(--datasets "$work/data" --quick --budget 12 --time-budget 0 --mf-time-limit 0)
run_mpi=("$mpirun" --allow-run-as-root --oversubscribe -np 3 "$bin" "${args[@]}")

# a journal's records without their timings, sorted; complete lines only (a torn last line is not a record)
records() {
  for f in "$@"; do
    if [ -f "$f" ]; then head -n "$(wc -l <"$f")" "$f"; fi
  done | sed -E 's/"fit_seconds":[^,}]*,?//' | sort
}
# the regret table a run printed (--evaluate)
table() { sed -n '/^model /,/^random /p' "$1"; }
field() { sed -nE "s/^evaluated ([0-9]+) reused ([0-9]+) planned ([0-9]+).*/\\$1/p" "$2"; }

"$bin" --single --threads 2 "${args[@]}" --evaluate --records "$work/single.jsonl" >"$work/single.log" 2>&1 || { cat "$work/single.log"; exit 1; }
planned=$(field 3 "$work/single.log")
echo "single process: $planned records"
status=0

"${run_mpi[@]}" --evaluate --records "$work/mpi.jsonl" >"$work/mpi.log" 2>&1 || { cat "$work/mpi.log"; exit 1; }
grep -E "ranks" "$work/mpi.log"
if [ -z "$(table "$work/single.log")" ] || ! cmp -s <(table "$work/single.log") <(table "$work/mpi.log"); then
  echo "FAIL: the 3-rank leave-one-task-out table differs from the single-process one"
  diff <(table "$work/single.log") <(table "$work/mpi.log") || true
  status=1
fi
if ! cmp -s <(records "$work/single.jsonl") <(records "$work/mpi.jsonl"); then
  echo "FAIL: the 3-rank journal differs from the single-process one"
  diff <(records "$work/single.jsonl") <(records "$work/mpi.jsonl") | head -n 10 || true
  status=1
fi
if compgen -G "$work/mpi.jsonl.rank*" >/dev/null; then echo "FAIL: shards left beside the journal"; status=1; fi

# Start the job on a fresh journal, and once a quarter of the records are written kill with
# SIGKILL either rank 2 (mode "rank": MPI then ends the job; the other ranks may go on for a while)
# or every process of the job at once (mode "job"); then run the same command again, which must
# reuse every record written and evaluate only the others.
kill_and_rerun() {
  local mode=$1 journal="$work/killed_$1.jsonl"
  "${run_mpi[@]}" --records "$journal" >"$work/killed_$mode.log" 2>&1 &
  local launcher=$! killed=0
  for _ in $(seq 1 2400); do
    if [ "$(records "$journal" "$journal".rank* | wc -l)" -ge $((planned / 4)) ]; then
      local ranks=() p
      for p in $(pgrep -P "$launcher" || true); do
        if [ "$mode" = job ] || tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=2"; then
          ranks+=("$p")
        fi
      done
      [ "$mode" = job ] && ranks+=("$launcher")
      if [ "${#ranks[@]}" -gt 0 ]; then kill -9 "${ranks[@]}" && killed=1; break; fi
    fi
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.05
  done
  if [ "$killed" = 0 ]; then
    echo "FAIL ($mode): could not kill mid-run (the run ended, or its ranks were not found)"
    kill -9 "$launcher" 2>/dev/null || true
    wait "$launcher" 2>/dev/null || true
    status=1
    return
  fi
  if wait "$launcher" 2>/dev/null; then echo "FAIL ($mode): the job went on after a rank was killed"; status=1; fi
  local kept
  kept=$(records "$journal" "$journal".rank* | sort -u | wc -l)
  "${run_mpi[@]}" --evaluate --records "$journal" >"$work/rerun_$mode.log" 2>&1 || { cat "$work/rerun_$mode.log"; status=1; return; }
  local evaluated reused lines
  evaluated=$(field 1 "$work/rerun_$mode.log")
  reused=$(field 2 "$work/rerun_$mode.log")
  echo "killed ($mode): $kept of $planned records written (journal and shards); the rerun evaluated $evaluated, reused $reused"
  if [ "$reused" -ne "$kept" ] || [ $((evaluated + kept)) -ne "$planned" ]; then
    echo "FAIL ($mode): the rerun evaluated $evaluated and reused $reused; expected $((planned - kept)) and $kept"
    status=1
  fi
  lines=$(grep -c . "$journal")
  if [ "$lines" -ne "$planned" ]; then echo "FAIL ($mode): the journal has $lines lines, expected $planned"; status=1; fi
  if ! cmp -s <(records "$work/single.jsonl") <(records "$journal"); then
    echo "FAIL ($mode): the resumed journal differs from the single-process one"
    diff <(records "$work/single.jsonl") <(records "$journal") | head -n 10 || true
    status=1
  fi
  if compgen -G "$journal.rank*" >/dev/null; then echo "FAIL ($mode): shards left beside the journal"; status=1; fi
  if ! cmp -s <(table "$work/single.log") <(table "$work/rerun_$mode.log"); then
    echo "FAIL ($mode): the resumed run's leave-one-task-out table differs from the single-process one"
    diff <(table "$work/single.log") <(table "$work/rerun_$mode.log") || true
    status=1
  fi
}
kill_and_rerun rank
kill_and_rerun job
[ "$status" -eq 0 ] && echo "every journal holds the single-process records and gives its regret table; no evaluation was done twice"
exit "$status"
