package dev.vfork4j;

import java.io.IOException;
import java.time.Duration;

/**
 * A child ran past its {@link Command#timeout(Duration) timeout} and was ended. {@link #output()}
 * holds what was captured before it ended and its final status (normally killed by SIGTERM or
 * SIGKILL, unless it exited on its own during the grace), and {@link Output#incomplete()} when a
 * process the child left behind still held its stdout or stderr at the end of the
 * {@link Command#waitDelay(Duration) wait delay}. The message reads
 * {@code "sleep" timed out after 3 s and was ended: killed by SIGTERM}.
 */
public final class ProcessTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Output output;
    /** The timeout that expired. */
    private final Duration timeout;

    /**
     * A timeout of {@code program} after {@code timeout}, with what was captured.
     *
     * @param program the program as the command named it
     * @param timeout the timeout that expired
     * @param output  what was captured and the final status
     */
    public ProcessTimeoutException(String program, Duration timeout, Output output) {
        super("\"" + program + "\" timed out after " + HumanDuration.format(timeout) + " and was ended: " + output.status());
        this.timeout = timeout;
        this.output = output;
    }

    /**
     * {@return what was captured (empty arrays under run()) and the final status} Not kept when
     * the exception is serialized: null in a deserialized copy.
     */
    public Output output() {
        return output;
    }

    /** {@return the timeout that expired} */
    public Duration timeout() {
        return timeout;
    }
}
