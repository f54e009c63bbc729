#!/usr/bin/env bash
# Runs SpawnBenchmark (JMH) with defaults meant for a small, noisy machine: 2 forks per
# benchmark, 3 warmup and 5 measured iterations of 2 s each. About 6 minutes in all.
#
#   bench/run.sh [JMH arguments...]
#
# Any of -f, -wi, -i, -w, -r given (as separate words: "-f 1") replaces its default, and
# -rf or -rff replaces both of those defaults; other arguments go to JMH as they are, e.g. a
# benchmark regex:  bench/run.sh -f 1 -i 3 'vfork4j.*'
# The vfork4j mechanisms default to those available here (-p mechanism=... overrides).
# Do not pass -jvmArgsAppend: it would replace the benchmarks' own, which carry
# --enable-native-access and the JDK launch mechanisms.
#
# Builds target/vfork4j-benchmarks.jar when it is missing or older than a bench source; the
# core library and the parent pom come from ~/.m2 (./mvnw -N install puts the parent pom
# there; the core is installed from core/). The output goes
# to the terminal and to target/jmh-output.txt, the results to target/jmh-result.json.
set -euo pipefail
# shellcheck source=../.mvn/find-jdk.sh
. "$(dirname "$0")/../.mvn/find-jdk.sh"
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
jar="$bench/target/vfork4j-benchmarks.jar"
java="$JAVA_HOME/bin/java"

if [ ! -f "$jar" ] || [ -n "$(find "$bench/pom.xml" "$bench/src/main/java" -newer "$jar" -print -quit)" ]; then
  echo "run.sh: building $jar with $JAVA_HOME" >&2
  "$root/mvnw" -B -q -f "$root/pom.xml" -pl bench package </dev/null >&2
fi

given() { # true when one of the user's arguments is $1, or starts with $1 when it ends in '='
  local a
  for a in "${user_args[@]}"; do
    if [ "$a" = "$1" ] || { [[ "$1" == *= ]] && [[ "$a" == "$1"* ]]; }; then return 0; fi
  done
  return 1
}
user_args=("$@")
args=()
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
