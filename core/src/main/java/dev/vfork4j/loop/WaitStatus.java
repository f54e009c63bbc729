package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

/**
 * How a child ended, as waitid(2) reports it: {@code si_code} and {@code si_status}, and what
 * the reap's rusage says the child (and the descendants it waited for) spent on the CPU.
 *
 * @param userMicros   {@code ru_utime}, or -1 when unknown
 * @param systemMicros {@code ru_stime}, or -1 when unknown
 * @param reapedAt     {@link System#nanoTime()} at the reap
 */
public record WaitStatus(int siCode, int siStatus, long userMicros, long systemMicros, long reapedAt) {
    /** A status without usage. */
    public WaitStatus(int siCode, int siStatus) {
        this(siCode, siStatus, -1, -1, System.nanoTime());
    }

    public boolean exited() {
        return siCode == CLD_EXITED;
    }

    public boolean coreDumped() {
        return siCode == CLD_DUMPED;
    }
}
