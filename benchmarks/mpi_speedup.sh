#!/usr/bin/env bash
# Side-by-side timing of the MPI component against the threaded single process, alternated and
# repeated (the machine may be shared): the main example's collection and its leave-one-task-out
# evaluation (collect_mpi --single --threads 2, then 1, 2 and 4 ranks), and the tuner (tune
# --threads 2 against tune --mpi on 1 and 2 ranks, and --async on 2). Prints one line per run:
# the phase times the programs report, then wall time, user and system CPU and peak memory of the
# whole command (/usr/bin/time), and the load average.
#
#   benchmarks/mpi_speedup.sh [BUILD_DIR] [ROUNDS]
#
# BUILD_DIR (default build/mpi-release) must hold examples/collect_mpi and examples/tune built
# with -DMETALEARN_MPI=ON, e.g.
#   cmake -S . -B build/mpi-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMETALEARN_MPI=ON
#   cmake --build build/mpi-release --target collect_mpi tune
# Needs the datasets of scripts/get-datasets and /usr/bin/time.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${1:-build/mpi-release}
rounds=${2:-3}
bin=$build/examples
for p in "$bin/collect_mpi" "$bin/tune" /usr/bin/time; do
  [ -x "$p" ] || { echo "mpi_speedup: $p is missing (see the header of $0)" >&2; exit 2; }
done
datasets=(--datasets data/weka --datasets data/sklearn --datasets data/openml)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpirun=(mpirun --oversubscribe)
((EUID == 0)) && mpirun+=(--allow-run-as-root)
timed() {  # timed LOG CMD...: runs CMD with its output and /usr/bin/time's line in LOG
  local log=$1
  shift
  /usr/bin/time -f "TIME %e s wall, %U s user, %S s sys, %M KB peak" "$@" >"$log" 2>&1
}
for round in $(seq 1 "$rounds"); do
  for mode in threads np1 np2 np4; do
    log=$out/collect_$mode.log
    common=("${datasets[@]}" --records "$out/collect_$mode.$round.jsonl" --evaluate)
    case $mode in
      threads) timed "$log" "$bin/collect_mpi" --single --threads 2 "${common[@]}" ;;
      np*) timed "$log" "${mpirun[@]}" -np "${mode#np}" "$bin/collect_mpi" "${common[@]}" ;;
    esac
    echo "collect $mode round $round: $(grep -oE 'collect [0-9.]+ s wall' "$log") | $(grep -oE 'leave-one-task-out: [0-9.]+ s' "$log") | $(grep -oE 'per-job overhead [0-9.]+ us' "$log") | $(grep -o 'TIME.*' "$log") | load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
for round in $(seq 1 "$rounds"); do
  for mode in threads np1 np2 async2; do
    log=$out/tune_$mode.log
    common=(data/sklearn/breast_cancer.csv --model random_forest --cold --trials 16 --journal "$out/tune_$mode.$round.jsonl")
    case $mode in
      threads) timed "$log" "$bin/tune" "${common[@]}" --threads 2 ;;
      np1 | np2) timed "$log" "${mpirun[@]}" -np "${mode#np}" "$bin/tune" "${common[@]}" --mpi ;;
      async2) timed "$log" "${mpirun[@]}" -np 2 "$bin/tune" "${common[@]}" --mpi --async ;;
    esac
    echo "tune $mode round $round: $(grep -oE '^best of [0-9]+ trials: [0-9.]+' "$log") | $(grep -o 'TIME.*' "$log") | load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
