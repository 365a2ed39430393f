#!/usr/bin/env bash
# Quality suite of the meta layer: leave-one-task-out regret of every warm-start strategy, once
# per meta-model (rf, gp, knn, ridge), on the real datasets. The first run collects the records;
# the others reuse the same journal, so only the meta-evaluation is repeated.
#
# Usage: benchmarks/suite/meta_regret.sh [BUILD_DIR] [OUT_DIR] [extra example arguments...]
# Writes OUT_DIR/meta_regret.csv with columns
#   version,compiler,seed,meta_model,wall_seconds,model,strategy,k,mean_regret,ci_low,ci_high,mean_rank_at_1,n_tasks
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build/release}
out=${2:-$root/results/suite}
shift $(( $# > 2 ? 2 : $# )) || true
seed=0
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target hyperparameter_prediction
mkdir -p "$out"
version=$(sed -n 's/#define METALEARN_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' "$root/include/metalearn/version.hpp" | paste -sd.)
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
compiler="$(basename "$compiler") $("$compiler" -dumpfullversion 2>/dev/null || echo unknown)"
csv="$out/meta_regret.csv"
echo "version,compiler,seed,meta_model,wall_seconds,model,strategy,k,mean_regret,ci_low,ci_high,mean_rank_at_1,n_tasks" > "$csv"
for mm in rf gp knn ridge; do
  start=$(date +%s.%N)
  "$build/examples/hyperparameter_prediction" --datasets "$root/data" --out "$out/$mm" \
      --records "$out/records.jsonl" --meta-model "$mm" --seed "$seed" "$@" > "$out/$mm.log" 2>&1
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  tail -n +2 "$out/$mm/regret.csv" | sed "s/^/$version,$compiler,$seed,$mm,$wall,/" >> "$csv"
  echo "$mm: $(grep -c . "$out/$mm/regret.csv") rows, ${wall}s"
done
echo "written $csv"
