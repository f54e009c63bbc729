package dev.vfork4j;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A Command's I/O beyond redirects: what is fed to stdin, who consumes stdout and stderr as
 * they arrive, the output() limit and the timeout. Immutable.
 *
 * @param inputBuffer   stdin's content, fed from the loop (null: none)
 * @param inputStream   stdin's content, copied by a virtual thread (null: none)
 * @param onStdout      the handler of stdout as it arrives (null: none)
 * @param onStderr      the handler of stderr as it arrives (null: none)
 * @param maxOutput     what output() keeps of each stream, in bytes
 * @param timeout       null: none; any positive Duration (one beyond {@link #BEYOND_REACH} is never reached)
 * @param grace         between the timeout's SIGTERM and its SIGKILL (zero: SIGKILL at once; beyond
 *                      {@link #BEYOND_REACH}: no SIGKILL)
 * @param waitDelay     how long after the exit the pipes may take to reach their end (beyond
 *                      {@link #BEYOND_REACH}: for ever)
 */
record IoOptions(ByteBuffer inputBuffer, InputStream inputStream, ChunkHandler onStdout,
                 ChunkHandler onStderr, long maxOutput, Duration timeout, Duration grace, Duration waitDelay) {

    /** See {@link Command#DEFAULT_WAIT_DELAY}. */
    static final Duration DEFAULT_WAIT_DELAY = Duration.ofSeconds(1);

    /** The grace between SIGTERM and SIGKILL when a timeout expires, unless one is given. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

    /**
     * Timeouts and graces longer than this (a century) are never reached: no deadline is set
     * for them. Deadlines are {@link System#nanoTime()} values, and a {@code long} of
     * nanoseconds reaches 292 years only, so {@code Duration.ofMillis(Long.MAX_VALUE)}, the
     * usual "no timeout", would otherwise overflow, or wrap into a deadline in the past.
     */
    static final Duration BEYOND_REACH = Duration.ofDays(36_525);

    /** {@code d} in nanoseconds, or -1 when it is beyond reach (never). */
    static long nanosOrNever(Duration d) {
        return d.compareTo(BEYOND_REACH) > 0 ? -1 : d.toNanos();
    }

    static final IoOptions NONE = new Builder().build();

    /** A builder holding these options, for a copy with some changed. */
    Builder toBuilder() {
        return new Builder(this);
    }

    /** The one place an IoOptions is assembled: a new option is a component, a field and a setter here. */
    static final class Builder {
        private ByteBuffer inputBuffer;
        private InputStream inputStream;
        private ChunkHandler onStdout, onStderr;
        private long maxOutput = Long.MAX_VALUE;
        private Duration timeout;
        private Duration grace = DEFAULT_GRACE;
        private Duration waitDelay = DEFAULT_WAIT_DELAY;

        private Builder() {}

        private Builder(IoOptions o) {
            inputBuffer = o.inputBuffer;
            inputStream = o.inputStream;
            onStdout = o.onStdout;
            onStderr = o.onStderr;
            maxOutput = o.maxOutput;
            timeout = o.timeout;
            grace = o.grace;
            waitDelay = o.waitDelay;
        }

        /** stdin's content is these bytes (replacing a stream given before). */
        Builder input(ByteBuffer b) {
            inputBuffer = b;
            inputStream = null;
            return this;
        }

        /** stdin's content is what this stream gives (replacing bytes given before). */
        Builder input(InputStream s) {
            inputBuffer = null;
            inputStream = s;
            return this;
        }

        /** No content for stdin: it is a redirect, or inherited. */
        Builder noInput() {
            inputBuffer = null;
            inputStream = null;
            return this;
        }

        Builder onStdout(ChunkHandler c) {
            onStdout = c;
            return this;
        }

        Builder onStderr(ChunkHandler c) {
            onStderr = c;
            return this;
        }

        Builder maxOutput(long max) {
            maxOutput = max;
            return this;
        }

        Builder timeout(Duration t, Duration g) {
            timeout = t;
            grace = g;
            return this;
        }

        Builder waitDelay(Duration d) {
            waitDelay = d;
            return this;
        }

        IoOptions build() {
            return new IoOptions(inputBuffer, inputStream, onStdout, onStderr, maxOutput, timeout, grace, waitDelay);
        }
    }

    boolean hasInput() {
        return inputBuffer != null || inputStream != null;
    }
}
