#!/usr/bin/env bash
# The scale figures (issue 4): 10,000 concurrent children, 1 GiB through stdout, 1,000 virtual
# threads — vfork4j and the JDK side by side in one JVM. Usage: bench/run-scale.sh [children N |
# throughput MiB ROUNDS | virtual N | all]. Builds the bench jar (with the core) when needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
jar="$here/target/vfork4j-benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root/core/src" "$here/src" -newer "$jar" -name '*.java' -print -quit)" ]; then
  "$root/mvnw" -q -B -f "$root/pom.xml" -DskipTests -pl bench -am package >&2 </dev/null
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$jar" dev.vfork4j.bench.scale.ScaleMain "$@"
