package dev.vfork4j;

/** Resource limits a child can be given with {@link Command#limit}, numbered as setrlimit(2) numbers them. */
public enum Resource {
    /** CPU time, in seconds. */
    CPU(0),
    /** Largest file the child may create, in bytes. */
    FSIZE(1),
    /** Data segment size, in bytes. */
    DATA(2),
    /** Main thread's stack size, in bytes. */
    STACK(3),
    /** Largest core dump, in bytes. */
    CORE(4),
    /** Processes (threads) of the child's real user. */
    NPROC(6),
    /** Open file descriptors (one more than the highest number). */
    NOFILE(7),
    /** Locked memory, in bytes. */
    MEMLOCK(8),
    /** Address space, in bytes. */
    AS(9),
    /** File locks. */
    LOCKS(10),
    /** Queued signals. */
    SIGPENDING(11),
    /** Bytes in POSIX message queues. */
    MSGQUEUE(12),
    /** Ceiling of the nice value (20 - n). */
    NICE(13),
    /** Ceiling of the real-time priority. */
    RTPRIO(14),
    /** Real-time CPU time without a blocking call, in microseconds. */
    RTTIME(15);

    /** The value that means "no limit" (RLIM_INFINITY). */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final int number;

    Resource(int number) {
        this.number = number;
    }

    /**
     * The number setrlimit(2) and prlimit(2) know this resource by.
     *
     * @return the RLIMIT_* number ({@code RLIMIT_NOFILE} is 7)
     */
    public int number() {
        return number;
    }
}
