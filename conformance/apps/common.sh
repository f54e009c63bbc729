# Sourced by the scripts of conformance/apps (bash). Finds JDK 25 the way ./mvnw does, builds the
# agent jar when it is missing, and holds the helpers every script uses: a run with and without
# the agent, the sum of the agent's stats lines, medians.
set -euo pipefail

APPS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$APPS/../.." && pwd)
. "$ROOT/.mvn/find-jdk.sh"
JAVA="$JAVA_HOME/bin/java"
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)
AGENT_JAR=${AGENT_JAR:-$ROOT/agent/target/vfork4j-agent-$VERSION.jar}
WORK=${WORK:-$APPS/target}
mkdir -p "$WORK"

if [ ! -f "$AGENT_JAR" ]; then
  echo "building the agent jar ($AGENT_JAR)" >&2
  (cd "$ROOT" && ./mvnw -B -q -pl agent -am package -DskipTests)
fi

# The JVM options that put the agent into one JVM and make it count into $1.
agent_options() {
  printf '%s\n' "-javaagent:$AGENT_JAR" "--enable-native-access=ALL-UNNAMED" "-Dvfork4j.agent.stats=$1"
}

# Sums the agent's stats lines of file $1: "<JVMs> <through vfork4j> <declined to the JDK>".
stats_sum() {
  if [ ! -f "$1" ]; then echo "0 0 0"; return; fi
  awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "vfork4j") v += kv[2]; if (kv[1] == "jdk") j += kv[2] } n++ }
       END { printf "%d %d %d\n", n, v, j }' "$1"
}

now_ms() { date +%s%3N; }

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
