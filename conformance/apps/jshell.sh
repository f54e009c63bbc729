#!/usr/bin/env bash
# jshell (the JDK's, unmodified) running a snippet that starts 200 children, without and with the
# agent. jshell's execution engine is a second JVM that jshell launches (JDI) through
# ProcessBuilder: -J options reach jshell's own JVM, -R options the engine's, so the agent goes
# into both and the stats show one line per JVM: jshell's (1 child, the engine) and the
# engine's (the snippet's 200).
#
#   conformance/apps/jshell.sh [RUNS]      (default 5 runs of each)
. "$(dirname "$0")/common.sh"

RUNS=${1:-5}
CHILDREN=200
B=$WORK/jshell
rm -rf "$B" && mkdir -p "$B"
cat > "$B/snippet.jsh" <<JSH
int ok = 0;
for (int i = 0; i < $CHILDREN; i++) { if (new ProcessBuilder("true").start().waitFor() == 0) ok++; }
System.out.println("ok=" + ok);
/exit
JSH

declare -a PLAIN AGENT
for r in $(seq 1 "$RUNS"); do
  t0=$(now_ms); "$JAVA_HOME/bin/jshell" "$B/snippet.jsh" > "$B/plain-$r.log" 2>&1; t1=$(now_ms)
  PLAIN+=($((t1 - t0)))
  grep -qx "ok=$CHILDREN" "$B/plain-$r.log" || { echo "plain run $r failed:" >&2; cat "$B/plain-$r.log" >&2; exit 1; }
  OPTS=()
  while read -r o; do OPTS+=("-J$o" "-R$o"); done < <(agent_options "$B/stats-$r.txt")
  t0=$(now_ms); "$JAVA_HOME/bin/jshell" "${OPTS[@]}" "$B/snippet.jsh" > "$B/agent-$r.log" 2>&1; t1=$(now_ms)
  AGENT+=($((t1 - t0)))
  grep -qx "ok=$CHILDREN" "$B/agent-$r.log" || { echo "agent run $r failed:" >&2; cat "$B/agent-$r.log" >&2; exit 1; }
  echo "run $r: without agent ${PLAIN[-1]} ms, with agent ${AGENT[-1]} ms; stats: $(tr '\n' ';' < "$B/stats-$r.txt")"
done
echo "jshell, a snippet starting $CHILDREN children (true + waitFor), $RUNS runs each:"
echo "  median without agent: $(median "${PLAIN[@]}") ms    median with agent: $(median "${AGENT[@]}") ms"
echo "  last agent run: $(stats_sum "$B/stats-$RUNS.txt" | awk '{ print $2 " children through vfork4j, " $3 " declined to the JDK, in " $1 " JVMs" }')"
echo "  command: $JAVA_HOME/bin/jshell ${OPTS[*]} $B/snippet.jsh"
