#!/usr/bin/env bash
# The project's own Maven build, unmodified, with the agent in the Maven JVM (MAVEN_OPTS): Maven
# forks surefire's test JVMs, javadoc and the CLI's startup checks through ProcessBuilder. Runs
# alternate without and with the agent; each is `clean verify`, so every run does the same work.
#
#   conformance/apps/maven-build.sh full  [RUNS]   the whole build, ./mvnw clean verify (default 1 run of each)
#   conformance/apps/maven-build.sh quick [RUNS]   core, ballast and cli with a few test classes (default 3 runs of each)
#
# AGENT_IN says which JVMs get the agent:
#   maven   (default) the Maven JVM alone, through MAVEN_OPTS;
#   argline also surefire's test JVMs, through the surefire argLine: the parent POM builds it from
#           the property native.access, which -Dnative.access=... replaces (the test JVMs then start
#           their children, the JDK-mechanism tests' included, through the agent);
#   all     also every JVM anything in the build starts (the JVMs the tests start), through
#           JDK_JAVA_OPTIONS, which the java launcher reads and which carries both -javaagent and
#           --enable-native-access (each such JVM prints "NOTE: Picked up JDK_JAVA_OPTIONS"),
#           except the probe JVMs of core's tests (ChildJvm), which test a fresh JVM's own state and
#           start without JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS and _JAVA_OPTIONS.
# The stats then have one line per JVM that had the agent. SKIP_PLAIN=1 runs the agent builds alone.
#
# The agent jar is copied out of agent/target first: the build rebuilds agent/target while the
# Maven JVM runs from the copy. The logs and stats go to $WORK (default /tmp/vfork4j-maven-build,
# outside the tree that clean deletes).
WORK=${WORK:-${TMPDIR:-/tmp}/vfork4j-maven-build}
. "$(dirname "$0")/common.sh"

MODE=${1:-quick}
case "$MODE" in
  full) RUNS=${2:-1}; GOALS=(clean verify) ;;
  quick) RUNS=${2:-3}
    GOALS=(clean verify -pl core,ballast,cli
      -Dtest=ExitStatusTest,JdkExitStatusTest,SignalDispositionTest,SpawnFailureTest,NonUtf8LocaleTest,PreloadTest,DoctorCommandTest,RunCommandTest,MainTest
      -Dsurefire.failIfNoSpecifiedTests=false) ;;
  *) echo "usage: $0 full|quick [RUNS]" >&2; exit 2 ;;
esac

cp "$AGENT_JAR" "$WORK/vfork4j-agent.jar"
AGENT_JAR=$WORK/vfork4j-agent.jar

declare -a PLAIN AGENT
for r in $(seq 1 "$RUNS"); do
  log=$WORK/$MODE-plain-$r.log
  [ "${SKIP_PLAIN:-0}" = 1 ] && { PLAIN+=(0); } || {
  t0=$(now_ms)
  (cd "$ROOT" && ./mvnw -B -o "${GOALS[@]}") > "$log" 2>&1 || { echo "plain build $r failed: $log" >&2; tail -40 "$log" >&2; exit 1; }
  t1=$(now_ms); PLAIN+=($((t1 - t0)))
  }

  stats=$WORK/$MODE-stats-$r.txt log=$WORK/$MODE-agent-$r.log
  rm -f "$stats"
  opts=$(agent_options "$stats" | tr '\n' ' ')
  t0=$(now_ms)
  EXTRA=() ENVS=()
  case "${AGENT_IN:-maven}" in
    maven) ;;
    argline) EXTRA=("-Dnative.access=$opts") ;;
    all) EXTRA=("-Dnative.access=$opts"); ENVS=("JDK_JAVA_OPTIONS=$opts") ;;
    *) echo "AGENT_IN must be maven, argline or all" >&2; exit 2 ;;
  esac
  (cd "$ROOT" && env "${ENVS[@]}" MAVEN_OPTS="${MAVEN_OPTS:-} $opts" ./mvnw -B -o "${GOALS[@]}" "${EXTRA[@]}") > "$log" 2>&1 ||
    { echo "agent build $r failed: $log" >&2; tail -60 "$log" >&2; exit 1; }
  t1=$(now_ms); AGENT+=($((t1 - t0)))
  read -r jvms via declined < <(stats_sum "$stats")
  echo "run $r: without agent ${PLAIN[-1]} ms, with agent ${AGENT[-1]} ms (green); agent: $via children through vfork4j, $declined declined, $jvms JVMs"
done
echo "Maven build ($MODE: ./mvnw -B -o ${GOALS[*]}), AGENT_IN=${AGENT_IN:-maven}, $RUNS runs each:"
echo "  median without agent: $(median "${PLAIN[@]}") ms    median with agent: $(median "${AGENT[@]}") ms"
echo "  last agent run's stats ($stats):"
sed 's/^/    /' "$stats"
printf '  command:'; for e in "${ENVS[@]}"; do printf ' %q' "$e"; done
printf ' MAVEN_OPTS=%q ./mvnw -B -o' "$opts"; printf ' %q' "${GOALS[@]}" "${EXTRA[@]}"; echo
