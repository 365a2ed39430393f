#!/usr/bin/env bash
# examples/tune --mpi (mpi::optimize) on 3 ranks writes the study journal of the single-process
# run with the same seed, line for line (batches: the trials do not depend on the rank count);
# --async runs every trial once; and a study whose rank 2, or rank 0 (which owns the study), is
# killed with SIGKILL mid-run (MPI then ends the job), then run again with the same command, ends
# with every trial told exactly once, the rerun evaluating only the trials the killed run had not
# told (no trial lost, none evaluated twice once told).
#   tune_mpi.sh <tune binary built with METALEARN_MPI> <mpirun> <dataset> <work folder>
set -euo pipefail
bin=$1
mpirun=$2
dataset=$3
work=$4
rm -rf "$work"
mkdir -p "$work"
args=("$dataset" --cold --folds 3 --seed 3)
run_mpi=("$mpirun" --allow-run-as-root --oversubscribe -np 3 "$bin" "${args[@]}" --mpi)
status=0
told() { grep -c '"event":"tell"' "$1" || true; }
evaluated() { sed -nE 's/^evaluated ([0-9]+) trials in this run/\1/p' "$1"; }

"$bin" "${args[@]}" --trials 12 --threads 2 --journal "$work/single.jsonl" >"$work/single.log" 2>&1 ||
  { cat "$work/single.log"; exit 1; }
"${run_mpi[@]}" --trials 12 --journal "$work/mpi.jsonl" >"$work/mpi.log" 2>&1 || { cat "$work/mpi.log"; exit 1; }
grep -E "^best of" "$work/mpi.log"
if [ "$(told "$work/single.jsonl")" -ne 12 ] || ! cmp -s "$work/single.jsonl" "$work/mpi.jsonl"; then
  echo "FAIL: the 3-rank study journal differs from the single-process one"
  diff "$work/single.jsonl" "$work/mpi.jsonl" | head -n 10 || true
  status=1
fi
if ! cmp -s <(grep -E "^best of" "$work/single.log") <(grep -E "^best of" "$work/mpi.log"); then
  echo "FAIL: the 3-rank best trial differs from the single-process one"
  status=1
fi

"${run_mpi[@]}" --async --trials 12 --journal "$work/async.jsonl" >"$work/async.log" 2>&1 || { cat "$work/async.log"; exit 1; }
if [ "$(told "$work/async.jsonl")" -ne 12 ] || [ "$(evaluated "$work/async.log")" != 12 ]; then
  echo "FAIL: --async told $(told "$work/async.jsonl") trials and evaluated $(evaluated "$work/async.log"); expected 12"
  status=1
fi

# kill rank <r> with SIGKILL once a quarter of the trials are told (rank 0 owns the study and its
# journal; MPI then ends the job), then run the same command again
kill_and_rerun() {
  local victim=$1 n=24 journal="$work/killed_rank$1.jsonl"
  "${run_mpi[@]}" --trials "$n" --journal "$journal" >"$work/killed_rank$victim.log" 2>&1 &
  local launcher=$! killed=0 p
  for _ in $(seq 1 2400); do
    if [ -f "$journal" ] && [ "$(told "$journal")" -ge $((n / 4)) ]; then
      for p in $(pgrep -P "$launcher" || true); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim"; then
          kill -9 "$p" && killed=1
        fi
      done
      break
    fi
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.05
  done
  if [ "$killed" = 0 ]; then
    echo "FAIL (rank $victim): could not kill it mid-run (the run ended, or the rank was not found)"
    kill -9 "$launcher" 2>/dev/null || true
    wait "$launcher" 2>/dev/null || true
    status=1
    return
  fi
  if wait "$launcher" 2>/dev/null; then echo "FAIL (rank $victim): the job went on after a rank was killed"; status=1; fi
  local before after again dups
  before=$(told "$journal")
  "${run_mpi[@]}" --trials "$n" --journal "$journal" >"$work/rerun_rank$victim.log" 2>&1 ||
    { cat "$work/rerun_rank$victim.log"; status=1; return; }
  after=$(told "$journal")
  again=$(evaluated "$work/rerun_rank$victim.log")
  echo "killed rank $victim after $before of $n trials were told; the rerun evaluated $again, the study has $after told trials"
  if [ "$after" -ne "$n" ] || [ "$again" -ne $((n - before)) ]; then
    echo "FAIL (rank $victim): expected $n told trials and $((n - before)) evaluated by the rerun"
    status=1
  fi
  dups=$(grep '"event":"tell"' "$journal" | sed -E 's/.*"id":([0-9]+).*/\1/' | sort | uniq -d | wc -l)
  if [ "$dups" -ne 0 ]; then echo "FAIL (rank $victim): $dups trials told twice"; status=1; fi
}
kill_and_rerun 2
kill_and_rerun 0
[ "$status" -eq 0 ] && echo "the 3-rank study equals the single-process one; killed (rank 2, rank 0) and rerun, every trial was told once"
exit "$status"
