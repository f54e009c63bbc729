package dev.vfork4j.loop;

import java.io.IOException;

/**
 * What a new child gives the loop to watch, but only when someone needs it to: its pidfd, the
 * pipes whose output it captures. A platform thread that waits for the child polls them
 * itself instead ({@link KernelWait}), and may take them out of the sweep meanwhile
 * ({@link EventLoop#unsweep}); the loop takes them on {@link #watch()} or, at the latest, at
 * its next sweep ({@link EventLoop#SWEEP_NANOS} after the spawn).
 */
interface Sweepable {
    /** Into the loop's epoll set now, unless a platform thread polls it or it has ended. Any thread. */
    void watch();

    /** The loop died before it took this: whatever waits on it must fail rather than wait forever. */
    void loopDied(IOException cause);
}
