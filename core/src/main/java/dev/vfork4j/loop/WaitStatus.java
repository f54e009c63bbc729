package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

/** How a child ended, as waitid(2) reports it: {@code si_code} and {@code si_status}. */
public record WaitStatus(int siCode, int siStatus) {
    public boolean exited() {
        return siCode == CLD_EXITED;
    }

    public boolean coreDumped() {
        return siCode == CLD_DUMPED;
    }
}
