package dev.vfork4j;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What {@link Command#output()} captured: the exit status and what the child wrote to stdout
 * and stderr — every byte, unless {@link Command#maxOutput(long)} cut it short, which
 * {@link #truncated()} then says. The arrays are the record's own; they are not copied on
 * each access.
 */
public record Output(ExitStatus status, byte[] stdout, byte[] stderr, boolean truncated) {

    public Output {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /** Output kept in full. */
    public Output(ExitStatus status, byte[] stdout, byte[] stderr) {
        this(status, stdout, stderr, false);
    }

    /** stdout decoded as UTF-8 (malformed input replaced). */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** stderr decoded as UTF-8 (malformed input replaced). */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Output other && status.equals(other.status) && truncated == other.truncated
            && Arrays.equals(stdout, other.stdout) && Arrays.equals(stderr, other.stderr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, Arrays.hashCode(stdout), Arrays.hashCode(stderr), truncated);
    }

    @Override
    public String toString() {
        return "Output[" + status + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes"
            + (truncated ? ", truncated" : "") + "]";
    }
}
