#!/usr/bin/env bash
# The startup benchmark (issue 13): what a fresh JVM pays for its first child.
#
#   bench/run-startup.sh [N]            N fresh JVMs per variant, default 7
#   bench/run-startup.sh launcher [N]   ./vfork4j run -- /bin/true, without and with the CLI's
#                                       AOT cache, N each (default 11), alternating
#
# Variants: the bare FFM floor (Linker, a posix_spawn and an errno-capturing waitpid downcall
# handle, posix_spawn + waitpid of /bin/true, no vfork4j class), vfork4j VFORK, vfork4j
# POSIX_SPAWN, vfork4j's default (Mechanism.best() included) and the JDK's ProcessBuilder, each
# without and with a JDK 25 AOT cache trained by one run of that same program. The variants are
# interleaved, one JVM of each per round, in an order that rotates each round. Per variant: the
# median and range of main -> child exited (inside the JVM), launch -> child exited and the
# JVM's wall time (from this side), and the classes loaded. The measured JVMs run on the class
# path with --enable-native-access=ALL-UNNAMED, nothing else; each has 60 s (--timeout).
# See dev.vfork4j.bench.startup.StartupBenchmark and docs/startup.md.
#
# Builds the bench and core jars when a bench or core source is newer. Output: the table on
# stdout and in bench/target/startup.md, every run in bench/target/startup-runs.csv, the AOT
# caches and logs in bench/target/startup/. About 1.5 minutes for N=7 on 2 idle cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=../.mvn/find-jdk.sh
. "$root/.mvn/find-jdk.sh"
usage() { echo "usage: bench/run-startup.sh [N] | bench/run-startup.sh launcher [N]" >&2; exit 2; }

# The launcher's start, end to end as a user sees it: JDK discovery, the jar's freshness check,
# the JVM, the CLI, the child, the JVM's exit. VFORK4J_AOT=0 leaves only the cache out.
# Timed with bash's $EPOCHREALTIME (no process of its own); the launcher's output is dropped.
launcher() {
  local n=$1 i k v t0 t1 out="$here/target/startup-launcher.md"
  mkdir -p "$here/target"
  "$root/vfork4j" run -- /bin/true >/dev/null # builds the jar and trains the cache if needed
  local -A times=([without]='' [with]='')
  for ((i = 0; i < n; i++)); do
    for k in 0 1; do
      # alternate which goes first, round by round
      if (( (i + k) % 2 == 0 )); then v=without; else v=with; fi
      t0=$EPOCHREALTIME
      if [ $v = without ]; then VFORK4J_AOT=0 "$root/vfork4j" run -- /bin/true >/dev/null; else "$root/vfork4j" run -- /bin/true >/dev/null; fi
      t1=$EPOCHREALTIME
      times[$v]+="$(( (${t1/./} - ${t0/./}) / 1000 )) "
    done
  done
  {
    echo "\`./vfork4j run -- /bin/true\`, wall time in ms, $n runs each, alternating: median [min-max]"
    echo
    echo "| CLI AOT cache | wall |"
    echo "|---|---:|"
    for v in without with; do
      # shellcheck disable=SC2086
      printf '| %s | %s |\n' "$v" "$(printf '%s\n' ${times[$v]} | sort -n | awk '{ a[NR] = $1 } END {
        m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%d [%d-%d]", m, a[1], a[NR] }')"
    done
    echo
    echo "Conditions: $(date -u '+%Y-%m-%dT%H:%M:%SZ'), Linux $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) after;" \
      "$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  } | tee "$out"
}

if [ "${1:-}" = launcher ]; then
  n=${2:-11}
  [[ $n =~ ^[1-9][0-9]*$ ]] || usage
  launcher "$n"
  exit
fi
runs=${1:-7}
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage

startup_jar() { find "$here/target" -maxdepth 1 -name 'vfork4j-bench-*-startup.jar' -print -quit 2>/dev/null; }
core_jar() {
  find "$root/core/target" -maxdepth 1 -name 'vfork4j-*.jar' \
    -not -name '*-sources.jar' -not -name '*-javadoc.jar' -not -name '*-tests.jar' -print -quit 2>/dev/null
}
jar=$(startup_jar)
core=$(core_jar)
if [ -z "$jar" ] || [ -z "$core" ] || [ -n "$(find "$here/pom.xml" "$here/src/main/java" "$root/core/src/main" -newer "$jar" -print -quit)" ] \
   || [ "$core" -nt "$jar" ]; then
  echo "run-startup.sh: building the bench and core jars with $JAVA_HOME" >&2
  "$root/mvnw" -B -q -f "$root/pom.xml" -DskipTests -pl bench -am package </dev/null >&2
  jar=$(startup_jar)
  core=$(core_jar)
fi

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- core/src bench/src 2>/dev/null)" ]; then
  commit="$commit with uncommitted changes"
fi
"$JAVA_HOME/bin/java" -Xmx256m --enable-native-access=ALL-UNNAMED -cp "$jar" dev.vfork4j.bench.startup.StartupBenchmark \
  --runs "$runs" --startup-jar "$jar" --core-jar "$core" --out "$here/target" \
  --java "$JAVA_HOME/bin/java" --label "commit $commit, bench/run-startup.sh $runs"
