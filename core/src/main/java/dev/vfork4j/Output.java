package dev.vfork4j;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What {@link Command#output()} captured: the exit status and every byte the child wrote to
 * stdout and stderr. The arrays are the record's own; they are not copied on each access.
 */
public record Output(ExitStatus status, byte[] stdout, byte[] stderr) {

    public Output {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
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
        return o instanceof Output other && status.equals(other.status)
            && Arrays.equals(stdout, other.stdout) && Arrays.equals(stderr, other.stderr);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, Arrays.hashCode(stdout), Arrays.hashCode(stderr));
    }

    @Override
    public String toString() {
        return "Output[" + status + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
    }
}
