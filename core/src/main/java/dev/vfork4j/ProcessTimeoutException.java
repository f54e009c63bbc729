package dev.vfork4j;

import java.io.IOException;
import java.time.Duration;

/**
 * A child ran past its {@link Command#timeout(Duration) timeout} and was ended. {@link #output()}
 * holds what was captured before it ended and its final status (normally killed by SIGTERM or
 * SIGKILL, unless it exited on its own during the grace).
 */
public final class ProcessTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Output output;
    private final Duration timeout;

    public ProcessTimeoutException(String program, Duration timeout, Output output) {
        super("\"" + program + "\" timed out after " + timeout + " and was ended: " + output.status());
        this.timeout = timeout;
        this.output = output;
    }

    /** What was captured (empty arrays under run()) and the final status. */
    public Output output() {
        return output;
    }

    public Duration timeout() {
        return timeout;
    }
}
