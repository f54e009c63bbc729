package dev.vfork4j;

import static dev.vfork4j.linux.Linux.P_PIDFD;
import static dev.vfork4j.linux.Linux.WEXITED;
import static dev.vfork4j.linux.Linux.WNOHANG;
import static dev.vfork4j.linux.Linux.WNOWAIT;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Siginfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a child exited on its own rather than because of a timeout's signal: a child that
 * exited before the signal landed is not a timeout.
 *
 * <p>At the deadline, before signalling: a process that exits is first marked exiting
 * (PF_EXITING, set as exit_group begins, before its memory and files are torn down), then
 * becomes a zombie; a signal that reaches it in either state changes nothing, and its status
 * is the exit code it chose. Such a child is left alone.
 *
 * <p>The child may still begin to exit between that look and the signal (the signalling
 * thread can be preempted there for milliseconds on a busy machine). What settles it is the
 * status: a signal the child neither catches, ignores nor blocks kills a child that has not
 * begun to exit, so when the status is an exit code nonetheless, the exit came first.
 */
final class ExitCheck {
    private ExitCheck() {}

    /** PF_EXITING in the flags of /proc/PID/stat (include/linux/sched.h). */
    private static final long PF_EXITING = 0x4;

    /**
     * True when the child behind {@code pidfd} is a zombie (waitid with WNOWAIT, which leaves
     * it for the reap) or is exiting. Call it only while the child is unreaped (then
     * /proc/{@code pid} is the child).
     */
    static boolean begun(int pidfd, long pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(Siginfo.LAYOUT);
            if (Posix.waitid(CallState.allocate(a), P_PIDFD, pidfd, info, WEXITED | WNOHANG | WNOWAIT) == 0
                && Siginfo.pid(info) != 0) {
                return true;
            }
        }
        return procState(pid) == State.EXITING;
    }

    /**
     * True when {@code s} can only kill process {@code pid} (were it not exiting already):
     * SIGKILL, or a signal it neither catches, ignores nor blocks, as /proc/PID/status says
     * now (the blocked mask is its main thread's). False when that cannot be read.
     */
    static boolean fatal(long pid, Signal s) {
        if (s == Signal.SIGKILL) {
            return true;
        }
        long bit = 1L << (s.number() - 1);
        int seen = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("SigBlk:") || line.startsWith("SigIgn:") || line.startsWith("SigCgt:")) {
                    if ((Long.parseUnsignedLong(line.substring(7).strip(), 16) & bit) != 0) {
                        return false;
                    }
                    seen++;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return seen == 3;
    }

    enum State { RUNNING, EXITING, GONE }

    /**
     * What /proc/PID/stat says about {@code pid} now: a zombie or a process marked exiting is
     * EXITING; GONE when there is no such process (or /proc cannot be read). Plain Java, so the
     * JDK mechanism can ask it without native access.
     */
    static State procState(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return State.GONE;
        }
        // pid (comm) state ppid pgrp session tty_nr tpgid flags ...; comm may hold spaces and ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 8);
        try {
            char state = fields[0].charAt(0);
            long flags = Long.parseLong(fields[6]);
            return state == 'Z' || state == 'X' || (flags & PF_EXITING) != 0 ? State.EXITING : State.RUNNING;
        } catch (RuntimeException e) {
            return State.RUNNING; // not the format of any Linux: claim no exit
        }
    }
}
