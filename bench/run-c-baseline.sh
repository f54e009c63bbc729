#!/usr/bin/env bash
# The C baseline of SpawnBenchmark: compiles src/main/c/vfork_loop.c with cc -O2 into
# target/ and runs it once for each way of spawning.
#
#   bench/run-c-baseline.sh [iterations] [way...]     defaults: 5000, vfork posix_spawn fork
set -euo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$bench/src/main/c/vfork_loop.c"
bin="$bench/target/vfork_loop"

iterations=${1:-5000}
shift || true
ways=("$@")
[ ${#ways[@]} -gt 0 ] || ways=(vfork posix_spawn fork)

mkdir -p "$bench/target"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
  cc -O2 -Wall -Wextra -o "$bin" "$src"
fi

echo "# $(date -u '+%Y-%m-%dT%H:%M:%SZ')  $(uname -r)  $(nproc) cpus  $(cc --version | head -n1)"
for way in "${ways[@]}"; do
  "$bin" "$iterations" "$way"
done
