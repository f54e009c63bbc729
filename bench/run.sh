#!/usr/bin/env bash
# Runs the benchmarks, in one of two ways.
#
#   bench/run.sh SUITE [--rounds N]      SUITE: vfork-vs-c | heap | fds | wait | all | quick
#
# runs the suite behind one figure of docs/benchmarks.md through dev.vfork4j.bench.Suites:
# every benchmark of the suite in one JMH fork per round (SampleTime), rounds in alternating
# order, the C loop beside them, then Markdown tables of medians, means and ratios against the
# targets. vfork-vs-c: VFORK against the C vfork loop (run inside the same fork, between
# measured iterations) and the JDK, 3 rounds, about 2.5 minutes on 2 cores. heap: 256 MiB
# against 8 GiB pre-touched heaps (needs about 9 GB free), 2 rounds, about 4 minutes. fds: 10
# against 10,000 open fds (needs ulimit -n above 10,100), 2 rounds, about 3.5 minutes. wait:
# a platform thread's spawn + wait (issue 13, item 4): VFORK against the C loop run inside the
# same forks on the same child, and the JDK, for /bin/true and for a child that sleeps 5 ms
# (target/sleep_5ms), stdio inherited (C: vfork + execve + waitpid) and through output() (C:
# posix_spawn with two pipes, poll, read to end of file, waitpid), 3 rounds, about 5 minutes.
# all: the four, about 15 minutes. quick: the four, one short round each, about 4 minutes, to
# check that everything runs (no figures).
# Output: the terminal and target/suite-SUITE.txt; the tables alone in target/suite-SUITE.md.
#
#   bench/run.sh [JMH arguments...]
#
# runs JMH itself, by default SpawnBenchmark (name a benchmark regex for others) with
# defaults meant for a small, noisy machine: 2 forks per benchmark, 3 warmup and 5 measured
# iterations of 2 s each. About 6 minutes in all.
# Any of -f, -wi, -i, -w, -r given (as separate words: "-f 1") replaces its default, and
# -rf or -rff replaces both of those defaults; other arguments go to JMH as they are, e.g. a
# benchmark regex:  bench/run.sh -f 1 -i 3 'SpawnBenchmark.vfork4j.*'
# The vfork4j mechanisms default to those available here (-p mechanism=... overrides).
# Do not pass -jvmArgsAppend: it would replace the benchmarks' own, which carry
# --enable-native-access and the JDK launch mechanisms.
#
# Builds target/vfork4j-benchmarks.jar (with the core, from this checkout) when it is missing
# or older than a bench or core source. The output goes
# to the terminal and to target/jmh-output.txt, the results to target/jmh-result.json.
set -euo pipefail
# shellcheck source=../.mvn/find-jdk.sh
. "$(dirname "$0")/../.mvn/find-jdk.sh"
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
jar="$bench/target/vfork4j-benchmarks.jar"
java="$JAVA_HOME/bin/java"

if [ ! -f "$jar" ] || [ -n "$(find "$bench/pom.xml" "$bench/src/main/java" "$root/core/src/main/java" -newer "$jar" -print -quit)" ]; then
  echo "run.sh: building $jar with $JAVA_HOME" >&2
  "$root/mvnw" -B -q -f "$root/pom.xml" -DskipTests -pl bench -am package </dev/null >&2
fi

case "${1:-}" in
  vfork-vs-c|heap|fds|wait|all|quick)
    suite=$1
    shift
    if [[ $suite =~ ^(fds|all|quick)$ ]] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -le 10100 ]; then
      echo "run.sh: the fds suite opens 10,000 files but ulimit -n is $(ulimit -n); raise it (ulimit -n 20000)" >&2
      exit 1
    fi
    "$bench/run-c-baseline.sh" --build-only
    echo "# $(date -u '+%Y-%m-%dT%H:%M:%SZ')  $(uname -r)  $(nproc) cpus  $(free -g | awk '/^Mem:/ {print $2 " GB RAM, " $7 " GB available"}')  load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# $("$java" -version 2>&1 | sed -n 2p); $(cc --version | head -n1); ulimit -n $(ulimit -n); THP $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
    # A small heap for the runner: it holds only the results. The forks get their own flags.
    cmd=("$java" -Xmx512m --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$jar"
         dev.vfork4j.bench.Suites "$suite" --c-loop "$bench/target/vfork_loop" --out "$bench/target" "$@")
    echo "# ${cmd[*]}"
    "${cmd[@]}" 2>&1 | tee "$bench/target/suite-$suite.txt"
    exit "${PIPESTATUS[0]}"
    ;;
esac

given() { # true when one of the user's arguments is $1, or starts with $1 when it ends in '='
  local a
  for a in "${user_args[@]}"; do
    if [ "$a" = "$1" ] || { [[ "$1" == *= ]] && [[ "$a" == "$1"* ]]; }; then return 0; fi
  done
  return 1
}
user_args=("$@")
args=()

# JMH options that take no value; every other option takes one. A word that is neither an
# option nor an option's value is a benchmark regex.
regex_given=false
expect_value=false
for a in "${user_args[@]}"; do
  if $expect_value; then
    expect_value=false
  elif [[ $a == -* ]]; then
    case "$a" in -h|-l|-lp|-lprof|-lrf) ;; *) expect_value=true ;; esac
  else
    regex_given=true
  fi
done
# The jar holds the suites' benchmarks too, which mean something only with their parameters.
$regex_given || args+=('SpawnBenchmark\.')
given -f  || args+=(-f 2)
given -wi || args+=(-wi 3)
given -i  || args+=(-i 5)
given -w  || args+=(-w 2s)
given -r  || args+=(-r 2s)
given -rf || given -rff || args+=(-rf json -rff "$bench/target/jmh-result.json")
if ! given mechanism=; then
  # Unavailable mechanisms would only fail in setup; leave them out, saying why.
  if mechanisms=$("$java" --enable-native-access=ALL-UNNAMED -cp "$jar" \
       dev.vfork4j.bench.AvailableMechanisms POSIX_SPAWN VFORK FORK); then
    args+=(-p "mechanism=$mechanisms")
  else
    echo "run.sh: no vfork4j mechanism is available here; running the JDK benchmarks only" >&2
    args+=(-e 'SpawnBenchmark\.vfork4j')
  fi
fi

echo "# $(date -u '+%Y-%m-%dT%H:%M:%SZ')  $(uname -r)  $(nproc) cpus  $("$java" -version 2>&1 | sed -n 2p)"
echo "# $java --sun-misc-unsafe-memory-access=allow -jar $jar ${args[*]} ${user_args[*]}"
"$java" --sun-misc-unsafe-memory-access=allow -jar "$jar" "${args[@]}" "${user_args[@]}" 2>&1 | tee "$bench/target/jmh-output.txt"
