#!/usr/bin/env bash
# The C baseline of the benchmarks: compiles src/main/c/vfork_loop.c with cc -O2 into
# target/ and runs it once for each way of spawning. Also builds target/sleep_5ms, the child
# that runs 5 ms (src/main/c/sleep_5ms.c), statically linked when a static libc is installed.
#
#   bench/run-c-baseline.sh [iterations] [way...] [-- vfork_loop options]
#                                    defaults: 5000, vfork posix_spawn fork
#   bench/run-c-baseline.sh --build-only
#
# The ways are vfork, vfork_close_range, clone_files, posix_spawn, fork, vfork4j,
# vfork4j_masked and posix_spawn_pipes (vfork_loop.c says what each does); the options after
# -- go to every run, e.g. -- --fds 10000, or -- --child "$PWD/bench/target/sleep_5ms"
# (--child takes the rest of the line as the child's argv, so it comes last).
set -euo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$bench/src/main/c/vfork_loop.c"
bin="$bench/target/vfork_loop"
sleeper_src="$bench/src/main/c/sleep_5ms.c"
sleeper="$bench/target/sleep_5ms"

mkdir -p "$bench/target"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
  cc -O2 -Wall -Wextra -pthread -o "$bin" "$src"
fi
if [ ! -x "$sleeper" ] || [ "$sleeper_src" -nt "$sleeper" ]; then
  if ! cc -O2 -Wall -Wextra -static -o "$sleeper" "$sleeper_src" 2>/dev/null; then
    echo "run-c-baseline.sh: no static libc here; $sleeper is linked dynamically (its start costs a little more, on both sides of a ratio)" >&2
    cc -O2 -Wall -Wextra -o "$sleeper" "$sleeper_src"
  fi
fi
if [ "${1:-}" = --build-only ]; then
  exit 0
fi

iterations=${1:-5000}
shift || true
ways=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  ways+=("$1")
  shift
done
[ $# -gt 0 ] && shift
[ ${#ways[@]} -gt 0 ] || ways=(vfork posix_spawn fork)

echo "# $(date -u '+%Y-%m-%dT%H:%M:%SZ')  $(uname -r)  $(nproc) cpus  $(cc --version | head -n1)"
for way in "${ways[@]}"; do
  "$bin" "$iterations" "$way" "$@"
done
