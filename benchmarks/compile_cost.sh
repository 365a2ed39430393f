#!/usr/bin/env bash
# Compile cost of metalearn's translation units: user CPU seconds and peak memory of compiling
# each file on its own, as a user's build would (one `g++ -c` per file, one at a time).
#
#   benchmarks/compile_cost.sh [--opt -O2] [--compiled] [FILE.cpp ...]
#
# Without files it measures every program in examples/. --compiled compiles against the
# `metalearn::compiled` mode (METALEARN_COMPILED: the bodies of the common code are in the
# prebuilt library, not in the headers) and also reports the one-time cost of building that
# library (src/*.cpp, one file per layer). Prints one line per file:
#   file  user_s  sys_s  peak_MB
# then the machine's load average, since the numbers are CPU times of a possibly shared machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
opt=-O2
compiled=0
files=()
while (($#)); do
  case "$1" in
    --opt) opt=$2; shift 2 ;;
    --compiled) compiled=1; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
((${#files[@]})) || files=(examples/*.cpp)
[ -x /usr/bin/time ] || { echo "compile_cost: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
cxx=${CXX:-g++}
flags=(-std=c++20 "$opt" -Iinclude -isystem /usr/include/eigen3)
((compiled)) && flags+=(-DMETALEARN_COMPILED)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() {  # measure LABEL FILE
  local log="$out/time.txt"
  if ! /usr/bin/time -o "$log" -f '%U %S %M' "$cxx" "${flags[@]}" -c "$2" -o "$out/x.o" 2>"$out/err.txt"; then
    echo "compile_cost: $2 failed to compile:" >&2
    head -20 "$out/err.txt" >&2
    exit 1
  fi
  read -r user sys kb < <(tail -1 "$log")
  printf '%-44s %8.1f %7.1f %8.0f\n' "$1" "$user" "$sys" "$((kb / 1024))"
}

echo "# $cxx $($cxx -dumpversion) ${flags[*]}"
printf '%-44s %8s %7s %8s\n' file user_s sys_s peak_MB
if ((compiled)); then
  for f in src/*.cpp; do measure "$f (library, built once)" "$f"; done
fi
for f in "${files[@]}"; do measure "$f" "$f"; done
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
