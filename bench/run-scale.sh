#!/usr/bin/env bash
# The scale figures (issue 4): 10,000 concurrent children, exit detection, 1 GiB through stdout,
# 1,000 virtual threads — vfork4j and the JDK side by side in one JVM. Usage: bench/run-scale.sh
# [children N [vfork4j|jdk|both] | ends N [vfork4j|jdk|both] | throughput MiB ROUNDS | virtual N |
# all]. Builds the bench jar (with the core) when needed; "ends" and the C floors need cc, and
# "children" and "ends" use perf (when present and allowed to trace the system) to time each
# exit by the kernel's notice of it as well.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
jar="$here/target/vfork4j-benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root/core/src" "$here/src" -newer "$jar" -name '*.java' -print -quit)" ]; then
  "$root/mvnw" -q -B -f "$root/pom.xml" -DskipTests -pl bench -am package >&2 </dev/null
fi
run() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$jar" dev.vfork4j.bench.scale.ScaleMain "$@"; }
helpers() {
  mkdir -p "$here/target"
  cc -O2 -o "$here/target/exit_latency" "$here/src/main/c/exit_latency.c" -lpthread
  cc -O2 -o "$here/target/exit_at" "$here/src/main/c/exit_at.c"
}
children() {
  # with cc, the C floor runs inside ScaleMain too, timed the same way
  if command -v cc >/dev/null 2>&1; then
    helpers
    run children "${1:-10000}" "${2:-both}" "$here/target/exit_latency"
  else
    run children "${1:-10000}" "${2:-both}"
  fi
}
ends() {
  helpers
  # the C floor runs inside ScaleMain, so that perf times its exits the same way
  run ends "${1:-10000}" "$here/target/exit_at" "${2:-both}" "$here/target/exit_latency"
}
case "${1:-all}" in
  all)  # each figure in a JVM of its own, so one cannot disturb the next (the JDK's 10,000
        # reaper threads linger for a minute after its children are gone)
    children 10000 && ends 10000 && run throughput 1024 5 && run virtual 1000 ;;
  children) children "${2:-10000}" "${3:-both}" ;;
  ends) ends "${2:-10000}" "${3:-both}" ;;
  *) run "$@" ;;
esac
