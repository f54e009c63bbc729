package dev.vfork4j;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * What {@link Command#output()} captured: the exit status and what the child wrote to stdout
 * and stderr — every byte, unless {@link Command#maxOutput(long)} cut it short, which
 * {@link #truncated()} then says. The arrays are the record's own; they are not copied on
 * each access. Two Outputs are equal when their statuses, flags and bytes are.
 *
 * @param status    how the child ended; for a {@link Pipeline}, the status of its rightmost
 *                  stage that did not succeed, else success
 * @param stdout    what the child wrote to stdout (with {@code stderr(Redirect.STDOUT)}, to
 *                  both); empty when stdout was redirected elsewhere
 * @param stderr    what the child wrote to stderr (for a {@link Pipeline}, every stage's);
 *                  empty when stderr was redirected elsewhere
 * @param truncated true when {@link Command#maxOutput(long)} cut stdout or stderr short
 * @param incomplete true when stdout or stderr had not reached its end when the
 *                   {@link Command#waitDelay(Duration) wait delay} after the child's exit ran
 *                   out (a process the child left behind held the pipe): the pipe was closed,
 *                   and what that process wrote later is not here
 */
public record Output(ExitStatus status, byte[] stdout, byte[] stderr, boolean truncated, boolean incomplete) {

    /**
     * An Output holding {@code stdout} and {@code stderr} as they are, without a copy.
     *
     * @throws NullPointerException when {@code status}, {@code stdout} or {@code stderr} is null
     */
    public Output {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /**
     * Output read to its end: not {@link #incomplete()}.
     *
     * @param status    how the child ended
     * @param stdout    what the child wrote to stdout
     * @param stderr    what the child wrote to stderr
     * @param truncated true when {@link Command#maxOutput(long)} cut stdout or stderr short
     * @throws NullPointerException when {@code status}, {@code stdout} or {@code stderr} is null
     */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr, boolean truncated) {
        this(status, stdout, stderr, truncated, false);
    }

    /**
     * Output kept in full and read to its end: neither {@link #truncated()} nor {@link #incomplete()}.
     *
     * @param status how the child ended
     * @param stdout what the child wrote to stdout
     * @param stderr what the child wrote to stderr
     * @throws NullPointerException when an argument is null
     */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr) {
        this(status, stdout, stderr, false, false);
    }

    /**
     * stdout decoded as UTF-8, each malformed or unmappable byte sequence replaced with U+FFFD.
     * A new String at each call.
     *
     * @return the text of {@link #stdout()}
     */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /**
     * stderr decoded as UTF-8, each malformed or unmappable byte sequence replaced with U+FFFD.
     * A new String at each call.
     *
     * @return the text of {@link #stderr()}
     */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Output other && status.equals(other.status) && truncated == other.truncated
            && incomplete == other.incomplete
            && Arrays.equals(stdout, other.stdout) && Arrays.equals(stderr, other.stderr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, Arrays.hashCode(stdout), Arrays.hashCode(stderr), truncated, incomplete);
    }

    @Override
    public String toString() {
        return "Output[" + status + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes"
            + (truncated ? ", truncated" : "") + (incomplete ? ", incomplete" : "") + "]";
    }
}
