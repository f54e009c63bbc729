#!/usr/bin/env bash
# Apache Ant (from Maven Central, unmodified) running a build that starts many processes:
# <exec> tasks, <apply> over a fileset (one process per file) and <java fork="true"> JVMs. Each
# run is timed without and with the agent in Ant's JVM, alternating, and the agent's stats
# count the children that went through vfork4j.
#
#   conformance/apps/ant.sh [RUNS]        (default 5 runs of each)
#
# Ant's Execute starts every process through Runtime.exec, i.e. ProcessBuilder.start.
. "$(dirname "$0")/common.sh"

RUNS=${1:-5}
ANT_VERSION=1.10.15
LIB=$WORK/ant-lib
if [ ! -f "$LIB/ant-$ANT_VERSION.jar" ] || [ ! -f "$LIB/ant-launcher-$ANT_VERSION.jar" ]; then
  for a in ant ant-launcher; do
    (cd "$ROOT" && { ./mvnw -B -q -o -N dependency:copy -Dartifact=org.apache.ant:$a:$ANT_VERSION -DoutputDirectory="$LIB" 2>/dev/null ||
      ./mvnw -B -q -N dependency:copy -Dartifact=org.apache.ant:$a:$ANT_VERSION -DoutputDirectory="$LIB"; })
  done
fi
CP=$LIB/ant-$ANT_VERSION.jar:$LIB/ant-launcher-$ANT_VERSION.jar

EXECS=300 FILES=300 FORKS=10
B=$WORK/ant-build
rm -rf "$B" && mkdir -p "$B/files"
for i in $(seq 1 $FILES); do echo "file $i" > "$B/files/f$i.txt"; done
{
  echo '<project name="spawns" default="all">'
  echo '  <target name="exec">'
  for i in $(seq 1 $EXECS); do
    if [ $((i % 10)) -eq 0 ]; then
      echo "    <exec executable=\"sh\" outputproperty=\"out$i\" failonerror=\"true\"><arg value=\"-c\"/><arg value=\"echo $i; exit 0\"/></exec>"
    else
      echo '    <exec executable="true" failonerror="true"/>'
    fi
  done
  echo '  </target>'
  echo '  <target name="apply">'
  echo '    <apply executable="cat" output="${basedir}/applied.txt" append="true" failonerror="true"><fileset dir="${basedir}/files"/></apply>'
  echo '  </target>'
  echo '  <target name="java">'
  for i in $(seq 1 $FORKS); do
    echo "    <java classname=\"org.apache.tools.ant.Main\" fork=\"true\" failonerror=\"true\" classpath=\"$CP\" outputproperty=\"v$i\"><arg value=\"-version\"/></java>"
  done
  echo '  </target>'
  echo '  <target name="all" depends="exec,apply,java">'
  echo '    <loadresource property="lines"><string value="${out300}"/></loadresource><echo message="last exec said ${lines}"/>'
  echo '  </target>'
  echo '</project>'
} > "$B/build.xml"
EXPECTED=$((EXECS + FILES + FORKS))

declare -a PLAIN AGENT
for r in $(seq 1 "$RUNS"); do
  rm -f "$B/applied.txt"
  t0=$(now_ms); "$JAVA" -cp "$CP" org.apache.tools.ant.Main -q -f "$B/build.xml" > "$B/plain-$r.log" 2>&1; t1=$(now_ms)
  PLAIN+=($((t1 - t0)))
  [ "$(wc -l < "$B/applied.txt")" -eq $FILES ] || { echo "plain run $r: apply wrote $(wc -l < "$B/applied.txt") lines" >&2; exit 1; }
  rm -f "$B/applied.txt" "$B/stats-$r.txt"
  mapfile -t OPTS < <(agent_options "$B/stats-$r.txt")
  t0=$(now_ms); "$JAVA" "${OPTS[@]}" -cp "$CP" org.apache.tools.ant.Main -q -f "$B/build.xml" > "$B/agent-$r.log" 2>&1; t1=$(now_ms)
  AGENT+=($((t1 - t0)))
  [ "$(wc -l < "$B/applied.txt")" -eq $FILES ] || { echo "agent run $r: apply wrote $(wc -l < "$B/applied.txt") lines" >&2; exit 1; }
  read -r jvms via declined < <(stats_sum "$B/stats-$r.txt")
  echo "run $r: without agent ${PLAIN[-1]} ms, with agent ${AGENT[-1]} ms; agent stats: $via through vfork4j, $declined declined ($EXPECTED expected)"
done
echo "Ant $ANT_VERSION, $EXPECTED processes per build ($EXECS exec, $FILES apply, $FORKS java fork), $RUNS runs each:"
echo "  median without agent: $(median "${PLAIN[@]}") ms    median with agent: $(median "${AGENT[@]}") ms"
echo "  last agent run: $(stats_sum "$B/stats-$RUNS.txt" | awk '{ print $2 " children through vfork4j, " $3 " declined to the JDK (" $1 " JVM)" }')"
echo "  command: $JAVA $(agent_options STATS | tr '\n' ' ')-cp $CP org.apache.tools.ant.Main -q -f $B/build.xml"
