#!/usr/bin/env bash
# Issue 15, item 7: an unmodified program (plain ProcessBuilder code, AgentBench) with the agent
# and without it, side by side in one run, JVMs interleaved (with, without, with, ...), medians.
#
#   agent/bench/run-agent.sh [ROUNDS]     ROUNDS interleaved rounds for (a) and (d) (default 3);
#                                         (b) takes 2 + 2×ROUNDS fresh JVMs per cell; (c) one pair
#                                         (BIG_ROUNDS=n for more: pre-touching 8 GB takes a while)
#
# (a) start + waitFor of /bin/true in a loop, steady state: agent vs the JDK's default (target ≤ 0.5×),
#     and beside it in each round the floor, C's vfork + execve + waitpid (bench/target/vfork_loop);
# (b) the first start + waitFor, 0 ms, 100 ms and 1 s after main began, a fresh JVM each time,
#     the agent's default (untilReady=jdk) vs without (target: with ≤ without at every moment);
# (c) from an 8 GB pre-touched heap (-Xms8g -Xmx8g -XX:+AlwaysPreTouch, 4 GB of live ballast,
#     HeapBallast) with -Djdk.lang.Process.launchMechanism=FORK: agent vs without (target ≥ 100×);
# (d) at 10,000 open fds vs ~10: the agent's ratio (target ≤ 1.05×), and the JDK's; both cells in
#     each JVM, in alternating batches (AgentBench fds), one JVM with and one without per round;
# (e) the JVM's threads (/proc/self/task) with 1,000 live children (sleep 30), with and without.
#
#   agent/bench/run-agent.sh syscalls [SECONDS]
#
# instead counts what the spawning thread of an unmodified program does per start + waitFor
# under the agent, in steady state (AgentBench steady: WARM starts, then SECONDS of starts,
# default 4): the system calls it makes (perf record -e raw_syscalls:sys_enter on that thread
# alone, by name on x86_64, divided by its clone3 calls) and its CPU time per start. Needs perf
# (Debian: linux-perf) and the right to trace (root, or perf_event_paranoid ≤ 1).
#
#   agent/bench/run-agent.sh sched [SECONDS]
#
# splits a steady start + waitFor (the same AgentBench steady) between the spawning thread and
# the child, from the scheduler's events over SECONDS (default 1; perf record -a -e
# sched:sched_switch,sched:sched_wakeup_new,sched:sched_process_exit, summed by sched.awk): the
# medians of the thread's time on a CPU while the child lives and after its exit, of the
# child's, and of the period from one child's creation to the next; and how many children were
# created on their parent's CPU. The same for C's loop (bench/target/vfork_loop) beside it.
#
#   agent/bench/run-agent.sh compare ROUNDS JAR...
#
# runs each agent jar (builds to compare), then the JDK without an agent and C's loop, ROUNDS
# interleaved rounds: per JVM the median of 2000 steady starts (AgentBench loop 2000 WARM) and,
# in a fresh JVM, a first start 1 s after main (AgentBench first 1000); then each one's medians.
#
# Builds the agent jar and the ballast jar when missing or older than their sources (AGENT_JAR=path
# uses that agent jar as it is instead, to compare two builds), compiles
# AgentBench into agent/target/agent-bench. Output: the table on stdout and in
# agent/target/agent-bench/figures.md, every JVM's line in agent/target/agent-bench/runs.txt.
# Needs ulimit -n ≥ 20000 (raised here when the hard limit allows) and ~9 GB of free memory for (c).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
agent=$(dirname "$here")
root=$(dirname "$agent")
# shellcheck source=../../.mvn/find-jdk.sh
. "$root/.mvn/find-jdk.sh"
mode=figures
case "${1:-}" in
  syscalls | sched | compare) mode=$1; shift ;;
esac
rounds=${1:-3}
# Warm-up starts before a steady-state loop (a, c, d): vfork4j's start is Java, whose methods,
# called once a start, reach C2 only after thousands of calls (tiered compilation's Tier4
# thresholds, 5,000 calls and 15,000 calls + loops). After 2,000 warm-up starts the compilers
# still spent 175-240 µs of CPU per timed start (their thread's CPU time over 2,000 timed
# starts, on 2 CPUs) and each start took 1.1-1.3× its time after 15,000; the JDK's start is
# mostly native. AgentBench prints the compilers' time during the timed loop (jit_ms).
# WARM=n to change it.
warm=${WARM:-15000}
java="$JAVA_HOME/bin/java"
out="$agent/target/agent-bench"
mkdir -p "$out/classes"
runs="$out/runs.txt"
: >"$runs"

ulimit -n 20000 2>/dev/null || true
if [ "$(ulimit -n)" -lt 20000 ]; then
  echo "run-agent.sh needs ulimit -n >= 20000 for (d); the hard limit is $(ulimit -Hn)" >&2
  exit 1
fi

stale() { # stale JAR DIR...: true when JAR is missing or a file under DIR is newer
  local jar=$1; shift
  [ -z "$jar" ] || [ ! -f "$jar" ] || [ -n "$(find "$@" -newer "$jar" -type f -print -quit)" ]
}
agent_jar=$(ls "$agent"/target/vfork4j-agent-*.jar 2>/dev/null | grep -v -e original -e sources -e javadoc | head -1 || true)
ballast_jar=$(ls "$root"/ballast/target/vfork4j-ballast-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
if { [ -z "${AGENT_JAR:-}" ] && stale "$agent_jar" "$agent/src/main" "$root/core/src/main"; } || stale "$ballast_jar" "$root/ballast/src/main"; then
  echo "building the agent and ballast jars ..." >&2
  (cd "$root" && ./mvnw -B -o -q -pl agent,ballast -am package -DskipTests)
  agent_jar=$(ls "$agent"/target/vfork4j-agent-*.jar | grep -v -e original -e sources -e javadoc | head -1)
  ballast_jar=$(ls "$root"/ballast/target/vfork4j-ballast-*.jar | grep -v -e sources -e javadoc | head -1)
fi
agent_jar=${AGENT_JAR:-$agent_jar} # another build of the agent, as it is, to compare two
"$JAVA_HOME/bin/javac" -q -d "$out/classes" -cp "$ballast_jar" --release 25 \
  "$here"/src/dev/vfork4j/agent/bench/AgentBench.java 2>/dev/null ||
  "$JAVA_HOME/bin/javac" -d "$out/classes" -cp "$ballast_jar" --release 25 "$here"/src/dev/vfork4j/agent/bench/AgentBench.java
cp="$out/classes:$ballast_jar"
with=(-javaagent:"$agent_jar" --enable-native-access=ALL-UNNAMED)

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0 || a == "-" || b == "-") print "-"; else printf "%.2f", a / b }'; }
c_median() { sed -n 's/.* us  median \([0-9.]*\) us .*/\1/p'; } # of a vfork_loop line

# steady_jvm SECONDS: AgentBench steady under the agent in the background (jvm: its pid), once it
# has made its warm-up starts (tid: its spawning thread; its line in $steady when it ends)
steady_jvm() {
  steady="$out/steady.txt"
  : >"$steady"
  "$java" "${with[@]}" -cp "$cp" dev.vfork4j.agent.bench.AgentBench steady "$warm" $(($1 + 2)) >"$steady" &
  jvm=$!
  until grep -q '^tid=' "$steady"; do
    kill -0 "$jvm" 2>/dev/null || { echo "AgentBench steady ended early" >&2; exit 1; }
    sleep 0.2
  done
  tid=$(sed -n 's/^tid=//p' "$steady")
  sleep 1
}
needs_perf() {
  command -v perf >/dev/null || { echo "run-agent.sh $mode needs perf (Debian package linux-perf)" >&2; exit 1; }
}

if [ "$mode" = syscalls ]; then
  needs_perf
  secs=${1:-4}
  steady_jvm "$secs"
  perf record -q -e raw_syscalls:sys_enter -t "$tid" -o "$out/syscalls.data" -- sleep "$secs" 2>/dev/null
  wait "$jvm"
  echo "spawning thread, steady state after $warm starts: $(grep '^starts=' "$steady")"
  perf script -i "$out/syscalls.data" -F trace 2>/dev/null | awk -v arch="$(uname -m)" '
    BEGIN { split("0 read 1 write 3 close 5 fstat 7 poll 13 rt_sigaction 14 rt_sigprocmask 16 ioctl 72 fcntl " \
                  "202 futex 232 epoll_wait 233 epoll_ctl 247 waitid 257 openat 262 newfstatat 286 timerfd_settime " \
                  "292 dup3 293 pipe2 424 pidfd_send_signal 435 clone3", t, " ")
            for (i = 1; i < length(t); i += 2) name[t[i]] = t[i + 1] }
    $1 == "NR" { n[$2]++; all++ }
    END {
      if (!n[435]) { print "no clone3 traced"; exit 1 }
      printf "system calls per start: %.2f (%d starts traced)\n", all / n[435], n[435]
      for (nr in n) printf "  %s %.2f\n", (arch == "x86_64" && nr in name) ? name[nr] : "NR " nr, n[nr] / n[435] | "sort -k2 -rn"
    }'
  exit 0
fi

if [ "$mode" = sched ]; then
  needs_perf
  secs=${1:-1}
  "$root/bench/run-c-baseline.sh" --build-only >&2
  # sched_of PARENT: per start, from the events in $out/sched.data: the thread's µs on a CPU while
  # the child lives and after, the child's, the period; their medians, and the children created
  # on the parent's CPU
  sched_of() {
    perf script -i "$out/sched.data" -F tid,cpu,time,event,trace 2>/dev/null | awk -v parent="$1" -f "$here/sched.awk" >"$out/sched.txt"
    local col
    for col in 1 2 3 4; do cut -d' ' -f$col "$out/sched.txt" | median; done | paste -sd' ' |
      awk -v n="$(wc -l <"$out/sched.txt")" -v same="$(awk '$5 == 1' "$out/sched.txt" | wc -l)" \
        '{ printf "thread %s µs while the child lives + %s µs after its exit, child %s µs, period %s µs (medians of %d starts; %d children created on the parent'"'"'s CPU)\n", $1, $2, $3, $4, n, same }'
  }
  steady_jvm "$secs"
  perf record -q -a -e sched:sched_switch,sched:sched_wakeup_new,sched:sched_process_exit -o "$out/sched.data" -- sleep "$secs" 2>/dev/null
  wait "$jvm"
  echo "agent, steady state after $warm starts ($(grep '^starts=' "$steady")): $(sched_of "$tid")"
  "$root/bench/target/vfork_loop" 3000 vfork >"$out/c-loop.txt" &
  cloop=$!
  sleep 0.5
  perf record -q -a -e sched:sched_switch,sched:sched_wakeup_new,sched:sched_process_exit -o "$out/sched.data" -- sleep "$secs" 2>/dev/null
  wait "$cloop"
  echo "C's vfork_loop (median $(c_median <"$out/c-loop.txt") µs): $(sched_of "$cloop")"
  exit 0
fi

if [ "$mode" = compare ]; then
  [ $# -ge 2 ] || { echo "usage: agent/bench/run-agent.sh compare ROUNDS JAR..." >&2; exit 2; }
  shift
  "$root/bench/run-c-baseline.sh" --build-only >&2
  declare -A loop first
  for ((r = 0; r < rounds; r++)); do
    for j in "$@" jdk; do
      opts=(-javaagent:"$j" --enable-native-access=ALL-UNNAMED)
      [ "$j" = jdk ] && opts=()
      l=$("$java" "${opts[@]}" -cp "$cp" dev.vfork4j.agent.bench.AgentBench loop 2000 "$warm" | field median_us)
      f=$("$java" "${opts[@]}" -cp "$cp" dev.vfork4j.agent.bench.AgentBench first 1000 | field first_us)
      loop[$j]+="$l " first[$j]+="$f "
      echo "round $((r + 1)) $j: loop median_us=$l, first start at 1 s first_us=$f"
    done
    c=$("$root/bench/target/vfork_loop" 1000 vfork | c_median)
    loop[c]+="$c "
    echo "round $((r + 1)) C's vfork_loop: median_us=$c"
  done
  for j in "$@" jdk c; do
    echo "$j: loop medians ${loop[$j]}(median $(echo "${loop[$j]}" | tr ' ' '\n' | grep . | median) µs)$([ "$j" = c ] || echo ", first starts ${first[$j]}(median $(echo "${first[$j]}" | tr ' ' '\n' | grep . | median) µs)")"
  done
  exit 0
fi

# bench LABEL STATS-FILE [JVM options...] -- [AgentBench args...]: one JVM; its line, prefixed, to runs.txt and stdout
bench() {
  local label=$1 stats=$2; shift 2
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  local line
  line=$("$java" "${opts[@]}" -Dvfork4j.agent.stats="$stats" -cp "$cp" dev.vfork4j.agent.bench.AgentBench "$@")
  echo "$label $line" >>"$runs"
  echo "$line"
}
st="$out/stats.txt"
: >"$st"

echo "(a) start + waitFor of /bin/true, steady state ..." >&2
# The floor beside it, in each round: C's vfork + execve + waitpid of the same /bin/true.
"$root/bench/run-c-baseline.sh" --build-only >&2
a_with='' a_jdk='' a_c=''
for ((r = 0; r < rounds; r++)); do
  a_with+="$(bench a-with "$st" "${with[@]}" -- loop 1000 "$warm" | field median_us) "
  a_jdk+="$(bench a-jdk /dev/null -- loop 1000 "$warm" | field median_us) "
  line=$("$root/bench/target/vfork_loop" 1000 vfork)
  echo "a-c $line" >>"$runs"
  a_c+="$(echo "$line" | sed -n 's/.* us  median \([0-9.]*\) us .*/\1/p') "
done

echo "(b) first start at 0 ms, 100 ms, 1 s ..." >&2
declare -A b=()
b_stats="$out/stats-first.txt"
: >"$b_stats"
for ((r = 0; r < 2 + 2 * rounds; r++)); do
  for d in 0 100 1000; do
    if (( r % 2 == 0 )); then
      b[with-$d]+="$(bench b-with-$d "$b_stats" "${with[@]}" -- first $d | field first_us) "
      b[jdk-$d]+="$(bench b-jdk-$d /dev/null -- first $d | field first_us) "
    else
      b[jdk-$d]+="$(bench b-jdk-$d /dev/null -- first $d | field first_us) "
      b[with-$d]+="$(bench b-with-$d "$b_stats" "${with[@]}" -- first $d | field first_us) "
    fi
  done
done

echo "(c) 8 GB pre-touched heap, launchMechanism=FORK ..." >&2
big=(-Xms8g -Xmx8g -XX:+AlwaysPreTouch -Djdk.lang.Process.launchMechanism=FORK)
c_with='' c_jdk='' c_rss=''
for ((r = 0; r < ${BIG_ROUNDS:-1}; r++)); do
  line=$(bench c-with "$st" "${big[@]}" "${with[@]}" -- loop 200 "$warm" 0 ballast)
  c_with+="$(echo "$line" | field median_us) "
  c_rss+="$(echo "$line" | field rss_mb) "
  line=$(bench c-jdk /dev/null "${big[@]}" -- loop 12 3 0 ballast)
  c_jdk+="$(echo "$line" | field median_us) "
  c_rss+="$(echo "$line" | field rss_mb) "
done

echo "(d) 10,000 open fds vs ~10 ..." >&2
# Both cells in one JVM, in alternating batches (AgentBench fds): JVMs run minutes apart drift
# with the machine by more than the difference measured (runs 7 and 8: 0.81-1.33x by round).
d_with10='' d_with10k='' d_jdk10='' d_jdk10k=''
for ((r = 0; r < rounds; r++)); do
  line=$(bench d-with "$st" "${with[@]}" -- fds 1000 "$warm" 10000 50)
  d_with10+="$(echo "$line" | field low_median_us) "
  d_with10k+="$(echo "$line" | field high_median_us) "
  line=$(bench d-jdk /dev/null -- fds 100 20 10000 10)
  d_jdk10+="$(echo "$line" | field low_median_us) "
  d_jdk10k+="$(echo "$line" | field high_median_us) "
done

echo "(e) threads with 1,000 live children ..." >&2
e_with=$(bench e-with "$st" "${with[@]}" -- threads 1000)
e_jdk=$(bench e-jdk /dev/null -- threads 1000)

m() { printf '%s\n' $1 | median; }
aw=$(m "$a_with") aj=$(m "$a_jdk") ac=$(m "$a_c")
cw=$(m "$c_with") cj=$(m "$c_jdk")
dw10=$(m "$d_with10") dw10k=$(m "$d_with10k") dj10=$(m "$d_jdk10") dj10k=$(m "$d_jdk10k")
{
  echo "| figure | with the agent | without (the JDK's) | with / without | target |"
  echo "|---|---:|---:|---:|---|"
  echo "| (a) start + waitFor of /bin/true, steady state, median µs | $aw | $aj | $(ratio "$aw" "$aj")× | ≤ 0.5× |"
  echo "| (a) the floor beside it: C's vfork + execve + waitpid, median µs | $ac | $aj | $(ratio "$ac" "$aj")× | |"
  for d in 0 100 1000; do
    bw=$(m "${b[with-$d]}") bj=$(m "${b[jdk-$d]}")
    echo "| (b) first start + waitFor, $d ms after main, median µs | $bw | $bj | $(ratio "$bw" "$bj")× | ≤ 1× |"
  done
  echo "| (c) from an 8 GB pre-touched heap, launchMechanism=FORK, median µs | $cw | $cj | $(ratio "$cw" "$cj")× ($(ratio "$cj" "$cw")× faster) | ≥ 100× faster |"
  echo "| (d) at 10,000 open fds, median µs | $dw10k | $dj10k | | |"
  echo "| (d) at ~10 open fds, median µs | $dw10 | $dj10 | | |"
  echo "| (d) 10,000 fds / ~10 fds | $(ratio "$dw10k" "$dw10")× | $(ratio "$dj10k" "$dj10")× | | ≤ 1.05× with |"
  echo "| (e) JVM threads: before → with 1,000 live children | $(echo "$e_with" | field threads_before) → $(echo "$e_with" | field threads_with_children) | $(echo "$e_jdk" | field threads_before) → $(echo "$e_jdk" | field threads_with_children) | | |"
  echo
  echo "Rounds: $rounds interleaved ((b): $((2 + 2 * rounds)) fresh JVMs per cell, (c): ${BIG_ROUNDS:-1} pair). Per JVM: (a) $warm warm-up + 1000 timed;" \
    "(c) with $warm + 200, without 3 + 12; (d) with $warm + 1000 per cell in batches of 50, without 20 + 100 in batches of 10."
  echo "(a) the JIT compilers' time during each JVM's 1000 timed starts, ms: with $(grep '^a-with ' "$runs" | field jit_ms | xargs), without $(grep '^a-jdk ' "$runs" | field jit_ms | xargs)."
  echo "(c) resident set of the measured JVMs, MB: $(echo $c_rss)."
  echo "The first starts of (b) with the agent, as its stats counted them (vfork4j=1: through vfork4j; jdk=1 or 0/0: the JDK's code):" \
    "$(sed 's/pid=[0-9]* //' "$b_stats" | sort | uniq -c | awk '{ printf "%s%s × %s %s", sep, $1, $2, $3; sep = ", " }')."
  echo "Starts with the agent outside (b): $(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } } END { printf "vfork4j=%d jdk=%d", s["vfork4j"], s["jdk"] }' "$st")."
  echo "Conditions: $(date -u '+%Y-%m-%dT%H:%M:%SZ'), Linux $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) after;" \
    "$("$java" -version 2>&1 | sed -n 2p); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)."
} | tee "$out/figures.md"
