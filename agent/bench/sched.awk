# run-agent.sh sched: one line per start of PARENT (-v parent=TID), from
# `perf script -F tid,cpu,time,event,trace` of sched_switch, sched_wakeup_new and
# sched_process_exit (in time order): the parent's µs on a CPU while its child lives and after
# the child's exit until the next child, the child's µs on a CPU, the period from one child's
# creation to the next, and 1 when the child was created on the parent's CPU (else 0).
# A task's time on a CPU runs from the switch to it to the switch away from it.

# Adds the parent's time on a CPU up to t to the phase it ran in.
function flush(t,   c) {
  for (c in cur) {
    if (cur[c] == parent) {
      pt[phase] += t - since[c]
      since[c] = t
    }
  }
}

function pidOf(key,   v) {
  match($0, key "=[0-9]+")
  return substr($0, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
}

{
  tid = $1
  cpu = $2
  gsub(/[\[\]]/, "", cpu)
  t = $3
  sub(/:$/, "", t)
  t *= 1e6
  ev = $4
  if (ev == "sched:sched_switch:") {
    prev = pidOf("prev_pid")
    if (cpu in cur) {
      if (prev == parent) pt[phase] += t - since[cpu]
      else if (prev == child) ct += t - since[cpu]
    }
    cur[cpu] = pidOf("next_pid")
    since[cpu] = t
  } else if (ev == "sched:sched_wakeup_new:" && tid == parent) {
    flush(t)
    if (t0 && exited) printf "%.1f %.1f %.1f %.1f %d\n", pt["alive"], pt["after"], ct, t - t0, same
    child = pidOf(" pid")
    same = (pidOf("target_cpu") + 0 == cpu + 0)
    t0 = t
    exited = 0
    phase = "alive"
    pt["alive"] = 0
    pt["after"] = 0
    ct = 0
  } else if (ev == "sched:sched_process_exit:" && tid == child && !exited) {
    flush(t)
    exited = 1
    phase = "after"
  }
}
