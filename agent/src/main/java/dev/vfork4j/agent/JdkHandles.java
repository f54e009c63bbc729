package dev.vfork4j.agent;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

/**
 * The JDK's own handle of a child (a java.lang.ProcessHandleImpl: the pid and the start time
 * in milliseconds since the epoch, which its equals and isAlive compare), made without reading
 * /proc. ProcessImpl makes one for every child it starts by reading /proc/PID/stat
 * (ProcessHandleImpl.getInternal), and the agent did the same through
 * {@code ProcessHandle.of}: an open and a walk of /proc/PID, a read and a parse in C, some
 * 15-30 µs of a start + waitFor's 650-700.
 *
 * <p>The JDK's start time is its boot time (read once, by ProcessHandleImpl's native
 * initialisation, from /proc/stat) plus the child's start in milliseconds since boot. vfork4j
 * knows the second from the clone itself (dev.vfork4j.spawn.StartTime, most starts); the first
 * is learnt from handles the JDK made: one taken the JDK's way, of a child whose start since
 * boot is known, gives it as the difference. It is used once two such handles agree, and never
 * when they disagree (a kernel whose /proc counts otherwise): every handle is then taken the
 * JDK's way, as before. Either way each handle equals the one the JDK would have made.
 */
final class JdkHandles {
    /** java.lang.ProcessHandleImpl. */
    private final Class<?> impl;
    /** {@code (long pid, long startTime)ProcessHandle}: ProcessHandleImpl's constructor. */
    private final MethodHandle make;
    /** ProcessHandleImpl's {@code long startTime}. */
    private final VarHandle startTime;
    private final BootMillis boot = new BootMillis();

    private JdkHandles(Class<?> impl, MethodHandle make, VarHandle startTime) {
        this.impl = impl;
        this.make = make;
        this.startTime = startTime;
    }

    /**
     * From ProcessImpl's own Lookup, each handle used once (the JDK spins their forms at a first
     * use), so that the starts that use them later find them ready.
     *
     * @return the handles; null on a JDK whose ProcessHandleImpl is not the one the agent knows
     * @throws Error what may pass (an OutOfMemoryError): the caller may try again later
     */
    static JdkHandles of(MethodHandles.Lookup processImpl) {
        JdkHandles h;
        try {
            Class<?> impl = processImpl.findClass("java.lang.ProcessHandleImpl");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(impl, processImpl);
            MethodHandle make = l.findConstructor(impl, MethodType.methodType(void.class, long.class, long.class))
                .asType(MethodType.methodType(ProcessHandle.class, long.class, long.class));
            h = new JdkHandles(impl, make, l.findVarHandle(impl, "startTime", long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
        ProcessHandle current = ProcessHandle.current(); // a ProcessHandleImpl
        h.make(current.pid(), h.startTimeOf(current));
        return h;
    }

    /**
     * The JDK's handle of {@code pid}, a child that started {@code sinceBoot} ms after boot; null
     * while the JDK's boot time is not known (the caller takes the handle the JDK's way and
     * gives it to {@link #learn}).
     */
    ProcessHandle of(long pid, long sinceBoot) {
        long b = boot.get();
        if (b == BootMillis.UNKNOWN || sinceBoot < 0) {
            return null;
        }
        return make(pid, b + sinceBoot);
    }

    /** {@code new ProcessHandleImpl(pid, startTime)}. */
    private ProcessHandle make(long pid, long startTime) {
        try {
            return (ProcessHandle) make.invokeExact(pid, startTime);
        } catch (Throwable t) {
            throw new AssertionError("ProcessHandleImpl's constructor throws nothing", t);
        }
    }

    /** The start time of {@code h}, a ProcessHandleImpl. */
    private long startTimeOf(ProcessHandle h) {
        return (long) startTime.get(h);
    }

    /** Learns the JDK's boot time from {@code jdkMade}, the JDK's handle of a child that started {@code sinceBoot} ms after boot. */
    void learn(ProcessHandle jdkMade, long sinceBoot) {
        if (sinceBoot >= 0 && impl.isInstance(jdkMade)) {
            boot.learn(startTimeOf(jdkMade), sinceBoot);
        }
    }

    /**
     * The JDK's boot time in ms, learnt from two handles that agree. Plain logic, apart from the
     * JDK's classes, so that it can be tested alone.
     */
    static final class BootMillis {
        /** Not known: not yet, or never (two handles disagreed). */
        static final long UNKNOWN = Long.MIN_VALUE;

        private volatile long value = UNKNOWN;
        private volatile boolean never;
        /** The first handle's answer, waiting for a second to agree. Guarded by this. */
        private long first = UNKNOWN;

        long get() {
            return value;
        }

        /**
         * One handle's answer: the JDK gave a child that started {@code sinceBoot} ms after boot
         * the start time {@code jdkStartTime}. A start time of 0 or less is the JDK's "could not
         * read it", and says nothing.
         */
        synchronized void learn(long jdkStartTime, long sinceBoot) {
            if (value != UNKNOWN || never || jdkStartTime <= 0 || sinceBoot < 0) {
                return;
            }
            long b = jdkStartTime - sinceBoot;
            if (first == UNKNOWN) {
                first = b;
            } else if (first == b) {
                value = b;
            } else {
                never = true;
            }
        }
    }
}
